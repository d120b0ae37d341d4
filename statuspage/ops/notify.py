"""E-mail notifications: each new update mailed once to each subscriber who follows it.

After a build is published (``statuspage run --notify``, or once with ``statuspage
notify``), every update not seen yet is queued in the outbox (``statuspage.ops.outbox``), one
message per address that follows the incident, one of its services or everything: the
channel is ``mail <address>``, the event ``update <incident>#<anchor>``, so the outbox's
key keeps a (subscriber, update) from being queued twice, across restarts too. The update
is marked seen only once all its messages are queued; a process killed while queueing
queues the rest when started again.

A pool of senders (``Postman``), each with its own connection to the relay, takes the
waiting messages in queue order; what the relay accepted is recorded as delivered in
batches (one transaction while the next messages go), so a kill -9 sends again at most
what was in flight and not yet recorded. A 4xx reply or an unreachable relay leaves the
message waiting for the next round, after a doubling delay; a 5xx counts as a bounce of
the address, dropped after three.

At the first start (no baseline in the outbox), what stands counts as sent: history is
never mailed. An incident's subscribers get its updates until 90 days after it ended (the
resolution, then a postmortem); then that subscription ends. A promised update time that
passes with no update sends one "late" message to the incident's subscribers, unless
``subscriptions: {late_notice: false}``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from statuspage import addresses
from statuspage.model import Site, Update
from statuspage.ops import mail
from statuspage.ops.backoff import Backoff
from statuspage.ops.outbox import DELIVERED, DROPPED, RETRY, Message, Outbox, Outcome
from statuspage.ops.subscribers import Store
from statuspage.state.settled import Settled
from statuspage.state.status import IncidentView, Snapshot

log = logging.getLogger("statuspage.ops.mail")

STREAM = "mail"
BASELINE = f"baseline {STREAM}"
PREFIX = "mail "
FOLLOW = timedelta(days=90)  # an incident's subscribers hear of it this long after its end
CHUNK = 1000  # messages queued per transaction
WORKERS = 4  # connections to the relay at once
UNRECORDED = 16  # messages sent (or being sent) and not yet recorded as delivered, at most
BACKOFF = Backoff(attempts=None)  # rounds until stopped, 2 s after a failed one, doubling


def update_event(incident_id: str, anchor: str) -> str:
    return f"update {incident_id}#{anchor}"


def late_event(incident_id: str, late: datetime) -> str:
    return f"late {incident_id}@{late.astimezone(UTC).isoformat()}"


class Mailer:
    """Queues in ``outbox`` the messages each build makes due, for the subscribers in
    ``store``, and has ``postman`` deliver them. A daemon follower (``loaded``, ``built``,
    ``wait``, ``close``) like the webhooks' Notifier."""

    def __init__(self, store: Store, outbox: Outbox, postman: Postman):
        self.store = store
        self.outbox = outbox
        self.postman = postman
        self._lock = threading.Lock()
        self.settled: Settled | None = None  # the daemon's, once it shares it

    def share(self, settled: Settled) -> None:
        """The daemon's memory of settled incidents, kept by its builds: this follower's
        Snapshots reuse those views instead of deriving the whole history again."""
        self.settled = settled

    def loaded(self, site: Site, now: datetime) -> None:
        """At a first start, what stands is recorded as seen; what waits goes out."""
        settings = site.config.subscriptions
        if settings is None:
            return
        self.postman.sender = settings.sender
        with self._lock:
            if self.outbox.meta(BASELINE) is None:
                self._baseline(site, now)
        self.postman.wake()

    def built(self, site: Site, now: datetime, news: bool = True) -> int:
        """Queue the messages for what ``site`` at ``now`` holds that is new; how many."""
        settings = site.config.subscriptions
        if settings is None or not news:
            return 0
        self.postman.sender = settings.sender
        with self._lock:
            if self.outbox.meta(BASELINE) is None:
                self._baseline(site, now)
                queued = 0
            else:
                queued = self._queue_new(site, now)
        self.postman.wake()
        return queued

    def wait(self, timeout: float | None = None) -> bool:
        return self.postman.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        self.postman.close(timeout)

    # -- what is new ---------------------------------------------------------------------

    def _events(self, site: Site, now: datetime) -> Iterator[
            tuple[str, IncidentView, Update | None, datetime | None]]:
        """(event, incident view, update or None, late time) of everything mailable."""
        snap = Snapshot(site, now, self.settled)
        late_notice = site.config.subscriptions is not None \
            and site.config.subscriptions.late_notice
        for view in sorted(snap.published, key=lambda v: (v.started, v.id)):
            for update in reversed(view.updates):  # oldest first
                yield update_event(view.id, update.anchor), view, update, None
            if late_notice and view.late is not None:
                yield late_event(view.id, view.late), view, None, view.late

    def _baseline(self, site: Site, now: datetime) -> None:
        events = [event for event, *_ in self._events(site, now)]
        self.outbox.record(STREAM, events, meta={BASELINE: now.astimezone(UTC).isoformat()})
        log.info("mail: %d updates already published count as sent", len(events))

    def _queue_new(self, site: Site, now: datetime) -> int:
        seen = self.outbox.seen(STREAM)
        queued = 0
        over = []
        for event, view, update, late in self._events(site, now):
            if event in seen:
                continue
            if view.ended is not None and view.ended < now - FOLLOW:
                over.append(view.id)
                self.outbox.record(STREAM, [event])
                continue
            queued += self._queue_event(site, event, view, update, late)
        for view in Snapshot(site, now, self.settled).published:
            if view.ended is not None and view.ended < now - FOLLOW:
                over.append(view.id)
        if over:
            self.store.end_incidents(over)
        return queued

    def _queue_event(self, site: Site, event: str, view: IncidentView, update: Update | None,
                     late: datetime | None) -> int:
        """Every message of one event, in chunks; the event seen with the last chunk."""
        settings = site.config.subscriptions
        assert settings is not None  # built() said so
        if late is not None:
            recipients: Iterable = self.store.incident_recipients(view.id)
        else:
            recipients = self.store.recipients(view.id, list(view.components))
        chunk: list[Message] = []
        count = 0
        templates: dict[str, mail.Template] = {}  # one per language
        for number, address, lang in recipients:
            lang = lang if lang in site.config.languages else site.config.default_language
            if lang not in templates:
                to = mail.Addressing(settings.sender, mail.TO, addresses.incident(
                    mail.edition_url(site, lang), view.id), mail.LEAVE)
                templates[lang] = mail.Template(mail.update_message(
                    site, view.incident, update, lang, to, late=late))
            body = templates[lang].render(
                address, f"{settings.url}/leave/{self.store.leave_token(number)}",
                mail.message_id(site))
            chunk.append(Message(mail.channel(address), event, body))
            count += 1
            if len(chunk) == CHUNK:
                self.outbox.record(STREAM, [], messages=chunk)
                chunk = []
        self.outbox.record(STREAM, [event], messages=chunk)
        log.info("mail: %s queued for %d subscribers", event, count)
        return count


