"""The daemon told at once when a content file changes, instead of at its next look.

The operating system reports changes in ``content/`` and ``incidents/`` (inotify on
Linux, through watchdog) and the daemon then looks at once (``Daemon.poll``): a saved
update no longer waits for the next look, half a second on average with the daemon's
one-second looks. What is not content wakes nothing: reads, hidden files
(``files.write_atomic``'s temporaries, editors' swap files, which ``stamps.stamps``
skips too), and the rest of the site's folder (the builds, their cache, a log).

The watcher also keeps the labels (``incidents/<name>``) of the files it reported since
the daemon last took them (``take``; both ends of a move, but a hidden one), and the
look it wakes looks again at those files only (``sources.update``), not at each of
100,000s. A change it cannot name as one such file (in ``content/``, of ``incidents/``
itself, of a folder in it, events lost, a watch refused) asks for a look at every file.
The watches begin before the daemon's first look, so every change after it is reported.

The looks every second stay, for what the system does not report (a network file system,
a watch it refused), but while it reports they only ``glance``: at ``incidents/``'s own
stamp, which a file added, removed or renamed into it changes (a save by rename does),
and at the few files of ``content/``; not at each of 10,000s of incident files, whose
edits in place the system reports. The daemon's full look every ``FULL_EVERY`` looks
still finds an edit in place it did not report.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from statuspage.content import sources
from statuspage.content.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content.stamps import stamp_of, stamps

log = logging.getLogger("statuspage.ops.daemon")

WATCHED = (SITE_FILE.parent, INCIDENTS_DIR)  # each with what it holds, at any depth
NAMES = {folder.name for folder in WATCHED}
READS = {"opened", "closed_no_write"}  # a file read (the loader's own reads among them)
NAMED = {"created", "deleted", "modified", "moved", "closed", "attrib"}  # of a path or two
MISSING = object()


def glance(root: Path) -> dict[str, object]:
    """What the looks every second compare while the system reports changes: the stamp of
    ``incidents/`` itself, and of every file of ``content/``."""
    found: dict[str, object] = dict(stamps(root, folders=(SITE_FILE.parent,)))
    try:
        info = os.stat(root / INCIDENTS_DIR)
        found[f"{INCIDENTS_DIR}/"] = (info.st_mtime_ns, info.st_ino, info.st_size)
    except OSError as err:
        found[f"{INCIDENTS_DIR}/"] = err.errno
    return found


def unchanged(root: Path, files: dict[str, object]) -> bool:
    """Whether a full look (``sources.look``) would make the map ``files`` again, found
    without holding anything of each file: each entry of ``incidents/`` judged as ``scan``
    judges it (``classify``), compared with its key, and forgotten. A look at every file
    held 150 MB for a moment at 100,000 incidents (170,000 files: each its entry, Source,
    stamp and key), and the daemon's heap grew after each; its look every ``FULL_EVERY``
    seconds, and the rebuilds no look asked for, make one only when this finds a change."""
    held = 0
    for key, value in stamps(root, folders=(SITE_FILE.parent,)).items():
        if files.get(key, MISSING) != value:
            return False
        held += 1
    where, one = os.fspath(root / INCIDENTS_DIR), sources.Found([], [], [])
    try:
        with os.scandir(where) as entries:
            for entry in entries:
                if _same_file(entry, files):  # most entries: without a Source made (a third
                    held += 1                 # of the time, 0.5 s at 170,000 files)
                    continue
                del one.sources[:], one.errors[:], one.warnings[:]
                sources.classify(one, entry.name, where, entry.stat)
                if one.folder is not None:  # (a full look says why)
                    return False
                for label, seen in sources.keyed(one):
                    if files.get(label, MISSING) != seen:
                        return False
                    held += 1
    except OSError:
        return False
    return held == len(files)  # no file gone: each key of the map was met once


def _same_file(entry: os.DirEntry, files: dict[str, object]) -> bool:
    """Whether ``entry`` is a content file (a regular, visible ``.md``) with the stamp
    ``files`` has for it: what ``classify`` would make of it, as ``keyed`` keys it."""
    name = entry.name
    if name.startswith(".") or not name.endswith(".md"):
        return False
    try:
        info = entry.stat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and \
        files.get(sources.PREFIX + name, MISSING) == stamp_of(info)


class Watcher(FileSystemEventHandler):
    """Calls ``wake()`` (from its own thread) when a content file may have changed."""

    def __init__(self, root: Path, wake: Callable[[], None]):
        self.root = root.resolve()
        self.wake = wake
        self._observer: BaseObserver | None = None
        self._watched: dict[str, ObservedWatch] = {}  # folder name → its watch
        self._lock = threading.Lock()
        self._changed: set[str] | None = None  # what ``take`` gives; None: everything

    def start(self) -> bool:
        """Watch the content folders (and the site's folder, for them appearing); False,
        said in the log, when the system refuses: the looks every second still see all."""
        observer = Observer()
        try:
            observer.schedule(self, str(self.root), recursive=False)
            self._observer = observer
            for folder in WATCHED:
                self._watch(folder.name)
            with self._lock:  # from here on, every change is reported (the watches begin)
                self._changed = set()
            observer.start()
        except OSError as err:
            self._observer = None
            log.warning("changes are seen at the next look only (every second): the system "
                        "refused to report them (%s)", err)
            return False
        return True

    def reports(self) -> bool:
        """Whether the system reports the changes in every content folder there is."""
        return self._observer is not None and all(
            folder.name in self._watched for folder in WATCHED
            if (self.root / folder).is_dir())

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join()

    def _watch(self, name: str) -> None:
        folder = self.root / name
        observer = self._observer  # once: stop() may clear it from another thread
        if observer is not None and name not in self._watched and folder.is_dir():
            self._watched[name] = observer.schedule(self, str(folder), recursive=True)

    def _unwatch(self, name: str) -> None:
        """A content folder gone (removed, renamed): watched again once it is back."""
        watch = self._watched.pop(name, None)
        observer = self._observer  # once: stop() may clear it from another thread
        if watch is not None and observer is not None:
            try:
                observer.unschedule(watch)
            except (KeyError, OSError):
                pass  # its watch went with the folder

    def take(self) -> set[str] | None:
        """The labels (``incidents/<name>``) of the content files reported changed since
        the last take, or None when a look at everything is due: a change it could not
        name as one such file (in content/, of incidents/ itself, of a folder in it, a
        watch refused, events lost), or when it does not watch."""
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed if self._observer is not None else None

    def _reported(self, labels: list[str] | None) -> None:
        with self._lock:
            if labels is None or self._changed is None:
                self._changed = None
            else:
                self._changed.update(labels)
        self.wake()  # after: the look it wakes takes them

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in READS or (event.is_directory and event.event_type == "modified"):
            return  # a read, or a folder whose entries changed: each entry says which
        if event.event_type not in NAMED:  # events lost (a full queue), or new to us
            self._reported(None)
            return
        paths = [Path(os.fsdecode(p)) for p in (event.src_path, event.dest_path) if p]
        content = False
        labels: list[str] | None = []  # None: a change not named by one content file
        for path in paths:
            try:
                parts = path.relative_to(self.root).parts
            except ValueError:
                continue
            if len(parts) == 1:  # in the site's folder: only the content folders count
                if parts[0] in NAMES:
                    self._moved(event, path)  # watched (again) before its look is due
                    content, labels = True, None
            elif parts and not any(part.startswith(".") for part in parts):
                content = True
                if labels is not None and not event.is_directory and len(parts) == 2 \
                        and parts[0] == INCIDENTS_DIR.name:
                    labels.append(f"{INCIDENTS_DIR}/{parts[1]}")
                else:
                    labels = None  # content/, a folder, or deeper than a content file
        if content:
            self._reported(labels)

    def _moved(self, event: FileSystemEvent, path: Path) -> None:
        """A content folder made, removed or renamed in the site's folder."""
        gone = event.event_type == "deleted" or (event.event_type == "moved"
                                                 and os.fsdecode(event.src_path) == str(path))
        try:
            if gone:
                self._unwatch(path.name)
            else:
                self._watch(path.name)
        except OSError as err:
            log.warning("changes in %s/ are seen at the next look only: %s", path.name, err)
