"""Status rules as tables: pure functions of (site, now), built from plain values."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from conftest import PARIS

from statuspage.content.config import site_config
from statuspage.model import (
    Component,
    ComponentStatus,
    Group,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    Text,
    Update,
    Window,
)
from statuspage.state.settled import Settled
from statuspage.state.status import (
    Indicator,
    Snapshot,
    component_statuses,
    ended_at,
    group_statuses,
    indicator,
    is_open,
    promised_update,
    status_at,
    uptime,
    uptime_percent,
)

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=PARIS)
OP, MAINT, DEG, PART, MAJ = (ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE,
                             ComponentStatus.DEGRADED_PERFORMANCE, ComponentStatus.PARTIAL_OUTAGE,
                             ComponentStatus.MAJOR_OUTAGE)
CONFIG = site_config(
    name=Text("Test"), url="https://s.test", timezone=PARIS, languages=("fr", "en"),
    groups=(Group("net", Text("Net")),),
    components=(Component("a", Text("A"), group="net"), Component("b", Text("B"), group="net"),
                Component("c", Text("C"))),
)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def incident(id_="i", components=None, start=0, updates=(), window=None,
             next_update=None) -> Incident:
    """updates: (hour, status) pairs, any order."""
    ups = tuple(sorted((Update(h(t), s, Text("x")) for t, s in updates),
                       key=lambda u: u.time, reverse=True))
    return Incident(
        id=id_, title=Text(id_), impact=Impact.MAJOR, components=components or {"a": PART},
        started=h(window[0] if window else start), updates=ups,
        maintenance=Window(h(window[0]), h(window[1])) if window else None,
        next_update=h(next_update) if next_update is not None else None,
    )


def site(*incidents: Incident) -> Site:
    return Site(CONFIG, tuple(incidents))


INV, IDE, RES, PM = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED,
                     IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM)


@pytest.mark.parametrize(("updates", "now", "status", "open_", "ended"), [
    ([], 1, INV, True, None),
    ([(1, INV)], 0.5, INV, True, None),  # an update not yet published does not count
    ([(1, INV), (2, IDE)], 3, IDE, True, None),
    ([(1, INV), (2, RES)], 1.5, INV, True, None),
    ([(1, INV), (2, RES)], 2, RES, False, 2),
    ([(1, INV), (2, RES), (30, PM)], 40, PM, False, 2),
    ([(1, INV), (5, PM)], 6, PM, False, 5),
])
def test_incident_status_at(updates, now, status, open_, ended):
    item = incident(updates=updates)
    assert status_at(item, h(now)) == status
    assert is_open(item, h(now)) is open_
    assert ended_at(item, h(now)) == (h(ended) if ended is not None else None)


def test_an_incident_that_has_not_started_is_not_open():
    assert is_open(incident(start=5), h(4)) is False


S, P, C, X, V = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS,
                 MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED,
                 MaintenanceStatus.VERIFYING)


@pytest.mark.parametrize(("updates", "now", "status", "open_"), [
    ([], 1, S, False),
    ([], 2, P, True),
    ([], 3.5, P, True),
    ([], 4, C, False),
    ([(1, X)], 1.5, X, False),
    ([(1, X)], 3, X, False),  # cancelled before it started: never in progress
    ([(3, C)], 3.5, C, False),  # completed early
    ([(3, V)], 3.5, V, True),
    ([(1.5, P)], 1.7, P, True),  # started early by an update
    ([(3, V)], 4.5, C, False),  # verifying during the window: completed at its end
    ([(4.1, V)], 4.5, V, True),  # verifying after the planned end: it runs late
    ([(4.1, P)], 9, P, True),  # … until an update completes it
    ([(4.1, P), (5, C)], 5.5, C, False),
    ([], 4, C, False),  # exactly at its end, nothing said: over
    ([(4, P)], 4, P, True),  # an update exactly at its end says it runs late
    ([(4, V)], 6, V, True),
    ([(3.5, P)], 4, C, False),  # posted before the end: over at the end
])
def test_maintenance_follows_its_window_unless_an_update_says_otherwise(updates, now, status,
                                                                        open_):
    item = incident(window=(2, 4), components={"a": MAINT}, updates=updates)
    assert status_at(item, h(now)) == status
    assert is_open(item, h(now)) is open_


@pytest.mark.parametrize(("incidents", "now", "expected_a", "expected_b", "expected_c",
                          "indicator_"), [
    ([], 1, OP, OP, OP, Indicator.NONE),
    ([incident(components={"a": DEG})], 1, DEG, OP, OP, Indicator.MINOR),
    ([incident(components={"a": PART})], 1, PART, OP, OP, Indicator.MAJOR),
    ([incident(components={"a": MAJ, "c": DEG})], 1, MAJ, OP, DEG, Indicator.CRITICAL),
    # The worst of two open incidents wins.
    ([incident("x", {"a": DEG}), incident("y", {"a": MAJ})], 1, MAJ, OP, OP, Indicator.CRITICAL),
    # A resolved incident no longer counts.
    ([incident(components={"a": MAJ}, updates=[(0.5, RES)])], 1, OP, OP, OP, Indicator.NONE),
    # An open incident whose components are operational still makes the page minor.
    ([incident(components={"a": OP})], 1, OP, OP, OP, Indicator.MINOR),
    # Maintenance in progress, nothing worse.
    ([incident(window=(0, 2), components={"b": MAINT})], 1, OP, MAINT, OP,
     Indicator.MAINTENANCE),
    # Maintenance scheduled, or completed: no effect.
    ([incident(window=(2, 3), components={"b": MAINT})], 1, OP, OP, OP, Indicator.NONE),
    ([incident(window=(0, 0.5), components={"b": MAINT})], 1, OP, OP, OP, Indicator.NONE),
    # An incident during maintenance is worse than the maintenance.
    ([incident(window=(0, 2), components={"a": MAINT}), incident("y", {"a": DEG})], 1, DEG, OP,
     OP, Indicator.MINOR),
])
def test_component_statuses_and_indicator(incidents, now, expected_a, expected_b, expected_c,
                                          indicator_):
    the_site = site(*incidents)
    statuses = component_statuses(the_site, h(now))
    assert statuses == {"a": expected_a, "b": expected_b, "c": expected_c}
    assert group_statuses(the_site, statuses) == {
        "net": max((expected_a, expected_b), key=lambda s: s.severity)}
    assert indicator(the_site, h(now), statuses) is indicator_


def test_indicator_descriptions_are_statuspages():
    assert [i.description for i in Indicator] == [
        "All Systems Operational", "Minor Service Outage", "Partial System Outage",
        "Major Service Outage", "Service Under Maintenance"]


@pytest.mark.parametrize(("next_update", "updates", "now", "shown"), [
    (5, [], 1, 5),
    (5, [], 6, None),  # a promise in the past is never shown
    (5, [], 5, None),  # nor one falling due exactly now (it is now overdue)
    (5, [], 4.99, 5),
    (5, [(2, RES)], 3, None),  # nor one on a closed incident
    (None, [], 1, None),
])
def test_promised_update(next_update, updates, now, shown):
    item = incident(next_update=next_update, updates=updates)
    assert promised_update(item, h(now)) == (h(shown) if shown is not None else None)


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


def test_snapshot_lists_history_by_month_and_recent_days():
    the_site = site(incident("new", start=30), incident("old", start=-24 * 40,
                                                        updates=[(-24 * 39, RES)]),
                    incident("fixed", start=25, updates=[(26, RES)]))
    snap = Snapshot(the_site, h(40))
    assert list(snap.months) == [(2026, 11), (2026, 10)]
    assert [i.id for i in snap.open_incidents] == ["new"]
    # Past incidents: the open one is listed as in progress, not there.
    assert [(d, [i.id for i in items]) for d, items in snap.recent_days if items] == [
        (date(2026, 11, 21), ["fixed"])]
    assert len(snap.recent_days) == 7


def test_transitions_in_closed_form_are_those_of_is_open_at_every_moment(example_dir):
    """The shortcut for incidents gives what asking is_open at each candidate moment does."""
    from statuspage.content.loader import load_site
    from statuspage.state.status import TICK, transitions

    site = load_site(example_dir)
    extra = [incident(updates=[(1, IDE), (3, RES), (5, PM)]), incident(updates=[(0, RES)]),
             incident(updates=[(2, IDE)]), incident(updates=[(4, PM)])]
    for item in (*site.incidents, *extra):
        for now in (item.started - timedelta(hours=1), item.started, h(2), h(4), h(100),
                    datetime(2027, 1, 1, tzinfo=PARIS)):
            candidates = {item.started, *(u.time for u in item.updates)}
            if item.maintenance:
                candidates |= {item.maintenance.start, item.maintenance.end}
            generic = sorted(t for t in candidates if t <= now
                             and is_open(item, t) != is_open(item, t - TICK))
            assert transitions(item, now) == generic, (item.id, now)


def test_a_view_says_what_the_status_functions_say(example_dir):
    from statuspage.content.loader import load_site
    from statuspage.state.status import late_promise, view_of, visible_updates

    site = load_site(example_dir)
    extra = [incident(updates=[(1, IDE), (3, RES), (5, PM)], next_update=2),
             incident(window=(2, 4), components={"a": MAINT}, updates=[(4.1, P)]),
             incident(window=(2, 4), components={"a": MAINT}, updates=[(1, X)]),
             incident(updates=[(2, IDE)], next_update=3)]
    for item in (*site.incidents, *extra):
        for now in (item.started - timedelta(hours=1), item.started, h(2), h(3), h(4.5),
                    h(100), datetime(2026, 12, 3, 3, 0, tzinfo=PARIS)):
            view = view_of(item, now)
            assert (view.status, view.updates, view.ended, view.is_open, view.promise,
                    view.late) == (status_at(item, now), visible_updates(item, now),
                                   ended_at(item, now), is_open(item, now),
                                   promised_update(item, now), late_promise(item, now))


def _fields(view) -> tuple:
    return (view.status, view.updates, view.ended, view.is_open, view.promise, view.late,
            view.published)


def test_a_settled_incident_keeps_its_view_and_snapshots_share_it(example_dir):
    """Once every time an incident names has come, its view is final; Snapshots then hand
    out one view object for it (what the builder takes as unchanged), and before that the
    view of their moment."""
    from statuspage.content.loader import load_site
    from statuspage.state.status import TICK, settled_from, view_of

    loaded = load_site(example_dir)
    extra = (incident("promise", updates=[(1, IDE), (2, IDE)], next_update=3),
             incident("late-end", window=(2, 4), components={"a": MAINT}, updates=[(4.1, P)]),
             incident("window", window=(2, 4), components={"a": MAINT}, updates=[(1, X)]),
             incident("closed", updates=[(1, IDE), (3, RES), (5, PM)]))
    items = (*loaded.incidents, *extra)
    for item in items:
        settled = settled_from(item)
        final = _fields(view_of(item, settled))
        for later in (settled + TICK, settled + timedelta(days=400)):
            assert _fields(view_of(item, later)) == final, item.id
    whole = Site(loaded.config, items)
    moments = sorted({t for item in items for t in (
        item.started - TICK, item.started, settled_from(item) - TICK, settled_from(item))})
    memory = Settled()  # the caller's (a daemon's), shared by its Snapshots
    for now in (*moments, *reversed(moments)):  # each view cached, then asked for earlier
        snap = Snapshot(whole, now, memory)
        for item in items:
            assert _fields(snap.views[item.id]) == _fields(view_of(item, now)), (item.id, now)
    end = max(moments) + timedelta(days=1)
    first, second = (Snapshot(whole, end, memory).views,
                     Snapshot(whole, end + timedelta(days=9), memory).views)
    assert all(first[item.id] is second[item.id] for item in items)
    alone = Snapshot(whole, end).views  # without a memory: nothing shared
    assert not any(first[item.id] is alone[item.id] for item in items)


def _days_one_by_one(spans, site, now, days, since=None):
    """The per-day rule written plainly (each day filters every span): the oracle."""
    from datetime import UTC, time

    from statuspage.state.status import DayUptime, _weighted_downtime, worst

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
        down = _weighted_downtime(here, start, end) if here and length > 0 else 0.0
        result.append(DayUptime(day, max(0.0, 1.0 - down / length) if length > 0 else 1.0,
                                worst(s[2] for s in here),
                                tuple(dict.fromkeys(s[3] for s in here))))
    return result


def test_each_day_has_the_spans_that_overlap_it():
    """Spans sorted into the days they overlap give each day what filtering every span
    for it gives: random spans over a DST change, across midnights, before the window,
    still open at now, ending exactly at a midnight."""
    import random
    from datetime import UTC

    from statuspage.state.status import _uptime_days

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
        assert _uptime_days(spans, site, now, days, since) == \
            _days_one_by_one(spans, site, now, days, since), trial
