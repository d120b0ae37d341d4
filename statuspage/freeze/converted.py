"""Converted Markdown kept across builds: an SQLite file beside the output
(``.statuspage-converted-build``), one row per text that Python-Markdown converted, by the
SHA-256 of the text. A build renders a text's pages again when the text or the package
changed; the text itself is converted once, whichever process renders it and however
many builds later (a new version of the package renders every page again, and converting
was a fifth of the render: ``docs/performance.md``). A text Markdown only wraps in a
paragraph is never stored (``markup.plain_paragraph``: made without converting).

What a row holds is what the converter gave, before the sanitiser: each page still sends
it through ``nh3``, as it does a text just converted. A row is used only when the file is
the user's own (``sqlitefiles.ours``), of this format, of this version of the converter
(``VERSION``), and its HMAC, made with the site's key (``signing.py``) over the version,
the digest and the HTML, matches: nothing planted beside the output is shown on a page.

Forked render workers never touch SQLite: a daemon's other threads use it (the outbox),
and a lock one of them held at the fork would be held forever in the worker. Before it
forks (``before_fork``), the builder reads every trusted row into blocks of bytes that
the workers share (``Rows``); a worker writes what it converted to a file of its own in a
folder the builder made, which the builder adds to the store at its next ``flush``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import sqlite3
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import markdown

from statuspage import markup, sqlitefiles
from statuspage.content.signing import authentic, cache_key, sign

NAME = ".statuspage-converted-"  # beside the output, named after it
FORMAT = 1
TABLES = {
    "meta": "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "texts": "CREATE TABLE texts (digest BLOB PRIMARY KEY, html BLOB NOT NULL, "
             "mac BLOB NOT NULL)",
}
SCHEMA = sqlitefiles.expected(TABLES)
# What a text's conversion depends on: the converter's configuration (``markup.py``, as
# loaded), Python-Markdown's version, and Python's (its HTML parser changes in point
# releases).
VERSION = hashlib.sha256(b"\0".join([
    Path(markup.__file__).read_bytes(), markdown.__version__.encode(),
    sys.version.encode()])).hexdigest()[:24]


def converted_for(out: Path) -> Path:
    """The converted texts of the site built into ``out``: beside it, named after it."""
    return out.with_name(NAME + out.name)


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


SIZE = hashlib.sha256().digest_size  # of a digest


def _signed(found: bytes, html: bytes) -> bytes:
    return VERSION.encode() + b"\0" + found + b"\0" + html


class Rows:
    """The trusted rows, read once by the builder before it forks, in the order of their
    digests: the digests in one block of bytes, their HTML in another, so that a worker
    looking a text up copies few of the builder's pages (an object read is a page written:
    its reference count). Made as the rows are read, with no object per text: at 100,000
    incidents, 700,000 texts held as a list of pairs first took 220 MB more of a daemon's
    memory, at each build that forks (``docs/performance.md``)."""

    def __init__(self, rows: Iterable[tuple[bytes, bytes]]):
        """``rows``: (digest, HTML), each digest ``SIZE`` bytes, in the order of the
        digests. Each digest's first 8 bytes are also kept as a number, in the same order,
        for ``bisect`` to search in C."""
        self.digests, self.block, self.ends = bytearray(), bytearray(), array("Q")
        self.firsts = array("Q")
        for found, html in rows:
            self.digests += found
            self.firsts.append(int.from_bytes(found[:8]))
            self.block += html
            self.ends.append(len(self.block))

    def get(self, found: bytes) -> bytes | None:
        first = int.from_bytes(found[:8])
        place = bisect_left(self.firsts, first)
        while place < len(self.firsts) and self.firsts[place] == first:  # (a few at most)
            if self.digests[place * SIZE:(place + 1) * SIZE] == found:
                return bytes(self.block[self.ends[place - 1] if place else 0:self.ends[place]])
            place += 1
        return None


class Converted:
    """The converted texts of one output folder: ``get`` and ``add`` (``markup``'s), written
    at ``flush``."""

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root  # the site: its key signs the rows
        self._owner = os.getpid()  # the builder: the one process that opens the file
        self._db: sqlite3.Connection | None = None  # to read, while ``_looked``
        self._looked = False  # whether the file was opened since the last flush
        self._key: bytes | None = None
        self._rows: Rows | None = None  # for forked workers (``before_fork``)
        self._handed: str | None = None  # the folder they write their texts to
        self._files = 0  # the files a worker wrote there
        self._pending: dict[bytes, bytes] = {}
        self.problems: list[str] = []  # what went wrong writing, said once

    def get(self, text: str) -> str | None:
        """The HTML Python-Markdown gave for ``text``, when a trusted row holds it."""
        found = digest(text)
        if os.getpid() != self._owner:
            html = self._rows.get(found) if self._rows is not None else None
        else:
            html = self._read(found)
        return None if html is None else html.decode("utf-8", "surrogatepass")

    def add(self, text: str, html: str) -> None:
        """``html``, just converted from ``text``: written at the next ``flush``."""
        self._pending[digest(text)] = html.encode("utf-8", "surrogatepass")

    def before_fork(self) -> None:
        """What forked workers read and where they write, made before they fork; what was
        converted here so far written, the connection closed."""
        self.flush()
        key = cache_key(self.root)
        db = self._opened() if key is not None else None
        self._rows = Rows(())
        if db is not None and key is not None:
            with closing(db):  # (SQLite orders blobs as Python does bytes)
                self._rows = Rows((found, html) for found, html, mac in db.execute(
                    "SELECT digest, html, mac FROM texts ORDER BY digest")
                    if _trusted(key, found, html, mac) and len(found) == SIZE)
        try:
            self._handed = tempfile.mkdtemp(prefix="statuspage-converted-")
        except OSError:  # (nowhere to hand texts over: the workers' convert again next time)
            self._handed = None

    def flush(self) -> None:
        """In a worker: what it converted since, to a file of its own. In the builder:
        that of the workers too, written to the store in one transaction; the workers'
        rows dropped, the connection closed. A store that cannot be written is said once
        in ``problems``: its texts are converted again next time."""
        pending, self._pending = self._pending, {}
        if os.getpid() != self._owner:
            if pending and self._handed is not None:
                self._files += 1
                name = os.path.join(self._handed, f"{os.getpid()}-{self._files}")
                try:
                    with open(name + ".part", "wb") as handle:
                        marshal.dump(pending, handle)
                    os.rename(name + ".part", name)  # whole, or not there
                except OSError:  # (a disk full: a cache, never a reason to fail a build)
                    pass
            return
        if self._handed is not None:
            pending = self._taken(self._handed) | pending
            self._handed = self._rows = None
        if self._db is not None:
            self._db.close()
        self._db, self._looked = None, False
        if pending:
            self._write(pending)

    def _taken(self, folder: str) -> dict[bytes, bytes]:
        """What the workers handed over in ``folder``, which goes."""
        handed: dict[bytes, bytes] = {}
        try:
            for name in sorted(os.listdir(folder)):
                if name.endswith(".part"):
                    continue  # (a worker killed while writing: those texts convert again)
                with open(os.path.join(folder, name), "rb") as handle:
                    handed.update(marshal.load(handle))
        except (OSError, EOFError, ValueError, TypeError):
            pass  # (what could not be read is converted again next time)
        shutil.rmtree(folder, ignore_errors=True)
        return handed

    def _write(self, pending: dict[bytes, bytes]) -> None:
        try:
            key = cache_key(self.root, create=True)
            assert key is not None
            sqlitefiles.remade_if_corrupt(self.path, lambda: _write(self.path, key, pending))
        except OSError as err:
            problem = (f"converted texts could not be kept in {self.path} "
                       f"({err.strerror or err}): the next build converts them again")
            if problem not in self.problems:
                self.problems.append(problem)

    def _read(self, found: bytes) -> bytes | None:
        """The builder's lookup, through its connection (opened at the first since the last
        flush)."""
        if not self._looked:
            self._looked = True
            self._key = cache_key(self.root)
            self._db = self._opened() if self._key is not None else None
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT html, mac FROM texts WHERE digest = ?",
                                   (found,)).fetchone()
        except sqlite3.Error:
            return None
        assert self._key is not None
        return row[0] if row is not None and _trusted(self._key, found, *row) else None

    def _opened(self) -> sqlite3.Connection | None:
        """The store, opened to be read, when it is one to believe: the user's own, of this
        format and of this converter's version; else None."""
        return sqlitefiles.open_to_read(self.path, FORMAT, SCHEMA, ("version", VERSION))


def _trusted(key: bytes, found: object, html: object, mac: object) -> bool:
    """Whether a row's columns are blobs and its HMAC the site's for this version."""
    return type(found) is bytes and type(html) is bytes and type(mac) is bytes and \
        authentic(key, _signed(found, html), mac)


def _write(path: Path, key: bytes, rows: dict[bytes, bytes]) -> None:
    """``rows`` added to the store in one transaction; those of another version of the
    converter removed first."""
    with closing(sqlitefiles.open_for_writing(path, TABLES, FORMAT)) as db:
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: a lost write converts again
        with sqlitefiles.transaction(db):
            stored = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
            if stored != (VERSION,):  # another converter's: none of them hold
                db.execute("DELETE FROM texts")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (VERSION,))
            db.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?, ?)",
                           [(found, html, sign(key, _signed(found, html)))
                            for found, html in rows.items()])
