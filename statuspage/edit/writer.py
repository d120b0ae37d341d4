"""Writing incident files: the same format staff write by hand, stable under a rewrite.

Changes are made under a lock on the incidents folder, so two commands updating
incidents at once both land. A command changes all its files or none: every new text is
parsed and checked before the first is written, and each file is replaced in one step,
so a reader never sees half a file. A file keeps its line endings and its BOM.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from slugify import slugify as _slugify

from statuspage import files, refs
from statuspage.content import document, refindex, sources
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.incident import apply_translation, front_matter, parse_incident
from statuspage.content.schema import MAX_ID, SLUG, scalar, write_text
from statuspage.edit import journal
from statuspage.errors import ContentError, IncidentNotFound, Problem, Problems, StatusPageError
from statuspage.i18n import translations
from statuspage.model import (
    CLOSED_STATUSES,
    ComponentStatus,
    FrozenMap,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    SiteConfig,
    Text,
    Update,
    UpdateStatus,
    Window,
)
from statuspage.state.view import status_at
from statuspage.times import format_time

CLOSING_TEXT = {False: "This incident has been resolved.", True: "This maintenance is complete."}


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


def update_heading(update: Update, config: SiteConfig) -> str:
    return f"## {format_time(update.time, config.timezone)} · {update.status}"


# -- files: read with their style, written together -------------------------------------

@dataclass(frozen=True)
class Style:
    """How a file is written: its line endings and whether it starts with a BOM."""

    newline: str = "\n"
    bom: bool = False

    def apply(self, text: str) -> bytes:
        data = text.replace("\n", self.newline).encode("utf-8")
        return b"\xef\xbb\xbf" + data if self.bom else data


def read_for_edit(path: Path) -> tuple[str, Style]:
    """A file's text with ``\\n`` line endings, and the style to write it back in."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ContentError([_problem(path, line, f"not UTF-8 (byte 0x{data[err.start]:02x}): "
                                                 "save the file as UTF-8")]) from None
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), Style(newline, bom)


def _problem(path: Path, line: int, message: str) -> Problem:
    return Problem(str(INCIDENTS_DIR / path.name), line, message)


_WRITE_HINTS = {
    errno.ENOSPC: "free some space on its disk, then run the command again",
    errno.EDQUOT: "free some space (the disk quota is reached), then run the command again",
    errno.EFBIG: "the file is over this process's size limit (ulimit -f): raise it",
    errno.EACCES: "make incidents/ writable by this user, or run as the user who owns it",
    errno.EPERM: "make incidents/ writable by this user, or run as the user who owns it",
    errno.EROFS: "incidents/ is on a read-only file system: remount it read-write",
}


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """A write that fails (a full disk, an unwritable folder) as a clean error: the files
    are as they were, since each is replaced in one step or not at all."""
    try:
        yield
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        hint = _WRITE_HINTS.get(err.errno or 0, "fix that, then run the command again")
        raise StatusPageError(f"{INCIDENTS_DIR / path.name}: cannot be written ({reason}); "
                              f"nothing was changed: {hint}") from None


def _commit(changes: list[tuple[Path, bytes]]) -> list[tuple[Path, bytes | None, bytes]]:
    """Write every file, or (when one write fails) put back the ones already written;
    each file with its bytes before and after."""
    done: list[tuple[Path, bytes | None, bytes]] = []
    try:
        for path, data in changes:
            before = path.read_bytes() if path.exists() else None
            with writing(path):
                files.write_atomic(path, data)
            done.append((path, before, data))
        return done
    except BaseException:
        for path, before, _ in reversed(done):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                files.write_atomic(path, before)
        raise


@contextmanager
def locked(root: Path) -> Iterator[Path]:
    """Hold the incidents folder's lock: one writer at a time, across processes. Temporary
    files a killed writer left behind are removed first."""
    folder = root / INCIDENTS_DIR
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        files.remove_temporaries(folder, ".md")
        yield folder
    finally:
        os.close(fd)


