"""The cycle collector around a site held in memory.

A loaded site of 10,000 incidents is hundreds of thousands of objects, none of them garbage.
Each full pass of CPython's cycle collector goes over all of them (every thread stalled),
and when one falls between two of the daemon's builds, a save made then waits for it.
Pausing the collector while a build runs and freezing (``gc.freeze``) what outlives it keep
the passes to what is new.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

GROWTH = 1.25  # frozen objects, against those after the last full pass, that call for one
# Rebuilds at least between two counts of the frozen objects: ``gc.get_freeze_count`` walks
# them all (0.26 s at 100,000 incidents, after a rebuild's publication: a save made then
# waited). A count is made only when what was frozen since the last could pass ``GROWTH``.
COUNT_EVERY = 16


@contextmanager
def paused(settle: bool = False) -> Iterator[None]:
    """The collector off for a while, then on again. When it was off already, the caller
    looks after it (the daemon's ``Generations``), and this does nothing.

    ``settle``: what is alive afterwards goes to the oldest generation, as if it had
    survived the passes; else the first allocation after ``enable`` starts a pass over all
    that was allocated meanwhile (all a build made, on a large site). What of it is
    garbage goes with the next full pass.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if settle:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


class Generations:
    """The daemon's policy: each rebuild runs with the collector off; after it, one pass
    goes over what the rebuild made (everything older is frozen) and frees its garbage (the
    Flask app and snapshot of the build form cycles), then what survives is frozen too. The
    first rebuild's is frozen without a pass (see ``_collect``).

    Frozen objects still go when nothing refers to them (an incident replaced by its new
    version), but cyclic garbage among them would stay: when the frozen objects grow by a
    quarter over what the last full pass left (CPython's own rule for its full passes),
    one full pass runs, right after that rebuild's publication. They are counted at most
    once in ``COUNT_EVERY`` rebuilds, and only once the objects frozen since the last
    count (each rebuild's survivors, counted as they are frozen: what it made, not the
    site) could have taken them past that quarter: an upper bound, since frozen objects
    also go, so that no pass comes later than a count at each turn would have called it.
    """

    def __init__(self) -> None:
        self._kept: int | None = None  # frozen objects after the last full pass
        self._rounds = 0  # rebuilds since the frozen objects were last counted
        self._most = 0  # the frozen objects at most: the last count, and those frozen since
        self.full_passes = 0

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        with paused():
            try:
                yield
            finally:
                self._collect()
                give_back()

    def _collect(self) -> None:
        if self._kept is None:
            # The first rebuild (the daemon's start) made what the next ones reuse: every
            # file's plan and map, the views (3 million objects at 100,000 incidents). A
            # pass over them (0.8 s there) would hold up a save made as the daemon starts,
            # to free that build's little garbage (its app and snapshot: 12 MB there),
            # which stays until a full pass.
            gc.freeze()
            self._kept = self._most = gc.get_freeze_count()
            return
        gc.collect()  # not the frozen: only what came since the last rebuild
        self._most += len(gc.get_objects(generation=2))  # (its survivors, all in the oldest)
        gc.freeze()
        self._rounds += 1
        if self._rounds < COUNT_EVERY or self._most <= self._kept * GROWTH:
            return
        self._rounds = 0
        self._most = gc.get_freeze_count()
        if self._most > self._kept * GROWTH:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._kept = self._most = gc.get_freeze_count()
            self.full_passes += 1

    def release(self) -> None:
        """The process as it was: nothing frozen, the next full pass goes over it all."""
        gc.unfreeze()
        self._kept, self._rounds, self._most = None, 0, 0


@functools.cache
def trimmer() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, None elsewhere (another C library, another system)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


def give_back() -> None:
    """Give the system back the free memory at the top of the C heap and in its free pages
    (glibc's ``malloc_trim``). What a build frees there (its large lists, dicts and texts)
    stays in the process otherwise, counted in its resident memory: 77 MB of a daemon's
    1.37 GB at 100,000 incidents (docs/performance.md)."""
    if (trim := trimmer()) is not None:
        trim(0)
