"""The publishing daemon, driven by an injected clock and a paused APScheduler; one real run."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, PARIS
from serving import wait_for as _wait

from statuspage import cli, files
from statuspage.content.loader import Loader, load_site
from statuspage.freeze.build import MARKER, BuildOptions, BuildResult
from statuspage.freeze.build import build as real_build
from statuspage.ops import rebuild
from statuspage.ops.daemon import Daemon, RunOptions
from statuspage.ops.reminders import Reminders, overdue
from statuspage.ops.scheduling import AT, boundaries, parse_every
from statuspage.state.status import Snapshot
from statuspage.times import TimeError

PROMISE = datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)  # the fibre incident's next_update


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Builds:
    """A build that only records when it was asked to build."""

    def __init__(self):
        self.times: list[datetime] = []

    def __call__(self, root: Path, options: BuildOptions, site=None, caches=None) -> BuildResult:
        self.times.append(options.now)
        return BuildResult(options.out or root / "build", 7, 0.01)


@pytest.fixture
def log(caplog):
    """The daemon's log lines."""
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "statuspage.ops.daemon"]

    return lines


@pytest.fixture
def start(site_dir, log, monkeypatch):
    """Start a daemon on the site copy at ``now``, scheduler paused: jobs are planned, none run."""
    monkeypatch.chdir(site_dir)
    made: list[Daemon] = []

    def start_at(now: datetime, build=None, **options) -> Daemon:
        daemon = Daemon(site_dir, RunOptions(**options), clock=Clock(now),
                        build=build or Builds())
        made.append(daemon)
        daemon.start(paused=True)
        return daemon

    yield start_at
    for daemon in made:
        daemon.stop()


def planned(daemon: Daemon, about: str = "") -> dict[datetime, str]:
    """The boundary jobs (those ``about`` an incident): when APScheduler runs each, and why."""
    return {job.next_run_time: job.name for job in daemon.scheduler.get_jobs()
            if job.id.startswith(AT) and about in job.name}


def write_maintenance(site_dir: Path, incident_id: str, start: str, end: str,
                      updates: str = "") -> Path:
    path = site_dir / "incidents" / f"{incident_id}.md"
    path.write_text(f"---\ntitle: {{fr: Travaux, en: Works}}\nmaintenance:\n  start: {start}\n"
                    f"  end: {end}\ncomponents: [fibre]\n---\n{updates}", encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "period"), [
    ("5m", timedelta(minutes=5)), ("30s", timedelta(seconds=30)), ("1h", timedelta(hours=1)),
    ("1h30m", timedelta(minutes=90)), ("+2m", timedelta(minutes=2)),
])
def test_periods(text, period):
    assert parse_every(text) == period


@pytest.mark.parametrize("text", ["", "5", "soon", "0s", "5 m", "-5m"])
def test_bad_periods_are_refused_before_anything_runs(text, runner, site_dir):
    with pytest.raises(TimeError):
        parse_every(text)
    result = runner.invoke(cli.main, ["--site", str(site_dir), "run", "--every", text])
    assert result.exit_code == 2
    assert "Invalid value for '--every'" in result.output


def test_boundaries_are_the_instants_the_page_changes_by_itself(site_dir):
    write_maintenance(site_dir, "2026-11-27-upgrade", "2026-11-27 02:00", "2026-11-27 04:00")
    write_maintenance(site_dir, "2027-02-01-move", "2027-02-01 02:00", "2027-02-01 04:00",
                      "## 2026-11-20 10:00 · scheduled\nPrévue.\n")  # announced
    (site_dir / "incidents" / "2026-11-26-later.md").write_text(
        "---\ntitle: Later\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-26 15:00\n---\n"
        "## 2026-11-26 15:30 · identified\nWritten ahead.\n", encoding="utf-8")
    site = load_site(site_dir)
    assert boundaries(site, NOW) == [
        (utc(2026, 11, 26, 14, 0), "incident 2026-11-26-later starts"),
        (utc(2026, 11, 26, 14, 30), "identified update of 2026-11-26-later appears"),
        (utc(2026, 11, 26, 17, 0), f"update promised for {FIBRE}"),
        (utc(2026, 11, 27, 1, 0), "maintenance 2026-11-27-upgrade starts"),
        (utc(2026, 11, 27, 3, 0), "maintenance 2026-11-27-upgrade ends"),
        # upcoming_days (30) before its start, the home page lists it.
        (utc(2027, 1, 2, 1, 0), "maintenance 2027-02-01-move is listed as upcoming"),
        (utc(2027, 2, 1, 1, 0), "maintenance 2027-02-01-move starts"),
        (utc(2027, 2, 1, 3, 0), "maintenance 2027-02-01-move ends"),
    ]
    # Only instants to come: during the maintenance, its end is left.
    assert boundaries(site, datetime(2026, 11, 27, 3, 0, tzinfo=PARIS))[0] == (
        utc(2026, 11, 27, 3, 0), "maintenance 2026-11-27-upgrade ends")
    # A cancelled maintenance neither starts nor ends: at its start it only enters the history.
    write_maintenance(site_dir, "2026-11-27-upgrade", "2026-11-27 02:00", "2026-11-27 04:00",
                      "## 2026-11-26 11:00 · cancelled\nReportée.\n")
    assert [(moment, reason) for moment, reason in boundaries(load_site(site_dir), NOW)
            if "2026-11-27-upgrade" in reason] == [
        (utc(2026, 11, 27, 1, 0), "maintenance 2026-11-27-upgrade is listed in the history")]


def test_a_maintenance_across_the_spring_forward_runs_at_the_right_instants(start, site_dir,
                                                                             log):
    # 01:30 CET → 03:30 CEST: two hours on the wall clock, one hour of real time.
    write_maintenance(site_dir, "2027-03-28-upgrade", "2027-03-28 01:30", "2027-03-28 03:30")
    now = datetime(2027, 3, 27, 12, 0, tzinfo=PARIS)
    daemon = start(now)
    assert planned(daemon) == {
        utc(2027, 3, 28, 0, 30): "maintenance 2027-03-28-upgrade starts",
        utc(2027, 3, 28, 1, 30): "maintenance 2027-03-28-upgrade ends",
    }
    for job in daemon.scheduler.get_jobs():
        if job.id.startswith(AT):
            assert job.trigger.get_next_fire_time(None, now) == job.next_run_time
    assert ("2 rebuilds planned; the next at 2027-03-28 01:30:00 CET (maintenance "
            "2027-03-28-upgrade starts)") in log()


