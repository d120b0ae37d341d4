"""Content files → model: front matter + markdown, validated, every error collected.

``INCIDENT_FIELDS`` is the front matter: each row reads, checks and writes one key, and
says whether a translation may give it. ``Loader`` reads a site and keeps what it parsed,
so that loading again re-reads only the files that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from statuspage import places, refs
from statuspage.content import document, schema, yamlsource
from statuspage.content.schema import INVALID, Field, Reading
from statuspage.errors import Problem, Problems, known
from statuspage.markup import audit
from statuspage.model import (
    EMPTY_TEXT,
    Area,
    ComponentStatus,
    FrozenMap,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    Site,
    SiteConfig,
    Text,
    Update,
    Window,
)
from statuspage.times import TimeError, format_time, parse_time

HEADING_HINT = document.HEADING_HINT


# -- the front matter, as a table ---------------------------------------------------------

def _window(reading: Reading, value: Any, path) -> Any:
    if not isinstance(value, dict) or not {"start", "end"} <= set(value):
        return reading.error("expected {start: …, end: …}", path)
    reading.problems.unknown_keys(value, {"start", "end"}, *path)
    start = schema.time(reading, value["start"], (*path, "start"))
    end = schema.time(reading, value["end"], (*path, "end"))
    if start is INVALID or end is INVALID:
        return INVALID
    if end <= start:
        reading.problems.error(f"{schema.dotted(path)}: end is before start: swap them or fix "
                               "the end", *path, "end")
        return INVALID
    return Window(start, end)


def _write_window(key: str, window: Window, config: SiteConfig) -> list[str]:
    return [f"{key}:", f"  start: {format_time(window.start, config.timezone)}",
            f"  end: {format_time(window.end, config.timezone)}"]


def _components(reading: Reading, value: Any, path) -> Any:
    """``[id, …]`` (statuses from the impact) or ``{id: status, …}``."""
    values = reading.values or {}
    maintenance = values.get("maintenance") is not None
    impact = values.get("impact") or Impact.NONE
    default = ComponentStatus.UNDER_MAINTENANCE if maintenance else impact.component_status
    ids = {c.id for c in reading.config.components}
    if isinstance(value, list):
        mapping: dict[str, None] = {}
        for index, item in enumerate(value):
            if not isinstance(item, str):
                reading.problems.error("components: each item of the list is a component id, "
                                       "e.g. components: [fibre, adsl]", *path, index)
            elif item in mapping:
                reading.problems.error(f"components: {item!r} is listed twice", *path, index)
            else:
                mapping[item] = None
        value = mapping
    if not isinstance(value, dict):
        return reading.error("expected a list of ids or a mapping id: status", path)
    statuses = {s.value for s in ComponentStatus}
    result = {}
    for component_id, status in value.items():
        where = (*path, component_id)
        if component_id not in ids:
            reading.problems.error(f"components: unknown component {component_id!r} "
                                   f"(known: {known(ids)})", *where)
        elif status in (None, ""):
            result[component_id] = default
        elif not isinstance(status, str) or status not in statuses:
            shown = status if isinstance(status, str) else type(status).__name__
            reading.problems.error(f"components: unknown status {shown!r} for "
                                   f"{component_id!r} (known: {known(statuses)})", *where)
        else:
            result[component_id] = ComponentStatus(status)
    return FrozenMap(result)


def _write_components(key: str, components: FrozenMap, config: SiteConfig) -> list[str]:
    return [f"{key}:", *(f"  {cid}: {status}" for cid, status in components.items())]


def _reference(reading: Reading, value: Any, path) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # ref: 234567, digits only, unquoted
    if not isinstance(value, str) or not refs.is_reference(value):
        return reading.error(f"{value!r} is not a reference: {refs.LENGTH} characters among "
                             f"{refs.ALPHABET} (no 0, O, 1, I or L), e.g. ref: {refs.EXAMPLE}",
                             path)
    return refs.normalize(value)


AREAS_HINT = ('expected a list of postal codes, e.g. areas: ["69003", "13"], or codes with '
              'their names, e.g. areas: {"69003": Lyon 3e, "69007": Lyon 7e}')


def _area_error(reading: Reading, message: str, where) -> None:
    """A problem of one area, at its line (named ``areas:``, not by its code)."""
    reading.problems.error(f"areas: {message}", *where)


def _area_code(reading: Reading, code: Any, path) -> str | None:
    """A postal code or prefix of ``areas:``, or None with its problem recorded."""
    if not isinstance(code, str) or not places.is_code(places.normalize(code)) \
            or places.normalize(code) != code.strip().upper():
        shown = code if isinstance(code, str) else type(code).__name__
        _area_error(reading, f"{shown!r} is not a postal code: letters and digits only (at most "
                      f"10), a code such as {places.EXAMPLE} or its start such as \"69\"", path)
        return None
    code = places.normalize(code)
    pattern = reading.config.postcode
    if not places.fits(code, pattern):
        _area_error(reading, f"{code!r} is neither a postal code nor the start of one: site.yaml's "
                      f"postcode is {pattern.pattern!r}; fix the code, or the pattern", path)
        return None
    return code


def _areas(reading: Reading, value: Any, path) -> Any:
    """``["69003", "13"]`` or ``{"69003": Lyon 3e, …}`` (a label may be given per
    language); codes and prefixes, each once."""
    if isinstance(value, list):
        items = [(item, None, (*path, index)) for index, item in enumerate(value)]
    elif isinstance(value, dict):
        items = [(code, label, (*path, code)) for code, label in value.items()]
    else:
        return reading.error(AREAS_HINT, path)
    if not items:
        return reading.error(f"empty; {AREAS_HINT} (or remove areas: when it is everywhere)",
                             path)
    found: dict[str, Area] = {}
    read_label = schema.text()
    for code, label, where in items:
        normal = _area_code(reading, code, where)
        if normal is None:
            continue
        if normal in found:
            _area_error(reading, f"{normal!r} is listed twice", where)
            continue
        text = EMPTY_TEXT if label in (None, "") else read_label(reading, label, where)
        if text is not INVALID:
            found[normal] = Area(normal, text)
    return tuple(found.values())


def _write_areas(key: str, areas: tuple[Area, ...], config: SiteConfig) -> list[str]:
    if not areas:
        return []
    if not any(area.label for area in areas):
        return [f"{key}: [{', '.join(schema.scalar(a.code) for a in areas)}]"]
    lines = [f"{key}:"]
    for area in areas:
        code = f"  {schema.scalar(area.code)}"
        lines += schema.write_text(code, area.label, config) if area.label else [f"{code}:"]
    return lines


def _component_hint(values: dict, reading: Reading) -> str:
    first = min((c.id for c in reading.config.components), default="fibre")
    return f"list the affected components, e.g. components: [{first}]"


def _unless_maintenance(hint: str):
    return lambda values, reading: None if values.get("maintenance") is not None else hint


TITLE_HINT = "give the incident a title customers understand"
IMPACTS = ", ".join(i.value for i in Impact)
INCIDENT_FIELDS = [  # parsed and written in this order
    Field("title", schema.text(required=TITLE_HINT), text=True, required=TITLE_HINT,
          write=schema.write_text),
    Field("maintenance", _window, write=_write_window),
    Field("impact", schema.choice(list(Impact)), write=schema.write_plain,
          required=_unless_maintenance(f"one of {IMPACTS}"),
          default=lambda values: Impact.NONE),
    Field("components", _components, required=_component_hint, write=_write_components),
    Field("started", schema.time, write=schema.write_time, omit_default=True,
          required=_unless_maintenance("when were customers first affected? e.g. "
                                       "started: 2026-11-20 09:00"),
          default=lambda values: values["maintenance"].start if values["maintenance"] else None),
    Field("next_update", schema.time, write=schema.write_time),
    Field("who_is_affected", schema.text(markdown=True), text=True, default=EMPTY_TEXT,
          write=schema.write_text),
    Field("what_to_do", schema.text(markdown=True), text=True, default=EMPTY_TEXT,
          write=schema.write_text),
    Field("areas", _areas, default=(), write=_write_areas),
    Field("ref", _reference, write=schema.write_plain),  # when two references collide
]
TEXT_FIELDS = {f.key: f for f in INCIDENT_FIELDS if f.text}
FACT_KEYS = {f.key for f in INCIDENT_FIELDS if not f.text}


def front_matter(incident: Incident, config: SiteConfig) -> list[str]:
    """The front matter lines of an incident file, by the table."""
    values = {f.key: getattr(incident, f.key) for f in INCIDENT_FIELDS}
    return schema.write_table(INCIDENT_FIELDS, values, config)


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
    fields: dict[str, Any] = {}
    reading = Reading(problems, (lang,), config)
    for key, value in data.items():
        if key == "areas":
            fields["areas"] = _translated_areas(incident, lang, value, reading)
        elif key in FACT_KEYS:
            problems.error(f"{key}: a translation never changes facts; remove it here and set "
                           f"it in {incident.path}", key)
        elif key not in TEXT_FIELDS:
            problems.error(f"unknown key {key!r} (a translation may set: {known(TEXT_FIELDS)})",
                           key)
        elif not isinstance(value, str):
            problems.error(f"{key}: a translation gives the text in {lang} as one string", key)
        else:
            translated = TEXT_FIELDS[key].read(reading, value, (key,))
            if translated is not INVALID:
                fields[key] = getattr(incident, key).merged({lang: translated[""]})
    summary, summary_line, raw_updates = split_updates(body, body_line, problems)
    if summary:
        audit(summary, summary_line, problems)
        fields["summary"] = incident.summary.merged({lang: summary})
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
    fields["updates"] = tuple(updates)
    return replace(incident, **fields)


def _translated_areas(incident: Incident, lang: str, value: Any, reading: Reading) -> tuple:
    """The incident's areas with the labels a translation gives: ``{"69003": Lyon 3rd}``,
    codes among the incident's (a translation never changes where)."""
    by_code = {area.code: area for area in incident.areas}
    if not isinstance(value, dict):
        reading.problems.error('areas: a translation gives names only, e.g. areas: {"69003": '
                               f'…}} for the codes of {incident.path}', "areas")
        return incident.areas
    for code, label in value.items():
        area = by_code.get(places.normalize(code)) if isinstance(code, str) else None
        if area is None:
            reading.problems.warn(f"areas: {code!r} is not one of the areas of {incident.path} "
                                  f"({known(by_code) if by_code else 'it has none'}): its name "
                                  "is left out; a translation names the same places", "areas",
                                  code)
        elif not isinstance(label, str) or not label.strip():
            reading.problems.error(f"areas: the name of {code!r} in {lang} is one string",
                                   "areas", code)
        else:
            by_code[area.code] = replace(area, label=area.label.merged({lang: label.strip()}))
    return tuple(by_code.values())


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
