"""Webhooks: POST each new update, and each component status change, to other systems.

The payloads are Atlassian Statuspage's (``meta``, ``page``, then ``incident`` as in the
API v2 with its ``incident_updates``, or ``component_update`` and ``component``), or a
Slack message. What was sent is kept in a state file beside the output folder, so a
restart sends nothing twice; with no state yet (a first start, or a new URL) what is
already published counts as sent, so history is never replayed. Failed deliveries are
retried with exponential backoff in one background thread per URL, in order; one still
failing is tried again at the next ``notify``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from statuspage import __version__, api, files, i18n, places
from statuspage.model import COMPONENT_STATUS_LABELS, STATUS_LABELS, Incident, Site, Update, _
from statuspage.status import Snapshot, component_statuses

log = logging.getLogger("statuspage.webhooks")

STATE = ".statuspage-webhooks.json"  # beside the output folder, like the reminders
DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
FORMATS = ("statuspage", "slack")
ATTEMPTS = 5
BASE_DELAY = 2.0  # seconds before the first retry; doubled each time
MAX_DELAY = 300.0
TIMEOUT = 30  # seconds a receiver may take to answer
RETRIED = {408, 425, 429}  # and every 5xx; other answers than 2xx are final

Post = Callable[[str, bytes, dict], int]


def state_path(out: Path) -> Path:
    """Where the daemon keeps what was sent: beside its output folder."""
    return out.resolve().parent / STATE


# -- the documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApiView:
    """The parts of the API v2 documents a webhook carries, at one moment."""

    page_id: str
    indicator: dict
    components: dict[str, dict]  # component id → its API entry
    incident: Callable[[Incident], dict]


def api_view(site: Site, now: datetime) -> ApiView:
    """The one place that builds API v2 documents (``statuspage.api``) for webhooks."""
    snap = Snapshot(site, now)
    documents = api.Documents(snap, gettext=i18n.translations(site.config.api_language).gettext)
    return ApiView(documents.page_id, documents.indicator,
                   {str(c["id"]): c for c in documents.components if not c["group"]},
                   lambda incident: documents.incident(snap.view(incident.id)))


def update_id(incident: Incident, update: Update) -> str:
    """As in the API: ``<incident id>#<the update's anchor on its permalink>``."""
    return f"{incident.id}#{update.anchor}"


def _page(view: ApiView) -> dict:
    return {"id": view.page_id, "status_indicator": view.indicator["indicator"],
            "status_description": view.indicator["description"]}


def _meta() -> dict:
    # No unsubscribe link: the page's operators choose the receivers (site.yaml, --webhook).
    return {"unsubscribe": None, "documentation": DOCUMENTATION}


def update_payload(site: Site, incident: Incident, update: Update) -> dict:
    """Statuspage's incident webhook, as the page stood when the update was posted."""
    view = api_view(site, update.time)
    return {"meta": _meta(), "page": _page(view), "incident": view.incident(incident)}


def component_payload(site: Site, now: datetime, component_id: str, old: str) -> dict:
    """Statuspage's component webhook: ``old`` is the status last sent."""
    view = api_view(site, now)
    entry = view.components[component_id]
    return {
        "meta": _meta(),
        "page": _page(view),
        "component_update": {
            "created_at": entry["updated_at"],
            "new_status": entry["status"],
            "old_status": old,
            "id": f"{component_id}@{entry['updated_at']}",
            "component_id": component_id,
        },
        "component": {"created_at": entry["created_at"], "id": component_id,
                      "name": entry["name"], "status": entry["status"]},
    }


def slack_text(site: Site, payload: dict) -> dict:
    """A Slack incoming-webhook message for a Statuspage payload, in the API language."""
    gettext = i18n.translations(site.config.api_language).gettext
    if "incident" in payload:
        incident = payload["incident"]
        latest = incident["incident_updates"][0]
        label = gettext(STATUS_LABELS[latest["status"]])
        lines = [f"*{_escape(label)}*: {_escape(incident['name'])}", _escape(latest["body"]),
                 _escape(_where(site, incident["id"])), f"<{incident['shortlink']}>"]
    else:
        change, component = payload["component_update"], payload["component"]
        new = gettext(COMPONENT_STATUS_LABELS[change["new_status"]])
        old = gettext(COMPONENT_STATUS_LABELS[change["old_status"]])
        lang = site.config.api_language
        edition = "" if lang == site.config.default_language else f"/{lang}"
        lines = [f"*{_escape(component['name'])}*: {_escape(new)} ({_escape(old)} before)",
                 f"<{site.config.url}{edition}/components/{component['id']}/>"]
    return {"text": "\n".join(line for line in lines if line)}


