"""What one caller keeps of settled incidents from one Snapshot to the next.

A settled incident's view no longer changes (``view.settled_from``): a caller that
renders again and again (the daemon's builds, through their ``freeze.caches.Caches``; a
preview's app) hands the same ``Settled`` to each Snapshot, which then computes each such
view once and keeps that one object, which the builder recognises as unchanged, with what is
derived from it alone (its times, which the API reads). Without one, a Snapshot
makes its own: it is then a pure function of (site, now), and so is everything derived
from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statuspage.model import Incident
    from statuspage.state.runs import Run
    from statuspage.state.view import IncidentView

SLACK = 3  # views kept per incident of the site, past which all are forgotten
DAYS_KEPT = 20_000  # days of uptime kept (a few builds' worth of services × 90 days)
LINES_KEPT = 50_000  # lines kept at least (a few builds of a large site's moment pages)


class Settled:
    """Settled incidents' views, by the incident object's id(). Each entry holds its
    incident, so no id is reused while it is here; emptied when it grows past what a few
    sites' worth of views explains (``trim``)."""

    def __init__(self):
        # id(incident) → (its view, when it settled, the grace it was worked out with)
        self.kept: dict[int, tuple[IncidentView, datetime, timedelta]] = {}
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
        # (each run's references, all of them in one dict): the last (runs.py)
        self.references: tuple | None = None
        # (incidents, now, grace, views, each chunk's views): the last views_at
        self.last: tuple | None = None
        # What the pages made of a view's state: a list's line of one incident, by that
        # state and what else the line shows (``web/lines.py``). None: none kept (in a
        # forked worker, whose additions would die with it).
        self.lines: dict[tuple, object] | None = {}
        self._lines_kept = LINES_KEPT  # past this many, the lines of gone states go

    def view(self, incident: Incident, now: datetime,
             grace: timedelta) -> IncidentView | None:
        """The incident's view kept for ``now`` (None: none is)."""
        held = self._held(incident, grace)
        return held[0] if held is not None and now >= held[1] else None

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