def _validated(incident_id: str, path: Path, text: str, config: SiteConfig) -> Incident:
    """Parse the text about to be written; refuse to write a file that would not load."""
    problems = Problems(str(INCIDENTS_DIR / path.name))
    check_size(text, problems)
    if found := sources.control_character(text):
        problems.error(found[1], line=found[0])
        raise ContentError(problems.errors)
    incident = parse_incident(incident_id, problems.path, text, config, problems)
    if problems.errors or incident is None:
        raise ContentError(problems.errors)
    return incident


def check_size(text: str, problems: Problems) -> None:
    """Refuse a file every build would refuse (``sources.MAX_BYTES``)."""
    if len(text.encode("utf-8")) > sources.MAX_BYTES:
        problems.error(f"would be larger than {sources.MAX_BYTES // 1_000_000} MB, which no "
                       "build reads: shorten the message (put long material elsewhere and "
                       "link to it)", line=1)
        raise ContentError(problems.errors)


def one_newline(text: str) -> str:
    """CR and CRLF as LF: a lone CR is a line break once the file is read back."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_message(message: str) -> str:
    """A message as an update's text: refused when it would read back as something else
    (a heading that opens an update, an unclosed code fence) or is over the size of a
    content file; its line breaks as the file will read them."""
    message = one_newline(message).strip()
    if len(message.encode("utf-8")) > sources.MAX_BYTES:
        raise StatusPageError(f"the message is over {sources.MAX_BYTES // 1_000_000} MB, the "
                              "most a content file holds: shorten it (put long material "
                              "elsewhere and link to it)")
    for heading in document.headings(message.split("\n")):
        raise StatusPageError(
            f"line {heading.index + 1} of the message, {heading.text!r}, is a level-2 heading, "
            "which in an incident file starts a new update: use ### for a sub-heading")
    return message


# -- commands ---------------------------------------------------------------------------

def create(root: Path, config: SiteConfig, incident: Incident, numbered: bool = False,
           translated: Translated | None = None) -> Incident:
    """Write a new incident file; refuses to overwrite an existing id.

    With ``numbered`` (a default id), a taken id gets a suffix: ``-2``, ``-3``, …
    ``translated``: by language, the texts of its translation file (title,
    who_is_affected, what_to_do; message: the first update's).
    """
    translated = _check_languages(config, translated or {})
    if not SLUG.fullmatch(incident.id):
        raise StatusPageError(f"id {incident.id!r} is not a slug: use lowercase letters, "
                              "digits and '-'")
    if len(incident.id) > MAX_ID - 3:  # room for a -2 … -99 suffix
        raise StatusPageError(f"id {incident.id[:20]}… is {len(incident.id)} characters long: "
                              f"at most {MAX_ID - 3}")
    with locked(root) as folder:
        candidates = [incident.id, *(f"{incident.id}-{n}" for n in range(2, 100))]
        for candidate in candidates if numbered else candidates[:1]:
            if not (folder / f"{candidate}.md").exists():
                incident = replace(incident, id=candidate)
                break
        else:
            raise StatusPageError(f"{INCIDENTS_DIR / (incident.id + '.md')} already exists: "
                                  "choose another --id, or use 'statuspage update'")
        incident = replace(incident, ref=free_reference(root, config, incident.id))
        path = folder / f"{incident.id}.md"
        text = format_incident(incident, config)
        _validated(incident.id, path, text, config)
        changes = [(path, text.encode("utf-8"))]
        heading = update_heading(incident.updates[0], config)
        for lang, texts in translated.items():
            fields = {k: v for k, v in texts.items() if k != "message"}
            changes.append(_translated(folder / f"{incident.id}.{lang}.md", lang, heading,
                                       texts.get("message"), (incident, incident), config,
                                       fields))
        done = _commit(changes)
        _remember(root, incident, incident.updates[0], done, config)
        incident = with_translations(root, config, incident)
    return replace(incident, path=str(INCIDENTS_DIR / path.name))


def with_translations(root: Path, config: SiteConfig, incident: Incident) -> Incident:
    """The incident with its translation files over it, as the pages read it (what the
    reminders of untranslated text look at)."""
    for lang in config.languages[1:]:
        path = root / INCIDENTS_DIR / f"{incident.id}.{lang}.md"
        if path.is_file():
            problems = Problems(str(INCIDENTS_DIR / path.name))
            translated = apply_translation(incident, lang, read_for_edit(path)[0], config,
                                           problems)
            incident = incident if problems.errors else translated
    return incident


Translated = dict[str, dict[str, str]]  # language → text field (or "message") → text


def _check_languages(config: SiteConfig, translated: Translated) -> Translated:
    """Texts for the site's other languages, each cleaned as a message or a title is."""
    checked: Translated = {}
    for lang, texts in translated.items():
        if lang == config.default_language:
            raise StatusPageError(f"{lang} is the site's default language: give its text with "
                                  "-m, the title, --who or --what-to-do")
        if lang not in config.languages:
            raise StatusPageError(f"unknown language {lang!r} (the site's other languages: "
                                  f"{', '.join(config.languages[1:]) or 'none'})")
        checked[lang] = {key: _one_line(value) if key == "title" else
                         check_message(value) if key == "message" else
                         one_newline(value).strip() for key, value in texts.items()}
    return checked


def _remember(root: Path, incident: Incident, update: Update,
              done: list[tuple[Path, bytes | None, bytes]], config: SiteConfig) -> None:
    """Journal a write for ``statuspage undo``."""
    what = f"the {update.status} update of {format_time(update.time, config.timezone)}"
    journal.record(root, journal.Entry(incident.id, update.time, what, tuple(
        journal.written(root, path, before, after) for path, before, after in done)))


def _incident_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / INCIDENTS_DIR).glob("*.md")
                  if "." not in p.stem and SLUG.fullmatch(p.stem)
                  and len(p.stem) <= MAX_ID and p.is_file())


