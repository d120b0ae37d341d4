"""The daemon's log: one line per event on stderr, in the site's zone, without the
scheduler's noise."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, tzinfo

LOOK = "watch"  # the id of the daemon's job that looks at the content every second


def configure_logging(zone: tzinfo = UTC) -> None:
    """One line per event on stderr, stamped in ``zone`` (the site's) with its offset, as
    the times in the messages are; systemd's journal adds its own time stamps."""
    stamp = "" if "JOURNAL_STREAM" in os.environ else "%(asctime)s "
    handler = logging.StreamHandler()
    handler.setFormatter(ZonedFormatter(f"{stamp}%(levelname)s %(message)s", zone))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, WatcherWaits) for f in scheduler.filters):
        scheduler.addFilter(WatcherWaits())


class ZonedFormatter(logging.Formatter):
    """Stamps each line in a given zone, with its offset (``2026-11-26 18:00:05+01:00``),
    not in the machine's zone: the messages name the site's times."""

    def __init__(self, fmt: str, zone: tzinfo = UTC):
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(" ", "seconds")


class WatcherWaits(logging.Filter):
    """Drops APScheduler's warning that the watcher's look was skipped: while a build that
    its last look asked for runs (seconds, on a large site), the next looks wait, as they
    should; said at each second, it filled the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return not ("maximum number of running instances" in str(record.msg)
                    and getattr(job, "id", None) == LOOK)
