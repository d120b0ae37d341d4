"""The Snapshot's lists, worked out run by run (state/runs.py) and kept from one Snapshot to
the next, held to their plain definitions (one pass over every view, as they read before
runs): over random histories, moments that move forward and back, and edits."""

import heapq
from dataclasses import replace
from datetime import UTC, timedelta
from itertools import islice

import pytest
from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.model import (
    Area,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Patched,
    Text,
    Update,
    Window,
)
from statuspage.state import chunks as viewing
from statuspage.state import documents, runs, uptime
from statuspage.state.settled import Joined, Settled
from statuspage.state.status import FOLLOW_DAYS, RECENT_DAYS, Snapshot
from statuspage.state.uptime import UPTIME_DAYS, component_spans, view_spans, window_of

SERVICES = ["fibre", "adsl", "tv", "billing"]
INCIDENT = [IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING, IncidentStatus.RESOLVED]
WORKS = [MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS,
         MaintenanceStatus.COMPLETED]

one = st.tuples(
    st.integers(-200, 6000),  # hours before NOW that it starts (some after)
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 2)), max_size=4),  # updates
    st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
    st.booleans(),  # a maintenance
    st.one_of(st.none(), st.integers(-100, 100)),  # a promised update, hours from start
)


def incident(n: int, drawn, days_apart: bool = False) -> Incident:
    """``days_apart``: a maintenance's window starting 0 to 3 whole days before now, out
    of the starts' order and often shared (calendars sort by it, then by id), else at its
    start."""
    start, updates, services, works, promise = drawn
    started = NOW - timedelta(hours=start)
    statuses = WORKS if works else INCIDENT
    window = NOW - timedelta(days=(start // 24 + n % 3) % 4) if days_apart else started
    made = sorted({(started + timedelta(hours=h), statuses[k]) for h, k in updates},
                  reverse=True)
    return Incident(
        f"i{n:03}", Text({"fr": f"t{n}"}), Impact.MINOR,
        {s: ComponentStatus.PARTIAL_OUTAGE for s in services}, started,
        tuple(Update(t, s, Text({"fr": f"u{n}"})) for t, s in made),
        next_update=None if promise is None else started + timedelta(hours=promise),
        maintenance=Window(window, window + timedelta(hours=30)) if works else None,
        ref=f"R{n % 7}" if n % 5 == 0 else None,  # some share a reference
    )


def ordered(found: list[Incident]) -> tuple[Incident, ...]:
    return tuple(sorted(found, key=lambda i: (i.started, i.id), reverse=True))


def by_component(views):
    found: dict = {}
    for view in views:
        for component_id in view.incident.components:
            found.setdefault(component_id, []).append(view)
    return found


def plain(snap: Snapshot) -> dict:
    """Every list as one pass over the views makes it."""
    views, now, tz = list(snap.views.values()), snap.now, snap.site.config.timezone
    published = [v for v in views if v.published]
    history = [v for v in views if v.started <= now]
    months: dict = {}
    days: dict = {}
    for view in history:
        local = view.started.astimezone(tz)
        months.setdefault((local.year, local.month), []).append(view)
        if not view.is_open:
            days.setdefault(local.date(), []).append(view)
    changed: dict = {}
    for view in views:
        for component_id in view.incident.components if view.times.transitions else ():
            changed[component_id] = max(changed.get(component_id, view.times.transitions[-1]),
                                        view.times.transitions[-1])
    recent, follow = now - timedelta(days=RECENT_DAYS), now - timedelta(days=FOLLOW_DAYS)
    lows = [v.times.first for v in published if v.times.first is not None]
    highs = [v.times.last for v in published if v.times.last is not None]
    news = [v.updates[0].time for v in published if v.updates]
    shards: dict = {}
    for reference, view in sorted({v.incident.reference: v for v in published}.items()):
        shards.setdefault(reference[0], {})[reference] = view.id
    return {
        "published": tuple(published), "history": tuple(history),
        "open_views": [v for v in views if v.is_open],
        "months": dict(sorted(months.items(), reverse=True)),
        "month_counts": {month: (len(views), sum(v.is_maintenance for v in views))
                         for month, views in sorted(months.items())},
        "month_around": {month: (max((m for m in months if m < month), default=None),
                                 min((m for m in months if m > month), default=None))
                         for month in months},
        "recent_days": [(day, days.get(day, [])) for day in (
            now.astimezone(tz).date() - timedelta(days=n) for n in range(RECENT_DAYS))],
        "changed_at": changed,
        "by_reference": {v.incident.reference: v for v in published},
        "by_announcement": sorted(published, key=lambda v: (v.announced, v.id), reverse=True),
        "current_and_recent": [v for v in published if v.is_open
                               or (v.ended is not None and v.ended >= recent)],
        "followed": [v for v in published if v.ended is None or v.ended >= follow],
        "scheduled_maintenance": sorted(
            [v for v in published if v.is_maintenance
             and v.status == MaintenanceStatus.SCHEDULED], key=lambda v: v.maintenance.start),
        "event_span": (min(lows, default=None), max(highs, default=None)),
        "latest_news": max(news, default=None) or min(v.started for v in views),
        "open_days": frozenset(v.started.astimezone(tz).date() for v in history if v.is_open),
        "incidents_of": {(c, count): by_component(history).get(c, [])[:count]
                         for c in SERVICES for count in (1, 2, 50)},
        "spans": view_spans(views, now, window_of(tz, now, UPTIME_DAYS))[0],
        "references_by_first": shards,
        # (the API's: the latest windows first, of one start in the site's order)
        "latest_maintenance": {(count,): sorted([v for v in published if v.maintenance],
                                                key=lambda v: v.maintenance.start,
                                                reverse=True)[:count] for count in (1, 2, 50)},
        # (a calendar's: the latest windows first, of a stable sort of the site's order)
        "planned": {(c, count): sorted(works, key=lambda v: (v.maintenance.start, v.id),
                                       reverse=True)[:count]
                    for c, works in ({c: [v for v in by_component(published).get(c, [])
                                          if v.maintenance] for c in SERVICES}
                                     | {None: [v for v in published if v.maintenance]}).items()
                    for count in (1, 2, 50)},
    }


def shown(view) -> tuple:
    """What a view says of its incident (its moment aside: a settled one's is older)."""
    return (view.incident, view.status, view.updates, view.ended, view.is_open, view.promise,
            view.late, view.published)


def same(snap: Snapshot) -> None:
    fresh = Snapshot(snap.site, snap.now)  # no memory: every view worked out now
    assert list(snap.views) == list(fresh.views)
    assert [shown(v) for v in snap.views.values()] == [shown(v) for v in fresh.views.values()]
    want = plain(snap)
    # With the memory of settled views' and runs' spans (worked out at earlier moments,
    # some later).
    spans = component_spans(snap.view_runs, snap.now, snap.site, UPTIME_DAYS, snap.settled)
    for name, value in want.items():
        got = spans if name == "spans" else {key: getattr(snap, name)(*key) for key in value} \
            if name in ("planned", "incidents_of", "latest_maintenance", "month_around") \
            else getattr(snap, name)
        assert got == value, name
        if name == "references_by_first":  # sorted, as the files show them
            assert [list(shard.items()) for shard in got.values()] == \
                [list(shard.items()) for shard in value.values()]
        if name == "month_counts":  # the oldest month first, as the archive's key reads it
            assert list(got.items()) == list(value.items())
        if name == "recent_days":
            got, value = [v for _, day in got for v in day], [v for _, day in value for v in day]
        if isinstance(value, (list, tuple)):  # the same objects, in the same order
            assert all(a is b for a, b in zip(got, value, strict=True)), name
    assert snap._uptime == fresh._uptime
    # What comes next, passing over what the memory knows settled, as worked out anew.
    assert snap.next_changes() == fresh.next_changes()
    for count in (1, 3, 50):
        assert snap.last_announced(count) == want["by_announcement"][:count]


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    monkeypatch.setattr(runs, "RUN", 3)  # runs of three views: many, and many edges
    monkeypatch.setattr(viewing, "CHUNK", 2)  # and chunks of two incidents (views_at)


# Runs of three across chunks of two, or two to a chunk of four: a run cut from a chunk
# kept whole is then taken without a look at its views (``runs.cut``).
SIZES = pytest.mark.parametrize("sizes", [(3, 2), (2, 4)], ids=["runs-across-chunks",
                                                               "runs-within-chunks"])


@pytest.fixture
def sized(monkeypatch, sizes):
    monkeypatch.setattr(runs, "RUN", sizes[0])
    monkeypatch.setattr(viewing, "CHUNK", sizes[1])


def patched(site, before: tuple[Incident, ...], found: list[Incident]):
    """``site`` with ``found`` in order, as a load patched from ``before`` says it made
    them (the places of those replaced) when there are as many."""
    made = ordered(found)
    places = frozenset(at for at, (old, new) in enumerate(zip(before, made, strict=True))
                       if old is not new) if len(before) == len(made) else None
    return replace(site, incidents=made,
                   patched=None if places is None else Patched(before, places, made))


@SIZES
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(one, min_size=1, max_size=25),
       st.lists(st.tuples(st.integers(-300, 3000), st.integers(0, 30), one), min_size=1,
                max_size=6))
def test_the_lists_are_those_of_one_pass_over_every_view(site, sized, drawn, steps):
    found = [incident(n, d, days_apart=True) for n, d in enumerate(drawn)]
    settled, before = Settled(), ordered(found)
    for hours, at, edit in steps:
        # Each step moves the moment (forward or back) and edits one incident, adds one,
        # or removes one; the views of the others stay the same objects. An edit is
        # a patch of the last step's incidents, which views_at goes over only there.
        at %= len(found) + 1
        if at == len(found):
            found.append(incident(100 + len(found), edit, days_apart=True))
        elif edit[0] % 7 == 0 and len(found) > 1:
            del found[at]
        else:
            found[at] = incident(int(found[at].id[1:]), edit, days_apart=True)
        now = NOW + timedelta(hours=hours)
        moved = patched(site, before, found)
        before = moved.incidents
        # What comes next, from the memory of another moment (its views not yet worked
        # out at this one), as worked out anew.
        assert Snapshot(moved, now.astimezone(UTC), settled).next_changes() == \
            Snapshot(moved, now.astimezone(UTC)).next_changes()
        snap = Snapshot(moved, now.astimezone(UTC), settled)
        same(snap)


@SIZES
def test_an_update_works_out_its_own_run_again_and_no_other(site, sized):
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, None)) for n in range(12)]
    settled = Settled()
    first = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    before, shards = list(first.view_runs), first.references_by_first
    # The fourth newest (the first run counted from the newest) gets an update.
    found[3] = incident(3, (14, [(1, 0), (2, 1)], ["fibre"], False, None))
    second = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    after = second.view_runs
    # The reference lookup's files are the same objects: no reference changed.
    assert all(shard is second.references_by_first[first] for first, shard in shards.items())
    assert [a is b for a, b in zip(before, after, strict=True)] == \
        [number != 3 // runs.RUN for number in range(12 // runs.RUN)]
    # A new incident comes first: the runs counted from the oldest end stay.
    found.append(incident(50, (5, [(0, 0)], ["tv"], False, None)))
    third = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    assert len(third.view_runs) == 12 // runs.RUN + 1
    assert all(run is held for run, held in zip(third.view_runs[1:], after, strict=True))
    same(third)


def test_of_two_runs_sharing_a_reference_the_older_keeps_it_when_the_newer_changes(site):
    """Two incidents in two runs with one reference (a lenient load's error): the lookup
    finds the older one, as one pass over the views does, after the newer one's update
    too (its run worked out again, with the same references)."""
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, None)) for n in range(12)]
    for n in (1, 9):  # in the newest run and in the oldest
        found[n] = replace(found[n], ref="DUP")
    settled = Settled()
    first = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    assert first.by_reference["DUP"].id == "i009"
    found[1] = replace(found[1], updates=(Update(NOW, IncidentStatus.MONITORING,
                                                 Text({"fr": "u"})), *found[1].updates))
    second = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    assert second.by_reference["DUP"].id == "i009"
    same(second)


