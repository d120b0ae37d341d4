"""Freeze the app into static files: atomically, incrementally, on every core.

A build plans every file the app's outputs declare, each with its key (what it shows
beyond the site-wide inputs: the package's code and templates, site.yaml, the public
URL; see ``plan.py`` and ``web/registry.py``). It then updates the spare tree beside
``out`` (see ``tree``): a file whose key is the one the spare was made with stays, one
that changed in the previous build is linked from ``out``, the others are rendered by
Frozen-Flask, in a pool of forked processes when there are many (``rendering.py``). The
spare is then swapped with ``out`` in one rename. ``full`` renders everything; either way
the files are the same bytes. What a build may reuse from the ones before it, besides the
files, is its caller's (``caches.py``), and the Markdown it converted (``converted.py``).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

from statuspage import markup
from statuspage.content import collector
from statuspage.content.edition import PUBLIC, Edition
from statuspage.content.loader import Loader, cache_for
from statuspage.content.schema import site_url_problem
from statuspage.errors import BuildError, ConfigError
from statuspage.freeze import manifeststore, tree
from statuspage.freeze import plan as planning
from statuspage.freeze.caches import Caches
from statuspage.freeze.checking import check_edition, check_output
from statuspage.freeze.converted import Converted, converted_for
from statuspage.freeze.plan import KEEP, LINK, Held, Planned, output_id
from statuspage.freeze.rendering import made_again, make_app, paths, render, warm
from statuspage.freeze.tree import inputs_digest
from statuspage.model import Site
from statuspage.state import announcements as channels
from statuspage.state.status import Snapshot
from statuspage.web import snapshot, unbound
from statuspage.web.registry import Output

MARKER = tree.MARKER


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where, for which address and moment, which edition, on how many
    cores."""

    out: Path | None = None  # default: the edition's folder beside the content
    url: str | None = None  # the public base URL (default: site.yaml's)
    now: datetime | None = None  # the moment the pages show (default: the clock's)
    full: bool = False  # render every file (the same bytes an incremental build writes)
    workers: int | None = None  # processes that render (default: one per core)
    edition: Edition = PUBLIC
    pinned: bool = False  # ``now`` was chosen (``build --now``): every page names it
    every: timedelta | None = None  # how often the daemon rebuilds (the desk says it may
    # be stale after twice that)
    warm: bool = False  # after the swap, render (without writing) what the next update
    # renders again, so that what those pages keep is there for it (the daemon's start)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int  # the files of the site
    seconds: float
    warnings: tuple = ()
    notes: tuple[str, ...] = ()  # what else happened, said to the user
    rendered: int = 0  # the files written this time (the others were kept)
    # The build's Snapshot, its lists worked out: what the daemon reads next (its reminders)
    shown: Snapshot | None = field(default=None, repr=False, compare=False)


