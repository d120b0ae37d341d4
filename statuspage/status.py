"""What is true at a given ``now``: pure functions of (site, now), no I/O, no Flask."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property

from statuspage.model import (
    CLOSED_STATUSES,
    ComponentStatus,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    Update,
    UpdateStatus,
    _,
)

UPTIME_DAYS = 90
RECENT_DAYS = 7
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
    return tuple(u for u in incident.updates if u.time <= now)


def status_at(incident: Incident, now: datetime) -> UpdateStatus:
    """The incident's status at ``now``; a maintenance's follows its window."""
    updates = visible_updates(incident, now)
    latest = updates[0].status if updates else None
    if incident.maintenance is None:
        return latest or IncidentStatus.INVESTIGATING
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


def ended_at(incident: Incident, now: datetime) -> datetime | None:
    """When it was resolved (or the maintenance completed), if it has by ``now``."""
    if status_at(incident, now) not in CLOSED_STATUSES:
        return None
    closing = [u.time for u in visible_updates(incident, now) if u.status in CLOSED_STATUSES]
    if closing:
        return closing[-1]
    return incident.maintenance.end if incident.maintenance else None


def is_open(incident: Incident, now: datetime) -> bool:
    """An incident customers are affected by now (a maintenance: in progress)."""
    status = status_at(incident, now)
    if incident.maintenance is not None:
        return status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
    return incident.started <= now and status not in CLOSED_STATUSES


def promised_update(incident: Incident, now: datetime) -> datetime | None:
    """The next update time shown to customers: never one in the past."""
    promise = incident.next_update
    if promise is None or promise <= now or not is_open(incident, now):
        return None
    return promise


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
    return {
        g.id: worst(statuses[c.id] for c in site.config.components if c.group == g.id)
        for g in site.config.groups
    }


def indicator(site: Site, now: datetime, statuses: dict[str, ComponentStatus]) -> Indicator:
    values = set(statuses.values())
    if ComponentStatus.MAJOR_OUTAGE in values:
        return Indicator.CRITICAL
    if ComponentStatus.PARTIAL_OUTAGE in values:
        return Indicator.MAJOR
    open_incidents = [i for i in site.incidents if is_open(i, now)]
    if ComponentStatus.DEGRADED_PERFORMANCE in values or any(
        not i.is_maintenance for i in open_incidents
    ):
        return Indicator.MINOR
    if open_incidents:
        return Indicator.MAINTENANCE
    return Indicator.NONE


@dataclass(frozen=True)
class DayUptime:
    day: date
    uptime: float  # 0.0 – 1.0
    worst: ComponentStatus
    incidents: tuple[str, ...]


def _interval(incident: Incident, now: datetime) -> tuple[datetime, datetime]:
    if incident.maintenance is not None:
        start, end = incident.maintenance.start, incident.maintenance.end
        return start, min(end, ended_at(incident, now) or end, now)
    return incident.started, ended_at(incident, now) or now


def uptime(site: Site, now: datetime, component_id: str,
           days: int = UPTIME_DAYS) -> list[DayUptime]:
    """Per-day uptime of one component over ``days`` days ending today (site zone).

    A major outage counts fully, a partial outage at 30 %, degraded performance and
    maintenance not at all. Overlapping incidents count once, at the worst weight.
    """
    tz = site.config.timezone
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=days - 1)
    # All arithmetic in UTC: two times in one ZoneInfo subtract as wall-clock times,
    # which is an hour off across a daylight-saving change.
    now = now.astimezone(UTC)
    window_start = datetime.combine(first_day, time(), tz).astimezone(UTC)
    spans = []
    for incident in site.incidents:
        status = incident.components.get(component_id)
        if status is None or incident.started > now:
            continue
        if incident.is_maintenance and status_at(incident, now) == MaintenanceStatus.CANCELLED:
            continue
        start, end = (moment.astimezone(UTC) for moment in _interval(incident, now))
        if end > window_start and end > start:
            spans.append((start, end, status, incident.id))
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_start = datetime.combine(day, time(), tz).astimezone(UTC)
        day_end = min(datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC), now)
        here = [s for s in spans if s[0] < day_end and s[1] > day_start]
        length = (day_end - day_start).total_seconds()
        down = _weighted_downtime(here, day_start, day_end) if here and length > 0 else 0.0
        result.append(DayUptime(
            day=day,
            uptime=max(0.0, 1.0 - down / length) if length > 0 else 1.0,
            worst=worst(s[2] for s in here),
            incidents=tuple(dict.fromkeys(s[3] for s in here)),
        ))
    return result


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
    return 100.0 * sum(d.uptime for d in days) / len(days) if days else 100.0


class Snapshot:
    """Everything derived for one ``now``: computed once per build, lazily."""

    def __init__(self, site: Site, now: datetime):
        self.site = site
        self.now = now

    @cached_property
    def components(self) -> dict[str, ComponentStatus]:
        return component_statuses(self.site, self.now)

    @cached_property
    def groups(self) -> dict[str, ComponentStatus]:
        return group_statuses(self.site, self.components)

    @cached_property
    def indicator(self) -> Indicator:
        return indicator(self.site, self.now, self.components)

    @cached_property
    def published(self) -> tuple[Incident, ...]:
        """Incidents that have started; maintenance once announced (its first update is
        published) or begun."""
        return tuple(i for i in self.site.incidents if i.started <= self.now
                     or (i.is_maintenance and visible_updates(i, self.now)))

    @cached_property
    def latest_news(self) -> datetime:
        """The time of the newest published update (else of the first incident): what
        changes only when there is news, unlike ``now``."""
        times = [u.time for i in self.published for u in visible_updates(i, self.now)]
        return max(times, default=None) or min(
            (i.started for i in self.site.incidents), default=datetime(1970, 1, 1, tzinfo=UTC))

    @cached_property
    def open_incidents(self) -> list[Incident]:
        return [i for i in self.site.incidents if not i.is_maintenance and is_open(i, self.now)]

    @cached_property
    def active_maintenance(self) -> list[Incident]:
        return [i for i in self.site.incidents if i.is_maintenance and is_open(i, self.now)]

    @cached_property
    def upcoming_maintenance(self) -> list[Incident]:
        """Maintenance still to come that starts within ``upcoming_days``, soonest first."""
        horizon = self.now.astimezone(UTC) + timedelta(days=self.site.config.upcoming_days)
        found = [i for i in self.published if i.is_maintenance
                 and status_at(i, self.now) == MaintenanceStatus.SCHEDULED
                 and i.maintenance.start <= horizon]
        return sorted(found, key=lambda i: i.maintenance.start)

    def uptime(self, component_id: str) -> list[DayUptime]:
        return self._uptime[component_id]

    @cached_property
    def _uptime(self) -> dict[str, list[DayUptime]]:
        return {c.id: uptime(self.site, self.now, c.id) for c in self.site.config.components}

    @cached_property
    def recent_days(self) -> list[tuple[date, list[Incident]]]:
        """The last days, newest first, each with the incidents that started on it."""
        tz = self.site.config.timezone
        today = self.now.astimezone(tz).date()
        by_day = self.by_day
        return [(d, by_day.get(d, [])) for d in
                (today - timedelta(days=n) for n in range(RECENT_DAYS))]

    @cached_property
    def by_day(self) -> dict[date, list[Incident]]:
        tz = self.site.config.timezone
        days: dict[date, list[Incident]] = defaultdict(list)
        for incident in self.history:
            days[incident.started.astimezone(tz).date()].append(incident)
        return days

    @cached_property
    def history(self) -> tuple[Incident, ...]:
        """What the archive lists: started incidents and maintenance that has begun."""
        return tuple(i for i in self.site.incidents if i.started <= self.now)

    @cached_property
    def months(self) -> dict[tuple[int, int], list[Incident]]:
        tz = self.site.config.timezone
        months: dict[tuple[int, int], list[Incident]] = defaultdict(list)
        for incident in self.history:
            local = incident.started.astimezone(tz)
            months[(local.year, local.month)].append(incident)
        return dict(sorted(months.items(), reverse=True))

    def maintenance_of(self, component_id: str) -> list[Incident]:
        """Maintenance in progress or coming up that names the component."""
        return [i for i in (*self.active_maintenance, *self.upcoming_maintenance)
                if component_id in i.components]

    def incidents_of(self, component_id: str) -> list[Incident]:
        return [i for i in self.history if component_id in i.components]