def test_of_two_chunks_holding_one_id_the_views_are_those_of_one_pass(site):
    """Two incidents with one id in two chunks of views (a site not read from files, whose
    ids are its files' names): after the newer one's update, the views by id are still
    those one pass over the incidents makes, the older one's for that id."""
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, None)) for n in range(6)]
    found[4] = replace(found[4], id="i001")  # chunks of two: i001 in the newest and oldest
    settled = Settled()
    assert Snapshot(replace(site, incidents=ordered(found)), NOW, settled).views[
        "i001"].incident is found[4]
    found[1] = replace(found[1], updates=(Update(NOW, IncidentStatus.MONITORING,
                                                 Text({"fr": "u"})), *found[1].updates))
    moved = replace(site, incidents=ordered(found))
    kept, fresh = Snapshot(moved, NOW, settled).views, Snapshot(moved, NOW).views
    assert [(i, shown(v)) for i, v in kept.items()] == [(i, shown(v)) for i, v in fresh.items()]
    assert kept["i001"].incident is found[4]


@SIZES
def test_a_chunk_holding_one_id_twice_is_cut_in_runs_as_one_pass_over_the_views(site, sized):
    """An id twice in the oldest chunk (a site not read from files): that chunk holds a
    view fewer, so runs are not cut from the chunks but from every view, as one pass goes,
    the newest incident's in them too; then again after an update in another chunk."""
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, None)) for n in range(5)]
    found[4] = replace(found[4], id="i003")  # the oldest two: one id, in the oldest chunk
    settled = Settled()
    snap = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    same(snap)
    assert "i000" in {view.id for run in snap.view_runs for view in run.views}
    found[0] = replace(found[0], updates=(Update(NOW, IncidentStatus.MONITORING,
                                                 Text({"fr": "u"})), *found[0].updates))
    same(Snapshot(patched(site, snap.site.incidents, found), NOW, settled))


