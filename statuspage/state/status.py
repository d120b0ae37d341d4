"""What is true at a given ``now``: the Snapshot, every list the outputs read, each worked
out once from the incidents' views (``statuspage.state.view``). Pure: no I/O, no Flask."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from itertools import chain, islice

from statuspage.model import Area, ComponentStatus, Site, Update
from statuspage.state import instants, joins, postcodes, runs
from statuspage.state.chunks import views_at
from statuspage.state.newest import newest_updates
from statuspage.state.overall import Indicator, indicator_of, worst
from statuspage.state.settled import Joined, Settled
from statuspage.state.uptime import (
    UPTIME_DAYS,
    DayUptime,
    component_spans,
    uptime_days,
    uptime_percent,
)
from statuspage.state.view import IncidentView, Version

# The names the outputs read from this module: the Snapshot's and its parts'.
__all__ = ["Snapshot", "IncidentView", "Indicator", "DayUptime", "Version", "worst",
           "uptime_percent", "FOLLOW_DAYS", "LATEST", "RECENT_DAYS"]

FOLLOW_DAYS = 90  # an incident's own feeds stay this long after it ends
LATEST = 20  # incidents the history page lists before its months
RECENT_DAYS = 7


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
    def views(self) -> Joined[str, IncidentView]:
        """Every incident's view, by id, newest started first."""
        return views_at(self.site.incidents, self.now, self.site.config.promise_grace,
                        self.settled, self.site.patched_from)

    def view(self, incident_id: str) -> IncidentView | None:
        return self.views.get(incident_id)

    @cached_property
    def view_runs(self) -> list[runs.Run]:
        """The views in runs, newest first, each run's share of the lists below worked out
        once while its views stay the same (``runs.py``)."""
        return runs.cut(self.views, self.site.config.timezone, self.settled)

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
        """Each group's status: the worst of its members'."""
        members, statuses = self.site.config.members, self.components
        return {g.id: worst(statuses[c.id] for c in members.get(g.id, ()))
                for g in self.site.config.groups}

    @cached_property
    def indicator(self) -> Indicator:
        return indicator_of(self.components, len(self.open_incidents),
                            len(self.active_maintenance))

    @cached_property
    def published(self) -> tuple[IncidentView, ...]:
        """Incidents that have started; maintenance once announced (its first update is
        published) or begun."""
        return tuple(runs.joined(self.view_runs, "published"))

    def published_walk(self) -> Iterator[IncidentView]:
        """``published``, read only as far as the caller goes (not joined whole)."""
        if "published" in self.__dict__:
            return iter(self.published)
        return chain.from_iterable(run.published for run in self.view_runs)

    @cached_property
    def latest_news(self) -> datetime:
        """The time of the newest published update (else of the first incident): what
        changes only when there is news, unlike ``now``."""
        news = [run.news for run in self.view_runs if run.news is not None]
        return max(news, default=None) or self._first_started or datetime(1970, 1, 1,
                                                                           tzinfo=UTC)

    @cached_property
    def _first_started(self) -> datetime | None:
        return min((run.first_started for run in self.view_runs if run.first_started is not None),
                   default=None)

    @cached_property
    def event_span(self) -> tuple[datetime | None, datetime | None]:
        """The first and the last event of the published incidents (a transition, an
        update, a start): when the page began, and when it last changed."""
        lows = [run.low for run in self.view_runs if run.low is not None]
        highs = [run.high for run in self.view_runs if run.high is not None]
        return min(lows, default=None), max(highs, default=None)

    @cached_property
    def changed_at(self) -> dict[str, datetime]:
        """The last time each component's status changed, for those that ever did."""
        return runs.changed_at(self.view_runs, self.settled)

    @cached_property
    def open_views(self) -> list[IncidentView]:
        return runs.joined(self.view_runs, "open")

    @cached_property
    def open_incidents(self) -> list[IncidentView]:
        return [v for v in self.open_views if not v.is_maintenance]

    @cached_property
    def open_by_impact(self) -> list[IncidentView]:
        """The open incidents, the most severe first (in the site's order within an
        impact): the home page's cards, sorted once for every language's page."""
        return sorted(self.open_incidents, key=lambda v: v.incident.impact.rank, reverse=True)

    @cached_property
    def active_maintenance(self) -> list[IncidentView]:
        return [v for v in self.open_views if v.is_maintenance]

    @cached_property
    def scheduled_maintenance(self) -> list[IncidentView]:
        """Every published maintenance still to come, soonest first."""
        return sorted(runs.joined(self.view_runs, "scheduled"), key=lambda v: v.maintenance.start)

    @cached_property
    def upcoming_maintenance(self) -> list[IncidentView]:
        """Maintenance still to come that starts within ``upcoming_days``, soonest first."""
        days = self.site.config.upcoming_days
        return [v for v in self.scheduled_maintenance if v.upcoming(self.now, days)]

    def next_changes(self) -> list[tuple[datetime, str]]:
        """The instants after ``now`` at which this changes by itself, each with why
        (``statuspage.state.instants``): what the daemon rebuilds at."""
        return instants.next_changes(self)

    def uptime(self, component_id: str) -> list[DayUptime]:
        return self._uptime[component_id]

    @cached_property
    def _uptime(self) -> dict[str, list[DayUptime]]:
        spans = component_spans(self.view_runs, self.now, self.site, UPTIME_DAYS,
                                self.settled)
        return {c.id: uptime_days(spans.get(c.id, []), self.site, self.now, UPTIME_DAYS,
                                  self.since(c.id), (self.settled.days, c.id))
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
        first = self._first_started
        return first.astimezone(self.site.config.timezone).date() if first is not None \
            else None

    @cached_property
    def recent_days(self) -> list[tuple[date, list[IncidentView]]]:
        """The last days, newest first, each with the incidents that started on it."""
        tz = self.site.config.timezone
        today = self.now.astimezone(tz).date()
        return [(d, runs.on_day(self.view_runs, d)) for d in
                (today - timedelta(days=n) for n in range(RECENT_DAYS))]

    @cached_property
    def open_days(self) -> frozenset[date]:
        """The days on which what is still in progress started: not quiet days, though the
        past incidents do not list it (it is shown as in progress)."""
        tz = self.site.config.timezone
        return frozenset(v.started.astimezone(tz).date() for v in self.open_views
                         if v.started <= v.at)  # (those of the history: see runs.py)

    @cached_property
    def history(self) -> tuple[IncidentView, ...]:
        """What the archive lists: started incidents and maintenance that has begun."""
        return tuple(runs.joined(self.view_runs, "history"))

    @cached_property
    def months(self) -> dict[tuple[int, int], list[IncidentView]]:
        found = joins.grouped(self.settled, self.view_runs, "months")
        return dict(sorted(found.items(), reverse=True))

    def month_around(self, year: int, month: int) -> tuple[tuple[int, int] | None,
                                                          tuple[int, int] | None]:
        """The months with incidents just before and just after (year, month)."""
        return self._around[(year, month)]

    @cached_property
    def _around(self) -> dict[tuple[int, int], tuple[tuple[int, int] | None,
                                                     tuple[int, int] | None]]:
        """``month_around`` of every month, found once (each month's page asks: looking
        each up in the list was 660² steps a build, at 100,000 incidents over 55 years)."""
        months = list(self.months)  # newest first
        return {month: (months[at + 1] if at + 1 < len(months) else None,
                        months[at - 1] if at > 0 else None) for at, month in enumerate(months)}

    @cached_property
    def month_counts(self) -> dict[tuple[int, int], tuple[int, int]]:
        """Each month's count of what the archive lists and, of them, of maintenance, the
        oldest month first: summed from the runs' counts, not counted over the history."""
        found: dict[tuple[int, int], tuple[int, int]] = {}
        for run in self.view_runs:
            for month, (count, works) in run.month_counts.items():
                held = found.get(month)
                found[month] = (count, works) if held is None else \
                    (held[0] + count, held[1] + works)
        return dict(sorted(found.items()))

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
    def by_reference(self) -> Joined[str, IncidentView]:
        """Published incidents by their short reference."""
        return runs.by_reference(self.view_runs, self.settled)

    @cached_property
    def references_by_first(self) -> dict[str, dict[str, str]]:
        """Published incidents' ids by reference, grouped by the reference's first
        character (what the lookup box loads, one small file each), all sorted. Each is
        the same object as the last Snapshot's while its runs' shares are (``runs.py``)."""
        if len(self.by_reference) != runs.published_count(self.view_runs):  # (a lenient load)
            found: dict[str, dict[str, str]] = {}
            for reference, view in sorted(self.by_reference.items()):
                found.setdefault(reference[0], {})[reference] = view.id
            return found
        return runs.shards(self.view_runs, self.settled)

    @cached_property
    def current_and_recent(self) -> list[IncidentView]:
        """What is open now (incidents, maintenance in progress) and what ended in the last
        ``RECENT_DAYS``: what a place's page lists."""
        return runs.since(self.view_runs, self.now - timedelta(days=RECENT_DAYS), "open_published",
                     "ended")

    @cached_property
    def zones(self) -> dict[str, list[IncidentView]]:
        """Every postal code or prefix an open or recent incident names, with what concerns
        it (its areas match the code, or are within it, or it is everywhere), sorted."""
        return postcodes.zones(self.current_and_recent)

    @cached_property
    def zone_areas(self) -> dict[str, Area]:
        """What the places' pages call each code (``postcodes.labels``)."""
        return postcodes.labels(self.current_and_recent)

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
        return [view for chosen in self.followed_each for _, view in chosen]

    @cached_property
    def followed_each(self) -> list[list[tuple[int, IncidentView]]]:
        """``followed`` run by run (``view_runs``'s), each with its place in its run."""
        return runs.since_each(self.view_runs, self.now - timedelta(days=FOLLOW_DAYS),
                               "unended", "ended")

    def follows(self, view: IncidentView) -> bool:
        """Whether the incident has feeds of its own (one of ``followed``)."""
        return view.id in self.followed_ids

    @cached_property
    def followed_ids(self) -> frozenset[str]:
        return frozenset(view.id for view in self.followed)

    @cached_property
    def not_found_by_reference(self) -> frozenset[str]:
        """The published incidents whose reference finds another (of two with one: a
        lenient load's error); none when every reference is another."""
        if len(self.by_reference) == runs.published_count(self.view_runs):
            return frozenset()
        return frozenset(view.id for view in self.published
                         if self.by_reference[view.incident.reference] is not view)

    @cached_property
    def by_announcement(self) -> list[IncidentView]:
        """Published incidents, the last announced first."""
        return [view for _, _, view in runs.newest_first(self.view_runs, "announced")]

    def last_announced(self, count: int) -> list[IncidentView]:
        """The first ``count`` of ``by_announcement``, without sorting the rest."""
        if "by_announcement" in self.__dict__:
            return self.by_announcement[:count]
        return [view for _, _, view in islice(runs.newest_first(self.view_runs, "announced"),
                                              count)]

    def maintenance_of(self, component_id: str) -> list[IncidentView]:
        """Maintenance in progress or coming up that names the component."""
        return self._maintenance_by_component.get(component_id, [])

    @cached_property
    def _maintenance_by_component(self) -> dict[str, list[IncidentView]]:
        return runs.by_component([*self.active_maintenance, *self.upcoming_maintenance])

    def incidents_of(self, component_id: str, count: int) -> list[IncidentView]:
        """The first ``count`` of the history (``history``'s order) naming the component:
        what its page lists. Read from the newest runs on, no further than that (the whole
        history by component was joined at each daemon's round: 6 ms at 100,000)."""
        held = self._incidents_of.get((component_id, count))
        if held is None:
            held = self._incidents_of[component_id, count] = runs.first_of(
                self.view_runs, "history_by_component", component_id, count)
        return held

    @cached_property
    def _incidents_of(self) -> dict[tuple[str, int], list[IncidentView]]:
        return {}

    def planned(self, component_id: str | None, count: int) -> list[IncidentView]:
        """The ``count`` published maintenance (of one component, if given) with the latest
        windows (start, then id), latest first: what a calendar lists. From the runs'
        shares, reading ``count`` of them, not every one (``runs.latest_windows``)."""
        held = self._planned.get((component_id, count))
        if held is None:
            found = runs.latest_windows(self.view_runs, component_id, count, self.settled)
            held = self._planned[component_id, count] = [view for _, _, view in found]
        return held

    def latest_maintenance(self, count: int) -> list[IncidentView]:
        """The ``count`` published maintenance with the latest windows, the latest first
        (of one start, in the site's order): what the API lists."""
        return runs.latest_maintenance(self.view_runs, count)

    @cached_property
    def _planned(self) -> dict[tuple[str | None, int], list[IncidentView]]:
        return {}

    def latest_updates(self, component_id: str | None) -> list[tuple[Update, IncidentView]]:
        """The ``feed_entries`` newest published updates (of one component's incidents),
        newest first: what a feed lists."""
        return self._latest_updates.get(component_id, [])

    @cached_property
    def _latest_updates(self) -> dict[str | None, list[tuple[Update, IncidentView]]]:
        totals: dict[str | None, int] = {}
        for run in self.view_runs:
            for group, count in run.totals.items():
                totals[group] = totals.get(group, 0) + count
        return newest_updates(runs.newest_first(self.view_runs, "walk"), totals,
                              self.site.config.feed_entries)
