"""Places: postal codes and their prefixes, as incidents name them and customers type them.

Pure functions, no I/O: what a code may look like, how a typed one is read, whether an
area written in an incident can be a code (or the start of one) of the site's pattern.
"""

from __future__ import annotations

import re

CODE = re.compile(r"[A-Z0-9]{1,10}")
EXAMPLE = '"69003"'
# What completes a prefix to test it against the site's pattern of full codes.
_FILLERS = "0A"


def normalize(typed: str) -> str:
    """A typed code as areas are compared: capitals, without spaces or dashes."""
    return re.sub(r"[\s\-.]+", "", typed).upper()


def is_code(code: str) -> bool:
    return bool(CODE.fullmatch(code))


def fits(code: str, pattern: re.Pattern[str] | None) -> bool:
    """Whether ``code`` is a full code of ``pattern``, or the start of one (``69`` of
    ``^\\d{5}$``), tried by completing it with digits and letters."""
    if pattern is None or pattern.fullmatch(code):
        return True
    return any(pattern.fullmatch(code + filler * count)
               for filler in _FILLERS for count in range(1, 11))
