"""``statuspage undo``: take back the newest update the CLI wrote, from the journal.

Only a write made less than ``UNDO_WITHIN`` ago, whose files still hold what it wrote:
after that, customers, feeds and webhooks may have it, and a correcting update is the
honest way.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from pathlib import Path

from statuspage import files
from statuspage.edit import journal
from statuspage.edit.filing import locked, writing
from statuspage.errors import StatusPageError

UNDO_WITHIN = timedelta(minutes=15)


def take_back(root: Path, incident_id: str, now: datetime) -> journal.Entry:
    """Take back the newest update the CLI wrote to the incident, if it was written less
    than ``UNDO_WITHIN`` ago and its files hold what was written: each file as it was
    before (the front matter too: services, impact, promise); refused otherwise, saying
    why."""
    with locked(root):
        entries = journal.read(root)
        mine = [e for e in entries if e.incident_id == incident_id]
        if not mine:
            raise StatusPageError(f"nothing to undo for {incident_id}: undo takes back an update "
                                  "this machine's CLI wrote in the last 15 minutes; to correct "
                                  "what customers read, post an update ('statuspage update')")
        entry = mine[-1]
        age = now - entry.at
        if age >= UNDO_WITHIN:
            raise StatusPageError(f"{entry.what} was written {int(age.total_seconds() // 60)} "
                                  "minutes ago: undo works for 15 minutes, since customers, "
                                  "feeds and webhooks may have it by now; post a correcting "
                                  "update instead ('statuspage update')")
        for item in entry.files:
            if not item.current(root):
                raise StatusPageError(f"{item.path} changed after {entry.what} (a hand edit, or "
                                      "another command): undo would lose that; post a "
                                      "correcting update instead ('statuspage update')")
        for item in entry.files:
            path = root / item.path
            with writing(path):
                if item.before is None:
                    path.unlink()
                else:
                    files.write_atomic(path, item.before.encode("utf-8"))
        with contextlib.suppress(OSError):  # the undo is done; the journal only forgets it
            journal.write(root, [e for e in entries if e is not entry])
    return entry