def test_a_maintenance_in_the_fall_back_needs_offsets_then_runs_at_the_right_instants(
        start, site_dir, log):
    # 02:30 happens twice on 25 October 2026: without an offset the content is refused
    # (logged, nothing planned); with them, the window is one hour of real time.
    path = write_maintenance(site_dir, "2026-10-25-upgrade", "2026-10-25 02:30",
                             "2026-10-25 03:30")
    now = datetime(2026, 10, 24, 12, 0, tzinfo=PARIS)
    daemon = start(now)
    assert daemon.build.times == [now]  # the rest of the site, without the broken file
    assert planned(daemon, "upgrade") == {}
    error = next(line for line in log() if line.startswith("content error (start): "))
    assert ("incidents/2026-10-25-upgrade.md:4: maintenance.start: 2026-10-25 02:30 occurs "
            "twice in Europe/Paris (the clocks go back)") in error
    write_maintenance(site_dir, "2026-10-25-upgrade", "2026-10-25 02:30+02:00",
                      "2026-10-25 02:30+01:00")
    daemon.poll()
    assert daemon.build.times == [now, now]
    assert planned(daemon, "2026-10-25-upgrade") == {
        utc(2026, 10, 25, 0, 30): "maintenance 2026-10-25-upgrade starts",
        utc(2026, 10, 25, 1, 30): "maintenance 2026-10-25-upgrade ends",
    }
    assert path.exists()


def test_a_new_maintenance_is_planned_and_a_cancelled_or_removed_one_is_not(start, site_dir,
                                                                            runner, monkeypatch,
                                                                            log):
    daemon = start(NOW)
    promise = {PROMISE: f"update promised for {FIBRE}"}
    assert planned(daemon) == promise
    # Written with the CLI while the daemon runs: the watcher sees it, the rebuild plans it.
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    result = runner.invoke(cli.main, ["--site", str(site_dir), "maintenance", "Upgrade", "-c",
                                      "fibre", "--start", "2026-11-27 02:00", "--end",
                                      "2026-11-27 04:00", "-m", "Coupures brèves."],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    daemon.poll()
    assert log()[-2] == ("rebuilt build/ (incidents/2026-11-27-upgrade.md changed): "
                         "7 pages in 0.0 s")
    assert planned(daemon) == {**promise,
                               utc(2026, 11, 27, 1, 0): "maintenance 2026-11-27-upgrade starts",
                               utc(2026, 11, 27, 3, 0): "maintenance 2026-11-27-upgrade ends"}
    # Extended by moving its end in the front matter: the end's job moves with it.
    path = site_dir / "incidents" / "2026-11-27-upgrade.md"
    path.write_text(path.read_text(encoding="utf-8").replace("end: 2026-11-27 04:00",
                                                             "end: 2026-11-27 05:30+01:00"),
                    encoding="utf-8")
    daemon.poll()
    assert planned(daemon, "upgrade") == {
        utc(2026, 11, 27, 1, 0): "maintenance 2026-11-27-upgrade starts",
        utc(2026, 11, 27, 4, 30): "maintenance 2026-11-27-upgrade ends"}
    result = runner.invoke(cli.main, ["--site", str(site_dir), "update", "2026-11-27-upgrade",
                                      "--status", "cancelled", "-m", "Reportée."],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    daemon.poll()
    assert planned(daemon) == {**promise, utc(2026, 11, 27, 1, 0):
                               "maintenance 2026-11-27-upgrade is listed in the history"}
    # A file removed is a change too; the fibre incident gone, its promise goes with it.
    (site_dir / "incidents" / f"{FIBRE}.md").unlink()
    daemon.poll()
    assert planned(daemon) == {utc(2026, 11, 27, 1, 0):
                               "maintenance 2026-11-27-upgrade is listed in the history"}
    assert log()[-1].startswith("1 rebuild planned; the next at ")
    assert len(daemon.build.times) == 5


def test_a_boundary_job_rebuilds_at_its_instant_and_is_not_planned_again(start, site_dir, log):
    write_maintenance(site_dir, "2026-11-27-upgrade", "2026-11-27 02:00", "2026-11-27 04:00")
    daemon = start(NOW)
    job = daemon.scheduler.get_job(f"{AT}2026-11-27T01:00:00+00:00")
    assert job.name == "maintenance 2026-11-27-upgrade starts"
    daemon.clock.now = job.next_run_time  # APScheduler runs it then
    job.func(*job.args)
    assert daemon.build.times[-1] == utc(2026, 11, 27, 1, 0)
    assert "rebuilt build/ (maintenance 2026-11-27-upgrade starts): 7 pages in 0.0 s" in log()
    assert set(planned(daemon).values()) == {"maintenance 2026-11-27-upgrade ends"}


def test_the_watcher_and_the_periodic_rebuild_are_interval_jobs(start, site_dir):
    daemon = start(NOW, every=timedelta(minutes=5))
    watch, every = daemon.scheduler.get_job("watch"), daemon.scheduler.get_job("every")
    assert watch.trigger.interval == timedelta(seconds=1)
    assert every.trigger.interval == timedelta(minutes=5)
    assert every.name == "every 5m"
    first = every.trigger.get_next_fire_time(None, NOW)
    assert every.trigger.get_next_fire_time(first, first) == first + timedelta(minutes=5)
    every.func(*every.args)
    assert len(daemon.build.times) == 2


@pytest.fixture
def looks(monkeypatch):
    """The full looks (at every content file) the daemon takes."""
    from statuspage.content import sources

    taken: list[int] = []
    look = sources.look
    monkeypatch.setattr(sources, "look", lambda root: taken.append(1) or look(root))
    return taken


def test_no_full_look_runs_beside_a_build(start, site_dir, looks, monkeypatch):
    """Issue 36.2: a full look beside a build (a start's, half a minute at 100,000
    incidents) went as slowly as the build let it and held up the look of the save made
    just after; the looks taken while a build runs are not counted."""
    from statuspage.ops import daemon as daemon_module
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: True)
    held: list[Daemon] = []
    builds = Builds()
    beside: list[int] = []  # the full looks taken while the second build ran

    def slow(root, options, site=None, caches=None):
        if held and len(builds.times) == 1:  # the second build: the daemon's own
            before = len(looks)
            for _ in range(daemon_module.FULL_EVERY + 1):
                held[0].look()  # a second each, while it builds
            beside.append(len(looks) - before)
        return builds(root, options, site, caches)

    daemon = start(NOW, build=slow)
    held.append(daemon)
    (site_dir / "build").mkdir()
    (site_dir / "build" / MARKER).touch()
    looks.clear()
    daemon.request("every hour")
    assert len(builds.times) == 2 and beside == [0]
    looks.clear()
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8") + "\n", "utf-8")  # for it to find
    for _ in range(daemon_module.FULL_EVERY - 1):
        daemon.look()
    assert looks == []
    daemon.look()  # the first full one: FULL_EVERY looks with no build running
    assert looks == [1]


def test_the_full_look_is_taken_only_when_a_file_changed(start, site_dir, looks,
                                                          monkeypatch):
    """At 100,000 incidents the full look every 30th second held 150 MB for a moment, and
    the daemon's memory grew after each (an independent site: 806 MB to 993 MB in 90 s,
    with nothing saved). It is taken only when a file changed since the last look
    (``watching.unchanged``): an edit the system did not report is still built."""
    from statuspage.ops import daemon as daemon_module
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: True)
    daemon = start(NOW)
    (site_dir / "build").mkdir()
    (site_dir / "build" / MARKER).touch()
    looks.clear()
    for _ in range(3 * daemon_module.FULL_EVERY):
        daemon.look()
    assert looks == [] and len(daemon.build.times) == 1
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("Un câble", "Une fibre"), "utf-8")
    monkeypatch.setattr(daemon._watcher, "take", lambda: set())  # as if not reported
    for _ in range(daemon_module.FULL_EVERY):
        daemon.look()
    assert looks == [1] and len(daemon.build.times) == 2
    for _ in range(daemon_module.FULL_EVERY):
        daemon.look()
    assert looks == [1] and len(daemon.build.times) == 2


