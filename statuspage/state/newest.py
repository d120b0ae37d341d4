"""What the update feeds list: the newest published updates of the site and of each
component, found without reading every update of the history."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from statuspage.model import Update
from statuspage.state.view import IncidentView

Lists = dict[str | None, list[tuple[Update, IncidentView]]]


def newest_updates(walk: Iterable[tuple[datetime, str, IncidentView]],
                   totals: dict[str | None, int],
                   count: int) -> Lists:
    """The ``count`` newest updates of the site (None) and of each component's incidents,
    newest first. ``walk``: the published incidents with updates, newest news first (each
    as (its newest update's time, its id, view)); ``totals``: the updates each list could
    hold. The walk stops once no older incident can enter any list: a rebuild reads a few
    hundred incidents, not the history."""
    # Each list's newest ``count`` as a min-heap of (time and id, -order, update, view):
    # the oldest kept on top, ties kept in the order read (what a stable sort keeps).
    heaps: dict[str | None, list] = defaultdict(list)
    floors: dict[str | None, tuple] = {}  # the count-th newest of each full list
    waiting = set(totals)  # the lists an update not yet read may still enter
    order = 0
    for time, id_, view in walk:
        newest = (time, id_)
        waiting = {group for group in waiting
                   if not (group in floors and floors[group] > newest)
                   and not (totals[group] <= count and len(heaps[group]) == totals[group])}
        if not waiting:
            break
        for group in (None, *view.incident.components):
            heap = heaps[group]
            for update in view.updates:
                order -= 1
                item = ((update.time, view.id), order, update, view)
                if len(heap) < count:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
            if len(heap) >= count:
                floors[group] = heap[0][0]
    return {group: [(update, view) for _, _, update, view in sorted(heap, reverse=True)]
            for group, heap in heaps.items()}
