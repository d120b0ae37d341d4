"""What the daemon tells monitoring: --on-error once per new error, --metrics for Prometheus."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW, PARIS
from prometheus_client.parser import text_string_to_metric_families
from serving import wait_for as _wait
from test_daemon import Builds, Clock

from statuspage import files
from statuspage.ops.daemon import Daemon, RunOptions
from statuspage.ops.monitoring import Monitor, Round, same_error, told_path
from statuspage.ops.outbound import Notifier
from statuspage.ops.outbox import Outbox
from statuspage.ops.webhooks import Webhooks

BROKEN = "---\ntitle: Panne\n"  # the front matter is never closed


def metrics(path: Path) -> dict[str, float]:
    """The metrics file, read by Prometheus' own parser."""
    text = path.read_text(encoding="utf-8")
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples}


def calls(path: Path) -> list[str]:
    """What each --on-error run had in STATUSPAGE_ERRORS (the hook below appends it)."""
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8").split("\x1e\n")[:-1]


def hook(path: Path) -> str:
    return f"printf '%s\\036\\n' \"$STATUSPAGE_ERRORS\" >> {path}"


def test_statuspage_run_tells_monitoring_of_an_error_once_then_of_its_fix(site_dir, tmp_path):
    out, log, called = tmp_path / "build", tmp_path / "daemon.log", tmp_path / "called"
    prom = tmp_path / "statuspage.prom"
    env = {key: value for key, value in os.environ.items() if key != "JOURNAL_STREAM"}
    with log.open("w", encoding="utf-8") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "run", "--out", str(out), "--every", "2s",
             "--on-error", hook(called), "--metrics", str(prom)],
            cwd=tmp_path, env={**env, "STATUSPAGE_SITE": str(site_dir), "TZ": "UTC"},
            stdout=stream, stderr=subprocess.STDOUT)
    try:
        started = datetime.now(UTC).timestamp()
        _wait(prom.exists, 20, "the first metrics")
        first = metrics(prom)
        assert first["statuspage_content_errors"] == 0
        assert first["statuspage_open_incidents"] == 1  # the fibre cut, never resolved
        assert first["statuspage_overdue_promises"] == 1  # its promise of 26 November
        assert first["statuspage_build_last_success_timestamp_seconds"] >= started
        assert "statuspage_publish_last_success_timestamp_seconds" not in first
        assert "statuspage_notifications_pending" not in first  # neither publish nor webhook

        bad = site_dir / "incidents" / "2026-11-27-panne.md"
        files.write_atomic(bad, BROKEN.encode())  # (no write a look may see half-done)
        _wait(lambda: metrics(prom)["statuspage_content_errors"] >= 1, 20, "the error counted")
        _wait(lambda: calls(called), 20, "the hook")
        seen = len(log.read_text(encoding="utf-8"))
        # Two more periodic builds find the same error: the hook is not run again.
        _wait(lambda: log.read_text(encoding="utf-8")[seen:].count("rebuilt build/ (every 2s)")
              >= 2, 20, "two more builds")
        assert calls(called) == ["incidents/2026-11-27-panne.md:1: front matter is not closed: "
                                 "add a line '---' after the last field"]

        fixed_at = datetime.now(UTC).timestamp()
        bad.unlink()
        _wait(lambda: len(calls(called)) == 2, 20, "the hook told of the fix")
        assert calls(called)[1] == ""
        now = metrics(prom)
        assert now["statuspage_content_errors"] == 0
        assert now["statuspage_build_last_success_timestamp_seconds"] >= fixed_at
        assert now["statuspage_open_incidents"] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            code = "no exit after SIGTERM"
        assert code == 0, log.read_text(encoding="utf-8")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert len(calls(called)) == 2
    # Stamped in the site's zone (Paris: its offset at each stamp, +01:00 in winter), not
    # the machine's (UTC here).
    stamps = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d) ", text, re.M)
    assert stamps and len(stamps) == len(text.splitlines())
    for stamp in map(datetime.fromisoformat, stamps):
        assert stamp.utcoffset() == stamp.astimezone(PARIS).utcoffset() != timedelta(0), stamp


@pytest.fixture
def daemon_on(site_dir, tmp_path, monkeypatch):
    """A daemon on the site copy at NOW, scheduler paused, with a monitor of its own."""
    monkeypatch.chdir(site_dir)
    made: list[Daemon] = []

    def start(monitor: Monitor, build=None, **options) -> Daemon:
        daemon = Daemon(site_dir, RunOptions(**options), clock=Clock(NOW), monitor=monitor,
                        build=build or Builds())
        made.append(daemon)
        daemon.start(paused=True)
        return daemon

    yield start
    for daemon in made:
        daemon.stop()


