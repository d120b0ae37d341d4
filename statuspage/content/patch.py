"""A load after a save: the last load's site, with the incidents whose files the look named
read again, when nothing else can have changed.

A full load goes over every incident several times (grouping the files, finding the
unchanged ones, the references' claims, the last good versions, the order): at 100,000
incidents each pass costs tens of milliseconds, however little it does. The daemon's look
names the files the system reported (``sources.update``, which records them in the
``Found`` it makes from the last one). When those are incidents' files that were there
before and still are (none is a desk's note), under the same site.yaml, after a load
without any problem, and each incident they make loads without a problem, with the start,
the ``ref:`` and the reference it had (so that no reference moves and the order holds),
the site is the last one with those incidents in their place. Given the very look the
last load read (a rebuild at a moment, nothing changed: ``watching.unchanged``), it is the
last site again. Anything else is a full load: ``Loader.load`` tries this first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

from statuspage.content import sources
from statuspage.errors import Problem
from statuspage.model import Incident, Site, SiteConfig

if TYPE_CHECKING:
    from statuspage.content.loader import Loader


@dataclass
class Last:
    """What a load without problem leaves for the next to patch."""

    found: sources.Found
    config_key: str
    present: set[str]  # the ids with an original file
    warned: dict[str, tuple[Problem, ...]] = field(default_factory=dict)  # those with notes
    moves: tuple[Problem, ...] = ()  # the notes of references moved
    same_ids: int = 0  # its site's (``Site.same_ids``): a patch adds and removes none


def patched(loader: Loader, config: SiteConfig, config_warnings: list[Problem],
            config_key: str, found: sources.Found) -> Site | None:
    """The site ``found`` makes, from ``loader``'s last load; None: a full load is needed."""
    last = loader.last  # (the loader's own step, apart for its length: its parts are its)
    if last is not None and found is last.found and config_key == last.config_key:
        return _site(loader, config, config_warnings, config_key, found, {})  # the same files
    if last is None or found.base != last.found.number or config_key != last.config_key \
            or found.errors or not found.changed \
            or len(found.sources) != len(last.found.sources):
        return None
    groups = {}
    for label in found.changed:
        was = _source(last.found.sources, label)
        now = _source(found.sources, label)
        if was is None and now is None:  # not a content file (an editor's, named too)
            continue
        if was is None or now is None or now.lang == sources.INTERNAL or was.id != now.id:
            return None
        group: list[sources.Source] = []  # its files, as they now are
        for source in loader._groups.get(now.id, ()):
            if (same := _source(found.sources, source.label)) is None:
                return None
            group.append(same)
        if not group:
            return None
        groups[now.id] = group
    if not groups:
        return None
    made: dict[str, tuple[Incident, list[Problem]]] = {}
    for incident_id, group in groups.items():
        incident, problems, notes = loader._chain(group, config, config_key, last.present)
        before = loader._good.get(incident_id)
        if incident is None or problems or before is None or loader._moves.moves(incident_id) \
                or \
                (incident.started, incident.ref, incident.reference) != \
                (before.started, before.ref, before.reference):
            return None
        made[incident_id] = incident, notes
    for incident_id, (incident, notes) in made.items():  # as a full load keeps them
        loader._unchanged.keep(incident_id, groups[incident_id], incident, notes)
        loader._groups[incident_id] = groups[incident_id]
        loader._good[incident_id] = incident
        loader._touch(incident_id)
        if notes:
            last.warned[incident_id] = tuple(notes)
        else:
            last.warned.pop(incident_id, None)
    last.found = found
    return _site(loader, config, config_warnings, config_key, found, made)


def _site(loader: Loader, config: SiteConfig, config_warnings: list[Problem], config_key: str,
          found: sources.Found, made: dict[str, tuple[Incident, list[Problem]]]) -> Site:
    """The last load's site, with the incidents ``made`` again in their place."""
    assert loader.last is not None
    last = loader.last
    warnings = [*config_warnings, *found.warnings, *last.moves,
                *chain.from_iterable(last.warned.values())]
    incidents, patched = loader._order.replaced({i: m[0] for i, m in made.items()})
    return Site(config, incidents, tuple(sorted(set(warnings))), (), config_key,
                same_ids=last.same_ids, patched=patched)


def _source(found: list[sources.Source], label: str) -> sources.Source | None:
    at = sources.position(found, label)
    return None if at is None else found[at]
