"""Places: postal codes and their prefixes, as incidents name them and customers type them.

Pure functions, no I/O: what a code may look like, how a typed one is read, whether an
area written in an incident can be a code (or the start of one) of the site's pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel.lists import format_list

from statuspage import i18n
from statuspage.model import Area

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


SHOWN = 3  # places named in a sentence; beyond, "and N other places"


def names(areas: Sequence[Area], lang: str, default_lang: str) -> list[str]:
    """What each area is called in ``lang`` (its code when it has no name), once each."""
    found = [area.label.value_in(lang, default_lang) if area.label else area.code
             for area in areas]
    return list(dict.fromkeys(found))


def summary(areas: Sequence[Area], lang: str, default_lang: str,
            shown: int | None = SHOWN) -> str:
    """The places for a sentence: "Lyon 3e et Lyon 7e"; beyond ``shown``, the first ones
    and how many others ("A, B et 3 autres lieux"); "" for none (everywhere)."""
    found = names(areas, lang, default_lang)
    if shown is not None and len(found) > shown:
        others = len(found) - shown + 1
        rest = i18n.translations(lang).ngettext("%(num)d other place", "%(num)d other places",
                                                others) % {"num": others}
        found = [*found[:shown - 1], rest]
    return format_list(found, locale=i18n.babel_locale(lang)) if found else ""
