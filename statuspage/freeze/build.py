"""Freeze the app into static files: atomically, incrementally, on every core.

A build plans every file the app's outputs declare, each with its key (what it shows
beyond the site-wide inputs: the package's code and templates, site.yaml, the public
URL). It then updates the spare tree beside ``out`` (see ``tree``): a file whose key is
the one the spare was made with stays, one that changed in the previous build is linked
from ``out``, the others are rendered by Frozen-Flask, in a pool of forked processes when
there are many. The spare is then swapped with ``out`` in one rename. ``full`` renders
everything; either way the files are the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
import mimetypes
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TypeVar
from unicodedata import normalize
from urllib.parse import unquote, urlsplit

from flask import Flask
from flask.testing import EnvironBuilder
from flask_frozen import Freezer, MimetypeMismatchWarning, MissingURLGeneratorWarning, Page
from werkzeug.urls import iri_to_uri

from statuspage import i18n, markup
from statuspage.content import collector
from statuspage.content.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content.edition import PUBLIC, Edition
from statuspage.content.loader import Loader, cache_for
from statuspage.content.package import code_digest
from statuspage.content.schema import site_url_problem
from statuspage.errors import BuildError, ConfigError, OutputError, Problem
from statuspage.forking import forked_map
from statuspage.freeze import tree
from statuspage.model import Site
from statuspage.state import announcements as channels
from statuspage.state.status import IncidentView, Snapshot
from statuspage.web import (
    create_app,
    incident_outputs,
    incident_token,
    outputs,
    site_outputs,
    snapshot,
)
from statuspage.web.registry import Output

MARKER = tree.MARKER
T = TypeVar("T")
# A pool of processes pays for itself from this much work: files to render, each weighing
# more on a large site, whose home, history, feeds and API list more (at 10,000 incidents
# the 50 files an update changes are worth sharing between the cores).
PARALLEL_FROM = 400
INCIDENTS_PER_WEIGHT = 250  # a file weighs one more per this many incidents
COLLECT_EVERY = 500  # pages rendered between two passes of the cycle collector


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int  # the files of the site
    seconds: float
    warnings: tuple = ()
    notes: tuple[str, ...] = ()  # what else happened, said to the user
    rendered: int = 0  # the files written this time (the others were kept)


@dataclass(frozen=True)
class Planned:
    """One file of the site to be: its output, its id in manifests, what to do with it."""

    id: str
    output: Output
    action: str  # "keep" (already in the spare), "link" (from out), "render"


def output_id(output: Output) -> str:
    values = "&".join(f"{k}={v}" for k, v in sorted(output.values.items()) if v is not None)
    return f"{output.endpoint}?{values}"


def make_app(site: Site, now: datetime, destination: Path, edition: Edition = PUBLIC,
             pinned: bool = False, every: timedelta | None = None) -> Flask:
    return create_app(
        site,
        now=now,
        edition=edition,
        STATUSPAGE_PINNED=pinned,
        STATUSPAGE_EVERY=every,
        FREEZER_DESTINATION=str(destination),
        FREEZER_BASE_URL=site.config.url + "/",
        FREEZER_REMOVE_EXTRA_FILES=False,  # the builder removes what is gone
        PROPAGATE_EXCEPTIONS=True,  # a failing page fails the build, with its error
    )


class _Freezer(Freezer):
    """Frozen-Flask's freezer (its URLs, its file names, its checks), each page fetched by
    dispatching it in a request context rather than through a new test client: the
    client's environment, cookie jar and WSGI round trip cost more than a small page's
    render. Each folder is made once; a file
    is written anew (the builder removed the previous one), else compared first as
    Frozen-Flask does."""

    def __init__(self, app: Flask):
        super().__init__(app, with_no_argument_rules=False, log_url_for=False)
        self._folders: set[Path] = set()
        builder = EnvironBuilder(app, "/", base_url=app.config["FREEZER_BASE_URL"])
        self._environ = builder.get_environ()  # the site's part of every page's
        builder.close()

    def environ(self, url: str) -> dict:
        """The WSGI environment of a GET of ``url`` at the site's address: what
        ``test_request_context`` makes, without a new EnvironBuilder for each page (a good
        part of a short address's page): the site's part made once, the URL's keys set
        as Werkzeug sets them."""
        environ = self._environ.copy()
        parts = urlsplit(url)
        raw_uri = _wsgi(url)
        environ.update({
            "PATH_INFO": _wsgi(unquote(iri_to_uri(parts.path))),
            "QUERY_STRING": _wsgi(parts.query),
            "REQUEST_URI": raw_uri,
            "RAW_URI": raw_uri,
            "wsgi.input": BytesIO(),
        })
        return environ

    def fetch(self, url: str):
        """The app's response for ``url``, as a visitor at the site's address gets it."""
        app = self.app
        with app.request_context(self.environ(url)):
            response = app.full_dispatch_request()
        response.direct_passthrough = False  # a file sent as is: read it all, as a client
        return response

    def expected_type(self, name: str) -> str:
        """The type a static server gives the file ``name``: what its page must answer."""
        return mimetypes.guess_type(name)[0] or self.app.config["FREEZER_DEFAULT_MIMETYPE"]

    def _build_one(self, url, last_modified=None):
        path = self.root / normalize("NFC", self.urlpath_to_filepath(url))
        response = self.fetch(url)
        try:
            if response.status_code != 200:
                raise ValueError(f"Unexpected status {response.status!r} on URL {url}")
            guessed = self.expected_type(path.name)
            if guessed != response.mimetype:
                warnings.warn(f"Filename extension of {path.name!r} (type {guessed}) does not "
                              f"match Content-Type: {response.content_type}",
                              MimetypeMismatchWarning, stacklevel=3)
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            content = response.get_data()
            try:
                with path.open("xb") as handle:
                    handle.write(content)
            except FileExistsError:
                if path.read_bytes() != content:
                    path.write_bytes(content)
        finally:
            response.close()
        return path


def _wsgi(text: str) -> str:
    """A URL's text as WSGI holds it (PEP 3333: its UTF-8 bytes, read as Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def make_freezer(app: Flask, todo: list[Output]) -> _Freezer:
    """A Freezer over ``todo`` (every file of the site, when not given)."""
    freezer = _Freezer(app)

    @freezer.register_generator
    def every_url():
        for output in todo:
            yield output.endpoint, output.values

    return freezer


def build(root: Path, out: Path | None = None, url: str | None = None,
          now: datetime | None = None, site: Site | None = None, full: bool = False,
          loader: Loader | None = None, workers: int | None = None,
          edition: Edition = PUBLIC, pinned: bool = False,
          every: timedelta | None = None) -> BuildResult:
    """Validate, update the spare beside ``out`` into the new site, then swap it in.

    ``pinned``: ``now`` was chosen (``build --now``), not read from the clock; every page
    then says which moment it shows. ``every``: how often the daemon rebuilds (the desk
    says it may be stale after twice that).

    ``site`` is the content already loaded from ``root`` (the daemon's); by default it is
    loaded here, through ``loader`` (by default one with a parse cache beside ``out``,
    the desk edition's when ``edition`` is ``desk``). The public edition never shows the
    internal notes of a site it is given; the marker records the edition, and a folder
    holding the other edition is refused.

    Raises ContentError (bad content) or BuildError; ``out`` is then untouched.
    """
    started = time.perf_counter()
    root = root.resolve()
    out = (out or edition.default_out(root)).resolve()
    now = now or datetime.now(UTC)
    _check_output(root, out, edition)
    notes: list[str] = []
    # The collector is off while a build runs: what the parse cache restores, and the plan
    # and manifests of a large site, are hundreds of thousands of objects, none of them
    # garbage, that its passes would go over again and again; renders collect every
    # COLLECT_EVERY pages.
    with tree.locked(out), collector.paused(settle=True):
        _check_edition(out, edition)
        if site is None:
            loader = loader or edition.loader(root, cache_for(out))
            site = loader.load()
            notes += loader.save()
        site = edition.shown(site)
        if url:
            if problem := site_url_problem(url.rstrip("/")):
                raise ConfigError(f"--url: {problem}")
            site = replace(site, config=replace(site.config, url=url.rstrip("/")))
        notes += [f"removed {path.name}, left by a build that was stopped"
                  for path in tree.remove_stale(out)]
        # The loaded site outlives the build: while it runs, the collector need not scan
        # it again and again (and forked workers do not copy the pages it would touch).
        gc.freeze()
        try:
            pages, rendered = _update(site, now, out, full, workers, edition, pinned, every)
        except Exception as err:  # any failure: the old site stays, and we say why
            raise BuildError(f"build failed, {out} left as it was: {type(err).__name__}: "
                             f"{err}") from err
    found = (*site.warnings, *channels.ivr_warnings(Snapshot(site, now)))
    return BuildResult(out, pages, time.perf_counter() - started, found, tuple(notes), rendered)


def inputs_digest(site: Site, edition: Edition = PUBLIC,
                  pinned: datetime | None = None) -> str | None:
    """Everything every file depends on (the edition, and a pinned moment: every page names
    it); None when the content was not read from files."""
    if not site.digest:
        return None
    moment = pinned.isoformat() if pinned else ""
    return hashlib.sha256(f"{code_digest()}\0{site.digest}\0{site.config.url}\0{edition.name}"
                          f"\0{moment}"
                          .encode()).hexdigest()[:24]


def _update(site: Site, now: datetime, out: Path, full: bool,
            workers: int | None, edition: Edition = PUBLIC,
            pinned: bool = False, every: timedelta | None = None) -> tuple[int, int]:
    """Make the spare the new site and swap it in; (files, files rendered)."""
    inputs = inputs_digest(site, edition, now if pinned else None)
    spare, had, stale = tree.prepare_spare(out, inputs, full, edition)
    live = tree.Manifest.read(out) if inputs and not full else None
    live = live if live is not None and live.inputs == inputs else None
    app = make_app(site, now, spare, edition, pinned, every)
    plan = _plan(app, site, now, had, live, inputs, full)
    manifest = tree.Manifest(inputs, edition.name)
    wanted = {item.id for item in plan}
    held = had or stale  # what the spare holds
    for had_id, (path, _key) in (held.files if held else {}).items():
        if had_id not in wanted:
            tree.unlink(spare, path)
    todo: list[Planned] = []
    copies: list[Planned] = []
    linked: list[str] = []
    for item in plan:
        if item.action == "keep" and had is not None:
            manifest.files[item.id] = had.files[item.id]
        elif item.action == "link" and live is not None:
            path = live.files[item.id][0]
            linked.append(path)
            manifest.files[item.id] = (path, item.output.key)
        else:
            if held is not None and item.id in held.files:
                # A new file, never one rewritten (it may be out's too), in the same folder.
                tree.unlink(spare, held.files[item.id][0], keep_folders=True)
            (todo if item.output.same_as is None else copies).append(item)
    # Into an empty spare (the first rebuild after a full build: every file), in bulk.
    tree.link_many(out, spare, linked, fresh=held is None)
    weight = 1 + len(site.incidents) / INCIDENTS_PER_WEIGHT
    for item, path in zip(todo, _render(app, [i.output for i in todo], workers, weight),
                          strict=True):
        manifest.files[item.id] = (path, item.output.key)
    for item, path in zip(copies, _paths(app, [i.output for i in copies]), strict=True):
        output = item.output
        assert output.same_as is not None
        original = manifest.files[output_id(Output(output.endpoint, output.same_as))][0]
        tree.link(spare, spare, original, path)
        manifest.files[item.id] = (path, output.key)
    manifest.write(spare)
    os.chmod(spare, 0o755)
    before = tree.Manifest.read(spare) if tree.publish(spare, out) else None
    if had is None and inputs is not None and (before is None or before.inputs != inputs):
        # The spare was made from nothing (a first or full build, or new inputs): what it
        # now holds is of no use to the next build, which would have to link every file
        # again before the one that changed. The site just published is, so the next
        # build (an update, when time counts) starts from it: made now, after the swap.
        tree.mirror(out, spare, [path for path, _ in manifest.files.values()], before)
    return len(plan), len(todo) + len(copies)  # a copy is written anew too


# What the last builds of this process planned for each published incident, by their
# inputs (one per edition): its view, its token, its files' ids and outputs. The same view
# object (a settled incident) with the same token has the same files, with the same keys.
_INCIDENT_PLANS: dict[str, dict[str, tuple[IncidentView, tuple, list[tuple[str, Output]]]]] = {}
PLANS_KEPT = 2


def _plan(app: Flask, site: Site, now: datetime, had: tree.Manifest | None,
          live: tree.Manifest | None, inputs: str | None = None,
          full: bool = False) -> list[Planned]:
    """Every file of the site, and what to do with each."""
    snap = snapshot(app, site, now)
    plan = [_planned(output, output_id(output), had, live)
            for output in site_outputs(app, snap)]
    before = _INCIDENT_PLANS.pop(inputs, {}) if inputs else {}
    if full:  # planned anew too, so that comparing with --full checks what was reused
        before = {}
    planned = {}
    for view in snap.published:
        token = incident_token(snap, view)
        held = before.get(view.id)
        if held is not None and held[0] is view and held[1] == token:
            items = held[2]
        else:
            items = [(output_id(output), output)
                     for output in incident_outputs(app, snap, view)]
        planned[view.id] = (view, token, items)
        plan += [_planned(output, output_id_, had, live) for output_id_, output in items]
    if inputs:
        _INCIDENT_PLANS[inputs] = planned
        while len(_INCIDENT_PLANS) > PLANS_KEPT:
            del _INCIDENT_PLANS[next(iter(_INCIDENT_PLANS))]
    return plan


_NONE = ("", None)  # no file in a manifest


def _planned(output: Output, output_id_: str, had: tree.Manifest | None,
             live: tree.Manifest | None) -> Planned:
    action = "render"
    if output.key is not None:
        if had is not None and had.files.get(output_id_, _NONE)[1] == output.key:
            action = "keep"
        elif live is not None and live.files.get(output_id_, _NONE)[1] == output.key:
            action = "link"
    return Planned(output_id_, output, action)


def _render(app: Flask, todo: list[Output], workers: int | None,
            weight: float = 1.0) -> list[str]:
    """Render ``todo`` into the app's destination; the path written for each, in order.
    ``weight``: what one file costs, about (see PARALLEL_FROM)."""
    return _on_every_core(app, todo, workers, weight, _render_batch)


def _on_every_core(app: Flask, todo: list[Output], workers: int | None, weight: float,
                   batch: Callable[[Flask, list[Output]], list[T]]) -> list[T]:
    """``batch(app, outputs)`` (one result per output) over ``todo``: in this process, or
    shared out to forked workers when there is enough work; the results in order."""
    workers = workers or len(os.sched_getaffinity(0))
    if workers <= 1 or len(todo) < 2 or len(todo) * weight < PARALLEL_FROM:
        return batch(app, todo)
    # Forked workers share the loaded site and its Snapshot, computed once here (with all
    # the plan needed). A page's editions go to one worker: their texts (often the same,
    # untranslated) convert once; so do the files of one endpoint without values (the
    # API's documents, which share their parts).
    shares: list[list[int]] = [[] for _ in range(workers)]
    pages: dict[tuple, list[int]] = {}
    for number, output in enumerate(todo):
        same = tuple(sorted((k, v) for k, v in output.values.items() if k not in ("lang", "kind")))
        # one incident's all; else one blueprint's (api, embed, feeds)
        pages.setdefault(same or (output.endpoint.split(".")[0],), []).append(number)
    for members in sorted(pages.values(), key=len, reverse=True):  # the largest first
        min(shares, key=len).extend(members)
    _preload(app.extensions["statuspage"].get())
    work = [[todo[n] for n in share] for share in shares]
    done = forked_map(lambda number: batch(app, work[number]), workers)
    results: list = [None] * len(todo)
    for share, share_results in zip(shares, done, strict=True):
        for number, result in zip(share, share_results, strict=True):
            results[number] = result
    return results


def _preload(site: Site) -> None:
    """What each worker's first page would load, loaded here before they fork: the
    Markdown converter, each language's catalog and Babel data. A daemon then loads them
    once, not once per worker of each of its builds."""
    markup.preload()
    for lang in site.config.languages:
        i18n.preload(lang, site.config.timezone)


def _paths(app: Flask, outputs_: list[Output]) -> list[str]:
    """The file each output is written to, as Frozen-Flask names it, without rendering."""
    freezer = make_freezer(app, outputs_)
    paths = [normalize("NFC", freezer.urlpath_to_filepath(url)) for url in freezer.all_urls()]
    if len(paths) != len(outputs_):
        raise BuildError(f"{len(outputs_)} copies planned, {len(paths)} addresses")
    return paths


def _render_batch(app: Flask, todo: list[Output]) -> list[str]:
    freezer = make_freezer(app, todo)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Frozen-Flask warns of endpoints without a file: a batch has some of them only.
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        pages = _collected_every(COLLECT_EVERY, freezer.freeze_yield(), len(todo))
    if len(pages) != len(todo):
        raise BuildError(f"{len(todo)} files planned, {len(pages)} written: two outputs "
                         "share an address")
    return [page.path.as_posix() for page in pages]


def _collected_every(count: int, pages: Iterator[Page], total: int) -> list[Page]:
    """Every page (of ``total``), with the cycle collector run once per ``count`` pages
    instead of every few hundred allocations: rendering allocates much and leaves little
    garbage (its automatic passes would go over the same living pages again and again)."""
    enabled = gc.isenabled()  # else inside a build (see collector.paused) or its worker
    gc.disable()
    if total >= count:  # what is there already (the site, its plan) is no garbage to look
        gc.freeze()     # for; when no pass runs, the daemon's own pass frees the app
    try:
        done = []
        for page in pages:
            done.append(page)
            if len(done) % count == 0:
                gc.collect()
                gc.freeze()  # nor what survived: each pass sees the latest pages only
        return done
    finally:
        if enabled:
            gc.unfreeze()
            gc.enable()


def render_check(site: Site, now: datetime, workers: int | None = None,
                 edition: Edition = PUBLIC) -> list[Problem]:
    """Render every page of ``edition`` as a build would, in memory (on every core when
    there are many): what would fail the build, each problem at the incident file it comes
    from (else at the page's address)."""
    app = make_app(site, now, Path(os.devnull), edition)
    # Not the copies (a short address in lower case): the build links them, unrendered.
    todo = [output for output in outputs(app, snapshot(app, site, now))
            if output.same_as is None]
    weight = 1 + len(site.incidents) / INCIDENTS_PER_WEIGHT
    found = _on_every_core(app, todo, workers, weight, _check_batch)
    return [problem for problems in found for problem in problems]


def _check_batch(app: Flask, todo: list[Output]) -> list[list[Problem]]:
    """What would fail the build in each output's file."""
    freezer = make_freezer(app, todo)
    site = app.extensions["statuspage"].get()
    return [_check_one(freezer, site, url) for url in freezer.all_urls()]


def _check_one(freezer: _Freezer, site: Site, url: str) -> list[Problem]:
    try:
        response = freezer.fetch(url)
        status, mimetype = response.status_code, response.mimetype
        response.close()
    except Exception as err:  # what the build would stop on
        return [_located(site, url, f"cannot be rendered: {type(err).__name__}: {err}")]
    name = freezer.urlpath_to_filepath(url)
    expected = freezer.expected_type(name)
    if status != 200:
        return [_located(site, url, f"answers {status} instead of a page")]
    if expected != mimetype:
        return [_located(site, url, f"is {mimetype}, but {name} would be served as "
                                    f"{expected}")]
    return []


def _located(site: Site, url: str, message: str) -> Problem:
    parts = url.strip("/").split("/")
    if "incidents" in parts[:2] and len(parts) > parts.index("incidents") + 1:
        incident = site.incident(parts[parts.index("incidents") + 1])
        if incident is not None:
            return Problem(incident.path, 1, f"the page {url} {message}")
    return Problem(url, 0, f"this page {message}")


def output_problems(root: Path, editions: tuple[Edition, ...] = (PUBLIC,)) -> list[Problem]:
    """What would stop a build of each edition from writing its default folder (what
    ``check`` says, since a build it passes must not fail there)."""
    found = set()
    for edition in editions:
        try:
            _check_output(root.resolve(), edition.default_out(root).resolve(), edition)
        except OutputError as err:
            found.add(err.problem)
        except BuildError as err:
            found.add(Problem(str(edition.default_out(root)), 0, err.message))
    return sorted(found)


def _check_output(root: Path, out: Path, edition: Edition) -> None:
    """Raise BuildError when ``out`` may not be built (OutputError: cannot be written)."""
    _check_destination(root, out)
    _check_not_inside_a_build(out, edition)
    _check_edition(out, edition)  # again under the lock, where it counts
    if problem := tree.write_problem(out):
        raise OutputError(str(problem), problem)


def _check_edition(out: Path, edition: Edition) -> None:
    """Never write one edition over the other: the desk's notes must not reach the public
    site's folder, nor the desk replace the public site."""
    held = tree.Manifest.edition_of(out)
    if held is not None and held != edition.name:
        raise BuildError(f"{out} holds the {held} edition (its {MARKER} says so): "
                         f"refusing to build the {edition} edition over it; choose another "
                         f"--out (the {edition} edition's default is {edition.folder}/)")


def _check_not_inside_a_build(out: Path, edition: Edition) -> None:
    """Never write into another build: the desk inside the public site's folder would be
    served with it (and any build inside another is lost at that one's next swap)."""
    for folder in out.parents:
        held = tree.Manifest.edition_of(folder)
        if held is not None:
            raise BuildError(f"{out} is inside {folder}, which holds the {held} edition (its "
                             f"{MARKER} says so): refusing to build the {edition} edition "
                             "there; choose a folder outside it (the "
                             f"{edition} edition's default is {edition.folder}/)")


def _check_destination(root: Path, out: Path) -> None:
    """Refuse to replace anything but a previous build (or a new or empty folder)."""
    if out == root or root.is_relative_to(out):
        raise BuildError(f"--out {out} holds the site itself: choose a folder such as build/")
    for part in (SITE_FILE.parent, INCIDENTS_DIR):
        if out.is_relative_to(root / part):
            raise BuildError(f"--out {out} is inside {part}/: choose a folder such as build/")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder: remove it or choose another --out")
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        raise BuildError(f"{out} is not empty and was not built by statuspage (no {MARKER} "
                         "file): choose a new or empty folder")
