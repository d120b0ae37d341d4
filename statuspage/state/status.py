"""What is true at a given ``now``: pure functions of (site, now), no I/O, no Flask."""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from statuspage.model import (
    CLOSED_STATUSES,
    Area,
    ComponentStatus,
    FrozenMap,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    Text,
    Update,
    UpdateStatus,
    _,
)
from statuspage.state.settled import Settled

UPTIME_DAYS = 90
FOLLOW_DAYS = 90  # an incident's own feeds stay this long after it ends
LATEST = 20  # incidents the history page lists before its months
TICK = timedelta(microseconds=1)
RECENT_DAYS = 7
NO_GRACE = timedelta(0)  # site.yaml's promise_grace by default: late as the promise passes
UPTIME_WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}


class Indicator(StrEnum):
    """The page's overall status, as Statuspage names it."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    @property
    def description(self) -> str:
        return INDICATOR_DESCRIPTIONS[self]


INDICATOR_DESCRIPTIONS = {
    Indicator.NONE: _("All Systems Operational"),
    Indicator.MINOR: _("Minor Service Outage"),
    Indicator.MAJOR: _("Partial System Outage"),
    Indicator.CRITICAL: _("Major Service Outage"),
    Indicator.MAINTENANCE: _("Service Under Maintenance"),
}


def visible_updates(incident: Incident, now: datetime) -> tuple[Update, ...]:
    """The updates published by ``now``, newest first."""
    updates = incident.updates
    if not updates or updates[0].time <= now:
        return updates  # all published: the common case, without a copy
    # Newest first, so the published ones are a tail, found by bisection: the API asks this
    # at each update's time, which a scan made quadratic (20,000 updates: minutes).
    return updates[bisect_left(updates, True, key=lambda u: u.time <= now):]


def status_at(incident: Incident, now: datetime) -> UpdateStatus:
    """The incident's status at ``now``; a maintenance's follows its window."""
    updates = visible_updates(incident, now)
    if incident.maintenance is None:
        return updates[0].status if updates else IncidentStatus.INVESTIGATING
    latest = updates[0].status if updates else MaintenanceStatus.SCHEDULED
    if latest in (MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED):
        return latest
    window = incident.maintenance
    running = latest in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
    if running and updates[0].time >= window.end:
        return latest  # posted after the planned end: it runs late, until completed
    if now >= window.end:
        return MaintenanceStatus.COMPLETED
    if running:
        return latest
    return MaintenanceStatus.IN_PROGRESS if now >= window.start else MaintenanceStatus.SCHEDULED


def _closed_since(updates: tuple[Update, ...]) -> datetime | None:
    """When the newest run of closing updates began (newest first: the updates before a
    reopening one closed an earlier spell, not this one)."""
    since = None
    for update in updates:
        if update.status not in CLOSED_STATUSES:
            break
        since = update.time
    return since


def ended_at(incident: Incident, now: datetime) -> datetime | None:
    """When it was resolved (or the maintenance completed), if it has by ``now``; once
    reopened, the resolution that closed it again."""
    if status_at(incident, now) not in CLOSED_STATUSES:
        return None
    closed = _closed_since(visible_updates(incident, now))
    if closed is not None:
        return closed
    return incident.maintenance.end if incident.maintenance else None


def is_open(incident: Incident, now: datetime) -> bool:
    """An incident customers are affected by now (a maintenance: in progress)."""
    status = status_at(incident, now)
    if incident.maintenance is not None:
        return status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
    return incident.started <= now and status not in CLOSED_STATUSES


def promised_update(incident: Incident, now: datetime,
                    grace: timedelta = NO_GRACE) -> datetime | None:
    """The next update time shown to customers: one to come, or, within ``grace`` after
    it, one not yet kept (it is not said late before the grace is over)."""
    promise = incident.next_update
    if promise is None or promise + grace <= now or not is_open(incident, now):
        return None
    if promise > now:
        return promise
    return None if any(u.time >= promise for u in visible_updates(incident, now)) else promise


def late_promise(incident: Incident, now: datetime,
                 updates: tuple[Update, ...] | None = None,
                 grace: timedelta = NO_GRACE) -> datetime | None:
    """The promised update time, once it has passed by ``grace`` with the incident still
    open and no update published at or after it."""
    promise = incident.next_update
    if promise is None or promise + grace > now or not is_open(incident, now):
        return None
    updates = visible_updates(incident, now) if updates is None else updates
    return None if any(u.time >= promise for u in updates) else promise


def transitions(incident: Incident, now: datetime) -> list[datetime]:
    """When ``incident`` began or stopped affecting its components, up to ``now``.

    An incident is open from its start to its first closing update, and again from each
    update that reopens it (any status but resolved or postmortem after one of them) to
    the next closing one; a maintenance's window, early starts and late ends are worked
    out from ``is_open`` at each moment something could change."""
    if incident.maintenance is not None:
        candidates = {incident.started, *(u.time for u in incident.updates),
                      incident.maintenance.start, incident.maintenance.end}
        return sorted(t for t in candidates if t <= now
                      and is_open(incident, t) != is_open(incident, t - TICK))
    found = [incident.started]
    for update in reversed(incident.updates):  # oldest first
        if (update.status in CLOSED_STATUSES) == (len(found) % 2 == 1):  # closes, reopens
            if found and update.time <= found[-1]:
                found.pop()  # closed (or reopened) the minute it opened: no spell at all
            else:
                found.append(update.time)
    return [t for t in found if t <= now]


def worst(statuses) -> ComponentStatus:
    return max(statuses, key=lambda s: s.severity, default=ComponentStatus.OPERATIONAL)


def component_statuses(site: Site, now: datetime) -> dict[str, ComponentStatus]:
    """Each component's status: the worst among the open incidents naming it."""
    found: dict[str, list[ComponentStatus]] = defaultdict(list)
    for incident in site.incidents:
        if is_open(incident, now):
            for component_id, status in incident.components.items():
                found[component_id].append(status)
    return {c.id: worst(found[c.id]) for c in site.config.components}


