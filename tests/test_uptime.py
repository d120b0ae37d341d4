"""Uptime rules as tables: what open incidents and maintenance weighed on a component,
day by day in the site's zone, from plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import PARIS
from test_status import CONFIG, DEG, MAINT, MAJ, OP, PART, RES, h, incident, site

from statuspage.model import Impact, Incident, Site, Text, Update
from statuspage.state import uptime as uptime_module
from statuspage.state.overall import worst
from statuspage.state.status import Snapshot
from statuspage.state.uptime import DayUptime, uptime_days, uptime_percent, weighted_downtime


def uptime(the_site: Site, now: datetime, component_id: str):
    return Snapshot(the_site, now).uptime(component_id)


def _day(days, when: date):
    return next(d for d in days if d.day == when)


@pytest.mark.parametrize(("components", "start", "end", "expected"), [
    ({"a": MAJ}, 6, 12, 0.75),  # six hours of major outage: a quarter of the day down
    ({"a": PART}, 0, 10, 1 - 0.3 * 10 / 24),  # partial outage counts at 30 %
    ({"a": DEG}, 0, 24, 1.0),  # degraded performance does not count
])
def test_uptime_weights(components, start, end, expected):
    the_site = site(incident(components=components, start=start, updates=[(end, RES)]))
    days = uptime(the_site, h(48), "a")
    assert len(days) == 90
    assert days[-1].day == date(2026, 11, 22)
    assert _day(days, date(2026, 11, 20)).uptime == pytest.approx(expected)
    assert _day(days, date(2026, 11, 21)).uptime == 1.0


def test_uptime_overlaps_count_once_at_the_worst_weight():
    the_site = site(incident("x", {"a": MAJ}, start=6, updates=[(12, RES)]),
                    incident("y", {"a": PART}, start=0, updates=[(24, RES)]))
    day = _day(uptime(the_site, h(48), "a"), date(2026, 11, 20))
    # 6 h at 100 % and 18 h at 30 %.
    assert day.uptime == pytest.approx(1 - (6 + 0.3 * 18) / 24)
    assert day.worst is MAJ
    assert day.incidents == ("x", "y")


def test_uptime_of_an_open_incident_runs_until_now_and_today_is_partial():
    the_site = site(incident(components={"a": MAJ}, start=30))
    days = uptime(the_site, h(36), "a")  # 21 Nov 06:00 → 12:00: half of the day so far
    assert days[-1].uptime == pytest.approx(0.5)
    # the content begins today (21 Nov): the days before have no data, and the percentage
    # is of the days with data
    assert days[-1].known and not any(d.known for d in days[:-1])
    assert uptime_percent(days) == pytest.approx(50.0)


def test_a_service_since_a_date_has_no_data_before_it():
    from dataclasses import replace

    config = replace(CONFIG, components=(replace(CONFIG.components[0], since=date(2026, 10, 1)),
                                         *CONFIG.components[1:]))
    the_site = Site(config, (incident(components={"a": MAJ}, start=30),))
    days = uptime(the_site, h(36), "a")
    assert [d.known for d in days].index(True) == days.index(
        next(d for d in days if d.day == date(2026, 10, 1)))
    assert uptime_percent(days) == pytest.approx(100 * (51 + 0.5) / 52)


def test_uptime_spans_midnight_and_the_dst_change():
    # 25 Oct 2026 has 25 hours in Paris; an outage over the whole day is 100 % down.
    start = datetime(2026, 10, 24, 23, 0, tzinfo=PARIS)
    end = datetime(2026, 10, 26, 1, 0, tzinfo=PARIS)
    item = Incident(id="d", title=Text("d"), impact=Impact.CRITICAL, components={"a": MAJ},
                    started=start, updates=(Update(end, RES, Text("x")),))
    days = uptime(site(item), datetime(2026, 11, 1, tzinfo=PARIS), "a")
    assert _day(days, date(2026, 10, 25)).uptime == 0.0
    assert _day(days, date(2026, 10, 24)).uptime == pytest.approx(23 / 24)


def test_uptime_counts_real_hours_on_the_day_the_clocks_go_back():
    # 00:00 CEST to 04:00 CET is 5 real hours of a 25-hour day (wall clocks say 4 of 24).
    start = datetime(2026, 10, 25, 0, 0, tzinfo=PARIS)
    end = datetime(2026, 10, 25, 4, 0, tzinfo=PARIS)
    item = Incident(id="d", title=Text("d"), impact=Impact.CRITICAL, components={"a": MAJ},
                    started=start, updates=(Update(end, RES, Text("x")),))
    days = uptime(site(item), datetime(2026, 11, 1, tzinfo=PARIS), "a")
    assert _day(days, date(2026, 10, 25)).uptime == pytest.approx(1 - 5 / 25)


def _downtime_stretch_by_stretch(spans, start, end):
    """The rule written plainly (every span against every stretch): the oracle."""
    points = sorted({start, end, *(max(s[0], start) for s in spans),
                     *(min(s[1], end) for s in spans)})
    total = 0.0
    for left, right in zip(points, points[1:], strict=False):
        weight = max((uptime_module.UPTIME_WEIGHT.get(s[2], 0.0) for s in spans
                      if s[0] <= left and s[1] >= right), default=0.0)
        total += weight * (right - left).total_seconds()
    return total


def test_the_downtime_swept_once_is_the_stretch_by_stretch_rule_to_the_bit():
    """Random spans of every status, overlapping, nested, sharing ends, of no length,
    before, after and beyond the day, in UTC as the days are worked out: the same float."""
    import random

    rng = random.Random(11)
    statuses = [OP, DEG, PART, MAJ, MAINT]
    for _ in range(400):
        start = datetime(2026, 10, 25, tzinfo=PARIS) + timedelta(hours=rng.randrange(48))
        end = start + timedelta(minutes=rng.randrange(0, 26 * 60))
        spans = []
        for _ in range(rng.randrange(0, 60)):
            left = start + timedelta(minutes=rng.randrange(-600, 27 * 60))
            right = left + timedelta(minutes=rng.choice([0, 1, 30, rng.randrange(0, 2000)]))
            if rng.random() < 0.3:  # an end shared with another span, or with the day
                left = rng.choice([start, end, *(s[1] for s in spans)] or [left])
                right = max(right, left)
            spans.append((left.astimezone(UTC), right.astimezone(UTC), rng.choice(statuses),
                          f"i{len(spans)}"))
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        assert weighted_downtime(spans, start, end) == _downtime_stretch_by_stretch(
            spans, start, end)


def _days_one_by_one(spans, site, now, days, since=None):
    """The per-day rule written plainly (each day filters every span): the oracle."""
    tz = site.config.timezone
    first_day = now.astimezone(tz).date() - timedelta(days=days - 1)
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if since is not None and day < since:
            result.append(DayUptime(day, 1.0, OP, (), known=False))
            continue
        start = datetime.combine(day, time(), tz).astimezone(UTC)
        end = min(datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC),
                  now.astimezone(UTC))
        here = [s for s in spans if s[0] < end and s[1] > start]
        length = (end - start).total_seconds()
        down = weighted_downtime(here, start, end) if here and length > 0 else 0.0
        result.append(DayUptime(day, max(0.0, 1.0 - down / length) if length > 0 else 1.0,
                                worst(s[2] for s in here),
                                tuple(dict.fromkeys(s[3] for s in here))))
    return result


def test_each_day_has_the_spans_that_overlap_it():
    """Spans sorted into the days they overlap give each day what filtering every span
    for it gives: random spans over a DST change, across midnights, before the window,
    still open at now, ending exactly at a midnight."""
    import random

    site = Site(CONFIG, ())
    rng = random.Random(7)
    for trial in range(60):
        now = datetime(2026, 10, 27, 9, tzinfo=PARIS) + timedelta(hours=rng.randrange(0, 800))
        days = rng.choice([1, 2, 7, 30, 90])
        spans = []
        for number in range(rng.randrange(0, 40)):
            start = now - timedelta(minutes=rng.randrange(0, (days + 5) * 24 * 60))
            if rng.random() < 0.2:  # at a midnight, site time
                start = start.astimezone(PARIS).replace(hour=0, minute=0)
            end = min(start + timedelta(minutes=rng.randrange(1, 4 * 24 * 60)), now)
            if end > start:
                spans.append((start.astimezone(UTC), end.astimezone(UTC),
                              rng.choice([DEG, PART, MAJ, MAINT]), f"i{number % 7}"))
        since = (now - timedelta(days=rng.randrange(0, days + 1))).date() \
            if rng.random() < 0.3 else None
        assert uptime_days(spans, site, now, days, since) == \
            _days_one_by_one(spans, site, now, days, since), trial


def test_days_kept_from_one_build_to_the_next_are_those_worked_out_afresh():
    """A caller's memo over builds whose moment moves on (across midnights and the DST
    change), open spans ending at each moment, closed ones appearing, the
    window's start, a resolution's time corrected: the same days as working each out
    afresh."""
    import random

    site, rng, memo = Site(CONFIG, ()), random.Random(11), {}
    now = datetime(2026, 10, 20, 9, tzinfo=PARIS)
    closed: list[tuple] = []
    opened: list[tuple] = []  # (start, status, id): ends at each moment
    for step in range(300):
        now += timedelta(minutes=rng.choice([0, 1, 7, 60, 300, 900]))
        if rng.random() < 0.3:  # an incident opens
            opened.append((now - timedelta(minutes=rng.randrange(0, 3000)),
                           rng.choice([DEG, PART, MAJ, MAINT]), f"o{step}"))
        if opened and rng.random() < 0.2:  # one is resolved now
            start, status, name = opened.pop(rng.randrange(len(opened)))
            closed.append((start.astimezone(UTC), now.astimezone(UTC), status, name))
        if closed and rng.random() < 0.2:  # a resolution's time corrected, earlier
            at = rng.randrange(len(closed))
            start, end, status, name = closed[at]
            closed[at] = (start, max(start, end - timedelta(minutes=rng.randrange(0, 3000))),
                          status, name)
        spans = [*closed, *((start.astimezone(UTC), now.astimezone(UTC), status, name)
                            for start, status, name in opened)]
        spans = [span for span in spans if span[1] > span[0]]
        since = now.date() - timedelta(days=5) if step % 17 == 16 else None
        assert uptime_days(spans, site, now, 7, since, (memo, "fibre")) == \
            _days_one_by_one(spans, site, now, 7, since), step


def test_an_open_incident_s_past_days_are_worked_out_once(site_dir, monkeypatch):
    """A caller that builds again and again (its ``Settled``) works out again only today's
    figure of each service when time passes: an open incident's span ends at each build's
    moment, which changes no past day."""
    from statuspage.content.loader import load_site
    from statuspage.state.settled import Settled

    loaded, memory = load_site(site_dir), Settled()
    start = datetime(2026, 11, 29, 12, 0, tzinfo=PARIS)  # the fibre outage open 3 days
    first = Snapshot(loaded, start, memory)
    bars = {c.id: first.uptime(c.id) for c in loaded.config.components}
    assert any(d.incidents for d in bars["fibre"][:-1])  # past days the outage weighs on
    known = dict(memory.days)
    later = Snapshot(loaded, start + timedelta(minutes=1), memory)
    worked = []  # the days each call works out
    through = uptime_module._days
    monkeypatch.setattr(uptime_module, "_days",
                        lambda spans, bounds, *rest: worked.append(len(bounds)) or
                        through(spans, bounds, *rest))
    again = {c.id: later.uptime(c.id) for c in loaded.config.components}
    assert worked == [1] * len(loaded.config.components)  # today, not its 90 days again
    assert {c: days[:-1] for c, days in again.items()} == \
        {c: days[:-1] for c, days in bars.items()}
    assert len(memory.days) - len(known) <= len(loaded.config.components)  # today, at most
