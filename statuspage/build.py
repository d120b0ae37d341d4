"""Freeze the app into static files, atomically: a failed build leaves the old site intact."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from flask_frozen import Freezer

from statuspage.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content import load_site
from statuspage.errors import BuildError, ConfigError, ContentError
from statuspage.model import Site
from statuspage.schema import url_problem
from statuspage.status import Snapshot
from statuspage.web import api, create_app, embed, feeds, pages

MARKER = ".statuspage-build"  # marks a folder as ours to replace
RENAME_EXCHANGE = 2
AT_FDCWD = -100


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    seconds: float
    warnings: tuple = ()


def make_freezer(site: Site, now: datetime, destination: Path) -> Freezer:
    """A Freezer that knows every page of the site, in every language."""
    app = create_app(
        site,
        now=now,
        FREEZER_DESTINATION=str(destination),
        FREEZER_BASE_URL=site.config.url + "/",
        FREEZER_REMOVE_EXTRA_FILES=True,
    )
    freezer = Freezer(app, with_no_argument_rules=False, log_url_for=False)

    @freezer.register_generator
    def every_url():
        snap = Snapshot(site, now)
        for module in (pages, feeds, api, embed):
            yield from module.frozen_urls(snap)

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
    staging = Path(tempfile.mkdtemp(prefix=f".build-{out.name}-", dir=out.parent))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            urls = make_freezer(site, now, staging).freeze()
        (staging / MARKER).write_text("built by statuspage; replaced by the next build\n",
                                      encoding="utf-8")
        os.chmod(staging, 0o755)
        _publish(staging, out)
    except ContentError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as err:  # any failure: the old site stays, and we say why
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"build failed, {out} left as it was: {type(err).__name__}: {err}") \
            from err
    return BuildResult(out, len(urls), time.perf_counter() - started, site.warnings)


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


def _publish(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out`` in one step; visitors see the old or the new site."""
    lock_fd = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if not out.exists():
            os.rename(staging, out)
            return
        if _exchange(staging, out):
            shutil.rmtree(staging)  # it now holds the previous site
            return
        previous = staging.with_name(staging.name + "-old")
        os.rename(out, previous)  # no atomic exchange here: the gap is two renames wide
        os.rename(staging, out)
        shutil.rmtree(previous)
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
