"""The cycle collector around the daemon's site in memory: between two builds its passes
go over none of the site, and what the builds leave as garbage is freed all the same."""

from __future__ import annotations

import gc
import os
import weakref

import pytest
from conftest import FIBRE, NOW

from statuspage import web
from statuspage.content import collector
from statuspage.content.collector import Generations
from statuspage.freeze.build import build as real_build
from statuspage.ops.daemon import Daemon


@pytest.fixture
def daemon(site_dir, monkeypatch):
    """A daemon at NOW that has built once, for real; its scheduler paused."""
    monkeypatch.chdir(site_dir)
    made = Daemon(site_dir, clock=lambda: NOW, build=real_build)
    made.start(paused=True)
    yield made
    made.stop()


def test_between_builds_no_pass_of_the_collector_goes_over_the_site(daemon):
    seen = {id(obj) for obj in gc.get_objects()}  # what a full pass would go over now
    incidents = daemon.site.incidents
    assert incidents
    assert not [incident.id for incident in incidents if id(incident) in seen]
    assert id(daemon.site) not in seen


def test_each_build_leaves_no_garbage_for_a_later_pass(daemon, site_dir, monkeypatch):
    """What a build made (its Snapshot, which forms cycles with the app's, Flask's own) is
    freed once it is published; the app is kept for the next (``Caches.app``), bare."""
    snaps: list[weakref.ref] = []
    made = web.snapshot

    def recorded(app, site, now):
        found = made(app, site, now)
        snaps.append(weakref.ref(found))
        return found

    monkeypatch.setattr(web, "snapshot", recorded)
    path = site_dir / "incidents" / f"{FIBRE}.md"
    for number in range(3):
        path.write_text(path.read_text("utf-8") + f"\nSuite {number}.\n", "utf-8")
        snaps.clear()
        daemon.request(f"edit {number}")
        assert snaps and all(snap() is None for snap in snaps)
        app = daemon.editions[0].caches.app
        assert app is not None and "statuspage.snapshot" not in app.extensions
    assert "Suite 2." in (site_dir / "build" / "incidents" / FIBRE / "index.html").read_text(
        "utf-8")


class Node:
    """A cycle of one: only the cycle collector frees it."""

    def __init__(self):
        self.me = self


COUNT = gc.get_freeze_count  # the real count, which the tests' spy calls


@pytest.fixture
def counts(monkeypatch) -> list:
    """Each count of the frozen objects (a count walks them all), as it is made."""
    made: list = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: made.append(1) or COUNT())
    return made


@pytest.fixture
def generations():
    """The daemon's policy after its first rebuild (what was there before is the measure),
    released afterwards: nothing is left frozen."""
    made = Generations()
    try:
        with made.rebuilding():
            pass
        yield made
    finally:
        made.release()
    assert COUNT() == 0


def test_frozen_garbage_goes_with_a_full_pass_once_the_frozen_grew_by_a_quarter(
        counts, generations):
    """Counted once in ``COUNT_EVERY`` rebuilds (a count walks every frozen object)."""
    with generations.rebuilding():
        node = Node()
        probe = weakref.ref(node)
        gc.freeze()  # as a build freezes its loaded site: this one is garbage afterwards
        del node
    assert probe() is not None  # frozen: the rebuild's pass did not see it
    with generations.rebuilding():
        kept = [[] for _ in range(COUNT() // 3)]  # the site grew by a third
    for _ in range(collector.COUNT_EVERY - 3):
        with generations.rebuilding():
            pass
    assert probe() is not None and len(counts) == 1  # (the first rebuild's count)
    with generations.rebuilding():
        pass
    assert probe() is None
    assert generations.full_passes == 1
    assert len(counts) == 3 and kept  # (its count, and the one after the full pass)


def test_the_frozen_are_counted_only_once_those_frozen_since_could_pass_a_quarter(
        counts, generations):
    """A count walks every frozen object (0.26 s at 100,000 incidents): rebuilds that keep
    little leave them uncounted, however many turns of ``COUNT_EVERY`` go by; the first
    that keeps enough to pass a quarter has them counted, and the full pass runs."""
    kept: list = []
    for _ in range(3 * collector.COUNT_EVERY):
        with generations.rebuilding():
            kept.append([])  # a little kept by each
    assert len(counts) == 1 and generations.full_passes == 0  # (the first's count)
    with generations.rebuilding():
        kept += [[] for _ in range(COUNT() // 3)]  # the site grew by a third
    assert generations.full_passes == 1
    assert len(counts) == 3  # (its count, and the one after the full pass)


def test_the_first_rebuild_is_frozen_without_a_pass_the_next_ones_are_collected():
    """The daemon's start makes what every later build reuses (at 100,000 incidents, a pass
    over it holds up a save made then by 0.8 s): frozen as it is, its garbage with it; the
    next rebuilds' garbage goes with their own pass."""
    generations = Generations()
    try:
        with generations.rebuilding():
            node = Node()
            first = weakref.ref(node)
            del node
        assert first() is not None
        with generations.rebuilding():
            node = Node()
            second = weakref.ref(node)
            del node
        assert second() is None
        assert generations.full_passes == 0
    finally:
        generations.release()


def test_a_stopped_daemon_leaves_nothing_frozen(site_dir, monkeypatch):
    monkeypatch.chdir(site_dir)
    daemon = Daemon(site_dir, clock=lambda: NOW, build=real_build)
    daemon.start(paused=True)
    assert gc.get_freeze_count() > 0
    daemon.stop()
    assert gc.get_freeze_count() == 0


def resident() -> int:
    """This process's resident memory, in bytes (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(collector.trimmer() is None, reason="not glibc: nothing to give back")
def test_the_memory_a_build_freed_goes_back_to_the_system():
    """Freed blocks below one still in use stay in the process (the C heap only shrinks
    from its top) until ``give_back`` returns their pages."""
    collector.give_back()
    # 80 MB in blocks over pymalloc's 512 bytes (so on the C heap), one kept above them
    blocks = [bytes([n % 256]) * 2_000 for n in range(40_000)]
    last = bytes([1]) * 3_000
    del blocks
    before = resident()
    collector.give_back()
    assert before - resident() > 40_000_000
    assert len(last) == 3_000


def test_the_daemon_gives_back_after_each_build(daemon, site_dir, monkeypatch):
    """After each build, the daemon gives the C heap's free pages back (``give_back``)."""
    given: list[int] = []
    monkeypatch.setattr(collector, "give_back", lambda: given.append(1))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    for number in range(2):
        path.write_text(path.read_text("utf-8") + f"\nSuite {number}.\n", "utf-8")
        daemon.request(f"edit {number}")
        assert len(given) == number + 1
