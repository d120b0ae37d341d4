"""What the daemon tells monitoring: ``--on-error`` and ``--metrics``.

After each round of builds the daemon hands a ``Round`` to ``Monitor.observed``. A content
error that was not there before runs the ``--on-error`` command once, with every located
message in ``STATUSPAGE_ERRORS``; the round that finds none left runs it once more, with
the variable empty. The errors told are kept beside the output folder, so a restart
neither pages again for the same error nor forgets to say it was fixed. The metrics file is
written in Prometheus' text format for node_exporter's textfile collector, after each round
and after each publish.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from statuspage import files
from statuspage.model import Site
from statuspage.state.status import Snapshot

log = logging.getLogger("statuspage.ops.daemon")

HOOK_TIMEOUT = 60  # seconds an --on-error command may take
TOLD = ".statuspage-errors-"  # + the output folder's name, beside it: the errors told


def told_path(out: Path) -> Path:
    """Where the errors --on-error was told are kept for the site built into ``out``:
    beside it and named after it, so two sites whose outputs share a folder keep apart."""
    out = out.resolve()
    return out.with_name(f"{TOLD}{out.name}.json")
_LINE = re.compile(r"^(?P<path>[^:\n]*):\d+:")  # path:line: message


class Deliveries(Protocol):
    """The webhooks' side (outbound.Notifier): whether it sends, and what waits to be sent."""

    def notifying(self, site: Site) -> bool: ...

    def pending(self) -> int: ...


@dataclass(frozen=True)
class Round:
    """What one round of builds found: the located content errors (of every edition, each
    once), the content last built (None before the first build that succeeded), when that
    build ended, and the moment it was built for."""

    errors: tuple[str, ...]
    site: Site | None
    built: datetime | None
    now: datetime


def same_error(message: str) -> str:
    """An error without its line number: a line added above a broken one moves it, and
    that is not a new error to page about."""
    return _LINE.sub(lambda found: f"{found['path']}:", message, count=1)


class Monitor:
    """Runs ``on_error`` and writes ``metrics`` (either may be None).

    ``publishing``: the site is published (--publish), so the publish time is a metric, and
    the monitor is told of each publish that succeeded (as a follower of the Publisher).
    ``deliveries``: the webhooks, whose pending deliveries are a metric while there are
    webhooks to send to, or the site is published.
    """

    def __init__(self, on_error: str | None = None, metrics: Path | None = None, *,
                 told: Path = Path(f"{TOLD}build.json"), publishing: bool = False,
                 deliveries: Deliveries | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.on_error = on_error
        self.metrics = metrics
        self.told_path = told
        self.publishing = publishing
        self.deliveries = deliveries
        self.clock = clock
        self.published: datetime | None = None  # the end of the last publish that succeeded
        self._lock = threading.Lock()
        self._round: Round | None = None
        self._told: tuple[str, ...] = _read_told(told) if on_error else ()
        self._hooks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="on-error")

    # -- the daemon's side -------------------------------------------------------------

    def observed(self, found: Round) -> None:
        """After a round of builds: tell of new or fixed errors, write the metrics."""
        with self._lock:
            self._round = found
            self._tell(found.errors)
            self._write()

    def close(self, timeout: float | None = None) -> None:
        """Let the --on-error commands started finish (each has its own timeout)."""
        self._hooks.shutdown(wait=True)

    # -- a follower of the Publisher: told of each publish that succeeded --------------

    def loaded(self, site: Site, now: datetime) -> None:
        """Nothing to do before the build: what counts is the publish."""

    def built(self, site: Site, now: datetime, news: bool = True) -> None:
        with self._lock:
            self.published = self.clock()
            self._write()

    def wait(self, timeout: float | None = None) -> bool:
        return True

    # -- --on-error ----------------------------------------------------------------------

    def _tell(self, errors: tuple[str, ...]) -> None:
        if not self.on_error:
            return
        told = {same_error(message) for message in self._told}
        new = [message for message in errors if same_error(message) not in told]
        fixed = not errors and bool(self._told)
        if errors != self._told:
            _write_told(self.told_path, errors)
        self._told = errors
        if new or fixed:
            what = f"{len(new)} new content error{'s' if len(new) > 1 else ''}" if new \
                else "the content errors are fixed"
            self._hooks.submit(self._run, self.on_error, errors, what)

    @staticmethod
    def _run(command: str, errors: tuple[str, ...], what: str) -> None:
        env = {**os.environ, "STATUSPAGE_ERRORS": "\n".join(errors)}
        try:
            done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True,
                                  timeout=HOOK_TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError) as err:
            log.error("--on-error failed (%s): %s", what, err)
            return
        if done.returncode:
            detail = (done.stderr.strip().splitlines() or [""])[-1]
            log.error("--on-error failed (%s): exit status %d%s", what, done.returncode,
                      f": {detail}" if detail else "")
        else:
            log.info("--on-error ran (%s)", what)

    # -- --metrics -----------------------------------------------------------------------

    def _write(self) -> None:
        if self.metrics is None or self._round is None:
            return
        try:
            files.write_atomic(self.metrics, generate_latest(self._registry(self._round)))
        except OSError as err:
            log.warning("cannot write the metrics to %s (%s)", self.metrics, err)

    def _registry(self, found: Round) -> CollectorRegistry:
        registry = CollectorRegistry()

        def gauge(name: str, text: str, value: float) -> None:
            Gauge(f"statuspage_{name}", text, registry=registry).set(value)

        gauge("build_last_success_timestamp_seconds",
              "When the last build that succeeded ended (0: none since the start).",
              found.built.timestamp() if found.built else 0)
        gauge("content_errors", "Located errors in the content files: 0 when all is well.",
              len(found.errors))
        views = Snapshot(found.site, found.now).views.values() if found.site else ()
        gauge("open_incidents", "Incidents open on the page (not maintenance).",
              sum(1 for v in views if v.is_open and not v.incident.is_maintenance))
        gauge("overdue_promises", "Open incidents whose promised update time has passed "
              "(and its grace) with no update since.", sum(1 for v in views if v.late))
        if self.publishing:
            gauge("publish_last_success_timestamp_seconds",
                  "When the last publish that succeeded ended (0: none since the start).",
                  self.published.timestamp() if self.published else 0)
        if self.deliveries is not None and (self.publishing or (
                found.site is not None and self.deliveries.notifying(found.site))):
            gauge("notifications_pending", "Webhook deliveries queued and not yet sent.",
                  self.deliveries.pending())
        return registry


def _read_told(path: Path) -> tuple[str, ...]:
    try:
        told = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(told, list) and all(isinstance(message, str) for message in told):
            return tuple(told)
        raise ValueError("expected a list of messages")
    except FileNotFoundError:
        return ()
    except (OSError, ValueError) as err:
        log.warning("%s unreadable (%s): the errors standing are told again", path, err)
        return ()


def _write_told(path: Path, errors: tuple[str, ...]) -> None:
    try:
        files.write_atomic(path, (json.dumps(list(errors), ensure_ascii=False) + "\n")
                           .encode("utf-8"))
    except OSError as err:
        log.warning("cannot save %s (%s): a restart may tell the same errors again", path, err)
