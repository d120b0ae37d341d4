"""The publishing daemon: APScheduler wiring around build, in one process, in UTC.

The site is rebuilt when a content file changes, at every instant the published page
changes by itself (``scheduling``: a maintenance starts or ends, a promised update time
passes, an update written ahead of time appears), and periodically so "last updated"
stays fresh. Builds never overlap; a failed build leaves the last good site online, and
so does a change that removes more than half of the incidents at once, until it has stood
for a while (``rebuild``). When a promised update time passes with no update, staff are
reminded once (``reminders``). After each build, the site is published to object storage
and new updates go to webhooks (``outbound``), in the background. One daemon per output
folder: a second one is refused (``claim``).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from statuspage.content import collector, sources, spill
from statuspage.content.edition import DESK, PUBLIC, DeskLoader
from statuspage.content.loader import Loader, cache_for
from statuspage.errors import listed, printable
from statuspage.freeze.build import MARKER, Caches
from statuspage.freeze.build import build as build_site
from statuspage.model import Site
from statuspage.ops import statefiles
from statuspage.ops.daemonlog import LOOK
from statuspage.ops.daemonlog import configure_logging as configure_logging  # for the CLI
from statuspage.ops.monitoring import Monitor, Round
from statuspage.ops.rebuild import Follower, KeptEdition, desk_folder, share_settled
from statuspage.ops.reminders import Reminders
from statuspage.ops.scheduling import Planner, period_text
from statuspage.ops.watching import Watcher, glance, unchanged

log = logging.getLogger("statuspage.ops.daemon")

POLL = timedelta(seconds=1)  # how often content files are looked at
# While the system reports changes, one look in this many taken while no build runs goes
# over every file unless ``unchanged`` (an edit it did not report); the others
# glance at the folders (``glance``), and the looks its reports ask for, at the files named.
FULL_EVERY = 30
# From a reported change to the look it wakes: a save's other writes (a rename, a backup).
WAKE = timedelta(seconds=0.05)
WOKEN = "woken"  # the id of the look a reported change asked for
DEFAULT_EVERY = timedelta(minutes=5)
FOLLOWER_TIMEOUT = 30  # seconds a publish or webhook in progress may take to finish at stop
HELD = "held"  # the id of the job that looks again once a mass removal may have stood


@dataclass(frozen=True)
class RunOptions:
    """What ``statuspage run`` is told: where to build (``out``, default build/ in the site
    folder; ``desk_out``, the support desk's edition too), for which ``url``, how often
    besides the changes (``every``), the command for a missed promise (``on_overdue``),
    and whether a change removing most incidents at once is published without being held
    (``allow_mass_removal``)."""

    out: Path | None = None
    url: str | None = None
    every: timedelta = DEFAULT_EVERY
    on_overdue: str | None = None
    desk_out: Path | None = None
    allow_mass_removal: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """Rebuilds ``root`` as ``options`` say on every trigger, one build at a time; with
    ``desk_out``, the support desk's edition too, after the public one, with the same
    triggers and the same fallback. ``followers`` are told of each build of the public
    edition, ``monitor`` of each round of builds (--on-error, --metrics).

    ``clock`` and ``build`` are parameters so that tests drive it without waiting; the
    scheduler is a BackgroundScheduler in UTC. Every trigger ends in ``request(reason)``.
    """

    def __init__(self, root: Path, options: RunOptions = RunOptions(), *,
                 followers: Sequence[Follower] = (), monitor: Monitor | None = None,
                 clock: Callable[[], datetime] = utc_now, build=build_site):
        self.root = root
        self.options = options
        self.out, self.url, self.every = options.out, options.url, options.every
        self.allow_mass_removal = options.allow_mass_removal
        self.monitor = monitor
        self.followers: Sequence[Follower] = tuple(followers)
        self.clock = clock
        self.build = build
        self._claims: list[int] = []  # the locks on the output folders, while running
        self.caches = Caches()  # what each build may reuse from the one before it
        share_settled([*self.followers, monitor], self.caches.settled)
        self.loader = Loader(root, cache=cache_for(self._out))
        self.editions = [KeptEdition(PUBLIC, self._out, self.loader, self.caches)]
        if options.desk_out is not None:
            folder = desk_folder(options.desk_out, self._out)
            self.editions.append(KeptEdition(DESK, folder, DeskLoader(
                root, cache=cache_for(folder)), Caches()))
        self.spill = spill.Spill(cache_for(self._out).parent)  # restored words, until shown
        for edition in self.editions:
            edition.loader.spill_words(self.spill)
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self.planner = Planner(self.scheduler, self.at)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._building = False
        self._stopping = False
        self._pending: list[str] = []
        self._poll_lock = threading.Lock()
        self._found: sources.Found | None = None  # the last look's, full or updated
        self._files: dict[str, object] = {}  # the last look's map (sources.look)
        self._glanced: dict[str, object] = {}  # the last glance's
        self._looks = 0
        self._early = False  # a change reported before the scheduler ran
        self.reminders = Reminders(self._out, options.on_overdue)
        self._watcher = Watcher(root, self._wake)
        self._generations = collector.Generations()

    # -- running -----------------------------------------------------------------------

    def claim(self) -> None:
        """Lock each output folder for this daemon, or refuse: two daemons on one output
        would build, publish and send everything twice."""
        if not self._claims:
            try:
                for edition in self.editions:
                    self._claims.append(statefiles.claim(edition.out))
            except BaseException:
                self._release()
                raise
    def _release(self) -> None:
        for fd in self._claims:
            os.close(fd)
        self._claims = []

    def start(self, paused: bool = False) -> None:
        """Claim the output, watch the files, start the scheduler (``paused``: jobs are
        planned, none run), then build once."""
        self.claim()
        self._watcher.start()  # before the first look: what changes after it is reported
        self._glanced = glance(self.root)  # before the look: a change between is seen
        found, self._files = sources.look(self.root)
        self._found = found
        for edition in self.editions:
            edition.found = found
        self.scheduler.start(paused=paused)
        self.scheduler.add_job(self.look, IntervalTrigger(seconds=POLL.total_seconds(),
                                                          timezone=UTC),
                               id=LOOK, name="content files changed", max_instances=2,
                               coalesce=True)
        every = f"every {period_text(self.every)}"
        self.scheduler.add_job(self.request, IntervalTrigger(seconds=self.every.total_seconds(),
                                                             timezone=UTC),
                               args=(every,), id="every", name=every, coalesce=True)
        with self._lock:
            early, self._early = self._early, False
        if early:  # the system reported a change during the first look: look again
            self._wake()
        self.request("start")

    def stop(self) -> None:
        """Finish the build in progress, stop the scheduler, save the parse cache, let
        reminders finish, and unfreeze what the builds froze."""
        self._stop()
        for follower in self.followers:
            follower.close(FOLLOWER_TIMEOUT)
        if self.monitor is not None:
            self.monitor.close()
        for edition in self.editions:
            for note in edition.loader.save():
                log.warning("%s", note)
        self.spill.close()  # (after the save: it reads what it writes again)
        self._generations.release()
        self._release()

    def _stop(self) -> None:
        """Finish the build in progress, stop the scheduler, and let reminders finish.

        No build may run while the scheduler shuts down: APScheduler holds its job store
        lock while it waits for running jobs, and a build ends by planning jobs.
        """
        with self._idle:
            self._stopping = True
            while self._building:
                self._idle.wait()
        self._watcher.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.reminders.close()

    def run(self) -> None:
        """Start, then serve until SIGTERM or SIGINT; return once stopped cleanly."""
        self.claim()  # a second daemon stops here, having touched nothing
        received: list[int] = []  # the handler only notes the signal: no logging in there
        previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            while not received:
                threading.Event().wait(0.5)
            log.info("stopping (%s)", signal.Signals(received[0]).name)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("stopped")

    # -- triggers ----------------------------------------------------------------------

    def request(self, reason: str | None = None) -> None:
        """Rebuild now, or once more after the build in progress: builds never overlap.

        The first caller builds; callers arriving during its build leave their reason
        and return at once, and the builder then builds once more for all of them.
        Without a reason (a look found nothing new), when no build runs: the parse
        cache's rows still to be written are written, a slice at a time, as a build
        would, until something is asked, which is then built.
        """
        with self._lock:
            if self._stopping:
                return
            if reason is not None:
                self._pending.append(reason)
            if self._building:
                return
            self._building = True
        try:
            if reason is None:  # slice after slice, while nothing else is asked
                while any([edition.save_some(idle=True) for edition in self.editions]):
                    with self._lock:
                        if self._pending or self._stopping:
                            break
            while True:
                with self._lock:
                    if not self._pending or self._stopping:
                        self._pending = []
                        self._building = False
                        self._idle.notify_all()
                        return
                    reasons, self._pending = self._pending, []
                self._rebuild(listed(dict.fromkeys(reasons), 3))  # each once, three named
        except BaseException:
            with self._lock:
                self._building = False
                self._idle.notify_all()
            raise

    def look(self) -> None:
        """The look every second: a full look (``poll``) when the system does not report
        changes and every ``FULL_EVERY`` looks taken while no build runs (an edit in place
        it did not report), unless the files are as the last look has them (``unchanged``);
        else a look at what it reported when a glance at the folders finds a change."""
        with self._poll_lock:
            with self._lock:
                counted = not self._building
            self._looks += counted
            full = ((counted and self._looks % FULL_EVERY == 0) or not self._watcher.reports()) \
                and not unchanged(self.root, self._files)
            glanced = not full and glance(self.root) != self._glanced
        if full or glanced:
            self.poll(reported=glanced)
        else:
            self._check_outputs()

    def poll(self, reported: bool = False) -> None:
        """Compare the content files' names, times, sizes and inodes with the last look.

        ``reported``: a look the system's reports asked for (``_wake``, a glance): while
        it names the files that changed (``Watcher.take``), only they are looked at again
        (``sources.update``); else, and without ``reported``, every file is."""
        with self._poll_lock:
            labels = self._watcher.take()  # first: a change reported after wakes a poll
            self._glanced = glance(self.root)  # before the look: a change between is seen
            looked = None
            if reported and labels is not None and self._found is not None \
                    and self._watcher.reports():
                looked = sources.update(self.root, (self._found, self._files), labels)
            if looked is None:
                labels = None
                looked = sources.look(self.root)
            found, files = looked
            changed = sources.differences(self._files, files, labels)
            if changed or self._found is None:  # else the last look, as true, is kept: the
                self._found, self._files = found, files  # next load may patch its own
        if changed:
            for edition in self.editions:
                edition.found = found
            what = printable(changed[0]) if len(changed) == 1 else f"{len(changed)} files"
            self.request(f"{what} changed")
        else:
            self._check_outputs()

    def _check_outputs(self) -> None:
        """Build again an output folder removed since its build; else nothing is to be
        built: write a slice of the parse cache's rows (``request``)."""
        for edition in self.editions:
            if edition.good is not None and not (edition.out / MARKER).exists():
                self.request(f"{statefiles.shown(edition.out)} is missing")
                return
        self.request()

    def _wake(self) -> None:
        """A content file changed, the system says (see ``watching``): a look in ``WAKE``,
        unless one is already coming. Two may run, as with the looks every second: the look
        that found the last change builds in its own job, and a change saved meanwhile is
        then left for the build after it by a second look."""
        with self._lock:  # before the scheduler runs: woken again once it does (start)
            early = self._early = not self.scheduler.running
        if self._stopping or early:
            return
        try:
            self.scheduler.add_job(self.poll, DateTrigger(datetime.now(UTC) + WAKE),
                                   kwargs={"reported": True}, id=WOKEN,
                                   name="a content file changed",
                                   max_instances=2, misfire_grace_time=None)
        except ConflictingIdError:
            pass

    def at(self, moment: datetime, reason: str) -> None:
        """The job at one of the site's boundaries."""
        self.planner.fired(moment)
        self.request(reason)

    @property
    def _out(self) -> Path:
        return (self.out or self.root / "build").resolve()

    @property
    def site(self) -> Site | None:
        """The public content as last loaded without error."""
        return self.editions[0].site

    @property
    def good(self) -> Site | None:
        """The public content of the last build that succeeded."""
        return self.editions[0].good

    # -- one build ---------------------------------------------------------------------

    def _rebuild(self, reason: str) -> None:
        """Build each edition, then plan the next builds and remind of late promises. The
        site in memory is frozen after, so that no pass of the cycle collector goes over
        it between two builds (see ``collector``)."""
        now = self.clock()
        with self._generations.rebuilding():
            self._looked()
            for edition in self.editions:
                edition.rebuild(self, reason, now)
            if self.site is not None:
                self.planner.plan(self.site, now, self.caches.settled)
                self.reminders.remind(self.editions[0].snapshot(self.site, now))
        self._monitored(now)

    def _looked(self) -> None:
        """A rebuild no look asked for (periodic, a boundary, a missing output) looks itself,
        at every file only when one changed (``unchanged``; else the load is the last one's
        site, ``patch``, not 100,000s of objects made anew): the next save's load patches it."""
        if any(edition.found is None for edition in self.editions):
            with self._poll_lock:
                self._glanced = glance(self.root)  # before the look: a change between is seen
                if self._found is None or not unchanged(self.root, self._files):
                    self._found, self._files = sources.look(self.root)
            for edition in self.editions:
                edition.found = edition.found or self._found

    def look_again(self, moment: datetime) -> None:
        """A build at ``moment``, to publish a removal of incidents held until then."""
        if self.scheduler.running and not self._stopping:
            self.scheduler.add_job(self.request, DateTrigger(moment, timezone=UTC),
                                   args=("a removal of incidents held",), id=HELD,
                                   name="a removal of incidents held", replace_existing=True,
                                   misfire_grace_time=None)

    def _monitored(self, now: datetime) -> None:
        """Tell the monitor what the round found: every edition's errors, each once."""
        if self.monitor is not None:
            errors = dict.fromkeys(e for edition in self.editions for e in edition.errors)
            self.monitor.observed(Round(tuple(errors), self.good, self.editions[0].built, now))

    def wait_for_followers(self, timeout: float | None = None) -> None:
        """Until the publishes and webhook deliveries started so far are done."""
        for follower in self.followers:
            follower.wait(timeout)

    def wait_for_reminders(self) -> None:
        """Wait for the --on-overdue commands started so far."""
        self.reminders.wait()

