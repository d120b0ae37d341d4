"""Writing incident files: the same format staff write by hand, stable under a rewrite.

Changes to an existing file are made under a lock on the incidents folder, so
two commands updating incidents at once both land; each file is replaced in one
step, so a reader never sees half a file.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import yaml

from statuspage.config import INCIDENTS_DIR, SLUG, Problems
from statuspage.content import HEADING, UPDATE_HEADING, parse_incident, split_front_matter
from statuspage.errors import ContentError, IncidentNotFound, StatusPageError
from statuspage.model import (
    ComponentStatus,
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
from statuspage.web.i18n import translations


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"


def to_minute(moment: datetime) -> datetime:
    """Times the CLI writes are to the minute, as staff write them."""
    return moment.replace(second=0, microsecond=0)


def _scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _text(text: Text, config: SiteConfig) -> str:
    if set(text) <= {config.default_language, ""} and len(text) == 1:
        return _scalar(next(iter(text.values())))
    return yaml.safe_dump(dict(text), allow_unicode=True, width=10**9,
                          default_flow_style=True).strip()


def format_incident(incident: Incident, config: SiteConfig) -> str:
    """The file text for an incident (the original, in the default language)."""
    tz = config.timezone
    lang = config.default_language
    lines = ["---", f"title: {_text(incident.title, config)}", f"impact: {incident.impact}"]
    if incident.maintenance:
        lines += ["maintenance:", f"  start: {format_time(incident.maintenance.start, tz)}",
                  f"  end: {format_time(incident.maintenance.end, tz)}"]
    lines.append("components:")
    lines += [f"  {cid}: {status}" for cid, status in incident.components.items()]
    lines.append(f"started: {format_time(incident.started, tz)}")
    if incident.next_update:
        lines.append(f"next_update: {format_time(incident.next_update, tz)}")
    for key in ("who_is_affected", "what_to_do"):
        if getattr(incident, key):
            lines.append(f"{key}: {_text(getattr(incident, key), config)}")
    lines.append("---")
    summary = incident.summary.get_in(lang, lang).value
    if summary:
        lines += [summary, ""]
    for update in incident.updates:
        lines += [update_heading(update, config), update.body.get_in(lang, lang).value, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def update_heading(update: Update, config: SiteConfig) -> str:
    return f"## {format_time(update.time, config.timezone)} · {update.status}"


@contextmanager
def locked(root: Path) -> Iterator[Path]:
    """Hold the incidents folder's lock: one writer at a time, across processes."""
    folder = root / INCIDENTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _validated(incident_id: str, path: Path, text: str, config: SiteConfig) -> Incident:
    """Parse the text about to be written; refuse to write a file that would not load."""
    label = str(INCIDENTS_DIR / path.name)
    problems = Problems(label)
    incident = parse_incident(incident_id, label, text, config, problems)
    if problems.errors or incident is None:
        raise ContentError(problems.errors)
    return incident


def create(root: Path, config: SiteConfig, incident: Incident, numbered: bool = False) -> Incident:
    """Write a new incident file; refuses to overwrite an existing id.

    With ``numbered`` (a default id), a taken id gets a suffix: ``-2``, ``-3``, …
    """
    if not SLUG.match(incident.id):
        raise StatusPageError(f"id {incident.id!r} is not a slug: use lowercase letters, "
                              "digits and '-'")
    with locked(root) as folder:
        candidates = [incident.id, *(f"{incident.id}-{n}" for n in range(2, 100))]
        for candidate in candidates if numbered else candidates[:1]:
            if not (folder / f"{candidate}.md").exists():
                incident = replace(incident, id=candidate)
                break
        else:
            raise StatusPageError(f"{INCIDENTS_DIR / (incident.id + '.md')} already exists: "
                                  "choose another --id, or use 'statuspage update'")
        path = folder / f"{incident.id}.md"
        text = format_incident(incident, config)
        _validated(incident.id, path, text, config)
        _write_atomic(path, text)
    return replace(incident, path=str(INCIDENTS_DIR / path.name))


