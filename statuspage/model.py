"""The content model: frozen dataclasses and enums, no I/O, no Flask."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from operator import attrgetter
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from statuspage.frozenmap import FrozenMap as FrozenMap  # for the model's users
from statuspage.refs import ref_of
from statuspage.texts import EMPTY_TEXT, Text
from statuspage.texts import Localized as Localized  # for the model's users, with Text


def _(message: str) -> str:
    """Marks a UI string for extraction; it is translated when rendered."""
    return message


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def component_status(self) -> ComponentStatus:
        """The status of a component listed without one (``components: [id]``)."""
        return {
            Impact.NONE: ComponentStatus.OPERATIONAL,
            Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
            Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
            Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
        }[self]

    @property
    def label(self) -> str:
        return IMPACT_LABELS[self]

    @property
    def rank(self) -> int:
        """Higher is worse: critical > major > minor > none."""
        return list(Impact).index(self)


IMPACT_LABELS = {
    Impact.NONE: _("No impact"),
    Impact.MINOR: _("Minor impact"),
    Impact.MAJOR: _("Major impact"),
    Impact.CRITICAL: _("Critical impact"),
}


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def severity(self) -> int:
        """Higher is worse: major_outage > partial > degraded > maintenance > operational."""
        return _SEVERITY[self]  # (a build's uptime asks for thousands)

    @property
    def label(self) -> str:
        return COMPONENT_STATUS_LABELS[self]


_SEVERITY = {status: rank for rank, status in enumerate(ComponentStatus)}
COMPONENT_STATUS_LABELS = {
    ComponentStatus.OPERATIONAL: _("Operational"),
    ComponentStatus.UNDER_MAINTENANCE: _("Under maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: _("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: _("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: _("Major outage"),
}


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


UpdateStatus = IncidentStatus | MaintenanceStatus

STATUS_LABELS: dict[str, str] = {
    IncidentStatus.INVESTIGATING: _("Investigating"),
    IncidentStatus.IDENTIFIED: _("Identified"),
    IncidentStatus.MONITORING: _("Monitoring"),
    IncidentStatus.RESOLVED: _("Resolved"),
    IncidentStatus.POSTMORTEM: _("Postmortem"),
    MaintenanceStatus.SCHEDULED: _("Scheduled"),
    MaintenanceStatus.IN_PROGRESS: _("In progress"),
    MaintenanceStatus.VERIFYING: _("Verifying"),
    MaintenanceStatus.COMPLETED: _("Completed"),
    MaintenanceStatus.CANCELLED: _("Cancelled"),
}

CLOSED_STATUSES = frozenset({IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM,
                             MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED})




@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: Text


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: Text
    description: Text = EMPTY_TEXT
    group: str | None = None
    since: date | None = None  # its first day of data (uptime bars)


@dataclass(frozen=True)
class Support:
    phone: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Subscriptions:
    """site.yaml's ``subscriptions:``: the e-mail subscription service (docs/subscriptions.md)."""

    url: str  # the service's public base: forms post to <url>/subscribe
    sender: str  # the From of every message
    late_notice: bool = True  # mail an incident's subscribers when a promised update is late


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp",
              ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}


@dataclass(frozen=True)
class Accent:
    light: str  # #rrggbb
    dark: str


@dataclass(frozen=True)
class Logo:
    path: str  # under content/, as site.yaml says it
    data: bytes = b""

    @property
    def hashed(self) -> str:
        """``logo.3f2a1b9c0d.svg``: a new name whenever the file changes."""
        suffix = PurePosixPath(self.path).suffix.lower()
        return f"logo.{hashlib.sha256(self.data).hexdigest()[:10]}{suffix}"

    @property
    def media_type(self) -> str:
        return LOGO_TYPES[PurePosixPath(self.path).suffix.lower()]


@dataclass(frozen=True)
class SiteConfig:
    """The settings of content/site.yaml; their defaults are in ``config.SITE_FIELDS``."""

    name: Text
    url: str
    timezone: ZoneInfo
    languages: tuple[str, ...]
    support: Support
    groups: tuple[Group, ...]
    components: tuple[Component, ...]
    feed_entries: int  # entries per feed, newest first
    upcoming_days: int  # how far ahead planned maintenance is listed
    api_language: str  # the language of the JSON API's texts
    webhooks: tuple[str, ...]  # URLs told of each new update (statuspage run)
    logo: Logo | None = None  # shown in the header (branding.py)
    accent: Accent | None = None  # the links' colour on each scheme (branding.py)
    french_typography: bool = False  # no-break spaces and apostrophes in French content
    promise_grace: timedelta = timedelta(0)  # how long after a promise it is said late
    postcode: re.Pattern[str] | None = None  # what a full postal code looks like
    subscriptions: Subscriptions | None = None  # e-mail subscriptions, when offered

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @cached_property
    def _components(self) -> dict[str, Component]:
        return {c.id: c for c in self.components}

    def component(self, component_id: str) -> Component | None:
        return self._components.get(component_id)

    def name_of(self, component_id: str) -> Text:
        """The name of a component the content names (load checks they exist)."""
        return self._components[component_id].name

    @cached_property
    def members(self) -> dict[str | None, tuple[Component, ...]]:
        """Each group's components (None: those outside any group), in the site's order."""
        found: dict[str | None, list[Component]] = {}
        for component in self.components:
            found.setdefault(component.group, []).append(component)
        return {group: tuple(items) for group, items in found.items()}


