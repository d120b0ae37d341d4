"""Where a daemon keeps the words of the incidents it has not shown: a private temporary
file of its own, not its memory.

A daemon restores every incident from the parse cache at its start, and shows the words
of few of them: at 100,000 incidents, the texts of the others were 72 MB of compressed
rows in its memory (``texts.HeldTexts``), the largest thing it held for the history.
Here they are written once to a file with no name (``tempfile.TemporaryFile``: unlinked
as soon as it is made, gone when the process ends, even killed), beside the output; a
text first shown reads its row's words back (``os.pread``: no file position shared
between threads, nor with the forked workers of a build, which only read).

Not the parse cache itself: ops may delete it, and a save replaces its rows, while the
daemon may still show what they held. No one else can reach this file (it has no name);
the words were authentic when restored (the row's HMAC), and zlib's checksum finds a
block the disk changed since. Only the process that made it writes to it: in another (a
forked worker that restores rows), the words stay in memory.

It grows by what is restored, which a daemon does at its start (and for the last good
version of a file that broke); what is freed in it is not reused.
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import IO

from statuspage import texts

SIZE_BITS = 32  # a place: the offset, then the length in its low bits
CHUNK = 1 << 20  # bytes gathered before a write: one write a row, each letting go of the
# GIL, let the daemon's other threads in each time, and made its start 10 s longer


_forks = 0  # how many forks made this process (0: not forked)


def _forked() -> None:
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_forked)


class Spill:
    """The file, made at the first write, in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._made_in = _forks  # in a forked worker, another (``os.getpid`` lets other
        # threads in, like a write: once a row, it made a daemon's start 4 s longer)
        self._file: IO[bytes] | None = None
        self._pending = bytearray()  # put, not written yet: from ``_written`` on
        self._written = 0
        self._broken = False  # it could not be made or written: words stay in memory
        self._lock = threading.Lock()  # (never taken in a forked worker: see ``read``)

    def put(self, words: bytes | memoryview) -> int | None:
        """Keep ``words``; their place, to ``read`` them by. None when they are to stay
        in memory: another process, or the file could not be made or written (a full
        disk). ``flush`` once done."""
        if self._broken or self._made_in != _forks or len(words) >> SIZE_BITS:
            return None
        with self._lock:
            at = self._written + len(self._pending)
            self._pending += words
            if len(self._pending) >= CHUNK:
                self._write()
        return at << SIZE_BITS | len(words)

    def flush(self) -> None:
        """Write what was put."""
        if self._pending and self._made_in == _forks:
            with self._lock:
                self._write()

    def _write(self) -> None:
        if self._broken:
            return  # (what could not be written stays in ``_pending``, read from there)
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(dir=self.folder, prefix=".statuspage-")
            data, fd = memoryview(self._pending), self._file.fileno()
            done = 0
            while done < len(data):
                done += os.pwrite(fd, data[done:], self._written + done)
            data.release()
        except OSError:
            self._broken = True
            return
        self._written += len(self._pending)
        self._pending = bytearray()

    def read(self, place: int) -> bytes:
        """The words put at ``place``. Raises OSError."""
        at, size = place >> SIZE_BITS, place & ((1 << SIZE_BITS) - 1)
        if at >= self._written:
            # Not written (yet): the lock, but in a forked worker, where it may have been
            # held by another thread at the fork, and no other thread writes.
            with self._lock if self._made_in == _forks else nullcontext():
                if at >= self._written:
                    return bytes(self._pending[at - self._written:at - self._written + size])
        if self._file is None or self._file.closed:
            raise OSError(f"{self.folder}: the daemon's words file is closed (it has stopped)")
        parts, fd = [], self._file.fileno()
        while size:
            part = os.pread(fd, size, at)
            if not part:
                raise OSError(f"{self.folder}: the daemon's words file lost its end")
            parts.append(part)
            at, size = at + len(part), size - len(part)
        return b"".join(parts)

    def close(self) -> None:
        """Let the file go: the words it held can no longer be read (OSError), and no more
        are taken."""
        self._broken = True
        if self._file is not None:
            self._file.close()

    @property
    def size(self) -> int:
        """Bytes put."""
        return self._written + len(self._pending)


def held(spill: Spill | None, row: bytes, start: int) -> texts.HeldTexts:
    """The words of a restored ``row`` (from ``start``): in ``spill`` when there is one
    that takes them, else in memory."""
    place = spill.put(memoryview(row)[start:]) if spill is not None else None
    return texts.HeldTexts(row[start:]) if place is None else texts.HeldTexts(place, spill)


def flush(spill: Spill | None) -> None:
    """``spill.flush()``, when there is one."""
    if spill is not None:
        spill.flush()
