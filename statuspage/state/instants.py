"""The instants after a Snapshot's moment at which what it says changes by itself, with
no file written: what the daemon rebuilds at.

Each time an incident names (its start, its updates, its window, the day its window
enters the upcoming list, its promise and the promise's grace) is a candidate; it is an
instant when the incident's view, asked just before it and at it, differs. The rules stay
``view_of``'s and ``IncidentView.upcoming``'s alone: an instant where nothing changes
(a maintenance not announced yet as its window nears, a promise already kept) is never
planned, and what changes by the calendar alone (today's date, the recent and followed
incidents, the uptime bars) is left to the periodic rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from statuspage.errors import listed
from statuspage.model import Incident, Update
from statuspage.state.chunks import moving
from statuspage.state.view import TICK, IncidentView, view_of

if TYPE_CHECKING:
    from statuspage.state.status import Snapshot

UPCOMING, START, END, HISTORY, PROMISE = "upcoming", "start", "end", "history", "promise"
REASONS = 3  # the reasons an instant's log line names; the others are counted


def next_changes(snap: Snapshot) -> list[tuple[datetime, str]]:
    """The instants after ``snap.now`` at which the Snapshot changes by itself: each once,
    in UTC, soonest first, with the reasons for it (the first few named: 2,000 promises
    may fall at the same minute, and each line of the daemon's log says them). Each
    incident's are worked out once while it is the same object (``Settled.instants``):
    the daemon asks after every build, and 2,000 open incidents' took 25-35 ms a build."""
    config = snap.site.config
    grace, days, now = config.promise_grace, config.upcoming_days, snap.now
    found: dict[datetime, list[str]] = defaultdict(list)
    memory, kept = snap.settled.instants, {}
    for incident in moving(snap.site.incidents, now, grace, snap.settled):
        held = memory.get(id(incident))
        if held is None or held[0] is not incident or held[1:3] != (grace, days) or \
                now < held[3]:  # (worked out for the times after a later moment)
            held = (incident, grace, days, now, _changes(incident, grace, days, now))
        kept[id(incident)] = held
        for moment, reason in held[4]:
            if moment > now:
                found[moment].append(reason)
    snap.settled.instants = kept
    return [(moment, listed(reasons, REASONS)) for moment, reasons in sorted(found.items())]


def _changes(incident: Incident, grace: timedelta, days: int,
             now: datetime) -> list[tuple[datetime, str]]:
    """The times after ``now`` that the incident names at which it changes (in UTC), each
    with why."""
    changes = []
    for moment, kind in _candidates(incident, grace, days):
        if moment <= now:
            continue
        before, _ = _seen(incident, moment - TICK, grace, days)
        after, view = _seen(incident, moment, grace, days)
        if after != before:
            changes.append((moment.astimezone(UTC), _reason(kind, view)))
    return changes


def _candidates(incident: Incident, grace: timedelta,
                days: int) -> Iterator[tuple[datetime, str | Update]]:
    """Every time the incident names, with what it is."""
    window = incident.maintenance
    if window is not None:
        yield window.start.astimezone(UTC) - timedelta(days=days), UPCOMING
        yield window.start, START
        yield window.end, END
    if window is None or incident.started != window.start:
        yield incident.started, START if window is None else HISTORY
    if incident.next_update is not None:
        yield incident.next_update + grace, PROMISE
    for update in incident.updates:
        yield update.time, update


def _seen(incident: Incident, now: datetime, grace: timedelta,
          days: int) -> tuple[tuple, IncidentView]:
    """What the Snapshot shows of the incident at ``now``, and its view."""
    view = view_of(incident, now, grace)
    return (view.status, len(view.updates), view.ended, view.is_open, view.promise,
            view.late, view.published, view.started <= now, view.upcoming(now, days)), view


def _reason(kind: str | Update, view: IncidentView) -> str:
    """Why the page changes (``view``: the incident at that instant), for the log."""
    what = f"maintenance {view.id}" if view.is_maintenance else f"incident {view.id}"
    if isinstance(kind, Update):
        return f"{kind.status} update of {view.id} appears"
    if kind == START and view.is_maintenance and not view.is_open:
        kind = HISTORY  # a maintenance cancelled or over before its window
    return {UPCOMING: f"{what} is listed as upcoming", START: f"{what} starts",
            END: f"{what} ends", HISTORY: f"{what} is listed in the history",
            PROMISE: f"update promised for {view.id}"}[kind]