def group_statuses(site: Site, statuses: dict[str, ComponentStatus]) -> dict[str, ComponentStatus]:
    members = site.config.members
    return {g.id: worst(statuses[c.id] for c in members.get(g.id, ())) for g in site.config.groups}


def indicator(site: Site, now: datetime, statuses: dict[str, ComponentStatus]) -> Indicator:
    return _indicator(statuses, [v for i in site.incidents if (v := view_of(i, now)).is_open])


@dataclass(frozen=True)
class DayUptime:
    day: date
    uptime: float  # 0.0 – 1.0
    worst: ComponentStatus
    incidents: tuple[str, ...]
    known: bool = True  # False before the service existed: no data, not "up"


def _span(view: IncidentView, now: datetime) -> list[tuple[datetime, datetime]]:
    """When the incident (each spell, when it was reopened) or the maintenance's window,
    as it ran, weighed on its components, up to ``now``, in UTC."""
    incident = view.incident
    if incident.started > now:
        return []
    if incident.maintenance is not None:
        if view.status == MaintenanceStatus.CANCELLED:
            return []
        start, end = incident.maintenance.start, incident.maintenance.end
        spells = [(start, min(end, view.ended or end, now))]
    else:
        times = transitions(incident, now)
        times += [now] if len(times) % 2 else []
        spells = list(zip(times[::2], times[1::2], strict=True))
    found = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in spells]
    return [(start, end) for start, end in found if end > start]


def uptime(site: Site, now: datetime, component_id: str,
           days: int = UPTIME_DAYS) -> list[DayUptime]:
    """Per-day uptime of one component over ``days`` days ending today (site zone)."""
    snap = Snapshot(site, now)
    spans = _spans(snap.views.values(), now, site, days)
    return _uptime_days(spans.get(component_id, []), site, now, days,
                        snap.since(component_id))


def _spans(views, now: datetime, site: Site, days: int) -> dict[str, list[tuple]]:
    """Each component's spans (start, end, status, incident id) in the last ``days`` days."""
    tz = site.config.timezone
    first_day = now.astimezone(tz).date() - timedelta(days=days - 1)
    window_start = datetime.combine(first_day, time(), tz).astimezone(UTC)
    found: dict[str, list[tuple]] = defaultdict(list)
    for view in views:
        # What ended before the window cannot weigh on it (most of a long history): a
        # maintenance's span ends by its window's end, an incident's when it ended.
        last = view.ended if view.incident.maintenance is None else \
            view.incident.maintenance.end
        if last is not None and last <= window_start:
            continue
        for span in _span(view, now):
            if span[1] <= window_start:
                continue
            for component_id, status in view.incident.components.items():
                found[component_id].append((*span, status, view.incident.id))
    return found