def test_a_rebuild_no_look_asked_for_makes_nothing_anew_when_no_file_changed(
        start, site_dir, looks, monkeypatch):
    """A rebuild at a moment (a maintenance ends, a promise is due, every 5 minutes) made a
    look at every file and a full load: at 100,000 incidents the daemon held 140 MB more
    after each. With no file changed it reads the last look again, and its load is the
    last site (the same incidents); a file changed unreported is still read."""
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: True)
    full: list[int] = []  # the full loads
    read_all = Loader._read_all
    monkeypatch.setattr(Loader, "_read_all", lambda *a: full.append(1) or read_all(*a))
    daemon = start(NOW)
    (site_dir / "build").mkdir()
    (site_dir / "build" / MARKER).touch()
    before = daemon.editions[0].site
    looks.clear()
    full.clear()
    daemon.request("every 5m")
    after = daemon.editions[0].site
    assert looks == [] and full == [] and len(daemon.build.times) == 2
    assert after is not before and after == before
    assert all(one is other for one, other in zip(after.incidents, before.incidents,
                                                  strict=True))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("Un câble", "Une fibre"), "utf-8")
    monkeypatch.setattr(daemon._watcher, "take", lambda: set())  # as if not reported
    daemon.request("every 5m")
    assert looks == [1] and any("Une fibre" in str(update.body) for update in
                                daemon.editions[0].site.incident(FIBRE).updates)


def test_while_the_system_reports_changes_the_looks_every_second_glance(start, site_dir,
                                                                         looks, monkeypatch):
    """Issue 36.2: the look every second reads the folders' stamps, not every file's; a
    file added (or saved by rename) changes its folder and is built at the next look, an
    edit in place (which the system reports) at the next full look at the latest."""
    from statuspage.ops import daemon as daemon_module
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: True)
    daemon = start(NOW)
    (site_dir / "build").mkdir()
    (site_dir / "build" / MARKER).touch()  # as a real build leaves it
    looks.clear()
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("Un câble", "Une fibre"), "utf-8")
    for _ in range(daemon_module.FULL_EVERY - 1):
        daemon.look()
    assert looks == [] and len(daemon.build.times) == 1
    daemon.look()  # the full one
    assert looks == [1] and len(daemon.build.times) == 2
    (site_dir / "incidents" / "2026-11-26-new.md").write_text(
        path.read_text("utf-8"), "utf-8")
    daemon.look()  # the folder changed; the file is looked at once the system names it
    _wait(lambda: daemon.poll(reported=True) or len(daemon.build.times) == 3, 5,
          "the new file built")  # by the look the system's report asks for
    assert looks == [1]
    (site_dir / "content" / "site.yaml").write_text(
        (site_dir / "content" / "site.yaml").read_text("utf-8") + "\n", "utf-8")
    daemon.look()  # content/'s few files are looked at each time
    assert len(daemon.build.times) == 4


def test_the_looks_leave_the_load_after_a_save_to_patch_the_last(
        start, site_dir, monkeypatch):
    """The look every 30th second, at every file, finding nothing new keeps the look the
    last load read, and a rebuild no look asked for (every 5 minutes) looks itself: a save
    after either is loaded by patching the last load (content/patch.py), not by going over
    every incident again."""
    from statuspage.content import patch
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: True)
    patched: list[object] = []
    through = patch.patched
    monkeypatch.setattr(patch, "patched", lambda *a: patched.append(through(*a)) or
                        patched[-1])
    daemon = start(NOW)
    (site_dir / "build").mkdir()
    (site_dir / "build" / MARKER).touch()  # as a real build leaves it
    path = site_dir / "incidents" / f"{FIBRE}.md"
    daemon.poll()  # a full look, as every 30th second: nothing new
    for text in ("Une fibre", "Un lien"):
        built = len(daemon.build.times)
        path.write_text(path.read_text("utf-8").replace("Un câble", text), "utf-8")
        _wait(lambda built=built: daemon.poll(reported=True) or
              len(daemon.build.times) > built, 5, "the save built")
        assert patched[-1] is not None
        path.write_text(path.read_text("utf-8").replace(text, "Un câble"), "utf-8")
        daemon.request("every 5m")  # a rebuild no look asked for: it looks itself


def test_without_reports_every_look_is_full(start, site_dir, looks, monkeypatch):
    from statuspage.ops.watching import Watcher

    monkeypatch.setattr(Watcher, "reports", lambda self: False)  # a network file system
    daemon = start(NOW)
    looks.clear()
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("Un câble", "Une fibre"), "utf-8")
    daemon.look()
    assert looks == [1] and len(daemon.build.times) == 2