def test_of_one_chunk_holding_one_id_twice_the_views_are_those_of_one_pass(site):
    """A chunk of two incidents with one id, the newer one open: as the moment moves and
    the newer one's view is worked out again, the view by that id stays the older one's
    (one pass over the incidents: the later in their order), settled."""
    older = incident(1, (30, [(0, 0), (1, 2)], ["fibre"], False, None))  # resolved
    newer = replace(incident(2, (20, [(0, 0)], ["adsl"], False, 40)), id="i001")  # open
    shown_ = replace(site, incidents=ordered([older, newer]))
    settled = Settled()
    for minutes in (0, 1, 2):
        at = NOW + timedelta(minutes=minutes)
        kept, fresh = Snapshot(shown_, at, settled).views, Snapshot(shown_, at).views
        assert [(i, shown(v)) for i, v in kept.items()] == \
            [(i, shown(v)) for i, v in fresh.items()]
        assert kept["i001"].incident is older


def test_what_comes_next_is_not_read_from_views_settled_with_another_grace(site):
    # Started two hours ago, its update promised an hour later: settled without grace, and
    # late in an hour with two hours' grace.
    promised = incident(1, (2, [(0, 0)], ["fibre"], False, 1))
    settled = Settled()
    strict = replace(site, incidents=(promised,),
                     config=replace(site.config, promise_grace=timedelta(0)))
    assert Snapshot(strict, NOW, settled).views  # kept, as settled at NOW
    assert Snapshot(strict, NOW, settled).next_changes() == []
    lenient = replace(strict, config=replace(strict.config, promise_grace=timedelta(hours=2)))
    coming = Snapshot(lenient, NOW, settled).next_changes()
    assert coming == Snapshot(lenient, NOW).next_changes()
    assert [moment for moment, _ in coming] == [
        (promised.next_update + timedelta(hours=2)).astimezone(UTC)]


