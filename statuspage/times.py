"""Reading and writing times: content times in the site zone, the CLI's WHEN, durations.

Every datetime that leaves this module is timezone-aware, between ``EARLIEST`` and
``LATEST`` (so later arithmetic cannot overflow), and to the second. A local time that
does not exist or occurs twice (a daylight-saving change) is refused with a message
asking for an explicit offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<clock>\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s?(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_DURATION = re.compile(r"(?:(?P<d>\d{1,5})d)?(?:(?P<h>\d{1,6})h)?(?:(?P<m>\d{1,8})m(?:in)?)?"
                       r"(?:(?P<s>\d{1,9})s)?")
_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)
LONGEST = timedelta(days=3650)  # the longest delay or period the CLI accepts
OFFSETS = (timedelta(hours=-12), timedelta(hours=14))  # the offsets of real time zones

FORMAT_HINT = "write YYYY-MM-DD HH:MM, optionally followed by an offset such as +01:00"


class TimeError(ValueError):
    """A time that cannot be read; the message says how to write it."""


def _once(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """``naive`` in ``tz`` when no clock change is at that wall time, else None."""
    first = naive.replace(tzinfo=tz, fold=0)
    return first if first.utcoffset() == naive.replace(tzinfo=tz, fold=1).utcoffset() else None


def _kind(naive: datetime, tz: ZoneInfo) -> str:
    """'ok', 'gap' (the wall time does not exist) or 'fold' (it occurs twice)."""
    if _once(naive, tz) is not None:
        return "ok"
    first = naive.replace(tzinfo=tz, fold=0)
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "fold" if round_trip == naive else "gap"


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time, refusing DST gaps and overlaps."""
    once = _once(naive, tz)
    if once is not None:  # (every time of every file: nothing more is worked out for it)
        return once
    first = naive.replace(tzinfo=tz, fold=0)
    shown = _wall(naive)
    if _kind(naive, tz) == "gap":
        real = first.astimezone(UTC).astimezone(tz)
        raise TimeError(
            f"{shown} does not exist in {tz.key} (the clocks go forward): "
            f"write it with an explicit offset, e.g. {_wall(real)}{_offset(real)}"
        )
    second = naive.replace(tzinfo=tz, fold=1)
    raise TimeError(
        f"{shown} occurs twice in {tz.key} (the clocks go back): add an explicit offset, "
        f"{shown}{_offset(first)} for the first or {shown}{_offset(second)} for the second"
    )


def _in_range(moment: datetime, text: str) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise TimeError(f"invalid time {text!r}: times go from 1970 to 2200")
    return moment


def _offset_of(text: str, written: str) -> timedelta:
    """``+01:00``, ``-0530`` or ``Z`` as a timedelta, refusing what no zone uses."""
    if text == "Z":
        return timedelta(0)
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if text[0] == "-" else 1)
    if minutes > 59 or not OFFSETS[0] <= offset <= OFFSETS[1]:
        raise TimeError(f"invalid time {written!r}: the offset {text} is not one a time zone "
                        "uses (from -12:00 to +14:00, minutes 00-59)")
    return offset


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Read a content time: ``YYYY-MM-DD HH:MM[:SS][offset]``, naive ones in ``tz``."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise TimeError(f"invalid time {text!r}: {FORMAT_HINT}")
    clock = match["clock"] if match["clock"].count(":") == 2 else match["clock"] + ":00"
    try:
        naive = datetime.fromisoformat(f"{match['date']}T{clock.zfill(8)}")
    except ValueError as err:
        raise TimeError(f"invalid time {text!r}: {err}") from None
    if not EARLIEST.year <= naive.year <= LATEST.year:
        raise TimeError(f"invalid time {text!r}: times go from 1970 to 2200")
    offset = match["offset"]
    if offset is None:
        return _in_range(localize(naive, tz), text)
    zone = _offset_of(offset, text)
    return _in_range(naive.replace(tzinfo=timezone(zone)), text)


def parse_duration(text: str) -> timedelta:
    """A duration such as ``2h``, ``30m``, ``1d``, ``45s`` or ``1h30m`` (at most ten years)."""
    match = _DURATION.fullmatch(text.strip().removeprefix("+"))
    if not match or not any(match.groupdict().values()):
        raise TimeError(f"invalid duration {text!r}: write a delay such as 2h, 30m, 1d or 45s")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    duration = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"],
                         seconds=parts["s"])
    if duration > LONGEST:
        raise TimeError(f"invalid duration {text!r}: at most ten years")
    return duration


def parse_when(text: str, tz: ZoneInfo, now: datetime, past: bool = False) -> datetime:
    """Read the CLI's WHEN: a content time, ISO 8601, ``HH:MM[:SS]`` or a delay ``+2h``.

    The seconds given are kept; a delay counts from ``now`` to the second. With ``past``
    (a time that has been, such as when an incident started), ``HH:MM`` is today or
    yesterday, whichever has passed, and a delay goes back: ``-2h`` (or ``2h ago``).
    """
    text = text.strip()
    back = past and (text.startswith("-") or text.endswith(" ago"))
    if text.startswith("+") or back:
        # in UTC: "+2h" is two real hours, across a clock change too
        delay = parse_duration(text.removeprefix("-").removesuffix(" ago").strip())
        return _in_range(now.astimezone(UTC).replace(microsecond=0) + (-delay if back else delay),
                         text)
    clock = _CLOCK.fullmatch(text)
    if clock:
        return _next_clock(text, clock, tz, now, step=-1 if past else 1)
    try:
        return parse_time(text, tz)
    except TimeError as err:
        if _TIME.fullmatch(text):
            raise  # a content time that cannot be: its own message says why
        error = err
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(
            f"invalid time {text!r}: write YYYY-MM-DD HH:MM, HH:MM (today or tomorrow), "
            "an ISO 8601 time, or a delay such as +2h or +30m"
        ) from error
    if parsed.microsecond:
        raise TimeError(f"invalid time {text!r}: times are to the second at most")
    if parsed.tzinfo is None:
        return _in_range(localize(parsed, tz), text)
    _offset_of(_offset(parsed), text)
    return _in_range(parsed, text)


def _next_clock(text: str, clock: re.Match, tz: ZoneInfo, now: datetime,
                step: int = 1) -> datetime:
    """``HH:MM[:SS]``: today at that time, or tomorrow when it has passed (with ``step``
    -1: today, or yesterday when it has not come yet)."""
    hour, minute, second = int(clock["h"]), int(clock["m"]), int(clock["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeError(f"invalid time {text!r}: hours 00-23, minutes 00-59")
    day = now.astimezone(tz).date()
    for _ in range(2):
        candidate = localize(datetime(day.year, day.month, day.day, hour, minute, second), tz)  # noqa: DTZ001
        if (candidate > now) if step > 0 else (candidate <= now):
            break
        day += timedelta(days=step)
    return candidate


def _offset(moment: datetime) -> str:
    total = int((moment.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _wall(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM``, with ``:SS`` only when the seconds are not zero."""
    text = f"{moment:%Y-%m-%d %H:%M}"
    return text + f":{moment.second:02d}" if moment.second else text


def format_time(moment: datetime, tz: ZoneInfo, offset: bool = False) -> str:
    """Write a time as staff write it: local ``YYYY-MM-DD HH:MM[:SS]`` in ``tz``.

    The offset is added when asked, or when the local time alone would be
    ambiguous, so the written text always reads back to the same instant.
    """
    local = moment.astimezone(tz)
    text = _wall(local)
    if _kind(local.replace(tzinfo=None, fold=0), tz) != "ok":
        offset = True
    return text + _offset(local) if offset else text
