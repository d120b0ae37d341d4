"""An incident's front matter, as a table: each row of ``INCIDENT_FIELDS`` reads, checks,
writes and documents one key, and says whether a translation may give it, whether the API
shows it and which option of the writing commands sets it.

Adding a key is one row here, a field of ``model.Incident`` and what a template shows of
it (docs/format.md, "Adding a front-matter field").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from statuspage import places, refs
from statuspage.content import schema
from statuspage.content.schema import INVALID, Field, Reading
from statuspage.errors import known
from statuspage.model import (
    EMPTY_TEXT,
    Area,
    ComponentStatus,
    FrozenMap,
    Impact,
    Incident,
    SiteConfig,
    Window,
)
from statuspage.times import format_time


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


def _translated_areas(incident: Incident, lang: str, value: Any, reading: Reading) -> tuple:
    """The incident's areas with the names a translation gives: ``{"69003": Lyon 3rd}``,
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


def _component_hint(values: dict, reading: Reading) -> str:
    first = min((c.id for c in reading.config.components), default="fibre")
    return f"list the affected components, e.g. components: [{first}]"


def _unless_maintenance(hint: str):
    return lambda values, reading: None if values.get("maintenance") is not None else hint


# What each reader above reads, as the docs say it.
schema.described(_window, "`{start: time, end: time}`")
schema.described(_components, "`id: status` for each, or a list of ids")
schema.described(_areas, "a list of codes, or `code: name` for each")
schema.described(_reference, "six characters")
schema.described(_translated_areas, "the names of its codes")

TITLE_HINT = "give the incident a title customers understand"
IMPACTS = ", ".join(i.value for i in Impact)
INCIDENT_FIELDS = [  # parsed and written in this order
    Field("title", schema.text(required=TITLE_HINT, one_line=True), text=True, required=TITLE_HINT,
          write=schema.write_text, label="the title", api=("name",), cli=("TITLE", "--title"),
          kind="text, one line",
          doc="what happened, in customers' words: the heading of its page, its feed "
              "entries, mail and text messages"),
    Field("maintenance", _window, write=_write_window, shown_default="none: an incident",
          api=("scheduled_for", "scheduled_until"), cli=("--start", "--end"),
          doc="makes it a [planned maintenance](#a-planned-maintenance), from `start` to "
              "`end`"),
    Field("impact", schema.choice(list(Impact)), write=schema.write_plain,
          required=_unless_maintenance(f"one of {IMPACTS}"),
          default=lambda values: Impact.NONE, api=("impact",), cli=("--impact",),
          shown_default="required; `none` for a maintenance",
          doc="how bad it is; gives each component listed without a status its status "
              "(`minor` → degraded performance, `major` → partial outage, `critical` → "
              "major outage)"),
    Field("components", _components, required=_component_hint, write=_write_components,
          api=("components",), cli=("--component",), shown_default="required",
          doc="the affected components, each with its status while it is open "
              "(`operational`, `degraded_performance`, `partial_outage`, `major_outage`, "
              "`under_maintenance`), or a list of ids whose statuses come from the impact "
              "(a maintenance's: `under_maintenance`)"),
    Field("started", schema.time, write=schema.write_time, omit_default=True,
          required=_unless_maintenance("when were customers first affected? e.g. "
                                       "started: 2026-11-20 09:00"),
          default=lambda values: values["maintenance"].start if values["maintenance"] else None,
          api=("started_at",), cli=("--started",),
          shown_default="required; a maintenance's start",
          doc="when customers were first affected"),
    Field("next_update", schema.time, write=schema.write_time, cli=("--next-update",),
          doc="the promise customers see while it is ahead (not before `started`): "
              "\"Next update by 18:00\""),
    Field("who_is_affected", schema.text(markdown=True), text=True, default=EMPTY_TEXT,
          write=schema.write_text, cli=("--who",),
          doc="who is affected, in plain words"),
    Field("what_to_do", schema.text(markdown=True), text=True, default=EMPTY_TEXT,
          write=schema.write_text, cli=("--what-to-do",),
          doc="what customers should do; its first sentence is what the phone line reads"),
    Field("areas", _areas, default=(), write=_write_areas, overlay=_translated_areas,
          shown_default="none: everywhere",
          doc="where it is: postal codes or their start (**Areas** below), each with the "
              "name customers know it by if you like"),
    Field("ref", _reference, write=schema.write_plain,  # when two references collide
          shown_default="from the id", api=("shortlink",),
          doc="the reference support reads out (**The reference** below); `new` and "
              "`maintenance` write it"),
]
BY_KEY = {f.key: f for f in INCIDENT_FIELDS}
TEXT_FIELDS = {f.key: f for f in INCIDENT_FIELDS if f.text}
# The translatable texts (and the summary), as a message names them.
TEXT_LABELS = {**{f.key: f.words for f in TEXT_FIELDS.values()}, "summary": "the summary"}


def front_matter(incident: Incident, config: SiteConfig) -> list[str]:
    """The front matter lines of an incident file, by the table."""
    values = {f.key: getattr(incident, f.key) for f in INCIDENT_FIELDS}
    return schema.write_table(INCIDENT_FIELDS, values, config)
