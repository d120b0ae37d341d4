"""The plan of a build: every file of the site to be, and what to do with each: keep it (the
spare holds it, made for the same key), link it from ``out`` (made there by the last
build), or render it."""

from __future__ import annotations

from typing import NamedTuple

from flask import Flask

from statuspage.freeze.tree import Manifest
from statuspage.state.status import IncidentView, Snapshot
from statuspage.web import incident_outputs, site_outputs
from statuspage.web.registry import Facts, Output

KEEP, LINK, RENDER = "keep", "link", "render"
_NONE = ("", None)  # no file in a manifest


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


class IncidentPlans:
    """What the last builds planned for each published incident, by their inputs (one set
    per edition). The same view object (a settled incident, see ``state/settled.py``) with
    the same facts has the same files, with the same keys: planned once."""

    KEPT = 2

    def __init__(self):
        self._by_inputs: dict[str, dict[str, IncidentPlan]] = {}

    def take(self, inputs: str) -> dict[str, IncidentPlan]:
        """What was planned for ``inputs``, no longer kept (``keep`` the new plans)."""
        return self._by_inputs.pop(inputs, {})

    def keep(self, inputs: str, plans: dict[str, IncidentPlan]) -> None:
        self._by_inputs[inputs] = plans
        while len(self._by_inputs) > self.KEPT:
            del self._by_inputs[next(iter(self._by_inputs))]


def output_id(output: Output) -> str:
    values = "&".join([f"{k}={v}" for k, v in sorted(output.values.items()) if v is not None])
    return f"{output.endpoint}?{values}"


def plan(app: Flask, snap: Snapshot, held: Held,
         before: dict[str, IncidentPlan]) -> tuple[list[Planned], dict[str, IncidentPlan]]:
    """Every file of the site at ``snap``, and what to do with each; each published
    incident's plan, taken from ``before`` (the last build's) when its view and facts
    are the same."""
    had, live = held
    had_files = had.files if had is not None else None
    live_files = live.files if live is not None else None
    planned = [_planned(output, output_id(output), had_files, live_files)
               for output in site_outputs(app, snap)]
    plans = {}
    # Once per published incident of the history at every build: its facts worked out
    # inline (``registry.facts``), a file's plan made here (``_planned``), not called.
    follows, by_reference = snap.follows, snap.by_reference
    add = planned.append
    for view in snap.published:
        found = (follows(view), by_reference.get(view.incident.reference) is view)
        was = before.get(view.id)
        if was is not None and was[0] is view and was[1] == found:
            found, files = was[1], was[2]
        else:
            found = Facts(*found)
            files = [(output_id(output), output)
                     for output in incident_outputs(app, snap, view, found)]
        plans[view.id] = (view, found, files)
        for id_, output in files:
            action, made = RENDER, output.key
            if made is not None:
                if had_files is not None and had_files.get(id_, _NONE)[1] == made:
                    action = KEEP
                elif live_files is not None and live_files.get(id_, _NONE)[1] == made:
                    action = LINK
            add(Planned(id_, output, action))
    return planned, plans


def _planned(output: Output, output_id_: str, had: dict[str, tuple] | None,
             live: dict[str, tuple] | None) -> Planned:
    """A file's plan (the same test as in ``plan``'s loop): keep it, link it, render it."""
    action = RENDER
    if output.key is not None:
        if had is not None and had.get(output_id_, _NONE)[1] == output.key:
            action = KEEP
        elif live is not None and live.get(output_id_, _NONE)[1] == output.key:
            action = LINK
    return Planned(output_id_, output, action)
