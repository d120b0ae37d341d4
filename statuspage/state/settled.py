"""What one caller keeps of settled incidents from one Snapshot to the next.

A settled incident's view no longer changes (``view.settled_from``): a caller that
renders again and again (the daemon's builds, through their ``freeze.caches.Caches``; a
preview's app) hands the same ``Settled`` to each Snapshot, which then computes each such
view once and keeps that one object, which the builder recognises as unchanged, with what is
derived from it alone (its times, which the API reads). Without one, a Snapshot
makes its own: it is then a pure function of (site, now), and so is everything derived
from it.

An incident still to settle has the same view from one time it names to the next (each
comparison with ``now`` turns at one of them): it too is kept, for that span, so that an
open incident's view is one object from build to build until its promised update comes.
Its moment (``view.at``) is then the one it was worked out for, in that span.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import chain
from operator import is_
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from statuspage.model import Incident
    from statuspage.state.runs import Run
    from statuspage.state.view import IncidentView

SLACK = 3  # views kept per incident of the site, past which all are forgotten
DAYS_KEPT = 20_000  # days of uptime kept (a few builds' worth of services × 90 days)
LINES_KEPT = 50_000  # lines kept at least (a few builds of a large site's moment pages)


T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class Settled:
    """Settled incidents' views, and those still to settle for their span, by the
    incident object's id(). Each entry holds its incident, so no id is reused while it is
    here; the settled ones are emptied when they grow past what a few sites' worth of
    views explains (``trim``), the others at each ``views_at`` (``turn``)."""

    def __init__(self):
        # id(incident) → (its view, when it settled, the grace it was worked out with)
        self.kept: dict[int, tuple[IncidentView, datetime, timedelta]] = {}
        # id(incident) → (its view, from, until, grace): a view not settled, which is the
        # same from one time its incident names to the next (view.py); the last views_at's,
        # and those of the one under way
        self.still: dict[int, tuple[IncidentView, datetime, datetime, timedelta]] = {}
        self._still_now: dict[int, tuple[IncidentView, datetime, datetime, timedelta]] = {}
        # What the Snapshots derive from settled views, kept like them (``status.py``,
        # ``uptime.py``): each entry holds what it was worked out from.
        self.days: dict[tuple, object] = {}  # a component's day of uptime, by its spans
        # A settled view's spans on its services, by id(view): (view, spans) (uptime.py)
        self.spans: dict[int, tuple] = {}
        # A run's spans on each service when all are settled and final, by the run's number
        # from the oldest end: (run, the window's start, spans) (uptime.py)
        self.run_spans: dict[int, tuple] = {}
        self.keys: dict[tuple, tuple] = {}  # each file of the site's key, by what it showed
        # Chunks of incidents (from the oldest end), their views, the moment from which all
        # are settled (None: not all are), the grace: taken whole while the same (view.py)
        self.chunks: dict[int, tuple] = {}
        self.runs: dict[int, Run] = {}  # the views in runs, each with its shares (runs.py)
        self.shards: dict[str, tuple] = {}  # the reference lookup's files, by what made them
        # each join of the runs' shares, by its name: (the runs, the join, ...) (joins.py)
        self.joins: dict[object, tuple] = {}
        # each run's references read as one: the last (runs.py)
        self.references: Joined | None = None
        # (incidents, now, grace, views: each chunk's read as one, each chunk): the last views_at
        self.last: tuple | None = None
        # id(incident) → (incident, grace, upcoming days, now, the times after that now at
        # which it changes, each with why): the last next_changes' moving incidents
        # (instants.py)
        self.instants: dict[int, tuple] = {}
        # What the pages made of a view's state: a list's line of one incident, by that
        # state and what else the line shows (``web/lines.py``). None: none kept (in a
        # forked worker, whose additions would die with it).
        self.lines: dict[tuple, object] | None = {}
        self._lines_kept = LINES_KEPT  # past this many, the lines of gone states go

    def view(self, incident: Incident, now: datetime,
             grace: timedelta) -> IncidentView | None:
        """The incident's view kept for ``now`` (None: none is): settled by then, or held
        for a span of time that holds ``now``."""
        held = self._held(incident, grace)
        if held is not None and now >= held[1]:
            return held[0]
        still = self.still.get(id(incident))
        if still is not None and still[0].incident is incident and still[3] == grace and \
                still[1] <= now < still[2]:
            self._still_now[id(incident)] = still
            return still[0]
        return None

    def hold(self, view: IncidentView, since: datetime, until: datetime,
             grace: timedelta) -> None:
        """Keep ``view``, not settled, as its incident's view from ``since`` to ``until``
        (the next time the incident names, when a comparison with ``now`` turns)."""
        self._still_now[id(view.incident)] = (view, since, until, grace)

    def turn(self) -> None:
        """The views held by the views_at just done are those kept: no other (of an
        incident replaced by its edit, or settled since) stays."""
        self.still, self._still_now = self._still_now, {}

    def settled_at(self, incident: Incident, grace: timedelta) -> datetime | None:
        """When the incident settled, as kept with its view (None: none is kept)."""
        held = self._held(incident, grace)
        return None if held is None else held[1]

    def keeps(self, view: IncidentView) -> bool:
        """Whether ``view`` is the one kept for its incident (whatever the grace)."""
        held = self.kept.get(id(view.incident))
        return held is not None and held[0] is view

    def _held(self, incident: Incident, grace: timedelta) -> tuple | None:
        held = self.kept.get(id(incident))
        return held if held is not None and held[0].incident is incident and \
            held[2] == grace else None

    def keep(self, view: IncidentView, settled: datetime, grace: timedelta) -> None:
        """Keep ``view``: its incident's view from ``settled`` on, with that grace."""
        self.kept[id(view.incident)] = (view, settled, grace)

    def trim(self, incidents: int) -> None:
        """Forget everything past what ``incidents`` (the site's) and a few more explain."""
        if len(self.kept) > SLACK * incidents + 1000:
            self.kept.clear()
            self.chunks.clear()
            self.spans.clear()
            self.run_spans.clear()
        if len(self.days) > DAYS_KEPT:
            self.days.clear()

    def trim_lines(self, views: Mapping[str, IncidentView]) -> None:
        """Past what it may keep, forget the lines of states that ``views`` (a build's, by
        id) no longer have (an incident's before its update) and what is kept per page (a
        service's bars: made again once); what is kept per incident stays. When what stays
        is much (a site with thousands of open incidents), keep twice as much from then on,
        rather than make it all again."""
        lines = self.lines
        if lines is None or len(lines) <= self._lines_kept:
            return
        states = {view.state for view in views.values()}
        self.lines = {key: line for key, line in lines.items()
                      if key[1] in states or key[1] in views}
        self._lines_kept = max(LINES_KEPT, 2 * len(self.lines))


