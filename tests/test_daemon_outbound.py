"""The daemon's outbound side, end to end: real builds published to moto's S3 server on
127.0.0.1, and new updates POSTed to a real HTTP receiver, exactly once."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW

from statuspage import cli
from statuspage.errors import PublishError
from statuspage.ops import daemon, outbound, publish, rebuild
from statuspage.ops.backoff import Backoff
from statuspage.ops.daemon import HELD, Daemon, RunOptions
from statuspage.ops.outbox import Outbox, path_for
from statuspage.ops.publish import Target
from statuspage.ops.watching import Watcher
from statuspage.ops.webhooks import Webhooks, http_post, legacy_path

NO_WAIT = Backoff(sleep=lambda delay: None)  # the waits between attempts skipped
TWICE = Backoff(attempts=2, base_delay=0.01)


def outbox_of(out: Path) -> Outbox:
    return Outbox(path_for(out))


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger="statuspage.ops.daemon")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "statuspage.ops.daemon"]


@pytest.fixture
def running(site_dir, monkeypatch):
    """Start a daemon (scheduler paused: builds only when the test asks) with followers."""
    monkeypatch.chdir(site_dir)
    made: list[Daemon] = []

    def start(clock: Clock, *followers) -> Daemon:
        found = Daemon(site_dir, clock=clock, followers=followers)
        made.append(found)
        found.start(paused=True)
        found.wait_for_followers(timeout=30)
        return found

    yield start
    for found in made:
        found.stop()


def objects(s3, bucket: str) -> dict[str, str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"].strip('"') for page in pages for o in page.get("Contents", [])}


def built_files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def cli_update(site_dir: Path, monkeypatch, when: datetime, *args: str) -> None:
    monkeypatch.setattr(cli, "_now", lambda: when)
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_each_build_is_published_and_each_update_posted_once(
        site_dir, running, endpoint, s3, bucket, receiver, monkeypatch, log):
    out = site_dir / "build"
    target = f"s3://{bucket}/status"
    calls: list[int] = []

    def counted(*args, **kwargs):
        result = publish.publish(*args, **kwargs)
        calls.append(result.uploaded)
        return result

    def followers():
        return (outbound.Notifier(Webhooks([receiver.url], outbox_of(out), backoff=NO_WAIT)),
                outbound.Publisher(out, Target(target, endpoint), publish=counted))

    clock = Clock(NOW)
    first = running(clock, *followers())
    # The whole build is online, byte for byte; a first start posts no history.
    assert objects(s3, bucket) == {f"status/{k}": v for k, v in built_files(out).items()}
    assert receiver.requests == []
    everything = calls[-1]

    # One update: online without re-uploading the rest, and posted once although the
    # receiver first fails.
    receiver.answers = [503]
    clock.now = NOW + timedelta(minutes=5)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "--status", "monitoring",
               "-m", "Le câble est réparé, nous surveillons.")
    first.poll()
    first.wait_for_followers(timeout=30)
    assert objects(s3, bucket) == {f"status/{k}": v for k, v in built_files(out).items()}
    assert 0 < calls[-1] < everything / 2
    posted = [r["body"]["incident"]["incident_updates"][0]["body"] for r in receiver.requests]
    assert posted == ["Le câble est réparé, nous surveillons."] * 2  # a 503, then the retry
    summary = log()[-1] if "unchanged" in log()[-1] else next(
        line for line in reversed(log()) if "unchanged" in line)
    assert summary.startswith(f"{target}/: uploaded {calls[-1]}, unchanged ")

    # A restart sends nothing twice, and publishes nothing that is already there.
    first.stop()
    second = running(clock, *followers())
    assert len(receiver.requests) == 2
    assert calls[-1] == 0
    assert second.good is not None


def test_an_unreachable_storage_is_retried_and_the_next_build_catches_up(
        site_dir, running, endpoint, s3, bucket, log, monkeypatch):
    out = site_dir / "build"
    failures = [PublishError("cannot reach the storage", transient=True)] * 3

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return publish.publish(*args, **kwargs)

    publisher = outbound.Publisher(out, Target(f"s3://{bucket}", endpoint), backoff=TWICE,
                                   publish=flaky)
    clock = Clock(NOW)
    started = running(clock, publisher)
    # Two attempts, both failed: the local build is online, the storage still empty.
    assert (out / "index.html").exists()
    assert objects(s3, bucket) == {}
    assert any("retrying in 0.01 s" in line for line in log())
    assert any("the next build publishes again" in line for line in log())
    # The next build: one more failure, then the whole site, its change included.
    clock.now = NOW + timedelta(minutes=5)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "--status", "monitoring",
               "-m", "Réparé.")
    started.poll()
    started.wait_for_followers(timeout=30)
    assert not failures and publisher.published == 1
    assert objects(s3, bucket) == built_files(out)


def test_webhooks_wait_for_the_publish_so_their_links_work(
        site_dir, running, endpoint, s3, bucket, receiver, monkeypatch):
    """With --publish, an update is posted once the pages it links to are online; while
    the storage is down, it waits for the next publish that succeeds."""
    out = site_dir / "build"
    page = f"incidents/{FIBRE}/index.html"
    online_at_post: list[bool] = []
    failures: list[PublishError] = []

    def post(url: str, body: bytes, headers: dict) -> int:
        text = s3.get_object(Bucket=bucket, Key=page)["Body"].read().decode("utf-8")
        online_at_post.append(json.loads(body)["incident"]["incident_updates"][0]["body"]
                              in text)
        return http_post(url, body, headers)

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return publish.publish(*args, **kwargs)

    notifier = outbound.Notifier(Webhooks([receiver.url], outbox_of(out), post=post,
                                          backoff=NO_WAIT))
    publisher = outbound.Publisher(out, Target(f"s3://{bucket}", endpoint), backoff=TWICE,
                                   publish=flaky, then=[notifier])
    clock = Clock(NOW)
    started = running(clock, publisher)
    assert receiver.requests == [] and publisher.published == 1

    # The storage down: built locally, not online, so not posted yet.
    failures[:] = [PublishError("cannot reach the storage", transient=True)] * 2
    clock.now = NOW + timedelta(minutes=5)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "-m", "Toujours en cours.")
    started.poll()
    started.wait_for_followers(timeout=30)
    assert not failures and publisher.published == 1
    assert "Toujours en cours." in (out / page).read_text("utf-8")
    assert receiver.requests == []

    # The next publish succeeds: both updates go out, each once, their page online.
    clock.now = NOW + timedelta(minutes=10)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "--status", "monitoring",
               "-m", "Le câble est réparé.")
    started.poll()
    started.wait_for_followers(timeout=30)
    assert publisher.published == 2
    assert [b["incident"]["incident_updates"][0]["body"] for b in receiver.bodies()] == [
        "Toujours en cours.", "Le câble est réparé."]
    assert online_at_post == [True, True]


def test_a_failed_invalidate_is_logged_and_the_publish_counts(
        site_dir, running, endpoint, s3, bucket, receiver, log):
    out = site_dir / "build"
    notifier = outbound.Notifier(Webhooks([receiver.url], outbox_of(out)))
    publisher = outbound.Publisher(out, Target(f"s3://{bucket}", endpoint),
                                   invalidate="echo 'no distribution' >&2; exit 3",
                                   then=[notifier])
    running(Clock(NOW), publisher)
    assert publisher.published == 1 and objects(s3, bucket) == built_files(out)
    assert any(line.startswith(f"published to s3://{bucket}, but --invalidate failed: exit "
                               "status 3: no distribution") for line in log())
    assert not any(line.startswith("not published") for line in log())


def test_a_storage_that_refuses_connections_leaves_the_local_site(site_dir, running, log):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    publisher = outbound.Publisher(site_dir / "build",
                                   Target("s3://status", f"http://127.0.0.1:{port}"),
                                   backoff=TWICE)
    started = running(Clock(NOW), publisher)
    assert started.good is not None and (site_dir / "build" / "index.html").exists()
    errors = [line for line in log() if line.startswith("not published to s3://status")]
    assert len(errors) == 2  # one retry announced, then the give-up
    assert "cannot reach the storage" in errors[-1]


def test_run_wires_publish_and_webhooks_from_its_options(site_dir, monkeypatch):
    seen: dict = {}

    def fake_run(self):
        seen["followers"] = self.followers

    monkeypatch.setattr(daemon.Daemon, "run", fake_run)
    monkeypatch.setattr(daemon, "configure_logging", lambda zone=None: None)
    result = CliRunner().invoke(cli.main, [
        "--site", str(site_dir), "run", "--publish", "s3://status/www", "--endpoint-url",
        "http://127.0.0.1:9", "--max-age", "30", "--webhook", "https://chat.example/hook",
        "--webhook", "https://tickets.example/in", "--webhook-format", "slack"])
    assert result.exit_code == 0, result.output
    (publisher,) = seen["followers"]  # the webhooks follow the publish: their links work
    (notifier,) = publisher.then
    assert notifier.webhooks.urls == ("https://chat.example/hook", "https://tickets.example/in")
    assert notifier.webhooks.fmt == "slack"
    assert notifier.webhooks.outbox.path == site_dir / ".statuspage-outbox-build"
    assert notifier.webhooks.legacy == legacy_path(site_dir / "build")
    assert publisher.target == Target("s3://status/www", "http://127.0.0.1:9", 30)
    assert publisher.source == site_dir / "build"
    alone = CliRunner().invoke(cli.main, ["--site", str(site_dir), "run", "--webhook",
                                          "https://chat.example/hook"])
    assert alone.exit_code == 0, alone.output
    (notifier,) = seen["followers"]  # no storage: the webhooks follow the build
    assert notifier.webhooks.urls == ("https://chat.example/hook",)


@pytest.mark.parametrize("args, message", [
    (["--publish", "ftp://status"], "is not an S3 address"),
    (["--webhook", "chat.example/hook"], "is not an http(s) URL"),
])
def test_run_refuses_a_wrong_target_before_starting(site_dir, monkeypatch, args, message):
    monkeypatch.setattr(daemon.Daemon, "run", lambda self: pytest.fail("started"))
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), "run", *args])
    assert result.exit_code != 0
    assert message in result.output


@pytest.fixture
def hooked(site_dir, receiver):
    """A Notifier to the receiver, its outbox beside site/build."""
    return lambda attempts=5: outbound.Notifier(Webhooks(
        [receiver.url], outbox_of(site_dir / "build"),
        backoff=Backoff(attempts, sleep=lambda s: None)))


def settle(daemon: Daemon) -> None:
    daemon.poll()
    daemon.wait_for_followers(timeout=30)


def test_a_vanished_incidents_folder_keeps_the_site_and_sends_nothing(
        site_dir, running, receiver, hooked, log):
    """As during a git checkout or an rsync: nothing is sent while it is gone, nor when
    it comes back."""
    out = site_dir / "build"
    clock = Clock(NOW)
    daemon = running(clock, hooked())
    (site_dir / "incidents").rename(site_dir / "aside")
    clock.now = NOW + timedelta(seconds=40)
    settle(daemon)
    assert (out / "incidents" / FIBRE / "index.html").exists()
    assert any(line.startswith("content error") for line in log())
    (site_dir / "aside").rename(site_dir / "incidents")
    clock.now = NOW + timedelta(seconds=50)
    settle(daemon)
    assert (out / "incidents" / FIBRE / "index.html").exists()
    assert receiver.requests == []


def test_a_mass_removal_is_published_once_it_has_stood_for_30_s(
        site_dir, running, receiver, hooked, log, tmp_path):
    out = site_dir / "build"
    clock = Clock(NOW)
    daemon = running(clock, hooked())
    for path in (site_dir / "incidents").iterdir():
        path.rename(tmp_path / path.name)
    clock.now = NOW + timedelta(seconds=10)
    settle(daemon)
    held = ("content error (3 files changed): incidents/: 2 of 2 incidents removed at once "
            "(2026-11-20-double-charge, 2026-11-26-fibre-lyon): held until this has stood for "
            "30 s, in case a folder is only briefly gone (restore the files, or run with "
            "--allow-mass-removal to publish it at once); publishing the last good content "
            "until it is fixed")
    assert held in log()
    job = daemon.scheduler.get_job(HELD)
    assert job is not None and job.trigger.run_date == NOW + timedelta(seconds=40)
    clock.now = NOW + timedelta(seconds=39)
    daemon.request("too soon")
    assert (out / "incidents" / FIBRE / "index.html").exists() and receiver.requests == []
    clock.now = NOW + timedelta(seconds=40)
    daemon.request("a removal of incidents held")
    daemon.wait_for_followers(timeout=30)
    assert "2 of 2 incidents removed at once, as for 30 s: published" in log()
    assert not (out / "incidents" / FIBRE).exists()
    changes = [b["component_update"] for b in receiver.bodies()]
    assert [(c["component_id"], c["new_status"]) for c in changes] == [("fibre", "operational")]


def test_a_mass_removal_counts_the_incidents_of_the_last_good_content(
        site_dir, running, hooked, log):
    """Three incidents added, built, then removed: three of five, held (not none of the
    two the daemon started with)."""
    clock = Clock(NOW)
    daemon = running(clock, hooked())
    incidents = site_dir / "incidents"
    text = (incidents / "2026-11-20-double-charge.md").read_text("utf-8")
    added = [incidents / f"2026-11-2{n}-copie-{n}.md" for n in range(3)]
    for path in added:
        path.write_text(text, "utf-8")
    clock.now = NOW + timedelta(seconds=10)
    settle(daemon)
    for path in added:
        path.unlink()
    clock.now = NOW + timedelta(seconds=20)
    settle(daemon)
    assert any("3 of 5 incidents removed at once" in line for line in log())


def test_a_round_patched_from_the_good_content_is_not_looked_over_for_removals(
        site_dir, running, hooked, monkeypatch):
    """An edit of one incident's text (a load patched from the good content's: the same
    incidents, ``Site.same_ids``) is not looked over for removed incidents: two sets of
    every id took 0.06-0.19 s a round at 100,000. A load that removes one is."""
    looked: list[str] = []
    monkeypatch.setattr(rebuild, "ID", lambda incident: looked.append(incident.id) or
                        incident.id)
    monkeypatch.setattr(Watcher, "reports", lambda self: True)  # (as inotify does)
    clock = Clock(NOW)
    daemon = running(clock, hooked())
    incidents, page = site_dir / "incidents", site_dir / "build" / "incidents" / FIBRE
    fibre = incidents / f"{FIBRE}.md"
    fibre.write_text(fibre.read_text("utf-8").replace("Lyon 3e", "Lyon 7e"), "utf-8")
    looked.clear()
    clock.now = NOW + timedelta(seconds=10)
    deadline = time.monotonic() + 10
    while "Lyon 7e" not in (page / "index.html").read_text("utf-8"):
        assert time.monotonic() < deadline, "the save was not built"
        daemon.poll(reported=True)  # what the system's report of the save asks for
        daemon.wait_for_followers(timeout=30)
    assert looked == []
    (incidents / "2026-11-20-double-charge.md").unlink()
    clock.now = NOW + timedelta(seconds=20)
    settle(daemon)
    assert not (site_dir / "build" / "incidents" / "2026-11-20-double-charge").exists()
    assert FIBRE in looked


def test_allow_mass_removal_publishes_it_at_once(site_dir, receiver, hooked, monkeypatch):
    monkeypatch.chdir(site_dir)
    daemon = Daemon(site_dir, RunOptions(allow_mass_removal=True), clock=Clock(NOW),
                    followers=[hooked()])
    daemon.start(paused=True)
    try:
        for path in (site_dir / "incidents").glob("*.md"):
            path.unlink()
        settle(daemon)
        assert not (site_dir / "build" / "incidents" / FIBRE).exists()
    finally:
        daemon.stop()


def test_while_the_content_is_broken_nothing_is_sent_and_after_it_once(
        site_dir, running, receiver, hooked):
    """The last good content is built again on time (a maintenance starts), but nothing
    is announced until the content is fixed; then the change goes out once."""
    (site_dir / "incidents" / "2026-11-26-travaux.md").write_text(
        "---\ntitle: Travaux\nmaintenance:\n  start: 2026-11-26 12:10\n  end: 2026-11-26 13:00\n"
        "components: [adsl]\n---\n## 2026-11-26 11:00 · scheduled\nCoupures brèves.\n",
        encoding="utf-8")
    clock = Clock(NOW)
    daemon = running(clock, hooked())
    config = site_dir / "content" / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "languages: [\n", encoding="utf-8")
    clock.now = NOW + timedelta(minutes=5)
    settle(daemon)
    clock.now = NOW + timedelta(minutes=15)
    daemon.request("maintenance 2026-11-26-travaux starts")
    daemon.wait_for_followers(timeout=30)
    api = site_dir / "build" / "api" / "v2" / "components.json"
    assert '"under_maintenance"' in api.read_text(encoding="utf-8")  # built on time
    assert receiver.requests == []
    config.write_text(text, encoding="utf-8")
    clock.now = NOW + timedelta(minutes=20)
    settle(daemon)
    clock.now = NOW + timedelta(minutes=25)
    daemon.request("every 5m")
    daemon.wait_for_followers(timeout=30)
    changes = [b["component_update"] for b in receiver.bodies()]
    assert [(c["component_id"], c["old_status"], c["new_status"]) for c in changes] == [
        ("adsl", "operational", "under_maintenance")]


def test_webhooks_go_out_with_the_publish_that_holds_them_not_after_later_retries(
        site_dir, running, endpoint, bucket, receiver, hooked, monkeypatch):
    """A publish retried while a newer build is made uploads the newer build: its updates
    are announced when that attempt succeeds, not after the next publish, which may be
    retried for minutes against a failing storage."""
    out = site_dir / "build"
    calls: list[int] = []
    first_attempt, newer_built = threading.Event(), threading.Event()

    def storage(*args, **kwargs):
        calls.append(len(calls))
        if len(calls) == 2:  # the publish of the build with A: fails once B is built
            first_attempt.set()
            newer_built.wait(30)
        if len(calls) == 2 or len(calls) > 3:  # then the storage fails for good
            raise PublishError("cannot reach the storage", transient=True)
        return publish.publish(*args, **kwargs)

    publisher = outbound.Publisher(out, Target(f"s3://{bucket}", endpoint), backoff=TWICE,
                                   publish=storage, then=[hooked()])
    clock = Clock(NOW)
    daemon = running(clock, publisher)
    clock.now = NOW + timedelta(minutes=1)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "-m", "A")
    daemon.poll()
    assert first_attempt.wait(30)
    clock.now = NOW + timedelta(minutes=2)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "-m", "B")
    daemon.poll()  # the build with B, while A's publish is retried
    newer_built.set()
    daemon.wait_for_followers(timeout=30)
    assert len(calls) == 5  # the retry uploaded B; the next publish failed twice
    assert [b["incident"]["incident_updates"][0]["body"] for b in receiver.bodies()] == [
        "A", "B"]


def test_what_a_previous_run_queued_goes_out_at_start_whatever_the_storage_does(
        site_dir, running, receiver, hooked, monkeypatch):
    """Queued after a publish that succeeded: online already, so no publish waits."""
    clock = Clock(NOW)
    receiver.answers = [503]
    first = running(clock, hooked(attempts=1))
    clock.now = NOW + timedelta(minutes=1)
    cli_update(site_dir, monkeypatch, clock.now, "update", FIBRE, "-m", "A")
    settle(first)
    assert len(receiver.requests) == 1  # refused: left in the outbox
    first.stop()

    def down(*args, **kwargs):
        raise PublishError("cannot reach the storage", transient=True)

    publisher = outbound.Publisher(site_dir / "build", Target("s3://status"), publish=down,
                                   backoff=Backoff(attempts=1), then=[hooked()])
    running(clock, publisher)
    assert publisher.published == 0
    assert [b["incident"]["incident_updates"][0]["body"] for b in receiver.bodies()] == [
        "A", "A"]


def test_the_followers_reuse_the_settled_views_the_builds_keep(site_dir, running, hooked,
                                                                monkeypatch):
    """The daemon hands its builds' memory of settled incidents to its followers: the
    webhooks' Snapshot derives views only for the incidents not settled yet, not for the
    whole history at every build."""
    from statuspage.state import chunks as views  # (where views_at works them out)
    from statuspage.state.view import settled_from

    notifier = hooked()
    daemon = running(Clock(NOW), notifier)
    assert notifier.webhooks.settled is daemon.caches.settled
    site = daemon.site
    derived: list[str] = []
    real = views.view_of

    def counted(incident, *args, **kwargs):
        derived.append(incident.id)
        return real(incident, *args, **kwargs)

    monkeypatch.setattr(views, "view_of", counted)
    later = NOW + timedelta(seconds=1)  # no time an incident names has come since
    notifier.webhooks.notify(site, later)
    assert derived == []
    grace = site.config.promise_grace
    moving = {i.id for i in site.incidents if settled_from(i, grace) > later}
    assert moving and len(moving) < len(site.incidents)
    # Once those still to settle have settled, each is derived again, and only those.
    notifier.webhooks.notify(site, max(settled_from(i, grace) for i in site.incidents))
    assert set(derived) == moving
    derived.clear()
    alone = Webhooks([], outbox_of(daemon.editions[0].out))  # no memory shared: all again
    alone.notify(site, NOW)
    alone.close(timeout=5)
    assert set(derived) == {i.id for i in site.incidents}
