"""What the daemon sends out after each build: the site to object storage, news to webhooks.

Both run beside the builds, never in their way: a build that succeeded wakes them and
returns. The publisher mirrors the output folder in its own thread, retrying with backoff
while the storage is unreachable; builds made meanwhile are folded into its next publish,
and one that still fails waits for the next build (the local build stays the source of
truth: a later publish uploads whatever the storage missed).

Webhooks, when the site is published, follow the publish (``Publisher(then=...)``): an
update is announced once a publish holding it succeeded, so its links lead to pages that
are online, never before. The storage's retries never hold back what is published already:
the webhooks are queued in the outbox and sent by their own threads the moment the publish
that holds them succeeds (the newest build an attempt uploaded, not the one the retries
began with), and what a previous run queued goes out at start, before any publish.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from statuspage.errors import PublishError
from statuspage.model import Site
from statuspage.ops import publish as publishing
from statuspage.ops.backoff import Backoff, retry
from statuspage.ops.rebuild import share_settled
from statuspage.ops.webhooks import Webhooks
from statuspage.state.settled import Settled

log = logging.getLogger("statuspage.ops.daemon")

BACKOFF = Backoff()  # a publish tried 5 times, 2 s after the first failure, then doubling


class Publisher:
    """Publishes ``source`` to ``target`` after each build, running ``invalidate`` after
    each publish that changed something, and trying again as ``backoff`` says while the
    storage is unreachable (its waits cut short by ``close``).

    ``then`` are told of a build once a publish that holds it succeeded (the webhooks, so
    that the pages they link to are online), and of the content as loaded at once (what
    they queued before goes out). ``publish`` is publish.publish's signature, a parameter
    so tests can count calls.
    """

    def __init__(self, source: Path, target: publishing.Target, *,
                 invalidate: str | None = None, backoff: Backoff = BACKOFF,
                 then: Sequence[Notifier] = (),
                 publish: Callable[..., publishing.PublishResult] = publishing.publish):
        publishing.parse_target(target.url)  # a wrong one is said at start, not at each build
        self.source = source
        self.target = target
        self.invalidate = invalidate
        self.backoff = backoff
        self.publish = publish
        self.then = tuple(then)
        self.published = 0  # publishes that succeeded
        self._latest: tuple[Site, datetime, bool] | None = None  # the newest build
        self._wanted = threading.Condition()
        self._dirty = False
        self._busy = False
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def share(self, settled: Settled) -> None:
        """The daemon's memory of settled incidents, for the followers that derive views."""
        share_settled(self.then, settled)

    def loaded(self, site: Site, now: datetime) -> None:
        """The content as loaded, before its build: told to ``then`` at once."""
        for follower in self.then:
            follower.loaded(site, now)

    def built(self, site: Site, now: datetime, news: bool = True) -> None:
        """A build succeeded: publish it (once more after the publish in progress).
        ``news``: False for the last good content built again (``then`` announce nothing)."""
        with self._wanted:
            self._dirty = True
            self._latest = (site, now, news)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="publish", daemon=True)
                self._thread.start()
            self._wanted.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Until nothing is left to publish, nor to send after; False on timeout."""
        with self._wanted:
            done = self._wanted.wait_for(lambda: not self._dirty and not self._busy, timeout)
        return all([done, *(follower.wait(timeout) for follower in self.then)])

    def close(self, timeout: float | None = None) -> None:
        """Stop after the upload in progress (a retry's wait is cut short)."""
        self._closing.set()
        with self._wanted:
            self._wanted.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        for follower in self.then:
            follower.close(timeout)

    def _loop(self) -> None:
        while True:
            with self._wanted:
                self._wanted.wait_for(lambda: self._dirty or self._closing.is_set())
                if self._closing.is_set():
                    self._busy = self._dirty = False
                    self._wanted.notify_all()
                    return
                self._dirty, self._busy = False, True
            try:
                published = self._publish_once()
                if published is not None:
                    self._tell(*published)
            except Exception:  # a bug must not stop the publishing: say it, carry on
                log.exception("not published to %s", self.target.url)
            finally:
                with self._wanted:
                    self._busy = False
                    self._wanted.notify_all()

    def _tell(self, site: Site, now: datetime, news: bool) -> None:
        for follower in self.then:
            try:
                follower.built(site, now, news)
            except Exception:  # a bug must not stop the publishing: say it, carry on
                log.exception("after the publish to %s", self.target.url)

    def _publish_once(self) -> tuple[Site, datetime, bool] | None:
        """Publish (with retries); the build the attempt that succeeded uploaded (each
        attempt mirrors the folder as it is then, the newest build included), or None."""
        attempted: list[tuple[Site, datetime, bool] | None] = [None]

        def retried(err: Exception, delay: float) -> None:
            log.warning("not published to %s: %s; retrying in %g s", self.target.url, err,
                        delay)

        def sleep(delay: float) -> None:
            if self._closing.wait(delay):
                raise PublishError("stopping", transient=False)

        def attempt() -> publishing.PublishResult:
            with self._wanted:  # builds swap the folder whole: this one, or a newer one
                attempted[0] = self._latest
            return self.publish(self.source, self.target)

        backoff = dataclasses.replace(self.backoff, sleep=self.backoff.sleep or sleep)
        try:
            result = retry(attempt, backoff, _transient, on_retry=retried)
        except PublishError as err:
            if not self._closing.is_set():
                log.error("not published to %s: %s; the local build is online at its "
                          "place, and the next build publishes again", self.target.url, err)
            return None
        self.published += 1
        log.info("%s", result.summary())
        if self.invalidate and result.changed:
            try:
                publishing.invalidate(self.invalidate, result)
            except PublishError as err:  # the files are online: the CDN catches up by max-age
                log.error("published to %s, but %s: the CDN may show the previous pages for "
                          "up to %d s", self.target.url, err, self.target.max_age)
        return attempted[0]


class Notifier:
    """Tells the webhooks (``--webhook`` and site.yaml's ``webhooks:``) what each build
    published that is new."""

    def __init__(self, webhooks: Webhooks):
        self.webhooks = webhooks

    def share(self, settled: Settled) -> None:
        self.webhooks.share(settled)

    def loaded(self, site: Site, now: datetime) -> None:
        if self.notifying(site):
            self.webhooks.loaded(site, now)

    def built(self, site: Site, now: datetime, news: bool = True) -> None:
        """``news`` False: the last good content built again while the content is broken
        (or held): nothing is announced; the next good build finds what changed."""
        if news and self.notifying(site):
            self.webhooks.notify(site, now)

    def notifying(self, site: Site) -> bool:
        """Whether there are webhooks to send to."""
        return bool(self.webhooks.urls or site.config.webhooks)

    def pending(self) -> int:
        """Deliveries queued and not yet done (--metrics): webhooks and mail, which share
        the outbox."""
        return self.webhooks.outbox.count_pending("")

    def wait(self, timeout: float | None = None) -> bool:
        return self.webhooks.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        self.webhooks.close(timeout)


def _transient(err: Exception) -> bool:
    """A failure that may pass: the storage unreachable, slow or failing."""
    return isinstance(err, PublishError) and err.transient