def test_broken_content_keeps_the_last_good_content_online_and_on_time(start, site_dir, log):
    daemon = start(NOW, build=real_build)
    fibre = site_dir / "build" / "incidents" / FIBRE / "index.html"
    assert "<dt>Prochaine mise à jour</dt>" in fibre.read_text("utf-8")  # the promise
    bad = site_dir / "incidents" / "2026-11-26-bad.md"
    bad.write_text("no front matter\n", encoding="utf-8")
    daemon.poll()
    assert log()[-2] == ("content error (incidents/2026-11-26-bad.md changed): "
                         "incidents/2026-11-26-bad.md:1: missing front matter: start the file "
                         "with a line '---', the fields, then '---'; the other files are "
                         "published, and each broken one as it last loaded without error, "
                         "until it is fixed")
    assert re.fullmatch(r"rebuilt build/ \(incidents/2026-11-26-bad.md changed\), keeping the "
                        r"broken files as they last were: \d+ pages in \d+\.\d s", log()[-1])
    assert planned(daemon) == {PROMISE: f"update promised for {FIBRE}"}  # kept
    # The promised time passes while the file is still broken: the page still changes on time.
    daemon.clock.now = PROMISE
    daemon.at(PROMISE.astimezone(UTC), f"update promised for {FIBRE}")
    page = fibre.read_text("utf-8")
    # The page now says the promised update is late, as the site's clock has passed it.
    assert '<dd class="late">Mise à jour attendue à' in page and "pas encore publiée" in page
    assert not (site_dir / "build" / "incidents" / "2026-11-26-bad").exists()
    bad.unlink()
    daemon.poll()
    assert re.fullmatch(r"rebuilt build/ \(incidents/2026-11-26-bad.md changed\): "
                        r"\d+ pages in \d+\.\d s", log()[-1])


def test_broken_content_at_start_publishes_the_rest(start, site_dir, log):
    (site_dir / "incidents" / "2026-11-26-bad.md").write_text("no front matter\n", "utf-8")
    start(NOW, build=real_build)
    assert log()[0].startswith("content error (start): incidents/2026-11-26-bad.md:1: ")
    assert (site_dir / "build" / "incidents" / FIBRE / "index.html").is_file()
    assert not (site_dir / "build" / "incidents" / "2026-11-26-bad").exists()


def test_a_broken_site_yaml_at_start_publishes_nothing(start, site_dir, log):
    (site_dir / "content" / "site.yaml").write_text("name: [\n", "utf-8")
    start(NOW, build=real_build)
    assert log()[0].startswith("not rebuilt build/ (start): content/site.yaml:2: invalid YAML")
    assert not (site_dir / "build").exists()


def test_an_unexpected_error_is_logged_and_the_daemon_carries_on(start, site_dir, log, caplog):
    calls = []

    def flaky(root, options, site=None, caches=None):
        calls.append(options.now)
        if len(calls) == 1:
            raise OSError("disk full")
        return BuildResult(root / "build", 7, 0.01)

    daemon = start(NOW, build=flaky)
    assert log()[0] == "not rebuilt build/ (start); the site online stays as it was"
    assert "OSError: disk full" in caplog.text
    assert planned(daemon) == {PROMISE: f"update promised for {FIBRE}"}  # the content is good
    daemon.request("every 5m")
    assert log()[-1] == "rebuilt build/ (every 5m): 7 pages in 0.0 s"


@pytest.mark.parametrize(("updates", "promise", "now", "late"), [
    ("", "18:00", "17:59", False),
    ("", "18:00", "18:00", True),
    ("## 2026-11-26 17:00 · monitoring\nOn surveille.\n\n", "18:00", "18:30", True),
    ("## 2026-11-26 18:00 · monitoring\nOn surveille.\n\n", "18:00", "18:30", False),
    ("## 2026-11-26 18:10 · monitoring\nOn surveille.\n\n", "18:00", "18:30", False),
    ("## 2026-11-26 18:10 · resolved\nRéparé.\n\n", "18:00", "18:30", False),
    # An update written ahead of time does not count before it is published.
    ("## 2026-11-26 19:00 · monitoring\nOn surveille.\n\n", "18:00", "18:30", True),
])
def test_overdue_means_open_promise_passed_and_no_update_since(site_dir, updates, promise, now,
                                                               late):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    text = path.read_text(encoding="utf-8").replace("next_update: 2026-11-26 18:00",
                                                    f"next_update: 2026-11-26 {promise}")
    path.write_text(text.replace("---\n## ", f"---\n{updates}## ", 1), encoding="utf-8")
    hour, minute = map(int, now.split(":"))
    found = overdue(Snapshot(load_site(site_dir), datetime(2026, 11, 26, hour, minute,
                                                    tzinfo=PARIS)))
    assert [i.id for i in found] == ([FIBRE] if late else [])


def test_a_missed_promise_is_reminded_once_and_the_hook_gets_the_incident(start, site_dir, log,
                                                                          tmp_path):
    out = tmp_path / "hook.txt"
    hook = ('printf "%s|%s|%s\\n" "$STATUSPAGE_INCIDENT_ID" "$STATUSPAGE_INCIDENT_TITLE" '
            f'"$STATUSPAGE_NEXT_UPDATE" >> {out}')
    daemon = start(NOW, on_overdue=hook)
    job = daemon.scheduler.get_job(f"{AT}2026-11-26T17:00:00+00:00")
    daemon.clock.now = job.next_run_time
    job.func(*job.args)
    daemon.request("every 5m")
    daemon.clock.now += timedelta(minutes=5)
    daemon.request("every 5m")
    daemon.wait_for_reminders()
    assert out.read_text(encoding="utf-8").splitlines() == [
        f"{FIBRE}|Coupure fibre à Lyon|2026-11-26T18:00:00+01:00"]
    warnings = [line for line in log() if line.startswith("overdue:")]
    assert warnings == [f"overdue: {FIBRE} (Coupure fibre à Lyon) promised an update at "
                        "2026-11-26 18:00 CET and has none since"]
    assert f"--on-overdue ran for {FIBRE}" in log()


@pytest.mark.parametrize("url", [None, "https://status.example.com"])
def test_the_reminders_read_the_builds_snapshot(start, log, monkeypatch, url):
    """The late promises are read from the round's build (its views worked out once), at
    the ``--url`` given too (the build shows a copy of the content at that address): a
    Snapshot of their own went over every incident's view again (at 100,000 incidents,
    20 ms of each round)."""
    from statuspage.state import chunks, status

    daemon = start(NOW, build=real_build, url=url)
    worked_out = []
    monkeypatch.setattr(status, "views_at", lambda *args: worked_out.append(args[1]) or
                        chunks.views_at(*args))
    daemon.clock.now = datetime(2026, 11, 26, 18, 1, tzinfo=PARIS)  # the promise passed
    daemon.request("every 5m")
    assert [line for line in log() if line.startswith(f"overdue: {FIBRE} ")]
    assert worked_out == [daemon.clock.now] * len(daemon.editions)  # each edition's build


