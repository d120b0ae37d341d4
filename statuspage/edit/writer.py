"""Writing incident files: the same format staff write by hand, stable under a rewrite.

Changes are made under a lock on the incidents folder, so two commands updating
incidents at once both land; all of a command's files are written or none
(``filing``). ``create`` writes a new incident (``drafts`` makes it), ``append_update``
puts an update on top of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.document import update_heading
from statuspage.content.incident import apply_translation
from statuspage.content.schema import MAX_ID, SLUG, scalar, write_text
from statuspage.edit import journal
from statuspage.edit.drafts import check_components, format_incident, to_minute
from statuspage.edit.filing import (
    Done,
    Style,
    check_message,
    check_size,
    commit,
    locked,
    one_line,
    one_newline,
    read_for_edit,
    validated,
)
from statuspage.edit.finding import free_reference, incident_path
from statuspage.edit.frontmatter import (
    insert_update,
    set_block,
    set_front_matter,
    set_line,
    set_window,
)
from statuspage.errors import ContentError, Problems, StatusPageError
from statuspage.i18n import translations
from statuspage.model import (
    CLOSED_STATUSES,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    SiteConfig,
    Text,
    Update,
    UpdateStatus,
)
from statuspage.state.view import status_at
from statuspage.times import format_time

CLOSING_TEXT = {False: "This incident has been resolved.", True: "This maintenance is complete."}
KEEP_STATUS = "keep"  # a Post's status: the incident's current one

Translated = dict[str, dict[str, str]]  # language → text field (or "message") → text


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
        incident = replace(incident, id=_free_id(folder, incident.id, numbered))
        incident = replace(incident, ref=free_reference(root, config, incident.id))
        path = folder / f"{incident.id}.md"
        text = format_incident(incident, config)
        validated(incident.id, path, text, config)
        changes = [(path, text.encode("utf-8"))]
        heading = update_heading(incident.updates[0], config)
        for lang, texts in translated.items():
            fields = {k: v for k, v in texts.items() if k != "message"}
            changes.append(_translated(folder / f"{incident.id}.{lang}.md", lang,
                                       _block(heading, texts.get("message")),
                                       (incident, incident), config, fields))
        done = commit(changes)
        _remember(root, incident, incident.updates[0], done, config)
        incident = with_translations(root, config, incident)
    return replace(incident, path=str(INCIDENTS_DIR / path.name))


def _free_id(folder: Path, wanted: str, numbered: bool) -> str:
    """``wanted``, or when ``numbered`` and it is taken, the first free ``-2`` … ``-99``."""
    candidates = [wanted, *(f"{wanted}-{n}" for n in range(2, 100))]
    for candidate in candidates if numbered else candidates[:1]:
        if not (folder / f"{candidate}.md").exists():
            return candidate
    raise StatusPageError(f"{INCIDENTS_DIR / (wanted + '.md')} already exists: "
                          "choose another --id, or use 'statuspage update'")


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
        checked[lang] = {key: one_line(value) if key == "title" else
                         check_message(value) if key == "message" else
                         one_newline(value).strip() for key, value in texts.items()}
    return checked


def _remember(root: Path, incident: Incident, update: Update, done: Done,
              config: SiteConfig) -> None:
    """Journal a write for ``statuspage undo``."""
    what = f"the {update.status} update of {format_time(update.time, config.timezone)}"
    journal.record(root, journal.Entry(incident.id, update.time, what, tuple(
        journal.written(root, path, before, after) for path, before, after in done)))


@dataclass(frozen=True)
class Post:
    """What an update says, and what it changes in the incident's front matter.

    ``status`` None closes it (resolved, or completed for a maintenance; with ``reopen``,
    it opens it again: investigating, or in_progress), ``KEEP_STATUS`` repeats the
    current one; ``message`` None writes the standard closing sentence, in every language
    of the site; ``when`` is the update's time. ``next_update`` replaces the promise,
    ``clear_next_update`` removes it. ``maintenance_start`` and ``maintenance_end`` move
    a maintenance's window. ``components`` sets services' statuses (a service not yet
    named is added; None as its status keeps the current one, or for a new service takes
    the impact's), ``impact`` the incident's impact. Only with ``reopen`` may an update
    follow a closed incident with an open status (and only then). ``fields``: title,
    who_is_affected or what_to_do in the default language; ``translated``: by language,
    the update's text ("message") and those fields in its translation file.
    """

    status: str | None
    message: str | None
    when: datetime
    next_update: datetime | None = None
    clear_next_update: bool = False
    maintenance_start: datetime | None = None
    maintenance_end: datetime | None = None
    components: dict[str, ComponentStatus | None] | None = None
    impact: Impact | None = None
    reopen: bool = False
    fields: dict[str, str] | None = None
    translated: Translated | None = None


def append_update(root: Path, config: SiteConfig, incident_id: str, post: Post) -> Incident:
    """Add the update ``post`` says above the newest one, under the lock; every file is
    re-validated."""
    translated = _check_languages(config, post.translated or {})
    with locked(root) as folder:
        path = incident_path(root, incident_id)
        text, style = read_for_edit(path)
        current = validated(incident_id, path, text, config)
        status = _new_status(current, post.status, post.reopen)
        _check_reopening(current, status, post.when, post.reopen)
        messages = _messages(config, current, post.message, translated)
        update = Update(to_minute(post.when), status, Text(messages))
        heading = update_heading(update, config)
        text = insert_update(text, f"{heading}\n{messages[config.default_language]}\n")
        text = _changed(text, current, post, config)
        incident = validated(incident_id, path, text, config)
        _check_kept(current, incident)
        changes = [(path, style.apply(text))]
        for lang in config.languages[1:]:
            texts = {k: v for k, v in translated.get(lang, {}).items() if k != "message"}
            if lang in messages or texts:
                changes.append(_translated(folder / f"{incident_id}.{lang}.md", lang,
                                           _block(heading, messages.get(lang)),
                                           (current, incident), config, texts))
        done = commit(changes)
        _remember(root, incident, update, done, config)
        return with_translations(root, config, incident)


def _new_status(current: Incident, status: str | None, reopen: bool) -> UpdateStatus:
    """The status a Post's ``status`` means for this incident (or maintenance)."""
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
    return statuses(status)


def _messages(config: SiteConfig, current: Incident, message: str | None,
              translated: Translated) -> dict[str, str]:
    """The update's text by language: the message and its translations, or without one
    the standard closing sentence in every language of the site."""
    if message is None:
        english = CLOSING_TEXT[current.is_maintenance]
        return {lang: translations(lang).gettext(english) for lang in config.languages}
    messages = {config.default_language: check_message(message)}
    messages.update((lang, texts["message"]) for lang, texts in translated.items()
                    if "message" in texts)
    return messages


def _changed(text: str, current: Incident, post: Post, config: SiteConfig) -> str:
    """The front matter as the Post changes it: the promise, a maintenance's window, the
    impact and services, the texts."""
    if post.next_update is not None:
        text = set_front_matter(text, "next_update",
                                format_time(post.next_update, config.timezone))
    elif post.clear_next_update:
        text = set_front_matter(text, "next_update", None)
    if post.maintenance_start is not None or post.maintenance_end is not None:
        text = _move_window(text, current, post.maintenance_start, post.maintenance_end,
                            config)
    if post.impact is not None or post.components:
        text = _change_services(text, current, post.components or {}, post.impact, config)
    for key, value in (post.fields or {}).items():
        text = _set_text(text, current, key, value, config)
    return text


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
    check_components(config, components)
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


def _block(heading: str, message: str | None) -> str | None:
    """An update as a translation file gets it: its heading and text (None: no text)."""
    return None if message is None else f"{heading}\n{message.strip()}\n"


def _translated(path: Path, lang: str, block: str | None,
                incidents: tuple[Incident, Incident], config: SiteConfig,
                fields: dict[str, str]) -> tuple[Path, bytes]:
    """A translation file with the update ``block`` added (created if there is none) and
    its ``fields`` set, checked as it is (its errors at the lines it has now), then as it
    will be."""
    text, style = read_for_edit(path) if path.exists() else ("---\n---\n", Style())
    new = text if block is None else insert_update(text, block)
    for key, value in fields.items():
        new = set_line(new, key, f"{key}: {scalar(value)}")
    check_size(new, Problems(str(INCIDENTS_DIR / path.name)))
    for incident, version in zip(incidents, (text, new), strict=True):
        problems = Problems(str(INCIDENTS_DIR / path.name))
        apply_translation(incident, lang, version, config, problems)
        if problems.errors:
            raise ContentError(problems.errors)
    return path, style.apply(new)


def _set_text(text: str, current: Incident, key: str, value: str, config: SiteConfig) -> str:
    """Set a text field of the original (title, who_is_affected, what_to_do) in the default
    language, keeping the others its mapping gives."""
    lang = config.default_language
    value = one_line(value) if key == "title" else one_newline(value).strip()
    before: Text = getattr(current, key)
    after = Text({lang: value}) if set(before) <= {"", lang} else before.merged({lang: value})
    return set_line(text, key, write_text(key, after, config)[0])