def _where(site: Site, incident_id: str) -> str:
    """Where the incident is, in the API language ("" when it is everywhere)."""
    found = site.incident(incident_id)
    if found is None or not found.areas:
        return ""
    lang = site.config.api_language
    return i18n.translations(lang).gettext(_("Where: %(places)s")) % {
        "places": places.summary(found.areas, lang, site.config.default_language, shown=None)}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- delivery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One POST to one URL: ``key`` is ``update <update id>`` or ``component <id>``."""

    url: str
    key: str
    body: bytes
    status: str = ""  # a component's new status, recorded once sent


def http_post(url: str, body: bytes, headers: dict) -> int:
    """POST, no redirect followed (a 3xx is an answer, as for Statuspage); the status code.
    Raises OSError when the receiver cannot be reached."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as err:
        err.close()
        return err.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class Webhooks:
    """Sends what ``notify(site, now)`` finds new to ``urls`` and to the site's
    ``webhooks:``; ``post`` and ``sleep`` are parameters so tests need not wait."""

    def __init__(self, urls=(), state_path: Path = Path(STATE), fmt: str = "statuspage", *,
                 post: Post = http_post, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = ATTEMPTS, base_delay: float = BASE_DELAY,
                 max_delay: float = MAX_DELAY):
        if fmt not in FORMATS:
            raise ValueError(f"unknown webhook format {fmt!r} (known: {', '.join(FORMATS)})")
        self.urls = tuple(urls)
        self.state_path = Path(state_path)
        self.fmt = fmt
        self.post = post
        self.sleep = sleep
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._lock = threading.Lock()
        self._state = _read_state(self.state_path)
        self._in_flight: set[tuple[str, str]] = set()
        self._queues: dict[str, queue.Queue] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._standing: set[str] | None = None  # update ids in the site, to prune the state

    def notify(self, site: Site, now: datetime) -> list[Event]:
        """Queue one POST per update published since the last call and per component whose
        status changed, to every URL; returns what was queued."""
        published = sorted(((u.time, update_id(v.incident, u), v.incident, u)
                            for v in Snapshot(site, now).published for u in v.updates),
                           key=lambda found: found[:2])
        statuses = {key: value.value for key, value in component_statuses(site, now).items()}
        events: list[Event] = []
        bodies: dict[tuple[str, str], bytes] = {}  # the same payload for every URL
        with self._lock:
            self._standing = {found[1] for found in published}
            for url in dict.fromkeys([*self.urls, *site.config.webhooks]):
                sent = self._state.get(_key(url))
                if sent is None:  # first start for this URL: history is not replayed
                    self._state[_key(url)] = {"updates": sorted(self._standing),
                                              "components": dict(statuses)}
                    continue
                events += self._new_events(site, now, url, sent, published, statuses, bodies)
            self._save()
        for event in events:
            self._queue(event.url).put(event)
        return events

    def _new_events(self, site, now, url, sent, published, statuses, bodies) -> list[Event]:
        events = []
        done = set(sent["updates"])
        for _time, found_id, incident, update in published:
            key = f"update {found_id}"
            if found_id not in done and (url, key) not in self._in_flight:
                if (key, "") not in bodies:
                    bodies[key, ""] = self._body(site, update_payload(site, incident, update))
                events.append(Event(url, key, bodies[key, ""]))
        for component_id, new in statuses.items():
            old = sent["components"].setdefault(component_id, new)  # a new one: its status
            key = f"component {component_id}"
            if old != new and (url, key) not in self._in_flight:
                if (key, old) not in bodies:
                    bodies[key, old] = self._body(
                        site, component_payload(site, now, component_id, old))
                events.append(Event(url, key, bodies[key, old], new))
        self._in_flight.update((event.url, event.key) for event in events)
        return events

    def _body(self, site: Site, payload: dict) -> bytes:
        if self.fmt == "slack":
            payload = slack_text(site, payload)
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def wait(self, timeout: float | None = None) -> None:
        """Until every queued delivery is done (sent, or given up until the next notify)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for pending in list(self._queues.values()):
            while pending.unfinished_tasks:
                if deadline is not None and time.monotonic() > deadline:
                    return
                time.sleep(0.01)

    def pending(self) -> int:
        """Deliveries queued or being sent: neither done nor given up until the next notify."""
        with self._lock:
            return len(self._in_flight)

    def close(self, timeout: float | None = None) -> None:
        """Stop the delivery threads after what they are sending now."""
        for pending in self._queues.values():
            pending.put(None)
        for thread in self._threads.values():
            thread.join(timeout)

    # -- the delivery threads --------------------------------------------------------------

    def _queue(self, url: str) -> queue.Queue:
        with self._lock:
            if url not in self._queues:
                self._queues[url] = queue.Queue()
                self._threads[url] = threading.Thread(
                    target=self._deliver_all, args=(self._queues[url],),
                    name=f"webhook {_shown(url)}", daemon=True)
                self._threads[url].start()
        return self._queues[url]

    def _deliver_all(self, pending: queue.Queue) -> None:
        while True:
            event = pending.get()
            try:
                if event is None:
                    return
                self._deliver(event)
            except Exception:  # a bug must not stop the deliveries: say it, carry on
                log.exception("webhook to %s failed", _shown(event.url))
                with self._lock:
                    self._in_flight.discard((event.url, event.key))
            finally:
                pending.task_done()

    def _deliver(self, event: Event) -> None:
        headers = {"Content-Type": "application/json",
                   "User-Agent": f"statuspage/{__version__} (webhook)"}
        for attempt in range(self.attempts):
            try:
                code = self.post(event.url, event.body, headers)
                problem = None if 200 <= code < 300 else f"answered {code}"
            except (OSError, http.client.HTTPException) as err:
                code, problem = 0, f"unreachable ({err or type(err).__name__})"
            if problem is None:
                log.info("webhook sent to %s: %s", _shown(event.url), event.key)
                return self._done(event)
            if code and code not in RETRIED and code < 500:
                log.error("webhook to %s %s for %s: not sent, not retried", _shown(event.url),
                          problem, event.key)
                return self._done(event)
            if attempt == self.attempts - 1:
                log.error("webhook to %s %s for %s; tried %d times, trying again at the next "
                          "build", _shown(event.url), problem, event.key, self.attempts)
                with self._lock:
                    self._in_flight.discard((event.url, event.key))
                return None
            delay = min(self.base_delay * 2 ** attempt, self.max_delay)
            log.warning("webhook to %s %s for %s; retrying in %g s", _shown(event.url),
                        problem, event.key, delay)
            self.sleep(delay)
        return None

    def _done(self, event: Event) -> None:
        """Record a delivery (or one given up) so that it is never sent again."""
        with self._lock:
            self._in_flight.discard((event.url, event.key))
            sent = self._state[_key(event.url)]
            kind, _, name = event.key.partition(" ")
            if kind == "update":
                sent["updates"] = sorted({*sent["updates"], name})
            else:
                sent["components"][name] = event.status
            self._save()

    def _save(self) -> None:
        """Write the state in one step (never half a file); updates no longer in the site
        are forgotten. Called with the lock held."""
        if self._standing is not None:
            for sent in self._state.values():
                sent["updates"] = [u for u in sent["updates"] if u in self._standing]
        _write_state(self.state_path, self._state)


def _key(url: str) -> str:
    """A URL's entry in the state file: a digest, since webhook URLs often hold a secret."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _shown(url: str) -> str:
    """A URL for the log, without its path and query, which may hold a secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") else url


def _read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {key: value for key, value in data["webhooks"].items()
                if isinstance(value.get("updates"), list)
                and isinstance(value.get("components"), dict)}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        log.warning("%s unreadable (%s): starting afresh, without sending what is already "
                    "published", path, err)
        return {}


def _write_state(path: Path, state: dict) -> None:
    text = json.dumps({"version": 1, "webhooks": state}, indent=1, sort_keys=True) + "\n"
    try:
        files.write_atomic(path, text.encode("utf-8"))
    except OSError as err:
        log.warning("cannot save %s (%s): a restart may send an update again", path, err)
