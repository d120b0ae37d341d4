"""A parse cache row's bytes (``parsestore.py`` keeps the rows): what parsing an
incident's files gave, pickled with the objects every row holds named by their place in a
list the code alone decides (``shared``), its texts pickled apart (unpickled when one is
first shown, ``texts.LazyText``), and an HMAC made with the site's key over the version of
the package, the incident, the mark of its files and the pickle. A row whose HMAC is not
the site's is never unpickled: a pickle runs code when it is read.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import io
import pickle
import struct
import zlib
import zoneinfo
from types import ModuleType
from typing import Any, cast

from statuspage import errors, frozenmap, model, texts
from statuspage.content import spill as spilling
from statuspage.content.signing import authentic, sign

VERDICT = b"verdict\0"  # before what a verdict's HMAC covers (a row's starts with the code)
HEADER = struct.Struct("<II")  # a row's count of texts and its pickle's length
# What unpickling an authentic row of this version can still raise (a class renamed
# without the version changing: a development tree).
UNPICKLING = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
              ValueError, KeyError, IndexError)
MODULES: tuple[ModuleType, ...] = (model, frozenmap, texts, errors)  # the rows' classes


def shared(kinds: tuple[type, ...] = ()) -> list:
    """What every row holds: the model's classes, their fields' names, its enums' members,
    the empty text. A row names each by its place in this list (a persistent id), which
    the code alone decides, instead of spelling it out: the whole-file pickle of before
    spelled each out once, and rows that each spell them out are much slower to read
    (a class looked up by name, an enum member made by a call, each time)."""
    found: list = []
    classes = [obj for module in MODULES for _, obj in sorted(vars(module).items())
               if isinstance(obj, type) and obj.__module__ == module.__name__]
    for kind in [*classes, *kinds]:
        found.append(kind)
        if dataclasses.is_dataclass(kind):
            found += [f.name for f in dataclasses.fields(kind)]
        if issubclass(kind, enum.Enum):
            found += list(kind)
    # And what each time names: its class, and what a zone's pickle calls (the zone
    # itself is the site's: data).
    found += [texts.EMPTY_TEXT, datetime.datetime, zoneinfo.ZoneInfo, getattr]
    # Once each: a name by its value, which every process agrees on (whether two fields'
    # names are one string object is not the code's to decide).
    return list({obj if type(obj) is str else id(obj): obj for obj in found}.values())


class Codec:
    """A row's pickle and HMAC: with the site's key, for this version of the package."""

    def __init__(self, key: bytes, code: str, kinds: tuple[type, ...] = (),
                 spill: spilling.Spill | None = None):
        self.key, self.code, self.spill = key, code, spill
        self._code = code.encode()
        self.shared = shared(kinds)
        self._places = {id(obj): place for place, obj in enumerate(self.shared)}.get
        self._texts: dict[type, bool] = {}  # whether a type is a Text's (not asked an ABC
        # again for each object a row holds: a first build pickles millions)

    def seal(self, incident_id: str, mark: str, value: Any) -> tuple[bytes, ...]:
        """A row's columns but its save's number: id, mark, blob, mac. The blob: how many
        texts the value holds and its pickle's length (``HEADER``), the value's pickle with
        each text named by its place after the shared objects, then a pickle of the
        texts' flat tuples, compressed (about half: a daemon holds them until shown; see
        ``open``)."""
        data = io.BytesIO()
        words: list[tuple[str, ...]] = []
        seen: dict[int, int] = {}  # a text's id → its place among ``words``

        places, is_text = self._places, self._texts

        def place(obj: object) -> int | None:
            found = places(id(obj))
            if found is not None:
                return found
            kind = type(obj)
            text = is_text.get(kind)
            if text is None:
                text = is_text[kind] = issubclass(kind, texts.Text)
            if not text:
                return None
            at = seen.get(id(obj))
            if at is None:
                at = seen[id(obj)] = len(words)
                words.append(cast(texts.Text, obj)._items)  # (a LazyText's read)
            return len(self.shared) + at

        pickler = pickle.Pickler(data, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.persistent_id = place  # type: ignore[method-assign]
        pickler.dump(value)
        packed = zlib.compress(pickle.dumps(tuple(words), protocol=pickle.HIGHEST_PROTOCOL))
        blob = b"".join((HEADER.pack(len(words), data.tell()), data.getvalue(), packed))
        row = (name_bytes(incident_id), name_bytes(mark), blob)
        return (*row, sign(self.key, self._signed(*row)))

    def open(self, row: tuple) -> Any:
        """The row's value when its HMAC is the site's, else None. Its texts are read when
        first shown (``texts.LazyText``): they are most of a row, and unpickling them was
        more than half of a one-off build's restore at 100,000 incidents."""
        try:
            if not authentic(self.key, self._signed(*row[:3]), row[3]):
                return None
            count, size = HEADER.unpack_from(row[2])
        except (TypeError, struct.error):  # a column that is not a blob: not a row of ours
            return None
        start = HEADER.size + size
        if start > len(row[2]) or count > len(row[2]):  # (the header of no row of ours)
            return None
        table = self.shared
        if count:
            held = spilling.held(self.spill, row[2], start)
            table = [*table, *(texts.lazy(held, at) for at in range(count))]
        unpickler = pickle.Unpickler(io.BytesIO(row[2][HEADER.size:start]))
        unpickler.persistent_load = table.__getitem__  # type: ignore[method-assign]
        try:
            return unpickler.load()
        except UNPICKLING:
            return None

    def seal_verdict(self, incident_id: str, mark: str, ref: str) -> tuple[bytes, ...]:
        """A verdict's columns: id, mark, ref, mac."""
        row = (name_bytes(incident_id), name_bytes(mark), name_bytes(ref))
        return (*row, sign(self.key, VERDICT + self._signed(*row)))

    def verdict(self, row: tuple) -> str | None:
        """The ``ref:`` of a verdict's row when its HMAC is the site's, else None."""
        try:
            if not authentic(self.key, VERDICT + self._signed(row[0], row[1], row[2]), row[3]):
                return None
        except TypeError:  # a column that is not a blob: not a row of ours
            return None
        return name_text(row[2])

    def _signed(self, incident_id: bytes, mark: bytes, blob: bytes) -> bytes:
        """What a row's HMAC covers: a row cannot be moved to another incident, another
        state of its files or another version of the package (nor a verdict made a row:
        ``VERDICT``)."""
        return b"\0".join((self._code, incident_id, mark, blob))


def name_bytes(text: str) -> bytes:
    """Ids and marks are file names, which may hold bytes that are not UTF-8 (as Python
    names them: surrogate escapes, which SQLite's text cannot hold): kept as bytes."""
    return text.encode("utf-8", "surrogateescape")


def name_text(data: object) -> str:
    return data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else ""
