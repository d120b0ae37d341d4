"""Reading a content file safely: opened without blocking, a FIFO or a device refused, at
most ``MAX_BYTES`` read, and a file still unread after ``READ_SECONDS`` (a hung or very
slow network mount) a problem of its own, so that the other files go on; its text then
decoded (UTF-8, a BOM allowed, any line ending) and refused with a control character.
``sources.py`` says which files are content.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from statuspage.content.schema import CONTROL
from statuspage.errors import Problems

MAX_BYTES = 1_000_000  # a content file larger than this is refused


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
        raise _NotRead(f"cannot be read: {reason(err)}") from None
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
            raise _NotRead(f"cannot be read: {reason(err)}") from None


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
                data = _read_bytes(path)
            except Exception as err:  # (_NotRead, or what ``read`` raises: as one by one)
                found[path] = err.with_traceback(None)  # (its frames would hold ``found``)
                continue
            held += len(data)
            if held > AHEAD_BYTES:  # (it and the others are read one by one)
                break
            found[path] = data
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


def reason(err: OSError) -> str:
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
