"""When the daemon builds by itself: at the instants the published page changes by itself
(``boundaries``), one APScheduler job each (``Planner``), and every ``--every``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from statuspage.model import Site
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot
from statuspage.times import TimeError, parse_duration

log = logging.getLogger("statuspage.ops.daemon")

AT = "at "  # the id prefix of the jobs at an instant


def parse_every(text: str) -> timedelta:
    """A period such as ``5m``, ``30s``, ``1h`` or ``1h30m`` (at least one second)."""
    try:
        period = parse_duration(text)
    except TimeError:
        raise TimeError(f"invalid period {text!r}: write a delay such as 5m, 30s or 1h") \
            from None
    if period < timedelta(seconds=1):
        raise TimeError(f"invalid period {text!r}: at least 1s")
    return period


def period_text(period: timedelta) -> str:
    """``5m``, ``1h30m``, ``45s``: the way --every is written."""
    seconds = int(period.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (seconds, "s"))
                   if n) or "0s"


def boundaries(site: Site, now: datetime, settled: Settled | None = None
               ) -> list[tuple[datetime, str]]:
    """The instants after ``now`` at which the published page changes by itself.

    A maintenance's start and end, and the day it is first listed as upcoming; a
    promised next update (it leaves the page, and may be overdue); an incident or update
    written ahead of time (it appears). A closed incident or maintenance (completed,
    cancelled, resolved) has no start, end or promise left. Each instant once, in UTC,
    soonest first, with its reasons (the first three named). ``settled``: the caller's
    memory of settled incidents (the daemon's builds'), by which each of them is passed
    over at once.
    """
    return Snapshot(site, now, settled).next_changes()


class Planner:
    """One job on ``scheduler`` per boundary still to come, each calling ``at(moment,
    reason)``; planned again after each build, jobs for boundaries gone removed."""

    def __init__(self, scheduler: BaseScheduler, at: Callable[[datetime, str], None]):
        self.scheduler = scheduler
        self.at = at
        self._lock = threading.Lock()
        self._fired: set[datetime] = set()  # instants whose job has run
        self._planned: tuple = ()

    def fired(self, moment: datetime) -> None:
        """The job at ``moment`` runs: it is not planned again."""
        with self._lock:
            self._fired.add(moment)

    def plan(self, site: Site, now: datetime, settled: Settled | None = None) -> None:
        """The jobs for ``site`` as it stands at ``now`` (``settled``: see ``boundaries``)."""
        with self._lock:
            self._fired = {moment for moment in self._fired if moment > now - timedelta(hours=1)}
            fired = set(self._fired)
        wanted = {f"{AT}{moment.isoformat()}": (moment, reason)
                  for moment, reason in boundaries(site, now, settled) if moment not in fired}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(AT) and wanted.get(job.id, (None, None))[1] != job.name:
                try:
                    self.scheduler.remove_job(job.id)
                except JobLookupError:
                    pass  # it has just run
        planned = {job.id for job in self.scheduler.get_jobs()}
        for job_id, (moment, reason) in wanted.items():
            if job_id not in planned:
                self.scheduler.add_job(self.at, DateTrigger(moment, timezone=UTC),
                                       args=(moment, reason), id=job_id, name=reason,
                                       misfire_grace_time=None, coalesce=True)
        if tuple(wanted) != self._planned:
            self._planned = tuple(wanted)
            self._say(site, wanted)

    @staticmethod
    def _say(site: Site, wanted: dict[str, tuple[datetime, str]]) -> None:
        if wanted:
            moment, reason = min(wanted.values())
            local = moment.astimezone(site.config.timezone)
            log.info("%d rebuild%s planned; the next at %s (%s)", len(wanted),
                     "s" if len(wanted) > 1 else "", f"{local:%Y-%m-%d %H:%M:%S %Z}", reason)
        else:
            log.info("no rebuild planned but the periodic one")
