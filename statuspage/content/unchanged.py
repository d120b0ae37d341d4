"""What a kept loader made of each incident whose files have not changed since.

Every load goes over the whole site; at 100,000 incidents, going again through each
incident's files (their parse-cache entries, each translation over the original) costs
more than everything else the loader does. A loader kept between loads (the daemon's)
remembers, for each incident, the files it was made from (the scan's ``Source``: name,
size, time in ns, inode) and what they gave without a problem; the next load takes that
incident as it is while its files are the same, under the same site.yaml, and reads only
the others. A result with a problem is never kept: it is worked out again (a file too slow
to read is read again, an error says where it is at each load).

``Order`` keeps the last load's order of the incidents, newest first, for the same reason:
one file changed is no reason to sort the whole site again.
"""

from __future__ import annotations

from itertools import compress
from operator import is_not

from statuspage.content.sources import Source
from statuspage.errors import Problem
from statuspage.model import Incident, Patched


class Unchanged:
    """Each incident as its files last gave it without a problem, by id."""

    def __init__(self):
        self._config_key = ""
        # id → (its files, as a load's group lists them; the incident; the warnings)
        self._held: dict[str, tuple[list[Source], Incident, tuple[Problem, ...]]] = {}

    def start(self, config_key: str, groups: dict[str, list[Source]]) -> set[str]:
        """For a load of ``groups`` under site.yaml ``config_key``: the ids whose files are
        as they were (``get`` has them); what is kept of the others is forgotten."""
        if config_key != self._config_key:
            self._held.clear()
            self._config_key = config_key
        held, same = self._held, set()
        for incident_id, group in groups.items():
            # (The scan's objects, or equal ones: a list compares each item by identity first.)
            was = held.get(incident_id)
            if was is not None:
                if was[0] == group:
                    same.add(incident_id)
                else:
                    del held[incident_id]
        if len(held) > len(same):  # incidents gone from the site
            for incident_id in held.keys() - same:
                del held[incident_id]
        return same

    def get(self, incident_id: str) -> tuple[Incident, tuple[Problem, ...]]:
        """An incident ``start`` found unchanged, and its warnings."""
        _, incident, warnings = self._held[incident_id]
        return incident, warnings

    def clean(self, incident_id: str, group: list[Source]) -> Incident | None:
        """The incident ``group`` (its files as they now are) gave without a problem at the
        last load; None when it gave a problem, or is not the group of that load."""
        held = self._held.get(incident_id)
        return held[1] if held is not None and held[0] == group else None

    def keep(self, incident_id: str, group: list[Source], incident: Incident,
             warnings: list[Problem]) -> None:
        """What ``group`` gave without a problem: taken as it is while it stays the same."""
        self._held[incident_id] = (group, incident, tuple(warnings))


class Order:
    """The incidents newest first (by start, then id), as the last load had them."""

    def __init__(self):
        self._incidents: list[Incident] = []
        self._ids: list[str] = []
        self._places: dict[str, int] | None = None  # each id's place, once asked for
        self._made: tuple[Incident, ...] = ()  # the last order given

    def of(self, incidents: dict[str, Incident]) -> tuple[Incident, ...]:
        """``incidents`` (by id) in order: the last load's order again when the ids are the
        same and each incident that changed starts when it did (a daemon's load after a
        save: no sort of the whole site)."""
        last = self._incidents
        if len(self._ids) == len(incidents):
            try:
                now = list(map(incidents.__getitem__, self._ids))
            except KeyError:  # other incidents
                pass
            else:
                if all(now[k].started == last[k].started
                       for k in compress(range(len(now)), map(is_not, now, last))):
                    self._incidents = now
                    self._made = tuple(now)
                    return self._made
        self._incidents = sorted(incidents.values(), key=lambda i: (i.started, i.id),
                                 reverse=True)
        self._ids = [incident.id for incident in self._incidents]
        self._places = None
        self._made = tuple(self._incidents)
        return self._made

    def replaced(self, incidents: dict[str, Incident]) -> tuple[tuple[Incident, ...], Patched]:
        """The last order, with ``incidents`` (by id, each starting when it did) in their
        place (a load patched from the last one, ``patch.py``), and what it was patched
        from."""
        if self._places is None:
            self._places = {incident_id: at for at, incident_id in enumerate(self._ids)}
        places = frozenset(self._places[incident_id] for incident_id in incidents)
        for at in places:
            self._incidents[at] = incidents[self._ids[at]]
        base, self._made = self._made, tuple(self._incidents)
        return self._made, Patched(base, places, self._made)
