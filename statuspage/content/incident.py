"""An incident file → model: front matter (by the table of ``incident_fields``) and
markdown (the summary and the updates), validated, every error collected; a translation
file over it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from statuspage.content import document, schema, yamlsource
from statuspage.content.incident_fields import BY_KEY, INCIDENT_FIELDS, TEXT_FIELDS
from statuspage.content.schema import INVALID, Reading
from statuspage.errors import Problem, Problems, known
from statuspage.markup import audit
from statuspage.model import (
    EMPTY_TEXT,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    SiteConfig,
    Text,
    Update,
)
from statuspage.times import TimeError, format_time, parse_time

HEADING_HINT = document.HEADING_HINT


# -- the body: summary and updates --------------------------------------------------------

@dataclass
class RawUpdate:
    time_text: str
    status: str
    body: str
    line: int  # the heading's
    body_line: int  # the body's first line with text


def split_updates(body: str, first_line: int,
                  problems: Problems) -> tuple[str, int, list[RawUpdate]]:
    """The summary (text before the first ``##``), its first line, and each update."""
    lines = body.split("\n")
    marks = list(document.headings(lines))
    for mark in marks:
        if mark.time is None:
            problems.error(f"update heading {mark.text!r} is not an update: {HEADING_HINT} "
                           "(use ### for a sub-heading inside an update)",
                           line=first_line + mark.index)
    ends = [m.index for m in marks[1:]] + [len(lines)] if marks else []

    def block(start: int, end: int) -> tuple[str, int]:
        chunk = lines[start:end]
        skipped = next((n for n, line in enumerate(chunk) if line.strip()), 0)
        return "\n".join(chunk).strip(), first_line + start + skipped

    summary, summary_line = block(0, marks[0].index if marks else len(lines))
    updates = []
    for mark, end in zip(marks, ends, strict=True):
        if mark.time is not None:
            text, line = block(mark.index + 1, end)
            updates.append(RawUpdate(mark.time, mark.status or "", text,
                                     first_line + mark.index, line))
    return summary, summary_line, updates


def _document(text: str, problems: Problems) -> tuple[yamlsource.Located, str, int] | None:
    """(front matter, body, body's first line), or None with its problem recorded."""
    try:
        meta_text, meta_line, body, body_line = document.split_front_matter(text)
        meta = yamlsource.load(meta_text, meta_line)
    except (document.FrontMatterProblem, yamlsource.YAMLProblem) as err:
        problems.error(str(err), line=getattr(err, "line", 1))
        return None
    problems.doc = meta
    return meta, body, body_line


def _shown(moment: datetime, config: SiteConfig, other: datetime) -> str:
    """A time for a message comparing two: in the site zone, with offsets if either was
    written with one of its own."""
    own = moment.utcoffset() != moment.astimezone(config.timezone).utcoffset() or \
        other.utcoffset() != other.astimezone(config.timezone).utcoffset()
    return format_time(moment, config.timezone, offset=own)


def _check_timeline(updates: list[Update], started: datetime | None, is_maintenance: bool,
                    config: SiteConfig, problems: Problems) -> None:
    chronological = list(reversed(updates))
    if started is not None and not is_maintenance:  # a maintenance is announced before it starts
        for update in chronological:
            if update.time < started:
                problems.error(
                    f"update at {_shown(update.time, config, started)} is before started "
                    f"({_shown(started, config, update.time)}): fix its time or move started "
                    "earlier", line=update.line)
    if is_maintenance:
        return
    # After a resolution: a postmortem, or an update that reopens the incident (any other
    # status: statuspage reopen), which a later resolution closes again. Updates are
    # newest first; at equal times the one higher in the file is newer.
    resolution: Update | None = None  # the one it is resolved by, while it is
    for update in chronological:
        if update.status == IncidentStatus.RESOLVED and resolution is not None:
            problems.error(
                f"a second resolved update (the first is on line {resolution.line}) with no "
                "update reopening the incident between: keep one resolved update; use "
                "postmortem for the others", line=update.line)
        elif update.status == IncidentStatus.RESOLVED:
            resolution = update
        elif update.status != IncidentStatus.POSTMORTEM:
            resolution = None


def _updates(raw_updates: list[RawUpdate], statuses, config: SiteConfig,
             problems: Problems) -> list[Update]:
    updates = []
    for raw in raw_updates:
        if raw.status not in {s.value for s in statuses}:
            problems.error(f"unknown status {raw.status!r} (known: "
                           f"{', '.join(s.value for s in statuses)})", line=raw.line)
            continue
        try:
            when = parse_time(raw.time_text, config.timezone)
        except TimeError as err:
            problems.error(str(err), line=raw.line)
            continue
        audit(raw.body, raw.body_line, problems)
        updates.append(Update(when, statuses(raw.status),
                              Text({config.default_language: raw.body}), raw.line))
    # Newest first; for equal times the one written higher in the file is newer.
    updates.sort(key=lambda u: u.time, reverse=True)
    return _ranked(updates)


def parse_incident(incident_id: str, path: str, text: str, config: SiteConfig,
                   problems: Problems) -> Incident | None:
    if not schema.SLUG.fullmatch(incident_id):
        problems.error(f"incident id {incident_id!r} (the file name) is not a slug: rename the "
                       "file with lowercase letters, digits and '-', e.g. 2026-11-20-fibre-lyon.md")
    elif len(incident_id) > schema.MAX_ID:
        problems.error(f"incident id (the file name) is {len(incident_id)} characters long: at "
                       f"most {schema.MAX_ID}, as it names the incident's folder and files; "
                       "rename the file")
    parts = _document(text, problems)
    if parts is None:
        return None
    meta, body, body_line = parts
    if not isinstance(meta.value, dict):
        problems.error("front matter: expected fields such as title, impact, components, started",
                       line=2)
        return None
    reading = Reading(problems, config.languages, config, config.default_language)
    values = schema.read_table(INCIDENT_FIELDS, meta.value, reading)
    is_maintenance = values["maintenance"] is not None
    summary, summary_line, raw_updates = split_updates(body, body_line, problems)
    statuses = MaintenanceStatus if is_maintenance else IncidentStatus
    updates = _updates(raw_updates, statuses, config, problems)
    audit(summary, summary_line, problems)
    _check_timeline(updates, values["started"] or None, is_maintenance, config, problems)
    promise, started = values["next_update"], values["started"]
    if promise and started and promise < started:  # a maintenance's window is checked apart
        problems.error(f"next_update: {_shown(promise, config, started)} is before started "
                       f"({_shown(started, config, promise)}): promise a time to come, or "
                       "remove it", "next_update")
    if problems.errors:
        return None
    return Incident(  # every row of the table is a field of Incident
        id=incident_id,
        updates=tuple(updates),
        summary=Text({config.default_language: summary}) if summary else EMPTY_TEXT,
        path=path,
        **values,
    )


def apply_translation(incident: Incident, lang: str, text: str, config: SiteConfig,
                      problems: Problems) -> Incident:
    """Overlay a ``<id>.<lang>.md`` file (its problems go to ``problems``, named by its
    path): text fields, summary, and updates by heading."""
    parts = _document(text, problems)
    if parts is None:
        return incident
    meta, body, body_line = parts
    data = meta.value if isinstance(meta.value, dict) else {}
    if meta.value is not None and not isinstance(meta.value, dict):
        problems.error("front matter: expected the translated fields, e.g. title: …", line=2)
    fields = _translated_fields(incident, lang, data, Reading(problems, (lang,), config))
    summary, summary_line, raw_updates = split_updates(body, body_line, problems)
    if summary:
        audit(summary, summary_line, problems)
        fields["summary"] = incident.summary.merged({lang: summary})
    fields["updates"] = _translated_updates(incident, lang, raw_updates, config, problems)
    return replace(incident, **fields)


def _translated_fields(incident: Incident, lang: str, data: dict,
                       reading: Reading) -> dict[str, Any]:
    """What a translation's front matter gives, by the table: the texts in ``lang``, the
    parts of facts it may name (``overlay``); a fact itself is refused."""
    problems = reading.problems
    fields: dict[str, Any] = {}
    for key, value in data.items():
        field = BY_KEY.get(key)
        if field is not None and field.overlay is not None:
            fields[key] = field.overlay(incident, lang, value, reading)
        elif field is not None and not field.text:
            problems.error(f"{key}: a translation never changes facts; remove it here and set "
                           f"it in {incident.path}", key)
        elif field is None:
            problems.error(f"unknown key {key!r} (a translation may set: {known(TEXT_FIELDS)})",
                           key)
        elif not isinstance(value, str):
            problems.error(f"{key}: a translation gives the text in {lang} as one string", key)
        elif (translated := field.read(reading, value, (key,))) is not INVALID:
            fields[key] = getattr(incident, key).merged({lang: translated[""]})
    return fields


def _translated_updates(incident: Incident, lang: str, raw_updates: list[RawUpdate],
                        config: SiteConfig, problems: Problems) -> tuple[Update, ...]:
    """The incident's updates with the bodies a translation gives, each under the heading
    of the update it translates."""
    by_heading: dict[tuple, list[int]] = {}  # newest first, like the translation's headings
    for index, update in enumerate(incident.updates):
        by_heading.setdefault((update.time, update.status.value), []).append(index)
    updates = list(incident.updates)
    for raw in raw_updates:
        try:
            when = parse_time(raw.time_text, config.timezone)
        except TimeError as err:
            problems.error(str(err), line=raw.line)
            continue
        same = by_heading.get((when, raw.status))
        if not same:
            problems.error(f"no update '{raw.time_text} · {raw.status}' in {incident.path}: "
                           "repeat the heading of the update you translate exactly",
                           line=raw.line)
            continue
        index = same.pop(0)
        audit(raw.body, raw.body_line, problems)
        original = updates[index]
        updates[index] = replace(original, body=original.body.merged({lang: raw.body}))
    return tuple(updates)


def _ranked(updates: list[Update]) -> list[Update]:
    """Number the updates that share a minute and a status, oldest first, so that each has
    its own anchor (and feed entry id): a second one gets ``repeat`` 2."""
    seen: dict[tuple, int] = {}
    ranked = []
    for update in reversed(updates):
        key = (update.time, update.status)
        seen[key] = seen.get(key, 0) + 1
        ranked.append(replace(update, repeat=seen[key]) if seen[key] > 1 else update)
    return ranked[::-1]


# An update a few minutes ahead is a clock a little fast, or one written for the hour;
# further ahead, it may be a typo in the date that keeps it hidden for days.
AHEAD = timedelta(minutes=5)


def future_updates(site: Site, now: datetime) -> list[Problem]:
    """A warning for each update dated more than ``AHEAD`` after ``now``, at its line."""
    zone = site.config.timezone
    return [Problem(incident.path, update.line,
                    "update dated in the future: hidden until "
                    f"{format_time(update.time, zone)} {update.time.astimezone(zone):%Z}; "
                    "fix its date if it is a typo")
            for incident in site.incidents for update in incident.updates
            if update.time > now + AHEAD]
