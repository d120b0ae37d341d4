"""Two incidents with one reference: refused when both set it by hand (``ref:``), each file
told of a free one; moved on when it comes from the id (the newer incident takes its next
candidate, ``refs.assign``), with a note saying how to pin it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from statuspage import refs
from statuspage.errors import Problem
from statuspage.model import Incident


def collisions(incidents: dict[str, Incident], root: Path) -> list[Problem]:
    """Two incidents with one reference set by hand: each file says so, with one free to
    take. (A reference from the id that is taken moves on: ``moved``.)"""
    assigned = refs.assign(_claims({i: v for i, v in incidents.items() if v.ref}))
    taken = {incident.reference for incident in incidents.values()} if assigned.clashes else ()
    problems = []
    for reference, ids in assigned.clashes.items():
        found = [incidents[i] for i in ids]
        free = next(r for r in refs.candidates(found[-1].id) if r not in taken)
        for incident in found:
            others = ", ".join(i.path for i in found if i is not incident)
            problems.append(Problem(incident.path, _line_of(root, incident, "ref"),
                                    f"reference {reference} is also that of {others}: give one "
                                    f"of them its own, e.g. ref: {free}"))
    return problems


def _claims(incidents: dict[str, Incident]) -> list[refs.Claim]:
    return [refs.Claim(i.id, i.started, i.ref) for i in incidents.values()]


class Moves:
    """Who moves to which reference (``moved``), kept by a loader from one load to the next:
    worked out again only when an incident came, went, or changed its start or ``ref:``
    (references are given by start, then id); a moved incident is the same object while
    the one it is made from is."""

    def __init__(self):
        self._claimed: dict[str, Incident] = {}  # the incidents it was worked out from
        self._assigned = refs.Assigned()
        self._made: dict[str, tuple[Incident, Incident]] = {}  # id → (loaded, moved)

    def moved(self, incidents: dict[str, Incident]) -> list[Problem]:
        """Give each incident whose reference from its id is taken its next free one (the
        newer incident moves, ``refs.assign``); a note for each, to pin it with ``ref:``."""
        if not self._same_claims(incidents):
            self._assigned = refs.assign(_claims(incidents))
        self._claimed = dict(incidents)
        assigned, made, notes = self._assigned, {}, []
        for incident_id, holder in sorted(assigned.moved.items()):
            incident = incidents[incident_id]
            reference = assigned.by_id[incident_id]
            was = self._made.get(incident_id)
            made[incident_id] = was if was is not None and was[0] is incident and \
                was[1].ref == reference else (incident, replace(incident, ref=reference))
            incidents[incident_id] = made[incident_id][1]
            notes.append(Problem(incident.path, 1, (
                f"reference {refs.ref_of(incident_id)} is taken by {incidents[holder].path}; "
                f"this incident is {reference!r} — write `ref: {reference}` to pin it")))
        self._made = made
        return notes

    def moves(self, incident_id: str) -> bool:
        """Whether the incident took another reference than its id's, at the last load."""
        return incident_id in self._assigned.moved

    def _same_claims(self, incidents: dict[str, Incident]) -> bool:
        """Whether each incident claims what it claimed when the references were given."""
        claimed = self._claimed
        if len(claimed) != len(incidents):
            return False
        for incident_id, incident in incidents.items():
            was = claimed.get(incident_id)
            if was is not incident and (was is None or was.started != incident.started
                                        or was.ref != incident.ref):
                return False
        return True


def _line_of(root: Path, incident: Incident, key: str) -> int:
    """The line of a front-matter key in the incident's file (1 if it has none)."""
    if not incident.ref:
        return 1
    try:
        lines = (root / incident.path).read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)
