"""The Snapshot's lists, worked out run by run: a long history is cut into runs of
consecutive views, and each run's share of every list is worked out once while its views
stay the same objects (those kept, see ``settled.py``), then joined at C speed.

A run's share is a pure function of its views and the site's time zone: membership that
seems to need ``now`` is read from each view's own moment (``view.at``), which is ``now``
for a view worked out at this build, for a settled view a moment after every time it
names, and for another kept view a moment with no time it names between it and
``now``. What truly moves with ``now`` (what ended in the last days) is kept sorted by
time, so that a build reads only the views near the edge.

Runs are counted from the oldest end of the history, so that a new incident, which comes
first, leaves every older run as it was; an update changes its own run only.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import partial
from itertools import chain
from operator import attrgetter, eq, itemgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from statuspage.model import MaintenanceStatus
from statuspage.state import chunks as chunking
from statuspage.state import joins
from statuspage.state.settled import Joined, from_the_oldest_end, piece, same_objects
from statuspage.state.view import IncidentView

if TYPE_CHECKING:
    from statuspage.state.settled import Settled

# Views a run holds: a change works out this many again, and so does the build after a
# time one of its incidents names has come (an open incident's promise, a window's start).
# 1,024 on a site with 300 open incidents in 11 runs, each worked out again at every
# round then, cost 0.1 s a round more (docs/performance.md).
RUN = 256

_FIRST = itemgetter(0)
_STAMP = itemgetter(0, 1)  # a walk's time and id (a tuple each: 11 MB at 100,000 incidents)


class Run:
    """One run's share of every list the Snapshot joins (see status.py for each list)."""

    __slots__ = ("views", "tz", "published", "history", "open", "by_day", "months",
                 "changed_at", "history_by_component", "references", "announced", "walk",
                 "totals", "low", "high", "news", "first_started", "ended", "unended",
                 "open_published", "lasts", "unlasted", "scheduled", "shards", "works",
                 "works_by_component", "windows", "month_counts", "chunk")

    def __init__(self, views: tuple[IncidentView, ...], tz: ZoneInfo,
                 previous: Run | None = None):
        self.views, self.tz = views, tz
        self.chunk: dict | None = None  # the chunk of views it was cut from (``cut``)
        self.published = [v for v in views if v.published]
        self.history = [v for v in views if v.started <= v.at]
        self.open = [v for v in views if v.is_open]
        self.by_day: dict[date, list[IncidentView]] = defaultdict(list)
        self.months: dict[tuple[int, int], list[IncidentView]] = defaultdict(list)
        self.history_by_component = by_component(self.history)
        for view in self.history:
            local = view.started.astimezone(tz)
            self.months[(local.year, local.month)].append(view)
            if not view.is_open:  # those in progress are listed as such
                self.by_day[local.date()].append(view)
        # each month's (incidents and maintenance, maintenance): what the archive counts
        self.month_counts = {month: (len(views), sum(v.is_maintenance for v in views))
                             for month, views in self.months.items()}
        self.changed_at = _changed_at(views)
        self.first_started = min((v.started for v in views), default=None)
        self._published_shares()
        self._edges()
        self._shards(previous)

    def _shards(self, previous: Run | None) -> None:
        """Its references and their incidents' ids by the reference's first character, each
        sorted; a list equal to the one the run held before at its place is that one (an
        update leaves the reference lookup's files the same objects)."""
        shards: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for reference, view in sorted(self.references.items()):
            shards[reference[0]].append((reference, view.id))
        before = previous.shards if previous is not None else {}
        self.shards: dict[str, list[tuple[str, str]]] = {
            first: before[first] if before.get(first) == pairs else pairs
            for first, pairs in shards.items()}

    def _published_shares(self) -> None:
        """What is read of the published views: by reference, by news, by window."""
        published = self.published
        self.references = {view.incident.reference: view for view in published}
        self.announced = sorted(((v.announced, v.id, v) for v in published), key=_STAMP,
                                reverse=True)
        self.walk = sorted(((v.updates[0].time, v.id, v) for v in published if v.updates),
                           key=_STAMP, reverse=True)
        self.totals: dict[str | None, int] = defaultdict(int)
        for view in published:
            if view.updates:
                self.totals[None] += len(view.updates)
                for component_id in view.incident.components:
                    self.totals[component_id] += len(view.updates)
        self.scheduled = [v for v in published if v.is_maintenance
                          and v.status == MaintenanceStatus.SCHEDULED]
        # (window's start, id, view), the latest first: what the calendars list, merged
        self.works = sorted(((v.incident.maintenance.start, v.id, v) for v in published
                             if v.incident.maintenance is not None), key=_STAMP, reverse=True)
        # (window's start, place, view), the latest first, those of one start in the site's
        # order (a stable sort): what the API's latest maintenance lists, merged
        self.windows = sorted(((v.incident.maintenance.start, at, v) for at, v in
                               enumerate(published) if v.incident.maintenance is not None),
                              key=_FIRST, reverse=True)
        self.works_by_component: dict[str, list[tuple]] = defaultdict(list)
        for work in self.works:
            for component_id in work[2].incident.components:
                self.works_by_component[component_id].append(work)
        self.news = max((v.updates[0].time for v in published if v.updates), default=None)
        self.low = self.high = None
        for view in published:
            _, low, high = view.times
            if low is not None and high is not None:
                self.low = low if self.low is None or low < self.low else self.low
                self.high = high if self.high is None or high > self.high else self.high

    def _edges(self) -> None:
        """What moves with ``now``, sorted by the time it moves at, newest first (each
        with its place in the run, to give the views back in the site's order)."""
        ended, self.unended, self.open_published = [], [], []
        for at, view in enumerate(self.views):
            if not view.published:
                continue
            if view.ended is None:
                self.unended.append((at, view))
            else:
                ended.append((view.ended, at, view))
            if view.is_open:
                self.open_published.append((at, view))
        self.ended = sorted(ended, key=_FIRST, reverse=True)
        lasts, self.unlasted = [], []
        for at, view in enumerate(self.views):
            # (as ``uptime.component_spans`` reads it: a maintenance lasts its window)
            last = view.ended if view.incident.maintenance is None else \
                view.incident.maintenance.end
            if last is None:
                self.unlasted.append((at, view))
            else:
                lasts.append((last, at, view))
        self.lasts = sorted(lasts, key=_FIRST, reverse=True)


