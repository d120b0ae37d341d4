"""The content files on disk: which files are content (``reading.py`` reads them), noticing
changes.

``incidents/`` holds ``<id>.md`` (an incident), ``<id>.<lang>.md`` (its translation) and
``<id>.internal.md`` (its notes for the support desk, read only by the desk edition).
Hidden files (an editor's lock, the CLI's temporary files) and other extensions are not
content. A name that looks like markdown but is not ``.md`` is an error (it would be
silently skipped); links that lead nowhere, FIFOs and devices are skipped with a warning,
never opened, so nothing here can block.

The daemon's ``look`` at them is a ``scan`` and a map of what changes when content does;
``update`` brings a look up to date for the files the system reported changed, judging
each as ``scan`` does (``classify``), the others kept.
"""

from __future__ import annotations

import bisect
import errno
import functools
import itertools
import operator
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from statuspage.content.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content.reading import reason
from statuspage.content.stamps import Stamp, stamp_of, stamps
from statuspage.errors import Problem

MARKDOWN_LIKE = (".markdown", ".mdown", ".mkdn", ".mkd", ".md")
INTERNAL = "internal"  # <id>.internal.md
NOWHERE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP,  # a link that leads to no file
           errno.ENAMETOOLONG)
ACCESS = ": give the user who runs statuspage access to it (chmod u+rx incidents)"

LOOKS = itertools.count(1)  # each Found's number


@dataclass(frozen=True)
class Source:
    """One content file of ``incidents/``."""

    folder: str  # incidents/ as listed: one string for every file of a look
    label: str  # as messages name it: incidents/<name>
    id: str  # the incident it belongs to
    lang: str | None  # a translation's language; INTERNAL for desk notes; None: the original
    stamp: Stamp

    @property
    def path(self) -> str:  # as scandir makes it (not held: 16 MB at 100,000 incidents)
        return os.path.join(self.folder, self.label[len(PREFIX):])


@dataclass
class Found:
    sources: list[Source]
    errors: list[Problem]
    warnings: list[Problem]
    # Why incidents/ or its files cannot be looked at (also in ``errors``): no load goes on.
    folder: Problem | None = None
    # Made from another look (``update``): its ``number`` (the look itself would hold every
    # look before it, as each holds its base), and the files looked at again.
    base: int = field(default=0, compare=False, repr=False)
    changed: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    number: int = field(default_factory=lambda: next(LOOKS), compare=False, repr=False)


def scan(root: Path) -> Found:
    """Every content file of ``root/incidents``, sorted by name, with what is wrong."""
    folder = root / INCIDENTS_DIR
    found = Found([], [], [])
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as err:
        found.folder = _folder_problem(err)
        found.errors.append(found.folder)
        return found
    where = os.fspath(folder)
    for entry in entries:  # strings, not pathlib: this runs for each of 10,000s of files
        classify(found, entry.name, where, entry.stat)
    return found


PREFIX = f"{INCIDENTS_DIR}/"  # of a content file's label


def classify(found: Found, name: str, folder: str, info: Callable[[], os.stat_result]) -> None:
    """Add to ``found`` what the entry ``name`` of ``folder`` is: a Source, an error, a
    warning, or nothing. ``info`` stats it, following a link as opening it would. (The
    one judge of an entry, for ``scan`` and for ``update`` alike.)"""
    label = PREFIX + name
    if name.startswith("."):
        return  # hidden: an editor's lock file, the CLI's temporary files
    if not name.endswith(".md"):
        lower = name.lower()
        if lower.endswith(MARKDOWN_LIKE):
            stem = name[: len(name) - len(next(e for e in MARKDOWN_LIKE if lower.endswith(e)))]
            found.errors.append(Problem(label, 1, "not read: content files end in .md; "
                                        f"rename it {stem}.md"))
        return
    try:
        status = info()
    except OSError as err:
        if err.errno in NOWHERE:
            found.warnings.append(Problem(label, 1, f"skipped: {reason(err)} (a link "
                                          "to nothing, or a loop of links?)"))
        else:  # there, but not to be looked at (a folder without x): not to leave out
            hint = ACCESS if err.errno in (errno.EACCES, errno.EPERM) else ""
            found.folder = Problem(label, 1, f"cannot be read: {reason(err)}{hint}")
            found.errors.append(found.folder)
        return
    if stat.S_ISDIR(status.st_mode):
        found.errors.append(Problem(label, 1, "is a folder, not a content file: rename or "
                                    "remove it"))
    elif not stat.S_ISREG(status.st_mode):
        found.warnings.append(Problem(label, 1, "skipped: not a regular file (a FIFO, a "
                                      "device or a socket)"))
    else:
        stem = name[:-3]
        base, _, lang = stem.rpartition(".")
        found.sources.append(Source(folder, label, base or stem, lang if base else None,
                                    stamp_of(status)))


