"""Status rules as tables: pure functions of (site, now), built from plain values."""

from __future__ import annotations

from dataclasses import replace
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
from statuspage.state.overall import Indicator
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot
from statuspage.state.view import TICK, view_of

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
    view = view_of(incident(updates=updates), h(now))
    assert view.status == status
    assert view.is_open is open_
    assert view.ended == (h(ended) if ended is not None else None)


def test_an_incident_that_has_not_started_is_not_open_nor_published():
    view = view_of(incident(start=5), h(4))
    assert (view.is_open, view.published, view.ended) == (False, False, None)


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
    view = view_of(incident(window=(2, 4), components={"a": MAINT}, updates=updates), h(now))
    assert view.status == status
    assert view.is_open is open_
    assert (view.ended is not None) is (status in (C, X))


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
    snap = Snapshot(site(*incidents), h(now))
    assert snap.components == {"a": expected_a, "b": expected_b, "c": expected_c}
    assert snap.groups == {"net": max((expected_a, expected_b), key=lambda s: s.severity)}
    assert snap.indicator is indicator_


def test_the_overall_status_is_worded_in_one_table():
    """The API keeps Statuspage's words, the pages say them in sentence case, the badge
    says few, in the colour of the component status it is shown as."""
    assert [i.description for i in Indicator] == [
        "All Systems Operational", "Minor Service Outage", "Partial System Outage",
        "Major Service Outage", "Service Under Maintenance"]
    assert [i.headline for i in Indicator] == [
        i.description.capitalize() for i in Indicator]
    assert [i.badge for i in Indicator] == [
        "Operational", "Minor outage", "Partial outage", "Major outage", "Under maintenance"]
    assert [i.like for i in Indicator] == [OP, DEG, PART, MAJ, MAINT]


@pytest.mark.parametrize(("next_update", "updates", "now", "grace", "shown", "late"), [
    (5, [], 1, 0, 5, None),
    (5, [], 6, 0, None, 5),  # a promise in the past is never shown: it is late
    (5, [], 5, 0, None, 5),  # nor one falling due exactly now (it is now overdue)
    (5, [], 4.99, 0, 5, None),
    (5, [(2, RES)], 3, 0, None, None),  # nor one on a closed incident, never late
    (5, [(2, RES)], 6, 0, None, None),
    (5, [(5, IDE)], 6, 0, None, None),  # kept by an update at (or after) it
    (5, [(4, IDE)], 6, 0, None, 5),  # an update before it does not keep it
    (5, [], 5.5, 1, 5, None),  # within the grace, still shown, not yet late
    (5, [], 6, 1, None, 5),  # late once the grace is over
    (None, [], 1, 0, None, None),
])
def test_a_promised_update_is_shown_until_it_is_due_then_late_until_kept(
        next_update, updates, now, grace, shown, late):
    view = view_of(incident(next_update=next_update, updates=updates), h(now),
                   timedelta(hours=grace))
    assert view.promise == (h(shown) if shown is not None else None)
    assert view.late == (h(late) if late is not None else None)


def test_a_promise_on_an_incident_not_started_is_neither_shown_nor_late():
    view = view_of(incident(start=5, next_update=3), h(4))
    assert (view.promise, view.late) == (None, None)


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


def test_transitions_in_closed_form_are_where_the_view_opens_or_closes(example_dir):
    """The shortcut for incidents gives what asking the view at each candidate moment
    does."""
    from statuspage.content.loader import load_site
    from statuspage.state.view import transitions

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
                             and view_of(item, t).is_open != view_of(item, t - TICK).is_open)
            assert transitions(item, now) == generic, (item.id, now)


@pytest.mark.parametrize(("updates", "now", "ended"), [
    ([(1, RES), (2, IDE), (3, RES)], 4, 3),  # reopened, resolved again: its last resolution
    ([(1, RES), (2, IDE)], 3, None),  # reopened: open again, not ended
    ([(1, RES), (2, PM)], 3, 1),  # a postmortem after the resolution does not move the end
    ([(1, PM)], 2, 1),
])
def test_an_incident_ends_at_the_closing_run_of_its_updates(updates, now, ended):
    view = view_of(incident(updates=updates), h(now))
    assert view.ended == (h(ended) if ended is not None else None)
    assert view.is_open is (ended is None)


