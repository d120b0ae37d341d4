"""The outbox: what leaves the machine (webhooks now, e-mail next) is written here first.

A message is queued durably before anything says its event was seen, and marked
delivered only after the peer's 2xx (or 250); a process killed at any point delivers, once
started again, whatever was queued and not delivered. Only a message in flight at the kill
may go twice.

Messages are keyed by (channel, event): a channel is one recipient (``webhook <digest>``,
later ``mail <address>``), an event one thing that happened (``update <incident>#<anchor>``).
The key is unique, so an event is queued at most once per recipient, whether its message is
waiting, in flight or delivered. A *stream* (``webhooks``, later ``mail``) keeps the events
it has seen, so that a new recipient gets no history, and a few *facts* (a service's status
as last announced) to compare the next build with.

Why SQLite (the standard library's, in WAL mode with ``synchronous=FULL``) rather than an
fsync'd append-only file: queueing the messages of a build and recording its events as
seen must be one atomic step, a delivery must be marked done without rewriting the file,
several threads (and, for ``statuspage notify``, processes) use it at once, and the key
above is a primary key rather than a scan. A commit is on disk (the WAL fsync'd) when it
returns.

The file lives beside the output folder and is named after it (``.statuspage-outbox-build``
for ``build/``), like the parse cache: it belongs to that site's output, so two sites whose
outputs share a parent keep apart.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statuspage import sqlitefiles
from statuspage.errors import StatusPageError
from statuspage.ops import statefiles
from statuspage.ops.backoff import Backoff, retry

log = logging.getLogger("statuspage.ops.outbox")

KIND = "outbox"  # .statuspage-outbox-<output folder>
BACKOFF = Backoff()  # a message tried 5 times, 2 s after the first failure, then doubling
VERSION = 1  # the schema's, in PRAGMA user_version
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (stream TEXT NOT NULL, event TEXT NOT NULL,
                                 PRIMARY KEY (stream, event)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts (stream TEXT NOT NULL, name TEXT NOT NULL,
                                  value TEXT NOT NULL, PRIMARY KEY (stream, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,              -- the queue's order
    channel TEXT NOT NULL, event TEXT NOT NULL,
    body BLOB,                           -- emptied once delivered
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | dropped
    queued TEXT NOT NULL, done TEXT, note TEXT,
    UNIQUE (channel, event));
CREATE INDEX IF NOT EXISTS waiting ON messages (channel, id) WHERE state = 'pending';
"""


def path_for(out: Path) -> Path:
    """The outbox of the site built into ``out``: beside it, named after it."""
    return statefiles.beside(out, KIND)


@dataclass(frozen=True)
class Message:
    channel: str
    event: str
    body: bytes
    id: int = 0  # its place in the queue, once queued


