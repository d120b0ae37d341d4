"""Freeze the app into static files, atomically: a failed build leaves the old site intact."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mimetypes
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from flask_frozen import Freezer, MissingURLGeneratorWarning

from statuspage.config import INCIDENTS_DIR, SITE_FILE
from statuspage.errors import BuildError, ConfigError, Problem
from statuspage.loader import load_site
from statuspage.model import Site
from statuspage.schema import url_problem
from statuspage.web import create_app, outputs, snapshot

MARKER = ".statuspage-build"  # marks a folder as ours to replace
RENAME_EXCHANGE = 2
AT_FDCWD = -100


STAGING = ".build-"  # staging folders beside the output: .build-<out name>-<random>


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    seconds: float
    warnings: tuple = ()
    notes: tuple[str, ...] = ()  # what went wrong after the new site was live


def make_freezer(site: Site, now: datetime, destination: Path) -> Freezer:
    """A Freezer that knows every page of the site, in every language."""
    app = create_app(
        site,
        now=now,
        FREEZER_DESTINATION=str(destination),
        FREEZER_BASE_URL=site.config.url + "/",
        FREEZER_REMOVE_EXTRA_FILES=True,
        PROPAGATE_EXCEPTIONS=True,  # a failing page fails the build, with its error
    )
    freezer = Freezer(app, with_no_argument_rules=False, log_url_for=False)

    @freezer.register_generator
    def every_url():
        for output in outputs(app, snapshot(app, site, now)):
            yield output.endpoint, output.values

    return freezer


def build(root: Path, out: Path | None = None, url: str | None = None,
          now: datetime | None = None, site: Site | None = None) -> BuildResult:
    """Validate, freeze beside ``out``, then swap the new site in.

    ``site`` is the content already loaded from ``root`` (the daemon's last good one);
    by default it is loaded here.

    Raises ContentError (bad content) or BuildError; ``out`` is then untouched.
    """
    started = time.perf_counter()
    root = root.resolve()
    out = (out or root / "build").resolve()
    now = now or datetime.now(UTC)
    _check_destination(root, out)
    site = site or load_site(root)
    if url:
        if url_problem(url.rstrip("/")):
            raise ConfigError(f"--url: {url_problem(url.rstrip('/'))}")
        site = replace(site, config=replace(site.config, url=url.rstrip("/")))
    out.parent.mkdir(parents=True, exist_ok=True)
    notes = [f"removed {path.name}, left by a build that was stopped"
             for path in remove_stale(out)]
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{out.name}-", dir=out.parent))
    hold = _hold(staging)  # while this build runs, no other removes its staging folder
    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                # An empty site has no incident page nor month: nothing to generate is right.
                warnings.simplefilter("ignore", MissingURLGeneratorWarning)
                urls = make_freezer(site, now, staging).freeze()
            (staging / MARKER).write_text("built by statuspage; replaced by the next build\n",
                                          encoding="utf-8")
            os.chmod(staging, 0o755)
            previous = _publish(staging, out)
        except Exception as err:  # any failure: the old site stays, and we say why
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildError(f"build failed, {out} left as it was: {type(err).__name__}: "
                             f"{err}") from err
        if previous is not None:
            try:
                shutil.rmtree(previous)
            except OSError as err:
                notes.append(f"the new site is live, but the previous one could not be removed "
                             f"from {previous} ({err.strerror}): remove it by hand")
    finally:
        os.close(hold)
    return BuildResult(out, len(urls), time.perf_counter() - started, site.warnings,
                       tuple(notes))


def _hold(folder: Path) -> int:
    """Lock ``folder`` for as long as the returned descriptor is open."""
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def remove_stale(out: Path) -> list[Path]:
    """Remove the staging folders beside ``out`` that no running build holds: those a
    killed build left behind."""
    removed = []
    for path in out.parent.glob(f"{STAGING}{out.name}-*"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a build in progress
        finally:
            os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def render_check(site: Site, now: datetime) -> list[Problem]:
    """Render every page as a build would, in memory: what would fail the build, each
    problem at the incident file it comes from (else at the page's address)."""
    freezer = make_freezer(site, now, Path(tempfile.gettempdir()) / "statuspage-unused")
    app = freezer.app
    client = app.test_client()
    base = app.config["FREEZER_BASE_URL"]
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        urls = list(dict.fromkeys(freezer.all_urls()))
    for url in urls:
        try:
            response = client.get(url, base_url=base)
            status, mimetype = response.status_code, response.mimetype
            response.close()
        except Exception as err:  # what the build would stop on
            problems.append(_located(site, url, f"cannot be rendered: {type(err).__name__}: "
                                                f"{err}"))
            continue
        name = freezer.urlpath_to_filepath(url)
        expected = mimetypes.guess_type(name)[0] or app.config["FREEZER_DEFAULT_MIMETYPE"]
        if status != 200:
            problems.append(_located(site, url, f"answers {status} instead of a page"))
        elif expected != mimetype:
            problems.append(_located(site, url, f"is {mimetype}, but {name} would be served "
                                                f"as {expected}"))
    return problems


def _located(site: Site, url: str, message: str) -> Problem:
    parts = url.strip("/").split("/")
    if "incidents" in parts[:2] and len(parts) > parts.index("incidents") + 1:
        incident = site.incident(parts[parts.index("incidents") + 1])
        if incident is not None:
            return Problem(incident.path, 1, f"the page {url} {message}")
    return Problem(url, 0, f"this page {message}")


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


def _publish(staging: Path, out: Path) -> Path | None:
    """Put ``staging`` at ``out`` in one step; visitors see the old or the new site.
    Returns where the previous site now is, to be removed."""
    lock_fd = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if not out.exists():
            os.rename(staging, out)
            return None
        if _exchange(staging, out):
            return staging  # it now holds the previous site
        previous = staging.with_name(staging.name + "-old")
        os.rename(out, previous)  # no atomic exchange here: the gap is two renames wide
        os.rename(staging, out)
        return previous
    finally:
        os.close(lock_fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