def incident_path(root: Path, incident_id: str) -> Path:
    path = root / INCIDENTS_DIR / f"{incident_id}.md"
    if not SLUG.match(incident_id) or not path.is_file():
        known = sorted(p.stem for p in (root / INCIDENTS_DIR).glob("*.md") if "." not in p.stem)
        hint = ", ".join(known[-5:]) or "none yet"
        raise IncidentNotFound(f"no incident {incident_id!r} (latest: {hint}; see "
                               "'statuspage list')")
    return path


CLOSING_TEXT = {False: "This incident has been resolved.", True: "This maintenance is complete."}


def append_update(root: Path, config: SiteConfig, incident_id: str, status: str | None,
                  message: str | None, when: datetime, next_update: datetime | None = None,
                  clear_next_update: bool = False,
                  maintenance_start: datetime | None = None,
                  maintenance_end: datetime | None = None) -> Incident:
    """Add an update above the newest one, under the lock; the file is re-validated.

    ``status`` None closes it (resolved, or completed for a maintenance); ``message``
    None writes the standard closing sentence, in every language of the site.
    ``maintenance_start`` and ``maintenance_end`` move a maintenance's window.
    """
    with locked(root) as folder:
        path = incident_path(root, incident_id)
        raw = path.read_bytes().decode("utf-8-sig")
        crlf = "\r\n" in raw  # keep the file's line endings: no whole-file diff
        text = raw.replace("\r\n", "\n")
        current = _validated(incident_id, path, text, config)
        statuses = MaintenanceStatus if current.is_maintenance else IncidentStatus
        if status is None:
            status = statuses.COMPLETED if current.is_maintenance else statuses.RESOLVED
        if status not in {s.value for s in statuses}:
            raise StatusPageError(f"unknown status {status!r} for this "
                                  f"{'maintenance' if current.is_maintenance else 'incident'} "
                                  f"(known: {', '.join(s.value for s in statuses)})")
        messages = {config.default_language: message}
        if message is None:
            english = CLOSING_TEXT[current.is_maintenance]
            messages = {lang: translations(lang).gettext(english) for lang in config.languages}
        update = Update(to_minute(when), statuses(status), Text(messages))
        heading = update_heading(update, config)
        text = _insert_update(text, f"{heading}\n{messages[config.default_language].strip()}\n")
        if next_update is not None:
            text = set_front_matter(text, "next_update",
                                    format_time(to_minute(next_update), config.timezone))
        elif clear_next_update:
            text = set_front_matter(text, "next_update", None)
        if maintenance_start is not None or maintenance_end is not None:
            if current.maintenance is None:
                raise StatusPageError(f"--start and --end move the window of a maintenance, and "
                                      f"{incident_id} is an incident")
            start = to_minute(maintenance_start or current.maintenance.start)
            text = set_window(text, start, to_minute(maintenance_end or current.maintenance.end),
                              config)
            if current.started == current.maintenance.start and re.search(
                    r"^started\s*:", text.split("\n---", 1)[0], re.M):
                text = set_front_matter(text, "started", format_time(start, config.timezone))
        incident = _validated(incident_id, path, text, config)
        _write_atomic(path, text.replace("\n", "\r\n") if crlf else text)
        for lang, translated in messages.items():
            if lang != config.default_language:
                _translate_update(folder / f"{incident_id}.{lang}.md", heading, translated)
        return incident


def _translate_update(path: Path, heading: str, message: str) -> None:
    """Add an update to a translation file, creating the file if there is none."""
    text = path.read_text(encoding="utf-8-sig") if path.exists() else "---\n---\n"
    _write_atomic(path, _insert_update(text, f"{heading}\n{message.strip()}\n"))