def test_the_spans_of_settled_views_are_kept_but_an_open_incidents(site):
    found = (incident(1, (48, [(0, 0), (5, 2)], ["fibre"], False, None)),  # resolved
             incident(2, (48, [(0, 0), (1, 1)], ["adsl"], True, None)),  # window over
             incident(3, (10, [(0, 0)], ["tv"], False, None)),  # open: its span ends now
             incident(4, (10, [(0, 0), (2, 2)], ["tv"], False, 20)))  # its promise to come
    settled = Settled()
    snap = Snapshot(replace(site, incidents=ordered(list(found))), NOW, settled)
    assert snap._uptime == Snapshot(snap.site, NOW)._uptime
    assert sorted(view.id for view, _ in settled.spans.values()) == ["i001", "i002"]


@pytest.mark.parametrize("days", [RECENT_DAYS, FOLLOW_DAYS])
def test_what_ended_just_at_the_edge_is_still_listed(site, days):
    # Resolved exactly ``days`` before now: still recent (or followed), as in one pass.
    ended = [incident(n, (days * 24 + 5, [(5 + n, 2)], ["fibre"], False, None))
             for n in (-1, 0, 1)]  # resolved an hour before, just at, an hour after the edge
    snap = Snapshot(replace(site, incidents=ordered(ended)), NOW, Settled())
    same(snap)
    name = "current_and_recent" if days == RECENT_DAYS else "followed"
    assert [v.id for v in getattr(snap, name)] == ["i001", "i000"]