def build(root: Path, options: BuildOptions | None = None, site: Site | None = None,
          loader: Loader | None = None, caches: Caches | None = None) -> BuildResult:
    """Validate, update the spare beside ``options.out`` into the new site, then swap it in.

    ``site`` is the content already loaded from ``root`` (the daemon's); by default it is
    loaded here, through ``loader`` (by default the edition's, with a parse cache beside
    the output). The public edition never shows the internal notes of a site it is given;
    the marker records the edition, and a folder holding the other edition is refused.
    ``caches``: what the caller keeps from one build to the next (by default, nothing).

    Raises ContentError (bad content) or BuildError; the output is then untouched.
    """
    started = time.perf_counter()
    root = root.resolve()
    options = options or BuildOptions()
    options = replace(options, out=(options.out or options.edition.default_out(root)).resolve(),
                      now=options.now or datetime.now(UTC))
    out = options.out
    assert out is not None and options.now is not None
    caches = caches if caches is not None else Caches()
    check_output(root, out, options.edition)
    notes: list[str] = []
    # The collector is off while a build runs: what the parse cache restores, and the plan
    # and manifests of a large site, are hundreds of thousands of objects, none of them
    # garbage, that its passes would go over again and again; renders collect every
    # COLLECT_EVERY pages.
    with tree.locked(out), collector.paused(settle=True):
        check_edition(out, options.edition)
        site = _shown(root, options, site, loader, notes)
        notes += [f"removed {path.name}, left by a build that was stopped"
                  for path in tree.remove_stale(out)]
        # The loaded site outlives the build: while it runs, the collector need not scan
        # it again and again (and forked workers do not copy the pages it would touch).
        gc.freeze()
        try:
            pages, rendered = _updated(root, site, options, caches, notes)
            # The build's own Snapshot, its lists worked out: a new one went over the
            # whole history again (18 ms of a daemon's round at 100,000 incidents).
            assert caches.app is not None  # (the app ``_Update`` rendered with)
            shown = snapshot(caches.app, site, options.now)
        finally:
            if caches.app is not None:  # kept for the next build, holding nothing of this one
                unbound(caches.app)
    found = (*site.warnings, *channels.ivr_warnings(shown))
    return BuildResult(out, pages, time.perf_counter() - started, found, tuple(notes), rendered,
                       shown)


def _updated(root: Path, site: Site, options: BuildOptions, caches: Caches,
             notes: list[str]) -> tuple[int, int]:
    """The spare updated and swapped in (``_Update``), the Markdown it converted kept
    (``converted.py``); what else happened goes to ``notes``. (files, files rendered)"""
    assert options.out is not None
    converted = Converted(converted_for(options.out), root)
    with markup.kept_in(converted):
        try:
            update = _Update(site, options, caches)
            pages, rendered = update.run()
        except Exception as err:  # any failure: the old site stays, and we say why
            raise BuildError(f"build failed, {options.out} left as it was: "
                             f"{type(err).__name__}: {err}") from err
        finally:
            converted.flush()
        if options.warm:
            notes += update.warm()
            converted.flush()
    notes += converted.problems
    return pages, rendered


def _shown(root: Path, options: BuildOptions, site: Site | None, loader: Loader | None,
           notes: list[str]) -> Site:
    """The site the edition shows: ``site``, else loaded (what the loader says goes to
    ``notes``), at the ``--url`` given."""
    if site is None:
        assert options.out is not None
        loader = loader or options.edition.loader(root, cache_for(options.out))
        site = loader.load()
        notes += loader.save()
    site = options.edition.shown(site)
    if options.url:
        if problem := site_url_problem(options.url.rstrip("/")):
            raise ConfigError(f"--url: {problem}")
        site = replace(site, config=replace(site.config, url=options.url.rstrip("/")))
    return site


