"""Each component's uptime, day by day: what its open incidents and maintenance weighed on
it, in the site's days."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from statuspage.model import ComponentStatus, MaintenanceStatus, Site
from statuspage.state import runs
from statuspage.state.overall import worst
from statuspage.state.runs import Run
from statuspage.state.settled import Settled
from statuspage.state.view import IncidentView

UPTIME_DAYS = 90
UPTIME_WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}


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
        times = [*view.times.transitions]  # the view's moment: now, or (settled) final
        times += [now] if len(times) % 2 else []
        spells = list(zip(times[::2], times[1::2], strict=True))
    found = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in spells]
    return [(start, end) for start, end in found if end > start]


def _final(view: IncidentView) -> bool:
    """Whether a settled view's spans are the same at every moment it is shown: from the
    moment it settled on (``Settled.view``), when every time it names has come, its
    window's end too. All but those of what is still open, whose last spell may end at
    each moment."""
    return not len(view.times.transitions) % 2


def window_of(tz: ZoneInfo, now: datetime, days: int) -> datetime:
    """The start of the last ``days`` days (the first at midnight in ``tz``), in UTC."""
    first_day = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first_day, time(), tz).astimezone(UTC)


def component_spans(runs_: list[Run], now: datetime, site: Site, days: int,
                    settled: Settled | None = None) -> dict[str, list[tuple]]:
    """Each component's spans (start, end, status, incident id) in the last ``days`` days,
    from the views of ``runs_`` (a Snapshot's) that last into them. ``settled``: the
    caller's memory of settled incidents, which keeps a settled view's spans when they no
    longer depend on ``now`` (``_final``), and a run's whole share while its views are the
    same and all such: a daemon's build works out again only those of the runs with an
    incident still moving (at 100,000 incidents, 8,000 views in 32 runs last into the
    window, 9 of them with one moving; going over them all took 0.1-0.18 s a build)."""
    window_start = window_of(site.config.timezone, now, days)
    found: dict[str, list[tuple]] = defaultdict(list)
    kept: dict[int, tuple] = settled.run_spans if settled is not None else {}
    for number, run in zip(range(len(runs_) - 1, -1, -1), runs_, strict=True):
        held = kept.get(number)
        if held is not None and held[0] is run and held[1] == window_start:
            share = held[2]
        else:
            share, final = view_spans(runs.lasting([run], window_start), now, window_start,
                                      settled)
            if final and settled is not None:
                kept[number] = (run, window_start, share)
        for component_id, spans in share.items():
            found[component_id] += spans
    return found


def view_spans(views: list[IncidentView], now: datetime, window_start: datetime,
               settled: Settled | None = None) -> tuple[dict[str, list[tuple]], bool]:
    """The spans of ``views`` (a run's lasting into the window) on each component, in
    their order; and whether they are the same at every moment (each view settled and
    ``_final``). ``settled``: as ``component_spans``'s."""
    found: dict[str, list[tuple]] = defaultdict(list)
    memo = settled.spans if settled is not None else {}
    final = True
    for view in views:
        # What ended before the window cannot weigh on it (most of a long history): a
        # maintenance's span ends by its window's end, an incident's when it ended.
        incident = view.incident
        last = view.ended if incident.maintenance is None else incident.maintenance.end
        if last is not None and last <= window_start:
            continue
        held = memo.get(id(view))
        if held is not None and held[0] is view:
            spans = held[1]
        else:
            spans = _span(view, now)
            if settled is not None and settled.keeps(view) and _final(view):
                memo[id(view)] = (view, spans)  # (the view held: its id is not reused)
            else:
                final = False
        for span in spans:
            if span[1] <= window_start:
                continue
            for component_id, status in view.incident.components.items():
                found[component_id].append((*span, status, view.incident.id))
    return found, final


def uptime_days(spans: list[tuple], site: Site, now: datetime, days: int,
                since: date | None = None,
                kept: tuple[dict, str] | None = None) -> list[DayUptime]:
    """A major outage counts fully, a partial outage at 30 %, degraded performance and
    maintenance not at all. Overlapping incidents count once, at the worst weight.

    All arithmetic in UTC: two times in one ZoneInfo subtract as wall-clock times, which
    is an hour off across a daylight-saving change. ``kept``: the memo of a caller that
    builds again and again, and the service's id. It holds each day by all its figure
    depends on (its bounds and spans), and the service's days before today by the spans
    that reach them (an open incident's span ends at each build's moment, which changes no
    past day): a build works out again only today, and the days a change touches.
    """
    bounds = _day_bounds(site.config.timezone, now, days)
    if kept is None:
        return _days(spans, bounds, since, None)
    memo, component = kept
    end = now.astimezone(UTC)
    shape = (bounds[:-1], since, tuple([(start, None if stop == end else stop, *rest)
                                        for start, stop, *rest in spans]))
    held = memo.get(place := ("days before today", component))
    if held is not None and held[0] == shape:
        return [*held[1], *_days(spans, bounds[-1:], since, memo)]
    result = _days(spans, bounds, since, memo)
    memo[place] = (shape, result[:-1])
    return result


def _days(spans: list[tuple], bounds: tuple[tuple[date, datetime, datetime], ...],
          since: date | None, memo: dict | None) -> list[DayUptime]:
    """The figure of each day of ``bounds`` (consecutive), from the spans."""
    # Each day's spans, in their order: each span goes to the days it overlaps, from the
    # one it starts on (or the first) to the last that starts before it ends.
    starts = [day_start for _, day_start, _ in bounds]
    overlapping: list[list[tuple]] = [[] for _ in bounds]
    for span in spans:
        for at in range(max(bisect_right(starts, span[0]) - 1, 0), len(bounds)):
            if starts[at] >= span[1]:
                break
            overlapping[at].append(span)
    result = []
    for (day, day_start, day_end), here in zip(bounds, overlapping, strict=True):
        if since is not None and day < since:
            result.append(DayUptime(day, 1.0, ComponentStatus.OPERATIONAL, (), known=False))
            continue
        if memo is None:
            result.append(_day(day, day_start, day_end, here))
            continue
        # By its spans as the day sees them.
        found = memo.get(held := (day, day_start, day_end, tuple(
            (max(start, day_start), min(end, day_end), *rest) for start, end, *rest in here)))
        if found is None:
            found = memo[held] = _day(day, day_start, day_end, here)
        result.append(found)
    return result


def _day(day: date, day_start: datetime, day_end: datetime, here: list[tuple]) -> DayUptime:
    """One day's uptime, from the spans that overlap it."""
    length = (day_end - day_start).total_seconds()
    down = weighted_downtime(here, day_start, day_end) if here and length > 0 else 0.0
    return DayUptime(
        day=day,
        uptime=max(0.0, 1.0 - down / length) if length > 0 else 1.0,
        worst=worst(s[2] for s in here),
        incidents=tuple(dict.fromkeys(s[3] for s in here)),
    )


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


def weighted_downtime(spans, start: datetime, end: datetime) -> float:
    """The seconds between ``start`` and ``end``, each stretch between two of the spans'
    ends (clipped to them) weighted by the worst span over all of it; every time in UTC,
    as ``_days`` gives them (two times of one zone compare by the clock, wrong in the
    hour a clock goes back). Each span is counted from the first stretch it covers to the
    last, then the stretches are summed in their order: a span against every stretch was
    n² (1,580 open incidents on one day at 100,000: 17 ms a daemon's round)."""
    points = sorted({start, end, *(max(s[0], start) for s in spans),
                     *(min(s[1], end) for s in spans)})
    changes: dict[float, list[int]] = {}  # by weight: spans starting (+1), ending (-1) there
    for span in spans:
        weight = UPTIME_WEIGHT.get(span[2], 0.0)
        first, last = bisect_left(points, span[0]), bisect_right(points, span[1]) - 1
        if weight > 0.0 and first < last:  # (a span of no weight is the default's 0.0)
            counted = changes.setdefault(weight, [0] * len(points))
            counted[first] += 1
            counted[last] -= 1
    weights = sorted(changes, reverse=True)
    over = dict.fromkeys(weights, 0)
    total = 0.0
    for at, (left, right) in enumerate(pairwise(points)):
        for weight in weights:
            over[weight] += changes[weight][at]
        weight = next((w for w in weights if over[w]), 0.0)
        if weight:
            total += weight * (right - left).total_seconds()
    return total


def uptime_percent(days: list[DayUptime]) -> float:
    """Over the days with data."""
    known = [d for d in days if d.known]
    return 100.0 * sum(d.uptime for d in known) / len(known) if known else 100.0

