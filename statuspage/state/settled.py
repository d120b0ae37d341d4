"""What one caller keeps of settled incidents from one Snapshot to the next.

A settled incident's view no longer changes (``status.settled_from``): a caller that
renders again and again (the daemon's builds, through their ``freeze.caches.Caches``; a
preview's app) hands the same ``Settled`` to each Snapshot, which then computes each such
view once and keeps that one object, which the builder recognises as unchanged; and what
is derived from the view alone (the API's times) is kept with it. Without one, a Snapshot
makes its own: it is then a pure function of (site, now), and so is everything derived
from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statuspage.model import Incident
    from statuspage.state.status import IncidentView

SLACK = 3  # views kept per incident of the site, past which all are forgotten


class Settled:
    """Settled incidents' views, by the incident object's id(), and what is derived from
    each view alone (its API times), by the view's id(). Each entry holds its object, so no id
    is reused while it is here; emptied when it grows past what a few sites' worth of
    views explains (``trim``)."""

    def __init__(self):
        self._views: dict[int, tuple[IncidentView, datetime, timedelta]] = {}
        # What is derived from a view alone, by the view's id(), with the view (a value is
        # the view's only while ``held[0] is view``); kept for the views this ``holds``.
        self.times: dict[int, tuple[IncidentView, Any]] = {}  # the API's (documents.py)

    def view(self, incident: Incident, now: datetime,
             grace: timedelta) -> IncidentView | None:
        """The incident's view kept for ``now`` (None: none is)."""
        held = self._views.get(id(incident))
        if held is not None and held[0].incident is incident and now >= held[1] and \
                held[2] == grace:
            return held[0]
        return None

    def keep(self, view: IncidentView, settled: datetime, grace: timedelta) -> None:
        """Keep ``view``: its incident's view from ``settled`` on, with that grace."""
        self._views[id(view.incident)] = (view, settled, grace)

    def holds(self, view: IncidentView, now: datetime) -> bool:
        """Whether ``view`` is a settled incident's, the same object in every Snapshot from
        ``now`` on that shares this memory: what is derived from it alone, for such a
        moment, can be kept with it."""
        held = self._views.get(id(view.incident))
        return held is not None and held[0] is view and now >= held[1]

    def trim(self, incidents: int) -> None:
        """Forget everything past what ``incidents`` (the site's) and a few more explain."""
        if len(self._views) > SLACK * incidents + 1000:
            self._views.clear()
        if len(self.times) > SLACK * incidents + 1000:
            self.times.clear()
