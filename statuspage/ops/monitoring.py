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

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from statuspage import files
from statuspage.model import Site
from statuspage.ops import shellhooks, statefiles
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot

log = logging.getLogger("statuspage.ops.daemon")

TOLD = "errors"  # .statuspage-errors-<output folder>.json: the errors told


def told_path(out: Path) -> Path:
    """Where the errors --on-error was told are kept for the site built into ``out``:
    beside it and named after it, so two sites whose outputs share a folder keep apart."""
    return statefiles.beside(out, TOLD, ".json")


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
                 told: Path = Path(f"{statefiles.PREFIX}{TOLD}-build.json"),
                 publishing: bool = False, deliveries: Deliveries | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.on_error = on_error
        self.metrics = metrics
        self.told_path = told
        self.publishing = publishing
        self.deliveries = deliveries
        self.clock = clock
        self.published: datetime | None = None  # the end of the last publish that succeeded
        self._lock = threading.Lock()
        self.settled: Settled | None = None  # the daemon's, once it shares it
        self._round: Round | None = None
        self._told: tuple[str, ...] = (statefiles.read_json(
            told, _messages, "the errors standing are told again") or ()) if on_error else ()
        self._hook = shellhooks.Hook("--on-error", on_error) if on_error else None

    # -- the daemon's side -------------------------------------------------------------

    def observed(self, found: Round) -> None:
        """After a round of builds: write the metrics, tell of new or fixed errors (in
        that order: what the command is told of, the metrics say already)."""
        with self._lock:
            self._round = found
            self._write()
            self._tell(found.errors)

    def close(self, timeout: float | None = None) -> None:
        """Let the --on-error commands started finish (each has its own timeout)."""
        if self._hook is not None:
            self._hook.close()

    # -- a follower of the Publisher: told of each publish that succeeded --------------

    def share(self, settled: Settled) -> None:
        """The daemon's memory of settled incidents: the metrics' views reuse them."""
        self.settled = settled

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
        if self._hook is None:
            return
        told = {same_error(message) for message in self._told}
        new = [message for message in errors if same_error(message) not in told]
        fixed = not errors and bool(self._told)
        if errors != self._told:
            statefiles.write_json(self.told_path, list(errors),
                                  "a restart may tell the same errors again")
        self._told = errors
        if new or fixed:
            what = f"{len(new)} new content error{'s' if len(new) > 1 else ''}" if new \
                else "the content errors are fixed"
            self._hook.start({"STATUSPAGE_ERRORS": "\n".join(errors)}, f"({what})")

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
        views = Snapshot(found.site, found.now, self.settled).views.values() if found.site else ()
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


def _messages(told: object) -> tuple[str, ...]:
    if isinstance(told, list) and all(isinstance(message, str) for message in told):
        return tuple(told)
    raise ValueError("expected a list of messages")
