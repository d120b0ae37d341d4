"""The content files on disk: which files are content, reading them safely, noticing changes.

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
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from statuspage.content.config import INCIDENTS_DIR, SITE_FILE
from statuspage.content.schema import CONTROL
from statuspage.content.stamps import Stamp, stamp_of, stamps
from statuspage.errors import Problem, Problems

MAX_BYTES = 1_000_000  # a content file larger than this is refused
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
            found.warnings.append(Problem(label, 1, f"skipped: {_reason(err)} (a link "
                                          "to nothing, or a loop of links?)"))
        else:  # there, but not to be looked at (a folder without x): not to leave out
            hint = ACCESS if err.errno in (errno.EACCES, errno.EPERM) else ""
            found.folder = Problem(label, 1, f"cannot be read: {_reason(err)}{hint}")
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
    return Problem(f"{INCIDENTS_DIR}/", 0, f"cannot be read: {_reason(err)}{ACCESS}, or "
                   "fix the link")


def read(path: str | Path, problems: Problems) -> str | None:
    """A content file's text (UTF-8, a BOM allowed, any line ending), or None with a problem.

    Opened without blocking and read at most ``MAX_BYTES``: a FIFO or a device put in
    place of a file cannot hang or exhaust the reader. A file still unread after
    ``READ_SECONDS`` (a hung or very slow network mount) is a problem of its own, so the
    other files go on (the daemon publishes them, and the file's last good version).
    """
    try:
        data = _bytes_of(path)
    except _NotRead as err:
        problems.error(err.args[0], line=1)
        return None
    except TimeoutError:
        problems.error(f"{NOT_READ_IN_TIME} {READ_SECONDS} s (a slow or hung file system?): "
                       "it is read again at the next build", line=1)
        return None
    if len(data) > MAX_BYTES:
        problems.error(f"larger than {MAX_BYTES // 1_000_000} MB: a content file holds one "
                       "incident; split it or trim it", line=1)
        return None
    return decode(data, problems)


READ_SECONDS = 5
AHEAD_BYTES = 16_000_000  # what ``read_ahead`` holds at most (then reads one by one)
NOT_READ_IN_TIME = "not read within"  # the start of that problem's message (see loader)


class _NotRead(Exception):
    """Why a file was not read: its one argument."""


def _read_bytes(path: str | Path) -> bytes:
    """At most MAX_BYTES + 1 of the file; _NotRead says why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise _NotRead("is a folder, not a content file: rename or remove it") from None
    except OSError as err:
        raise _NotRead(f"cannot be read: {_reason(err)}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # a folder opens too (on Linux), but cannot be read
        os.close(fd)
        raise _NotRead("is a folder, not a content file: rename or remove it"
                       if stat.S_ISDIR(mode) else
                       "not a regular file: replace it with a text file")
    with os.fdopen(fd, "rb") as handle:
        try:
            return handle.read(MAX_BYTES + 1)
        except OSError as err:
            raise _NotRead(f"cannot be read: {_reason(err)}") from None


class _Ahead(threading.local):
    """What ``read_ahead`` read for ``read`` to take, by path (this thread's)."""

    def __init__(self):
        self.found: dict[str, bytes | Exception] = {}


_AHEAD = _Ahead()


@contextmanager
def read_ahead(paths: list[str]) -> Iterator[None]:
    """Within it, ``read`` of one of ``paths`` takes what was read of it on entering: all
    of them in one go, by a thread of their own, that the caller waits for once. One by
    one, each file's read was handed to the reader thread and its bytes handed back: two
    thread switches a file, 70 µs of CPU, six times the read itself (a first build at
    100,000 incidents reads 170,000 files; ``docs/performance.md``). A file still unread
    after ``READ_SECONDS`` is one that ``read`` says was not read in time; those after it
    are read one by one, as without it, and so are those past ``AHEAD_BYTES``."""
    _AHEAD.found = _read_many(paths)
    try:
        yield
    finally:
        _AHEAD.found = {}


def _read_many(paths: list[str]) -> dict[str, bytes | Exception]:
    """Each path's bytes (or the error reading it raised, or TimeoutError for the one that
    hung and stopped the others), read by a thread that the caller waits for once."""
    found: dict[str, bytes | Exception] = {}
    at = [(0, time.monotonic())]  # the file being read, since when
    done = threading.Event()

    def work() -> None:
        held = 0
        for number, path in enumerate(paths):
            at[0] = number, time.monotonic()
            try:
                data = found[path] = _read_bytes(path)
            except Exception as err:  # (_NotRead, or what ``read`` raises: as one by one)
                found[path] = err
                continue
            held += len(data)
            if held > AHEAD_BYTES:  # (the others are read one by one)
                break
        done.set()

    threading.Thread(target=work, name="statuspage-reader", daemon=True).start()
    while not done.wait(max(0.0, at[0][1] + READ_SECONDS - time.monotonic())):
        number, since = at[0]
        if time.monotonic() - since >= READ_SECONDS:  # (else it moved on: wait again)
            hung = paths[number]
            return {**{path: found[path] for path in paths[:number]},
                    hung: TimeoutError(hung)}  # (the thread is left to its read)
    return found


def _bytes_of(path: str | Path) -> bytes:
    """The file's bytes, as ``read_ahead`` read them, else read now (``_in_time``)."""
    ahead = _AHEAD.found.pop(os.fspath(path), None)
    if ahead is None:
        return _in_time(_read_bytes, path)
    if isinstance(ahead, Exception):
        raise ahead
    return ahead


# The thread that reads for this process (its id, its queue of requests). A read that
# hangs in the kernel cannot be interrupted, only left behind: the caller waits
# READ_SECONDS, and the next read gets a new thread. A forked process makes its own.
_READER: tuple[int, queue.SimpleQueue] | None = None


def _in_time(job: Callable[[str | Path], bytes], path: str | Path) -> bytes:
    global _READER
    reader = _READER
    if reader is None or reader[0] != os.getpid():
        reader = _READER = (os.getpid(), queue.SimpleQueue())
        threading.Thread(target=_serve, args=(reader[1],), name="statuspage-reader",
                         daemon=True).start()
    answer: queue.SimpleQueue = queue.SimpleQueue()
    reader[1].put((job, path, answer))
    try:
        data, error = answer.get(timeout=READ_SECONDS)
    except queue.Empty:
        if _READER is reader:
            _READER = None
        raise TimeoutError(path) from None
    if error is not None:
        raise error
    return data


def _serve(requests: queue.SimpleQueue) -> None:
    while True:
        job, path, answer = requests.get()
        try:
            answer.put((job(path), None))
        except Exception as err:  # the caller's to raise
            answer.put((None, err))


def _reason(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


def decode(data: bytes, problems: Problems) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        problems.error(f"not UTF-8 (byte 0x{data[err.start]:02x}): save the file as UTF-8",
                       line=line)
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if found := control_character(text):
        line, message = found
        problems.error(message, line=line)
        return None
    return text


def control_character(text: str) -> tuple[int, str] | None:
    """(line, message) for the first control character in ``text``, or None."""
    found = CONTROL.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    return line, (f"control character U+{ord(found.group()):04X} (invisible, and not allowed "
                  "in feeds): delete it (it often comes with text pasted from a terminal)")


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
