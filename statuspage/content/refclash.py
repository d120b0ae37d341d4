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


def moved(incidents: dict[str, Incident], root: Path) -> list[Problem]:
    """Give each incident whose reference from its id is taken its next free one (the
    newer incident moves, ``refs.assign``); a note for each, to pin it with ``ref:``."""
    assigned = refs.assign(_claims(incidents))
    notes = []
    for incident_id, holder in sorted(assigned.moved.items()):
        incident = incidents[incident_id]
        reference = assigned.by_id[incident_id]
        incidents[incident_id] = replace(incident, ref=reference)
        notes.append(Problem(incident.path, 1, (
            f"reference {refs.ref_of(incident_id)} is taken by {incidents[holder].path}; "
            f"this incident is {reference!r} — write `ref: {reference}` to pin it")))
    return notes


def _line_of(root: Path, incident: Incident, key: str) -> int:
    """The line of a front-matter key in the incident's file (1 if it has none)."""
    if not incident.ref:
        return 1
    try:
        lines = (root / incident.path).read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)
