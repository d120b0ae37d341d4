"""Reading times: content times, the CLI's WHEN, daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from babel import Locale
from babel import dates as babel_dates
from conftest import PARIS

from statuspage import i18n
from statuspage.i18n import _by_minute
from statuspage.times import TimeError, format_time, parse_time, parse_when

MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 11:00 in Paris


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20 09:00", "2026-11-20T09:00:00+01:00"),
    ("2026-11-20T09:00", "2026-11-20T09:00:00+01:00"),
    ("2026-11-20 09:00:30", "2026-11-20T09:00:30+01:00"),
    ("2026-11-20 09:00+05:30", "2026-11-20T09:00:00+05:30"),
    ("2026-11-20 09:00 +0100", "2026-11-20T09:00:00+01:00"),
    ("2026-11-20 09:00Z", "2026-11-20T09:00:00+00:00"),
    ("2026-07-01 12:00", "2026-07-01T12:00:00+02:00"),
    ("2026-10-25 02:30+01:00", "2026-10-25T02:30:00+01:00"),
])
def test_parse_time(text, expected):
    assert parse_time(text, PARIS).isoformat() == expected


@pytest.mark.parametrize(("text", "message"), [
    ("2026-03-29 02:30", "2026-03-29 02:30 does not exist in Europe/Paris"),
    ("2026-10-25 02:30", "2026-10-25 02:30 occurs twice in Europe/Paris"),
    ("20/11/2026", "invalid time '20/11/2026'"),
    ("2026-13-01 10:00", "invalid time '2026-13-01 10:00'"),
])
def test_parse_time_refuses(text, message):
    with pytest.raises(TimeError, match=message):
        parse_time(text, PARIS)


@pytest.mark.parametrize(("text", "expected"), [
    ("+2h", "2026-11-26T12:00:00+00:00"),
    ("+30m", "2026-11-26T10:30:00+00:00"),
    ("+1h30m", "2026-11-26T11:30:00+00:00"),
    ("+1d", "2026-11-27T10:00:00+00:00"),
    ("18:00", "2026-11-26T18:00:00+01:00"),  # later today
    ("09:00", "2026-11-27T09:00:00+01:00"),  # already past: tomorrow
    ("2026-11-27 08:00", "2026-11-27T08:00:00+01:00"),
    ("2026-11-27T08:00:00+00:00", "2026-11-27T08:00:00+00:00"),
])
def test_parse_when(text, expected):
    assert parse_when(text, PARIS, MORNING).isoformat() == expected


@pytest.mark.parametrize("text", ["tomorrow", "+2x", "25:00", "+"])
def test_parse_when_refuses(text):
    with pytest.raises(TimeError):
        parse_when(text, PARIS, MORNING)


@pytest.mark.parametrize("text", ["2026-11-20 09:00", "2026-10-25 02:30+01:00",
                                  "2026-10-25 02:30+02:00", "2026-07-01 23:59"])
def test_format_time_reads_back_to_the_same_instant(text):
    moment = parse_time(text, PARIS)
    written = format_time(moment, PARIS)
    assert written == text
    assert parse_time(written, PARIS) == moment


@pytest.mark.parametrize("lang", ["fr", "en", "en-US", "de", "ja", "ko", "ar"])
def test_times_for_people_are_babels_whatever_the_moment(lang):
    """Pages show each day and time of day as Babel formats it, although each is formatted
    once: across the months, the clock changes, the 1st of a month, morning and evening."""
    locale = Locale.parse(i18n.babel_locale(lang))
    medium = str(locale.datetime_formats["medium"])
    rng = Random(lang)
    for _ in range(500):
        moment = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(6_000_000))
        local = moment.astimezone(PARIS)
        clock = babel_dates.format_time(local, "short", locale=locale)
        day = babel_dates.format_date(local, i18n._patterns(lang).date.pattern, locale=locale)
        day = i18n._first(day, local, lang)
        assert i18n.format_datetime(moment, PARIS, lang) == \
            f"{medium.format(clock, day)} {local.tzname()}"
        assert i18n.format_clock(moment, PARIS, lang) == f"{clock} {local.tzname()}"
        assert i18n.format_date(moment, PARIS, lang) == day


def test_a_clock_pattern_is_formatted_once_per_minute_only_when_it_shows_no_more():
    def by_minute(pattern: str) -> bool:
        return _by_minute(babel_dates.parse_pattern(pattern))

    assert by_minute("HH:mm") and by_minute("h:mm a")
    assert not by_minute("HH:mm:ss")  # seconds
    assert not by_minute("HH:mm z")  # a zone, which changes with the date
    assert not by_minute("EEE HH:mm")  # a weekday