def test_no_edition_keeps_its_builds_snapshot_past_the_round(start, tmp_path):
    """The desk's build's Snapshot (all its lists) is not kept once the round is over:
    only the public one's is handed on, once, to the reminders."""
    made = []

    def build(*args, **kwargs):
        made.append(real_build(*args, **kwargs))
        return made[-1]

    daemon = start(NOW, build=build, desk_out=tmp_path / "desk")
    made.clear()
    daemon.request("every 5m")
    assert [result.shown is not None for result in made] == [True, True]  # public, desk
    for edition, result in zip(daemon.editions, made, strict=True):
        assert edition.snapshot(result.shown.site, result.shown.now) is not result.shown


def test_a_restarted_daemon_does_not_remind_the_same_promise_again(start, site_dir, log,
                                                                   tmp_path):
    out = tmp_path / "hook.txt"
    hook = f'echo "$STATUSPAGE_INCIDENT_ID $STATUSPAGE_NEXT_UPDATE" >> {out}'
    late = PROMISE + timedelta(minutes=1)
    first = start(late, on_overdue=hook)
    first.wait_for_reminders()
    first.stop()
    again = start(late + timedelta(minutes=5), on_overdue=hook)  # restarted (a deploy, a crash)
    again.wait_for_reminders()
    assert out.read_text("utf-8").splitlines() == [f"{FIBRE} 2026-11-26T18:00:00+01:00"]
    # a new promise, missed in turn, is reminded
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("next_update: 2026-11-26 18:00",
                                                     "next_update: 2026-11-26 18:03"), "utf-8")
    again.poll()
    again.wait_for_reminders()
    assert out.read_text("utf-8").splitlines()[1:] == [f"{FIBRE} 2026-11-26T18:03:00+01:00"]
    assert json.loads((site_dir / ".statuspage-reminded-build.json").read_text("utf-8")) == [
        [FIBRE, "2026-11-26T18:03:00+01:00"]]


def test_two_sites_whose_outputs_share_a_folder_are_reminded_each(start, tmp_path):
    """The promises reminded belong to one output: a second site built beside the first
    (here the same content, twice) is reminded of its own missed promise."""
    out = tmp_path / "hook.txt"
    hook = f'echo "$STATUSPAGE_INCIDENT_ID" >> {out}'
    late = PROMISE + timedelta(minutes=1)
    for name in ("one", "two"):
        daemon = start(late, on_overdue=hook, out=tmp_path / "shared" / name)
        daemon.wait_for_reminders()
        daemon.stop()
    assert out.read_text("utf-8").splitlines() == [FIBRE, FIBRE]
    assert sorted(path.name for path in (tmp_path / "shared").glob("*.json")) == [
        ".statuspage-reminded-one.json", ".statuspage-reminded-two.json"]


def test_the_reminders_of_earlier_versions_are_carried_over_once(start, site_dir, log,
                                                                 tmp_path):
    """The file every output of the folder shared: read at the first start, then the
    site's own file only."""
    shared = site_dir / ".statuspage-reminded.json"
    shared.write_text(json.dumps([[FIBRE, "2026-11-26T18:00:00+01:00"],
                                  ["2026-11-01-another-site", "2026-11-01T10:00:00+01:00"]]),
                      "utf-8")
    out = tmp_path / "hook.txt"
    hook = f'echo "$STATUSPAGE_INCIDENT_ID" >> {out}'
    late = PROMISE + timedelta(minutes=1)
    first = start(late, on_overdue=hook)
    first.wait_for_reminders()
    first.stop()
    assert not out.exists() and not any(line.startswith("overdue:") for line in log())
    own = site_dir / ".statuspage-reminded-build.json"
    assert f"{shared} carried over into {own}" in log()
    assert [FIBRE, "2026-11-26T18:00:00+01:00"] in json.loads(own.read_text("utf-8"))
    shared.write_text("[not read again", "utf-8")
    again = start(late + timedelta(minutes=5), on_overdue=hook)
    again.wait_for_reminders()
    assert not out.exists()
    assert sum("carried over" in line for line in log()) == 1
    assert not any("unreadable" in line for line in log())


def test_thousands_of_missed_promises_are_reminded_in_one_pass_and_one_write(
        site_dir, tmp_path, monkeypatch, caplog):
    """Issue 36.3: a daemon starting with 2,000 overdue promises reminds them all without
    holding its next build back: the incidents are gone over a fixed number of times, not
    once per promise, and the reminders are saved once per round."""
    caplog.set_level(logging.ERROR, logger="statuspage.ops.daemon")  # 2,000 warnings
    site = load_site(site_dir)
    scans: list[int] = []

    class Scanned(tuple):
        def __iter__(self):
            scans.append(1)
            return super().__iter__()

    fibre = site.incident(FIBRE)
    site = dataclasses.replace(site, incidents=Scanned(
        dataclasses.replace(fibre, id=f"2026-11-26-late-{n:04}") for n in range(2000)))
    writes: list[Path] = []
    write = files.write_atomic
    monkeypatch.setattr(files, "write_atomic",
                        lambda path, data, *args: writes.append(path) or write(path, data, *args))
    reminders = Reminders(tmp_path / "build")
    assert len(reminders.remind(Snapshot(site, PROMISE + timedelta(minutes=1)))) == 2000
    assert writes == [reminders.path] and len(json.loads(reminders.path.read_bytes())) == 2000
    assert len(scans) <= 3
    writes.clear()
    scans.clear()
    # the next round
    assert reminders.remind(Snapshot(site, PROMISE + timedelta(minutes=6))) == []
    assert writes == [] and len(scans) <= 3


def test_a_failing_hook_is_logged_and_the_daemon_carries_on(start, log):
    daemon = start(PROMISE + timedelta(minutes=1), on_overdue="echo no mail server >&2; exit 3")
    daemon.wait_for_reminders()
    assert f"--on-overdue failed for {FIBRE}: exit status 3: no mail server" in log()
    daemon.request("every 5m")
    assert log()[-1] == "rebuilt build/ (every 5m): 7 pages in 0.0 s"


