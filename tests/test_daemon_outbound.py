"""The daemon's outbound side, end to end: real builds published to moto's S3 server on
127.0.0.1, and new updates POSTed to a real HTTP receiver, exactly once."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW

from statuspage import cli, daemon, outbound, publish
from statuspage.daemon import Daemon
from statuspage.errors import PublishError
from statuspage.outbox import Outbox, path_for
from statuspage.webhooks import Webhooks, http_post, legacy_path


def state_path(out: Path) -> Outbox:
    return Outbox(path_for(out))


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger="statuspage.daemon")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "statuspage.daemon"]


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
        return (outbound.Notifier(Webhooks([receiver.url], state_path(out), sleep=lambda s: None)),
                outbound.Publisher(out, target, endpoint_url=endpoint, publish=counted))

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

    publisher = outbound.Publisher(out, f"s3://{bucket}", endpoint_url=endpoint, attempts=2,
                                   base_delay=0.01, publish=flaky)
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

    notifier = outbound.Notifier(Webhooks([receiver.url], state_path(out), post=post,
                                          sleep=lambda s: None))
    publisher = outbound.Publisher(out, f"s3://{bucket}", endpoint_url=endpoint, attempts=2,
                                   base_delay=0.01, publish=flaky, then=[notifier])
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
    notifier = outbound.Notifier(Webhooks([receiver.url], state_path(out)))
    publisher = outbound.Publisher(out, f"s3://{bucket}", endpoint_url=endpoint,
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
    publisher = outbound.Publisher(site_dir / "build", "s3://status",
                                   endpoint_url=f"http://127.0.0.1:{port}", attempts=2,
                                   base_delay=0.01)
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
    monkeypatch.setattr(daemon, "configure_logging", lambda: None)
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
    assert (publisher.target, publisher.endpoint_url, publisher.max_age) == (
        "s3://status/www", "http://127.0.0.1:9", 30)
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
