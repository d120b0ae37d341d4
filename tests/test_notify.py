"""Mail delivery through a real SMTP server (aiosmtpd): late notices, the end of an
incident's subscriptions, bounces, deferrals, a stopped relay, a kill -9 mid-send, and the
people's-data commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, PARIS, TRANSLATED
from mailserver import Inbox, free_port, smtp_server
from test_subscriptions import add, mailer_for, shut, with_subscriptions

from statuspage.cli import main
from statuspage.content.loader import load_site
from statuspage.ops import subscribers

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)  # FIBRE's promise (18:00) still ahead


@pytest.fixture
def sub_site(site_dir):
    return with_subscriptions(site_dir)


@pytest.fixture
def smtp():
    with smtp_server() as (url, inbox):
        yield url, inbox


def run_at(site_dir: Path, smtp_url: str, *moments: datetime, site=None) -> None:
    """One mailer through ``moments``: loaded at the first, a build at each."""
    mailer = mailer_for(site_dir, smtp_url)
    try:
        site = site or load_site(site_dir)
        mailer.loaded(site, moments[0])
        for moment in moments:
            mailer.built(site, moment)
            assert mailer.wait(30)
    finally:
        shut(mailer)


def test_a_late_promise_mails_the_incidents_subscribers_once(sub_site, smtp):
    url, inbox = smtp
    add(sub_site, [("inc@example.com", "fr", "incident", FIBRE),
                   ("all@example.com", "fr", "all", "")])
    run_at(sub_site, url, T0, T0 + timedelta(hours=7), T0 + timedelta(hours=8))
    run_at(sub_site, url, T0 + timedelta(hours=9))  # a restart
    assert inbox.recipients() == ["inc@example.com"]
    [message] = inbox.messages()
    assert message["Subject"] == "Coupure fibre à Lyon — Mise à jour en retard"
    assert "26 nov. 2026, 18:00 CET" in message.get_body(("plain",)).get_content()


def test_late_notice_false_sends_none(site_dir, smtp):
    url, inbox = smtp
    with_subscriptions(site_dir, ", late_notice: false")
    add(site_dir, [("inc@example.com", "fr", "incident", FIBRE)])
    run_at(site_dir, url, T0, T0 + timedelta(hours=7))
    assert inbox.received == []


def test_resolution_and_postmortem_then_the_subscription_ends(sub_site, smtp):
    url, inbox = smtp
    add(sub_site, [("ann@example.com", "en", "incident", TRANSLATED)])
    path = sub_site / "incidents" / f"{TRANSLATED}.md"
    text = path.read_text(encoding="utf-8")
    before_end = datetime(2026, 11, 24, 12, 0, tzinfo=PARIS)  # its resolution not yet shown
    run_at(sub_site, url, before_end)
    run_at(sub_site, url, before_end + timedelta(hours=6))  # the resolution
    path.write_text(text.replace(
        "## 2026-11-24 17:30 · resolved",
        "## 2026-12-10 10:00 · postmortem\nLe lot est désormais vérifié.\n\n"
        "## 2026-11-24 17:30 · resolved"), encoding="utf-8")
    run_at(sub_site, url, datetime(2026, 12, 10, 11, 0, tzinfo=PARIS))  # the postmortem
    assert [m["Subject"] for m in inbox.messages()] == [
        "Double charge — Resolved", "Double charge — Postmortem"]
    run_at(sub_site, url, datetime(2027, 2, 23, 12, 0, tzinfo=PARIS))  # 90 days after
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert store.all() == []


def test_a_5xx_counts_a_bounce_and_three_drop_the_address(sub_site, runner, smtp):
    url, inbox = smtp
    inbox.refuse.add("gone@example.com")
    add(sub_site, [("gone@example.com", "fr", "all", ""), ("ok@example.com", "fr", "all", "")])
    run_at(sub_site, url, T0)
    for n in range(3):
        moment = T0 + timedelta(minutes=10 * (n + 1))
        runner.invoke(main, ["--site", str(sub_site), "update", FIBRE, "-m", f"Point {n}."],
                      catch_exceptions=False)
        _date_last_update(sub_site, moment)
        run_at(sub_site, url, moment)
    assert inbox.recipients() == ["ok@example.com"] * 3
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert [s.email for s in store.all()] == ["ok@example.com"]


def _date_last_update(site_dir: Path, moment: datetime) -> None:
    """The update the CLI just wrote, dated ``moment`` (the CLI dates it now)."""
    path = site_dir / "incidents" / f"{FIBRE}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(n for n, line in enumerate(lines) if line.startswith("## "))
    status = lines[index].split(" · ", 1)[1]
    lines[index] = f"## {moment:%Y-%m-%d %H:%M} · {status}"
    path.write_text("\n".join(lines), encoding="utf-8")


def test_a_4xx_is_retried_and_a_stopped_relay_loses_nothing(sub_site, runner):
    port = free_port()
    url = f"smtp://127.0.0.1:{port}"
    inbox = Inbox()
    inbox.defer.add("later@example.com")
    add(sub_site, [("later@example.com", "fr", "all", ""), ("ok@example.com", "fr", "all", "")])
    with smtp_server(inbox, port):
        run_at(sub_site, url, T0)
    runner.invoke(main, ["--site", str(sub_site), "update", FIBRE, "-m", "Point."],
                  catch_exceptions=False)
    _date_last_update(sub_site, T0 + timedelta(minutes=5))
    moment = T0 + timedelta(minutes=6)
    mailer = mailer_for(sub_site, url)  # the relay is down
    try:
        site = load_site(sub_site)
        mailer.loaded(site, moment)
        assert mailer.built(site, moment) == 2
        time.sleep(0.5)  # a few rounds against the closed port
        with smtp_server(inbox, port):
            assert inbox.wait_for(1, 30)
            assert inbox.recipients() == ["ok@example.com"]
            inbox.defer.clear()  # the 4xx was passing
            assert inbox.wait_for(2, 30)
            assert mailer.wait(30)
    finally:
        shut(mailer)
    assert sorted(inbox.recipients()) == ["later@example.com", "ok@example.com"]


def _cli(site_dir: Path, *args: str, env: dict | None = None, **kwargs):
    return subprocess.run([sys.executable, "-m", "statuspage", "--site", str(site_dir), *args],
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=300, **kwargs)


def test_notify_killed_mid_send_delivers_the_rest_once(sub_site, tmp_path):
    count = 1000
    csv = tmp_path / "people.csv"
    csv.write_text("email,lang\n" + "".join(f"p{n}@example.com,{'fr' if n % 2 else 'en'}\n"
                                             for n in range(count)), encoding="utf-8")
    assert _cli(sub_site, "subscribers", "import", str(csv)).returncode == 0
    slow = Inbox(delay=0.004)
    with smtp_server(slow) as (url, _inbox):
        env = {"STATUSPAGE_SMTP": url}
        first = _cli(sub_site, "notify", env=env)
        assert first.returncode == 0 and first.stdout.startswith("0 messages queued"), \
            first.stdout + first.stderr
        assert _cli(sub_site, "update", FIBRE, "-m", "Câble réparé.").returncode == 0
        sending = subprocess.Popen([sys.executable, "-m", "statuspage", "--site",
                                    str(sub_site), "notify"], env={**os.environ, **env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert slow.wait_for(count // 3, 120)
        finally:
            sending.send_signal(signal.SIGKILL)
            sending.wait()
        killed_at = len(slow.received)
        assert killed_at < count
        slow.delay = 0
        again = _cli(sub_site, "notify", env=env)
        assert again.returncode == 0, again.stdout + again.stderr
        third = _cli(sub_site, "notify", env=env)
    assert third.stdout.startswith("0 messages queued, 0 sent")
    received = slow.recipients()
    assert set(received) == {f"p{n}@example.com" for n in range(count)}
    assert len(received) - count <= count // 100, (killed_at, len(received))


def test_people_data_commands(sub_site, tmp_path, runner):
    csv = tmp_path / "people.csv"
    csv.write_text(f"email,lang,component,incident\nann@example.com,fr,fibre,\n"
                   f"bob@example.com,en,,{FIBRE}\ncid@example.com,,,\n", encoding="utf-8")
    site = ["--site", str(sub_site)]
    result = runner.invoke(main, [*site, "subscribers", "import", str(csv)],
                           catch_exceptions=False)
    assert result.output == "3 subscriptions added (0 already there)\n"
    listed = runner.invoke(main, [*site, "subscribers", "list"]).output.splitlines()
    assert [line.split("\t")[:3] for line in listed] == [
        ["ann@example.com", "fr", "component fibre"], ["bob@example.com", "en",
                                                       f"incident {FIBRE}"],
        ["cid@example.com", "fr", "all"]]
    exported = json.loads(runner.invoke(main, [*site, "subscribers", "export",
                                               "ANN@example.com"]).output)
    assert [(e["email"], e["scope"], e["target"], e["bounces"]) for e in exported] == [
        ("ann@example.com", "component", "fibre", 0)]
    assert set(exported[0]) == {"email", "lang", "scope", "target", "requested", "confirmed",
                                "bounces"}
    assert runner.invoke(main, [*site, "subscribers", "delete", "ann@example.com"]).output \
        == "1 subscriptions of ann@example.com deleted\n"
    assert len(runner.invoke(main, [*site, "subscribers", "list"]).output.splitlines()) == 2


def test_a_bad_csv_imports_nothing_and_says_where(sub_site, tmp_path, runner):
    csv = tmp_path / "people.csv"
    csv.write_text("email,lang,component\nann@example.com,fr,fibre\n"
                   "bob@example.com\\r\\nBcc: x@y.z,fr,\nbob@example.com,de,\n"
                   "cid@example.com,fr,nope\n", encoding="utf-8")
    result = runner.invoke(main, ["--site", str(sub_site), "subscribers", "import", str(csv)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{csv}:3: " in result.output and "not an e-mail address" in result.output
    assert f"{csv}:4: unknown language 'de'" in result.output
    assert f"{csv}:5: unknown component 'nope'" in result.output
    assert "nothing imported" in result.output
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert store.all() == []


def test_notify_without_subscriptions_says_what_to_add(site_dir, runner):
    result = runner.invoke(main, ["--site", str(site_dir), "notify", "--smtp",
                                  "smtp://127.0.0.1:1"])
    assert result.exit_code == 1 and "no subscriptions: setting" in result.output


def test_a_wrong_smtp_url_is_said(sub_site, runner):
    result = runner.invoke(main, ["--site", str(sub_site), "notify", "--smtp",
                                  "http://user:secret@relay"])
    assert result.exit_code == 1 and "is not an SMTP URL" in result.output
    assert "secret" not in result.output


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_statuspage_run_notify_mails_each_subscriber_once(sub_site, tmp_path, smtp):
    """The issue's check: the service's subscribers, a real daemon with STATUSPAGE_SMTP and
    STATUSPAGE_DB, an update posted with the CLI: who gets it, once, in his language;
    nothing again after a restart."""
    url, inbox = smtp
    db = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    env = {**os.environ, "STATUSPAGE_SITE": str(sub_site), "STATUSPAGE_SMTP": url,
           "STATUSPAGE_DB": db}
    with subscribers.Store(db) as store:
        store.add_confirmed([("fr@example.com", "fr", "incident", FIBRE),
                             ("en@example.com", "en", "component", "fibre"),
                             ("no@example.com", "en", "component", "billing")])
    out = sub_site / "build"
    log = tmp_path / "daemon.log"

    def daemon():
        with log.open("a", encoding="utf-8") as stream:
            return subprocess.Popen([sys.executable, "-m", "statuspage", "run", "--notify",
                                     "--every", "1h"], cwd=tmp_path, env=env, stdout=stream,
                                    stderr=subprocess.STDOUT)

    process = daemon()
    try:
        _wait((out / "index.html").exists, 30, "the first build")
        _wait(lambda: "mail: " in log.read_text(encoding="utf-8"), 10, "the baseline")
        assert _cli(sub_site, "update", FIBRE, "-m", "Câble réparé.", env=env).returncode == 0
        assert inbox.wait_for(2, 30), log.read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(30)
    process = daemon()  # a restart: nothing again
    try:
        _wait(lambda: log.read_text(encoding="utf-8").count(" (start): ") >= 2,
              30, "the build at the restart")
        time.sleep(1)  # what it would have mailed: its delivery round is over by now
    finally:
        process.terminate()
        process.wait(30)
    assert sorted(inbox.recipients()) == ["en@example.com", "fr@example.com"]
    assert inbox.messages("fr@example.com")[0]["Content-Language"] == "fr"
    # no English title: the French one, the status in English
    assert inbox.messages("en@example.com")[0]["Subject"] == "Coupure fibre à Lyon — Identified"


def test_notify_with_the_relay_down_keeps_the_mail_for_the_next_run(sub_site, runner):
    port = free_port()
    url = f"smtp://127.0.0.1:{port}"
    add(sub_site, [("ann@example.com", "fr", "all", "")])
    site = ["--site", str(sub_site)]
    assert runner.invoke(main, [*site, "notify", "--smtp", url]).exit_code == 0  # baseline
    runner.invoke(main, [*site, "update", FIBRE, "-m", "Point."], catch_exceptions=False)
    down = runner.invoke(main, [*site, "notify", "--smtp", url])
    assert down.exit_code == 1
    assert down.output == ("1 messages queued, 0 sent, 1 waiting for the relay (the next run "
                           "sends them)\n")
    with smtp_server(port=port) as (_url, inbox):
        up = runner.invoke(main, [*site, "notify", "--smtp", url])
        assert up.exit_code == 0 and up.output == "0 messages queued, 1 sent\n"
    assert inbox.recipients() == ["ann@example.com"]


def test_run_notify_needs_a_relay_and_serve_needs_the_setting(site_dir, runner, monkeypatch):
    monkeypatch.delenv("STATUSPAGE_SMTP", raising=False)
    result = runner.invoke(main, ["--site", str(site_dir), "run", "--notify"])
    assert result.exit_code == 2 and "--notify needs the relay" in result.output
    result = runner.invoke(main, ["--site", str(site_dir), "subscribers", "serve"])
    assert result.exit_code == 1 and "no subscriptions: setting" in result.output
    assert "Traceback" not in result.output