def test_what_ended_just_as_the_uptime_window_opens_is_not_in_it(site):
    # Resolved exactly at the first instant of the 90 days of bars, or an hour after.
    window = window_of(site.config.timezone, NOW, UPTIME_DAYS)
    ended = [Incident(f"i{n:03}", Text({"fr": "t"}), Impact.MINOR,
                      {"fibre": ComponentStatus.PARTIAL_OUTAGE}, window - timedelta(hours=5),
                      (Update(window + timedelta(hours=n), IncidentStatus.RESOLVED,
                              Text({"fr": "u"})),))
             for n in (0, 1)]
    snap = Snapshot(replace(site, incidents=ordered(ended)), NOW, Settled())
    assert [v.id for v in runs.lasting(snap.view_runs, window)] == ["i001"]


def test_a_runs_spans_are_kept_whole_while_all_its_views_are_settled(site, monkeypatch):
    """Of the runs that last into the uptime window, a later build works out again only
    the spans of a run with an incident still moving (its span ends at each moment)."""
    found = [incident(n, (48 + n, [(0, 0), (5, 2)], ["fibre"], False, None))  # resolved
             for n in range(1, 6)]
    found.append(incident(9, (10, [(0, 0)], ["tv"], False, None)))  # open: the newest
    settled, worked = Settled(), []
    through = uptime.view_spans
    monkeypatch.setattr(uptime, "view_spans", lambda views, *given: (
        worked.append(sorted(v.id for v in views)) or through(views, *given)))
    shown = replace(site, incidents=ordered(found))
    assert Snapshot(shown, NOW, settled)._uptime
    assert len(worked) == 2  # the two runs of three
    for later in (1, 5):
        worked.clear()
        snap = Snapshot(shown, NOW + timedelta(minutes=later), settled)
        kept = snap._uptime
        assert worked == [["i001", "i002", "i009"]]  # the newest run, with the open one
        assert kept == Snapshot(shown, snap.now)._uptime


def test_a_runs_walks_hold_one_tuple_per_incident(site):
    """At 100,000 incidents, a pair of time and id inside each item of a run's walks (the
    announcements, the news) was 11 MB of a daemon's memory: an item is one tuple of the
    time, the id and the view, the walks still newest first."""
    found = [incident(n, (n * 3 + 5, [(1, 0)] * (n % 2), ["fibre"], False, None))
             for n in range(12)]
    snap = Snapshot(replace(site, incidents=ordered(found)), NOW, Settled())
    for name, time in (("announced", "announced"), ("walk", None)):
        items = runs.joined(snap.view_runs, name)
        assert len(items) == (12 if time else 6)
        for when, id_, view in items:  # (three each)
            assert id_ is view.id
            assert when == (view.announced if time else view.updates[0].time)
        walked = list(runs.newest_first(snap.view_runs, name))
        assert [item[:2] for item in walked] == sorted([item[:2] for item in items], reverse=True)


