"""``statuspage note``: a note on top of an incident's internal file, which only the
support desk edition shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from statuspage import files
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.internal import SUFFIX, TEMPLATE, insert_note, note_heading, parse_internal
from statuspage.content.schema import write_text
from statuspage.edit.drafts import to_minute
from statuspage.edit.filing import (
    Style,
    check_message,
    check_size,
    locked,
    one_newline,
    read_for_edit,
    writing,
)
from statuspage.edit.finding import incident_path
from statuspage.edit.frontmatter import set_line
from statuspage.errors import ContentError, Problems, StatusPageError
from statuspage.model import Internal, SiteConfig, Text


@dataclass(frozen=True)
class Jotting:
    """What ``statuspage note`` adds: the note's text (None: only the fields and tags),
    its time, ``say`` and ``do`` in the default language (``fields``), tags to add."""

    message: str | None
    when: datetime
    fields: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()


def _set_fields(text: str, before: Internal, fields: dict[str, str], tags: tuple[str, ...],
                config: SiteConfig) -> str:
    """Set say and do in the default language (keeping a mapping's other languages), and
    add tags not there yet (in any case)."""
    lang = config.default_language
    for key, value in fields.items():
        value = one_newline(value).strip()
        current: Text = getattr(before, key)
        after = Text({lang: value}) if set(current) <= {"", lang} else \
            current.merged({lang: value})
        text = set_line(text, key, write_text(key, after, config)[0])
    known_tags = [*before.tags]
    for tag in (t.strip() for t in tags):
        if tag and tag.lower() not in (t.lower() for t in known_tags):
            known_tags.append(tag)
    if known_tags != list(before.tags):
        flow = yaml.safe_dump(known_tags, default_flow_style=True, allow_unicode=True,
                              width=10**9).strip()
        text = set_line(text, "tags", f"tags: {flow}")
    return text


def _validated(label: str, text: str, config: SiteConfig) -> Internal:
    problems = Problems(label)
    check_size(text, problems)
    internal = parse_internal(label, text, config, problems)
    if problems.errors:
        raise ContentError(problems.errors)
    return internal


def add_note(root: Path, config: SiteConfig, incident_id: str,
             jotting: Jotting) -> tuple[Path, Internal]:
    """Put a note on top of the incident's internal file (created if there is none), under
    the lock every writer holds, in one step; the file is checked before and after.
    ``jotting.fields`` sets ``say`` and ``do`` (the default language's), its ``tags`` are
    added."""
    message = jotting.message
    with locked(root) as folder:
        incident_path(root, incident_id)  # no notes for an incident that is not there
        path = folder / f"{incident_id}{SUFFIX}"
        label = str(INCIDENTS_DIR / path.name)
        text, style = read_for_edit(path) if path.exists() else (TEMPLATE, Style())
        before = _validated(label, text, config)
        moment = to_minute(jotting.when.astimezone(config.timezone))
        new = text if message is None else insert_note(
            text, f"{note_heading(moment, config)}\n{check_message(message)}\n")
        new = _set_fields(new, before, jotting.fields, jotting.tags, config)
        after = _validated(label, new, config)
        added = 0 if message is None else 1
        if len(after.notes) != len(before.notes) + added or \
                not set(before.notes) <= set(after.notes):
            raise StatusPageError("the note would change how the rest of the file reads (an "
                                  "unclosed ``` code fence?): close it, or indent code by four "
                                  "spaces")
        with writing(path):
            files.write_atomic(path, style.apply(new))
    return path, after
