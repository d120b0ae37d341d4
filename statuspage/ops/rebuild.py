"""One edition's rebuild in the daemon: load, hold back a mass removal, build, fall back.

When the content cannot be loaded or built, for whatever reason, the last content that
built is built again for the new moment, so the page still changes on time (a maintenance
starts, a promise passes, another incident's update appears) while the broken file waits
to be fixed. A change that removes more than half of the incidents at once (a folder
vanished during a ``git checkout`` or an rsync) is held back the same way until it has
stood for ``MASS_REMOVAL_WAIT``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Protocol

from statuspage.content import sources
from statuspage.content.edition import PUBLIC, Edition
from statuspage.content.loader import Loader
from statuspage.errors import ContentError, OutputError, Problem, StatusPageError, count
from statuspage.freeze.build import BuildOptions, BuildResult, Caches
from statuspage.model import Site
from statuspage.ops.statefiles import shown
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot

log = logging.getLogger("statuspage.ops.daemon")

# How long a change removing more than half of the incidents must stand before it is
# published: a folder briefly gone (git checkout, rsync) comes back well within it.
MASS_REMOVAL_WAIT = timedelta(seconds=30)
FALLBACK = "; publishing the last good content until it is fixed"
ID = attrgetter("id")
# Parse-cache rows written at once, after a build and while nothing is to be built (about
# 0.1 s at 10,000 incidents: 1,000 rows of 10,000 took 0.1 s): what a save may wait for.
SAVE_SLICE = 1000
Candidates = list[tuple[Site, str]]  # what to build, in turn until one builds: why it is


class Follower(Protocol):
    """What runs after each build that succeeded (outbound.Publisher, outbound.Notifier).

    ``loaded`` is told of the public content as loaded, before its build; ``built`` of each
    build, ``news`` False when it is the last good content built again (broken or held
    content: nothing to announce)."""

    def loaded(self, site: Site, now: datetime) -> None: ...

    def built(self, site: Site, now: datetime, news: bool = True) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...

    def close(self, timeout: float | None = None) -> None: ...


class Keeper(Protocol):
    """What a rebuild needs of the daemon that keeps the edition (read at each rebuild:
    tests replace ``build`` and move ``clock``)."""

    root: Path
    out: Path | None  # as given: the public build is called with it
    url: str | None
    every: timedelta
    allow_mass_removal: bool
    clock: Callable[[], datetime]
    build: Callable[..., BuildResult]
    followers: Sequence[Follower]

    def look_again(self, moment: datetime) -> None: ...


class KeptEdition:
    """One edition the daemon keeps current: its folder, its loader (in memory: loading
    again re-reads only the files that changed, and a broken file is kept as it last
    loaded without error), and its content."""

    def __init__(self, name: Edition, out: Path, loader: Loader, caches: Caches,
                 load: Callable[[Path], Site] | None = None):
        self.name = name
        self.out = out  # resolved
        self.loader = loader
        # What each of its builds may reuse from the one before: its own, as its incidents
        # are (the desk's loader makes its own): the memories kept by position (runs,
        # chunks) would be taken in turn by the other edition, and reused by neither.
        self.caches = caches
        self._load = load
        self.found: sources.Found | None = None  # the poll's look, for the next load
        self.site: Site | None = None  # the content as last loaded without error
        self.good: Site | None = None  # the content of the last build that succeeded
        self.warnings: tuple = ()
        self.errors: list[str] = []  # the located content errors the last round found
        self.built: datetime | None = None  # when the last build that succeeded ended
        self.held: tuple[datetime, frozenset[str]] | None = None  # a mass removal: since, ids
        self._good_ids: tuple[Site | None, set[str]] = (None, set())  # the good one's ids
        self._save_failed = False  # the parse cache's last save failed (said once a build)
        # The public build's content and Snapshot, until read (``snapshot``)
        self._shown: tuple[Site, Snapshot | None] | None = None

    def load(self, root: Path) -> Site:
        """The content, from the poll's look when one is waiting (it just scanned the
        files), else from a scan of its own."""
        found, self.found = self.found, None
        if self._load is not None:
            return self._load(root)
        return self.loader.load(lenient=True, found=found)

    def rebuild(self, keeper: Keeper, reason: str, now: datetime) -> None:
        """Load, then build; else build the last content that built, for ``now``."""
        candidates, loaded = self._candidates(keeper, reason, now)
        for number, (site, source) in enumerate(candidates, 1):
            try:
                result = self._build(keeper, site, now)
            except Exception as err:  # a bug must not stop the publishing: say it, carry on
                if self._failed(site, reason, err, number == len(candidates)):
                    break
                continue
            self._built(keeper, site, reason, source, result)
            if self.name == PUBLIC:
                self._tell_built(keeper.followers, site, now, news=site is loaded)
            for note in result.notes:
                log.warning("%s", note)
            if result.warnings != self.warnings:
                for warning in result.warnings:
                    log.warning("%s", warning)
                self.warnings = result.warnings
            break

    def _candidates(self, keeper: Keeper, reason: str,
                    now: datetime) -> tuple[Candidates, Site | None]:
        """The content loaded (unless it cannot be, or is held), then the last good one;
        and the content loaded, news to announce, or None."""
        candidates: Candidates = []
        self.errors = []
        loaded: Site | None = None
        try:
            loaded = self.load(keeper.root)
            if held := self._held(keeper, loaded, now):
                loaded = None
                raise ContentError([Problem("incidents/", 0, held)])
            self.site = loaded
            self.errors = [str(problem) for problem in loaded.errors]
            if self.name == PUBLIC:
                tell_loaded(keeper.followers, loaded, now)
            kept = ""
            if loaded.errors:
                log.error("content error (%s): %s; the other files are published, and each "
                          "broken one as it last loaded without error, until it is fixed",
                          reason, "; ".join(map(str, loaded.errors)))
                kept = ", keeping the broken files as they last were"
            candidates.append((loaded, kept))
        except Exception as err:  # any failure falls back
            self.errors = problems(err)
            if self.good is None:
                log.error("not rebuilt %s (%s): %s", shown(self.out), reason, why(err))
            else:
                what = "content error" if isinstance(err, ContentError) else \
                    "cannot load the content"
                log.error("%s (%s): %s%s", what, reason, why(err), FALLBACK)
        if self.good is not None and all(site is not self.good for site, _ in candidates):
            candidates.append((self.good, " from the last good content"))
        return candidates, loaded

    def _build(self, keeper: Keeper, site: Site, now: datetime) -> BuildResult:
        # The desk warns agents once it is older than twice --every (its page says it). The
        # first build prepares what the next one renders again (``build.BuildOptions``).
        options = BuildOptions(keeper.out if self.name == PUBLIC else self.out, url=keeper.url,
                               now=now, edition=self.name, every=keeper.every,
                               warm=self.built is None)
        return keeper.build(keeper.root, options, site=site, caches=self.caches)

    def _failed(self, site: Site, reason: str, err: Exception, last: bool) -> bool:
        """Say why ``site`` did not build (inside the handler: a bug's traceback is
        logged); whether to stop there."""
        if isinstance(err, ContentError) and site is self.site:
            self.errors += map(str, err.problems)  # it does not render
        # No content can be written where the output cannot: one line, no fallback.
        last = last or isinstance(err, OutputError)
        end = "; the site online stays as it was" if last else FALLBACK
        if isinstance(err, StatusPageError):
            log.error("not rebuilt %s (%s): %s%s", shown(self.out), reason, why(err), end)
        else:
            log.exception("not rebuilt %s (%s)%s", shown(self.out), reason, end)
        return last

    def _built(self, keeper: Keeper, site: Site, reason: str, source: str,
               result: BuildResult) -> None:
        self.good = site
        self.built = keeper.clock()
        if self.name == PUBLIC:  # (the one whose Snapshot the daemon reads: see ``snapshot``)
            self._shown = (site, result.shown)
        log.info("rebuilt %s (%s)%s: %s in %.1f s", shown(self.out), reason, source,
                 count(result.pages, "page"), result.seconds)
        log.debug("%d rendered, %d kept", result.rendered, result.pages - result.rendered)
        self.save_some()  # after the swap: the page is live already

    def snapshot(self, site: Site, now: datetime) -> Snapshot:
        """The public edition's last build's Snapshot when it built ``site`` at ``now``
        (``site`` at the ``--url`` given), its lists worked out; else a new one with this
        edition's memory. Given once, and kept by no other edition: not held past the round
        (at 100,000 incidents, a new one went over every view for the late promises)."""
        held, self._shown = self._shown, None
        if held is not None and held[0] is site and held[1] is not None and \
                held[1].now == now:
            return held[1]
        return Snapshot(site, now, self.caches.settled)

    def save_some(self, idle: bool = False) -> bool:
        """Write ``SAVE_SLICE`` of the parse cache's rows still to be written: after a
        start that parsed every file, all of them would hold up the next update (1 s at
        10,000 incidents), so the time with nothing to build (``idle``) writes the rest.
        Whether some are left. A failure is said, then tried again after the next build,
        not in the seconds between (a folder read only: a warning a second)."""
        if idle and self._save_failed:
            return False
        notes = self.loader.save(SAVE_SLICE)
        self._save_failed = bool(notes)
        for note in notes:
            log.warning("%s", note)
        return not notes and self.loader.unsaved()

    def _tell_built(self, followers: Sequence[Follower], site: Site, now: datetime,
                    news: bool) -> None:
        for follower in followers:
            try:
                follower.built(site, now, news=news)
            except Exception:  # a bug must not stop the publishing: say it, carry on
                log.exception("after the build of %s", shown(self.out))

    def _held(self, keeper: Keeper, site: Site, now: datetime) -> str | None:
        """Why ``site`` is held back, if it is: it removes more than half of the incidents
        of the last good build at once (and more than one), and has not yet stood for
        ``MASS_REMOVAL_WAIT`` (a look is planned then) nor is allowed."""
        if site.same_ids and self.good is not None and site.same_ids == self.good.same_ids:
            self.held = None  # (a load patched from the good one's: no set of 100,000 ids)
            return None
        if self._good_ids[0] is not self.good:  # (a set of every id: once per good content)
            self._good_ids = (self.good, set(map(ID, self.good.incidents)) if self.good
                              else set())
        before = self._good_ids[1]
        gone = frozenset(before.difference(map(ID, site.incidents)))
        if keeper.allow_mass_removal or len(gone) < 2 or 2 * len(gone) <= len(before):
            self.held = None
            return None
        if self.held is None or self.held[1] != gone:
            self.held = (now, gone)
            keeper.look_again(now + MASS_REMOVAL_WAIT)
        elif now - self.held[0] >= MASS_REMOVAL_WAIT:
            log.warning("%d of %d incidents removed at once, as for %s s: published",
                        len(gone), len(before), int(MASS_REMOVAL_WAIT.total_seconds()))
            self.held = None
            return None
        named = ", ".join(sorted(gone)[:3]) + (", …" if len(gone) > 3 else "")
        return (f"{len(gone)} of {len(before)} incidents removed at once ({named}): held "
                f"until this has stood for {int(MASS_REMOVAL_WAIT.total_seconds())} s, in "
                "case a folder is only briefly gone (restore the files, or run with "
                "--allow-mass-removal to publish it at once)")


def desk_folder(desk_out: Path, out: Path) -> Path:
    """The desk edition's folder (``--desk-out``), refused inside or around ``out``."""
    folder = desk_out.resolve()
    if folder == out:
        raise StatusPageError(f"--desk-out {folder} is the public site's folder: give "
                              "the desk edition a folder of its own, e.g. build-desk/")
    if folder.is_relative_to(out) or out.is_relative_to(folder):
        raise StatusPageError(f"--desk-out {folder} and the public site's folder {out} are "
                              "one inside the other (the desk would be served with the "
                              "public site, or hold it): give each edition a folder of its "
                              "own, side by side, e.g. build/ and build-desk/")
    return folder


def share_settled(followers: Sequence[object], settled: Settled) -> None:
    """Hand the daemon's memory of settled incidents (its builds keep it) to each follower
    that derives views (those with ``share``), so that none derives the history again."""
    for follower in followers:
        share = getattr(follower, "share", None)
        if share is not None:
            share(settled)


def tell_loaded(followers: Sequence[Follower], site: Site, now: datetime) -> None:
    for follower in followers:
        try:
            follower.loaded(site, now)
        except Exception as err:  # the build goes on: say it
            if isinstance(err, StatusPageError):
                log.error("%s", why(err))
            else:
                log.exception("after loading the content")


def problems(err: Exception) -> list[str]:
    """What a failure to load says, one located message per problem."""
    return [str(p) for p in err.problems] if isinstance(err, ContentError) else [why(err)]


def why(err: Exception) -> str:
    """An error on one line: a content error's problems, or the exception."""
    if isinstance(err, ContentError):
        return "; ".join(map(str, err.problems))
    if isinstance(err, StatusPageError):
        return " ".join(err.format_message().split())
    return f"{type(err).__name__}: {err}"