def _references(root: Path, config: SiteConfig | None = None) -> refs.Assigned:
    """Every incident's reference, from the index beside the content (``refindex``)."""
    from statuspage.content.loader import load_config

    return refindex.assigned(root, (config or load_config(root)).timezone)


def free_reference(root: Path, config: SiteConfig, incident_id: str) -> str:
    """The first of the incident's candidates no other incident holds (``refs``)."""
    taken = {ref for i, ref in _references(root, config).by_id.items() if i != incident_id}
    return next(r for r in refs.candidates(incident_id) if r not in taken)


def resolve_id(root: Path, wanted: str) -> str:
    """The incident a person means: its id, its reference (any case, spaces and dashes
    ignored) or the unique start of its id."""
    return find_id(root, wanted)[0]


_DATED = re.compile(r"\d{4}-\d{2}-\d{2}-[a-z0-9]+")


def _is_incident(root: Path, text: str) -> bool:
    """An exact id: one look at its path, whatever the history."""
    return bool(SLUG.fullmatch(text)) and len(text) <= MAX_ID and \
        (root / INCIDENTS_DIR / f"{text}.md").is_file()


def find_id(root: Path, wanted: str, whole_word: bool = False) -> tuple[str, bool]:
    """The incident a person means, and whether it was found by the start of its id only.

    With ``whole_word`` (a script, where no one sees what was understood), a start must
    reach the id's date and its first word: ``2026-12-05`` alone would take the day's only
    incident, whichever it is."""
    text = wanted.strip()
    for exact in (text, text.lower()):
        if _is_incident(root, exact):
            return exact, False
    if refs.is_reference(text):
        reference = refs.normalize(text)
        found = [i for i, ref in _references(root).by_id.items() if ref == reference]
        if len(found) == 1:
            return found[0], False
    ids = _incident_ids(root)
    starting = [i for i in ids if text and i.startswith(text.lower())]
    if len(starting) == 1:
        least = _DATED.match(starting[0])
        least_text = least.group() if least else starting[0].split("-")[0]
        if whole_word and len(text) < len(least_text):
            reference = _references(root).by_id.get(starting[0], refs.ref_of(starting[0]))
            raise IncidentNotFound(
                f"{wanted!r} is only the start of {starting[0]} (reference {reference}): "
                f"in a script, give its reference, its id, or at least {least_text!r}")
        return starting[0], True
    if starting:
        raise IncidentNotFound(f"{wanted!r} is the start of {len(starting)} incidents "
                               f"({', '.join(starting[-5:])}): type more of the id, or give its "
                               "reference")
    hint = ", ".join(ids[-5:]) or "none yet"
    raise IncidentNotFound(f"no incident {wanted!r} (latest: {hint}; see 'statuspage list')")