def cut(views: Mapping[str, IncidentView], tz: ZoneInfo, settled: Settled) -> list[Run]:
    """The runs of ``views`` (the site's order, newest first), each taken from those
    ``settled`` kept (by its place counted from the oldest end) while it holds the same
    view objects. When ``views`` are the last ``views_at``'s, in its chunks (a dict each,
    never changed), a run cut from a chunk that is the same dict is taken without a look
    at its views (at 100,000 incidents, looking at all of them took 4 ms a round)."""
    kept, last = settled.runs, settled.last
    chunks = views.parts if isinstance(views, Joined) and last is not None and \
        last[3] is views else None
    if chunks is None or not _whole(chunks, len(views)):
        return _cut(tuple(views.values()), tz, kept)
    per, count, found = chunking.CHUNK // RUN, (len(views) + RUN - 1) // RUN, []
    for number, chunk in zip(range(len(chunks) - 1, -1, -1), chunks, strict=True):
        numbers = range(min(count, (number + 1) * per) - 1, number * per - 1, -1)
        held = [kept.get(at) for at in numbers]
        if all(run is not None and run.chunk is chunk and run.tz == tz for run in held):
            found += [run for run in held if run is not None]
            continue
        every = tuple(chunk.values())
        for at, run in zip(numbers, held, strict=True):
            part = piece(every, at - number * per, RUN)
            if run is None or run.tz != tz or not same_objects(run.views, part):
                run = kept[at] = Run(part, tz, run)
            run.chunk = chunk
            found.append(run)
    return _forget_past(kept, found)