def test_triggers_during_a_build_coalesce_into_one_more_build(start, log):
    entered, release = threading.Event(), threading.Event()
    calls, running, most = [], [0], [0]

    def slow(root, options, site=None, caches=None):
        running[0] += 1
        most[0] = max(most[0], running[0])
        calls.append(options.now)
        if len(calls) == 2:
            entered.set()
            release.wait(10)
        running[0] -= 1
        return BuildResult(root / "build", 7, 0.01)

    daemon = start(NOW, build=slow)
    first = threading.Thread(target=daemon.request, args=("maintenance x starts",))
    first.start()
    assert entered.wait(10)
    others = [threading.Thread(target=daemon.request, args=(reason,))
              for reason in ("incidents/a.md changed", "every 5m")]
    for thread in others:
        thread.start()
        thread.join(10)
        assert not thread.is_alive()  # they do not wait for the build in progress
    assert len(calls) == 2
    release.set()
    first.join(10)
    assert len(calls) == 3 and most[0] == 1
    rebuilt = [line.split(":")[0] for line in log() if line.startswith("rebuilt")]
    assert rebuilt == ["rebuilt build/ (start)", "rebuilt build/ (maintenance x starts)",
                       "rebuilt build/ (incidents/a.md changed, every 5m)"]


def test_stop_waits_for_the_build_in_progress_then_stops_the_scheduler(site_dir, log,
                                                                      monkeypatch):
    """A build running in a scheduler thread when SIGTERM comes: no deadlock, no new build."""
    monkeypatch.chdir(site_dir)
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow(root, options, site=None, caches=None):
        calls.append(options.now)
        # As a real build leaves it: else the look every second finds build/ "missing" and
        # asks for a build, which the start's own builder may take (and wait in).
        (root / "build").mkdir(exist_ok=True)
        (root / "build" / MARKER).touch()
        if len(calls) == 2:
            entered.set()
            release.wait(10)
        return BuildResult(root / "build", 7, 0.01)

    # After every instant of the site: no boundary job of its own runs during the test.
    daemon = Daemon(site_dir, clock=Clock(datetime(2027, 1, 1, tzinfo=PARIS)), build=slow)
    daemon.start()  # running for real: the job below runs in APScheduler's thread pool
    try:
        daemon.scheduler.add_job(daemon.request, args=("maintenance x starts",))
        assert entered.wait(10)
        stopper = threading.Thread(target=daemon.stop, daemon=True)
        stopper.start()
        stopper.join(0.2)
        assert stopper.is_alive()  # it waits for the build
        release.set()
        stopper.join(10)
        assert not stopper.is_alive() and not daemon.scheduler.running
    finally:
        release.set()
        daemon.stop()
    daemon.request("too late")
    assert len(calls) == 2
    assert log()[-1] == "rebuilt build/ (maintenance x starts): 7 pages in 0.0 s"


def _status(page: Path) -> str | None:
    try:
        found = re.search(r'class="us us-(\w+)"', page.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return found[1] if found else None


def test_statuspage_run_publishes_a_maintenance_on_time(site_dir, tmp_path):
    """A real daemon: scheduled → in progress → completed with nobody touching anything."""
    out = tmp_path / "build"
    log = tmp_path / "daemon.log"
    with log.open("w", encoding="utf-8") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "run", "--out", str(out), "--every", "1h"],
            cwd=tmp_path, env={**os.environ, "STATUSPAGE_SITE": str(site_dir)},
            stdout=stream, stderr=subprocess.STDOUT)
    try:
        index = out / "index.html"
        _wait(index.exists, 20, "the first build")
        now = datetime.now(UTC).replace(microsecond=0)
        starts, ends = now + timedelta(seconds=3), now + timedelta(seconds=6)
        draft = tmp_path / "draft"
        draft.write_text(
            f"---\ntitle: Travaux\nmaintenance:\n  start: {starts:%Y-%m-%d %H:%M:%S+00:00}\n"
            f"  end: {ends:%Y-%m-%d %H:%M:%S+00:00}\ncomponents: [fibre]\n---\n"
            f"## {now:%Y-%m-%d %H:%M:%S+00:00} · scheduled\nCoupures brèves.\n", encoding="utf-8")
        os.replace(draft, site_dir / "incidents" / "2026-11-26-travaux.md")
        page = out / "incidents" / "2026-11-26-travaux" / "index.html"
        active = out / "api" / "v2" / "scheduled-maintenances" / "active.json"
        seen, api_seen = [], []
        bad = site_dir / "incidents" / "2026-11-26-bad.md"

        def watch():
            status = _status(page)
            if status and (not seen or seen[-1] != status):
                seen.append(status)
            try:
                listed = [m["status"] for m in json.loads(active.read_text("utf-8"))[
                    "scheduled_maintenances"] if m["id"] == "2026-11-26-travaux"]
            except (OSError, ValueError):
                listed = None  # between two builds
            state = listed[0] if listed else "not active"
            if listed is not None and (not api_seen or api_seen[-1] != state):
                api_seen.append(state)
            if status == "in_progress" and not bad.exists():
                # a broken file dropped during the window must not stop the clock
                bad.write_text("no front matter\n", encoding="utf-8")
            return status == "completed"

        _wait(watch, 20, "the maintenance to complete")
        assert seen == ["scheduled", "in_progress", "completed"]
        assert api_seen == ["not active", "in_progress", "not active"]
        # The line is logged once the site is published: wait for it. The end may share its
        # build with the broken file's change (reasons joined by commas).
        ended = re.compile(r"rebuilt build/ \([^)]*maintenance 2026-11-26-travaux ends[^)]*\), "
                           r"keeping the broken files as they last were: \d+ pages")
        _wait(lambda: ended.search(log.read_text(encoding="utf-8")), 5, "the end's log line")
        text = log.read_text(encoding="utf-8")
        assert re.search(r"rebuilt build/ \(maintenance 2026-11-26-travaux starts\): \d+ pages",
                         text)
        assert "incidents/2026-11-26-bad.md:1: missing front matter" in text
        assert ended.search(text)
        index = out / "index.html"
        assert process.poll() is None
        assert b"</html>" in index.read_bytes()
        assert not (out / "incidents" / "2026-11-26-bad").exists()
        failed_at = len(log.read_text(encoding="utf-8"))
        bad.unlink()
        _wait(lambda: "rebuilt build/ (incidents/2026-11-26-bad.md changed)"
              in log.read_text(encoding="utf-8")[failed_at:], 10, "the rebuild once fixed")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            code = "no exit after SIGTERM"
        assert code == 0, log.read_text(encoding="utf-8")
    assert log.read_text(encoding="utf-8").rstrip().endswith("stopped")
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_any_failure_to_load_falls_back_to_the_last_good_content(start, site_dir, log):
    """Not only content errors: whatever stops a load, the last good content is published
    at the new moment, so another incident's update still appears on time."""
    daemon = start(NOW, build=real_build)

    def load(**options):
        raise RecursionError("maximum recursion depth exceeded")

    daemon.loader.load = load
    daemon.request("every 5m")
    assert log()[-2] == ("cannot load the content (every 5m): RecursionError: maximum recursion "
                         "depth exceeded; publishing the last good content until it is fixed")
    assert re.fullmatch(r"rebuilt build/ \(every 5m\) from the last good content: \d+ pages in "
                        r"\d+\.\d s", log()[-1])


