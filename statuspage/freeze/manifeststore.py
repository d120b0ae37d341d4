"""The file maps of the built trees: an SQLite file beside the output
(``.statuspage-manifest-build``), never inside the served folder.

Each tree (``build/`` and its spare, which swap places at every build) has a number its
marker carries, and a *generation* that each write of its map moves on. The store holds,
for each tree, its generation and one row per file: the output id, the file's path and
the key it was made with. A build writes, in one transaction, only the rows of the spare
that changed (rendered, linked, removed); a 100,000-incident site is no longer a 56 MB
map written whole at every build.

A map is believed only when the store's generation of the tree is the one its marker
says: the marker is written after the store's transaction, so a build stopped before it
leaves a spare without a marker (emptied by the next build, as before), and a store that
lost its last transaction (a power cut: the writes are not synced), was replaced, or is
corrupt, holds nothing the markers can name. A file that is not ours (planted by another
user in a folder others can write, of another schema or format) is never read, and is
replaced at the next write. Nothing here is run when read: unlike the parse cache, the
rows need no signature.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import sqlite3
import stat
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from statuspage import sqlitefiles
from statuspage.content.edition import PUBLIC

STORE = ".statuspage-manifest-"  # beside the output, named after it
MARKER = ".statuspage-build"  # marks a folder as ours to replace, and names its map
SPARE = ".statuspage-spare-"  # beside the output: the site before (tree.py)
VERSION = 3  # 2: the marker held the whole map (read as no marker: nothing reused)
MARKER_SIZE = 4096  # bytes read of a marker (one of this version is about 200)
FORMAT = 1  # the schema's format, in PRAGMA user_version
TABLES = {
    "trees": "CREATE TABLE trees (tree INTEGER PRIMARY KEY, generation INTEGER NOT NULL)",
    "files": "CREATE TABLE files (tree INTEGER NOT NULL, id TEXT NOT NULL, path TEXT "
             "NOT NULL, key TEXT, PRIMARY KEY (tree, id)) WITHOUT ROWID",
}
Row = tuple[str, str | None]  # a file's path and key, as the store holds them
Files = dict[str, str | None]  # each file's key, by output id (its path: in the store)
PATHS_ONE_BY_ONE = 2_000  # more paths than this are found in one pass over the tree's rows


SCHEMA = sqlitefiles.expected(TABLES)  # what a store of ours holds, and nothing else


def store_of(out: Path) -> Path:
    """The store of the trees of ``out`` (``out`` and its spare)."""
    return out.with_name(STORE + out.name)


def load(path: Path, tree: int, generation: int, like: Files | None = None) -> Files | None:
    """The map of ``tree`` when the store holds it at ``generation``; None otherwise
    (no store, not ours, corrupt, another generation). Never raises. Its files' paths stay
    in the store (``paths``): at 100,000 incidents they were 65 MB of a daemon's memory,
    and a build needs those of the few files it writes or removes. ``like``: a map held
    already (the other tree's), whose ids and keys this one shares: the two trees of a
    large site hold mostly the same files."""
    try:
        with _holding(path, tree, generation) as db:
            if db is None:
                return None
            rows = db.execute("SELECT id, key FROM files WHERE tree = ? ORDER BY id", (tree,))
            files: Files = {}
            # A file's languages share a key: one string each (at 100,000 incidents,
            # 237,000 copies of 202,000 keys were 17 MB).
            keys: dict[str | None, str | None] = {None: None}
            # And an id ``like`` holds too is its string, found in the same order (SQLite
            # and Python order strings alike): 44 MB at 100,000.
            others = iter(sorted(like) if like else ())
            other = next(others, None)
            for id_, key in rows:
                while other is not None and other < id_:
                    other = next(others, None)
                if other == id_:
                    id_ = other
                    held = like[id_]  # type: ignore[index]
                    if held == key:
                        key = held
                files[id_] = keys.setdefault(key, key)
            return files
    except (OSError, sqlite3.Error):
        return None


def holds(path: Path, tree: int, generation: int | None) -> bool:
    """Whether the store holds ``tree``'s map at ``generation``. Never raises."""
    try:
        with _holding(path, tree, generation) as db:
            return db is not None
    except (OSError, sqlite3.Error):
        return False


def paths(path: Path, tree: int, generation: int | None,
          ids: Collection[str] | None = None) -> dict[str, str]:
    """The paths of the files ``ids`` (every file's when None) of ``tree``'s map, which
    the store must hold at ``generation``. Raises OSError when it does not."""
    try:
        with _holding(path, tree, generation) as db:
            if db is None:
                raise _gone(path)
            if ids is not None and len(ids) <= PATHS_ONE_BY_ONE:
                one = "SELECT path FROM files WHERE tree = ? AND id = ?"
                return {id_: row[0] for id_ in ids
                        if (row := db.execute(one, (tree, id_)).fetchone()) is not None}
            rows = db.execute("SELECT id, path FROM files WHERE tree = ?", (tree,))
            wanted = set(ids) if ids is not None else None
            return {id_: file for id_, file in rows if wanted is None or id_ in wanted}
    except (sqlite3.Error, UnicodeError) as err:
        raise OSError(errno.EIO, f"{path}: {err}") from err


@contextmanager
def _holding(path: Path, tree: int, generation: int | None
             ) -> Iterator[sqlite3.Connection | None]:
    """The store, in a transaction (its generations and rows of one moment), when it is
    ours and holds ``tree``'s map at ``generation``; else None."""
    if generation is None or not sqlitefiles.ours(path):
        yield None
        return
    with closing(sqlitefiles.connect(path)) as db:
        db.execute("BEGIN")
        yield db if sqlitefiles.schema(db, FORMAT) == SCHEMA and \
            _generation(db, tree) == generation else None


def save(path: Path, tree: int, generation: int | None, changes: Mapping[str, Row | None],
         files: Files, keep: Iterable[int] = ()) -> tuple[int, int]:
    """Write the map of ``tree`` (``files``: each file's key): only ``changes`` (a row
    each, None: removed) when the store holds it at ``generation``, else ``changes`` alone
    when they are every file (a tree made from nothing). A store found corrupt is made
    anew with the whole map, the paths of the files kept read from it first. The trees
    other than ``tree`` and ``keep`` go. Returns the tree's new generation and the rows
    written or removed. Raises OSError, also when the store lost the map (the paths of the
    files kept are only there)."""
    rows = dict(changes)

    def salvage() -> None:
        kept = [id_ for id_ in files if id_ not in rows]
        try:
            found = paths(path, tree, generation, kept) if kept else {}
        except OSError:
            return  # nothing to read any more: the write says the map is gone
        rows.update((id_, (file, files[id_])) for id_, file in found.items())

    return sqlitefiles.remade_if_corrupt(
        path, lambda: _save(path, tree, generation, rows, len(files), {tree, *keep}), salvage)


def copy(path: Path, source: int, generation: int, tree: int) -> int:
    """Make ``tree``'s map the one of ``source`` (at ``generation``); the other trees go.
    Returns ``tree``'s generation. Raises OSError, also when the store lost ``source``'s."""
    try:
        with closing(_open(path)) as db, sqlitefiles.transaction(db):
            if _generation(db, source) != generation:
                raise _gone(path)
            _forget(db, {source, tree}, also=tree)
            db.execute("INSERT INTO files SELECT ?, id, path, key FROM files "
                       "WHERE tree = ?", (tree, source))
            db.execute("INSERT INTO trees VALUES (?, 1)", (tree,))
        return 1
    except (sqlite3.Error, UnicodeError) as err:
        raise OSError(errno.EIO, f"{path}: {err}") from err


def _gone(path: Path) -> OSError:
    return OSError(errno.ESTALE, f"{path}: the map of a tree is no longer there (the store "
                   "was removed, replaced, or found corrupt and made anew): the next build "
                   "makes every file again")


def _save(path: Path, tree: int, generation: int | None, changes: Mapping[str, Row | None],
          count: int, keep: set[int]) -> tuple[int, int]:
    with closing(_open(path)) as db:
        db.execute("PRAGMA synchronous=NORMAL")  # a lost write: the markers name nothing
        with sqlitefiles.transaction(db):
            stored = _generation(db, tree)
            partial = generation is not None and stored == generation
            _forget(db, keep, also=None if partial else tree)
            if partial:
                gone = [(tree, i) for i, row in changes.items() if row is None]
                db.executemany("DELETE FROM files WHERE tree = ? AND id = ?", gone)
            elif sum(row is not None for row in changes.values()) != count:
                raise _gone(path)
            _insert(db, tree, changes.items())
            # Never a generation the tree had before (a daemon keeps maps by it), even
            # in a store made anew.
            new = max(stored or 0, generation or 0) + 1
            db.execute("INSERT OR REPLACE INTO trees VALUES (?, ?)", (tree, new))
        return new, db.total_changes  # rows written or removed, as SQLite counts them


def _insert(db: sqlite3.Connection, tree: int, rows: Iterable[tuple[str, Row | None]]) -> None:
    db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                   ((tree, i, row[0], row[1]) for i, row in rows if row is not None))


