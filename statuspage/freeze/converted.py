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
(``version``), and its HMAC, made with the site's key (``signing.py``) over the version,
the digest and the HTML, matches: nothing planted beside the output is shown on a page.

Forked render workers each read through a connection of their own and write what they
converted at the end of their share; a connection is never carried across a fork (it is
closed at each ``flush``, which ``rendering`` calls before it forks).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from functools import cache
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


def converted_for(out: Path) -> Path:
    """The converted texts of the site built into ``out``: beside it, named after it."""
    return out.with_name(NAME + out.name)


@cache
def version() -> str:
    """What a text's conversion depends on: the converter's configuration (``markup.py``)
    and Python-Markdown's version."""
    code = Path(markup.__file__).read_bytes()
    return hashlib.sha256(code + b"\0" + markdown.__version__.encode()).hexdigest()[:24]


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class Converted:
    """The converted texts of one output folder: ``get`` and ``add`` (``markup``'s), written
    at ``flush``."""

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root  # the site: its key signs the rows
        self._key: bytes | None = None
        self._db: sqlite3.Connection | None = None  # to read, while ``_looked``
        self._looked = False  # whether this process opened the file since its last flush
        self._pid: int | None = None  # the process these are of
        self._pending: dict[bytes, bytes] = {}
        self.problems: list[str] = []  # what went wrong writing, said once

    def get(self, text: str) -> str | None:
        """The HTML Python-Markdown gave for ``text``, when a trusted row holds it."""
        db = self._reader()
        if db is None:
            return None
        found = digest(text)
        try:
            row = db.execute("SELECT html, mac FROM texts WHERE digest = ?", (found,)).fetchone()
        except sqlite3.Error:
            return None
        assert self._key is not None
        if row is None or not all(type(column) is bytes for column in row) or \
                not authentic(self._key, self._signed(found, row[0]), row[1]):
            return None  # (a column that is not a blob: not a row of ours)
        return row[0].decode("utf-8", "surrogatepass")

    def add(self, text: str, html: str) -> None:
        """``html``, just converted from ``text``: written at the next ``flush``."""
        if self._pid != os.getpid():
            self._forked()
        self._pending[digest(text)] = html.encode("utf-8", "surrogatepass")

    def ready(self) -> None:
        """Make the file when there is none to believe, before any worker forks: two
        workers that each found none would each make one, and one's rows would be lost."""
        if not sqlitefiles.ours(self.path):
            self._write_pending({})

    def flush(self) -> None:
        """Write what was converted since the last flush, in one transaction, and close the
        connection (before a fork, and at a build's end). A store that cannot be written
        is said once in ``problems``: the texts are converted again next time."""
        if self._pid != os.getpid():
            self._forked()
        if self._db is not None:
            self._db.close()
        self._db, self._looked = None, False
        pending, self._pending = self._pending, {}
        if pending:
            self._write_pending(pending)

    def _write_pending(self, pending: dict[bytes, bytes]) -> None:
        try:
            key = cache_key(self.root, create=True)
            assert key is not None
            sqlitefiles.remade_if_corrupt(self.path, lambda: self._write(key, pending))
        except OSError as err:
            problem = (f"converted texts could not be kept in {self.path} "
                       f"({err.strerror or err}): the next build converts them again")
            if problem not in self.problems:
                self.problems.append(problem)

    def _write(self, key: bytes, rows: dict[bytes, bytes]) -> None:
        with closing(sqlitefiles.open_for_writing(self.path, TABLES, FORMAT)) as db:
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: a lost write converts again
            with sqlitefiles.transaction(db):
                stored = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
                if stored != (version(),):  # another converter's: none of them hold
                    db.execute("DELETE FROM texts")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)",
                               (version(),))
                db.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?, ?)",
                               [(found, html, sign(key, self._signed(found, html)))
                                for found, html in rows.items()])

    def _reader(self) -> sqlite3.Connection | None:
        """This process's connection, opened at its first look since the last flush; None
        when the file is not one to believe (none, not the user's, another format or
        version, no key)."""
        if self._pid != os.getpid():
            self._forked()
        if not self._looked:
            self._looked = True
            self._key = cache_key(self.root)
            if self._key is not None and sqlitefiles.ours(self.path):
                self._db = _believed(sqlitefiles.connect(self.path))
        return self._db

    def _forked(self) -> None:
        """In a forked worker (or at the first use): nothing of the parent's, whose
        connection is left alone and whose list of texts is its own."""
        self._pid, self._db, self._looked, self._pending = os.getpid(), None, False, {}

    @staticmethod
    def _signed(found: bytes, html: bytes) -> bytes:
        return version().encode() + b"\0" + found + b"\0" + html


def _believed(db: sqlite3.Connection) -> sqlite3.Connection | None:
    """``db`` when it is a store of this format and of this converter's version, else
    None (closed)."""
    try:
        if sqlitefiles.schema(db, FORMAT) == SCHEMA and db.execute(
                "SELECT value FROM meta WHERE name = 'version'").fetchone() == (version(),):
            return db
    except sqlite3.Error:
        pass
    db.close()
    return None