def incident_path(root: Path, incident_id: str) -> Path:
    path = root / INCIDENTS_DIR / f"{incident_id}.md"
    if not SLUG.fullmatch(incident_id) or len(incident_id) > MAX_ID or not path.is_file():
        known = sorted(p.stem for p in (root / INCIDENTS_DIR).glob("*.md") if "." not in p.stem)
        hint = ", ".join(known[-5:]) or "none yet"
        raise IncidentNotFound(f"no incident {incident_id!r} (latest: {hint}; see "
                               "'statuspage list')")
    return path


def current(root: Path, config: SiteConfig, incident_id: str) -> Incident:
    """The incident as its file reads now (its original language)."""
    path = incident_path(root, incident_id)
    return _validated(incident_id, path, read_for_edit(path)[0], config)


KEEP_STATUS = "keep"  # append_update's status: the incident's current one


def append_update(root: Path, config: SiteConfig, incident_id: str, status: str | None,
                  message: str | None, when: datetime, next_update: datetime | None = None,
                  clear_next_update: bool = False,
                  maintenance_start: datetime | None = None,
                  maintenance_end: datetime | None = None,
                  components: dict[str, ComponentStatus | None] | None = None,
                  impact: Impact | None = None, reopen: bool = False,
                  fields: dict[str, str] | None = None,
                  translated: Translated | None = None) -> Incident:
    """Add an update above the newest one, under the lock; every file is re-validated.

    ``status`` None closes it (resolved, or completed for a maintenance; with ``reopen``,
    it opens it again: investigating, or in_progress), ``KEEP_STATUS``
    repeats the current one; ``message`` None writes the standard closing sentence, in
    every language of the site. ``maintenance_start`` and ``maintenance_end`` move a
    maintenance's window. ``components`` sets services' statuses (a service not yet
    named is added; None as its status keeps the current one, or for a new service
    takes the impact's), ``impact`` the incident's impact. Only with ``reopen`` may an
    update follow a closed incident with an open status (and only then). ``fields``:
    title, who_is_affected or what_to_do in the default language; ``translated``: by
    language, the update's text ("message") and those fields in its translation file.
    """
    translated = _check_languages(config, translated or {})
    with locked(root) as folder:
        path = incident_path(root, incident_id)
        text, style = read_for_edit(path)
        current = _validated(incident_id, path, text, config)
        statuses: type[MaintenanceStatus] | type[IncidentStatus] = \
            MaintenanceStatus if current.is_maintenance else IncidentStatus
        if status == KEEP_STATUS:
            status = current.updates[0].status.value if current.updates else \
                statuses.SCHEDULED.value if statuses is MaintenanceStatus else \
                IncidentStatus.INVESTIGATING.value
        if status is None and reopen:
            status = MaintenanceStatus.IN_PROGRESS if current.is_maintenance else \
                IncidentStatus.INVESTIGATING
        if status is None:
            status = MaintenanceStatus.COMPLETED if current.is_maintenance else \
                IncidentStatus.RESOLVED
        if status not in {s.value for s in statuses}:
            raise StatusPageError(f"unknown status {status!r} for this "
                                  f"{'maintenance' if current.is_maintenance else 'incident'} "
                                  f"(known: {', '.join(s.value for s in statuses)})")
        _check_reopening(current, statuses(status), when, reopen)
        if message is None:
            english = CLOSING_TEXT[current.is_maintenance]
            messages = {lang: translations(lang).gettext(english) for lang in config.languages}
        else:
            messages = {config.default_language: check_message(message)}
            messages.update((lang, texts["message"]) for lang, texts in translated.items()
                            if "message" in texts)
        update = Update(to_minute(when), statuses(status), Text(messages))
        heading = update_heading(update, config)
        text = _insert_update(text, f"{heading}\n{messages[config.default_language]}\n")
        if next_update is not None:
            text = set_front_matter(text, "next_update", format_time(next_update, config.timezone))
        elif clear_next_update:
            text = set_front_matter(text, "next_update", None)
        if maintenance_start is not None or maintenance_end is not None:
            text = _move_window(text, current, maintenance_start, maintenance_end, config)
        if impact is not None or components:
            text = _change_services(text, current, components or {}, impact, config)
        for key, value in (fields or {}).items():
            text = _set_text(text, current, key, value, config)
        incident = _validated(incident_id, path, text, config)
        _check_kept(current, incident)
        changes = [(path, style.apply(text))]
        for lang in config.languages[1:]:
            texts = {k: v for k, v in translated.get(lang, {}).items() if k != "message"}
            if lang in messages or texts:
                changes.append(_translated(folder / f"{incident_id}.{lang}.md", lang, heading,
                                           messages.get(lang), (current, incident), config,
                                           texts))
        done = _commit(changes)
        _remember(root, incident, update, done, config)
        return with_translations(root, config, incident)


