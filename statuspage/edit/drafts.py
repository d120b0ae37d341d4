"""A new incident or maintenance as the writing commands make it, before it is written:
its model from what the command was given, its id's words, its file's text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from slugify import slugify as _slugify

from statuspage.content.document import update_heading
from statuspage.content.incident_fields import front_matter
from statuspage.edit.filing import check_message, one_line, one_newline
from statuspage.errors import StatusPageError
from statuspage.model import (
    ComponentStatus,
    FrozenMap,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    SiteConfig,
    Text,
    Update,
    Window,
)
from statuspage.times import format_time


def slugify(text: str, limit: int = 60) -> str:
    """A title as an id's words: transliterated to ASCII ("cœur" → "coeur", "Straße" →
    "strasse", "Сбой" → "sboi"), lowercase, words joined by '-', at most ``limit``
    characters; "incident" when nothing is left (a title of emoji or punctuation)."""
    slug = _slugify(text, max_length=limit, separator="-", lowercase=True)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    return slug[:limit].rstrip("-") or "incident"


def to_minute(moment: datetime) -> datetime:
    """An update dated now is written to the minute, as staff write them."""
    return moment.replace(second=0, microsecond=0)


def format_incident(incident: Incident, config: SiteConfig) -> str:
    """The file text for an incident (the original, in the default language)."""
    lang = config.default_language
    lines = ["---", *front_matter(incident, config), "---"]
    summary = incident.summary.get_in(lang, lang).value
    if summary:
        lines += [summary, ""]
    for update in incident.updates:
        lines += [update_heading(update, config), update.body.get_in(lang, lang).value, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class Draft:
    """What a new incident or maintenance says, in the default language: its title, the
    services concerned (None as a status: the default one), the first update's text, and
    optionally its id, who is affected and what to do."""

    title: str
    components: dict[str, ComponentStatus | None]
    message: str
    incident_id: str | None = None
    who: str | None = None
    what_to_do: str | None = None


def _text(lang: str, value: str | None) -> Text:
    return Text({lang: one_newline(value).strip()}) if value else Text({})


@dataclass(frozen=True)
class Opening:
    """How a new incident opens: its impact and first status, the promised next update,
    and when customers were first affected (None: now)."""

    impact: Impact
    status: str
    next_update: datetime | None = None
    started: datetime | None = None


def new_incident(config: SiteConfig, draft: Draft, opening: Opening,
                 now: datetime) -> Incident:
    """The model of a new incident with its first update (not yet written).

    The first update is dated now; ``opening.started`` (when customers were first
    affected, for an incident noticed late) is the incident's start and its id's date.
    """
    lang = config.default_language
    check_components(config, draft.components)
    if opening.status not in {s.value for s in IncidentStatus}:
        raise StatusPageError(f"unknown status {opening.status!r} "
                              f"(known: {', '.join(s.value for s in IncidentStatus)})")
    local_now = to_minute(now.astimezone(config.timezone))
    started = opening.started
    begun = local_now if started is None else started.astimezone(config.timezone)
    if begun > now:
        raise StatusPageError(f"started {format_time(begun, config.timezone)} is in the "
                              "future: give the time customers were first affected")
    begun = min(begun, local_now)  # within this minute: the first update's
    impact = opening.impact
    return Incident(
        id=draft.incident_id or f"{begun:%Y-%m-%d}-{slugify(draft.title)}",
        title=Text({lang: one_line(draft.title)}),
        impact=impact,
        components=FrozenMap({cid: s or impact.component_status
                              for cid, s in draft.components.items()}),
        started=begun,
        updates=(Update(local_now, IncidentStatus(opening.status),
                        Text({lang: check_message(draft.message)})),),
        next_update=opening.next_update,
        who_is_affected=_text(lang, draft.who),
        what_to_do=_text(lang, draft.what_to_do),
    )


def check_components(config: SiteConfig, components: dict) -> None:
    known = {c.id for c in config.components}
    for component_id in components:
        if component_id not in known:
            raise StatusPageError(f"unknown component {component_id!r} "
                                  f"(known: {', '.join(sorted(known))})")


def new_maintenance(config: SiteConfig, draft: Draft, window: Window,
                    now: datetime) -> Incident:
    """The model of a planned maintenance with its announcement (not yet written).

    The announcement (``scheduled``) is dated now; the maintenance starts with its window,
    to the second as given.
    """
    lang = config.default_language
    check_components(config, draft.components)
    local_now = to_minute(now.astimezone(config.timezone))
    start, end = (t.astimezone(config.timezone) for t in (window.start, window.end))
    return Incident(
        id=draft.incident_id or f"{start:%Y-%m-%d}-{slugify(draft.title)}",
        title=Text({lang: one_line(draft.title)}),
        impact=Impact.NONE,
        components=FrozenMap({cid: s or ComponentStatus.UNDER_MAINTENANCE
                              for cid, s in draft.components.items()}),
        started=start,
        updates=(Update(local_now, MaintenanceStatus.SCHEDULED,
                        Text({lang: check_message(draft.message)})),),
        maintenance=Window(start, end),
        who_is_affected=_text(lang, draft.who),
        what_to_do=_text(lang, draft.what_to_do),
    )
