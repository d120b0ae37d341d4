"""A content file's stamp: what changes when the file does (its size, its time, its inode),
in one integer. At 170,000 files a daemon holds one per file, in its look and its loader:
as a tuple of three integers each took 176 bytes (30 MB), as one integer 64."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from statuspage.content.config import INCIDENTS_DIR, SITE_FILE

Stamp = int  # (time in ns << 64 | inode) << 64 | size: equal exactly when all three are
SIZE = (1 << 64) - 1


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_mtime_ns << 64 | info.st_ino) << 64 | info.st_size


def size_and_time(stamp: Stamp) -> tuple[int, int]:
    """The size and the time (in ns) a stamp holds."""
    return stamp & SIZE, stamp >> 128


def stamps(root: Path, folders: tuple[Path, ...] = (SITE_FILE.parent, INCIDENTS_DIR)
           ) -> dict[str, Stamp]:
    """What changes when content changes: every regular, visible file of ``content/`` and
    ``incidents/`` (of ``folders``), by path: its size, time and inode (``os.scandir``)."""
    found: dict[str, Stamp] = {}
    base = len(str(root)) + 1
    folders_ = [str(root / folder) for folder in folders]
    while folders_:
        try:
            entries = os.scandir(folders_.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders_.append(entry.path)
                        continue
                    info = entry.stat()
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found[entry.path[base:]] = stamp_of(info)
    return found