def _check_reopening(current: Incident, new: UpdateStatus, when: datetime,
                     reopen: bool) -> None:
    """An open status after a closed incident reopens it: said with ``reopen`` alone, so
    that a reopening is never a slip of ``update``; and ``reopen`` needs a closed one."""
    closed = status_at(current, when) in CLOSED_STATUSES
    kind = "maintenance" if current.is_maintenance else "incident"
    if reopen and not closed:
        raise StatusPageError(f"{current.id} is not closed ({kind} "
                              f"{status_at(current, when)}): nothing to reopen; add an "
                              "update with 'statuspage update'")
    if reopen and new in CLOSED_STATUSES:
        raise StatusPageError(f"reopening takes an open status, not {new}")
    if not reopen and closed and current.updates and \
            current.updates[0].status in CLOSED_STATUSES and new not in CLOSED_STATUSES:
        raise StatusPageError(f"{current.id} is {current.updates[0].status}: to reopen it, use "
                              f"'statuspage reopen {current.id}' (the timeline keeps the "
                              "resolution)")


def _check_kept(before: Incident, after: Incident) -> None:
    """The new file must read as the old one plus one update: a message must not change
    how the rest of the file reads (an unclosed ``` fence would swallow the updates)."""
    kept = set(before.updates) <= set(after.updates)
    if not kept or len(after.updates) != len(before.updates) + 1 or \
            after.summary != before.summary:
        raise StatusPageError("the message would change how the rest of the file reads (an "
                              "unclosed ``` code fence?): close it, or indent code by four "
                              "spaces")


def _change_services(text: str, current: Incident,
                     components: dict[str, ComponentStatus | None], impact: Impact | None,
                     config: SiteConfig) -> str:
    """Set the impact and services' statuses in the front matter, keeping the other lines.

    The ``components:`` block is written as ``id: status`` lines, each service's status
    explicit (the ones not given keep the status they have now)."""
    _check_components(config, components)
    if impact is not None:
        if current.is_maintenance:
            raise StatusPageError(f"{current.id} is a maintenance, which has no impact: "
                                  "leave out --impact, and give services' statuses with -c")
        text = set_front_matter(text, "impact", impact.value)
    if not components:
        return text
    if current.is_maintenance:
        default = ComponentStatus.UNDER_MAINTENANCE
    else:
        default = (impact or current.impact).component_status
    merged = {cid: components.get(cid) or status for cid, status in current.components.items()}
    merged.update({cid: status or default for cid, status in components.items()
                   if cid not in merged})
    return set_block(text, "components", [f"  {cid}: {status}" for cid, status in merged.items()])


