"""The parse cache on disk: an SQLite file beside the output (``.statuspage-cache-build``),
one row per incident: the stamps of its files when they were parsed (the *mark*), what
parsing them gave (a pickle, its texts pickled apart: they are unpickled when one is first
shown, ``texts.LazyText``), and an HMAC of both made with the site's key (a row's bytes:
``rowcodec.py``).

A build reads the rows whose mark still matches the files on disk (a row whose files
changed is not unpickled), and writes, in one transaction, only the rows of the
incidents it parsed again or that are gone: the file is never rewritten whole, and a
daemon that stops has nothing left to write.

Beside each row of an incident whose files loaded without a problem is its *verdict*
(table ``checks``): the same mark, and the incident's ``ref:`` ("" for none), so that a
command can tell that the site still loads without unpickling it (``publishable.py``).

A pickle runs code when it is read, and the folder the output sits in may be writable by
others. So the file is opened only when it, and its ``-wal`` and ``-shm``, are regular
files of this user that no one else may read or write; its schema must be exactly ours
(with ``trusted_schema`` off, a planted view or trigger runs nothing); and a row is
unpickled only when its HMAC, made with the site's private key (signing.py) over the
version of the package, the incident, the mark and the pickle, matches. A file planted,
corrupted, of another format (the pickle of before) or of another version is never
trusted: the next write starts it anew.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from statuspage import sqlitefiles
from statuspage.content import collector
from statuspage.content import spill as spilling
from statuspage.content.rowcodec import Codec, name_bytes, name_text
from statuspage.content.signing import KEY, cache_key
from statuspage.content.sources import Source

FORMAT = 4  # the schema's and the rows' format, in PRAGMA user_version
TABLES = {
    "meta": "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # ``saved``: the number of the save that wrote the row (meta's ``saves``).
    "incidents": "CREATE TABLE incidents (id BLOB PRIMARY KEY, mark BLOB NOT NULL, "
                 "saved INTEGER NOT NULL, blob BLOB NOT NULL, mac BLOB NOT NULL)",
    # A verdict: the incident loaded without a problem from the files of ``mark``, its
    # ``ref:`` being ``ref``; signed on its own, so that it is read without the pickle.
    "checks": "CREATE TABLE checks (id BLOB PRIMARY KEY, mark BLOB NOT NULL, "
              "ref BLOB NOT NULL, mac BLOB NOT NULL)",
}
SCHEMA = sqlitefiles.expected(TABLES)  # what a store of ours holds, and nothing else
BATCH = 500  # ids per query when rows are asked for by id
PAGE = 16384  # bytes: SQLite's page, set when the file is made


class Row(NamedTuple):
    """What to write of an incident: the mark of its files, what parsing them gave, and
    its ``ref:`` ("" for none) when it loaded without a problem (its verdict), else None."""

    mark: str
    value: Any
    ref: str | None = None


@dataclass
class Rows:
    """What reading the store gave: the rows asked for, unpickled, by incident; the
    incidents whose row was not read (stale, or not authentic); and whether the file is
    one this version may add to (else the next write starts it anew)."""

    fresh: dict[str, Any] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)
    usable: bool = False


class Store:
    """The cache file of one loader, and what its next save is to write. ``kinds``: the
    loader's own classes that its rows hold."""

    def __init__(self, root: Path, path: Path, kinds: tuple[type, ...] = ()):
        self.root = root  # the site: its key signs the rows
        self.path = path
        self.kinds = kinds
        self.spill: spilling.Spill | None = None  # where restored rows' words go (a daemon's)
        self.dirty: set[str] = set()  # incidents whose row is to be written (or removed)
        self.unread: set[str] = set()  # incidents whose row was left unread (files changed)
        self.anew = False  # the file holds nothing this version may add to

    def restore(self, code: str, marks: Mapping[str, str], present: set[str]) -> dict:
        """The rows whose incident's files are as ``marks`` says, by incident."""
        key = cache_key(self.root)
        if key is None:  # none yet, or not private: the save makes a new one
            self.anew = True
            return {}
        # Unpickling builds hundreds of thousands of objects, none of them garbage: the
        # collector would go over them again and again.
        with collector.paused():
            rows = read(self.path, self._codec(key, code), marks)
        spilling.flush(self.spill)  # (to the file: not a megabyte kept in memory)
        self.anew = not rows.usable
        self.unread = rows.others
        self.dirty |= rows.others - present  # the rows of incidents gone go at the save
        return rows.fresh

    def recall(self, code: str, ids: set[str]) -> dict:
        """The rows left unread of ``ids`` (what a file was before it broke), once."""
        wanted, self.unread = ids & self.unread, set()
        key = cache_key(self.root) if wanted else None
        return {} if key is None else recall(self.path, self._codec(key, code), wanted)

    def _codec(self, key: bytes, code: str) -> Codec:
        return Codec(key, code, self.kinds, self.spill)

    def save(self, code: str, row: Callable[[str], Row | None], everything: Iterable[str],
             limit: int | None = None) -> list[str]:
        """Write the rows of the incidents touched since the last save (all of
        ``everything`` when the file is to start anew), each as ``row`` gives it (None:
        none), ``limit`` of them at most (the others at the next save); what went wrong."""
        if not (self.dirty or self.anew):
            return []
        try:
            key = cache_key(self.root, create=True)
        except OSError as err:
            return [f"the parse cache could not be signed: its key {self.root / KEY} cannot "
                    f"be made ({err.strerror}): the next build parses every file again"]
        assert key is not None
        if self.anew:  # (the first write empties the file: every row is to be written)
            self.dirty.update(everything)
        ids = set(self.dirty if limit is None else islice(self.dirty, limit))
        try:
            with collector.paused():
                write(self.path, self._codec(key, code), {i: row(i) for i in ids},
                      anew=self.anew)
        except OSError as err:
            return [f"the parse cache could not be saved to {self.path} ({err.strerror}): "
                    "the next build parses every file again"]
        self.dirty -= ids
        self.anew = False
        return []