def _whole(chunks: list[dict[str, IncidentView]], count: int) -> bool:
    """Whether ``chunks`` hold ``count`` views, the newest alone short (no id twice)."""
    size = chunking.CHUNK
    return size % RUN == 0 and sum(map(len, chunks)) == count and \
        all(len(chunk) == size for chunk in chunks[1:])


def _cut(every: tuple[IncidentView, ...], tz: ZoneInfo, kept: dict[int, Run]) -> list[Run]:
    found = []
    for number, part in from_the_oldest_end(every, RUN):
        held = kept.get(number)
        if held is None or held.tz != tz or not same_objects(held.views, part):
            held = kept[number] = Run(part, tz, held)
        found.append(held)
    return _forget_past(kept, found)


def _forget_past(kept: dict[int, Run], found: list[Run]) -> list[Run]:
    for number in [n for n in kept if n >= len(found)]:
        del kept[number]
    return found


def joined(runs_: list[Run], name: str) -> list:
    """One list of every run's share, in the site's order."""
    return list(chain.from_iterable(getattr(run, name) for run in runs_))


def first_of(runs_: list[Run], name: str, key: object, count: int) -> list:
    """The first ``count`` of every run's ``name`` list under ``key``, joined in the
    runs' order (as ``joins.grouped`` joins them), reading no further."""
    found: list = []
    for run in runs_:
        part = getattr(run, name).get(key)
        if part:
            found += part[:count - len(found)]
            if len(found) >= count:
                break
    return found


def shards(runs_: list[Run], settled: Settled) -> dict[str, dict[str, str]]:
    """The reference lookup's files (references unique: see ``Run._shards``), each the
    one the last Snapshot's kept while its runs' lists are the same objects; all of them
    the last ones while each run that changed holds the same lists (an update's)."""
    return joins.kept(settled, "shards", runs_, attrgetter("shards"), joins.same_lists,
                      partial(_shards, kept=settled.shards))


def _shards(runs_: list[Run], kept: dict[str, tuple]) -> dict[str, dict[str, str]]:
    firsts = sorted({first for run in runs_ for first in run.shards})
    found = {}
    for first in firsts:
        parts = tuple(run.shards[first] for run in runs_ if first in run.shards)
        held = kept.get(first)
        if held is None or not same_objects(held[0], parts):
            held = kept[first] = (parts, dict(sorted(chain.from_iterable(parts))))
        found[first] = held[1]
    return found


def by_reference(runs_: list[Run], settled: Settled) -> Joined[str, IncidentView]:
    """Every run's references read as one (of two runs with one reference, the older's
    view), with the last one's index (``settled.references``, ``Joined``)."""
    settled.references = Joined([run.references for run in runs_], settled.references)
    return settled.references


def changed_at(runs_: list[Run], settled: Settled) -> dict[str, datetime]:
    """When each service's status last changed (the last join while the runs that
    changed have the same times)."""
    return joins.kept(settled, "changed_at", runs_, attrgetter("changed_at"), eq,
                      _latest_changes)


def _latest_changes(runs_: list[Run]) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for run in runs_:
        for component_id, moment in run.changed_at.items():
            held = found.get(component_id)
            found[component_id] = moment if held is None or moment > held else held
    return found


def since(runs_: list[Run], moment: datetime, name: str, edges: str,
          after: bool = False) -> list[IncidentView]:
    """The views of ``name`` (``unended``, ``open_published``, ``unlasted``) and those whose
    time in ``edges`` (``ended``, ``lasts``) is at ``moment`` or later (``after``: later
    only), in the site's order: the walk of each run stops at its first older one."""
    return [view for chosen in since_each(runs_, moment, name, edges, after)
            for _, view in chosen]