def test_a_restart_neither_tells_a_standing_error_again_nor_forgets_its_fix(
        daemon_on, site_dir, tmp_path):
    called, told = tmp_path / "called", told_path(tmp_path / "build")
    bad = site_dir / "incidents" / "2026-11-27-panne.md"
    bad.write_text(BROKEN, encoding="utf-8")
    first = daemon_on(Monitor(hook(called), told=told))
    first.stop()  # waits for the hook
    assert len(calls(called)) == 1
    daemon_on(Monitor(hook(called), told=told)).stop()
    assert len(calls(called)) == 1
    bad.unlink()
    daemon_on(Monitor(hook(called), told=told)).stop()
    assert calls(called)[1:] == [""]


def test_a_new_error_beside_a_standing_one_is_told_with_both(daemon_on, site_dir, tmp_path):
    called = tmp_path / "called"
    daemon = daemon_on(Monitor(hook(called), told=told_path(tmp_path / "build")))
    panne = site_dir / "incidents" / "2026-11-27-panne.md"
    fields = "title: Panne\nimpact: huge\ncomponents: [fibre]\nstarted: 2026-11-26 09:00\n---\n"
    panne.write_text(f"---\n{fields}", encoding="utf-8")
    daemon.request("one")
    panne.write_text(f"---\n# moved down a line: the same error, not a new one\n{fields}",
                     encoding="utf-8")
    daemon.request("moved")
    (site_dir / "incidents" / "2026-11-28-autre.md").write_text("no front matter\n", "utf-8")
    daemon.request("two")
    daemon.stop()
    impact = "impact: unknown impact 'huge' (known: none, minor, major, critical)"
    assert calls(called) == [
        f"incidents/2026-11-27-panne.md:3: {impact}",
        f"incidents/2026-11-27-panne.md:4: {impact}\nincidents/2026-11-28-autre.md:1: "
        "missing front matter: start the file with a line '---', the fields, then '---'"]


def test_a_broken_site_yaml_is_counted_and_no_build_succeeded(daemon_on, site_dir, tmp_path):
    (site_dir / "content" / "site.yaml").write_text("name: [\n", encoding="utf-8")
    prom = tmp_path / "statuspage.prom"
    daemon_on(Monitor(metrics=prom))
    found = metrics(prom)
    assert found["statuspage_content_errors"] == 1
    assert found["statuspage_build_last_success_timestamp_seconds"] == 0
    assert found["statuspage_open_incidents"] == 0


def test_publishing_and_webhooks_add_their_metrics(site, tmp_path):
    prom = tmp_path / "statuspage.prom"
    published = datetime(2026, 11, 26, 11, 0, 5, tzinfo=UTC)
    notifier = Notifier(Webhooks(["https://chat.example/hook"], Outbox(tmp_path / "outbox")))
    monitor = Monitor(metrics=prom, publishing=True, deliveries=notifier,
                      clock=Clock(published))
    monitor.observed(Round((), site, NOW, NOW))
    before = metrics(prom)
    assert before["statuspage_publish_last_success_timestamp_seconds"] == 0
    assert before["statuspage_notifications_pending"] == 0
    monitor.built(site, NOW)  # the Publisher tells it of a publish that succeeded
    after = metrics(prom)
    assert after["statuspage_publish_last_success_timestamp_seconds"] == published.timestamp()
    assert after["statuspage_build_last_success_timestamp_seconds"] == NOW.timestamp()
    assert after["statuspage_overdue_promises"] == 0  # the promise is 18:00, NOW noon
    assert after["statuspage_open_incidents"] == 1
    # Webhooks alone (no --publish): the pending deliveries, and no publish time.
    alone = Monitor(metrics=prom, deliveries=notifier)
    alone.observed(Round((), site, NOW, NOW + timedelta(hours=7)))
    assert metrics(prom).keys() == {
        "statuspage_build_last_success_timestamp_seconds", "statuspage_content_errors",
        "statuspage_open_incidents", "statuspage_overdue_promises",
        "statuspage_notifications_pending"}
    assert metrics(prom)["statuspage_overdue_promises"] == 1


def test_an_error_is_the_same_wherever_its_line_moves():
    assert same_error("incidents/a.md:7: impact: unknown") == "incidents/a.md: impact: unknown"
    assert same_error("incidents/a.md: no line") == "incidents/a.md: no line"


def test_a_metrics_file_in_no_folder_is_refused_before_anything_runs(site_dir, tmp_path,
                                                                      monkeypatch):
    from click.testing import CliRunner

    from statuspage import cli
    from statuspage.ops import daemon

    monkeypatch.setattr(daemon, "configure_logging", lambda zone=None: None)
    monkeypatch.setattr(daemon.Daemon, "run", lambda self: pytest.fail("the daemon ran"))
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), "run", "--metrics",
                                           str(tmp_path / "nowhere" / "statuspage.prom")])
    assert result.exit_code == 2
    assert f"no folder {tmp_path / 'nowhere'}: give a file in an existing folder" in \
        " ".join(result.output.split())
