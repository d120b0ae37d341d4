"""Webhooks: POST each new update, and each component status change, to other systems.

The payloads are Atlassian Statuspage's (``meta``, ``page``, then ``incident`` as in the
API v2 with its ``incident_updates``, or ``component_update`` and ``component``), or a
Slack message. Each goes through the outbox (``statuspage.ops.outbox``): queued on disk, for
every URL, in the same step that records the update as seen, and marked delivered after
the receiver's 2xx, so neither a crash nor a restart loses or repeats one.

An update is the event ``update <incident id>#<its anchor>``, the id the API gives it: its
time, its status and its rank among updates of the same minute and status (``-2``…), so
two updates written in one minute are two events, each payload built from its own update.
The updates seen are never forgotten: a file moved aside and back sends nothing again.
At a first start (no outbox yet), or for a new URL, what stands counts as sent, so history
is never replayed; the state file of earlier versions (``.statuspage-webhooks.json``
beside the output) is read once, at that first start, and carried over.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from statuspage import __version__, addresses, i18n, places
from statuspage.model import COMPONENT_STATUS_LABELS, STATUS_LABELS, Incident, Site, Update, _
from statuspage.ops import statefiles
from statuspage.ops.backoff import Backoff
from statuspage.ops.outbox import (
    BACKOFF,
    DELIVERED,
    DROPPED,
    RETRY,
    Dispatcher,
    Message,
    Outbox,
    Outcome,
)
from statuspage.state import documents as api
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot

log = logging.getLogger("statuspage.ops.webhooks")

STREAM = "webhooks"  # the outbox's name for what the webhooks have seen
BASELINE = f"baseline {STREAM}"  # when the first start recorded what stood (outbox meta)
SITE = f"site {STREAM}"  # the site's url, at that first start (outbox meta)
LEGACY = ".statuspage-webhooks.json"  # before the outbox: beside the output, in its parent
DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
FORMATS = ("statuspage", "slack")
TIMEOUT = 30  # seconds a receiver may take to answer
RETRIED = {408, 425, 429}  # and every 5xx; other answers than 2xx are final

Post = Callable[[str, bytes, dict], int]


def legacy_path(out: Path) -> Path:
    """Where earlier versions kept what was sent (shared by every output in that folder)."""
    return out.resolve().parent / LEGACY


# -- the documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApiView:
    """The parts of the API v2 documents a webhook carries, at one moment."""

    page_id: str
    indicator: dict
    components: dict[str, dict]  # component id → its API entry
    incident: Callable[[Incident], dict]


def api_view(site: Site, now: datetime, settled: Settled | None = None) -> ApiView:
    """The one place that builds API v2 documents (``statuspage.state.documents``) for webhooks."""
    snap = Snapshot(site, now, settled)
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


def update_payload(site: Site, incident: Incident, update: Update,
                   settled: Settled | None = None) -> dict:
    """Statuspage's incident webhook for ``update``: the page as it stood once that update
    was posted, the updates after it left out (even those of the same minute)."""
    position = next((n for n, found in enumerate(incident.updates) if found is update),
                    None)
    if position is None:  # an equal copy: its first place (its twins are equal too)
        position = incident.updates.index(update)
    then = dataclasses.replace(incident, updates=incident.updates[position:])
    site = dataclasses.replace(site, incidents=tuple(
        then if found.id == incident.id else found for found in site.incidents))
    view = api_view(site, update.time, settled)
    return {"meta": _meta(), "page": _page(view), "incident": view.incident(then)}


def component_payload(site: Site, now: datetime, component_id: str, old: str,
                      settled: Settled | None = None) -> dict:
    """Statuspage's component webhook: ``old`` is the status last sent."""
    view = api_view(site, now, settled)
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
        edition = addresses.edition(site.config.url, site.config.api_language,
                                    site.config.default_language)
        lines = [f"*{_escape(component['name'])}*: {_escape(new)} ({_escape(old)} before)",
                 f"<{addresses.component(edition, component['id'])}>"]
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
    """One POST to one URL: ``key`` is ``update <update id>`` or ``component <id> <n>``
    (its n-th change)."""

    url: str
    key: str
    body: bytes


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
    """Queues in ``outbox`` what ``notify(site, now)`` finds new, for ``urls`` and the
    site's ``webhooks:``, and delivers it, trying again as ``backoff`` says; ``legacy`` is
    the state file of earlier versions, read at a first start. ``post`` is a parameter so
    that tests need no receiver."""

    def __init__(self, urls, outbox: Outbox, fmt: str = "statuspage", *,
                 legacy: Path | None = None, post: Post = http_post,
                 backoff: Backoff = BACKOFF):
        if fmt not in FORMATS:
            raise ValueError(f"unknown webhook format {fmt!r} (known: {', '.join(FORMATS)})")
        self.urls = tuple(urls)
        self.outbox = outbox
        self.fmt = fmt
        self.legacy = legacy
        self.post = post
        self._channels: dict[str, str] = {}  # channel → its URL, as last configured
        self.settled: Settled | None = None  # the daemon's, once it shares it
        self._lock = threading.Lock()  # one notify at a time
        self._dispatcher = Dispatcher(outbox, self._send, self._label, backoff=backoff)

    def share(self, settled: Settled) -> None:
        """The daemon's memory of settled incidents, kept by its builds: this follower's
        Snapshots reuse those views instead of deriving the whole history again."""
        self.settled = settled

    def loaded(self, site: Site, now: datetime) -> None:
        """The content as loaded, before it is built: at a first start, what stands is
        recorded as seen now, before anything else, so that an update posted before a
        crash in the first build is not taken for history; what a previous run queued and
        did not deliver goes out."""
        with self._lock:
            channels = self._configure(site)
            if self._first(site):
                self._baseline(site, now, channels)
        self._dispatcher.wake(channels)

    def notify(self, site: Site, now: datetime) -> list[Event]:
        """Queue one POST per update published and not seen yet, and per component whose
        status changed, to every URL; returns what was queued. Messages queued before and
        not delivered yet are tried again too."""
        with self._lock:
            channels = self._configure(site)
            if self._first(site):
                self._baseline(site, now, channels)
                events = []
            else:
                events = self._queue_new(site, now, channels)
        self._dispatcher.wake(channels)
        return events

    def wait(self, timeout: float | None = None) -> bool:
        """Until every delivery round asked for is over (sent, or left for the next
        notify); False on timeout."""
        return self._dispatcher.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop the delivery threads after what they are sending now."""
        self._dispatcher.close(timeout)

    def _configure(self, site: Site) -> dict[str, str]:
        urls = dict.fromkeys([*self.urls, *site.config.webhooks])
        self._channels = {_channel(url): url for url in urls}
        return dict(self._channels)

    # -- what is new -----------------------------------------------------------------------

    def _first(self, site: Site) -> bool:
        """Whether this is a first start: no outbox yet, or one another site kept (its
        ``url`` differs: the output folder was given to another site)."""
        if self.outbox.meta(BASELINE) is None:
            return True
        if self.outbox.meta(SITE) != site.config.url:
            log.warning("%s was kept for %s, not %s: a first start for this site, whose "
                        "history is not sent", self.outbox.path, self.outbox.meta(SITE),
                        site.config.url)
            return True
        return False

    def _baseline(self, site: Site, now: datetime, channels: dict[str, str]) -> None:
        """What stands counts as sent: history is not replayed. The state file of earlier
        versions, if it knew these URLs, says what was sent instead (at the very first
        start only)."""
        snap = Snapshot(site, now, self.settled)
        updates = [f"update {update_id(v.incident, u)}" for v in snap.published
                   for u in v.updates]
        facts = {f"status {key}": value.value for key, value in snap.components.items()}
        legacy = self.legacy if self.outbox.meta(BASELINE) is None else None
        meta = {BASELINE: now.astimezone(UTC).isoformat(), SITE: site.config.url}
        old = [entry for channel, entry in _read_legacy(legacy).items()
               if channel in channels]
        if old:
            updates = sorted({f"update {found}" for entry in old for found in entry["updates"]})
            facts = {f"status {key}": value for key, value in old[0]["components"].items()}
            meta[f"migrated {STREAM}"] = str(self.legacy)
            log.info("%s carried over into %s", self.legacy, self.outbox.path)
        self.outbox.record(STREAM, updates, facts, meta=meta)

    def _queue_new(self, site: Site, now: datetime, channels: dict[str, str]) -> list[Event]:
        """In one step: each new event's message for every URL, and the events as seen."""
        snap = Snapshot(site, now, self.settled)
        seen = self.outbox.seen(STREAM)
        facts = self.outbox.facts(STREAM)
        found = sorted(((u.time, f"update {update_id(v.incident, u)}", v.incident, u)
                        for v in snap.published for u in v.updates),
                       key=lambda item: item[:2])
        news = [(key, self._body(site, update_payload(site, incident, update, self.settled)))
                for _time, key, incident, update in found if key not in seen]
        changed: dict[str, str] = {}
        for component_id, status in snap.components.items():
            old = facts.get(f"status {component_id}")
            changed[f"status {component_id}"] = status.value
            if old is not None and old != status.value:
                number = int(facts.get(f"changes {component_id}", "0")) + 1
                changed[f"changes {component_id}"] = str(number)
                news.append((f"component {component_id} {number}", self._body(
                    site, component_payload(site, now, component_id, old, self.settled))))
        messages = [Message(channel, key, body) for channel in channels for key, body in news]
        self.outbox.record(STREAM, [key for key, _ in news], changed, messages)
        return [Event(channels[m.channel], m.event, m.body) for m in messages]

    def _body(self, site: Site, payload: dict) -> bytes:
        if self.fmt == "slack":
            payload = slack_text(site, payload)
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    # -- one attempt -----------------------------------------------------------------------

    def pending(self) -> int:
        """Deliveries queued and not yet done (--metrics)."""
        return self.outbox.count_pending("webhook ")

    def _send(self, message: Message) -> Outcome:
        url = self._channels.get(message.channel)
        if url is None:
            return Outcome(RETRY, "is no longer configured")
        headers = {"Content-Type": "application/json",
                   "User-Agent": f"statuspage/{__version__} (webhook)"}
        try:
            code = self.post(url, message.body, headers)
        except (OSError, http.client.HTTPException) as err:
            return Outcome(RETRY, f"unreachable ({err or type(err).__name__})")
        if 200 <= code < 300:
            log.info("webhook sent to %s: %s", _shown(url), message.event)
            return Outcome(DELIVERED, f"answered {code}")
        if code not in RETRIED and code < 500:
            log.error("webhook to %s answered %d for %s: not sent, not retried", _shown(url),
                      code, message.event)
            return Outcome(DROPPED, f"answered {code}")
        return Outcome(RETRY, f"answered {code}")

    def _label(self, message: Message) -> str:
        url = self._channels.get(message.channel)
        return f"webhook to {_shown(url) if url else message.channel}"


def _channel(url: str) -> str:
    """A URL's channel in the outbox: a digest, since webhook URLs often hold a secret."""
    return "webhook " + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _shown(url: str) -> str:
    """A URL for the log, without its path and query, which may hold a secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") else url


def _read_legacy(path: Path | None) -> dict[str, dict]:
    """The state file of earlier versions, by channel: each URL's updates and components."""
    if path is None:
        return {}
    return statefiles.read_json(path, _legacy_channels, "not carried over; what is "
                                "published counts as sent") or {}


def _legacy_channels(data: dict) -> dict[str, dict]:
    return {f"webhook {key}": value for key, value in data["webhooks"].items()
            if isinstance(value.get("updates"), list)
            and isinstance(value.get("components"), dict)}
