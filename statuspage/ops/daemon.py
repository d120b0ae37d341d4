"""The publishing daemon: APScheduler wiring around build, in one process, in UTC.

The site is rebuilt when a content file changes, at every instant the published page
changes by itself (a maintenance starts or ends, a promised update time passes, an
update written ahead of time appears), and periodically so "last updated" stays fresh.
Builds never overlap; a failed build leaves the last good site online, and so does a
change that removes more than half of the incidents at once (a folder vanished during a
``git checkout`` or an rsync) until it has stood for ``MASS_REMOVAL_WAIT``. When a promised
update time passes with no update, staff are reminded once. After each build, the site is
published to object storage and new updates go to webhooks (outbound.py), in the background.
One daemon per output folder: a second one is refused (``claim``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from statuspage import files
from statuspage.content import collector, sources
from statuspage.content.edition import DESK, PUBLIC, DeskLoader, Edition
from statuspage.content.loader import Loader, cache_for
from statuspage.errors import (
    ContentError,
    OutputError,
    Problem,
    StatusPageError,
    count,
    printable,
)
from statuspage.freeze.build import MARKER, BuildOptions, Caches
from statuspage.freeze.build import build as build_site
from statuspage.model import CLOSED_STATUSES, Site
from statuspage.ops.monitoring import Monitor, Round
from statuspage.ops.watching import Watcher
from statuspage.state.settled import Settled
from statuspage.state.status import IncidentView, Snapshot
from statuspage.times import TimeError, parse_duration

log = logging.getLogger("statuspage.ops.daemon")


class Follower(Protocol):
    """What runs after each build that succeeded (outbound.Publisher, outbound.Notifier).

    ``loaded`` is told of the public content as loaded, before its build; ``built`` of each
    build, ``news`` False when it is the last good content built again (broken or held
    content: nothing to announce)."""

    def loaded(self, site: Site, now: datetime) -> None: ...

    def built(self, site: Site, now: datetime, news: bool = True) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...

    def close(self, timeout: float | None = None) -> None: ...


POLL = timedelta(seconds=1)  # how often content files are looked at
# From a change the system reports to the look it wakes: the other writes of one save (a
# temporary file renamed, an editor's backup) come within it, and are seen by that look.
WAKE = timedelta(seconds=0.05)
WOKEN = "woken"  # the id of the look a reported change asked for
DEFAULT_EVERY = timedelta(minutes=5)
HOOK_TIMEOUT = 60  # seconds an --on-overdue command may take
FOLLOWER_TIMEOUT = 30  # seconds a publish or webhook in progress may take to finish at stop
AT = "at "  # the id prefix of the jobs at an instant
REMINDED = ".statuspage-reminded.json"  # beside the output folder
RUNNING = ".statuspage-run-"  # beside each output folder, locked while a daemon keeps it
# How long a change removing more than half of the incidents must stand before it is
# published: a folder briefly gone (git checkout, rsync) comes back well within it.
MASS_REMOVAL_WAIT = timedelta(seconds=30)
HELD = "held"  # the id of the job that looks again once a mass removal may have stood


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


def boundaries(site: Site, now: datetime,
               settled: Settled | None = None) -> list[tuple[datetime, str]]:
    """The instants after ``now`` at which the published page changes by itself.

    A maintenance's start and end, and the day it is first listed as upcoming; a
    promised next update (it leaves the page, and may be overdue); an incident or update
    written ahead of time (it appears). A closed incident or maintenance (completed,
    cancelled, resolved) has no start, end or promise left. Each instant once, in UTC,
    soonest first, with every reason for it.
    """
    found: dict[datetime, list[str]] = defaultdict(list)
    horizon = timedelta(days=site.config.upcoming_days)

    def add(moment: datetime, reason: str) -> None:
        if moment > now:
            found[moment.astimezone(UTC)].append(reason)

    for view in Snapshot(site, now, settled).views.values():
        incident = view.incident
        closed = view.status in CLOSED_STATUSES
        if incident.maintenance is not None:
            if not closed:
                add(incident.maintenance.start.astimezone(UTC) - horizon,
                    f"maintenance {incident.id} is listed as upcoming")
                add(incident.maintenance.start, f"maintenance {incident.id} starts")
                add(incident.maintenance.end, f"maintenance {incident.id} ends")
        else:
            add(incident.started, f"incident {incident.id} starts")
        if incident.next_update is not None and not closed:  # late once its grace is over
            add(incident.next_update + site.config.promise_grace,
                f"update promised for {incident.id}")
        for update in incident.updates:
            add(update.time, f"{update.status} update of {incident.id} appears")
    return [(moment, ", ".join(reasons)) for moment, reasons in sorted(found.items())]


def overdue(site: Site, now: datetime, settled: Settled | None = None) -> list[IncidentView]:
    """Open incidents whose promised update time has passed with no update at or after it."""
    return [view for view in Snapshot(site, now, settled).views.values() if view.late]


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Edition:
    """One edition the daemon keeps current: its folder, its loader (in memory: loading
    again re-reads only the files that changed, and a broken file is kept as it last
    loaded without error), and its content."""

    def __init__(self, name: Edition, out: Path, loader: Loader,
                 load: Callable[[Path], Site] | None = None):
        self.name = name
        self.out = out  # resolved
        self.loader = loader
        self._load = load
        self.found: sources.Found | None = None  # the poll's look, for the next load
        self.site: Site | None = None  # the content as last loaded without error
        self.good: Site | None = None  # the content of the last build that succeeded
        self.warnings: tuple = ()
        self.errors: list[str] = []  # the located content errors the last round found
        self.built: datetime | None = None  # when the last build that succeeded ended
        self.held: tuple[datetime, frozenset[str]] | None = None  # a mass removal: since, ids

    def load(self, root: Path) -> Site:
        """The content, from the poll's look when one is waiting (it just scanned the
        files), else from a scan of its own."""
        found, self.found = self.found, None
        if self._load is not None:
            return self._load(root)
        return self.loader.load(lenient=True, found=found)


class Daemon:
    """Rebuilds ``root`` into ``out`` on every trigger, one build at a time; with
    ``desk_out``, the support desk's edition into it too, after the public one, with the
    same triggers and the same fallback.

    ``clock``, ``build`` and ``load`` are parameters so that tests drive it without
    waiting; ``scheduler`` is any APScheduler 3 scheduler (a BackgroundScheduler in UTC
    by default). Every trigger ends in ``request(reason)``. ``allow_mass_removal``
    publishes a change that removes most incidents at once without holding it.
    """

    def __init__(self, root: Path, out: Path | None = None, url: str | None = None,
                 every: timedelta = DEFAULT_EVERY, on_overdue: str | None = None,
                 clock: Callable[[], datetime] = utc_now, build=build_site, load=None,
                 scheduler: BaseScheduler | None = None, followers: Sequence[Follower] = (),
                 desk_out: Path | None = None, monitor: Monitor | None = None,
                 allow_mass_removal: bool = False):
        self.root = root
        self.monitor = monitor  # told of each round of builds (--on-error, --metrics)
        self.allow_mass_removal = allow_mass_removal
        self._claims: list[int] = []  # the locks on the output folders, while running
        self.followers = tuple(followers)  # told of each build of the public edition
        self.out = out
        self.url = url
        self.every = every
        self.on_overdue = on_overdue
        self.clock = clock
        self.build = build
        self.caches = Caches()  # what each build may reuse from the one before it
        self.loader = Loader(root, cache=cache_for(self._out))
        self.editions = [_Edition(PUBLIC, self._out, self.loader, load)]
        if desk_out is not None:
            folder = desk_out.resolve()
            if folder == self._out:
                raise StatusPageError(f"--desk-out {folder} is the public site's folder: give "
                                      "the desk edition a folder of its own, e.g. build-desk/")
            if folder.is_relative_to(self._out) or self._out.is_relative_to(folder):
                raise StatusPageError(f"--desk-out {folder} and the public site's folder "
                                      f"{self._out} are one inside the other (the desk would "
                                      "be served with the public site, or hold it): give "
                                      "each edition a folder of its own, side by side, e.g. "
                                      "build/ and build-desk/")
            self.editions.append(_Edition(DESK, folder, DeskLoader(
                root, cache=cache_for(folder))))
        self.scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._building = False
        self._stopping = False
        self._pending: list[str] = []
        self._poll_lock = threading.Lock()
        self._files: dict[str, object] = {}
        self._fired: set[datetime] = set()  # instants whose job has run
        self._planned: tuple = ()
        # Promises already reminded, kept beside the output so a restart does not remind again.
        self._reminders = (out or root / "build").resolve().parent / REMINDED
        self._reminded: set[tuple[str, datetime]] = _read_reminded(self._reminders)
        self._hooks: list[threading.Thread] = []
        self._watcher = Watcher(root, self._wake)
        self._generations = collector.Generations()

    # -- running -----------------------------------------------------------------------

    def claim(self) -> None:
        """Lock each output folder for this daemon, or refuse: two daemons on one output
        would build, publish and send everything twice."""
        if not self._claims:
            try:
                for edition in self.editions:
                    self._claims.append(_claim(edition.out))
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
        found, self._files = sources.look(self.root)
        for edition in self.editions:
            edition.found = found
        self.scheduler.start(paused=paused)
        self.scheduler.add_job(self.poll, IntervalTrigger(seconds=POLL.total_seconds(),
                                                          timezone=UTC),
                               id="watch", name="content files changed", max_instances=2,
                               coalesce=True)
        every = f"every {period_text(self.every)}"
        self.scheduler.add_job(self.request, IntervalTrigger(seconds=self.every.total_seconds(),
                                                             timezone=UTC),
                               args=(every,), id="every", name=every, coalesce=True)
        self._watcher.start()
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
            for note in edition.loader.save(force=True):
                log.warning("%s", note)
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
        for thread in self._hooks:
            thread.join(HOOK_TIMEOUT)

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

    def request(self, reason: str) -> None:
        """Rebuild now, or once more after the build in progress: builds never overlap.

        The first caller builds; callers arriving during its build leave their reason
        and return at once, and the builder then builds once more for all of them.
        """
        with self._lock:
            if self._stopping:
                return
            self._pending.append(reason)
            if self._building:
                return
            self._building = True
        try:
            while True:
                with self._lock:
                    if not self._pending or self._stopping:
                        self._pending = []
                        self._building = False
                        self._idle.notify_all()
                        return
                    reasons, self._pending = self._pending, []
                self._rebuild(_joined(reasons))
        except BaseException:
            with self._lock:
                self._building = False
                self._idle.notify_all()
            raise

    def poll(self) -> None:
        """Compare the content files' names, times, sizes and inodes with the last look."""
        with self._poll_lock:
            found, files = sources.look(self.root)
            changed = sorted(name for name in files.keys() | self._files.keys()
                             if files.get(name) != self._files.get(name))
            self._files = files
        if changed:
            for edition in self.editions:
                edition.found = found
            what = printable(changed[0]) if len(changed) == 1 else f"{len(changed)} files"
            self.request(f"{what} changed")
        else:
            for edition in self.editions:
                if edition.good is not None and not (edition.out / MARKER).exists():
                    self.request(f"{_shown(edition.out)} is missing")
                    break

    def _wake(self) -> None:
        """A content file changed, the system says (see ``watching``): a look in ``WAKE``,
        unless one is already coming. Two may run, as with the looks every second: the look
        that found the last change builds in its own job, and a change saved meanwhile is
        then left for the build after it by a second look."""
        if self._stopping:
            return
        try:
            self.scheduler.add_job(self.poll, DateTrigger(datetime.now(UTC) + WAKE),
                                   id=WOKEN, name="a content file changed",
                                   max_instances=2, misfire_grace_time=None)
        except ConflictingIdError:
            pass

    def at(self, moment: datetime, reason: str) -> None:
        """The job at one of the site's boundaries."""
        with self._lock:
            self._fired.add(moment)
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

    @property
    def load(self) -> Callable[[Path], Site]:
        return self.editions[0].load

    # -- one build ---------------------------------------------------------------------

    def _rebuild(self, reason: str) -> None:
        """Build each edition, then plan the next builds and remind of late promises. The
        site in memory is frozen after, so that no pass of the cycle collector goes over
        it between two builds (see ``collector``)."""
        now = self.clock()
        with self._generations.rebuilding():
            for edition in self.editions:
                self._rebuild_edition(edition, reason, now)
            if self.site is not None:
                self._reschedule(self.site, now)
                self._remind(self.site, now)
        self._monitored(now)

    def _rebuild_edition(self, edition: _Edition, reason: str, now: datetime) -> None:
        """Load, then build. When the content cannot be loaded or built, for whatever
        reason, the last content that built is built again for the new moment, so the page
        still changes on time (a maintenance starts, a promise passes, another incident's
        update appears) while the broken file waits to be fixed."""
        shown = _shown(edition.out)
        candidates: list[tuple[Site, str]] = []
        fallback = "; publishing the last good content until it is fixed"
        edition.errors = []
        loaded: Site | None = None  # news to announce, unless held
        try:
            loaded = edition.load(self.root)
            if held := self._held(edition, loaded, now):
                loaded = None
                raise ContentError([Problem("incidents/", 0, held)])
            edition.site = loaded
            edition.errors = [str(problem) for problem in edition.site.errors]
            if edition.name == PUBLIC:
                self._tell_loaded(loaded, now)
            kept = ""
            if edition.site.errors:
                log.error("content error (%s): %s; the other files are published, and each "
                          "broken one as it last loaded without error, until it is fixed",
                          reason, "; ".join(map(str, edition.site.errors)))
                kept = ", keeping the broken files as they last were"
            candidates.append((edition.site, kept))
        except Exception as err:  # any failure falls back
            edition.errors = _problems(err)
            if edition.good is None:
                log.error("not rebuilt %s (%s): %s", shown, reason, _why(err))
            else:
                what = "content error" if isinstance(err, ContentError) else \
                    "cannot load the content"
                log.error("%s (%s): %s%s", what, reason, _why(err), fallback)
        if edition.good is not None and all(site is not edition.good for site, _ in candidates):
            candidates.append((edition.good, " from the last good content"))
        # The desk warns agents once it is older than twice --every (its page says it).
        options = BuildOptions(self.out if edition.name == PUBLIC else edition.out,
                               url=self.url, now=now, edition=edition.name, every=self.every)
        for number, (site, source) in enumerate(candidates, 1):
            try:
                result = self.build(self.root, options, site=site, caches=self.caches)
            except Exception as err:  # a bug must not stop the publishing: say it, carry on
                if isinstance(err, ContentError) and site is edition.site:
                    edition.errors += map(str, err.problems)  # it does not render
                # No content can be written where the output cannot: one line, no fallback.
                last = number == len(candidates) or isinstance(err, OutputError)
                end = "; the site online stays as it was" if last else fallback
                if isinstance(err, StatusPageError):
                    log.error("not rebuilt %s (%s): %s%s", shown, reason, _why(err), end)
                else:
                    log.exception("not rebuilt %s (%s)%s", shown, reason, end)
                if last:
                    break
                continue
            edition.good = site
            edition.built = self.clock()
            log.info("rebuilt %s (%s)%s: %s in %.1f s", shown, reason, source,
                     count(result.pages, "page"), result.seconds)
            log.debug("%d rendered, %d kept", result.rendered, result.pages - result.rendered)
            for note in edition.loader.save():  # after the swap: the page is live already
                log.warning("%s", note)
            for follower in self.followers if edition.name == PUBLIC else ():
                try:
                    follower.built(site, now, news=site is loaded)
                except Exception:  # a bug must not stop the publishing: say it, carry on
                    log.exception("after the build of %s", shown)
            for note in result.notes:
                log.warning("%s", note)
            if result.warnings != edition.warnings:
                for warning in result.warnings:
                    log.warning("%s", warning)
                edition.warnings = result.warnings
            break

    def _tell_loaded(self, site: Site, now: datetime) -> None:
        for follower in self.followers:
            try:
                follower.loaded(site, now)
            except Exception as err:  # the build goes on: say it
                if isinstance(err, StatusPageError):
                    log.error("%s", _why(err))
                else:
                    log.exception("after loading the content")

    def _held(self, edition: _Edition, site: Site, now: datetime) -> str | None:
        """Why ``site`` is held back, if it is: it removes more than half of the incidents
        of the last good build at once (and more than one), and has not yet stood for
        ``MASS_REMOVAL_WAIT`` (a look is planned then) nor is allowed."""
        before = {i.id for i in edition.good.incidents} if edition.good else set()
        gone = frozenset(before - {i.id for i in site.incidents})
        if self.allow_mass_removal or len(gone) < 2 or 2 * len(gone) <= len(before):
            edition.held = None
            return None
        if edition.held is None or edition.held[1] != gone:
            edition.held = (now, gone)
            self._look_again(now + MASS_REMOVAL_WAIT)
        elif now - edition.held[0] >= MASS_REMOVAL_WAIT:
            log.warning("%d of %d incidents removed at once, as for %s s: published",
                        len(gone), len(before), int(MASS_REMOVAL_WAIT.total_seconds()))
            edition.held = None
            return None
        named = ", ".join(sorted(gone)[:3]) + (", …" if len(gone) > 3 else "")
        return (f"{len(gone)} of {len(before)} incidents removed at once ({named}): held "
                f"until this has stood for {int(MASS_REMOVAL_WAIT.total_seconds())} s, in "
                "case a folder is only briefly gone (restore the files, or run with "
                "--allow-mass-removal to publish it at once)")

    def _look_again(self, moment: datetime) -> None:
        if self.scheduler.running and not self._stopping:
            self.scheduler.add_job(self.request, DateTrigger(moment, timezone=UTC),
                                   args=("a removal of incidents held",), id=HELD,
                                   name="a removal of incidents held", replace_existing=True,
                                   misfire_grace_time=None)

    def _reschedule(self, site: Site, now: datetime) -> None:
        """One job per boundary still to come; jobs for boundaries gone are removed."""
        with self._lock:
            self._fired = {moment for moment in self._fired if moment > now - timedelta(hours=1)}
            fired = set(self._fired)
        wanted = {f"{AT}{moment.isoformat()}": (moment, reason)
                  for moment, reason in boundaries(site, now, self.caches.settled)
                  if moment not in fired}
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
            if wanted:
                moment, reason = min(wanted.values())
                local = moment.astimezone(site.config.timezone)
                log.info("%d rebuild%s planned; the next at %s (%s)", len(wanted),
                         "s" if len(wanted) > 1 else "", f"{local:%Y-%m-%d %H:%M:%S %Z}",
                         reason)
            else:
                log.info("no rebuild planned but the periodic one")

    # -- monitoring --------------------------------------------------------------------

    def _monitored(self, now: datetime) -> None:
        """Tell the monitor what the round found: every edition's errors, each once."""
        if self.monitor is not None:
            errors = dict.fromkeys(e for edition in self.editions for e in edition.errors)
            self.monitor.observed(Round(tuple(errors), self.good, self.editions[0].built, now))

    # -- reminders ---------------------------------------------------------------------

    def _remind(self, site: Site, now: datetime) -> None:
        """Warn once per missed promise, and run --on-overdue for it."""
        lang = site.config.default_language
        for incident in overdue(site, now, self.caches.settled):
            promised = (incident.late or now).astimezone(site.config.timezone)
            key = (incident.id, promised)
            if key in self._reminded:
                continue
            self._reminded.add(key)
            _write_reminded(self._reminders, self._reminded, site)
            title = incident.title.get_in(lang, lang).value
            log.warning("overdue: %s (%s) promised an update at %s and has none since",
                        incident.id, title, f"{promised:%Y-%m-%d %H:%M %Z}")
            if self.on_overdue:
                env = {"STATUSPAGE_INCIDENT_ID": incident.id,
                       "STATUSPAGE_INCIDENT_TITLE": title,
                       "STATUSPAGE_NEXT_UPDATE": promised.isoformat()}
                thread = threading.Thread(target=self._run_hook, args=(incident.id, env),
                                          name=f"on-overdue {incident.id}", daemon=True)
                self._hooks = [t for t in self._hooks if t.is_alive()] + [thread]
                thread.start()

    def wait_for_followers(self, timeout: float | None = None) -> None:
        """Until the publishes and webhook deliveries started so far are done."""
        for follower in self.followers:
            follower.wait(timeout)

    def wait_for_reminders(self) -> None:
        """Wait for the --on-overdue commands started so far."""
        for thread in list(self._hooks):
            thread.join(HOOK_TIMEOUT)

    def _run_hook(self, incident_id: str, env: dict[str, str]) -> None:
        if not self.on_overdue:
            return
        try:
            done = subprocess.run(self.on_overdue, shell=True, env={**os.environ, **env},
                                  capture_output=True, text=True, timeout=HOOK_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.SubprocessError) as err:
            log.error("--on-overdue failed for %s: %s", incident_id, err)
            return
        if done.returncode:
            detail = (done.stderr.strip().splitlines() or [""])[-1]
            log.error("--on-overdue failed for %s: exit status %d%s", incident_id,
                      done.returncode, f": {detail}" if detail else "")
        else:
            log.info("--on-overdue ran for %s", incident_id)


