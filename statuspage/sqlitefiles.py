"""The SQLite files the tool keeps beside its output (the parse cache, the manifest
store): each a regular file of this user that no one else may read or write, with
exactly the schema of its format, else not believed and made anew.

A file planted in a folder others can write, another program's database, a corrupt one
or one of another format is never read: ``ours`` says whether to open it, ``schema``
what it holds; ``open_for_writing`` gives the one to write to, made anew (mode 0600, its
``-wal`` and ``-shm`` too) when it is not ours. ``trusted_schema`` is off on every
connection: a planted view or trigger runs nothing.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

SIDES = ("", "-wal", "-shm")  # the database and what SQLite keeps beside it
T = TypeVar("T")


def expected(tables: Mapping[str, str]) -> list:
    """What sqlite_master holds in a file made with ``tables`` (name → CREATE), and
    nothing else: to compare with ``schema``."""
    with closing(sqlite3.connect(":memory:")) as db:
        for sql in tables.values():
            db.execute(sql)
        return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


def ours(path: Path) -> bool:
    """Whether ``path`` is there, and it and what SQLite keeps beside it are regular files
    of this user that no one else may read or write."""
    owned = [_own(path, side) for side in SIDES]
    return bool(owned[0]) and False not in owned


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA trusted_schema=OFF")
    return db


def schema(db: sqlite3.Connection, fmt: int) -> list:
    """What the file holds, to compare with ``expected`` (nothing unless of format
    ``fmt``, in its ``user_version``)."""
    if db.execute("PRAGMA user_version").fetchone() != (fmt,):
        return []
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


def open_to_read(path: Path, fmt: int, tables: list,
                 version: tuple[str, str]) -> sqlite3.Connection | None:
    """The file, opened to be read, when it is one to believe: ``ours``, with exactly
    ``tables`` (``expected``'s) at format ``fmt``, and ``version`` (a name and a value)
    in its ``meta`` table; else None. Never raises."""
    if not ours(path):
        return None
    try:
        db = connect(path)
    except sqlite3.Error:  # (replaced since the look: by a folder, say)
        return None
    try:
        if schema(db, fmt) == tables and db.execute(
                "SELECT value FROM meta WHERE name = ?", (version[0],)).fetchone() == \
                (version[1],):
            return db
    except sqlite3.Error:
        pass
    db.close()
    return None


def open_for_writing(path: Path, tables: Mapping[str, str], fmt: int,
                     page_size: int | None = None) -> sqlite3.Connection:
    """The file to write to: ours as it is, else (none, planted, corrupt, another format)
    made anew with ``tables``, in WAL mode, 0600. Raises sqlite3.OperationalError when
    it is busy or cannot be read now (not a reason to throw it away)."""
    if ours(path):
        db = connect(path)
        try:
            if schema(db, fmt) == expected(tables):
                return db
        except sqlite3.OperationalError:
            db.close()
            raise
        except sqlite3.DatabaseError:
            pass  # not a database (another file, a pickle of before), or corrupt
        db.close()
    remove(path)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600))  # SQLite gives the -wal and -shm the mode of the database
    db = connect(path)
    if page_size is not None:  # only while the file is empty
        db.execute(f"PRAGMA page_size={page_size}")
    db.execute("PRAGMA journal_mode=WAL")
    for sql in tables.values():
        db.execute(sql)
    db.execute(f"PRAGMA user_version={fmt}")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (the lock taken at once): committed when the block ends,
    rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def remade_if_corrupt(path: Path, write: Callable[[], T],
                      salvage: Callable[[], object] | None = None) -> T:
    """``write()``; when the file turns out corrupt (not merely busy), removed and written
    again from nothing (what it held is worked out again; ``salvage()`` first reads what
    may still be read of it). Any SQLite error is an OSError naming the file."""
    try:
        try:
            return write()
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError):
                raise  # busy, or cannot be written now: not a reason to throw it away
            if salvage is not None:
                salvage()
            remove(path)
            return write()
    except (sqlite3.Error, UnicodeError) as err:
        raise OSError(errno.EIO, f"{path}: {err}") from err


def remove(path: Path) -> None:
    for side in SIDES:
        try:
            os.unlink(f"{path}{side}")
        except FileNotFoundError:
            pass


def _own(path: Path, side: str) -> bool | None:
    """Whether ``path`` + ``side`` is a regular file of this user that no one else may
    read or write; None when there is none."""
    try:
        info = os.lstat(f"{path}{side}")
    except FileNotFoundError:
        return None
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and \
        not info.st_mode & 0o077