class Postman:
    """Delivers the outbox's waiting mail with ``workers`` connections to ``relay``; a
    message the relay did not take waits for the next round, as ``backoff`` says (its
    ``attempts``: the rounds, None until closed as in the daemon, a few for the notify
    command). ``sender`` is the envelope's From."""

    def __init__(self, outbox: Outbox, relay: mail.Relay | None, store: Store | None = None,
                 *, sender: str = "", workers: int = WORKERS, backoff: Backoff = BACKOFF):
        self.outbox = outbox
        self.relay = relay
        self.store = store
        self.sender = sender
        self.workers = workers
        self.backoff = backoff
        self._closing = threading.Event()
        self._changed = threading.Condition()
        self._asked = False
        self._busy = False
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.left = 0  # waiting after the last round

    def wake(self) -> None:
        if self.relay is None:
            return
        with self._changed:
            if self._closing.is_set():
                return
            self._asked = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mail", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._asked and not self._busy,
                                          timeout)

    def close(self, timeout: float | None = None) -> None:
        with self._changed:
            self._closing.set()
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._asked or self._closing.is_set())
                if self._closing.is_set():
                    self._asked = False
                    self._changed.notify_all()
                    return
                self._asked, self._busy = False, True
            try:
                retry = self._round()
            except Exception:  # a bug must not stop the deliveries: say it, carry on
                log.exception("mail delivery failed")
                retry = True
            failures = failures + 1 if retry else 0
            if retry and not self.backoff.gives_up(failures) and not self._closing.is_set():
                delay = self.backoff.delay(failures)
                log.warning("mail: %d messages wait for the relay; trying again in %g s",
                            self.left, delay)
                (self.backoff.sleep or self._closing.wait)(delay)
                with self._changed:
                    self._asked = True
            with self._changed:
                self._busy = False
                self._changed.notify_all()

    def _round(self) -> bool:
        """Send what waits; True when some is left for a next round."""
        assert self.relay is not None
        known = self.store.addresses() if self.store is not None else None
        bouncing = self.store.bouncing() if self.store is not None else set()
        todo: queue.Queue[Message | None] = queue.Queue(maxsize=4 * 500)
        results: queue.Queue[tuple[Message, Outcome]] = queue.Queue()
        stop = threading.Event()  # the relay is down: the rest waits for the next round
        # Sent but not yet recorded as such: a kill -9 sends these again, so there are few.
        unrecorded = threading.BoundedSemaphore(UNRECORDED)
        senders = [threading.Thread(target=self._send_all,
                                    args=(todo, results, stop, known, unrecorded),
                                    daemon=True, name=f"mail sender {n}")
                   for n in range(self.workers)]
        recorder = threading.Thread(target=self._record, args=(results, bouncing, unrecorded),
                                    daemon=True, name="mail recorder")
        for thread in (*senders, recorder):
            thread.start()
        last = 0
        while not stop.is_set() and not self._closing.is_set():
            batch = self.outbox.pending(PREFIX, after=last, limit=500)
            if not batch:
                break
            for message in batch:
                todo.put(message)
            last = batch[-1].id
        for _ in senders:
            todo.put(None)
        for thread in senders:
            thread.join()
        results.put((Message("", "", b""), Outcome("end")))
        recorder.join()
        self.left = self.outbox.count_pending(PREFIX)
        return self.left > 0 and not self._closing.is_set()

    def _send_all(self, todo: queue.Queue, results: queue.Queue, stop: threading.Event,
                  known: set[str] | None, unrecorded: threading.BoundedSemaphore) -> None:
        assert self.relay is not None
        connection = mail.Connection(self.relay)
        try:
            while (message := todo.get()) is not None:
                if stop.is_set() or self._closing.is_set():
                    continue  # drained: it waits for the next round
                address = mail.address_of(message.channel)
                # known was read at the round's start: a request stored since is asked for
                unrecorded.acquire()
                if known is not None and address not in known:
                    if self.store is None or not self.store.has(address):
                        results.put((message, Outcome(DROPPED, "no longer subscribed")))
                        continue
                    known.add(address)
                outcome = connection.send(self.sender, address, message.body)
                if outcome.state == RETRY and outcome.note.startswith("relay "):
                    log.error("mail: %s; what waits goes at the next round", outcome.note)
                    stop.set()
                results.put((message, outcome))
        finally:
            connection.close()

    def _record(self, results: queue.Queue, bouncing: set[str],
                unrecorded: threading.BoundedSemaphore) -> None:
        """Group commit: what was sent meanwhile, in one transaction, again and again."""
        ending = False
        while not ending:
            batch = [results.get()]
            while True:
                try:
                    batch.append(results.get_nowait())
                except queue.Empty:
                    break
            done = []
            for message, outcome in batch:
                if outcome.state == "end":
                    ending = True
                elif outcome.state == DELIVERED:
                    done.append((message, DELIVERED, outcome.note))
                    self.sent += 1
                elif outcome.state == DROPPED:
                    done.append((message, DROPPED, outcome.note))
            if done:
                self.outbox.finished(done)
            for _message, outcome in batch:
                if outcome.state != "end":
                    unrecorded.release()
            for message, state, note in done:
                address = mail.address_of(message.channel)
                if self.store is None:
                    continue
                if state == DROPPED and note != "no longer subscribed":
                    gone = self.store.bounced(address)
                    log.warning("mail to %s refused (%s)%s", address, note,
                                "; dropped after 3 refusals" if gone else "")
                elif state == DELIVERED and address in bouncing:
                    self.store.delivered(address)
                    bouncing.discard(address)