def _read_reminded(path: Path) -> set[tuple[str, datetime]]:
    try:
        return {(item, datetime.fromisoformat(moment))
                for item, moment in json.loads(path.read_text(encoding="utf-8"))}
    except FileNotFoundError:
        return set()
    except (OSError, ValueError, TypeError) as err:
        log.warning("%s unreadable (%s): a missed promise may be reminded again", path, err)
        return set()


def _write_reminded(path: Path, reminded: set[tuple[str, datetime]], site: Site) -> None:
    """Save the reminded promises that still stand (in one step: never half a file)."""
    standing = {(i.id, i.next_update) for i in site.incidents if i.next_update is not None}
    items = sorted([item, moment.isoformat()] for item, moment in reminded & standing)
    try:
        files.write_atomic(path, (json.dumps(items) + "\n").encode("utf-8"))
    except OSError as err:
        log.warning("cannot save %s (%s): a restart may remind again", path, err)


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
                    and getattr(job, "id", None) == "watch")


def _joined(reasons: list[str]) -> str:
    unique = list(dict.fromkeys(reasons))
    if len(unique) > 3:
        return f"{', '.join(unique[:3])} and {len(unique) - 3} more"
    return ", ".join(unique)


def _problems(err: Exception) -> list[str]:
    """What a failure to load says, one located message per problem."""
    return [str(p) for p in err.problems] if isinstance(err, ContentError) else [_why(err)]


def _why(err: Exception) -> str:
    """An error on one line: a content error's problems, or the exception."""
    if isinstance(err, ContentError):
        return "; ".join(map(str, err.problems))
    if isinstance(err, StatusPageError):
        return " ".join(err.format_message().split())
    return f"{type(err).__name__}: {err}"


def _shown(path: Path) -> str:
    path = path.resolve()
    cwd = Path.cwd().resolve()
    text = str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
    return text.rstrip("/") + "/"


def _claim(out: Path) -> int:
    """Lock ``out`` for this process (a lock file beside it, held until the process ends,
    however it ends), or say who holds it."""
    path = out.with_name(RUNNING + out.name)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise StatusPageError(f"cannot lock {_shown(out)} for this daemon: {err.strerror} "
                              f"({path}): make its parent folder writable") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise StatusPageError(
            f"another 'statuspage run'{f' (pid {holder})' if holder.isdigit() else ''} "
            f"already keeps {_shown(out)}: two daemons on one output would build, publish "
            "and send every update twice. Stop that one first, or give this one its own "
            "--out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd
