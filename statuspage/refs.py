"""Short references: six characters a support agent reads out and a customer types.

The alphabet has no look-alikes (no 0 and O, no 1, I and L). A reference comes from the
incident's id (the first bits of its SHA-256), so it is the same on every build and every
machine; ``ref:`` in the front matter sets one by hand. Typed references are read in any
case, with spaces, dashes and dots ignored.

Six characters from 31 collide now and then (a pair is expected in a few thousand
incidents), so an incident has a sequence of candidates: the reference of its id, then of
``id#2``, ``id#3``… ``assign`` gives each incident the first candidate no other holds:
references set by hand first, then the others from the oldest (by start, then id), so
an incident keeps its reference when a newer one arrives with the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import count

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
EXAMPLE = "K7M2QX"


# Asked for every incident at every load and build (``assign``, ``Incident.reference``):
# the cache holds a large operator's whole history, as a smaller one would thrash (an LRU
# cache smaller than the ids asked in turn misses every time).
CACHED = 1 << 18


@lru_cache(maxsize=CACHED)
def ref_of(incident_id: str) -> str:
    """The reference an incident gets from its id."""
    number = int.from_bytes(hashlib.sha256(incident_id.encode("utf-8")).digest()[:8], "big")
    digits = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(digits)


def normalize(text: str) -> str:
    """What a person typed, as a reference: upper case, without spaces, dashes or dots."""
    return re.sub(r"[\s.\-_/]+", "", text).upper()


def is_reference(text: str) -> bool:
    return bool(PATTERN.fullmatch(normalize(text)))


def candidates(incident_id: str) -> Iterator[str]:
    """The references an incident may take, in order: its own, then the next free."""
    yield ref_of(incident_id)
    for n in count(2):
        yield ref_of(f"{incident_id}#{n}")


@dataclass(frozen=True)
class Claim:
    """What an incident says about its reference: its ``ref:`` if set, and its start."""

    id: str
    started: datetime
    ref: str | None = None


@dataclass
class Assigned:
    """Each incident's reference; who moved because theirs was taken (id → holder's id);
    references set by hand on more than one incident (reference → ids)."""

    by_id: dict[str, str] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)
    clashes: dict[str, list[str]] = field(default_factory=dict)


def assign(claims: Iterable[Claim]) -> Assigned:
    """Give every incident a distinct reference, whatever the order of ``claims``.

    A reference set by hand is the incident's (two set alike: a clash, for the caller to
    refuse). The others are given from the oldest incident, by start then id: the first
    of its candidates that no one holds, so when two incidents derive the same, the
    newer moves to its next candidate."""
    done = Assigned()
    holder: dict[str, str] = {}
    ordered = sorted(claims, key=lambda c: (c.started.timestamp(), c.id))  # one zone
    for claim in ordered:
        if claim.ref is not None:
            done.by_id[claim.id] = claim.ref
            if claim.ref in holder:
                done.clashes.setdefault(claim.ref, [holder[claim.ref]]).append(claim.id)
            else:
                holder[claim.ref] = claim.id
    for claim in ordered:
        if claim.ref is not None:
            continue
        wanted = ref_of(claim.id)
        reference = next(r for r in candidates(claim.id) if r not in holder)
        if reference != wanted:
            done.moved[claim.id] = holder[wanted]
        holder[reference] = claim.id
        done.by_id[claim.id] = reference
    return done
