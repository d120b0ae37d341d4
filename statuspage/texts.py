"""Human-readable text: one string per language, and the one rule that picks the
string shown in a language (``Text.get_in``), for the pages, feeds, API, mail and phone
line alike; and texts restored from the parse cache, read when first shown
(``LazyText``). A leaf: no I/O (a daemon's words written out of memory are read
through ``Spilled``), nothing of the site.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from sys import intern
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in one language, and the language it is really written in."""

    value: str
    lang: str


class Text(Mapping[str, str]):
    """Human-readable text: one string per language code.

    ``get_in(lang, default)`` falls back to the default language, then to any.
    """

    # Its languages and strings in one flat tuple (lang, value, lang, value…), in their
    # order: a site holds a few texts per update, and an object with a dict and a
    # read-only proxy of it costs about four times what the words themselves do.
    __slots__ = ("_items",)

    def __init__(self, values: Mapping[str, str] | str, lang: str = ""):
        data = {lang: values} if isinstance(values, str) else dict(values)
        self._items: tuple[str, ...] = _codes_interned(
            tuple(part for pair in data.items() for part in pair))

    def __getitem__(self, key: str) -> str:
        items = self._items
        for at in range(0, len(items), 2):
            if items[at] == key:
                return items[at + 1]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items[::2]

    def __iter__(self):
        return iter(self._items[::2])

    def __len__(self) -> int:
        return len(self._items) // 2

    def _dict(self) -> dict[str, str]:
        return dict(zip(self._items[::2], self._items[1::2], strict=True))

    def __repr__(self) -> str:
        return f"Text({self._dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self._dict() == other._dict()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._dict().items())))

    def __reduce__(self):  # (the parse cache holds millions: no dict made to restore one)
        return (_from_items, (self._items,))

    def merged(self, other: Mapping[str, str]) -> Text:
        return Text({**self._dict(), **other})

    def get_in(self, lang: str, default_lang: str) -> Localized:
        """The text in ``lang``, else in the default language, else the one for every
        language (``""``), else any; with the language it is really in."""
        items = self._items
        if len(items) == 2:  # one language (most texts): whichever rule picks it
            return Localized(items[1], items[0] or lang)
        for candidate in (lang, default_lang, ""):
            for at in range(0, len(items), 2):
                if items[at] == candidate:
                    return Localized(items[at + 1], candidate or lang)
        return Localized(items[1], items[0] or lang) if items else Localized("", lang)

    def value_in(self, lang: str, default_lang: str) -> str:
        """The words ``get_in`` picks ("" for an empty text): what every channel that
        does not mark the language (the API, mail, the phone line) shows."""
        return self.get_in(lang, default_lang).value


def _from_items(items: tuple[str, ...]) -> Text:
    """A Text as pickled: its flat tuple as it was, its language codes interned again."""
    text = Text.__new__(Text)
    text._items = _codes_interned(items)
    return text


def _codes_interned(items: tuple[str, ...]) -> tuple[str, ...]:
    """A flat (lang, value…) tuple with each language code the one string of its kind: the
    same few codes are in every text of a site, not one string a file."""
    if len(items) == 2:  # one language: most texts
        return (intern(items[0]) if type(items[0]) is str else items[0], items[1])
    return tuple(intern(part) if at % 2 == 0 and type(part) is str else part
                 for at, part in enumerate(items))


class LazyText(Text):
    """A Text whose words are read when first asked for, with the other texts of its row
    of the parse cache (``HeldTexts``): a build restores every incident of the site, and
    shows the words of few. Once read, it is a Text like any other (pickled as one)."""

    __slots__ = ("_held",)
    _at = 0  # its place among its row's texts: its class's (``lazy``), not a slot of each

    def __init__(self, held: HeldTexts):  # (no Text.__init__: nothing to read yet)
        self._held = held

    @property
    def _items(self) -> tuple[str, ...]:
        try:
            return _ITEMS.__get__(self)
        except AttributeError:  # not read yet
            items = self._held.items(self._at)
            _ITEMS.__set__(self, items)
            return items

    @_items.setter
    def _items(self, items: tuple[str, ...]) -> None:
        _ITEMS.__set__(self, items)


_ITEMS = Text.__dict__["_items"]  # a Text's own slot: LazyText fills it once read
_KINDS: dict[int, type[LazyText]] = {}  # the LazyText of each place in a row


def lazy(held: HeldTexts, at: int) -> LazyText:
    """The ``at``-th text of ``held``, read when first asked for. Its place is its class's:
    a slot of its own made each of a site's million texts 64 bytes rather than 48
    (Python's small objects come in steps of 16 bytes): 16 MB at 100,000 incidents."""
    kind = _KINDS.get(at)
    if kind is None:  # (setdefault: two threads keep the same class)
        kind = _KINDS.setdefault(at, type(f"LazyText{at}", (LazyText,),
                                          {"__slots__": (), "_at": at}))
    return kind(held)


class Spilled(Protocol):
    """Where the words of rows are written out of memory (``content/spill.py``)."""

    def read(self, place: int) -> bytes: ...


class HeldTexts:
    """The texts of one row of the parse cache, as the row held them (a pickle of their
    flat tuples, compressed; authentic: the row's HMAC covered it), unpickled all at once
    when one of them is first read; held in memory, or by their place in a daemon's
    ``spill``. Threads may read at once: each unpickles the same tuples, none waits here (a
    lock held at a fork would be held for ever in the forked worker; a spill's is never
    taken in one)."""

    __slots__ = ("_blob", "_items", "_spill")

    def __init__(self, blob: bytes | int, spill: Spilled | None = None):
        self._blob: bytes | int | None = blob
        self._items: tuple[tuple[str, ...], ...] | None = None
        self._spill = spill

    def items(self, at: int) -> tuple[str, ...]:
        found = self._items
        if found is None:
            blob = self._blob
            if blob is None:  # another thread read them meanwhile
                found = self._items
            else:
                if self._spill is not None:
                    assert isinstance(blob, int)
                    blob = self._spill.read(blob)
                assert isinstance(blob, bytes)
                found = self._items = tuple(  # (authentic: see above)
                    [_codes_interned(items) for items in pickle.loads(zlib.decompress(blob))])
                self._blob = None
        assert found is not None
        return found[at]


EMPTY_TEXT = Text({})