CODES = ["", "6", "69", "690", "69003", "69007", "7", "75", "75011", "750"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(one, st.lists(st.tuples(st.sampled_from(CODES[1:]), st.booleans()),
                                        max_size=3, unique_by=lambda a: a[0])),
                min_size=1, max_size=25))
def test_the_places_are_those_of_each_code_over_every_incident(site, drawn):
    """Each code's incidents, and what the places' pages call it, as one pass over every
    incident for each code reads them (codes that hold others, and that others hold)."""
    found = [replace(incident(n, d), areas=tuple(
        Area(code, Text({"fr": f"{code} {n}"}) if labelled else Text({}))
        for code, labelled in areas)) for n, (d, areas) in enumerate(drawn)]
    snap = Snapshot(replace(site, incidents=ordered(found)), NOW)
    recent = snap.current_and_recent
    codes = sorted({area.code for view in recent for area in view.incident.areas})

    def touches(view, code):
        return not view.incident.areas or any(
            a.code.startswith(code) or code.startswith(a.code) for a in view.incident.areas)

    assert snap.zones == {code: [v for v in recent if touches(v, code)] for code in codes}
    for code, views in snap.zones.items():
        labelled = [a for v in views for a in v.incident.areas if a.code == code and a.label]
        assert snap.zone_areas.get(code) is (labelled[0] if labelled else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=8), max_size=8), st.integers(0, 12),
       st.sampled_from([runs._FIRST, runs._STAMP]))
def test_the_first_merged_are_those_of_a_whole_merge(parts, count, key):
    """``first_merged`` reads a few items of a few lists, and takes what a merge of them
    all gives first: the greatest keys, of equal ones the earlier list's, then its
    earlier item (each item names its list and place; ``_STAMP`` also keys on the list)."""
    lists = [sorted(((value, at, place) for place, value in enumerate(values)), key=key,
                    reverse=True) for at, values in enumerate(parts)]
    whole = list(islice(heapq.merge(*lists, key=key, reverse=True), count))
    assert runs.first_merged(lists, count, key) == whole


def test_a_day_and_the_apis_list_over_several_runs_keep_the_sites_order(site):
    """The last seven days are read from each run's days, and ``incidents.json`` from the
    newest run on: incidents of one day spread over runs of three are listed together, in
    the site's order (newest first), in both."""
    found = [incident(n, (30 + n % 4, [(1, 2)], ["fibre"], False, None)) for n in range(12)]
    snap = Snapshot(replace(site, incidents=ordered(found)), NOW, Settled())
    assert len(snap.view_runs) == 4
    tz, order = site.config.timezone, list(snap.views.values())
    for day, views in snap.recent_days:
        assert views == [v for v in order if v.started.astimezone(tz).date() == day]
    assert sum(len(views) for _, views in snap.recent_days) == 12
    listed = documents.Documents(snap).incidents_document()["incidents"]
    assert "published" not in snap.__dict__  # (read from the runs, not the joined list)
    assert [entry["id"] for entry in listed] == [v.id for v in order]


parts_of_dicts = st.lists(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(), max_size=5),
                          max_size=6)


@settings(max_examples=300, deadline=None)
@given(parts_of_dicts, st.lists(st.tuples(st.integers(0, 5), st.booleans(),
                                          st.dictionaries(st.sampled_from("abcdefgh"),
                                                          st.integers(), max_size=5)),
                                max_size=4))