def _uptime_days(spans: list[tuple], site: Site, now: datetime, days: int,
                 since: date | None = None) -> list[DayUptime]:
    """A major outage counts fully, a partial outage at 30 %, degraded performance and
    maintenance not at all. Overlapping incidents count once, at the worst weight.

    All arithmetic in UTC: two times in one ZoneInfo subtract as wall-clock times, which
    is an hour off across a daylight-saving change.
    """
    bounds = _day_bounds(site.config.timezone, now, days)
    # Each day's spans, in their order: each span goes to the days it overlaps, from the
    # one it starts on (or the first) to the last that starts before it ends.
    starts = [day_start for _, day_start, _ in bounds]
    overlapping: list[list[tuple]] = [[] for _ in bounds]
    for span in spans:
        for at in range(max(bisect_right(starts, span[0]) - 1, 0), days):
            if starts[at] >= span[1]:
                break
            overlapping[at].append(span)
    result = []
    for (day, day_start, day_end), here in zip(bounds, overlapping, strict=True):
        if since is not None and day < since:
            result.append(DayUptime(day, 1.0, ComponentStatus.OPERATIONAL, (), known=False))
            continue
        length = (day_end - day_start).total_seconds()
        down = _weighted_downtime(here, day_start, day_end) if here and length > 0 else 0.0
        result.append(DayUptime(
            day=day,
            uptime=max(0.0, 1.0 - down / length) if length > 0 else 1.0,
            worst=worst(s[2] for s in here),
            incidents=tuple(dict.fromkeys(s[3] for s in here)),
        ))
    return result


@lru_cache(maxsize=8)
def _day_bounds(tz: ZoneInfo, now: datetime, days: int) -> tuple[tuple[date, datetime,
                                                                          datetime], ...]:
    """The ``days`` days ending today (site zone), each with its start and its end (now,
    for today), in UTC; the same for every component of a Snapshot."""
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=days - 1)
    now = now.astimezone(UTC)
    bounds = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_start = datetime.combine(day, time(), tz).astimezone(UTC)
        day_end = min(datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC), now)
        bounds.append((day, day_start, day_end))
    return tuple(bounds)


def _weighted_downtime(spans, start: datetime, end: datetime) -> float:
    points = sorted({start, end, *(max(s[0], start) for s in spans),
                     *(min(s[1], end) for s in spans)})
    total = 0.0
    for left, right in zip(points, points[1:], strict=False):
        weight = max((UPTIME_WEIGHT.get(s[2], 0.0) for s in spans
                      if s[0] <= left and s[1] >= right), default=0.0)
        total += weight * (right - left).total_seconds()
    return total


def uptime_percent(days: list[DayUptime]) -> float:
    """Over the days with data."""
    known = [d for d in days if d.known]
    return 100.0 * sum(d.uptime for d in known) / len(known) if known else 100.0


class Version(NamedTuple):
    """An incident's version: its published updates counted, the time of the latest."""

    number: int
    time: datetime


