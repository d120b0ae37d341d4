"""site.yaml's promise_grace: a promised update is said late only once the grace is over,
on the page, in the daemon's plan and reminders, and in check."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, PARIS
from test_daemon import Builds, Clock

from statuspage import cli
from statuspage.content.loader import load_site
from statuspage.errors import ContentError
from statuspage.ops.daemon import Daemon
from statuspage.ops.reminders import overdue
from statuspage.ops.scheduling import AT, boundaries
from statuspage.state.status import Snapshot
from statuspage.web import create_app

PROMISE = datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)  # the fibre incident's next_update
LATE = "Update expected at 18:00 CET on 26 Nov 2026, not yet published"


def graced(site_dir: Path, grace: str) -> Path:
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"promise_grace: {grace}\n",
                      encoding="utf-8")
    return site_dir


def page(site, now: datetime) -> str:
    client = create_app(site, now=now).test_client()
    html = client.get(f"/en/incidents/{FIBRE}/").get_data(as_text=True)
    return re.sub(r"<[^>]+>", "", html)  # the text, without the <time> elements


def test_without_grace_a_promise_is_late_as_it_passes(site_dir):
    site = load_site(site_dir)
    assert site.config.promise_grace == timedelta(0)
    assert LATE in page(site, PROMISE + timedelta(minutes=1))


def test_within_the_grace_the_promise_stands_then_it_is_late(site_dir):
    site = load_site(graced(site_dir, "5m"))
    assert site.config.promise_grace == timedelta(minutes=5)
    within = page(site, PROMISE + timedelta(minutes=4, seconds=59))
    assert LATE not in within and "By 26 Nov 2026, 18:00 CET" in within
    assert overdue(Snapshot(site, PROMISE + timedelta(minutes=4, seconds=59))) == []
    assert LATE in page(site, PROMISE + timedelta(minutes=5))
    assert [v.id for v in overdue(Snapshot(site, PROMISE + timedelta(minutes=5)))] == [FIBRE]


def test_an_update_within_the_grace_keeps_the_promise(site_dir):
    path = graced(site_dir, "5m") / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "---\n## ", "---\n## 2026-11-26 18:02 · monitoring\nOn surveille.\n\n## ", 1),
        encoding="utf-8")
    site = load_site(site_dir)
    text = page(site, PROMISE + timedelta(minutes=3))
    assert LATE not in text and "By 26 Nov" not in text  # kept: no promise is shown
    assert overdue(Snapshot(site, PROMISE + timedelta(hours=1))) == []


def test_the_daemon_rebuilds_and_reminds_when_the_grace_is_over(site_dir, caplog,
                                                                 monkeypatch):
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    monkeypatch.chdir(site_dir)
    site = load_site(graced(site_dir, "5m"))
    assert (datetime(2026, 11, 26, 17, 5, tzinfo=UTC), f"update promised for {FIBRE}") in \
        boundaries(site, PROMISE - timedelta(hours=1))
    daemon = Daemon(site_dir, clock=Clock(PROMISE + timedelta(minutes=3)), build=Builds())
    try:
        daemon.start(paused=True)
        assert not [r for r in caplog.records if "overdue" in r.getMessage()]
        job = daemon.scheduler.get_job(f"{AT}2026-11-26T17:05:00+00:00")
        daemon.clock.now = job.next_run_time
        job.func(*job.args)
    finally:
        daemon.stop()
    assert [r.getMessage() for r in caplog.records if "overdue" in r.getMessage()] == [
        f"overdue: {FIBRE} (Coupure fibre à Lyon) promised an update at 2026-11-26 18:00 CET "
        "and has none since"]


def test_check_warns_of_a_late_promise_only_after_the_grace(site_dir, runner, monkeypatch):
    graced(site_dir, "5m")
    warning = f"incidents/{FIBRE}.md: the update promised for 2026-11-26 18:00 is not published"
    monkeypatch.setattr(cli, "_now", lambda: PROMISE + timedelta(minutes=4))
    assert warning not in runner.invoke(cli.main, ["--site", str(site_dir), "check"]).output
    monkeypatch.setattr(cli, "_now", lambda: PROMISE + timedelta(minutes=5))
    assert warning in runner.invoke(cli.main, ["--site", str(site_dir), "check"]).output


@pytest.mark.parametrize("grace", ["soon", "2h", "-5m", "5"])
def test_a_bad_grace_is_an_error_at_its_line(site_dir, grace):
    lines = (site_dir / "content" / "site.yaml").read_text(encoding="utf-8").count("\n")
    with pytest.raises(ContentError) as caught:
        load_site(graced(site_dir, grace))
    assert [str(p) for p in caught.value.problems] == [
        f"content/site.yaml:{lines + 1}: promise_grace: expected a delay of at most 1h, "
        "e.g. promise_grace: 5m"]
