"""Short references: six characters a support agent reads out and a customer types.

The alphabet has no look-alikes (no 0 and O, no 1, I and L). A reference comes from the
incident's id (the first bits of its SHA-256), so it is the same on every build and every
machine; ``ref:`` in the front matter sets one by hand (when two incidents' references
collide, the loader says so). Typed references are read in any case, with spaces, dashes
and dots ignored.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
EXAMPLE = "K7M2QX"


@lru_cache(maxsize=1 << 16)  # asked for each of an incident's pages, at every build
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
