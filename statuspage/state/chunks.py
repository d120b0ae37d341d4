"""Every incident's view at a moment, chunk by chunk: a chunk of incidents whose views
were all kept (settled, or not moving since they were worked out) is taken whole, and only
the others' views are worked out again (``Settled`` keeps them).

The views of one incident are ``view.py``'s; this module goes over a whole history of
them without working each out again at each build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from statuspage.model import Incident, Patched
from statuspage.state.settled import Joined, piece, pieces, same_objects
from statuspage.state.view import IncidentView, named, settled_from, view_of

if TYPE_CHECKING:
    from statuspage.state.settled import Settled

CHUNK = 1024  # incidents whose views are taken whole while all are settled and the same


def views_at(incidents: tuple[Incident, ...], now: datetime, grace: timedelta,
             settled: Settled, patched: Patched | None = None) -> Joined[str, IncidentView]:
    """Every incident's view at ``now``, by id, in their order; a settled incident's is
    the one ``settled`` kept since it settled (see state/settled.py): of a chunk of the
    same objects as before, those it kept settled are taken as they are and only the
    others worked out again (a chunk all settled is taken whole). Another's is the one worked
    out at an earlier moment while no time the incident names has come since (an open
    incident's, until its promised update: the same object at each daemon's build). The
    mapping is the one ``settled`` keeps (not a copy of 100,000 entries): read, never change.
    ``patched``: how ``incidents`` were patched from the last ones (``Site.patched_from``):
    a chunk without a place it names is known to be the same objects, without a look."""
    last = settled.last
    if last is not None and last[0] is incidents and last[1] == now and last[2] == grace:
        return last[3]  # a second Snapshot of the same build
    # None while the chunks are being changed: another site's Snapshot on this memory (the
    # webhooks', in another thread) or an error midway leaves no ``last`` to trust.
    settled.last = None
    settled.trim(len(incidents))
    chunks, held_chunks = settled.chunks, []
    changed, count = _changed_chunks(incidents, last, patched), pieces(incidents, CHUNK)
    for number in range(count - 1, -1, -1):
        if last is not None and changed is not None and number not in changed:
            held = last[4][count - 1 - number]  # the last call's, of these very objects
            part, known = held[0], True
        else:
            held = chunks.get(number)
            part, known = piece(incidents, number, CHUNK), False
        if held is None or not _still_settled(held, part, now, grace, known):
            held = _worked_out(settled, part, range(len(part)), now, grace, None)
        elif held[4]:
            held = _worked_out(settled, part, held[4], now, grace, held)
        chunks[number] = held
        held_chunks.append(held)
    for at in [at for at in chunks if at >= len(held_chunks)]:
        del chunks[at]
    settled.turn()
    views = Joined([held[1] for held in held_chunks], None if last is None else last[3])
    settled.last = (incidents, now, grace, views, tuple(held_chunks))
    settled.trim_lines(views)
    return views


def moving(incidents: tuple[Incident, ...], now: datetime, grace: timedelta,
           settled: Settled) -> Iterator[Incident]:
    """The incidents whose view still changes after ``now``, in their order: all but those
    settled by then. What ``settled`` knows is not worked out again: of a chunk of
    ``views_at`` (the same objects), only those it found not settled are looked at, the
    others by the moment kept with their view. (The daemon's look for what comes next,
    after each build: 100,000 incidents' times gone over took 0.4-0.6 s.) Just after
    ``views_at`` of the same ``incidents``, each chunk is known to be the one it kept with
    them (``settled.last``: not ``settled.chunks``, which another site's may have changed
    since)."""
    last, count = settled.last, pieces(incidents, CHUNK)
    helds = last[4] if last is not None and last[0] is incidents else None
    for number in range(count - 1, -1, -1):
        if helds is not None:
            held = helds[count - 1 - number]
            part, known = held[0], True
        else:
            held = settled.chunks.get(number)
            part, known = piece(incidents, number, CHUNK), False
        places = held[4] if held is not None and \
            _still_settled(held, part, now, grace, known) else range(len(part))
        for at in places:
            moment = settled.settled_at(part[at], grace)
            if (moment if moment is not None else settled_from(part[at], grace)) > now:
                yield part[at]


# A chunk of ``settled.chunks``: (its incidents, their views by id, the latest moment at which
# one of those kept settled settled (None: none is), the grace, the places of the others).


def _still_settled(held: tuple, part: tuple[Incident, ...], now: datetime,
                   grace: timedelta, known: bool = False) -> bool:
    """Whether ``held`` is ``part``'s (the same objects, each id once; ``known``: the
    objects are known to be), the views it kept settled still so at ``now`` with that
    grace: they are taken as they are, and only the others worked out again (at 100,000
    incidents, 1,580 open ones in every chunk: going over all 100,000 took 28 ms of each
    daemon's round)."""
    return (held[2] is None or held[2] <= now) and held[3] == grace and \
        (known or same_objects(held[0], part)) and len(held[1]) == len(part)


def _changed_chunks(incidents: tuple[Incident, ...], last: tuple | None,
                    patched: Patched | None) -> set[int] | None:
    """The chunks (by number) of ``incidents`` that may not hold the objects of those of
    the last ``views_at``'s incidents, those of ``last``: those holding a place
    ``patched`` replaced, when ``incidents`` were patched from those; None: any may. (At
    100,000 incidents, a look at every chunk's objects took 3 ms of a daemon's round,
    and as much again in ``moving``.)"""
    if last is None or patched is None or patched.base is not last[0] or \
            patched.made is not incidents or len(incidents) != len(last[0]) or \
            len(last[4]) != pieces(incidents, CHUNK):
        return None
    return {(len(incidents) - 1 - at) // CHUNK for at in patched.places}


def _worked_out(settled: Settled, part: tuple[Incident, ...], places: Iterable[int],
                now: datetime, grace: timedelta, held: tuple | None) -> tuple:
    """``part``'s chunk with the views at ``places`` worked out again: all of them, with no
    ``held`` chunk; else the others are ``held``'s, kept settled by its moment, and its
    views stay the same dict while each of those views is the same object."""
    made: dict[str, IncidentView] = held[1] if held is not None else {}
    latest: datetime | None = held[2] if held is not None else None
    kept, views, others = settled.kept, {}, []
    # Each settled view's test inline (``Settled.view``), not a call or two per incident.
    for at in places:
        incident = part[at]
        one = kept.get(id(incident))
        if one is None or one[0].incident is not incident or now < one[1] or one[2] != grace:
            view = _view_at(settled, incident, now, grace)
            one = kept.get(id(incident))
            if one is None or one[0] is not view:
                views[incident.id] = view
                others.append(at)
                continue
        views[incident.id] = one[0]
        latest = one[1] if latest is None or one[1] > latest else latest
    if made and any(made[key] is not view for key, view in views.items()):
        made = {**made, **views}  # (the same keys: in the same order)
    return part, made or views, latest, grace, tuple(others)


def _view_at(settled: Settled, incident: Incident, now: datetime,
             grace: timedelta) -> IncidentView:
    held = settled.view(incident, now, grace)
    if held is not None:
        return held
    view = view_of(incident, now, grace)
    times = named(incident, grace)
    if now >= (moment := max(times)):  # (``settled_from``)
        settled.keep(view, moment, grace)
    else:
        settled.hold(view, now, min(t for t in times if t > now), grace)
    return view