def _insert_update(text: str, block: str) -> str:
    """Put ``block`` before the first update heading (updates are newest first)."""
    _, _, body, body_line = split_front_matter(text)
    lines = text.splitlines(keepends=True)
    fenced = False
    for index in range(body_line - 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else HEADING.match(lines[index].rstrip("\n"))
        if heading and UPDATE_HEADING.match(heading["rest"]):
            return "".join(lines[:index]) + block + "\n" + "".join(lines[index:])
    head = text.rstrip("\n")
    return head + ("\n" if head.endswith("---") else "\n\n") + block


def set_front_matter(text: str, key: str, value: str | None) -> str:
    """Set (or with None remove) one top-level ``key: value`` line, keeping the rest."""
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for index in range(1, end):
        if pattern.match(lines[index]):
            if value is None:
                del lines[index]
            else:
                lines[index] = f"{key}: {value}\n"
            return "".join(lines)
    if value is not None:
        anchor = next((i + 1 for i in range(1, end) if lines[i].startswith("started:")), end)
        lines.insert(anchor, f"{key}: {value}\n")
    return "".join(lines)


def set_window(text: str, start: datetime, end: datetime, config: SiteConfig) -> str:
    """Write the ``maintenance:`` window of the front matter as a block, keeping the rest."""
    lines = text.splitlines(keepends=True)
    end_line = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    first = next(i for i in range(1, end_line) if re.match(r"^maintenance\s*:", lines[i]))
    last = first + 1
    while last < end_line and lines[last].startswith((" ", "\t")):
        last += 1
    tz = config.timezone
    lines[first:last] = ["maintenance:\n", f"  start: {format_time(start, tz)}\n",
                         f"  end: {format_time(end, tz)}\n"]
    return "".join(lines)


def new_incident(config: SiteConfig, title: str, components: dict[str, ComponentStatus | None],
                 impact: Impact, status: str, message: str, now: datetime,
                 incident_id: str | None = None, next_update: datetime | None = None,
                 who: str | None = None, what_to_do: str | None = None) -> Incident:
    """The model of a new incident with its first update (not yet written)."""
    lang = config.default_language
    _check_components(config, components)
    if status not in {s.value for s in IncidentStatus}:
        raise StatusPageError(f"unknown status {status!r} "
                              f"(known: {', '.join(s.value for s in IncidentStatus)})")
    local_now = to_minute(now.astimezone(config.timezone))
    incident = Incident(
        id=incident_id or f"{local_now:%Y-%m-%d}-{slugify(title)}",
        title=Text({lang: title.strip()}),
        impact=impact,
        components={cid: s or impact.component_status for cid, s in components.items()},
        started=local_now,
        updates=(Update(local_now, IncidentStatus(status), Text({lang: message.strip()})),),
        next_update=to_minute(next_update) if next_update else None,
        who_is_affected=Text({lang: who.strip()}) if who else Text({}),
        what_to_do=Text({lang: what_to_do.strip()}) if what_to_do else Text({}),
    )
    return incident


def _check_components(config: SiteConfig, components: dict) -> None:
    known = {c.id for c in config.components}
    for component_id in components:
        if component_id not in known:
            raise StatusPageError(f"unknown component {component_id!r} "
                                  f"(known: {', '.join(sorted(known))})")


def new_maintenance(config: SiteConfig, title: str,
                    components: dict[str, ComponentStatus | None], start: datetime,
                    end: datetime, message: str, now: datetime,
                    incident_id: str | None = None) -> Incident:
    """The model of a planned maintenance with its announcement (not yet written).

    The announcement (``scheduled``) is dated now; the maintenance starts with its window.
    Times are to the minute, as for incidents.
    """
    lang = config.default_language
    _check_components(config, components)
    local_now = to_minute(now.astimezone(config.timezone))
    start, end = (to_minute(t.astimezone(config.timezone)) for t in (start, end))
    return Incident(
        id=incident_id or f"{start:%Y-%m-%d}-{slugify(title)}",
        title=Text({lang: title.strip()}),
        impact=Impact.NONE,
        components={cid: s or ComponentStatus.UNDER_MAINTENANCE for cid, s in components.items()},
        started=start,
        updates=(Update(local_now, MaintenanceStatus.SCHEDULED, Text({lang: message.strip()})),),
        maintenance=Window(start, end),
    )
