"""What the CLI last wrote, so that ``statuspage undo`` can take it back.

A small file beside the content, ``.statuspage-journal.json`` (git-ignored with every
``.statuspage-*`` name): for each write of an incident, when it was made, the bytes each
file had before (none for a file it created) and a digest of what it wrote. An undo puts
the bytes back only while the files still hold what was written: a later hand edit or
command is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from statuspage import files

JOURNAL = ".statuspage-journal.json"
KEEP = 20  # writes remembered, across incidents
KEEP_FOR = timedelta(days=1)  # long enough to say why an old write cannot be undone


@dataclass(frozen=True)
class Written:
    """One file of a write: its path in the site, its bytes before (None: it was new)
    and the digest of the bytes written."""

    path: str
    before: str | None
    after: str

    def current(self, root: Path) -> bool:
        """Whether the file still holds what was written."""
        try:
            return digest((root / self.path).read_bytes()) == self.after
        except FileNotFoundError:
            return False


@dataclass(frozen=True)
class Entry:
    incident_id: str
    at: datetime
    what: str  # e.g. "the identified update of 2026-11-26 12:00"
    files: tuple[Written, ...]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(root: Path) -> list[Entry]:
    """The writes remembered, oldest first (none when the file is missing or unreadable:
    the journal is a convenience, never a reason to fail)."""
    try:
        data = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
        return [Entry(item["id"], datetime.fromisoformat(item["at"]), item["what"],
                      tuple(Written(f["path"], f["before"], f["after"]) for f in item["files"]))
                for item in data["writes"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write(root: Path, entries: list[Entry]) -> None:
    data = {"version": 1, "writes": [
        {"id": e.incident_id, "at": e.at.isoformat(), "what": e.what,
         "files": [{"path": f.path, "before": f.before, "after": f.after} for f in e.files]}
        for e in entries]}
    files.write_atomic(root / JOURNAL, json.dumps(data, ensure_ascii=False).encode("utf-8"),
                       mode=0o600)


def record(root: Path, entry: Entry) -> None:
    """Remember a write (call it holding the writers' lock). A journal that cannot be
    written only means no undo: the write itself is done."""
    kept = [e for e in read(root) if entry.at - e.at < KEEP_FOR][-(KEEP - 1):]
    try:
        write(root, [*kept, entry])
    except OSError:
        pass


def written(root: Path, path: Path, before: bytes | None, after: bytes) -> Written:
    return Written(str(path.relative_to(root)),
                   None if before is None else before.decode("utf-8"), digest(after))