class _Update:
    """One build's work on the spare: plan, keep, link and render, then the swap."""

    def __init__(self, site: Site, options: BuildOptions, caches: Caches):
        assert options.out is not None and options.now is not None
        self.site, self.options, self.caches = site, options, caches
        self.out: Path = options.out
        self.inputs = inputs_digest(site, options.edition, options.now if options.pinned
                                    else None)
        self.store = manifeststore.store_of(self.out)
        self.spare, self.had, stale = tree.prepare_spare(
            self.out, self.inputs, options.full, options.edition, caches.manifests)
        self.held = self.had or stale  # what the spare holds
        live = tree.Manifest.read(self.out, caches.manifests, self.store) \
            if self.inputs and not options.full else None
        self.live = live if live is not None and live.inputs == self.inputs else None
        self.manifest = tree.Manifest(self.inputs, options.edition.name)
        if self.held is not None:  # the spare's map, of which the rows that change are written
            self.manifest.tree, self.manifest.generation = self.held.tree, self.held.generation
        self.made: dict[int, planning.RunPlan] = {}  # each run's plans, this build's
        self.paths: dict[str, str] = {}  # the file of each id whose row is new (the others
        # were kept as the spare's map has them)
        self.gone: list[str] = []  # the ids the spare held and the site no longer has
        self.app = self._app()

    def _app(self) -> Flask:
        """The caller's app of its last build of this edition, made to render this one;
        else a new one, which the caller keeps (a new app took 45-50 ms: ``make_app``)."""
        options, caches, kept = self.options, self.caches, self.caches.app
        assert options.now is not None
        config = {"STATUSPAGE_PINNED": options.pinned, "STATUSPAGE_EVERY": options.every}
        if kept is not None and kept.config["STATUSPAGE_EDITION"] == options.edition:
            return made_again(kept, self.site, options.now, self.spare, caches.settled,
                              **config)
        caches.app = make_app(self.site, options.now, self.spare, options.edition,
                              caches.settled, **config)
        return caches.app

    def run(self) -> tuple[int, int]:
        """Make the spare the new site and swap it in; (files, files rendered)."""
        planned = self._plan()
        todo, copies = self._reuse(planned.items, [*planned.kept, *planned.found])
        for item, path in zip(todo, render(self.app, [i.output for i in todo],
                                           self.options.workers),
                              strict=True):
            self.manifest.files[item.id], self.paths[item.id] = item.output.key, path
        self._copy(copies)
        self._publish()
        return planned.total, len(todo) + len(copies)  # a copy is written anew too

    def warm(self) -> list[str]:
        """Render in this process, writing nothing, the pages the next update of an open
        incident renders again and that list other incidents: the lines they keep
        (``web/lines.py``) are then made once here, on a daemon's start, not by the first
        update after it (2,000 open incidents: 2 s, ``docs/performance.md``). What to say
        of a failure (the site is published: the page fails the next build that renders
        it)."""
        assert self.options.now is not None
        try:
            warm(self.app, planning.rendered_again(
                self.app, snapshot(self.app, self.site, self.options.now)))
        except Exception as err:  # a bug must not stop the publishing: say it, carry on
            return [f"the pages the next update renders could not be prepared: "
                    f"{type(err).__name__}: {err}"]
        return []

    def _plan(self) -> planning.Plan:
        plans = self.caches.plans
        before = plans.take(self.inputs) if self.inputs else {}
        if self.options.full:  # planned anew too, so that comparing with --full checks it
            before = {}
        assert self.options.now is not None
        planned, self.made = planning.plan(
            self.app, snapshot(self.app, self.site, self.options.now), Held(self.had, self.live),
            (self._stamp(self.had), self._stamp(self.live)), before)
        if self.inputs:
            plans.keep(self.inputs, self.made)
        return planned

    def _stamp(self, manifest: tree.Manifest | None) -> planning.Stamp | None:
        """Which map ``manifest`` is: its store's, its tree and generation."""
        return None if manifest is None else (str(self.store), manifest.tree,
                                              manifest.generation)

    def _wrote(self, manifest: tree.Manifest) -> None:
        """``manifest`` (just written) holds every file of this build's plans, made for
        their keys: a build whose spare holds it keeps them without a look."""
        stamp = self._stamp(manifest)
        if self.inputs and stamp is not None:
            self.caches.plans.wrote(self.made, stamp)

    def _reuse(self, planned: list[Planned], kept: Sequence[Collection[str]]
               ) -> tuple[list[Planned], list[Planned]]:
        """Keep or link what may be reused, remove from the spare what is gone or to be
        written again; what to render, and the copies to link to their original.
        ``kept``: the ids of files the spare holds, made for the same keys (``plan.Plan``'s
        ``kept`` and ``found``)."""
        spare, held, had, live = self.spare, self.held, self.had, self.live
        self._remove_gone(planned, kept)
        files = self.manifest.files
        if had is not None:  # what is kept stays as the spare's map has it: all but changes
            files = self.manifest.files = self.caches.manifests.taken(had, live)
            for gone in self.gone:
                del files[gone]
        todo: list[Planned] = []
        copies: list[Planned] = []
        linked: list[Planned] = []
        written: list[str] = []  # the spare's files made again
        for item in planned:
            if item.action == KEEP and had is not None:
                continue
            if item.action == LINK and live is not None:
                linked.append(item)
            else:
                if held is not None and item.id in held.files:
                    written.append(item.id)
                (todo if item.output.same_as is None else copies).append(item)
        if written:  # (the spare holds them: so its map does)
            assert held is not None
            for path in held.paths(self.store, written).values():
                # A new file, never one rewritten (it may be out's too), in the same folder.
                tree.unlink(spare, path, keep_folders=True)
        found: dict[str, str] = {}
        if linked:  # (LINK: out's map holds them)
            assert live is not None
            found = live.paths(self.store, [item.id for item in linked])
        for item in linked:
            files[item.id], self.paths[item.id] = item.output.key, found[item.id]
        # Into an empty spare (the first rebuild after a full build: every file), in bulk.
        tree.link_many(self.out, spare, [found[item.id] for item in linked],
                       fresh=held is None)
        return todo, copies

    def _remove_gone(self, planned: list[Planned], kept: Sequence[Collection[str]]) -> None:
        """Remove from the spare the files the site no longer has (first: a folder emptied
        now goes, one whose file is written again stays). When the spare holds as many of
        the planned files (each another id) as its map has, none is gone: known without a
        set of every id."""
        held = self.held
        if held is None:
            return
        files = held.files
        if sum(1 for item in planned if item.id in files) + sum(map(len, kept)) == len(files):
            return
        wanted = {item.id for item in planned} | {id_ for run in kept for id_ in run}
        self.gone = [had_id for had_id in files if had_id not in wanted]
        for path in held.paths(self.store, self.gone).values() if self.gone else ():
            tree.unlink(self.spare, path)

    def _copy(self, copies: list[Planned]) -> None:
        """Each copy (a short address in lower case): a link to its original's file."""
        files, made = self.manifest.files, self.paths
        originals = []
        for item in copies:
            assert item.output.same_as is not None  # (what makes it a copy)
            originals.append(output_id(Output(item.output.endpoint, item.output.same_as)))
        kept = [original for original in originals if original not in made]
        if kept:  # (the spare's, kept as its map has them)
            assert self.had is not None
            made = made | self.had.paths(self.store, kept)
        written = paths(self.app, [i.output for i in copies])
        # Into a spare that held nothing (a first build, or one whose spare was emptied:
        # 100,000 copies at 100,000 incidents), in bulk, on every core.
        tree.link_many(self.spare, self.spare, [made[original] for original in originals],
                       fresh=self.held is None, to=written)
        for item, path in zip(copies, written, strict=True):
            files[item.id], self.paths[item.id] = item.output.key, path

    def _publish(self) -> None:
        """The marker, the swap, and the spare made ready for the next build."""
        spare, out, known, files = self.spare, self.out, self.caches.manifests, self.manifest.files
        changes = {i: (path, files[i]) for i, path in self.paths.items()} | \
            dict.fromkeys(self.gone)
        live = tree.Manifest.tree_of(out)  # after the swap, the spare's: its map is kept
        self.manifest.write(spare, self.store, changes, [] if live is None else [live], known)
        self._wrote(self.manifest)
        os.chmod(spare, 0o755)
        before = tree.Manifest.read(spare, known, self.store) if tree.publish(spare, out) \
            else None
        if self.had is None and self.inputs is not None and (before is None or
                                                             before.inputs != self.inputs):
            # The spare was made from nothing (a first or full build, or new inputs): what
            # it now holds is of no use to the next build, which would have to link every
            # file again before the one that changed. The site just published is, so the
            # next build (an update, when time counts) starts from it: made now, after the
            # swap.
            # (the same files as the map just written: so were they made)
            self._wrote(tree.mirror(out, spare, self.manifest, before, known))