def set_block(text: str, key: str, lines_below: list[str]) -> str:
    """Replace a top-level key of the front matter (its line and the indented or ``-`` lines
    under it) with ``key:`` and ``lines_below``, where it was."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    first = next((i for i in range(1, end) if pattern.match(lines[i])), None)
    if first is None:
        raise StatusPageError(f"no {key}: line in the front matter")
    last = first + 1
    while last < end and (lines[last].startswith((" ", "\t", "-")) or not lines[last].strip()):
        last += 1
    while last - 1 > first and not lines[last - 1].strip():  # blank lines after it stay
        last -= 1
    lines[first:last] = [f"{key}:\n", *(line + "\n" for line in lines_below)]
    return "".join(lines)


def _move_window(text: str, current: Incident, start: datetime | None, end: datetime | None,
                 config: SiteConfig) -> str:
    if current.maintenance is None:
        raise StatusPageError(f"--start and --end move the window of a maintenance, and "
                              f"{current.id} is an incident")
    start = start or current.maintenance.start
    text = set_window(text, start, end or current.maintenance.end, config)
    front = text.split("\n---", 1)[0]
    if current.started == current.maintenance.start and re.search(r"^started\s*:", front, re.M):
        text = set_front_matter(text, "started", format_time(start, config.timezone))
    return text


def _translated(path: Path, lang: str, heading: str, message: str | None,
                incidents: tuple[Incident, Incident], config: SiteConfig,
                fields: dict[str, str] | None = None) -> tuple[Path, bytes]:
    """A translation file with the update added (created if there is none) and its
    ``fields`` set, checked as it is (its errors at the lines it has now), then as it
    will be."""
    text, style = read_for_edit(path) if path.exists() else ("---\n---\n", Style())
    new = text if message is None else _insert_update(text, f"{heading}\n{message.strip()}\n")
    for key, value in (fields or {}).items():
        new = set_line(new, key, f"{key}: {scalar(value)}")
    check_size(new, Problems(str(INCIDENTS_DIR / path.name)))
    for incident, version in zip(incidents, (text, new), strict=True):
        problems = Problems(str(INCIDENTS_DIR / path.name))
        apply_translation(incident, lang, version, config, problems)
        if problems.errors:
            raise ContentError(problems.errors)
    return path, style.apply(new)


def _insert_update(text: str, block: str) -> str:
    """Put ``block`` before the first update heading (updates are newest first)."""
    lines = document.lines_of(text)
    try:
        start = document.front_matter_end(lines) + 1
    except document.FrontMatterProblem as err:
        raise StatusPageError(str(err)) from None
    index = document.first_update(lines, start)
    if index is not None:
        return "".join(lines[:index]) + block + "\n" + "".join(lines[index:])
    head = text.rstrip("\n")
    return head + ("\n" if head.endswith("---") else "\n\n") + block


def _set_text(text: str, current: Incident, key: str, value: str, config: SiteConfig) -> str:
    """Set a text field of the original (title, who_is_affected, what_to_do) in the default
    language, keeping the others its mapping gives."""
    lang = config.default_language
    value = _one_line(value) if key == "title" else one_newline(value).strip()
    before: Text = getattr(current, key)
    after = Text({lang: value}) if set(before) <= {"", lang} else before.merged({lang: value})
    return set_line(text, key, write_text(key, after, config)[0])


def set_line(text: str, key: str, line: str) -> str:
    """Replace a top-level key of the front matter (its line and the lines indented under
    it) with one ``line``; add it when there is none."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    first = next((i for i in range(1, end) if pattern.match(lines[i])), None)
    if first is None:
        return set_front_matter(text, key, line.split(":", 1)[1].strip())
    last = first + 1
    while last < end and lines[last].startswith((" ", "\t")):
        last += 1
    lines[first:last] = [line + "\n"]
    return "".join(lines)


