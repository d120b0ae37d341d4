"""Text not yet translated: an incident's title, texts and updates that a language of the
site lacks (its pages then show the default language's text instead).

``check`` warns about each (``--strict`` fails), at the line of the original file;
``new``, ``update`` and ``maintenance`` remind which translation files lack the new text.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime, timedelta
from pathlib import Path

from babel import Locale

from statuspage.content import document, yamlsource
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.incident_fields import TEXT_LABELS
from statuspage.errors import Problem
from statuspage.model import Incident, Site, SiteConfig, Text

FIELDS = TEXT_LABELS  # the translatable front matter and summary, as a message names them


def language_name(lang: str) -> str:
    """A language's English name, for the CLI's messages: "English", "French"."""
    names = Locale("en").languages
    code = lang.replace("-", "_")
    return names.get(code) or names.get(code.split("_")[0]) or lang


def translation_path(incident: Incident, lang: str) -> str:
    return str(INCIDENTS_DIR / f"{incident.id}.{lang}.md")


def lacks(text: Text, lang: str) -> bool:
    """Whether there is text to translate and none in ``lang`` (one string for every
    language, ``""``, counts for all)."""
    return lang not in text and "" not in text and any(value.strip() for value in text.values())


def problems(site: Site, root: Path, only: Container[str] | None = None
             ) -> tuple[list[Problem], int]:
    """A warning for each title, text and update a language of the site lacks, at its
    line in the incident's file: ``path:line: no English text for this update``; of the
    incidents ``only`` holds (all by default), and how many others lack any."""
    config = site.config
    found = []
    others = 0
    for incident in site.incidents:
        if only is not None and incident.id not in only:
            others += any(lacks(text, lang) for lang in config.languages[1:] for text in
                          (*(getattr(incident, key) for key in FIELDS),
                           *(update.body for update in incident.updates)))
            continue
        lines: dict[str, int] | None = None
        for lang in config.languages[1:]:
            name = language_name(lang)
            where = f"add it to {translation_path(incident, lang)}"
            for key, label in FIELDS.items():
                if lacks(getattr(incident, key), lang):
                    if lines is None:
                        lines = _field_lines(root / incident.path)
                    found.append(Problem(incident.path, lines.get(key, 1),
                                         f"no {name} text for {label} ({where})"))
            for update in incident.updates:
                if lacks(update.body, lang):
                    found.append(Problem(incident.path, update.line,
                                         f"no {name} text for this update ({where}, under the "
                                         "same heading)"))
    return sorted(found), others


def in_play(site: Site, open_ids: Container[str], now: datetime) -> set[str]:
    """The incidents whose missing texts customers may read now: open or still to come,
    or with an update, a start or an end in the last ``RECENT``."""
    since = now - RECENT
    return {i.id for i in site.incidents
            if i.id in open_ids or i.started >= since
            or i.updates and i.updates[0].time >= since
            or i.maintenance is not None and i.maintenance.end >= since}


RECENT = timedelta(days=30)  # of an incident's last change: its missing texts still matter


def _field_lines(path: Path) -> dict[str, int]:
    """The line of each front-matter key, and of the summary, in an incident file."""
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        meta_text, meta_line, body, body_line = document.split_front_matter(text)
        meta = yamlsource.load(meta_text, meta_line)
    except (OSError, UnicodeDecodeError, document.FrontMatterProblem, yamlsource.YAMLProblem):
        return {}
    lines = {key: meta.line(key) for key in FIELDS if key != "summary"}
    skipped = next((n for n, line in enumerate(body.split("\n")) if line.strip()), 0)
    lines["summary"] = body_line + skipped
    return lines


def reminders(incident: Incident, config: SiteConfig, texts: tuple[str, ...] = (),
              update: bool = True) -> list[str]:
    """What the translation files lack of the text just written (``texts``, keys of
    ``FIELDS``, and with ``update`` the newest update), one line per language:
    ``incidents/<id>.en.md: no English text for this update yet``."""
    found = []
    for lang in config.languages[1:]:
        missing = [FIELDS[key] for key in texts if lacks(getattr(incident, key), lang)]
        newest = incident.updates[0] if update and incident.updates else None
        if newest is not None and lacks(newest.body, lang):
            missing.append("this update")
        if not missing:
            continue
        listed = missing[0] if len(missing) == 1 else \
            f"{', '.join(missing[:-1])} and {missing[-1]}"
        line = f"{translation_path(incident, lang)}: no {language_name(lang)} text for " \
               f"{listed} yet"
        if newest is not None and "this update" in missing:
            line += f" (under the heading '{document.update_heading(newest, config)}')"
        found.append(line)
    return found

