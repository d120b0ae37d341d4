"""The Statuspage public API v2 documents: pure functions of a Snapshot, no Flask, no I/O.

Shapes, keys and enum values are Atlassian Statuspage's (``/api/v2/summary.json`` and the
rest); docs/api.md says how our model maps onto them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from statuspage import addresses
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
from statuspage.state.status import Snapshot
from statuspage.state.view import TICK, view_of
from statuspage.state.view import IncidentView as View

LIMIT = 50  # incidents.json and scheduled-maintenances.json list the 50 most recent

Document = dict[str, object]


class Encoded(dict):
    """An incident's document, which the files listing it encode once (``encoded``)."""

    __slots__ = ("json",)

    def __init__(self, document: Document):
        super().__init__(document)
        self.json: bytes | None = None  # its JSON, once a file has asked for it

    def encoded(self, encode: Callable[[object], bytes]) -> bytes:
        """Its JSON by ``encode``, the same function each time."""
        if self.json is None:
            self.json = encode(self)
        return self.json


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


def prepare(snap: Snapshot) -> tuple:
    """What the API's files read of the whole history (the page's first and last events,
    each component's last change), worked out where the build is planned: forked workers
    share it, and each settled incident's times stay with its view for the next build."""
    return snap.event_span, snap.changed_at


class Documents:
    """The API's JSON documents for one Snapshot, each part computed once.

    ``gettext`` translates the status description into the API's language. An incident's
    ``shortlink`` is its short address, ``/r/<REF>/``, which support reads out too.
    """

    def __init__(self, snap: Snapshot, gettext: Callable[[str], str] = str):
        self.snap = snap
        self.config = snap.site.config
        self.now = snap.now
        self.lang = self.config.api_language
        self.page_id = page_id(self.config.url)
        self._gettext = gettext
        # Each incident's document, built once however many files list it, and kept by the
        # caller (its ``Settled``) while what it shows is the same (``_kept``): an open
        # incident's view is new at each build, its document mostly is not.
        self.incident = functools.cache(self._kept)
        self._memory = snap.settled.lines if snap.site.digest else None
        self._shown = (snap.site.digest, self.config.url, self.config.timezone.key, self.lang,
                       self.config.default_language)

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
        # "this includes all unresolved incidents"), newest started first: the published
        # ones from the newest, as far as the others' share goes (not the whole history),
        # then the unresolved ones after them, which are older.
        unresolved = set(self.snap.open_incidents)
        share, found, seen = max(LIMIT - len(unresolved), 0), [], set()
        for view in self.snap.published_walk() if share else ():
            if view.is_maintenance:
                continue
            if view in unresolved:
                seen.add(view)
            elif (share := share - 1) < 0:
                break
            found.append(view)
        found += [v for v in self.snap.open_incidents if v not in seen]  # (all started)
        return {"page": self.page, "incidents": [self.incident(v) for v in found]}

    def unresolved_document(self) -> Document:
        return {"page": self.page,
                "incidents": [self.incident(i) for i in self.snap.open_incidents]}

    def maintenances_document(self) -> Document:
        return self._maintenances(self.snap.latest_maintenance(LIMIT))

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
        latest = self.snap.event_span[1]
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

    def _kept(self, view: View) -> Encoded:
        """``_incident(view)``, kept in the caller's memory (None in a forked worker, whose
        additions would die with it) by all it reads: the view's state and its transitions
        up to now, whether it has started, the page's first event (its components'
        ``created_at``), each of its components' status and last change, and the site."""
        memory, state = self._memory, view.state
        if memory is None or state is None:  # (None: an incident not read from files)
            return Encoded(self._incident(view))
        components, changed = self.snap.components, self.snap.changed_at
        key = (state, tuple(view.times.transitions), view.started <= self.now, self._epoch,
               self._shown, tuple((c, components[c], changed.get(c)) for c in view.components))
        # One kept per incident, replaced when it shows something else (a component's
        # change gives each open incident naming it another): not one more at every build.
        place = ("api.incident", view.id)
        held = memory.get(place)
        if held is not None and held[0] == key:  # type: ignore[index]
            return held[1]  # type: ignore[index]
        made = Encoded(self._incident(view))
        memory[place] = (key, made)
        return made

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
            "shortlink": addresses.shortlink(self.config.url, incident.reference),
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
        just_before = view_of(incident, update.time - TICK)
        before = not first and just_before.is_open
        after = view_of(incident, update.time).is_open
        if not (before or after) and just_before.ended:
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
        changes = [self.snap.changed_at.get(c.id) for c in members]
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
            "updated_at": self._time(self.snap.changed_at.get(component.id, self._epoch)),
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

    def _events(self, view: View) -> list[datetime]:
        """Every moment something about a published incident changed, up to now, oldest
        first."""
        times = {*view.times.transitions, *(u.time for u in view.updates)}
        if view.started <= self.now:
            times.add(view.started)
        return sorted(times)

    @cached_property
    def _epoch(self) -> datetime:
        """The components' ``created_at``: the first event of the page (now if none)."""
        return self.snap.event_span[0] or self.now

    def _ids(self, incident: Incident) -> list[str]:
        """The incident's components, in the site's order."""
        return [c.id for c in self.config.components if c.id in incident.components]

    def _text(self, text: Text) -> str:
        return text.value_in(self.lang, self.config.default_language)

    def _time(self, moment: datetime) -> str:
        return timestamp(moment, self.config.timezone)