@dataclass(frozen=True, eq=False)
class IncidentView:
    """What an incident looks like at one moment: computed once per Snapshot, read by every
    page, feed and API document. The incident's own fields read through it."""

    incident: Incident
    status: UpdateStatus
    updates: tuple[Update, ...]  # published by now, newest first
    ended: datetime | None  # when it was resolved, or the maintenance completed
    is_open: bool  # customers are affected now (a maintenance: in progress)
    promise: datetime | None  # the next update promised, still to come
    late: datetime | None  # a promised update time that passed with no update since
    published: bool  # started, or (a maintenance) announced
    # The incident's fields read most, as the view's own (see __post_init__).
    id: str = field(init=False, repr=False)
    started: datetime = field(init=False, repr=False)
    maintenance: Any = field(init=False, repr=False)  # its Window, when is_maintenance
    components: FrozenMap = field(init=False, repr=False)
    title: Text = field(init=False, repr=False)
    is_maintenance: bool = field(init=False, repr=False)

    def __getattr__(self, name: str):
        if name == "incident":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.incident, name)

    def __post_init__(self) -> None:
        # Every list of the Snapshot reads these from each of 10,000s of views: neither
        # __getattr__'s detour nor a property's call is free.
        incident = self.incident
        for name in ("id", "started", "maintenance", "components", "title"):
            object.__setattr__(self, name, getattr(incident, name))
        object.__setattr__(self, "is_maintenance", incident.maintenance is not None)

    @cached_property
    def state(self) -> str | None:
        """All its pages show of it: its files (their digest) and its state at the moment;
        None for an incident not read from files (then nothing is reused)."""
        if not self.incident.digest:
            return None
        return "|".join(str(part) for part in (
            self.incident.digest, self.status, len(self.updates), self.ended, self.promise,
            self.late, self.is_open, self.published))

    @property
    def latest(self) -> Update | None:
        return self.updates[0] if self.updates else None

    @cached_property
    def version(self) -> Version | None:
        """Which state of the incident customers see: the number of its published updates
        and the time of the latest ("update 3 of 14:05"), said alike on every channel so
        an agent and a caller can check they read the same; None before any update."""
        if not self.updates:
            return None
        return Version(len(self.updates), self.updates[0].time)

    @property
    def announced(self) -> datetime:
        """When customers first heard of it: its first published update, else its start."""
        return self.updates[-1].time if self.updates else self.incident.started


def view_of(incident: Incident, now: datetime, grace: timedelta = NO_GRACE) -> IncidentView:
    """The same answers as the functions above, each part worked out once."""
    updates = visible_updates(incident, now)
    status = status_at(incident, now)
    if incident.maintenance is not None:
        open_ = status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
    else:
        open_ = incident.started <= now and status not in CLOSED_STATUSES
    ended = None
    if status in CLOSED_STATUSES:
        ended = _closed_since(updates) or (incident.maintenance.end if incident.maintenance
                                           else None)
    promise = incident.next_update
    unkept = promise is not None and open_ and not any(u.time >= promise for u in updates)
    return IncidentView(
        incident=incident,
        status=status,
        updates=updates,
        ended=ended,
        is_open=open_,
        promise=promise if unkept and promise is not None and now < promise + grace else None,
        late=promise if unkept and promise is not None and promise + grace <= now else None,
        published=incident.started <= now or (incident.is_maintenance and bool(updates)),
    )


def settled_from(incident: Incident, grace: timedelta = NO_GRACE) -> datetime:
    """The moment after which the incident's view no longer changes: every time it names
    (start, updates, window, promise) has come, so each comparison with ``now`` has its
    final answer."""
    times = [incident.started, *(u.time for u in incident.updates)]
    if incident.maintenance is not None:
        times += (incident.maintenance.start, incident.maintenance.end)
    if incident.next_update is not None:
        times.append(incident.next_update + grace)
    return max(times)


def _view_at(settled: Settled, incident: Incident, now: datetime,
             grace: timedelta) -> IncidentView:
    """The incident's view, the one ``settled`` keeps when it has settled."""
    held = settled.view(incident, now, grace)
    if held is not None:
        return held
    view = view_of(incident, now, grace)
    moment = settled_from(incident, grace)
    if now >= moment:
        settled.keep(view, moment, grace)
    return view


