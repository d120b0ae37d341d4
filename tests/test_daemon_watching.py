"""The daemon looks again only at the files the system reported changed (issue 38.2), and
still finds, at its full look, an edit the system did not report."""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, PARIS
from serving import wait_for

from statuspage.content import sources
from statuspage.files import write_atomic
from statuspage.freeze.build import MARKER, BuildResult
from statuspage.freeze.build import build as real_build
from statuspage.ops import daemon as daemon_module
from statuspage.ops.daemon import Daemon

SENTENCE = "Un câble"


@pytest.fixture
def scans(monkeypatch) -> list[Path]:
    """Every full look at incidents/ (``sources.scan``), by any one."""
    taken: list[Path] = []
    scan = sources.scan
    monkeypatch.setattr(sources, "scan", lambda root: taken.append(root) or scan(root))
    return taken


@pytest.fixture
def running(site_dir, monkeypatch, scans):
    """A daemon running for real, building for real, whose looks every second are an hour
    apart: what it builds soon, the system reported."""
    monkeypatch.chdir(site_dir)
    monkeypatch.setattr(daemon_module, "POLL", timedelta(hours=1))
    daemon = Daemon(site_dir, clock=lambda: datetime(2027, 1, 1, tzinfo=PARIS),
                    build=real_build)
    daemon.start()
    page = site_dir / "build" / "incidents" / FIBRE / "index.html"
    wait_for(page.exists, 10, "the first build")
    yield daemon, page
    daemon.stop()


def test_a_reported_save_is_published_without_a_full_look(running, site_dir, scans):
    daemon, page = running
    scans.clear()
    path = site_dir / "incidents" / f"{FIBRE}.md"
    write_atomic(path, path.read_bytes().replace(SENTENCE.encode(), b"Une fibre"))
    wait_for(lambda: "Une fibre a été coupé" in page.read_text("utf-8"), 5, "the save built")
    assert scans == []  # neither the look the save woke nor the load it handed its look to


def test_a_save_reported_during_a_look_is_not_lost(running, site_dir, monkeypatch, caplog):
    """The look takes what was reported at its start; what is reported later wakes
    another look."""
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    other = site_dir / "incidents" / "2026-11-20-double-charge.md"
    update = sources.update

    def slow(root, before, labels):
        if f"incidents/{FIBRE}.md" in labels:  # while the first look runs, a second save
            write_atomic(other, other.read_bytes() + b"\n")
            time.sleep(0.3)  # reported meanwhile
        return update(root, before, labels)

    monkeypatch.setattr(sources, "update", slow)
    path = site_dir / "incidents" / f"{FIBRE}.md"
    write_atomic(path, path.read_bytes().replace(SENTENCE.encode(), b"Une fibre"))
    wait_for(lambda: any("(incidents/2026-11-20-double-charge.md changed)" in r.getMessage()
                         for r in caplog.records), 5, "the second save built")


def test_an_edit_the_system_does_not_report_is_found_at_the_full_look(site_dir, monkeypatch,
                                                                    tmp_path):
    """An edit through a hard link outside incidents/ is reported by no one (the system
    reports what is done through the folders it watches): the full look finds it."""
    monkeypatch.chdir(site_dir)
    builds: list[str] = []

    def build(root, options, site=None, caches=None) -> BuildResult:
        builds.append("built")
        return BuildResult(root / "build", 7, 0.01)

    daemon = Daemon(site_dir, clock=lambda: NOW, build=build)
    daemon.start(paused=True)
    try:
        (site_dir / "build").mkdir(exist_ok=True)
        (site_dir / "build" / MARKER).touch()  # as a real build leaves it
        del builds[:]
        link = tmp_path / "elsewhere.md"
        os.link(site_dir / "incidents" / f"{FIBRE}.md", link)
        with open(link, "a", encoding="utf-8") as handle:
            handle.write("\nUne ligne de plus.\n")
        time.sleep(0.2)  # time for a report, were there one
        daemon.poll(reported=True)  # as a report would
        for _ in range(daemon_module.FULL_EVERY - 1):
            daemon.look()
        assert builds == []
        daemon.look()  # the full one
        assert builds == ["built"]
    finally:
        daemon.stop()


def test_a_save_reported_during_the_first_look_is_looked_at(site_dir, monkeypatch, caplog):
    """The first look runs before the scheduler does: what the system reports meanwhile
    is looked at once it runs, not at the full look half a minute later."""
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    monkeypatch.chdir(site_dir)
    monkeypatch.setattr(daemon_module, "POLL", timedelta(hours=1))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    look = sources.look

    def first(root):
        looked = look(root)
        monkeypatch.setattr(sources, "look", look)
        path.write_text(path.read_text("utf-8").replace(SENTENCE, "Une fibre"), "utf-8")
        time.sleep(0.3)  # reported, while the look is not yet over
        return looked

    monkeypatch.setattr(sources, "look", first)
    daemon = Daemon(site_dir, clock=lambda: datetime(2027, 1, 1, tzinfo=PARIS),
                    build=real_build)
    daemon.start()
    try:
        wait_for(lambda: any(f"(incidents/{FIBRE}.md changed)" in r.getMessage()
                             for r in caplog.records), 5, "the save looked at")
    finally:
        daemon.stop()