def _folder_problem(err: OSError) -> Problem:
    """What to do when incidents/ cannot be listed."""
    if isinstance(err, FileNotFoundError):
        return Problem(f"{INCIDENTS_DIR}/", 0, "missing: create the folder (it stays empty "
                       "until the first incident), or put it back")
    if isinstance(err, NotADirectoryError):
        return Problem(str(INCIDENTS_DIR), 1, "is a file, not a folder: move it away and "
                       "create the folder incidents/")
    return Problem(f"{INCIDENTS_DIR}/", 0, f"cannot be read: {reason(err)}{ACCESS}, or "
                   "fix the link")


def look(root: Path) -> tuple[Found, dict[str, object]]:
    """What the daemon looks at every second: the content files as ``scan`` finds them
    (a load may start from this look instead of scanning again: a scan of a large site is
    not free), and what changes when content changes: each content file's
    stamp, every file of ``content/`` (first: ``update`` finds them there without going
    over 100,000s of keys), and what the scan found wrong, by path."""
    found = scan(root)
    seen: dict[str, object] = dict(stamps(root, folders=(SITE_FILE.parent,)))
    seen.update(keyed(found))
    return found, seen


def keyed(found: Found) -> list[tuple[str, object]]:
    return [*((source.label, source.stamp) for source in found.sources),
            *((problem.path, problem.message) for problem in (*found.errors, *found.warnings))]


def update(root: Path, before: tuple[Found, dict[str, object]], labels: set[str]
           ) -> tuple[Found, dict[str, object]] | None:
    """The look ``before`` brought up to date for the content files ``labels`` name (those
    the system reported changed): each looked at again as ``scan`` would, every other
    Source kept (the same object: a load knows an unchanged file by it), and ``content/``
    looked at again. None when only a full ``look`` will do: incidents/ cannot be listed,
    a file cannot be looked at, or a label names no entry of incidents/."""
    found, files = before
    folder = str(root / INCIDENTS_DIR)
    try:
        if found.folder is not None or not stat.S_ISDIR(os.stat(folder).st_mode) \
                or not os.access(folder, os.R_OK | os.X_OK):  # as scandir would list it
            return None
    except OSError:
        return None
    fresh = Found([], [], [])
    for label in labels:
        name = label[len(PREFIX):]
        if not label.startswith(PREFIX) or not name or "/" in name:
            return None
        path = os.path.join(folder, name)  # as scandir makes it
        try:
            os.lstat(path)
        except FileNotFoundError:
            continue  # gone: nothing to see
        except OSError:
            return None
        classify(fresh, name, folder, functools.partial(os.stat, path))
        if fresh.folder is not None:
            return None
    return _merged(found, fresh, labels), _updated(root, files, fresh, labels)


def _merged(found: Found, fresh: Found, labels: set[str]) -> Found:
    """``found`` with what ``fresh`` found of ``labels`` instead, in scan's order."""
    kept = list(found.sources)
    for label in labels:
        if (at := position(kept, label)) is not None:
            del kept[at]
    for source in fresh.sources:
        bisect.insort(kept, source, key=_label)
    return Found(kept, _problems(found.errors, fresh.errors, labels),
                 _problems(found.warnings, fresh.warnings, labels), base=found.number,
                 changed=frozenset(labels))


def _problems(old: list[Problem], new: list[Problem], labels: set[str]) -> list[Problem]:
    return sorted([*(problem for problem in old if problem.path not in labels), *new],
                  key=_path)


def position(found: list[Source], label: str) -> int | None:
    """Where the file ``label`` is among ``found`` (in scan's order), if it is there."""
    at = bisect.bisect_left(found, label, key=_label)
    return at if at < len(found) and found[at].label == label else None


_label, _path = operator.attrgetter("label"), operator.attrgetter("path")


def _updated(root: Path, files: dict[str, object], fresh: Found, labels: set[str]
             ) -> dict[str, object]:
    """``look``'s map of ``files`` with ``fresh`` for ``labels``, content/ looked at again
    (first); copied in one step while content/ holds the same files (a daemon's round:
    133,000 files at 100,000 incidents, 9 ms key by key)."""
    content, before = stamps(root, folders=(SITE_FILE.parent,)), _content(files)
    seen = dict(files) if len(before) == len(content) and content.keys() >= set(before) \
        else {**content, **{k: v for k, v in files.items() if not k.startswith(CONTENT)}}
    seen.update(content)
    now = keyed(fresh)
    for label in labels.difference(key for key, _ in now):
        seen.pop(label, None)
    seen.update(now)
    return seen


def _content(files: dict[str, object]) -> list[str]:
    """The keys of content/'s files in a ``look``'s map (they come first)."""
    return list(itertools.takewhile(lambda key: key.startswith(CONTENT), files))


CONTENT = f"{SITE_FILE.parent}/"


def differences(before: dict[str, object], after: dict[str, object],
                labels: set[str] | None = None) -> list[str]:
    """What differs between two looks' maps, sorted; with ``labels``, ``after`` being
    ``before`` brought up to date for them (``update``), only they and content/ can."""
    keys = before.keys() | after.keys() if labels is None else \
        labels.union(_content(before), _content(after))
    return sorted(key for key in keys if before.get(key) != after.get(key))
