"""Overdue promises: staff reminded once of each promised update time that passed with no
update, in the log and by ``--on-overdue``.

The promises reminded are kept beside the output folder and named after it
(``.statuspage-reminded-build.json`` for ``build/``), so that a restart does not remind
them again and two sites whose outputs share a parent folder keep apart. The file of
earlier versions, one for every output of that folder (``.statuspage-reminded.json``), is
carried over once, when the site's own file does not exist yet. A round goes once over the
overdue promises and saves once, however many it reminds: a daemon starting with
thousands of overdue promises must not hold its next build back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from statuspage.model import Site
from statuspage.ops import shellhooks, statefiles
from statuspage.state.status import IncidentView, Snapshot

log = logging.getLogger("statuspage.ops.daemon")

KIND = "reminded"  # .statuspage-reminded-<output folder>.json
LEGACY = ".statuspage-reminded.json"  # before: beside the output, shared by the folder's
WORKERS = 4  # --on-overdue commands running at once
AGAIN = "a missed promise may be reminded again"

Promise = tuple[str, datetime]  # an incident's id, the update time it promised


def overdue(snap: Snapshot) -> list[IncidentView]:
    """Open incidents whose promised update time has passed with no update at or after it
    (a view is late only while open: the open ones are read, not every view)."""
    return [view for view in snap.open_views if view.late]


class Reminders:
    """The promises reminded for the site built into ``out``, and the ``on_overdue``
    command run for each new one."""

    def __init__(self, out: Path, on_overdue: str | None = None):
        self.path = statefiles.beside(out, KIND, ".json")
        self.hook = shellhooks.Hook("--on-overdue", on_overdue, WORKERS) if on_overdue \
            else None
        self.reminded: set[Promise] = self._read(out.resolve().parent / LEGACY)

    def remind(self, snap: Snapshot) -> list[IncidentView]:
        """Warn once per missed promise, and run the command for it; those reminded now.
        ``snap``: the site at the moment (the daemon's: its build's, lists worked out)."""
        site, now = snap.site, snap.now
        zone = site.config.timezone
        new = []
        for view in overdue(snap):
            promise = (view.id, (view.late or now).astimezone(zone))
            if promise not in self.reminded:
                self.reminded.add(promise)
                new.append((view, promise[1]))
        if not new:
            return []
        self._save(site)
        lang = site.config.default_language
        for view, promised in new:
            title = view.incident.title.get_in(lang, lang).value
            log.warning("overdue: %s (%s) promised an update at %s and has none since",
                        view.id, title, f"{promised:%Y-%m-%d %H:%M %Z}")
            if self.hook is not None:
                self.hook.start({"STATUSPAGE_INCIDENT_ID": view.id,
                                 "STATUSPAGE_INCIDENT_TITLE": title,
                                 "STATUSPAGE_NEXT_UPDATE": promised.isoformat()},
                                f"for {view.id}")
        return [view for view, _ in new]

    def wait(self) -> None:
        """Until the commands started so far are done."""
        if self.hook is not None:
            self.hook.wait()

    def close(self) -> None:
        """Let the commands started finish."""
        if self.hook is not None:
            self.hook.close()

    def _read(self, legacy: Path) -> set[Promise]:
        found = statefiles.read_json(self.path, _promises, AGAIN)
        if found is None and not self.path.exists():
            found = statefiles.read_json(legacy, _promises, f"not carried over; {AGAIN}")
            if found is not None and statefiles.write_json(self.path, _items(found), AGAIN):
                log.info("%s carried over into %s", legacy, self.path)
        return found or set()

    def _save(self, site: Site) -> None:
        """Save the promises reminded that still stand (in one step: never half a file)."""
        standing = {(i.id, i.next_update) for i in site.incidents if i.next_update is not None}
        statefiles.write_json(self.path, _items(self.reminded & standing),
                              "a restart may remind again")


def _promises(data: list) -> set[Promise]:
    return {(item, datetime.fromisoformat(moment)) for item, moment in data}


def _items(promises: set[Promise]) -> list[list[str]]:
    return sorted([item, moment.isoformat()] for item, moment in promises)