def test_content_that_fails_to_render_falls_back_too(start, site_dir, log, caplog):
    """A new content the renderer chokes on: the previous content is built instead."""
    good = []

    def build(root, options, site=None, caches=None):
        if any(i.id == "2026-11-26-new" for i in site.incidents):
            raise ValueError("a page cannot be written")
        good.append(site)
        return real_build(root, options, site=site, caches=caches)

    daemon = start(NOW, build=build)
    (site_dir / "incidents" / "2026-11-26-new.md").write_text(
        "---\ntitle: Nouveau\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-26 11:00\n"
        "---\n", encoding="utf-8")
    daemon.poll()
    assert "not rebuilt build/ (incidents/2026-11-26-new.md changed); publishing the last good " \
           "content until it is fixed" in log()
    assert "ValueError: a page cannot be written" in caplog.text
    assert re.fullmatch(r"rebuilt build/ \(incidents/2026-11-26-new.md changed\) from the last "
                        r"good content: \d+ pages in \d+\.\d s", log()[-1])
    assert len(good) == 2 and good[0] is good[1]


def test_a_good_file_is_published_while_another_is_broken(start, site_dir, log, runner,
                                                          monkeypatch):
    daemon = start(NOW, build=real_build)
    (site_dir / "incidents" / "2026-11-26-bad.md").write_text("---\ntitle: [\n---\n", "utf-8")
    daemon.poll()
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    result = runner.invoke(cli.main, ["--site", str(site_dir), "update", FIBRE, "--status",
                                      "monitoring", "-m", "Réparé, sous surveillance."])
    # the command says the site cannot be built (exit 2), and its own write is kept
    assert result.exit_code == 2, result.output
    daemon.poll()
    page = (site_dir / "build" / "incidents" / FIBRE / "index.html").read_text("utf-8")
    assert "Réparé, sous surveillance." in page  # the broken file holds nothing else back
    assert not (site_dir / "build" / "incidents" / "2026-11-26-bad").exists()


def test_a_broken_incident_is_kept_as_it_last_loaded(start, site_dir, log):
    daemon = start(NOW, build=real_build)
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("impact: major", "impact: [major]"), "utf-8")
    daemon.poll()
    assert f"incidents/{FIBRE}.md:3: impact: expected one of" in log()[-2]
    page = site_dir / "build" / "incidents" / FIBRE / "index.html"
    assert "Un câble a été coupé par des travaux." in page.read_text("utf-8")
    path.unlink()  # gone, not broken: it leaves the site
    daemon.poll()
    assert not page.exists()


def test_a_deleted_site_is_noticed_at_the_next_look(start, site_dir, log):
    import shutil

    daemon = start(NOW, build=real_build)
    shutil.rmtree(site_dir / "build")
    daemon.poll()
    assert log()[-1].startswith("rebuilt build/ (build/ is missing): ")
    assert (site_dir / "build" / "index.html").is_file()


def test_a_restarted_daemon_keeps_a_broken_file_as_it_last_loaded(start, site_dir, log):
    first = start(NOW, build=real_build)
    first.stop()
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text("broken while the daemon was down\n", encoding="utf-8")
    start(NOW, build=real_build)  # a new process would read the cache beside build/
    assert any(line.startswith(f"content error (start): incidents/{FIBRE}.md:1: ")
               for line in log())
    page = site_dir / "build" / "incidents" / FIBRE / "index.html"
    assert "Un câble a été coupé par des travaux." in page.read_text("utf-8")


def test_after_a_start_that_parsed_every_file_the_idle_looks_write_the_parse_cache(
        start, site_dir, log, monkeypatch):
    """The rows of 100,000 files parsed at a start are seconds of writing, which the first
    update would wait for: a build writes a slice, a look that finds nothing new writes
    slices until something is asked, which is then built."""
    for n in range(3):
        write_maintenance(site_dir, f"2026-12-0{n + 1}-works", f"2026-12-0{n + 1} 01:00",
                          f"2026-12-0{n + 1} 03:00")
    monkeypatch.setattr(rebuild, "SAVE_SLICE", 1)
    daemon = start(NOW, build=real_build)
    assert _cache_rows(site_dir) == 1  # of 5
    saving, asked = daemon.loader.save, []

    def save(limit=None):
        if not asked:
            asked.append(limit)
            daemon.request("every 5m")  # during the slice: left for the builder
        return saving(limit)

    monkeypatch.setattr(daemon.loader, "save", save)
    daemon.poll()  # nothing changed: a slice, then the build asked meanwhile (and its slice)
    assert asked == [1] and _cache_rows(site_dir) == 3
    assert log()[-1].startswith("rebuilt build/ (every 5m)")
    daemon.poll()  # nothing asked: slice after slice
    assert _cache_rows(site_dir) == 5 and not daemon.loader.unsaved()


def test_a_parse_cache_that_cannot_be_written_is_said_once_a_build_not_once_a_second(
        start, site_dir, log):
    (site_dir / ".statuspage-cache-build").mkdir()  # not a file: every save fails
    daemon = start(NOW, build=real_build)
    for _ in range(5):
        daemon.poll()  # the seconds with nothing to build
    failed = [line for line in log() if "the parse cache could not be saved" in line]
    assert len(failed) == 1
    daemon.request("every 5m")
    assert len([line for line in log() if "the parse cache could not be saved" in line]) == 2


def _cache_rows(site_dir: Path) -> int:
    with sqlite3.connect(site_dir / ".statuspage-cache-build") as db:
        return db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]


