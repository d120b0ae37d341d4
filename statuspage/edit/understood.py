"""What a writing command says it understood: the incident (its title, and its id when a
start of it was typed), its status, the services changed, and each time as written, in
the site's zone, with the day when a clock time rolled over to the next one.

Under stress, "10:30" typed at 10:43 silently became tomorrow; saying it is the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from statuspage.model import Incident, SiteConfig
from statuspage.times import format_time

_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


def rolled(text: str | None, when: datetime, reference: datetime, config: SiteConfig) -> str:
    """`` (tomorrow)`` when a clock time (``HH:MM``) was read as the day after
    ``reference`` (`` (yesterday)``, the day before); else nothing."""
    if text is None or not _CLOCK.fullmatch(text.strip()):
        return ""
    tz = config.timezone
    days = (when.astimezone(tz).date() - reference.astimezone(tz).date()).days
    return {1: " (tomorrow)", -1: " (yesterday)"}.get(days, "")


def moment(when: datetime, config: SiteConfig, note: str = "") -> str:
    """``YYYY-MM-DD HH:MM Europe/Paris``: the time as the file holds it, and its zone."""
    return f"{format_time(when, config.timezone)} {config.timezone.key}{note}"


def window(config: SiteConfig, now: datetime, start: tuple[str | None, datetime | None],
           end: tuple[str | None, datetime | None]) -> list[tuple[str, str]]:
    """A maintenance's start and end, each as (typed, read), as understood; an end's
    ``HH:MM`` is read after its start, so it may be the day after."""
    found = []
    (start_text, starts), (end_text, ends) = start, end
    if starts is not None:
        found.append(("start", moment(starts, config, rolled(start_text, starts, now, config))))
    if ends is not None:
        note = rolled(end_text, ends, now, config) or (
            " (the day after its start)" if starts and rolled(end_text, ends, starts, config)
            else "")
        found.append(("end", moment(ends, config, note)))
    return found


def promise(incident: Incident, config: SiteConfig, now: datetime, note: str = "") -> str:
    """The promise the pages show from now on."""
    if incident.next_update is None:
        return "none"
    if incident.next_update <= now:
        return f"none (the one of {moment(incident.next_update, config)} has passed)"
    return moment(incident.next_update, config, note)


def lines(incident: Incident, config: SiteConfig, typed: str | None = None,
          services: Iterable[str] = (), times: Iterable[tuple[str, str]] = ()) -> list[str]:
    """The summary, indented under the command's own first line. ``typed``: the start of
    the id that was typed, when it was not a whole id or reference."""
    lang = config.default_language
    found = []
    if typed is not None:
        found.append(f"  incident: {incident.id} (from {typed.strip()!r})")
    found.append(f"  title: {incident.title.value_in(lang, lang)}")
    if incident.updates:
        found.append(f"  status: {incident.updates[0].status}")
    changed = [f"{cid} {incident.components[cid]}" for cid in services
               if cid in incident.components]
    if changed:
        found.append(f"  services: {', '.join(changed)}")
    found += [f"  {label}: {text}" for label, text in times]
    return found
