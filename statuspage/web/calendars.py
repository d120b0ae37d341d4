"""The maintenance calendars' files (iCalendar): one event per planned maintenance, its
UID fixed, its SEQUENCE up with every update, so a calendar app keeps one event. The
feeds' blueprint serves them (``feeds.py``)."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from flask import Response, g
from icalendar import Calendar, Event

from statuspage.markup import plain_text
from statuspage.model import STATUS_LABELS, MaintenanceStatus, Text
from statuspage.state.status import IncidentView as View
from statuspage.web import languages

CALENDAR = "text/calendar"

_ = languages.translate


def _text(text: Text) -> str:
    return languages.in_lang(text).value


def ics(views: list[View]) -> Response:
    """A calendar of these maintenance windows, in the request's language."""
    config = g.site.config
    host = urlsplit(config.url).hostname
    cal = Calendar()
    cal.add("prodid", f"-//statuspage//{host}//{g.lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("%(name)s: planned maintenance") % {"name": _text(config.name)})
    for view in views:
        cal.add_component(_event(view, host))
    return Response(cal.to_ical(), mimetype=CALENDAR)


def _event(incident: View, host: str) -> Event:
    config = g.site.config
    shown = incident.updates
    changed = (shown[0].time if shown else incident.started).astimezone(UTC)
    cancelled = incident.status == MaintenanceStatus.CANCELLED
    names = ", ".join(_text(config.name_of(c)) for c in incident.components)
    permalink = languages.public_url("pages.incident", incident_id=incident.id)
    # Plain text, and only what the page shows: some calendar apps render HTML here.
    description = [plain_text(_text(incident.summary)),
                   _("Affected services: %(names)s") % {"names": names}]
    if shown:
        description.append(_("%(status)s: %(title)s") % {
            "status": _(STATUS_LABELS[shown[0].status]), "title": plain_text(_text(shown[0].body))})
    description.append(permalink)
    event = Event()
    event.add("uid", f"{incident.id}@{host}")
    event.add("dtstamp", changed)
    event.add("created", (shown[-1].time if shown else incident.started).astimezone(UTC))
    event.add("last-modified", changed)
    event.add("sequence", max(len(shown) - 1, 0))
    event.add("dtstart", incident.maintenance.start.astimezone(UTC))
    event.add("dtend", incident.maintenance.end.astimezone(UTC))
    event.add("summary", _text(incident.title))
    event.add("description", "\n\n".join(part for part in description if part))
    if incident.areas:
        event.add("location", languages.language().places(incident.areas, every=True))
    event.add("url", permalink)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a maintenance does not make the reader busy
    return event


def webcal(url: str) -> str:
    """The calendar's address for "subscribe" links: webcal:// opens the calendar app."""
    return "webcal://" + url.split("://", 1)[1]
