"""Places: each postal code or prefix that open and recent incidents name, with the
incidents that concern it (``Snapshot.zones``) and what the incidents call it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Container, Iterable

from statuspage.model import Area, Incident
from statuspage.state.view import IncidentView


def zones(found: list[IncidentView]) -> dict[str, list[IncidentView]]:
    """Every code the areas of ``found`` name, sorted, each with the views (in their
    order) whose incident concerns some of it (``touched``). Each incident goes to the
    codes it touches, not each code over every incident (20 codes × 2,000 incidents at
    each daemon's round at 100,000)."""
    codes = sorted({area.code for view in found for area in view.incident.areas})
    shown: dict[str, list[IncidentView]] = {code: [] for code in codes}
    for view in found:
        for code in touched(view.incident, codes, shown):
            shown[code].append(view)
    return shown


def labels(found: list[IncidentView]) -> dict[str, Area]:
    """Each code's first area with a label among ``found``'s (in their order): what the
    pages call the place."""
    named: dict[str, Area] = {}
    for view in found:
        for area in view.incident.areas:
            if area.label:
                named.setdefault(area.code, area)
    return named


def touched(incident: Incident, codes: list[str], known: Container[str]) -> Iterable[str]:
    """Of ``codes`` (sorted; ``known``: the same, to look up), those that concern some of
    the incident: all when it is everywhere, else each that holds one of its areas (a
    prefix of its code) or lies within one (its code starts with the area's)."""
    if not incident.areas:
        return codes
    found: set[str] = set()
    for area in incident.areas:
        code = area.code
        found.update(code[:end] for end in range(len(code) + 1) if code[:end] in known)
        for at in range(bisect_left(codes, code), len(codes)):
            if not codes[at].startswith(code):
                break
            found.add(codes[at])
    return found
