"""The built site on disk: its manifest, the spare tree, the lock, the atomic swap.

Beside ``out`` (say ``build/``) live:

- ``build/.statuspage-build``: the marker of a folder this tool built (a few hundred
  bytes: the version, the inputs and edition it was built from, and the number and
  generation of its map in the store);
- ``.statuspage-manifest-build``: the store of the maps of both trees (an SQLite file,
  ``manifeststore.py``): for each output, the file it wrote and the key it was made
  with. A build writes only the rows of the files it changed;
- ``.statuspage-spare-build/``: the site before the one in ``build/``. The next build
  updates it into the new site (a file whose key did not change is left alone, one that
  changed in the last build is linked from ``build/``, the rest is rendered), then
  swaps it with ``build/`` in one rename. Visitors see the old site or the new one;
- ``.statuspage-lock-build``: held for a whole build, so builds of one output take turns.

A spare whose marker is missing (a build stopped half-way; the marker is written last,
after the map), or whose map the store does not hold at the marker's generation, is not
trusted: it is emptied. A marker of an older version (2, which held the whole map) is
read as none: nothing of that build is reused.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from statuspage.content.edition import PUBLIC, Edition
from statuspage.content.package import code_digest
from statuspage.errors import OutputError, Problem
from statuspage.forking import forked_map
from statuspage.freeze import manifeststore
from statuspage.freeze.manifeststore import MARKER, SPARE, Manifest, Manifests
from statuspage.model import Site

LOCK = ".statuspage-lock-"
STAGING = ".build-"  # what builds before this version left: removed when found
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def spare_of(out: Path) -> Path:
    return out.with_name(SPARE + out.name)


def lock_of(out: Path) -> Path:
    return out.with_name(LOCK + out.name)


def write_problem(out: Path) -> Problem | None:
    """What would stop a build from writing ``out`` (None: nothing), at the path to fix.
    The folder that holds ``out`` takes the spare, the lock file and the swap (made with
    its parents when missing); the lock file, the spare and ``out`` itself, when there,
    are written too."""
    holder = out.parent
    while not holder.exists() and not holder.is_symlink() and holder != holder.parent:
        holder = holder.parent  # made by the build
    if not holder.is_dir():
        return Problem(str(holder), 0, f"not a folder, so {out.name}/ cannot be built in "
                                       "it: remove it or choose another --out")
    fix = "give the user who builds write access to it, or choose another --out"
    if not os.access(holder, os.W_OK | os.X_OK):
        return Problem(str(holder), 0, f"the folder that holds {out.name}/ is "
                                       f"{_unwritable(holder)}: {fix}")
    for path in (lock_of(out), spare_of(out), out):
        if not path.exists():
            continue
        need = os.R_OK | os.W_OK | (os.X_OK if path.is_dir() else 0)
        if not os.access(path, need):
            what = (f"the lock file of the builds of {out.name}/ is" if path == lock_of(out)
                    else f"each build of {out.name}/ writes here, and it is")
            return Problem(str(path), 0, f"{what} {_unwritable(path)}: {fix}")
    return None


def _unwritable(path: Path) -> str:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "on a read-only file system"
    except OSError:
        pass
    return "not writable by this user"


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """One build of ``out`` at a time, across processes. Raises OutputError when the lock
    file cannot be made or opened."""
    lock = lock_of(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        problem = Problem(str(lock), 0, f"the lock file of the builds of {out.name}/ cannot "
                                        f"be opened ({(err.strerror or str(err)).lower()}): "
                                        "give the user who builds write access to it and "
                                        "its folder, or choose another --out")
        raise OutputError(str(problem), problem) from err
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_stale(out: Path) -> list[Path]:
    """Remove what stopped builds left beside ``out`` (call it holding the lock)."""
    removed = []
    for path in out.parent.glob(f"{STAGING}{out.name}-*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def prepare_spare(out: Path, inputs: str | None, full: bool, edition: Edition = PUBLIC,
                  known: Manifests | None = None) -> tuple[Path, Manifest | None,
                                                          Manifest | None]:
    """The spare folder and two manifests: what it holds that may be kept (a complete
    build of the same inputs and edition, unless ``full``), else what it holds to be
    replaced (its files are removed as the new ones are written, its folders kept: making
    and removing a folder costs much more than a file, on a large site). A spare
    without a readable marker, or whose map the store does not hold, is emptied (None,
    None). Its marker is removed: until the build writes a new one, the folder is known
    to be half-made."""
    spare = spare_of(out)
    manifest = Manifest.read(spare, known, manifeststore.store_of(out)) \
        if spare.is_dir() else None
    if manifest is None:
        shutil.rmtree(spare, ignore_errors=True)
        spare.mkdir()
        return spare, None, None
    (spare / MARKER).unlink(missing_ok=True)
    if full or inputs is None or manifest.inputs != inputs or manifest.edition != edition.name:
        return spare, None, manifest
    return spare, manifest, None


def unlink(folder: Path, path: str, keep_folders: bool = False) -> None:
    """Remove one file of a built folder, and the folders it leaves empty (unless
    ``keep_folders``: a new file is about to take its place)."""
    target = folder / path
    target.unlink(missing_ok=True)
    if keep_folders:
        return
    parent = target.parent
    while parent != folder:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def link(source: Path, target: Path, path: str, to: str | None = None) -> None:
    """Make ``target/path`` (``target/to`` when given) the same file as ``source/path``
    (a hard link, else a copy)."""
    destination = target / (to or path)
    destination.unlink(missing_ok=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source / path, destination)
    except OSError:
        shutil.copy2(source / path, destination)


def link_many(source: Path, target: Path, paths: list[str], fresh: bool = False,
              to: list[str] | None = None) -> None:
    """``link`` for each path (to the path of ``to`` at the same place, when given);
    ``fresh``: ``target`` holds none of them yet, so there is nothing to remove first and
    each folder is made once, on every core when there are many (the kernel's work on two
    folders runs side by side)."""
    pairs = list(zip(paths, paths if to is None else to, strict=True))
    if not fresh:
        for path, destination in pairs:
            link(source, target, path, destination)
        return
    workers = min(len(os.sched_getaffinity(0)), len(pairs) // LINKS_PER_WORKER)
    if workers > 1:
        # Consecutive paths share folders: each worker takes a run of them.
        size = -(-len(pairs) // workers)
        shares = [pairs[n:n + size] for n in range(0, len(pairs), size)]
        forked_map(lambda number: _link_fresh(source, target, shares[number]), len(shares))
        return
    _link_fresh(source, target, pairs)


LINKS_PER_WORKER = 5000  # a forked worker pays for itself from this many files


def _link_fresh(source: Path, target: Path, pairs: list[tuple[str, str]]) -> None:
    """Link each path of ``pairs`` into ``target`` as the path beside it; ``target`` holds
    none of them yet (another process may be making the same folders: each is made if it
    is not there yet)."""
    made: set[str] = set()
    source_root, target_root = os.fspath(source), os.fspath(target)
    for path, to in pairs:
        folder = os.path.dirname(to)
        if folder not in made:
            os.makedirs(os.path.join(target_root, folder), exist_ok=True)
            made.add(folder)
        original = os.path.join(source_root, path)
        destination = os.path.join(target_root, to)
        try:
            os.link(original, destination)
        except FileExistsError:
            link(source, target, path, to)
        except OSError:
            shutil.copy2(original, destination)


def mirror(out: Path, spare: Path, published: Manifest, held: Manifest | None = None,
           known: Manifests | None = None) -> Manifest:
    """Make ``spare`` the same site as ``out`` (``published``): its files as hard links,
    its map a copy of out's, its marker last (until then the spare is known to be
    half-made). ``held``: what the spare holds (the previous site), updated in place, its
    folders kept; without it, made anew. Returns the spare's map. Raises OSError."""
    store = manifeststore.store_of(out)
    paths = list(published.paths(store).values())
    if held is None:
        shutil.rmtree(spare, ignore_errors=True)
        spare.mkdir()
        link_many(out, spare, paths, fresh=True)
    else:
        (spare / MARKER).unlink(missing_ok=True)
        wanted = set(paths)
        for path in held.paths(store).values():
            if path not in wanted:
                unlink(spare, path)
        for path in paths:
            unlink(spare, path, keep_folders=True)
        link_many(out, spare, paths, fresh=True)
    copied = Manifest(published.inputs, published.edition, published.files)
    assert published.generation is not None  # it was stored
    copied.generation = manifeststore.copy(store, published.tree, published.generation,
                                           copied.tree)
    copied.mark(spare, known)
    return copied


def publish(staging: Path, out: Path) -> bool:
    """Put ``staging`` at ``out`` in one step; visitors see the old or the new site.
    Returns True when the previous site is now at ``staging``."""
    if not out.exists():
        os.rename(staging, out)
        return False
    if _exchange(staging, out):
        return True
    previous = staging.with_name(staging.name + "-old")
    os.rename(out, previous)  # no atomic exchange here: the gap is two renames wide
    os.rename(staging, out)
    os.rename(previous, staging)
    return True


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
