"""The plan of a build: every file of the site to be, and what to do with each: keep it (the
spare holds it, made for the same key), link it from ``out`` (made there by the last
build), or render it."""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Collection, Iterator
from typing import NamedTuple

from flask import Flask

from statuspage.freeze.tree import Manifest
from statuspage.state.runs import Run
from statuspage.state.status import IncidentView, Snapshot
from statuspage.web import incident_outputs, site_outputs
from statuspage.web.registry import Facts, Output, last_shown, views_in

KEEP, LINK, RENDER = "keep", "link", "render"


class Planned(NamedTuple):
    """One file of the site to be: its output, its id in manifests, what to do with it."""

    id: str
    output: Output
    action: str  # KEEP (already in the spare), LINK (from out), RENDER


class Held(NamedTuple):
    """What may be reused: the spare's files, made for the same inputs (kept where they
    are), and out's (linked from there); None: nothing."""

    spare: Manifest | None
    out: Manifest | None


# One incident's plan: its view, its facts, its files' ids and outputs.
IncidentPlan = tuple[IncidentView, Facts, list[tuple[str, Output]]]
Stamp = tuple[str, int, int | None]  # a map: its store, its tree, its generation


class RunPlan(NamedTuple):
    """The plans of one run's published incidents (``state/runs.py``) for their facts
    (``shown``), with all their files. ``wrote``: the maps written by the builds that
    planned them so: a spare whose map is one of these holds each of these files, made
    for the same key.

    Once a build finds the spare's map holding them all, made for the same keys (or both
    trees' maps), only their ids are kept (``slim``): a settled run's thousand outputs,
    their values and keys, are of no more use while it stays so (at 100,000 incidents,
    190 MB of a daemon's memory), and are made again the day it changes, or the spare no
    longer holds them."""

    run: Run
    shown: tuple
    plans: dict[str, IncidentPlan]  # by incident id (none once slim)
    files: list[tuple[str, Output]] | None  # None once slim
    wrote: list[Stamp]
    ids: Collection[str]  # each file's id, as in ``files`` (packed once slim)

    def slim(self) -> RunPlan:
        return self._replace(plans={}, files=None, ids=Ids.of(self.ids))


class Ids(Collection[str]):
    """A slim run's file ids, packed: what a build reads of them is how many there are,
    unless files have gone from the site (``build._remove_gone``). At 100,000 incidents,
    the 436,000 ids of the settled runs were 41 MB of a daemon's memory as strings, 3 MB
    packed; packing them all takes 0.1 s."""

    __slots__ = ("_count", "_packed")

    def __init__(self, ids: Collection[str]):
        self._count = len(ids)
        self._packed = zlib.compress(pickle.dumps(list(ids), pickle.HIGHEST_PROTOCOL), 1)

    @classmethod
    def of(cls, ids: Collection[str]) -> Ids:
        return ids if isinstance(ids, Ids) else cls(ids)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        return iter(pickle.loads(zlib.decompress(self._packed)))  # our own bytes

    def __contains__(self, id_: object) -> bool:  # (unpacks them all: 0.5 s for 436,000)
        return id_ in list(self)


class Plan(NamedTuple):
    """Every file of the site to be: those looked at one by one, to link or render
    (``items``), or found in the spare, made for the same key (``found``: their ids); and
    the runs of incidents whose files the spare holds, all made for the same keys, not
    looked at (``kept``: their ids)."""

    items: list[Planned]
    kept: list[Collection[str]]
    total: int  # every file
    found: list[list[str]]


class IncidentPlans:
    """What the last builds planned for the published incidents, run by run (by the run's
    place from the oldest end), for their inputs (one set per edition). The same run (the
    same view objects: settled incidents, see ``state/settled.py``) with the same facts
    has the same files, with the same keys: planned once; and once a map that the spare
    holds was written with them, none of them is looked at one by one."""

    KEPT = 2
    WROTE = 4  # maps remembered per run: a spare's was written two builds before

    def __init__(self):
        self._by_inputs: dict[str, dict[int, RunPlan]] = {}

    def take(self, inputs: str) -> dict[int, RunPlan]:
        """What was planned for ``inputs``, no longer kept (``keep`` the new plans)."""
        return self._by_inputs.pop(inputs, {})

    def keep(self, inputs: str, plans: dict[int, RunPlan]) -> None:
        self._by_inputs[inputs] = plans
        while len(self._by_inputs) > self.KEPT:
            del self._by_inputs[next(iter(self._by_inputs))]

    def wrote(self, plans: dict[int, RunPlan], stamp: Stamp) -> None:
        """The map ``stamp`` was written with each of ``plans``' files (a build's)."""
        for planned in plans.values():
            planned.wrote.append(stamp)
            del planned.wrote[:-self.WROTE]


def output_id(output: Output) -> str:
    values = "&".join([f"{k}={v}" for k, v in sorted(output.values.items()) if v is not None])
    return f"{output.endpoint}?{values}"