class Outbox:
    """The queue in the file ``path``, opened at first use (nothing is written for a site
    that sends nothing). Safe to share between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            new = not self.path.exists()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.executescript(SCHEMA)
                db.execute(f"PRAGMA user_version={VERSION}")
            except (OSError, sqlite3.Error) as err:
                raise StatusPageError(f"cannot open the outbox {self.path}: {err}; nothing "
                                      "can be sent until it can be written") from None
            if new:  # the file's name on disk too, not only its content
                _sync_folder(self.path.parent)
            self._db = db
        return self._db

    def _write(self, statements: Iterable[tuple[str, tuple]]) -> None:
        """Run ``statements`` in one transaction, on disk when this returns."""
        with self._lock:
            with sqlitefiles.transaction(self._open()) as db:
                for sql, args in statements:
                    db.execute(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._open().execute(sql, args).fetchall()

    # -- what a stream has seen ----------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def seen(self, stream: str) -> set[str]:
        return {event for (event,) in self._read("SELECT event FROM seen WHERE stream = ?",
                                                 (stream,))}

    def facts(self, stream: str) -> dict[str, str]:
        return dict(self._read("SELECT name, value FROM facts WHERE stream = ?", (stream,)))

    def record(self, stream: str, events: Iterable[str], facts: Mapping[str, str] | None = None,
               messages: Iterable[Message] = (), meta: Mapping[str, str] | None = None) -> None:
        """In one transaction: queue ``messages`` (each (channel, event) once ever), then
        mark ``events`` seen and set ``facts``, and ``meta``."""
        now = _now()
        facts, meta = facts or {}, meta or {}
        self._write([
            *(("INSERT OR IGNORE INTO messages (channel, event, body, queued) VALUES (?, ?, ?, ?)",
               (m.channel, m.event, m.body, now)) for m in messages),
            *(("INSERT OR IGNORE INTO seen VALUES (?, ?)", (stream, event)) for event in events),
            *(("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", (stream, name, value))
              for name, value in facts.items()),
            *(("INSERT OR REPLACE INTO meta VALUES (?, ?)", item) for item in meta.items()),
        ])

    # -- delivery --------------------------------------------------------------------------

    def waiting(self, channel: str) -> Message | None:
        """The oldest message of ``channel`` not yet delivered."""
        rows = self._read("SELECT channel, event, body, id FROM messages WHERE channel = ? "
                          "AND state = 'pending' ORDER BY id LIMIT 1", (channel,))
        return Message(*rows[0]) if rows else None

    def channels(self) -> set[str]:
        """The channels with a message waiting."""
        return {c for (c,) in self._read("SELECT DISTINCT channel FROM messages "
                                         "WHERE state = 'pending'")}

    def delivered(self, message: Message, note: str = "") -> None:
        self._done(message, "delivered", note)

    def dropped(self, message: Message, note: str) -> None:
        """Given up for good (the peer refused it): never sent again."""
        self._done(message, "dropped", note)

    def _done(self, message: Message, state: str, note: str) -> None:
        self._write([("UPDATE messages SET state = ?, done = ?, note = ?, body = NULL "
                      "WHERE id = ?", (state, _now(), note, message.id))])

    def states(self, channel: str | None = None) -> list[tuple[str, str, str]]:
        """(channel, event, state) of every message, in queue order."""
        where, args = ("WHERE channel = ?", (channel,)) if channel else ("", ())
        return [tuple(row) for row in self._read(
            f"SELECT channel, event, state FROM messages {where} ORDER BY id", args)]

    # -- many channels at once (mail: one channel per address) ------------------------------

    def pending(self, prefix: str, after: int = 0, limit: int = 500) -> list[Message]:
        """Waiting messages of every channel starting with ``prefix``, in queue order, from
        the one after ``after``: a pool of senders shares them, not a thread per channel."""
        return [Message(*row) for row in self._read(
            "SELECT channel, event, body, id FROM messages WHERE state = 'pending' "
            "AND id > ? AND channel >= ? AND channel < ? ORDER BY id LIMIT ?",
            (after, prefix, prefix + "\U0010ffff", limit))]

    def count_pending(self, prefix: str) -> int:
        """How many messages of the channels starting with ``prefix`` wait."""
        return self._read("SELECT count(*) FROM messages WHERE state = 'pending' "
                          "AND channel >= ? AND channel < ?", (prefix, prefix + "\U0010ffff"))[0][0]

    def finished(self, outcomes: Iterable[tuple[Message, str, str]]) -> None:
        """(message, DELIVERED or DROPPED, note) of many messages, in one transaction."""
        now = _now()
        self._write([("UPDATE messages SET state = ?, done = ?, note = ?, body = NULL "
                      "WHERE id = ?", (state, now, note, message.id))
                     for message, state, note in outcomes])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- delivery ------------------------------------------------------------------------------

DELIVERED, RETRY, DROPPED = "delivered", "retry", "dropped"


@dataclass(frozen=True)
class Outcome:
    """What one attempt at sending a message gave: DELIVERED (the peer's 2xx or 250),
    RETRY (unreachable, or a passing refusal), or DROPPED (refused for good)."""

    state: str
    note: str = ""


class Dispatcher:
    """Delivers the outbox's waiting messages: one thread per channel, in queue order, each
    message tried again as ``backoff`` says while its peer may take it later. A message
    still failing stops its channel's round (the peer is down): the next ``wake`` tries it
    again first. ``send(message)`` makes one attempt; ``label`` names the channel in the
    log."""

    def __init__(self, box: Outbox, send: Callable[[Message], Outcome],
                 label: Callable[[Message], str], *, backoff: Backoff = BACKOFF):
        self.box = box
        self.send = send
        self.label = label
        self._closing = threading.Event()
        # a wait is cut short at close
        self.backoff = dataclasses.replace(backoff, sleep=backoff.sleep or self._closing.wait)
        self._changed = threading.Condition()
        self._threads: dict[str, threading.Thread] = {}
        self._asked: set[str] = set()  # channels woken since their last round began
        self._busy: set[str] = set()  # channels in a round

    def wake(self, channels: Iterable[str]) -> None:
        """A round for each of ``channels``: what they have waiting is sent."""
        with self._changed:
            if self._closing.is_set():
                return
            for channel in channels:
                self._asked.add(channel)
                if channel not in self._threads:
                    self._threads[channel] = threading.Thread(
                        target=self._run, args=(channel,), daemon=True,
                        name=f"deliver {channel[:24]}")
                    self._threads[channel].start()
            self._changed.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every round asked for is over; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._asked and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop after the attempts in progress; what waits stays queued for the next start."""
        with self._changed:
            self._closing.set()
            self._changed.notify_all()
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _run(self, channel: str) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: channel in self._asked or self._closing.is_set())
                if self._closing.is_set():
                    self._asked.discard(channel)
                    self._changed.notify_all()
                    return
                self._asked.discard(channel)
                self._busy.add(channel)
            try:
                self._round(channel)
            except Exception:  # a bug must not stop the deliveries: say it, carry on
                log.exception("delivery on %s failed", channel)
            finally:
                with self._changed:
                    self._busy.discard(channel)
                    self._changed.notify_all()

    def _round(self, channel: str) -> None:
        while not self._closing.is_set():
            message = self.box.waiting(channel)
            if message is None:
                return
            outcome = self._attempts(message)
            if outcome.state == DELIVERED:
                self.box.delivered(message, outcome.note)
            elif outcome.state == DROPPED:
                self.box.dropped(message, outcome.note)
            else:
                if not self._closing.is_set():
                    log.error("%s %s for %s; tried %d times, trying again at the next build",
                              self.label(message), outcome.note, message.event,
                              self.backoff.attempts)
                return

    def _attempts(self, message: Message) -> Outcome:
        """The outcome of the last attempt at ``message``."""
        def attempt() -> Outcome:
            outcome = self.send(message)
            if outcome.state == RETRY and not self._closing.is_set():
                raise _Again(outcome)
            return outcome

        def retried(err: Exception, delay: float) -> None:
            note = err.outcome.note if isinstance(err, _Again) else str(err)
            log.warning("%s %s for %s; retrying in %g s", self.label(message), note,
                        message.event, delay)

        try:
            return retry(attempt, self.backoff, lambda err: isinstance(err, _Again),
                         on_retry=retried)
        except _Again as again:
            return again.outcome


class _Again(Exception):
    """An attempt whose peer may take the message later."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.note)
        self.outcome = outcome
