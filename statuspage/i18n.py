"""UI strings through gettext catalogs (Babel), dates and numbers formatted by Babel.

No Flask here: the CLI's writer reads the catalogs too (the closing sentence of
``resolve`` in every language) without loading the web stack.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_timezone_location,
    match_skeleton,
    parse_pattern,
    tokenize_pattern,
)
from babel.dates import format_timedelta as babel_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent as babel_format_percent
from babel.support import NullTranslations, Translations

CATALOGS = Path(__file__).resolve().parent / "translations"


def _catalog(lang: str) -> Path | None:
    """The .po file for ``lang`` (pt-BR: pt_BR's, else pt's), or None."""
    candidates = [CATALOGS / code / "LC_MESSAGES" / "messages.po"
                  for code in (lang.replace("-", "_"), lang.split("-")[0])]
    return next((path for path in candidates if path.is_file()), None)


def has_catalog(lang: str) -> bool:
    return _catalog(lang) is not None


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog for ``lang`` (read from its .po; no build step needed)."""
    po_file = _catalog(lang)
    if po_file is None:
        return NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(lang))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


# The shipped English copy is British ("fibre", "Call us on"): its dates are too.
LOCALES = {"en": "en_GB"}


def babel_locale(lang: str) -> str:
    """Babel's name for a language code: pt-BR → pt_BR; en → en_GB (see LOCALES)."""
    return LOCALES.get(lang, lang.replace("-", "_"))


def _first(text: str, day: date, lang: str) -> str:
    """French writes the first of the month "1er" (premier): "1er décembre"."""
    if day.day == 1 and lang.split("-")[0] == "fr":
        return re.sub(r"(?<!\d)1(?= )", "1er", text, count=1)
    return text


@dataclass(frozen=True)
class _Patterns:
    """A language's date and time patterns, resolved once (Babel matches a skeleton at
    every call otherwise)."""

    locale: Locale
    joined: str  # how the language joins a date and a time: ``{1}, {0}``
    date: DateTimePattern  # yMMMd: 20 nov. 2026
    time: DateTimePattern  # short: 09:15
    day: DateTimePattern  # full date: jeudi 26 novembre 2026
    month: DateTimePattern  # yMMMM: novembre 2026
    short: DateTimePattern  # dMMM: 26 nov.
    clock_by_minute: bool  # ``time`` shows nothing but the hour and minute


@cache
def _patterns(lang: str) -> _Patterns:
    locale = Locale.parse(babel_locale(lang))
    skeletons = locale.datetime_skeletons

    def skeleton(name: str) -> DateTimePattern:
        return parse_pattern(skeletons[match_skeleton(name, skeletons) or name])

    clock = locale.time_formats["short"]
    return _Patterns(locale, str(locale.datetime_formats["medium"]), skeleton("yMMMd"),
                     clock, locale.date_formats["full"], skeleton("yMMMM"), skeleton("dMMM"),
                     _by_minute(clock))


