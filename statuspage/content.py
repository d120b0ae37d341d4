"""Content files → model: front matter + markdown, validated, every error collected."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from statuspage import yamlsource
from statuspage.config import (
    INCIDENTS_DIR,
    SITE_FILE,
    SLUG,
    Problems,
    known,
    parse_config,
    read_text,
)
from statuspage.errors import ConfigError, ContentError, Problem
from statuspage.markup import stripped
from statuspage.model import (
    EMPTY_TEXT,
    ComponentStatus,
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
from statuspage.times import TimeError, parse_time

FACT_KEYS = {"impact", "components", "started", "next_update", "maintenance"}
TEXT_KEYS = {"title", "who_is_affected", "what_to_do"}
INCIDENT_KEYS = FACT_KEYS | TEXT_KEYS
HEADING = re.compile(r"^##(?!#)\s*(?P<rest>.*?)\s*$")
UPDATE_HEADING = re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2}[ T][0-9:]+(?:\s?(?:Z|[+-][0-9:]+))?)"
                            r"\s+·\s+(?P<status>\S+)$")
FENCE = re.compile(r"^(```|~~~)")
HEADING_HINT = "write it as '## YYYY-MM-DD HH:MM · status'"


@dataclass
class Document:
    """A content file split into front matter and markdown body."""

    meta: yamlsource.Located
    body: str
    body_line: int  # 1-based line of the body's first line


def split_front_matter(text: str) -> tuple[str, int, str, int]:
    """(front matter text, its first line, body, the body's first line); pure.

    Raises yamlsource.YAMLProblem when the file has no front matter block.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise yamlsource.YAMLProblem(
            1, "missing front matter: start the file with a line '---', the fields, then '---'"
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), 2, "".join(lines[index + 1:]), index + 2
    raise yamlsource.YAMLProblem(
        1, "front matter is not closed: add a line '---' after the last field"
    )


def read_document(text: str) -> Document:
    meta_text, meta_line, body, body_line = split_front_matter(text)
    return Document(yamlsource.load(meta_text, meta_line), body, body_line)


def _document(text: str, problems: Problems) -> Document | None:
    """The split file, or None with its problem recorded; later lines refer to it."""
    try:
        doc = read_document(text)
    except yamlsource.YAMLProblem as err:
        problems.error(str(err), line=err.line)
        return None
    problems.doc = doc.meta
    return doc


@dataclass
class RawUpdate:
    time_text: str
    status: str
    body: str
    line: int


def split_updates(body: str, first_line: int, problems: Problems) -> tuple[str, list[RawUpdate]]:
    """The summary (text before the first ``##``) and each update section."""
    sections: list[tuple[RawUpdate | None, list[str]]] = [(None, [])]
    fenced = False
    for offset, line in enumerate(body.splitlines()):
        if FENCE.match(line.strip()):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading is None:
            sections[-1][1].append(line)
            continue
        number = first_line + offset
        match = UPDATE_HEADING.match(heading["rest"])
        if match:
            sections.append((RawUpdate(match["time"], match["status"], "", number), []))
        else:
            problems.error(
                f"update heading {line.strip()!r} is not an update: {HEADING_HINT} "
                "(use ### for a sub-heading inside an update)",
                line=number,
            )
            sections.append((None, []))
    for update, lines in sections[1:]:
        if update is not None:
            update.body = "\n".join(lines).strip()
    summary = "\n".join(sections[0][1]).strip()
    return summary, [update for update, _ in sections[1:] if update is not None]


def _time(doc: yamlsource.Located, key: str, config: SiteConfig, problems: Problems,
          *path: str) -> datetime | None:
    data = doc.value
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return None
    if not isinstance(value, str):
        problems.error(f"{key}: expected a time such as 2026-11-20 09:00", *path, key)
        return None
    try:
        return parse_time(value, config.timezone)
    except TimeError as err:
        problems.error(f"{key}: {err}", *path, key)
        return None


def _components(meta: dict, impact: Impact, config: SiteConfig, problems: Problems,
                maintenance: bool) -> dict[str, ComponentStatus]:
    value = meta.get("components")
    ids = {c.id for c in config.components}
    default = ComponentStatus.UNDER_MAINTENANCE if maintenance else impact.component_status
    if value is None:
        problems.error("components: missing; list the affected components, e.g. "
                       f"components: [{next(iter(sorted(ids)), 'fibre')}]")
        return {}
    if isinstance(value, list):
        value = {item: None for item in value if isinstance(item, str)}
    if not isinstance(value, dict):
        problems.error("components: expected a list of ids or a mapping id: status", "components")
        return {}
    statuses = {s.value for s in ComponentStatus}
    result = {}
    for component_id, status in value.items():
        if component_id not in ids:
            problems.error(f"components: unknown component {component_id!r} "
                           f"(known: {known(ids)})", "components", component_id)
            continue
        if status in (None, ""):
            result[component_id] = default
        elif status not in statuses:
            problems.error(f"components: unknown status {status!r} for {component_id!r} "
                           f"(known: {known(statuses)})", "components", component_id)
        else:
            result[component_id] = ComponentStatus(status)
    return result


def _check_timeline(updates: list[Update], started: datetime | None, is_maintenance: bool,
                    problems: Problems) -> None:
    chronological = list(reversed(updates))
    if started is not None and not is_maintenance:  # a maintenance is announced before it starts
        for update in chronological:
            if update.time < started:
                problems.error(
                    f"update at {update.time:%Y-%m-%d %H:%M} is before started "
                    f"({started:%Y-%m-%d %H:%M}): fix its time or move started earlier",
                    line=update.line,
                )
    if is_maintenance:
        return
    resolved = [u for u in chronological if u.status == IncidentStatus.RESOLVED]
    for extra in resolved[1:]:
        problems.error(
            f"a second resolved update (the first is on line {resolved[0].line}): "
            "keep one resolved update; use monitoring or postmortem for the others",
            line=extra.line,
        )
    if resolved:
        # Updates are newest first; at equal times the one higher in the file is newer.
        first = next(i for i, u in enumerate(chronological) if u is resolved[0])
        for update in chronological[first + 1:]:
            if update.status not in (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM):
                problems.error(
                    f"{update.status} update after the incident was resolved (line "
                    f"{resolved[0].line}): only a postmortem may follow; to reopen, "
                    "open a new incident",
                    line=update.line,
                )


def parse_incident(incident_id: str, path: str, text: str, config: SiteConfig,
                   problems: Problems) -> Incident | None:
    if not SLUG.match(incident_id):
        problems.error(f"incident id {incident_id!r} (the file name) is not a slug: rename the "
                       "file with lowercase letters, digits and '-', e.g. 2026-11-20-fibre-lyon.md")
    doc = _document(text, problems)
    if doc is None:
        return None
    meta = doc.meta.value
    if not isinstance(meta, dict):
        problems.error("front matter: expected fields such as title, impact, components, started",
                       line=2)
        return None
    problems.unknown_keys(meta, INCIDENT_KEYS)
    languages = config.languages

    is_maintenance = "maintenance" in meta
    window = None
    if is_maintenance:
        window_data = meta["maintenance"]
        if not isinstance(window_data, dict) or not {"start", "end"} <= set(window_data):
            problems.error("maintenance: expected {start: …, end: …}", "maintenance")
        else:
            problems.unknown_keys(window_data, {"start", "end"}, "maintenance")
            start = _time(doc.meta, "start", config, problems, "maintenance")
            end = _time(doc.meta, "end", config, problems, "maintenance")
            if start and end:
                if end <= start:
                    problems.error("maintenance: end is before start: swap them or fix the end",
                                   "maintenance", "end")
                else:
                    window = Window(start, end)

    impact_text = meta.get("impact", "none" if is_maintenance else None)
    if impact_text is None:
        problems.error(f"impact: missing; one of {', '.join(i.value for i in Impact)}")
        impact = Impact.NONE
    elif impact_text not in {i.value for i in Impact}:
        problems.error(f"impact: unknown impact {impact_text!r} "
                       f"(known: {', '.join(i.value for i in Impact)})", "impact")
        impact = Impact.NONE
    else:
        impact = Impact(impact_text)

    if "title" not in meta:
        problems.error("title: missing; give the incident a title customers understand")
    started = _time(doc.meta, "started", config, problems)
    if started is None and window is not None:
        started = window.start
    elif started is None and "started" not in meta and not is_maintenance:
        problems.error("started: missing; when were customers first affected? "
                       "e.g. started: 2026-11-20 09:00")
    next_update = _time(doc.meta, "next_update", config, problems)

    statuses = MaintenanceStatus if is_maintenance else IncidentStatus
    summary, raw_updates = split_updates(doc.body, doc.body_line, problems)
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
        _audit(raw.body, raw.line, problems)
        updates.append(Update(when, statuses(raw.status), Text({config.default_language:
                                                                raw.body}), raw.line))
    _audit(summary, doc.body_line, problems)
    # Newest first; for equal times the one written higher in the file is newer.
    updates.sort(key=lambda u: u.time, reverse=True)
    updates = _ranked(updates)
    _check_timeline(updates, started, is_maintenance, problems)

    def text(key: str) -> Text:
        return _in_default(read_text(meta.get(key), (key,), languages, problems), config)

    for key in ("who_is_affected", "what_to_do"):
        for value in text(key).values():
            _audit(value, doc.meta.line(key), problems)

    return Incident(
        id=incident_id,
        title=text("title"),
        impact=impact,
        components=_components(meta, impact, config, problems, is_maintenance),
        started=started or datetime.fromtimestamp(0, config.timezone),
        updates=tuple(updates),
        summary=Text({config.default_language: summary}) if summary else EMPTY_TEXT,
        next_update=next_update,
        who_is_affected=text("who_is_affected"),
        what_to_do=text("what_to_do"),
        maintenance=window,
        path=path,
    )


def _in_default(text: Text, config: SiteConfig) -> Text:
    """A plain string in the original file is written in the default language."""
    if "" in text:
        return Text({config.default_language: text[""]}) if len(config.languages) > 1 else text
    return text


def _audit(markdown_text: str, line: int, problems: Problems) -> None:
    for what in stripped(markdown_text):
        problems.warn(f"{what} is removed from the published page: write plain markdown "
                      "instead", line=line)


def apply_translation(incident: Incident, lang: str, path: str, text: str,
                      config: SiteConfig, problems: Problems) -> Incident:
    """Overlay a ``<id>.<lang>.md`` file: text fields, summary, and updates by heading."""
    doc = _document(text, problems)
    if doc is None:
        return incident
    meta = doc.meta.value if isinstance(doc.meta.value, dict) else {}
    for key in meta:
        if key in FACT_KEYS:
            problems.error(f"{key}: a translation never changes facts; remove it here and set "
                           f"it in {incident.path}", key)
        elif key not in TEXT_KEYS:
            problems.error(f"unknown key {key!r} (a translation may set: {known(TEXT_KEYS)})", key)
    fields = {}
    for key in TEXT_KEYS & set(meta):
        value = meta[key]
        if isinstance(value, str):
            fields[key] = getattr(incident, key).merged({lang: value.strip()})
            if key != "title":
                _audit(value, doc.meta.line(key), problems)
        else:
            problems.error(f"{key}: a translation gives the text in {lang} as one string", key)
    summary, raw_updates = split_updates(doc.body, doc.body_line, problems)
    if summary:
        _audit(summary, doc.body_line, problems)
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
        index = same.pop(0) if same else None
        if index is None:
            problems.error(f"no update '{raw.time_text} · {raw.status}' in {incident.path}: "
                           "repeat the heading of the update you translate exactly",
                           line=raw.line)
            continue
        _audit(raw.body, raw.line, problems)
        original = updates[index]
        updates[index] = replace(original, body=original.body.merged({lang: raw.body}))
    fields["updates"] = tuple(updates)
    return replace(incident, **fields)


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


def site_paths(root: Path) -> tuple[Path, Path]:
    return root / SITE_FILE, root / INCIDENTS_DIR


def read_source(path: Path, label: str, problems: Problems) -> str | None:
    """A content file's text (UTF-8, a BOM allowed, any line ending), or None with a problem."""
    if path.is_dir():
        problems.error("is a folder, not a content file: rename or remove it", line=1)
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        problems.error(f"not UTF-8 (byte 0x{data[err.start]:02x}): save the file as UTF-8",
                       line=line)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_config(root: Path) -> tuple[SiteConfig, Problems]:
    site_file, _ = site_paths(root)
    if not site_file.is_file():
        raise ConfigError(f"no site here: {site_file} is missing (run 'statuspage init' to "
                          "create a site, or pass --site DIR)")
    problems = Problems(str(SITE_FILE))
    text = read_source(site_file, str(SITE_FILE), problems)
    config = None
    if text is not None:
        config, problems = parse_config(text, str(SITE_FILE))
    if problems.errors or config is None:
        raise ContentError(problems.errors)
    return config, problems


def load_config(root: Path) -> SiteConfig:
    return _load_config(root)[0]


def load_site(root: Path) -> Site:
    """Load and validate the whole site; raise ContentError listing every error."""
    config, config_problems = _load_config(root)
    _, incidents_dir = site_paths(root)
    errors: list[Problem] = []
    warnings: list[Problem] = list(config_problems.warnings)
    originals: dict[str, Incident] = {}
    translations: list[tuple[str, str, Path]] = []
    files = sorted(incidents_dir.glob("*.md")) if incidents_dir.is_dir() else []
    for file in files:
        stem = file.name[:-3]
        base, _, lang = stem.rpartition(".")
        if base:
            translations.append((base, lang, file))
            continue
        label = str(INCIDENTS_DIR / file.name)
        problems = Problems(label)
        text = read_source(file, label, problems)
        incident = None if text is None else parse_incident(stem, label, text, config, problems)
        errors += problems.errors
        warnings += problems.warnings
        if incident is not None and not problems.errors:
            originals[stem] = incident
    for base, lang, file in translations:
        label = str(INCIDENTS_DIR / file.name)
        problems = Problems(label)
        if lang not in config.languages[1:]:
            problems.error(f"unknown translation language {lang!r}: name the file "
                           f"<id>.<lang>.md with one of {', '.join(config.languages[1:]) or '—'}")
        elif not (incidents_dir / f"{base}.md").is_file():
            problems.error(f"translation without its original: {INCIDENTS_DIR / (base + '.md')} "
                           "does not exist (rename this file to match an incident id)")
        elif base in originals:
            text = read_source(file, label, problems)
            if text is not None:
                originals[base] = apply_translation(originals[base], lang, label, text, config,
                                                    problems)
        errors += problems.errors
        warnings += problems.warnings
    if errors:
        raise ContentError(errors)
    incidents = sorted(originals.values(), key=lambda i: (i.started, i.id), reverse=True)
    return Site(config, tuple(incidents), tuple(sorted(warnings)))


class LiveSite:
    """The site as it is on disk now: reloaded when a content file changes."""

    def __init__(self, root: Path):
        self.root = root
        self._signature: tuple = ()
        self._site: Site | None = None

    def _current_signature(self) -> tuple:
        site_file, incidents_dir = site_paths(self.root)
        files = [site_file, *sorted(incidents_dir.glob("*.md"))]
        return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files
                     if f.exists())

    def __call__(self) -> Site:
        signature = self._current_signature()
        if self._site is None or signature != self._signature:
            self._site = load_site(self.root)
            self._signature = signature
        return self._site
