"""The Statuspage public API v2 documents: pure functions of a Snapshot, no Flask, no I/O.

Shapes, keys and enum values are Atlassian Statuspage's (``/api/v2/summary.json`` and the
rest); docs/api.md says how our model maps onto them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from statuspage.markup import plain_text
from statuspage.model import (
    Component,
    ComponentStatus,
    Group,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Text,
    Update,
    UpdateStatus,
)
from statuspage.state import status
from statuspage.state.status import IncidentView as View

LIMIT = 50  # incidents.json and scheduled-maintenances.json list the 50 most recent
TICK = timedelta(microseconds=1)

Document = dict[str, object]


def timestamp(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-11-20T09:15:00.000+01:00``: milliseconds, the site zone's offset, ``Z`` for zero."""
    text = moment.astimezone(tz).isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def page_id(url: str) -> str:
    """A stable opaque id for the page: the first 12 hex digits of SHA-256 of its URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def api_status(value: UpdateStatus) -> str:
    """Statuspage's status for ours: it has no ``cancelled``, a cancelled maintenance is
    ``completed`` (its update says why)."""
    if value == MaintenanceStatus.CANCELLED:
        return MaintenanceStatus.COMPLETED.value
    return value.value


def _times(snap: status.Snapshot, view: View) -> tuple[list[datetime], datetime | None,
                                                      datetime | None]:
    """The incident's transitions up to the moment, and the first and the last of them,
    its first and last published updates and (once it has come) its start. Kept with the
    view of a settled incident (``snap.settled``): a daemon's builds work them out once,
    not at each build for the whole history."""
    kept = snap.settled.times
    held = kept.get(id(view))
    if held is not None and held[0] is view:
        return held[1]
    now = snap.now
    transitions = status.transitions(view.incident, now)
    times = [*transitions]
    if view.updates:
        times += (view.updates[0].time, view.updates[-1].time)
    if view.started <= now:
        times.append(view.started)
    found = (transitions, min(times), max(times)) if times else (transitions, None, None)
    if snap.settled.holds(view, now):
        kept[id(view)] = (view, found)
    return found


def prepare(snap: status.Snapshot) -> None:
    """Every incident's times at ``snap``: kept for the settled ones (see ``_times``)."""
    for view in snap.views.values():
        _times(snap, view)