class Joined(Mapping[K, V]):
    """Dicts read as one, in order (a key in two: the later value, at the earlier place),
    not copied: each key's dict is found in an index, the last Joined's while each dict
    that is a new object has the same keys in the same order as the one it replaces. (At
    100,000 incidents, a copy of the views by id took 3 ms of a daemon's round, of the
    references 2 ms; joined anew, 30-50 ms and 10-20 ms.) Read, never changed."""

    __slots__ = ("parts", "_at")

    def __init__(self, parts: list[dict[K, V]], last: Joined[K, V] | None = None):
        self.parts = parts
        if last is not None and len(last.parts) == len(parts) and all(
                new is old or list(new) == list(old)
                for old, new in zip(last.parts, parts, strict=True)):
            self._at: dict[K, int] = last._at
        else:
            self._at = {key: at for at, part in enumerate(parts) for key in part}

    def __getitem__(self, key: K) -> V:
        return self.parts[self._at[key]][key]

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        at = self._at.get(key)
        return default if at is None else self.parts[at][key]

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[K]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def values(self) -> list[V]:  # type: ignore[override]
        """Each key's value, in order (a list, made at C speed for the most part)."""
        parts = self.parts
        if len(self._at) == sum(map(len, parts)):  # no key twice: each dict's, in turn
            return list(chain.from_iterable(part.values() for part in parts))
        return [parts[at][key] for key, at in self._at.items()]


def from_the_oldest_end(items: tuple[T, ...], size: int) -> Iterator[tuple[int, tuple[T, ...]]]:
    """``items`` (the site's order, newest first) in pieces of ``size``, first to last,
    each numbered from the oldest end: a new incident, which comes first, leaves every
    older piece, and its number, as they were (``views_at``'s chunks, ``runs.py``'s runs)."""
    for number in range(pieces(items, size) - 1, -1, -1):
        yield number, piece(items, number, size)


def pieces(items: Sequence[object], size: int) -> int:
    """How many pieces ``from_the_oldest_end`` cuts ``items`` into."""
    return (len(items) + size - 1) // size


def piece(items: tuple[T, ...], number: int, size: int) -> tuple[T, ...]:
    """The piece ``number`` (from the oldest end) of ``items`` (``from_the_oldest_end``)."""
    return items[max(len(items) - (number + 1) * size, 0):len(items) - number * size]


def same_objects(one: Sequence[object], other: Sequence[object]) -> bool:
    """Whether two sequences hold the same objects (not equal ones), in the same order."""
    return len(one) == len(other) and all(map(is_, one, other))