class Snapshot:
    """Everything derived for one ``now``: each part computed once per build, lazily, each
    list in one pass over the incidents, so no page walks them all. ``settled``: the
    caller's memory of settled incidents, shared with its other Snapshots (see
    ``settled.py``); by default one of its own."""

    def __init__(self, site: Site, now: datetime, settled: Settled | None = None):
        self.site = site
        self.now = now
        self.settled = settled if settled is not None else Settled()

    @cached_property
    def views(self) -> dict[str, IncidentView]:
        """Every incident's view, by id, newest started first."""
        incidents = self.site.incidents
        self.settled.trim(len(incidents))
        grace = self.site.config.promise_grace
        return {i.id: _view_at(self.settled, i, self.now, grace) for i in incidents}

    def view(self, incident_id: str) -> IncidentView | None:
        return self.views.get(incident_id)

    @cached_property
    def components(self) -> dict[str, ComponentStatus]:
        """Each component's status: the worst among the open incidents naming it."""
        found: dict[str, list[ComponentStatus]] = defaultdict(list)
        for view in self.open_views:
            for component_id, status in view.incident.components.items():
                found[component_id].append(status)
        return {c.id: worst(found[c.id]) for c in self.site.config.components}

    @cached_property
    def places(self) -> dict[str, tuple[Area, ...] | None]:
        """Where each component with an open incident or maintenance is troubled: its
        incidents' areas, once each; None when one of them is everywhere (no areas)."""
        found: dict[str, tuple[Area, ...] | None] = {}
        for view in self.open_views:
            for component_id in view.incident.components:
                held = found.get(component_id, ())
                if held is None or not view.incident.areas:
                    found[component_id] = None
                else:
                    codes = {a.code for a in held}
                    found[component_id] = held + tuple(
                        a for a in view.incident.areas if a.code not in codes)
        return found

    @cached_property
    def groups(self) -> dict[str, ComponentStatus]:
        return group_statuses(self.site, self.components)

    @cached_property
    def indicator(self) -> Indicator:
        return _indicator(self.components, self.open_views)

    @cached_property
    def published(self) -> tuple[IncidentView, ...]:
        """Incidents that have started; maintenance once announced (its first update is
        published) or begun."""
        return tuple(v for v in self.views.values() if v.published)

    @cached_property
    def latest_news(self) -> datetime:
        """The time of the newest published update (else of the first incident): what
        changes only when there is news, unlike ``now``."""
        times = [v.updates[0].time for v in self.published if v.updates]
        return max(times, default=None) or min(
            (i.started for i in self.site.incidents), default=datetime(1970, 1, 1, tzinfo=UTC))

    @cached_property
    def open_views(self) -> list[IncidentView]:
        return [v for v in self.views.values() if v.is_open]

    @cached_property
    def open_incidents(self) -> list[IncidentView]:
        return [v for v in self.open_views if not v.is_maintenance]

    @cached_property
    def active_maintenance(self) -> list[IncidentView]:
        return [v for v in self.open_views if v.is_maintenance]

    @cached_property
    def scheduled_maintenance(self) -> list[IncidentView]:
        """Every published maintenance still to come, soonest first."""
        found = [v for v in self.published if v.is_maintenance
                 and v.status == MaintenanceStatus.SCHEDULED]
        return sorted(found, key=lambda v: v.maintenance.start)

    @cached_property
    def upcoming_maintenance(self) -> list[IncidentView]:
        """Maintenance still to come that starts within ``upcoming_days``, soonest first."""
        horizon = self.now.astimezone(UTC) + timedelta(days=self.site.config.upcoming_days)
        return [v for v in self.scheduled_maintenance if v.maintenance.start <= horizon]

    def uptime(self, component_id: str) -> list[DayUptime]:
        return self._uptime[component_id]

    @cached_property
    def _uptime(self) -> dict[str, list[DayUptime]]:
        spans = _spans(self.views.values(), self.now, self.site, UPTIME_DAYS)
        return {c.id: _uptime_days(spans.get(c.id, []), self.site, self.now, UPTIME_DAYS,
                                   self.since(c.id))
                for c in self.site.config.components}

    def since(self, component_id: str) -> date | None:
        """The first day with data for a component: its ``since``, else the first day of
        the site's content (None when there is none: every day counts)."""
        component = self.site.config.component(component_id)
        if component is not None and component.since is not None:
            return component.since
        return self._first_day

    @cached_property
    def _first_day(self) -> date | None:
        tz = self.site.config.timezone
        first = min((i.started for i in self.site.incidents), default=None)
        return first.astimezone(tz).date() if first is not None else None

    @cached_property
    def recent_days(self) -> list[tuple[date, list[IncidentView]]]:
        """The last days, newest first, each with the incidents that started on it."""
        tz = self.site.config.timezone
        today = self.now.astimezone(tz).date()
        by_day = self.by_day
        return [(d, by_day.get(d, [])) for d in
                (today - timedelta(days=n) for n in range(RECENT_DAYS))]

    @cached_property
    def open_days(self) -> frozenset[date]:
        """The days on which what is still in progress started: not quiet days, though the
        past incidents do not list it (it is shown as in progress)."""
        tz = self.site.config.timezone
        return frozenset(v.started.astimezone(tz).date() for v in self.history if v.is_open)

    @cached_property
    def by_day(self) -> dict[date, list[IncidentView]]:
        tz = self.site.config.timezone
        days: dict[date, list[IncidentView]] = defaultdict(list)
        for view in self.history:
            if not view.is_open:  # those in progress are listed as such
                days[view.started.astimezone(tz).date()].append(view)
        return days

    @cached_property
    def history(self) -> tuple[IncidentView, ...]:
        """What the archive lists: started incidents and maintenance that has begun."""
        return tuple(v for v in self.views.values() if v.started <= self.now)

    @cached_property
    def months(self) -> dict[tuple[int, int], list[IncidentView]]:
        tz = self.site.config.timezone
        months: dict[tuple[int, int], list[IncidentView]] = defaultdict(list)
        for view in self.history:
            local = view.started.astimezone(tz)
            months[(local.year, local.month)].append(view)
        return dict(sorted(months.items(), reverse=True))

    def month_around(self, year: int, month: int) -> tuple[tuple[int, int] | None,
                                                          tuple[int, int] | None]:
        """The months with incidents just before and just after (year, month)."""
        months = list(self.months)  # newest first
        at = months.index((year, month))
        return (months[at + 1] if at + 1 < len(months) else None,
                months[at - 1] if at > 0 else None)

    @cached_property
    def latest(self) -> list[IncidentView]:
        """The latest incidents (not maintenance), newest first, for the history page."""
        found: list[IncidentView] = []
        for views in self.months.values():
            found += [v for v in views if not v.is_maintenance]
            if len(found) >= LATEST:
                break
        return sorted(found, key=lambda v: v.started, reverse=True)[:LATEST]

    @cached_property
    def by_reference(self) -> dict[str, IncidentView]:
        """Published incidents by their short reference."""
        return {view.incident.reference: view for view in self.published}

    @cached_property
    def references_by_first(self) -> dict[str, dict[str, str]]:
        """Published incidents' ids by reference, grouped by the reference's first
        character (what the lookup box loads, one small file each), all sorted."""
        found: dict[str, dict[str, str]] = {}
        for reference, view in sorted(self.by_reference.items()):
            found.setdefault(reference[0], {})[reference] = view.id
        return found

    @cached_property
    def current_and_recent(self) -> list[IncidentView]:
        """What is open now (incidents, maintenance in progress) and what ended in the last
        ``RECENT_DAYS``: what a place's page lists."""
        since = self.now - timedelta(days=RECENT_DAYS)
        return [v for v in self.published
                if v.is_open or (v.ended is not None and v.ended >= since)]

    @cached_property
    def zones(self) -> dict[str, list[IncidentView]]:
        """Every postal code or prefix an open or recent incident names, with what concerns
        it (its areas match the code, or are within it, or it is everywhere), sorted."""
        found = self.current_and_recent
        codes = sorted({area.code for view in found for area in view.incident.areas})
        return {code: [view for view in found if _touches(view.incident, code)]
                for code in codes}

    @cached_property
    def postcode_index(self) -> dict[str, dict]:
        """What the postcode box reads, by the first character of the codes: each code or
        prefix that open incidents and maintenance in progress name, with their ids
        (sorted); ``""`` holds those that are everywhere."""
        shards: dict[str, dict[str, list[str]]] = {"": {}}
        for view in self.open_views:
            if not view.incident.areas:
                shards[""].setdefault("", []).append(view.id)
            for area in view.incident.areas:
                shards.setdefault(area.code[0], {}).setdefault(area.code, []).append(view.id)
        return {first: dict(sorted(codes.items())) for first, codes in sorted(shards.items())}

    @cached_property
    def followed(self) -> list[IncidentView]:
        """Published incidents with feeds of their own: those that may still change, and
        those that ended in the last ``FOLLOW_DAYS`` (their followers see the end)."""
        since = self.now - timedelta(days=FOLLOW_DAYS)
        return [view for view in self.published if view.ended is None or view.ended >= since]

    def follows(self, view: IncidentView) -> bool:
        """Whether the incident has feeds of its own (one of ``followed``)."""
        return view.id in self._followed_ids

    @cached_property
    def _followed_ids(self) -> frozenset[str]:
        return frozenset(view.id for view in self.followed)

    @cached_property
    def by_announcement(self) -> list[IncidentView]:
        """Published incidents, the last announced first."""
        return sorted(self.published, key=lambda v: (v.announced, v.id), reverse=True)

    def maintenance_of(self, component_id: str) -> list[IncidentView]:
        """Maintenance in progress or coming up that names the component."""
        return self._maintenance_by_component.get(component_id, [])

    @cached_property
    def _maintenance_by_component(self) -> dict[str, list[IncidentView]]:
        return _by_component((*self.active_maintenance, *self.upcoming_maintenance))

    def incidents_of(self, component_id: str) -> list[IncidentView]:
        return self._history_by_component.get(component_id, [])

    @cached_property
    def _history_by_component(self) -> dict[str, list[IncidentView]]:
        return _by_component(self.history)

    def published_of(self, component_id: str | None) -> list[IncidentView]:
        """What subscribers hear about: published incidents (of one component, if given)."""
        if component_id is None:
            return list(self.published)
        return self._published_by_component.get(component_id, [])

    @cached_property
    def _published_by_component(self) -> dict[str, list[IncidentView]]:
        return _by_component(self.published)

    def latest_updates(self, component_id: str | None) -> list[tuple[Update, IncidentView]]:
        """The ``feed_entries`` newest published updates (of one component's incidents),
        newest first: what a feed lists."""
        return self._latest_updates.get(component_id, [])

    @cached_property
    def _latest_updates(self) -> dict[str | None, list[tuple[Update, IncidentView]]]:
        """The site's (None) and each component's. Incidents are taken newest news first,
        and the walk stops once no older one can enter any list: at 10,000 incidents a
        rebuild reads a few hundred of them, not every update of the history."""
        count = self.site.config.feed_entries
        totals: dict[str | None, int] = defaultdict(int)  # updates each list could hold
        walk = []
        for view in self.published:
            if view.updates:  # newest first
                walk.append(((view.updates[0].time, view.id), view))
                totals[None] += len(view.updates)
                for component_id in view.incident.components:
                    totals[component_id] += len(view.updates)
        walk.sort(key=lambda pair: pair[0], reverse=True)
        # Each list's newest ``count`` as a min-heap of (time and id, -order, update, view):
        # the oldest kept on top, ties kept in the order read (what a stable sort keeps).
        heaps: dict[str | None, list] = defaultdict(list)
        floors: dict[str | None, tuple] = {}  # the count-th newest of each full list
        waiting = set(totals)  # the lists an update not yet read may still enter
        order = 0
        for newest, view in walk:
            waiting = {group for group in waiting
                       if not (group in floors and floors[group] > newest)
                       and not (totals[group] <= count and len(heaps[group]) == totals[group])}
            if not waiting:
                break
            for group in (None, *view.incident.components):
                heap = heaps[group]
                for update in view.updates:
                    order -= 1
                    item = ((update.time, view.id), order, update, view)
                    if len(heap) < count:
                        heapq.heappush(heap, item)
                    elif item > heap[0]:
                        heapq.heapreplace(heap, item)
                if len(heap) >= count:
                    floors[group] = heap[0][0]
        return {group: [(update, view) for _, _, update, view in sorted(heap, reverse=True)]
                for group, heap in heaps.items()}


def _touches(incident: Incident, code: str) -> bool:
    """Whether an incident concerns some of the place ``code`` names: it is everywhere, or
    one of its areas holds the code or lies within it."""
    return not incident.areas or any(area.code.startswith(code) or code.startswith(area.code)
                                     for area in incident.areas)


def _by_component(views) -> dict[str, list[IncidentView]]:
    found: dict[str, list[IncidentView]] = defaultdict(list)
    for view in views:
        for component_id in view.incident.components:
            found[component_id].append(view)
    return found


def _indicator(statuses: dict[str, ComponentStatus], open_views) -> Indicator:
    values = set(statuses.values())
    if ComponentStatus.MAJOR_OUTAGE in values:
        return Indicator.CRITICAL
    if ComponentStatus.PARTIAL_OUTAGE in values:
        return Indicator.MAJOR
    if ComponentStatus.DEGRADED_PERFORMANCE in values or any(
            not v.is_maintenance for v in open_views):
        return Indicator.MINOR
    if open_views:
        return Indicator.MAINTENANCE
    return Indicator.NONE