def _generation(db: sqlite3.Connection, tree: int) -> int | None:
    found = db.execute("SELECT generation FROM trees WHERE tree = ?", (tree,)).fetchone()
    return None if found is None else found[0]


def _forget(db: sqlite3.Connection, keep: set[int], also: int | None) -> None:
    """Remove the trees not in ``keep`` (no marker names them any more), and ``also``."""
    trees = [row[0] for row in db.execute("SELECT tree FROM trees")]
    for tree in {t for t in trees if t not in keep} | ({also} if also is not None else set()):
        db.execute("DELETE FROM files WHERE tree = ?", (tree,))
        db.execute("DELETE FROM trees WHERE tree = ?", (tree,))


def _open(path: Path) -> sqlite3.Connection:
    """The store to write to: ours as it is, else (none, planted, corrupt, another format)
    made anew, 0600."""
    return sqlitefiles.open_for_writing(path, TABLES, FORMAT)


def new_tree() -> int:
    """A number for a tree made anew: no other tree, before or after, has it."""
    return secrets.randbits(62)


@dataclass
class Manifest:
    """What a built folder holds: for each output id, the key its file was made with
    (None: made for its moment, never reused; the file's path is in the store, ``paths``);
    and where its map is kept: the tree's number in the store beside the output, and the
    map's generation there (None: not stored yet)."""

    inputs: str | None  # the site-wide inputs it was built from (None: unknown)
    edition: str = PUBLIC.name  # the edition's name, as the marker holds it
    files: Files = field(default_factory=dict)
    tree: int = field(default_factory=new_tree)
    generation: int | None = None

    @classmethod
    def read(cls, folder: Path, known: Manifests | None = None,
             store: Path | None = None) -> Manifest | None:
        """The manifest of a built folder (None: none, or its map is not in ``store``, by
        default the one of the output the folder is, or is the spare of). A caller that
        builds again and again (the daemon) keeps ``known``: it reads each map once, and
        none it wrote. Callers must not change what they get (a build takes the spare's
        map to change: ``Manifests.taken``)."""
        try:
            data = _marker(folder)
            tree, generation = int(data["tree"]), int(data["generation"])
            inputs, edition = data["inputs"], str(data["edition"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        store = store or _store_for(folder)
        found = known.get((tree, generation)) if known is not None else None
        if found is not None and (found.inputs, found.edition) == (inputs, edition):
            if holds(store, tree, generation):
                return found
            known.clear()  # type: ignore[union-attr]  # the store lost them, or was replaced
        like = next((held.files for held in (known or {}).values()
                     if held.edition == edition), None)
        files = load(store, tree, generation, like)
        if files is None:
            return None
        found = cls(inputs, edition, files, tree, generation)
        if known is not None:
            known.remember((tree, generation), found)
        return found

    @staticmethod
    def edition_of(folder: Path) -> str | None:
        """The edition a built folder holds, from its marker's first bytes (that of an
        older version holds the whole map, megabytes); None when it has no readable
        marker."""
        try:
            head = _read(folder / MARKER, 512)
        except OSError:
            return None
        found = re.search(r'"edition":"(\w+)"', head)
        return found.group(1) if found else None

    @staticmethod
    def tree_of(folder: Path) -> int | None:
        """The number of the tree a built folder's marker names (None: none readable)."""
        try:
            return int(_marker(folder)["tree"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def paths(self, store: Path, ids: Collection[str] | None = None) -> dict[str, str]:
        """The paths of its files ``ids`` (every file's when None), as ``store`` holds
        them. Raises OSError."""
        return paths(store, self.tree, self.generation, ids)

    def write(self, folder: Path, store: Path, changes: Mapping[str, Row | None],
              keep: Iterable[int] = (), known: Manifests | None = None) -> int:
        """Store the map (only ``changes`` against the generation it had, when the store
        holds it; the trees but this one and ``keep`` go), then the marker naming it.
        Returns the rows written. Raises OSError."""
        self.generation, written = save(store, self.tree, self.generation, changes,
                                        self.files, keep)
        self.mark(folder, known)
        return written

    def mark(self, folder: Path, known: Manifests | None = None) -> None:
        """Write the marker of ``folder``, which holds this manifest's files."""
        data = {"version": VERSION, "edition": self.edition, "inputs": self.inputs,
                "tree": self.tree, "generation": self.generation,
                "note": "built by statuspage; replaced by the next build"}
        marker = folder / MARKER
        marker.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        if known is not None:  # the next build reads it from the swapped-in site
            known.remember((self.tree, self.generation), self)


class Manifests(dict[tuple, Manifest]):
    """The last few manifests read or written, by their tree's number and generation
    (a swap moves the folder and its marker: the same ones), oldest first; of a tree,
    only the newest generation, which its marker names (an older one is a whole map, 20
    MB at 100,000 incidents, that no marker names any more)."""

    KEPT = 4

    def remember(self, stamp: tuple, manifest: Manifest) -> None:
        for older in [held for held in self if held[0] == stamp[0]]:
            del self[older]
        self[stamp] = manifest
        while len(self) > self.KEPT:
            del self[next(iter(self))]

    def taken(self, manifest: Manifest, other: Manifest | None = None) -> Files:
        """``manifest``'s map, for a build to change into the next generation's: no longer
        kept here (no later build believes it), and not copied (440,000 rows at 100,000
        incidents, at each of a daemon's builds) unless ``other`` or a map kept here holds
        the same one (after a full build, both trees': ``tree.mirror``)."""
        if self.get((manifest.tree, manifest.generation)) is manifest:
            del self[(manifest.tree, manifest.generation)]
        files = manifest.files
        shared = (other, *self.values())
        return dict(files) if any(held is not None and held.files is files
                                  for held in shared) else files


def _marker(folder: Path) -> dict:
    """What a folder's marker says, when of this version (a larger one, an older
    version's that held the whole map, is not read whole: ValueError)."""
    data = json.loads(_read(folder / MARKER, MARKER_SIZE))
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not a marker of this version")
    return data


def _store_for(folder: Path) -> Path:
    """The store of the output ``folder`` is, or is the spare of."""
    name = folder.name
    return store_of(folder.with_name(name[len(SPARE):] if name.startswith(SPARE)
                                                   else name))


def _read(marker: Path, size: int = -1) -> str:
    """A marker's text; OSError unless it is a regular file (a FIFO planted in its place,
    in a folder others can write, would block the build for ever)."""
    fd = os.open(marker, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(marker))
    with os.fdopen(fd, "rb") as handle:
        return handle.read(size).decode("utf-8", "replace")
