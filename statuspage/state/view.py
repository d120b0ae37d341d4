"""One incident at one moment: which of its updates are published, its status, whether it
is open, when it ended, its promised update. ``view_of`` says it, once for each incident
and moment; everything else reads the view."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:

    pass

from statuspage.model import (
    CLOSED_STATUSES,
    FrozenMap,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Text,
    Update,
    UpdateStatus,
)

TICK = timedelta(microseconds=1)
NO_GRACE = timedelta(0)  # site.yaml's promise_grace by default: late as the promise passes
RUNNING = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


def visible_updates(incident: Incident, now: datetime) -> tuple[Update, ...]:
    """The updates published by ``now``, newest first."""
    updates = incident.updates
    if not updates or updates[0].time <= now:
        return updates  # all published: the common case, without a copy
    # Newest first, so the published ones are a tail, found by bisection: the API asks this
    # at each update's time, which a scan made quadratic.
    return updates[bisect_left(updates, True, key=lambda u: u.time <= now):]


def status_at(incident: Incident, now: datetime) -> UpdateStatus:
    """The incident's status at ``now``; a maintenance's follows its window."""
    return _status(incident, visible_updates(incident, now), now)


def _status(incident: Incident, updates: tuple[Update, ...], now: datetime) -> UpdateStatus:
    """The status, from the updates published by ``now``."""
    if incident.maintenance is None:
        return updates[0].status if updates else IncidentStatus.INVESTIGATING
    latest = updates[0].status if updates else MaintenanceStatus.SCHEDULED
    if latest in (MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED):
        return latest
    window = incident.maintenance
    running = latest in RUNNING
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


def transitions(incident: Incident, now: datetime) -> list[datetime]:
    """When ``incident`` began or stopped affecting its components, up to ``now``.

    An incident is open from its start to its first closing update, and again from each
    update that reopens it (any status but resolved or postmortem after one of them) to
    the next closing one; a maintenance's window, early starts and late ends are worked
    out from its view at each moment something could change."""
    if incident.maintenance is not None:
        candidates = {incident.started, *(u.time for u in incident.updates),
                      incident.maintenance.start, incident.maintenance.end}
        return sorted(t for t in candidates if t <= now
                      and view_of(incident, t).is_open != view_of(incident, t - TICK).is_open)
    found = [incident.started]
    for update in reversed(incident.updates):  # oldest first
        if (update.status in CLOSED_STATUSES) == (len(found) % 2 == 1):  # closes, reopens
            if found and update.time <= found[-1]:
                found.pop()  # closed (or reopened) the minute it opened: no spell at all
            else:
                found.append(update.time)
    return [t for t in found if t <= now]


class Version(NamedTuple):
    """An incident's version: its published updates counted, the time of the latest."""

    number: int
    time: datetime


class Times(NamedTuple):
    """When an incident's state changed, up to its view's moment."""

    transitions: list[datetime]  # when it began or stopped affecting its components
    first: datetime | None  # the first of them, its published updates and its start
    last: datetime | None  # … and the last


class _Unset:
    """Not worked out yet: one object, which a pickle or a deep copy of a view keeps."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_UNSET"


_UNSET: Any = _Unset()


class _Kept:
    """``functools.cached_property`` for a class with slots: worked out once, kept in the
    slot of its name with a leading ``_``. A view's dict, made for the first such value,
    held 832 bytes (100,000 views: 73 MB, docs/performance.md)."""

    def __init__(self, function):
        self.function = function
        self.__doc__ = function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, view, owner: type | None = None):
        if view is None:
            return self
        found = getattr(view, self.slot)
        if found is _UNSET:
            found = self.function(view)
            object.__setattr__(view, self.slot, found)
        return found


@dataclass(frozen=True, eq=False, slots=True)
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
    at: datetime = field(repr=False)  # the moment it was worked out for
    # The incident's fields read most, as the view's own (see __post_init__).
    id: str = field(init=False, repr=False)
    started: datetime = field(init=False, repr=False)
    maintenance: Any = field(init=False, repr=False)  # its Window, when is_maintenance
    components: FrozenMap = field(init=False, repr=False)
    title: Text = field(init=False, repr=False)
    is_maintenance: bool = field(init=False, repr=False)
    # What ``_Kept`` keeps: ``state``, ``times``, ``version``.
    _state: str | None = field(init=False, repr=False)
    _times: Times = field(init=False, repr=False)
    _version: Version | None = field(init=False, repr=False)

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
        for slot in ("_state", "_times", "_version"):
            object.__setattr__(self, slot, _UNSET)

    @_Kept
    def state(self) -> str | None:
        """All its pages show of it: its files (their digest), its reference (which moves
        when another incident takes it, its files unchanged) and its state at the moment,
        hashed (24 characters: the words, 100 characters, were 10 MB of a daemon's memory
        at 100,000 incidents); None for an incident not read from files (nothing reused)."""
        if not self.incident.digest:
            return None
        return hashlib.blake2b("|".join(str(part) for part in (
            self.incident.digest, self.incident.reference, self.status, len(self.updates),
            self.ended, self.promise, self.late, self.is_open, self.published)).encode(),
            digest_size=12).hexdigest()

    @_Kept
    def times(self) -> Times:
        """Its transitions up to its moment, and its first and last events; a settled
        view, shared by the Snapshots that follow, works them out once."""
        found = transitions(self.incident, self.at)
        times = [*found]
        if self.updates:
            times += (self.updates[0].time, self.updates[-1].time)
        if self.started <= self.at:
            times.append(self.started)
        return Times(found, min(times), max(times)) if times else Times(found, None, None)

    @property
    def latest(self) -> Update | None:
        return self.updates[0] if self.updates else None

    @_Kept
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

    def upcoming(self, now: datetime, days: int) -> bool:
        """Whether the home page lists it as upcoming at ``now`` (a moment it is the view
        of): a maintenance announced, still scheduled, that starts within ``days``."""
        return (self.published and self.status == MaintenanceStatus.SCHEDULED
                and self.maintenance is not None
                and self.maintenance.start <= now.astimezone(UTC) + timedelta(days=days))


def view_of(incident: Incident, now: datetime, grace: timedelta = NO_GRACE) -> IncidentView:
    """The incident at ``now``: the one place that says whether it is open, when it ended,
    and whether its promised update is still to come or late (``grace`` after it)."""
    updates = visible_updates(incident, now)
    status = _status(incident, updates, now)
    if incident.maintenance is not None:
        open_ = status in RUNNING
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
        at=now,
    )


def settled_from(incident: Incident, grace: timedelta = NO_GRACE) -> datetime:
    """The moment after which the incident's view no longer changes: every time it names
    (start, updates, window, promise) has come, so each comparison with ``now`` has its
    final answer."""
    return max(named(incident, grace))


def named(incident: Incident, grace: timedelta) -> list[datetime]:
    """The times the incident names, at each of which a comparison with ``now`` turns
    (``t <= now``): its view is the same from one of them to the next."""
    times = [incident.started, *(u.time for u in incident.updates)]
    if incident.maintenance is not None:
        times += (incident.maintenance.start, incident.maintenance.end)
    if incident.next_update is not None:
        times.append(incident.next_update + grace)
    return times