def test_the_watcher_waiting_for_a_build_is_not_logged_other_skips_are(caplog):
    import logging
    from types import SimpleNamespace

    from statuspage.ops.daemonlog import configure_logging

    configure_logging()
    scheduler = logging.getLogger("apscheduler.scheduler")
    message = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'
    with caplog.at_level(logging.WARNING, logger="apscheduler"):
        scheduler.warning(message, SimpleNamespace(id="watch"), 2)
        scheduler.warning(message, SimpleNamespace(id="every"), 1)
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1 and "namespace(id='every')" in skipped[0]


def test_a_change_is_loaded_from_the_look_that_noticed_it(start, site_dir, log, monkeypatch):
    """The watcher's look at the files is the load's: one scan per change (a quarter of a
    second at 10,000 incidents), and what it saw is what is published."""
    from statuspage.content import sources

    daemon = start(NOW, build=real_build)
    scans: list[Path] = []
    scan = sources.scan
    monkeypatch.setattr(sources, "scan", lambda root: scans.append(root) or scan(root))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("Un câble a été coupé", "Une fibre a été coupée"), "utf-8")
    daemon.poll()
    assert log()[-1].startswith(f"rebuilt build/ (incidents/{FIBRE}.md changed): ")
    assert len(scans) == 1
    page = site_dir / "build" / "incidents" / FIBRE / "index.html"
    assert "Une fibre a été coupée par des travaux." in page.read_text("utf-8")
    # A rebuild that no look started (the periodic one, a boundary) looks for itself.
    path.write_text(path.read_text("utf-8").replace("Une fibre", "Un fil"), "utf-8")
    daemon.request("every 1 hour")
    assert len(scans) == 2
    assert "Un fil a été coupée par des travaux." in page.read_text("utf-8")


def test_a_file_the_load_refuses_is_noticed_as_it_comes_and_goes(start, site_dir, log):
    daemon = start(NOW, build=real_build)
    misnamed = site_dir / "incidents" / "2026-11-30-panne.markdown"
    misnamed.write_text("---\ntitle: x\n---\n", "utf-8")
    daemon.poll()
    assert any("incidents/2026-11-30-panne.markdown:1: not read: content files end in .md"
               in line for line in log()[-3:])
    misnamed.unlink()
    daemon.poll()
    assert log()[-1].startswith("rebuilt build/ (incidents/2026-11-30-panne.markdown changed): ")


@pytest.fixture
def watching(site_dir, log, monkeypatch):
    """A daemon running for real whose looks every second are an hour apart: what it sees
    soon, the system reported. After every instant of the site: no boundary job runs."""
    from statuspage.content import sources
    from statuspage.ops import daemon as daemon_module

    monkeypatch.chdir(site_dir)
    monkeypatch.setattr(daemon_module, "POLL", timedelta(hours=1))
    looks: list[float] = []
    look = sources.look
    monkeypatch.setattr(sources, "look", lambda root: looks.append(time.monotonic())
                        or look(root))
    builds = Builds()
    daemon = Daemon(site_dir, clock=Clock(datetime(2027, 1, 1, tzinfo=PARIS)), build=builds)
    daemon.start()
    _wait(lambda: builds.times, 10, "the first build")
    yield daemon, looks
    daemon.stop()


def test_a_saved_change_is_published_at_once_not_at_the_next_look(watching, site_dir, log):
    from statuspage.files import write_atomic

    path = site_dir / "incidents" / f"{FIBRE}.md"
    write_atomic(path, path.read_bytes().replace("Un câble".encode(), b"Une fibre"))
    _wait(lambda: any(f"(incidents/{FIBRE}.md changed)" in line for line in log()), 5,
          "the change seen")
    # incidents/ taken away and brought back: watched again, a change in it seen at once.
    # (Its removal is held: the last good content is built again.)
    (site_dir / "incidents").rename(site_dir / "elsewhere")

    def rebuilt() -> int:
        return sum(line.startswith("rebuilt") and "files changed" in line for line in log())

    _wait(lambda: rebuilt() == 1, 5, "the folder gone")
    (site_dir / "elsewhere").rename(site_dir / "incidents")
    _wait(lambda: rebuilt() == 2, 5, "the folder back")
    files.write_atomic(path, path.read_text("utf-8").replace("Une fibre", "Un fil").encode())
    _wait(lambda: sum(f"(incidents/{FIBRE}.md changed)" in line for line in log()) == 2, 5,
          "the change in the folder watched again")


def test_what_is_not_content_wakes_no_look(watching, site_dir):
    daemon, looks = watching
    time.sleep(0.3)
    before = len(looks)
    (site_dir / "daemon.log").write_text("a log beside the site\n", "utf-8")
    (site_dir / "build").mkdir(exist_ok=True)
    (site_dir / "build" / "index.html").write_text("a build", "utf-8")
    (site_dir / "incidents" / f".{FIBRE}.md.abcd1234").write_text("a temporary", "utf-8")
    (site_dir / "content" / ".git").mkdir()
    (site_dir / "content" / ".git" / "HEAD").write_text("ref: main", "utf-8")
    for path in (site_dir / "incidents").glob("*.md"):
        path.read_bytes()  # what a load does
    time.sleep(0.5)  # ten times what a woken look waits
    assert len(looks) == before
    (site_dir / "content" / "site.yaml").write_text(
        (site_dir / "content" / "site.yaml").read_text("utf-8") + "\n", "utf-8")
    _wait(lambda: len(looks) > before, 5, "a look woken by site.yaml")


def test_a_change_saved_during_a_build_is_built_next_without_waiting_for_a_look(
        watching, site_dir, log):
    daemon, _ = watching
    entered, release = threading.Event(), threading.Event()

    def slow(root, options, site=None, caches=None):
        entered.set()
        release.wait(10)
        return BuildResult(root / "build", 7, 0.01)

    daemon.build = slow
    first = site_dir / "incidents" / f"{FIBRE}.md"
    first.write_text(first.read_text("utf-8").replace("Un câble", "Une fibre"), "utf-8")
    try:
        assert entered.wait(5)  # the build the save woke is running
        second = site_dir / "incidents" / "2026-11-20-double-charge.md"
        second.write_text(second.read_text("utf-8") + "\n", "utf-8")
        time.sleep(0.3)  # its look, woken while the first build runs
    finally:
        release.set()
    _wait(lambda: any("(incidents/2026-11-20-double-charge.md changed)" in line
                      for line in log()), 5, "the second change built")
