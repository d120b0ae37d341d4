"""Joins of the runs' shares kept from one Snapshot to the next: a join is the last one
while each run that is not the one at its place then has the same share, and a join by key
is made again for the keys whose share changed only. A daemon's round changes one run or
two of hundreds; going over every run's share for each list cost a few milliseconds each
at 100,000 incidents (the archive's months, the reference lookup's files, the calendars).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from statuspage.state.settled import same_objects

if TYPE_CHECKING:
    from statuspage.state.runs import Run
    from statuspage.state.settled import Settled

T = TypeVar("T")


def kept(settled: Settled, name: object, runs_: list[Run], share: Callable[[Run], object],
         same: Callable[[object, object], bool], join: Callable[[list[Run]], T]) -> T:
    """``join(runs_)``, or the last one made under ``name`` while each run that is not the
    one at its place then has a share the ``same`` as that one's."""
    last = settled.joins.get(name)
    if last is not None and len(last[0]) == len(runs_) and all(
            old is new or same(share(old), share(new))
            for old, new in zip(last[0], runs_, strict=True)):
        settled.joins[name] = (runs_, last[1])
        return last[1]
    found = join(runs_)
    settled.joins[name] = (runs_, found)
    return found


def same_views(one: object, other: object) -> bool:
    """Whether two lists of (..., view) hold the same views, in the same order (or both
    are None)."""
    if one is None or other is None:
        return one is other
    assert isinstance(one, list) and isinstance(other, list)
    return len(one) == len(other) and all(a[-1] is b[-1] for a, b in zip(one, other,
                                                                           strict=True))


def same_lists(one: object, other: object) -> bool:
    """Whether two dicts of lists have the same keys, in order, and the same lists."""
    assert isinstance(one, dict) and isinstance(other, dict)
    return list(one) == list(other) and all(map(same_objects, one.values(), other.values()))


def grouped(settled: Settled, runs_: list[Run], name: str) -> dict:
    """One dict of lists from every run's ``name`` (keys in the order first seen, lists
    joined), from the last one made: while the runs hold the same keys, only the lists of
    the keys whose lists changed in a run are joined again."""
    last = settled.joins.get(name)
    dirty: set = set()
    if last is not None and len(last[0]) == len(runs_):
        for old, new in zip(last[0], runs_, strict=True):
            if old is not new:
                before, after = getattr(old, name), getattr(new, name)
                if list(before) != list(after):
                    break
                dirty.update(key for key, views in after.items()
                             if not same_objects(before[key], views))
        else:
            found, holders = last[1], last[2]
            if dirty:
                found = {**found, **{key: [view for at in holders[key]
                                           for view in getattr(runs_[at], name)[key]]
                                     for key in dirty}}
            settled.joins[name] = (runs_, found, holders)
            return found
    found, holders = {}, {}
    for at, run in enumerate(runs_):
        for key, views in getattr(run, name).items():
            if key in found:
                found[key] += views
                holders[key].append(at)
            else:
                found[key], holders[key] = list(views), [at]
    settled.joins[name] = (runs_, found, holders)
    return found