def since_each(runs_: list[Run], moment: datetime, name: str, edges: str,
               after: bool = False) -> list[list[tuple[int, IncidentView]]]:
    """``since``'s views run by run, each with its place in its run, in that order. Each
    run's ``edges`` are cut where they pass ``moment`` by a bisection, not read one by
    one up to there."""
    if after:
        def past(item: tuple) -> bool:
            return item[0] <= moment
    else:
        def past(item: tuple) -> bool:
            return item[0] < moment
    found: list[list[tuple[int, IncidentView]]] = []
    for run in runs_:
        named, timed = getattr(run, name), getattr(run, edges)
        if not named and (not timed or past(timed[0])):
            found.append([])  # (most runs of a long history: nothing, known at once)
            continue
        # (``timed`` is newest first: ``past`` is false, then true)
        count = bisect_left(timed, True, key=past)
        found.append(sorted([*named, *((at, view) for _, at, view in timed[:count])],
                            key=_FIRST) if count else list(named))
    return found


def lasting(runs_: list[Run], moment: datetime) -> list[IncidentView]:
    """The views that last past ``moment`` (their end, or their window's end for a
    maintenance), or have no end yet, in the site's order: what the uptime bars may show."""
    return since(runs_, moment, "unlasted", "lasts", after=True)


def latest_windows(runs_: list[Run], component_id: str | None, count: int,
                   settled: Settled) -> list[tuple]:
    """The ``count`` published maintenance (of one component, if given) with the latest
    windows, as (window's start, id, view), the latest first: what a calendar lists (the
    last one while the runs that changed list the same maintenance)."""
    def works(run: Run) -> list[tuple] | None:
        return run.works if component_id is None else run.works_by_component.get(component_id)

    return joins.kept(settled, ("works", component_id, count), runs_, works, joins.same_views,
                      lambda every: first_merged(map(works, every), count, _STAMP))


def latest_maintenance(runs_: list[Run], count: int) -> list[IncidentView]:
    """The ``count`` published maintenance with the latest windows, the latest first, those
    of one start in the site's order: what the API's maintenance list shows."""
    return [view for _, _, view in first_merged((run.windows for run in runs_), count,
                                                _FIRST)]


def first_merged(parts: Iterable[list[tuple] | None], count: int,
                 key: Callable[[tuple], Any]) -> list[tuple]:
    """The first ``count`` of ``heapq.merge(*parts, key=key, reverse=True)`` (each list
    sorted so, the greatest first; of equal keys, the earlier list's first), reading of
    each list only what may be among them: its first ``count``, and none of a list whose
    greatest is not above the ``count``-th found so far (of an equal key, an earlier
    list's comes first). The runs are in the site's order, so that past the newest few
    most are passed over at a glance (a merge set out every run's list: 391 of them at
    100,000 incidents, for each of the 10 calendars at each round)."""
    found: list[tuple] = []
    for part in parts if count > 0 else ():
        if not part or len(found) >= count and key(part[0]) <= key(found[-1]):
            continue
        found += part[:count]
        found.sort(key=key, reverse=True)  # (stable: the earlier list's first, as merged)
        del found[count:]
    return found


def on_day(runs_: list[Run], day: date) -> list[IncidentView]:
    """Every run's ``by_day[day]`` joined in the runs' order (an empty list for none): one
    day's, read from each run's without joining every day."""
    return [view for run in runs_ for view in run.by_day.get(day, ())]


def published_count(runs_: list[Run]) -> int:
    return sum(len(run.published) for run in runs_)


def newest_first(runs_: list[Run], name: str) -> Iterator[tuple]:
    """Every run's sorted (time, id, view) (``announced``, ``walk``) as one walk, newest
    first, read only as far as the caller goes."""
    return heapq.merge(*(getattr(run, name) for run in runs_), key=_STAMP, reverse=True)


def by_component(views: list[IncidentView]) -> dict[str, list[IncidentView]]:
    found: dict[str, list[IncidentView]] = defaultdict(list)
    for view in views:
        for component_id in view.incident.components:
            found[component_id].append(view)
    return found


def _changed_at(views: Iterable[IncidentView]) -> dict[str, datetime]:
    changed: dict[str, datetime] = {}
    for view in views:
        transitions = view.times.transitions
        for component_id in view.incident.components if transitions else ():
            changed[component_id] = max(changed.get(component_id, transitions[-1]),
                                        transitions[-1])
    return changed