class Documents:
    """The API's JSON documents for one Snapshot, each part computed once.

    ``gettext`` translates the status description into the API's language. An incident's
    ``shortlink`` is its short address, ``/r/<REF>/``, which support reads out too.
    """

    def __init__(self, snap: status.Snapshot, gettext: Callable[[str], str] = str):
        self.snap = snap
        self.config = snap.site.config
        self.now = snap.now
        self.lang = self.config.api_language
        self.page_id = page_id(self.config.url)
        self._gettext = gettext
        # Each incident's document, built once however many files list it.
        self.incident = functools.cache(self._incident)

    # The documents, one per file under /api/v2/.

    def summary(self) -> Document:
        return {
            "page": self.page,
            "components": self.components,
            "incidents": [self.incident(i) for i in self.snap.open_incidents],
            "scheduled_maintenances": [self.incident(m) for m in
                                       self.snap.active_maintenance + self._upcoming],
            "status": self.indicator,
        }

    def status_document(self) -> Document:
        return {"page": self.page, "status": self.indicator}

    def components_document(self) -> Document:
        return {"page": self.page, "components": self.components}

    def incidents_document(self) -> Document:
        # The LIMIT most recent, every unresolved one among them however old (Statuspage:
        # "this includes all unresolved incidents"), newest started first.
        found = [v for v in self.snap.published if not v.is_maintenance]
        unresolved = set(self.snap.open_incidents)
        others = [v for v in found if v not in unresolved][:max(LIMIT - len(unresolved), 0)]
        keep = unresolved | set(others)
        return {"page": self.page, "incidents": [self.incident(v) for v in found if v in keep]}

    def unresolved_document(self) -> Document:
        return {"page": self.page,
                "incidents": [self.incident(i) for i in self.snap.open_incidents]}

    def maintenances_document(self) -> Document:
        found = [i for i in self.snap.published if i.is_maintenance]
        found.sort(key=lambda m: m.maintenance.start, reverse=True)
        return self._maintenances(found[:LIMIT])

    def upcoming_document(self) -> Document:
        return self._maintenances(self._upcoming)

    def active_document(self) -> Document:
        return self._maintenances(self.snap.active_maintenance)

    def _maintenances(self, found: list[View]) -> Document:
        return {"page": self.page, "scheduled_maintenances": [self.incident(m) for m in found]}

    @property
    def _upcoming(self) -> list[View]:
        """Every maintenance still scheduled, soonest first: Statuspage lists them all, while
        the home page keeps to the next ``upcoming_days``."""
        return self.snap.scheduled_maintenance

    # The parts.

    @cached_property
    def page(self) -> Document:
        latest = self._span[1]
        return {
            "id": self.page_id,
            "name": self._text(self.config.name),
            "url": self.config.url,
            "time_zone": self.config.timezone.key,
            "updated_at": self._time(latest or self._epoch),
        }

    @cached_property
    def indicator(self) -> Document:
        indicator = self.snap.indicator
        return {"indicator": indicator.value, "description": self._gettext(indicator.description)}

    @cached_property
    def components(self) -> list[Document]:
        """Groups as flat entries (``group: true``, their members' ids), members after them
        with ``group_id``, then the components outside any group: the home page's order."""
        result, position = [], 0
        for group in self.config.groups:
            members = [c for c in self.config.components if c.group == group.id]
            if members:
                position += 1
                result.append(self._group(group, position, members))
                result.extend(self._component(c, n) for n, c in enumerate(members, 1))
        for component in self.config.components:
            if component.group is None:
                position += 1
                result.append(self._component(component, position))
        return result

    @cached_property
    def _component_entries(self) -> dict[str, Document]:
        return {str(c["id"]): c for c in self.components if not c["group"]}

    def _incident(self, view: View) -> Document:
        """An incident, or a scheduled maintenance (with ``scheduled_for``/``_until``)."""
        incident = view.incident
        events = self._events(view)
        created = events[0] if events else incident.started  # from the content, never now
        resolved = view.ended
        visible = view.updates
        monitoring = next((u.time for u in visible if u.status == IncidentStatus.MONITORING
                           and not incident.is_maintenance), None)
        impact = incident.impact.value
        if incident.is_maintenance and impact == "none":
            impact = "maintenance"  # Statuspage's impact for a maintenance not overridden
        document: Document = {
            "id": incident.id,
            "name": self._text(incident.title),
            "status": api_status(view.status),
            "created_at": self._time(created),
            "updated_at": self._time(events[-1] if events else created),
            "monitoring_at": self._time(monitoring) if monitoring else None,
            "resolved_at": self._time(resolved) if resolved else None,
            "impact": impact,
            "shortlink": f"{self.config.url}/r/{incident.reference}/",
            "started_at": self._time(created),
            "page_id": self.page_id,
            "incident_updates": self._updates(incident, visible),
            "components": [self._component_entries[c] for c in self._ids(incident)],
        }
        if incident.maintenance is not None:
            document["scheduled_for"] = self._time(incident.maintenance.start)
            document["scheduled_until"] = self._time(incident.maintenance.end)
        return document

    def _updates(self, incident: Incident, visible: tuple[Update, ...]) -> list[Document]:
        """Newest first. Ids are ``<incident id>#<anchor of the update on its permalink>``
        (a repeated minute and status gets ``-2``, ``-3``…, as on the page)."""
        oldest = visible[-1] if visible else None
        result: list[Document] = []
        for update in visible:
            moment = self._time(update.time)
            result.append({
                "id": f"{incident.id}#{update.anchor}",
                "status": api_status(update.status),
                "body": plain_text(self._text(update.body)),
                "incident_id": incident.id,
                "created_at": moment,
                "updated_at": moment,
                "display_at": moment,
                "affected_components": self._affected(incident, update, update is oldest),
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            })
        return result

    def _affected(self, incident: Incident, update: Update, first: bool) -> list[Document] | None:
        """What the incident did to its components with this update: its first update opens
        them (operational → the incident's status), the closing one gives them back
        (→ operational), the others keep them as they are (a maintenance's components stay
        operational until its window opens); None for updates after it closed (postmortem)."""
        before = not first and status.is_open(incident, update.time - TICK)
        after = status.is_open(incident, update.time)
        if not (before or after) and status.ended_at(incident, update.time - TICK):
            return None
        operational = ComponentStatus.OPERATIONAL
        affected: list[Document] = [{
            "code": component_id,
            "name": self._text(self.config.name_of(component_id)),
            "old_status": (incident.components[component_id] if before else operational).value,
            "new_status": (incident.components[component_id] if after else operational).value,
        } for component_id in self._ids(incident)]
        return affected

    def _group(self, group: Group, position: int, members: list[Component]) -> Document:
        changes = [self._changed.get(c.id) for c in members]
        return {
            "id": group.id,
            "name": self._text(group.name),
            "status": self.snap.groups[group.id].value,
            "created_at": self._time(self._epoch),
            "updated_at": self._time(max((t for t in changes if t), default=self._epoch)),
            "position": position,
            "description": None,
            "showcase": False,
            "start_date": None,
            "group_id": None,
            "page_id": self.page_id,
            "group": True,
            "only_show_if_degraded": False,
            "components": [c.id for c in members],
        }

    def _component(self, component: Component, position: int) -> Document:
        return {
            "id": component.id,
            "name": self._text(component.name),
            "status": self.snap.components[component.id].value,
            "created_at": self._time(self._epoch),
            "updated_at": self._time(self._changed.get(component.id, self._epoch)),
            "position": position,
            "description": self._text(component.description) or None,
            "showcase": True,  # every component shows its uptime bars
            "start_date": None,
            "group_id": component.group,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    # Times: we keep no creation dates, so they are derived from the incidents.

    @cached_property
    def _transitions(self) -> dict[str, list[datetime]]:
        """When each incident began or stopped affecting its components, up to now."""
        return {view.id: _times(self.snap, view)[0] for view in self.snap.views.values()}

    def _events(self, view: View) -> list[datetime]:
        """Every moment something about a published incident changed, up to now, oldest
        first."""
        times = {*self._transitions[view.id], *(u.time for u in view.updates)}
        if view.started <= self.now:
            times.add(view.started)
        return sorted(times)

    @cached_property
    def _span(self) -> tuple[datetime | None, datetime | None]:
        """The first and the last of every published incident's events, in one pass."""
        first = last = None
        for view in self.snap.published:
            _, low, high = _times(self.snap, view)
            if low is not None and high is not None:
                first = low if first is None or low < first else first
                last = high if last is None or high > last else last
        return first, last

    @cached_property
    def _changed(self) -> dict[str, datetime]:
        """The last time each component's status changed, for those that ever did."""
        changed: dict[str, datetime] = {}
        for view in self.snap.views.values():
            transitions = self._transitions[view.id]
            for component_id in view.incident.components if transitions else ():
                changed[component_id] = max(changed.get(component_id, transitions[-1]),
                                            transitions[-1])
        return changed

    @cached_property
    def _epoch(self) -> datetime:
        """The components' ``created_at``: the first event of the page (now if none)."""
        return self._span[0] or self.now

    def _ids(self, incident: Incident) -> list[str]:
        """The incident's components, in the site's order."""
        return [c.id for c in self.config.components if c.id in incident.components]

    def _text(self, text: Text) -> str:
        return text.get_in(self.lang, self.config.default_language).value

    def _time(self, moment: datetime) -> str:
        return timestamp(moment, self.config.timezone)
