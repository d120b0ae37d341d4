"""Which incident a person means: by its id, its reference or the start of its id; and
the references the writer gives new incidents."""

from __future__ import annotations

import re
from pathlib import Path

from statuspage import refs
from statuspage.content import refindex
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.schema import MAX_ID, SLUG
from statuspage.edit.filing import read_for_edit, validated
from statuspage.errors import IncidentNotFound
from statuspage.model import Incident, SiteConfig


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
    return validated(incident_id, path, read_for_edit(path)[0], config)

