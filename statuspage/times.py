"""Reading and writing times: content times in the site zone, and the CLI's WHEN.

Every datetime that leaves this module is timezone-aware. A local time that
does not exist or occurs twice (a daylight-saving change) is refused with a
message asking for an explicit offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<clock>\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s?(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)
_DELAY = re.compile(r"^\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?:in)?)?$")
_CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$")

FORMAT_HINT = "write YYYY-MM-DD HH:MM, optionally followed by an offset such as +01:00"


class TimeError(ValueError):
    """A time that cannot be read; the message says how to write it."""


def _kind(naive: datetime, tz: ZoneInfo) -> str:
    """'ok', 'gap' (the wall time does not exist) or 'fold' (it occurs twice)."""
    first = naive.replace(tzinfo=tz, fold=0)
    if first.utcoffset() == naive.replace(tzinfo=tz, fold=1).utcoffset():
        return "ok"
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "fold" if round_trip == naive else "gap"


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time, refusing DST gaps and overlaps."""
    kind = _kind(naive, tz)
    first = naive.replace(tzinfo=tz, fold=0)
    shown = f"{naive:%Y-%m-%d %H:%M}"
    if kind == "gap":
        real = first.astimezone(UTC).astimezone(tz)
        raise TimeError(
            f"{shown} does not exist in {tz.key} (the clocks go forward): "
            f"write it with an explicit offset, e.g. {real:%Y-%m-%d %H:%M}{_offset(real)}"
        )
    if kind == "fold":
        second = naive.replace(tzinfo=tz, fold=1)
        raise TimeError(
            f"{shown} occurs twice in {tz.key} (the clocks go back): add an explicit offset, "
            f"{shown}{_offset(first)} for the first or {shown}{_offset(second)} for the second"
        )
    return first


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Read a content time: ``YYYY-MM-DD HH:MM[:SS][offset]``, naive ones in ``tz``."""
    match = _TIME.match(text.strip())
    if not match:
        raise TimeError(f"invalid time {text!r}: {FORMAT_HINT}")
    clock = match["clock"] if match["clock"].count(":") == 2 else match["clock"] + ":00"
    try:
        naive = datetime.fromisoformat(f"{match['date']}T{clock.zfill(8)}")
    except ValueError as err:
        raise TimeError(f"invalid time {text!r}: {err}") from None
    offset = match["offset"]
    if offset is None:
        return localize(naive, tz)
    if offset != "Z" and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return datetime.fromisoformat(f"{naive.isoformat()}{'+00:00' if offset == 'Z' else offset}")


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """Read the CLI's WHEN: a content time, ISO 8601, ``HH:MM`` or a delay ``+2h``."""
    text = text.strip()
    delay = _DELAY.match(text)
    if delay and any(delay.groupdict().values()):
        parts = {k: int(v or 0) for k, v in delay.groupdict().items()}
        # in UTC: "+2h" is two real hours, across a clock change too
        later = now.astimezone(UTC) + timedelta(days=parts["d"], hours=parts["h"],
                                                minutes=parts["m"])
        return later
    clock = _CLOCK.match(text)
    if clock:
        local_now = now.astimezone(tz)
        hour, minute = int(clock["h"]), int(clock["m"])
        if hour > 23 or minute > 59:
            raise TimeError(f"invalid time {text!r}: hours 00-23, minutes 00-59")
        day = local_now.date()
        candidate = localize(datetime(day.year, day.month, day.day, hour, minute), tz)  # noqa: DTZ001
        if candidate <= now:
            day += timedelta(days=1)
            candidate = localize(datetime(day.year, day.month, day.day, hour, minute), tz)  # noqa: DTZ001
        return candidate
    try:
        return parse_time(text, tz)
    except TimeError:
        pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(
            f"invalid time {text!r}: write YYYY-MM-DD HH:MM, HH:MM (today or tomorrow), "
            "an ISO 8601 time, or a delay such as +2h or +30m"
        ) from None
    return parsed if parsed.tzinfo else localize(parsed, tz)


def _offset(moment: datetime) -> str:
    total = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def format_time(moment: datetime, tz: ZoneInfo, offset: bool = False) -> str:
    """Write a time as staff write it: local ``YYYY-MM-DD HH:MM`` in ``tz``.

    The offset is added when asked, or when the local time alone would be
    ambiguous, so the written text always reads back to the same instant.
    """
    local = moment.astimezone(tz)
    text = f"{local:%Y-%m-%d %H:%M}"
    if local.second:
        text += f":{local.second:02d}"
    if _kind(local.replace(tzinfo=None, fold=0), tz) != "ok":
        offset = True
    return text + _offset(local) if offset else text
