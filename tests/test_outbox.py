"""The outbox with a real daemon: `statuspage run` killed with SIGKILL and started again
delivers every update to a real receiver; a second daemon on the same output is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIBRE

from statuspage import cli
from statuspage.errors import StatusPageError
from statuspage.ops.outbox import Message, Outbox, path_for
from statuspage.ops.webhooks import BASELINE


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Run:
    """`statuspage run` in a subprocess, its log in a file."""

    def __init__(self, site: Path, out: Path, *args: str):
        self.log = out.with_name(f"daemon-{time.monotonic_ns()}.log")
        with self.log.open("w", encoding="utf-8") as stream:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "statuspage", "run", "--out", str(out), "--every", "1h",
                 *args], cwd=out.parent, env={**os.environ, "STATUSPAGE_SITE": str(site)},
                stdout=stream, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def built(self) -> None:
        _wait(lambda: "rebuilt build/" in self.text() or self.process.poll() is not None, 30,
              "the first build")
        assert self.process.poll() is None, self.text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                assert self.process.wait(20) == 0, self.text()
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.text()


@pytest.fixture
def runs():
    started: list[Run] = []

    def start(*args) -> Run:
        started.append(Run(*args))
        return started[-1]

    yield start
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(10)


def update(site: Path, *args: str) -> None:
    result = CliRunner().invoke(cli.main, ["--site", str(site), "update", FIBRE, *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def texts(receiver) -> list[str]:
    return [b["incident"]["incident_updates"][0]["body"] for b in receiver.bodies()
            if "incident" in b]


def test_a_daemon_killed_at_any_point_delivers_every_update_once(site_dir, tmp_path, receiver,
                                                                 runs, endpoint, bucket):
    out = tmp_path / "build"
    publish = ["--publish", f"s3://{bucket}", "--webhook", receiver.url]
    with socket.socket() as hanging:  # a storage that accepts and never answers
        hanging.bind(("127.0.0.1", 0))
        hanging.listen()
        run = runs(site_dir, out, *publish[:2], "--endpoint-url",
                   f"http://127.0.0.1:{hanging.getsockname()[1]}", *publish[2:])
        # A first start whose first publish never ends: what stood at start is recorded
        # before anything else, so an update saved now is no history, and the restart
        # (the storage back) is no first start: the update is sent.
        run.built()
        box = Outbox(path_for(out))
        assert box.meta(BASELINE)
        update(site_dir, "-m", "A")
        run.kill()
    publish[2:2] = ["--endpoint-url", endpoint]
    run = runs(site_dir, out, *publish)
    _wait(lambda: "A" in texts(receiver), 30, "A")

    def delivered() -> None:  # else still in flight at the next kill
        _wait(lambda: not box.channels(), 30, "every message marked delivered")

    delivered()
    # Killed while the POST is in flight (queued, not answered): sent again after the
    # restart, the only case where a receiver may get one twice.
    receiver.open.clear()
    update(site_dir, "-m", "B")
    _wait(lambda: "B" in texts(receiver), 30, "B in flight")
    run.kill()
    receiver.open.set()
    run = runs(site_dir, out, *publish)
    _wait(lambda: texts(receiver).count("B") == 2, 30, "B again")
    delivered()
    # Killed right after an update is saved.
    update(site_dir, "-m", "C")
    run.kill()
    run = runs(site_dir, out, *publish)
    _wait(lambda: "C" in texts(receiver), 30, "C")
    delivered()
    # A clean stop and a start: nothing again. The receiver gets each channel's messages
    # in order, so anything sent again would come before D.
    assert "Traceback" not in run.stop()
    run = runs(site_dir, out, *publish)
    run.built()
    update(site_dir, "-m", "D")
    _wait(lambda: "D" in texts(receiver), 30, "D")
    assert texts(receiver) == ["A", "B", "B", "C", "D"]
    assert "Traceback" not in run.stop()
    assert box.states() and {state for _, _, state in box.states()} == {"delivered"}


def test_a_second_daemon_on_the_same_output_is_refused(site_dir, tmp_path, runs):
    out = tmp_path / "build"
    first = runs(site_dir, out)
    first.built()
    second = runs(site_dir, out)
    assert second.process.wait(30) == 1
    text = second.text()
    assert f"another 'statuspage run' (pid {first.process.pid}) already keeps build/" in text
    assert "Stop that one first, or give this one its own --out" in text
    assert "Traceback" not in text
    assert first.process.poll() is None
    first.stop()
    third = runs(site_dir, out)  # once the first has stopped, the output is free
    third.built()
    third.stop()


def test_an_outbox_keeps_each_message_once_per_channel(tmp_path):
    box = Outbox(tmp_path / "outbox")
    box.record("s", ["e"], messages=[Message("a", "e", b"1"), Message("b", "e", b"1")])
    box.record("s", ["e"], messages=[Message("a", "e", b"2")])  # queued before: ignored
    first = box.waiting("a")
    assert first is not None and first.body == b"1"
    box.delivered(first)
    box.record("s", ["e"], messages=[Message("a", "e", b"3")])  # delivered before: ignored
    assert box.waiting("a") is None
    assert box.states() == [("a", "e", "delivered"), ("b", "e", "pending")]
    assert box.channels() == {"b"}
    box.close()
    again = Outbox(tmp_path / "outbox")  # as a restart reads it
    assert again.seen("s") == {"e"} and again.channels() == {"b"}


def test_an_outbox_that_cannot_be_written_says_so(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(StatusPageError, match=r"cannot open the outbox .*file/outbox: "):
        Outbox(blocked / "outbox").seen("s")