def test_an_updates_time_publishes_it_and_the_views_moment_is_kept():
    item = incident(updates=[(1, IDE), (3, RES)])
    before, at = view_of(item, h(3) - TICK), view_of(item, h(3))
    assert ([u.status for u in before.updates], before.is_open) == ([IDE], True)
    assert ([u.status for u in at.updates], at.is_open, at.ended) == ([RES, IDE], False, h(3))
    assert (at.at, at.version.number, at.announced) == (h(3), 2, h(1))
    assert at.times.transitions == [h(0), h(3)]
    assert (at.times.first, at.times.last) == (h(0), h(3))


def _fields(view) -> tuple:
    return (view.status, view.updates, view.ended, view.is_open, view.promise, view.late,
            view.published)


def test_a_settled_incident_keeps_its_view_and_snapshots_share_it(example_dir):
    """Once every time an incident names has come, its view is final; Snapshots then hand
    out one view object for it (what the builder takes as unchanged), and before that the
    view of their moment."""
    from statuspage.content.loader import load_site
    from statuspage.state.view import settled_from

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


def _times_named(item: Incident) -> list[datetime]:
    """The times an incident names (its start, updates, window, promise): at each, one of
    its view's comparisons with ``now`` turns."""
    times = [item.started, *(u.time for u in item.updates)]
    if item.maintenance is not None:
        times += (item.maintenance.start, item.maintenance.end)
    return times + ([item.next_update] if item.next_update is not None else [])


def _lists(snap: Snapshot) -> tuple:
    return ([v.id for v in snap.published], [v.id for v in snap.open_incidents],
            [(day, [v.id for v in views]) for day, views in snap.recent_days],
            {month: [v.id for v in views] for month, views in snap.months.items()})


def test_a_view_still_to_settle_is_one_object_until_a_time_its_incident_names_comes(
        example_dir):
    """Between two times an incident names, each comparison of its view with ``now`` has
    the same answer: Snapshots sharing a memory (a daemon's builds) hand out one view for
    it over that span (an open incident's until its promised update), and a new one once a
    time it names has come. Each is what the view worked out alone at the moment says,
    and so is every list of the Snapshot."""
    from statuspage.content.loader import load_site

    loaded = load_site(example_dir)
    extra = (incident("promise", updates=[(1, IDE), (2, IDE)], next_update=3),
             incident("late-end", window=(2, 4), components={"a": MAINT}, updates=[(4.1, P)]),
             incident("window", window=(2, 4), components={"a": MAINT}, updates=[(1, X)]),
             incident("open", start=-2, updates=[(-1, IDE)], next_update=30))
    items = (*loaded.incidents, *extra)
    whole = Site(loaded.config, items)
    named = sorted({t for item in items for t in _times_named(item)})
    moments = sorted({m for t, after in zip(named, named[1:], strict=False)
                      for m in (t - TICK, t, t + (after - t) / 2)})
    memory, last, kept = Settled(), None, 0
    for now in moments:
        snap = Snapshot(whole, now, memory)
        for item in items:
            view, alone = snap.views[item.id], view_of(item, now)
            assert (_fields(view), view.state, view.times) == \
                (_fields(alone), alone.state, alone.times), (item.id, now)
            if last is not None:
                came = any(last.now < t <= now for t in _times_named(item))
                assert (view is last.views[item.id]) is not came, (item.id, now)
                kept += not came and view.is_open
        assert _lists(snap) == _lists(Snapshot(whole, now)), now
        last = snap
    assert kept  # open views were among those handed out again


def test_a_memory_holds_the_views_still_to_settle_of_the_last_snapshot_only():
    """An edit replaces its incident: the view of the one before is not held on."""
    first = incident("open", updates=[(1, IDE)], next_update=30)
    memory = Settled()
    assert Snapshot(site(first, incident("other", updates=[(1, IDE)], next_update=40)), h(2),
                    memory).views["open"].incident is first
    edited = replace(first, updates=(*first.updates,))
    assert Snapshot(site(edited), h(3), memory).views["open"].incident is edited
    assert [held[0].incident for held in memory.still.values()] == [edited]


def test_the_home_pages_open_incidents_come_the_most_severe_first_in_the_sites_order():
    impacts = [Impact.MINOR, Impact.CRITICAL, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL]
    made = [replace(incident(f"i{n}", start=-n), impact=impact)
            for n, impact in enumerate(impacts)]
    snap = Snapshot(site(*made), h(1))
    assert [v.id for v in snap.open_incidents] == ["i0", "i1", "i2", "i3", "i4"]
    assert [v.id for v in snap.open_by_impact] == ["i1", "i4", "i3", "i0", "i2"]