def plan(app: Flask, snap: Snapshot, held: Held, stamps: tuple[Stamp | None, Stamp | None],
         before: dict[int, RunPlan]) -> tuple[Plan, dict[int, RunPlan]]:
    """Every file of the site at ``snap``, and what to do with each; each run's plans,
    taken from ``before`` (the last build's) when its views and facts are the same.
    ``stamps``: which maps ``held``'s are (the spare's, out's)."""
    had, live = held
    had_files = had.files if had is not None else None
    live_files = live.files if live is not None else None
    items = [_planned(output, output_id(output), had_files, live_files)
             for output in site_outputs(app, snap)]
    kept: list[Collection[str]] = []
    found: list[list[str]] = []
    count = len(items)
    made: dict[int, RunPlan] = {}
    others, runs_ = snap.not_found_by_reference, snap.view_runs
    for number, run, followed in zip(range(len(runs_) - 1, -1, -1), runs_,
                                     snap.followed_each, strict=True):
        # Which of its views have feeds of their own (their places in the run); a lenient
        # load's: which have a reference that finds another.
        shown: tuple = (tuple([at for at, _ in followed]),
                        tuple([v.id in others for v in run.published]) if others else ())
        was = before.get(number)
        spare_holds = was is not None and stamps[0] is not None and stamps[0] in was.wrote
        if was is None or was.run is not run or was.shown != shown or \
                (was.files is None and not spare_holds):
            was = _run_plan(app, snap, run, shown, was.plans if was is not None else {})
            spare_holds = False
        count += len(was.ids)
        if spare_holds:
            made[number] = was if was.files is None else was.slim()
            kept.append(was.ids)
            continue
        made[number] = was
        assert was.files is not None
        in_spare, in_out = _look_at(was.files, held, items, found)
        if in_out and stamps[1] is not None:
            # Out's map holds each of them: once out is the spare (the next build), none
            # is looked at. The spare's too: so none needs its output from now on.
            was.wrote.append(stamps[1])
            if in_spare:
                made[number] = was.slim()
    return Plan(items, kept, count, found), made


def rendered_again(app: Flask, snap: Snapshot) -> list[Output]:
    """The site's files that the next update of an open incident renders again and that
    show other incidents too (whose lines that build would make, ``web/lines.py``), and
    the files of the moment, rendered at every build. Planned before (``plan``)."""
    open_ids = {view.id for view in snap.open_views}
    known = snap.settled.keys
    again = []
    for output in site_outputs(app, snap):
        shown = last_shown(known, output)
        if shown is None:
            again.append(output)
            continue
        views = list(views_in(shown))
        if len(views) > 1 and any(view.id in open_ids for view in views):
            again.append(output)
    return again


def _look_at(files: list[tuple[str, Output]], held: Held, items: list[Planned],
             found: list[list[str]]) -> tuple[bool, bool]:
    """Add to ``items`` each file's plan (the same test as ``_planned``'s, made here: a run
    is a thousand files), but the ids of those the spare holds, made for the same keys, to
    ``found`` (in a list of their own); whether the spare's map holds them all so, and
    whether out's does."""
    had_files = held.spare.files if held.spare is not None else None
    live_files = held.out.files if held.out is not None else None
    add, in_out, in_spare = items.append, live_files is not None, had_files is not None
    ids: list[str] = []
    for id_, output in files:
        action, key = RENDER, output.key
        if key is not None:
            if had_files is not None and had_files.get(id_) == key:
                action = KEEP
            elif live_files is not None and live_files.get(id_) == key:
                action = LINK
        if in_out and (key is None or action != LINK and
                       live_files.get(id_) != key):  # type: ignore[union-attr]
            in_out = False
        if action == KEEP:
            ids.append(id_)
        else:
            in_spare = False
            add(Planned(id_, output, action))
    if ids:
        found.append(ids)
    return in_spare, in_out


def _run_plan(app: Flask, snap: Snapshot, run: Run, shown: tuple,
              before: dict[str, IncidentPlan]) -> RunPlan:
    """The plans of a run's published incidents: each taken from ``before`` when its view
    and facts are the same."""
    followed, by_reference = snap.followed_ids, snap.by_reference
    plans: dict[str, IncidentPlan] = {}
    files: list[tuple[str, Output]] = []
    for view in run.published:
        found = (view.id in followed, by_reference.get(view.incident.reference) is view)
        was = before.get(view.id)
        if was is not None and was[0] is view and was[1] == found:
            found, made = was[1], was[2]
        else:
            found = Facts(*found)
            made = [(output_id(output), output)
                    for output in incident_outputs(app, snap, view, found)]
        plans[view.id] = (view, found, made)
        files += made
    return RunPlan(run, shown, plans, files, [], [id_ for id_, _ in files])


def _planned(output: Output, output_id_: str, had: dict[str, str | None] | None,
             live: dict[str, str | None] | None) -> Planned:
    """A file's plan (the same test as in ``plan``'s loop): keep it, link it, render it."""
    action = RENDER
    if output.key is not None:
        if had is not None and had.get(output_id_) == output.key:
            action = KEEP
        elif live is not None and live.get(output_id_) == output.key:
            action = LINK
    return Planned(output_id_, output, action)