def format_datetime(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """``20 nov. 2026, 09:15 CET``: date and time in the site zone, the zone named."""
    local = moment.astimezone(tz)
    text = _patterns(lang).joined.format(_clock(local, lang), _date(local.date(), lang))
    return f"{text} {local.tzname()}"


def format_date(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """``20 nov. 2026``: the day of ``moment`` in the site zone."""
    return _date(moment.astimezone(tz).date(), lang)


# Babel formats a pattern field by field, in Python: the same few thousand days and times
# of day recur on every page, so each is formatted once. A day's text depends on its date
# only (the pattern is a date skeleton); a time of day's on its hour and minute, unless the
# pattern shows more (seconds, a zone): then it is formatted each time.
@lru_cache(maxsize=8192)
def _date(day: date, lang: str) -> str:
    found = _patterns(lang)
    return _first(found.date.apply(day, found.locale), day, lang)


def _clock(local: datetime, lang: str) -> str:
    found = _patterns(lang)
    if not found.clock_by_minute:
        return found.time.apply(local, found.locale)
    return _clock_at(local.hour, local.minute, lang)


@lru_cache(maxsize=8192)
def _clock_at(hour: int, minute: int, lang: str) -> str:
    found = _patterns(lang)
    return found.time.apply(time(hour, minute), found.locale)


def _by_minute(pattern: DateTimePattern) -> bool:
    """True when ``pattern`` shows the hour and minute only (and a day period)."""
    return all(kind != "field" or value[0] in "hHkKmabB"
               for kind, value in tokenize_pattern(pattern.pattern))


def format_clock(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """``05:00 CET``: the time of day in the site zone, the zone named."""
    local = moment.astimezone(tz)
    return f"{_clock(local, lang)} {local.tzname()}"


def format_time_of_day(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """``05:00``: the time of day in the site zone, for a label that names an instant
    already dated elsewhere (an incident's version)."""
    return _clock(moment.astimezone(tz), lang)


@lru_cache(maxsize=1024)
def format_day_in_words(day: date, lang: str) -> str:
    """``28 novembre`` / ``28 November``: a day as a speech engine reads it."""
    found = _patterns(lang)
    return _first(parse_pattern("d MMMM").apply(day, found.locale), day, lang)


@lru_cache(maxsize=4096)
def format_day(day: date, lang: str) -> str:
    found = _patterns(lang)
    return _first(found.day.apply(day, found.locale), day, lang)


@lru_cache(maxsize=4096)
def format_short_day(day: date, lang: str) -> str:
    """``25 nov.``: a day of the month, for ranges of days."""
    found = _patterns(lang)
    return _first(found.short.apply(day, found.locale), day, lang)


def format_month(year: int, month: int, lang: str) -> str:
    found = _patterns(lang)
    return found.month.apply(date(year, month, 1), found.locale)


_ELIDED = re.compile(r"\b([dD])e ([aeiouyàâéèêëîïôûùAEIOUYÀÂÉÈÊËÎÏÔÛÙ])")


def elide(text: str, lang: str) -> str:
    """French elision after a month or a name is put in: ``de octobre`` → ``d’octobre``."""
    return _ELIDED.sub("\\1’\\2", text) if lang == "fr" else text


def preload(lang: str, tz: ZoneInfo) -> None:
    """Load now what the first page in ``lang`` loads (its catalog, Babel's data for its
    dates, durations, percentages and zone): once in a process that then forks workers,
    instead of once in each worker of each build (see ``build._preload``)."""
    translations(lang)
    _patterns(lang)
    _percent_pattern(lang)
    language_name(lang)
    zone_city(tz, lang)
    format_duration(timedelta(days=1, minutes=1), lang)


@lru_cache(maxsize=64)
def zone_city(tz: ZoneInfo, lang: str) -> str:
    """``Paris``: the zone's city in ``lang``, for prose ("Paris time"), where an
    abbreviation such as CET means little to a customer."""
    return get_timezone_location(tz, babel_locale(lang), return_city=True)


def format_duration(delta: timedelta, lang: str) -> str:
    """``2 j 5 h 20 min`` / ``2 days 5 hr 20 min``: at most two units."""
    minutes = int(delta.total_seconds() // 60)
    parts = [(minutes // 1440, 86400), (minutes // 60 % 24, 3600), (minutes % 60, 60)]
    shown = [_units(n, unit, lang) for n, unit in parts if n]
    return " ".join(shown[:2]) or _units(0, 0, lang)


# Babel words a duration in Python, a plural rule evaluated each time: the same few counts
# of days, hours and minutes recur on every incident's page, so each is worded once.
@lru_cache(maxsize=4096)
def _units(count: int, unit: int, lang: str) -> str:
    """``count`` days (``unit`` 86,400 s), hours or minutes, short; nothing: ``0 s``."""
    locale = babel_locale(lang)
    if not count:
        return babel_timedelta(timedelta(0), format="short", locale=locale)
    return babel_timedelta(timedelta(seconds=count * unit), format="short", locale=locale,
                           threshold=1)


@cache
def _percent_pattern(lang: str) -> str:
    """The language's percent pattern with two decimals: ``#,##0.00\u00a0%`` in French,
    ``#,##0.00%`` in British English (no space there)."""
    pattern = Locale.parse(babel_locale(lang)).percent_formats[None].pattern
    return pattern[::-1].replace("0", "00.0", 1)[::-1]


@lru_cache(maxsize=4096)
def format_percent(value: float, lang: str) -> str:
    """``99,89 %`` / ``99.89%``: ``value`` is a percentage (0 to 100)."""
    return babel_format_percent(value / 100, _percent_pattern(lang), locale=babel_locale(lang))


@cache
def language_name(lang: str) -> str:
    """A language's own name, capitalised: "Français", "English" (on every page's
    language switch: worked out once)."""
    code = lang.replace("-", "_")  # the language itself, not the locale its dates use
    name = Locale.parse(code).get_display_name(code) or lang
    return name[:1].upper() + name[1:]
