"""The instants a Snapshot plans (``Snapshot.next_changes``, what the daemon rebuilds at)
are exactly those at which what it derives changes by itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_status import CONFIG, IDE, MAINT, T0, S, h, incident, site

from statuspage.model import (
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    Text,
    Update,
    Window,
)
from statuspage.state import instants
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot
from statuspage.state.view import TICK

DAYS = CONFIG.upcoming_days


def derived(the_site: Site, now: datetime) -> tuple:
    """What the Snapshot says at ``now``, but for what moves with the clock alone (the
    date, the uptime bars, the recent and followed incidents)."""
    snap = Snapshot(the_site, now)

    def ids(views) -> list[str]:
        return [v.id for v in views]

    return ({i: (v.status, len(v.updates), v.ended, v.is_open, v.promise, v.late, v.published)
             for i, v in snap.views.items()},
            snap.components, snap.groups, snap.indicator, ids(snap.open_views),
            ids(snap.upcoming_maintenance), ids(snap.scheduled_maintenance), ids(snap.history),
            ids(snap.published))


def named_times(the_site: Site) -> set[datetime]:
    """Every time the content names, and those the rules add to it."""
    config = the_site.config
    found = set()
    for item in the_site.incidents:
        found |= {item.started, *(u.time for u in item.updates)}
        if item.maintenance is not None:
            found |= {item.maintenance.start, item.maintenance.end,
                      item.maintenance.start - timedelta(days=config.upcoming_days)}
        if item.next_update is not None:
            found |= {item.next_update, item.next_update + config.promise_grace}
    return found


QUARTERS = st.integers(-4 * 72, 4 * 72)  # quarter-hours within three days of T0


def quarter(number: int) -> datetime:
    return T0 + timedelta(minutes=15 * number)


@st.composite
def incidents(draw, number: int) -> Incident:
    window = None
    statuses: list = list(IncidentStatus)
    started = quarter(draw(QUARTERS))
    if draw(st.booleans()):
        window = Window(started, started + timedelta(minutes=15 * draw(st.integers(1, 12))))
        statuses = list(MaintenanceStatus)
        if draw(st.booleans()):  # started: set apart from the window
            started = quarter(draw(QUARTERS))
    updates = draw(st.lists(st.tuples(QUARTERS, st.sampled_from(statuses)), max_size=4))
    promise = draw(st.none() | QUARTERS)
    return Incident(
        id=f"i{number}", title=Text("x"), impact=Impact.MAJOR,
        components={draw(st.sampled_from(["a", "b", "c"])): draw(st.sampled_from(
            list(ComponentStatus)))},
        started=started, maintenance=window,
        updates=tuple(sorted((Update(quarter(t), s, Text("x")) for t, s in updates),
                             key=lambda u: u.time, reverse=True)),
        next_update=quarter(promise) if promise is not None else None)


@st.composite
def sites(draw) -> Site:
    config = replace(CONFIG, upcoming_days=draw(st.integers(1, 2)),
                     promise_grace=timedelta(minutes=draw(st.sampled_from([0, 5, 60]))))
    number = draw(st.integers(1, 4))
    return Site(config, tuple(draw(incidents(n)) for n in range(number)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(the_site=sites(), now=QUARTERS.map(quarter))
def test_the_snapshot_changes_at_each_planned_instant_and_only_there(the_site, now):
    planned = Snapshot(the_site, now).next_changes()
    instants = [moment for moment, _ in planned]
    assert instants == sorted(set(instants)) and all(moment > now for moment in instants)
    assert all(reason for _, reason in planned)
    for moment in instants:  # each changes what is derived
        assert derived(the_site, moment - TICK) != derived(the_site, moment), planned
    # Between two, nothing changes: asked at every time the site names (and a tick either
    # side), at the ends and in the middle of each stretch.
    names = {t + d for t in named_times(the_site) for d in (-TICK, timedelta(0), TICK)}
    bounds = [now, *instants, max([now, *names]) + timedelta(days=1)]
    for left, right in zip(bounds, bounds[1:], strict=False):
        expected = derived(the_site, left)
        inside = {left + TICK, right - TICK, left + (right - left) / 2,
                  *(t for t in names if left < t < right)}
        for moment in sorted(inside):
            assert derived(the_site, moment) == expected, (moment, planned)


def maintenance(announced: float | None, start: float = 24 * 40) -> Incident:
    """A maintenance from ``start`` (hours after T0) for two hours, announced then."""
    return incident("m", window=(start, start + 2), components={"a": MAINT},
                    updates=[(announced, S)] if announced is not None else [])


def test_a_maintenance_is_listed_as_upcoming_exactly_upcoming_days_before_its_start():
    the_site = site(maintenance(announced=0))
    listed = h(24 * 40) - timedelta(days=DAYS)
    assert [v.id for v in Snapshot(the_site, listed).upcoming_maintenance] == ["m"]
    assert Snapshot(the_site, listed - TICK).upcoming_maintenance == []
    assert Snapshot(the_site, h(1)).next_changes() == [
        (listed.astimezone(UTC), "maintenance m is listed as upcoming"),
        (h(24 * 40).astimezone(UTC), "maintenance m starts"),
        (h(24 * 40 + 2).astimezone(UTC), "maintenance m ends")]


def test_a_maintenance_not_announced_as_its_window_nears_is_planned_when_it_is():
    """Announced after its window entered the upcoming days: listed as it is announced,
    not before (no rebuild for nothing)."""
    listed = 24 * 40 - 24 * DAYS
    the_site = site(maintenance(announced=listed + 24))
    assert [reason for _, reason in Snapshot(the_site, h(1)).next_changes()] == [
        "scheduled update of m appears", "maintenance m starts", "maintenance m ends"]
    assert Snapshot(the_site, h(listed + 24) - TICK).upcoming_maintenance == []
    assert [v.id for v in Snapshot(the_site, h(listed + 24)).upcoming_maintenance] == ["m"]
    # Never announced: it appears as it starts.
    assert [reason for _, reason in Snapshot(site(maintenance(None)), h(1)).next_changes()] \
        == ["maintenance m starts", "maintenance m ends"]


def test_a_promise_kept_ahead_of_time_plans_no_rebuild_when_it_falls_due():
    the_site = Site(replace(CONFIG, promise_grace=timedelta(hours=1)),
                    (incident(updates=[(1, IDE), (5.5, IDE)], next_update=5),))
    assert Snapshot(the_site, h(2)).next_changes() == [
        (h(5.5).astimezone(UTC), "identified update of i appears")]
    unkept = incident(updates=[(1, IDE)], next_update=5)
    assert Snapshot(Site(the_site.config, (unkept,)), h(2)).next_changes() == [
        (h(6).astimezone(UTC), "update promised for i")]


def test_the_promises_of_many_incidents_at_one_minute_are_one_instant_three_named():
    """A daemon's log names an instant's reasons: thousands of incidents promising the same
    minute would make one line of hundreds of kilobytes, at each plan and each rebuild."""
    promised = [incident(f"i{n}", updates=[(1, IDE)], next_update=5) for n in range(5)]
    the_site = Site(replace(CONFIG, promise_grace=timedelta(0)), tuple(promised))
    assert Snapshot(the_site, h(2)).next_changes() == [
        (h(5).astimezone(UTC), "update promised for i0, update promised for i1, "
                               "update promised for i2 and 2 more")]
    assert Snapshot(Site(the_site.config, tuple(promised[:3])), h(2)).next_changes() == [
        (h(5).astimezone(UTC), "update promised for i0, update promised for i1, "
                               "update promised for i2")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(the_site=sites(), other=sites(), moments=st.lists(QUARTERS.map(quarter), min_size=2,
                                                        max_size=5))
def test_the_instants_kept_from_one_snapshot_to_the_next_are_those_worked_out_anew(
        the_site, other, moments):
    """A daemon hands each Snapshot its memory (``Settled``): the instants it plans from it,
    the clock going either way and an incident edited (a new object) or another grace
    between two, are those a Snapshot without memory plans."""
    memory = Settled()
    edited = Site(other.config, (*other.incidents[:1], *the_site.incidents[1:]))
    for number, now in enumerate(moments):
        shown = (the_site, edited)[number % 2]
        assert Snapshot(shown, now, memory).next_changes() == \
            Snapshot(shown, now).next_changes(), (number, now)


def test_an_incident_s_instants_are_worked_out_once_while_it_is_the_same(monkeypatch):
    """The daemon asks after every build: the open incidents that did not change are not
    gone over again (2,000 at 100,000 incidents took 25-35 ms a build)."""
    promised = [incident(f"i{n}", updates=[(1, IDE)], next_update=5 + n) for n in range(3)]
    the_site, memory = Site(CONFIG, tuple(promised)), Settled()
    first = Snapshot(the_site, h(2), memory).next_changes()
    edited = (incident("i1", updates=[(1, IDE), (2.5, IDE)], next_update=9), )
    again = Site(CONFIG, (promised[0], *edited, promised[2]))
    expected = Snapshot(again, h(3)).next_changes()
    seen: list[str] = []
    looked = instants._seen
    monkeypatch.setattr(instants, "_seen", lambda item, *rest: (seen.append(item.id),
                                                                looked(item, *rest))[1])
    assert Snapshot(the_site, h(3), memory).next_changes() == first
    assert seen == []
    assert Snapshot(again, h(3), memory).next_changes() == expected != first
    assert set(seen) == {"i1"}
    # The clock put back (``build --now``): i1's update at 2.5 is to come again.
    back = Snapshot(again, h(2), memory).next_changes()
    assert back == Snapshot(again, h(2)).next_changes() != expected