def set_front_matter(text: str, key: str, value: str | None) -> str:
    """Set (or with None remove) one top-level ``key: value`` line, keeping the rest."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
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
    lines = document.lines_of(text)
    end_line = document.front_matter_end(lines)
    first = next(i for i in range(1, end_line) if re.match(r"maintenance\s*:", lines[i]))
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
                 who: str | None = None, what_to_do: str | None = None,
                 started: datetime | None = None) -> Incident:
    """The model of a new incident with its first update (not yet written).

    The first update is dated now; ``started`` (when customers were first affected, for
    an incident noticed late) is the incident's start and its id's date.
    """
    lang = config.default_language
    _check_components(config, components)
    if status not in {s.value for s in IncidentStatus}:
        raise StatusPageError(f"unknown status {status!r} "
                              f"(known: {', '.join(s.value for s in IncidentStatus)})")
    local_now = to_minute(now.astimezone(config.timezone))
    begun = local_now if started is None else started.astimezone(config.timezone)
    if begun > now:
        raise StatusPageError(f"started {format_time(begun, config.timezone)} is in the "
                              "future: give the time customers were first affected")
    begun = min(begun, local_now)  # within this minute: the first update's
    return Incident(
        id=incident_id or f"{begun:%Y-%m-%d}-{slugify(title)}",
        title=Text({lang: _one_line(title)}),
        impact=impact,
        components=FrozenMap({cid: s or impact.component_status
                              for cid, s in components.items()}),
        started=begun,
        updates=(Update(local_now, IncidentStatus(status), Text({lang: check_message(message)})),),
        next_update=next_update,
        who_is_affected=Text({lang: one_newline(who).strip()}) if who else Text({}),
        what_to_do=Text({lang: one_newline(what_to_do).strip()}) if what_to_do else Text({}),
    )


def _one_line(title: str) -> str:
    title = one_newline(title)
    if not title.strip() or "\n" in title.strip():
        raise StatusPageError("a title is one line of text customers understand")
    if found := sources.control_character(title):
        raise StatusPageError(f"the title's {found[1]}")
    return title.strip()


def _check_components(config: SiteConfig, components: dict) -> None:
    known = {c.id for c in config.components}
    for component_id in components:
        if component_id not in known:
            raise StatusPageError(f"unknown component {component_id!r} "
                                  f"(known: {', '.join(sorted(known))})")


def new_maintenance(config: SiteConfig, title: str,
                    components: dict[str, ComponentStatus | None], start: datetime,
                    end: datetime, message: str, now: datetime,
                    incident_id: str | None = None, who: str | None = None,
                    what_to_do: str | None = None) -> Incident:
    """The model of a planned maintenance with its announcement (not yet written).

    The announcement (``scheduled``) is dated now; the maintenance starts with its window,
    to the second as given.
    """
    lang = config.default_language
    _check_components(config, components)
    local_now = to_minute(now.astimezone(config.timezone))
    start, end = (t.astimezone(config.timezone) for t in (start, end))
    return Incident(
        id=incident_id or f"{start:%Y-%m-%d}-{slugify(title)}",
        title=Text({lang: _one_line(title)}),
        impact=Impact.NONE,
        components=FrozenMap({cid: s or ComponentStatus.UNDER_MAINTENANCE
                              for cid, s in components.items()}),
        started=start,
        updates=(Update(local_now, MaintenanceStatus.SCHEDULED,
                        Text({lang: check_message(message)})),),
        maintenance=Window(start, end),
        who_is_affected=Text({lang: one_newline(who).strip()}) if who else Text({}),
        what_to_do=Text({lang: one_newline(what_to_do).strip()}) if what_to_do else Text({}),
    )
