"""A read-only, hashable mapping: an incident's components and their statuses, a site's
internal notes. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from sys import intern

SHARED_ITEMS, SHARED_MAPS = 8, 4096  # the maps shared: of so many items, so many of them


class FrozenMap(Mapping):
    """A read-only, hashable mapping. One of a few words (strings, a status) is the one made
    before with the same items, of the same types, in the same order: an incident's
    components are one of a few maps, in thousands of incidents (at 100,000, one each was
    22 MB of a daemon's memory)."""

    __slots__ = ("_items", "_hash")
    _items: dict
    _hash: int | None

    def __new__(cls, items: Mapping | None = None):
        # The same few component ids in every incident: one string each, not one a file.
        own = {intern(k) if type(k) is str else k: v for k, v in (items or {}).items()}
        key = tuple((k, v, type(v)) for k, v in own.items()) if len(own) <= SHARED_ITEMS \
            and all(type(k) is str and isinstance(v, str) for k, v in own.items()) else None
        found = _SHARED_MAPS.get(key) if key is not None else None
        if found is None:
            found = super().__new__(cls)
            found._items, found._hash = own, None
            if key is not None and len(_SHARED_MAPS) < SHARED_MAPS:
                _SHARED_MAPS[key] = found
        return found

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._items == dict(other)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._items.items()))
        return self._hash

    def __reduce__(self):
        return (FrozenMap, (self._items,))


_SHARED_MAPS: dict[tuple, FrozenMap] = {}