def read(path: Path, codec: Codec, marks: Mapping[str, str]) -> Rows:
    """The rows whose mark is the one in ``marks`` for their incident, when authentic.
    Never raises: a store that cannot be read is one to start anew."""
    rows = Rows()
    try:
        with _reading(path, codec.code) as db:
            if db is None:
                return rows
            for row in db.execute("SELECT id, mark, blob, mac FROM incidents"):
                incident_id = name_text(row[0])
                value = codec.open(row) if marks.get(incident_id) == name_text(row[1]) else None
                if value is None:
                    rows.others.add(incident_id)
                else:
                    rows.fresh[incident_id] = value
            rows.usable = True
    except (OSError, sqlite3.Error):
        return Rows()
    return rows


def recall(path: Path, codec: Codec, ids: Collection[str]) -> dict[str, Any]:
    """The authentic rows of ``ids``, whatever their mark (what a file was before it
    changed), unpickled. Never raises."""
    found: dict[str, Any] = {}
    wanted = [name_bytes(incident_id) for incident_id in sorted(ids)]
    try:
        with _reading(path, codec.code) as db:
            for start in range(0, len(wanted), BATCH):
                batch = wanted[start:start + BATCH]
                for row in [] if db is None else db.execute(
                        "SELECT id, mark, blob, mac FROM incidents WHERE id IN "
                        f"({', '.join('?' * len(batch))})", batch):
                    if (value := codec.open(row)) is not None:
                        found[name_text(row[0])] = value
    except (OSError, sqlite3.Error):
        pass
    return found


def verdicts(path: Path, codec: Codec, marks: Mapping[str, str]) -> dict[str, str] | None:
    """The ``ref:`` of each incident whose verdict's mark is the one in ``marks``, when
    authentic; None when the store cannot be read (not ours, another version). Never
    raises."""
    found: dict[str, str] = {}
    wanted = {name_bytes(incident_id): name_bytes(mark) for incident_id, mark in marks.items()}
    try:
        with _reading(path, codec.code) as db:
            if db is None:
                return None
            for row in db.execute("SELECT id, mark, ref, mac FROM checks"):
                if wanted.get(row[0]) == row[1] and (ref := codec.verdict(row)) is not None:
                    found[name_text(row[0])] = ref
    except (OSError, sqlite3.Error):
        return None
    return found


def write(path: Path, codec: Codec, rows: Mapping[str, Row | None],
          anew: bool = False) -> None:
    """In one transaction: each incident's row replaced (its verdict too, or removed when
    it has none), or removed for None. ``anew``: every other row goes too. A file that is
    not a store of ours is replaced by a new one (mode 0600), and so is one found corrupt
    while writing: the rows it loses are parsed again. Raises OSError."""
    sqlitefiles.remade_if_corrupt(path, lambda: _write(path, codec, rows, anew))


def _write(path: Path, codec: Codec, rows: Mapping[str, Row | None], anew: bool) -> None:
    with closing(_open(path)) as db:
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: a lost last save is parsed again
        with sqlitefiles.transaction(db):
            saves = _begin(db, codec.code, anew)
            for incident_id, row in rows.items():
                if row is None or row.ref is None:
                    db.execute("DELETE FROM checks WHERE id = ?", (name_bytes(incident_id),))
                if row is None:
                    db.execute("DELETE FROM incidents WHERE id = ?", (name_bytes(incident_id),))
                    continue
                ident, mark, blob, mac = codec.seal(incident_id, row.mark, row.value)
                db.execute("INSERT OR REPLACE INTO incidents VALUES (?, ?, ?, ?, ?)",
                           (ident, mark, saves, blob, mac))
                if row.ref is not None:
                    db.execute("INSERT OR REPLACE INTO checks VALUES (?, ?, ?, ?)",
                               codec.seal_verdict(incident_id, row.mark, row.ref))


def _begin(db: sqlite3.Connection, code: str, anew: bool) -> int:
    """Start a save: the rows of another version (or all, ``anew``) removed; its number."""
    meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
    if anew or meta.get("code") != code:
        db.execute("DELETE FROM incidents")
        db.execute("DELETE FROM checks")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('code', ?)", (code,))
    saves = int(meta.get("saves", "0")) + 1
    db.execute("INSERT OR REPLACE INTO meta VALUES ('saves', ?)", (str(saves),))
    return saves


def mark(config_key: str, group: list[Source]) -> str:
    """What an incident's row was parsed from: site.yaml, and each file as it was."""
    return "\n".join([config_key, *(f"{s.label} {s.stamp}"
                                     for s in group)])


def marks(config_key: str, groups: Mapping[str, list[Source]]) -> dict[str, str]:
    """Each incident's mark, by id, from its files (``groups``: a load's)."""
    return {incident_id: mark(config_key, group) for incident_id, group in groups.items()}


@contextmanager
def _reading(path: Path, code: str) -> Iterator[sqlite3.Connection | None]:
    """The store, opened to be read, when it is ours and of this version; else None."""
    db = sqlitefiles.open_to_read(path, FORMAT, SCHEMA, ("code", code))
    if db is None:
        yield None
        return
    with closing(db):
        yield db


def _open(path: Path) -> sqlite3.Connection:
    """The store to write to: ours as it is, else (none, planted, corrupt, a pickle of
    before) made anew, 0600; in pages of PAGE (a row is a few kilobytes: SQLite's 4 KiB
    pages would hold one row each, a third of the file empty)."""
    return sqlitefiles.open_for_writing(path, TABLES, FORMAT, PAGE)