def test_dicts_read_as_one_are_those_joined_in_one(parts, edits):
    """``Joined`` (the views by id, the references) reads as the dicts joined in one, in
    order (a key in two: the later value, at the earlier place), also with the last one's
    index after some dicts are replaced (by one with the same keys and other values, or
    by another) or one more is added."""
    last = None
    for at, same_keys, other in [(0, True, {}), *edits]:
        parts = list(parts)
        if at < len(parts):
            parts[at] = {key: value + 1 for key, value in parts[at].items()} if same_keys \
                else other
        else:
            parts.append(other)
        joined, want = Joined(parts, last), {}
        for part in parts:
            want.update(part)
        assert list(joined) == list(want) and len(joined) == len(want)
        assert joined.values() == list(want.values())
        assert [joined[key] for key in want] == [joined.get(key) for key in want]
        assert dict(joined.items()) == want and joined.get("z", "none") == "none"
        assert all(key in joined for key in want) and "z" not in joined
        last = joined


@SIZES
def test_a_reference_changed_in_one_run_changes_the_lookups_file(site, sized):
    """A run whose incident takes another reference of the same first character (its
    ``ref:``) holds another list of references under the same keys: that lookup's file
    is made again, as one pass makes it, and the others stay the same objects."""
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, None)) for n in range(12)]
    settled = Settled()
    first = Snapshot(replace(site, incidents=ordered(found)), NOW, settled)
    before = first.references_by_first
    same(first)
    old = first.views["i003"].incident.reference
    found[3] = replace(found[3], ref=old[0] + "ZZ")  # in the same file of the lookup
    second = Snapshot(patched(site, first.site.incidents, found), NOW, settled)
    same(second)
    assert second.references_by_first[old[0]][old[0] + "ZZ"] == "i003"
    assert all(second.references_by_first[key] is shard for key, shard in before.items()
               if key != old[0])


def another_sites_views_between(site):
    """A history whose newest incident is open (its view still moves) and whose oldest is
    edited in a patch, and that patch's site: the daemon's memory (``Settled``) after a
    round of each."""
    found = [incident(n, (n * 3 + 5, [(1, 0)], ["fibre"], False, 10 if n == 0 else None))
             for n in range(6)]
    first = replace(site, incidents=ordered(found))
    settled = Settled()
    assert Snapshot(first, NOW - timedelta(minutes=1), settled).views
    found[5] = replace(found[5], next_update=NOW + timedelta(hours=2))
    second = patched(site, first.incidents, found)
    assert Snapshot(second, NOW, settled).views
    return first, second, found, settled


def test_another_sites_views_between_a_patched_sites_chunks_are_not_taken_for_its(
        site, monkeypatch):
    """The webhooks' Snapshot of another site (an older build's, in the publish thread) on
    the daemon's memory, while a patched site's views are worked out (here at the point a
    thread would switch): the chunks it leaves are not taken for the patched site's, at
    that round nor at the next."""
    first, second, found, settled = another_sites_views_between(site)
    real, fired = viewing._worked_out, []

    def switching(*args):
        if not fired:
            fired.append(first)
            assert Snapshot(first, NOW - timedelta(minutes=1), settled).published
        return real(*args)

    monkeypatch.setattr(viewing, "_worked_out", switching)
    found[1] = replace(found[1])  # an edit in another chunk
    third = patched(site, second.incidents, found)
    assert Snapshot(third, NOW, settled).views["i005"].incident is found[5]
    monkeypatch.setattr(viewing, "_worked_out", real)
    assert fired
    found[1] = replace(found[1])
    fourth = patched(site, third.incidents, found)
    assert Snapshot(fourth, NOW, settled).views["i005"].incident is found[5]
    same(Snapshot(fourth, NOW, settled))


def test_another_sites_views_during_the_look_for_what_comes_next_change_nothing(site):
    """The same, while the planner looks for what comes next (``chunks.moving``, outside
    the lock of ``Snapshot.views``): it finds the edited incident's promise."""
    first, second, _, settled = another_sites_views_between(site)
    looked = []

    class Switching(Settled):
        def settled_at(self, incident, grace):
            if not looked:
                looked.append(first)
                assert Snapshot(first, NOW - timedelta(minutes=1), settled).published
            return super().settled_at(incident, grace)

    settled.__class__ = Switching
    assert Snapshot(second, NOW, settled).next_changes() == Snapshot(second, NOW).next_changes()
    assert looked
