"""Which incident has which reference, without reading every incident file.

``statuspage update K7M2QX`` must find the incident whose reference that is, and
``statuspage new`` must write a reference no other incident holds. Both need every
incident's ``ref:`` and start (``refs.assign`` gives the references from them), and
reading thousands of files for it would make each command wait on the whole history.

The index is a small file beside the content, ``.statuspage-refs-index`` (git-ignored with
every ``.statuspage-*`` name): for each incident file, its stamp (size and mtime), its
``ref:`` and its start, and the references they give. A file whose stamp changed, or
that is new, is read again (its front matter only), and the references are given again;
a file gone leaves the index. Losing the index costs one slower command, never a wrong
answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from statuspage import files, refs
from statuspage.content import document, yamlsource
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.schema import MAX_ID, SLUG
from statuspage.content.sources import Source
from statuspage.content.stamps import size_and_time
from statuspage.model import Incident
from statuspage.times import TimeError, parse_time

INDEX = ".statuspage-refs-index"
VERSION = 2

Entry = list  # [mtime_ns, size, ref or "", start in seconds since 1970, None if unreadable]


def assigned(root: Path, timezone: ZoneInfo) -> refs.Assigned:
    """Every incident's reference, as the loader gives them (``refs.assign``)."""
    old, given = _read(root / INDEX, str(timezone))
    entries = _entries(root, timezone, old)
    if entries != old or given is None:
        given = refs.assign(_claims(entries)).by_id
        _save(root / INDEX, str(timezone), entries, given)
    return refs.Assigned(by_id=given)


def seed(root: Path, timezone: ZoneInfo, loaded: Iterable[tuple[Source, Incident]]) -> None:
    """Write the index from what a load found (each incident that loaded without a problem,
    with the stamp of its file), when there is none: the first command given a reference
    after a build then reads no file (100,000 incidents: 9 s). The files left out are read
    by that command, as changed ones are."""
    if (root / INDEX).exists():
        return
    entries = {source.id: [*reversed(size_and_time(source.stamp)), incident.ref or "",
                           incident.started.timestamp()]
               for source, incident in loaded if _indexed(source.id)}
    _save(root / INDEX, str(timezone), entries, refs.assign(_claims(entries)).by_id)


def _indexed(incident_id: str) -> bool:
    """Whether the file ``<incident_id>.md`` is one the index holds."""
    return "." not in incident_id and len(incident_id) <= MAX_ID and \
        bool(SLUG.fullmatch(incident_id))


def _claims(entries: dict[str, Entry]) -> list[refs.Claim]:
    return [refs.Claim(incident_id, datetime.fromtimestamp(started, UTC), ref or None)
            for incident_id, (_, _, ref, started) in entries.items() if started is not None]


def _entries(root: Path, timezone: ZoneInfo, old: dict[str, Entry]) -> dict[str, Entry]:
    """The index's entries, brought up to date with the incidents folder."""
    new: dict[str, Entry] = {}
    try:
        found = list(os.scandir(root / INCIDENTS_DIR))
    except OSError:
        return {}
    for item in found:
        incident_id, suffix = item.name[:-3], item.name[-3:]
        if suffix != ".md" or not _indexed(incident_id):
            continue
        try:
            stamp = item.stat()
        except OSError:
            continue
        entry = old.get(incident_id)
        if entry is None or entry[:2] != [stamp.st_mtime_ns, stamp.st_size]:
            entry = [stamp.st_mtime_ns, stamp.st_size, *_facts(Path(item.path), timezone)]
        new[incident_id] = entry
    return new


def _read(path: Path, timezone: str) -> tuple[dict[str, Entry], dict[str, str] | None]:
    """The index's entries and the references they gave (none if it is lost or stale)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if data["version"] == VERSION and data["timezone"] == timezone:
            return dict(data["incidents"]), dict(data["references"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}, None


def _save(path: Path, timezone: str, entries: dict[str, Entry], given: dict[str, str]) -> None:
    data = {"version": VERSION, "timezone": timezone, "incidents": entries,
            "references": given}
    try:
        files.write_atomic(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
    except OSError:
        pass  # a read-only site: the next command reads the files again


def _facts(path: Path, timezone: ZoneInfo) -> tuple[str, float | None]:
    """A file's ``ref:`` and start, from its front matter ("" and None for what it does
    not say rightly: a broken file is the loader's to report)."""
    try:
        meta = yamlsource.load(document.split_front_matter(
            path.read_text(encoding="utf-8-sig"))[0]).value
    except (OSError, UnicodeDecodeError, document.FrontMatterProblem, yamlsource.YAMLProblem):
        return "", None
    if not isinstance(meta, dict):
        return "", None
    ref = meta.get("ref")
    ref = refs.normalize(ref) if isinstance(ref, str) and refs.is_reference(ref) else ""
    started = meta.get("started")
    window = meta.get("maintenance")
    if started is None and isinstance(window, dict):
        started = window.get("start")
    try:
        return ref, parse_time(started, timezone).timestamp() if isinstance(started, str) else None
    except TimeError:
        return ref, None