@dataclass(frozen=True, slots=True)
class Update:
    time: datetime
    status: UpdateStatus
    body: Text
    line: int = field(default=0, compare=False)
    repeat: int = field(default=1, compare=False)  # 2, 3… for another of the same minute and status

    @property
    def anchor(self) -> str:
        """A stable fragment id: its UTC minute and status, then its rank among those (-2…)."""
        return _anchor(self.time, self.status, self.repeat)


@lru_cache(maxsize=1 << 16)  # (a round's feeds ask for thousands, twice each)
def _anchor(time: datetime, status: UpdateStatus, repeat: int) -> str:
    base = f"update-{time.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%MZ}-{status}"
    return base if repeat == 1 else f"{base}-{repeat}"


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Area:
    """A place an incident concerns: a postal code or its start (``69``: the Rhône), and
    what customers call it (``Lyon 3e``; empty: the code is shown)."""

    code: str
    label: Text = EMPTY_TEXT

    def concerns(self, postcode: str) -> bool:
        """Whether a customer's full postal code is in this area."""
        return postcode.startswith(self.code)


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident or, when ``maintenance`` is set, a planned maintenance."""

    id: str
    title: Text
    impact: Impact
    components: FrozenMap  # component id → its status while the incident is open
    started: datetime
    updates: tuple[Update, ...]  # newest first
    summary: Text = EMPTY_TEXT
    next_update: datetime | None = None
    who_is_affected: Text = EMPTY_TEXT
    what_to_do: Text = EMPTY_TEXT
    maintenance: Window | None = None
    ref: str | None = None  # a short reference set by hand (``ref:``); else from the id
    areas: tuple[Area, ...] = ()  # where it is; none: everywhere
    path: str = field(default="", compare=False)
    digest: str = field(default="", compare=False)  # of its files' bytes; "" when not read

    def __post_init__(self):
        if not isinstance(self.components, FrozenMap):
            object.__setattr__(self, "components", FrozenMap(self.components))

    @property
    def is_maintenance(self) -> bool:
        return self.maintenance is not None

    def concerns(self, postcode: str) -> bool:
        """Whether a customer at ``postcode`` is in one of its areas (no area: everyone)."""
        return not self.areas or any(a.concerns(postcode) for a in self.areas)

    @property
    def reference(self) -> str:
        """The six characters support reads out (``statuspage.refs``)."""
        return self.ref or ref_of(self.id)


@dataclass(frozen=True, slots=True)
class Note:
    """One internal note of the support desk: when it was written, and its markdown."""

    time: datetime
    body: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Internal:
    """What only the support desk sees of an incident (``<id>.internal.md``)."""

    say: Text = EMPTY_TEXT  # what to tell a customer who calls
    do: Text = EMPTY_TEXT  # what agents may do: a goodwill gesture, an escalation
    tags: tuple[str, ...] = ()  # words agents search by
    notes: tuple[Note, ...] = ()  # newest first
    path: str = field(default="", compare=False)
    digest: str = field(default="", compare=False)  # of the file's bytes


@dataclass(frozen=True)
class Patched:
    """The incidents ``made`` as the last site's, ``base``, with those at ``places``
    replaced (each by one of its id): the Snapshot goes over those places only, not the
    history."""

    base: tuple[Incident, ...]
    places: frozenset[int]
    made: tuple[Incident, ...]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    incidents: tuple[Incident, ...]  # newest started first
    warnings: tuple = ()
    errors: tuple = ()  # a lenient load's problems: those files are as they last loaded
    digest: str = field(default="", compare=False)  # of site.yaml; "" when not read
    # The support desk's notes by incident id: set only by the desk edition's loader
    # (statuspage.content.edition), never by the public one.
    internal: FrozenMap = field(default_factory=FrozenMap)
    # Sites with one number (0: none) hold the same incidents' ids: a load, those patched from
    # it (content/patch.py), copies with each incident replaced by one of its id, no others.
    same_ids: int = field(default=0, compare=False)
    # How a patched site's incidents were made (content/patch.py): None for a load. (A copy
    # with other incidents, ``dataclasses.replace``, keeps it: see ``patched_from``.)
    patched: Patched | None = field(default=None, compare=False, repr=False)

    @property
    def patched_from(self) -> Patched | None:
        """How its incidents were patched from the last site's; None: not known."""
        patched = self.patched
        return patched if patched is not None and patched.made is self.incidents else None

    @cached_property
    def _by_id(self) -> dict[str, Incident]:
        return {i.id: i for i in self.incidents}

    def incident(self, incident_id: str) -> Incident | None:
        return self._by_id.get(incident_id)


def _restorer(names: tuple[str, ...]):
    """Unpickling (the parse cache restores half a million model objects at 100,000
    incidents) sets each field from the names found once per class: a dataclass's own
    ``__setstate__`` asks ``dataclasses.fields`` again for each object."""
    put = object.__setattr__

    def restore(self, state) -> None:
        for name, value in zip(names, state, strict=True):
            put(self, name, value)

    return restore


def _state(names: tuple[str, ...]):
    """Pickling takes each field by the names found once per class (a dataclass's own
    ``__getstate__`` asks ``dataclasses.fields`` again for each object): the tuple
    ``_restorer`` sets them from."""
    get = attrgetter(*names)
    return (lambda self: get(self)) if len(names) > 1 else (lambda self: (get(self),))


for _cls in (Group, Component, Update, Window, Area, Incident, Note, Internal):
    _names = tuple(f.name for f in fields(_cls))
    setattr(_cls, "__setstate__", _restorer(_names))  # noqa: B010
    setattr(_cls, "__getstate__", _state(_names))  # noqa: B010
del _cls, _names
