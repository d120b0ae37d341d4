"""What a feed lists: the newest published updates, site-wide and per service, picked by a
walk that stops early; held here to the plain definition (sort everything, take the top)."""

from dataclasses import replace
from datetime import timedelta

from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.model import ComponentStatus, Impact, Incident, IncidentStatus, Text, Update
from statuspage.state.status import Snapshot

SERVICES = ["fibre", "adsl", "tv", "billing"]
STATUSES = [IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING]


def incidents(draw_lists) -> tuple[Incident, ...]:
    found = []
    for n, (start, offsets, services) in enumerate(draw_lists):
        started = NOW - timedelta(hours=start)
        times = sorted({started + timedelta(minutes=m) for m in offsets}, reverse=True)
        updates = tuple(Update(t, STATUSES[k % 3], Text({"fr": f"u{k}"}))
                        for k, t in enumerate(times))
        found.append(Incident(f"i{n:03}", Text({"fr": f"t{n}"}), Impact.MINOR,
                              {s: ComponentStatus.PARTIAL_OUTAGE for s in services}, started,
                              updates))
    return tuple(sorted(found, key=lambda i: (i.started, i.id), reverse=True))


def plain(snap: Snapshot, component_id: str | None, count: int):
    pairs = [(u, v) for v in snap.published for u in v.updates
             if component_id is None or component_id in v.incident.components]
    return sorted(pairs, key=lambda p: (p[0].time, p[1].id), reverse=True)[:count]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(-48, 2000),  # hours before now (some ahead)
                          st.lists(st.integers(0, 3000), max_size=6),
                          st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3,
                                   unique=True)), max_size=40),
       st.integers(1, 12))
def test_feeds_list_the_newest_updates(site, lists, count):
    config = replace(site.config, feed_entries=count)
    snap = Snapshot(replace(site, config=config, incidents=incidents(lists)), NOW)
    for component_id in (None, *SERVICES):
        got = [(u.time, v.id, u.status) for u, v in snap.latest_updates(component_id)]
        want = [(u.time, v.id, u.status) for u, v in plain(snap, component_id, count)]
        assert got == want, component_id
