"""What would fail a build, found before one runs (what ``check`` says): a page that
cannot be rendered, a folder that must not or cannot be written."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from flask import Flask

from statuspage.content.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content.edition import PUBLIC, Edition
from statuspage.errors import BuildError, OutputError, Problem
from statuspage.freeze import plan as planning
from statuspage.freeze import tree
from statuspage.freeze.rendering import SiteFreezer, make_app, make_freezer, on_every_core
from statuspage.model import Site
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot
from statuspage.web import outputs, snapshot
from statuspage.web.registry import Output

MARKER = tree.MARKER


def render_check(site: Site, now: datetime, workers: int | None = None,
                 edition: Edition = PUBLIC, built: Path | None = None,
                 settled: Settled | None = None) -> list[Problem]:
    """Render in memory, as a build would (on every core when there are many), each page of
    ``edition`` that a build into ``built`` would render (``rendered``): what would fail
    the build, each problem at the incident file it comes from (else at the page's
    address). ``settled``: the views the caller's next Snapshot may reuse."""
    app = make_app(site, now, Path(os.devnull), edition, settled)
    snap = snapshot(app, site, now)
    # Not the copies (a short address in lower case): the build links them, unrendered.
    todo = [output for output in rendered(app, snap, tree.inputs_digest(site, edition), built)
            if output.same_as is None]
    found = on_every_core(app, todo, workers, _check_batch)
    return [problem for problems in found for problem in problems]


def rendered(app: Flask, snap: Snapshot, inputs: str | None,
             built: Path | None) -> list[Output]:
    """The pages a build into ``built`` would render: those its last build made for
    another key, or for none (a page is a function of its key: one made for the same key
    rendered then, and is linked); every page when it holds no build of ``inputs``
    (100,000 incidents: 421,222 pages in 3 minutes, against the few that changed)."""
    last = tree.Manifest.read(built) if built is not None and inputs is not None else None
    if last is None or last.inputs != inputs:
        return list(outputs(app, snap))
    planned, _ = planning.plan(app, snap, planning.Held(None, last), (None, None), {})
    return [item.output for item in planned.items if item.action == planning.RENDER]


def _check_batch(app: Flask, todo: list[Output]) -> list[list[Problem]]:
    """What would fail the build in each output's file."""
    freezer = make_freezer(app, todo)
    site = app.extensions["statuspage"].get()
    return [_check_one(freezer, site, url) for url in freezer.all_urls()]


def _check_one(freezer: SiteFreezer, site: Site, url: str) -> list[Problem]:
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
            check_output(root.resolve(), edition.default_out(root).resolve(), edition)
        except OutputError as err:
            found.add(err.problem)
        except BuildError as err:
            found.add(Problem(str(edition.default_out(root)), 0, err.message))
    return sorted(found)


def check_output(root: Path, out: Path, edition: Edition) -> None:
    """Raise BuildError when ``out`` may not be built (OutputError: cannot be written)."""
    _check_destination(root, out)
    _check_not_inside_a_build(out, edition)
    check_edition(out, edition)  # again under the lock, where it counts
    if problem := tree.write_problem(out):
        raise OutputError(str(problem), problem)


def check_edition(out: Path, edition: Edition) -> None:
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
