"""The subscription service: the small Flask app the pages' e-mail forms post to.

Separate from the frozen site (which stays static): ``statuspage subscribers serve`` runs
it for a test or a small site, and in production any WSGI server runs the factory::

    STATUSPAGE_SITE=/srv/status STATUSPAGE_DB=postgresql://… STATUSPAGE_SMTP=smtp://… \\
        gunicorn 'statuspage.ops.subscribe:create_app()'

Double opt-in: a request stores the address unconfirmed and mails a link; the link opens
a page with one button, and only its POST confirms (a mail scanner opening the link does
nothing). The answer to a request is the same page whether the address was known or not.
The unsubscribe link of each message works the same way, and also takes RFC 8058's
one-click POST (``List-Unsubscribe=One-Click``) straight from the mail client.

Limits, so that the form cannot flood a mailbox or the database: a body over 10 KB is
refused, and each client address (``REMOTE_ADDR``; behind a proxy, configure it to set it)
and each e-mail address may ask only so often.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from pathlib import Path

from flask import Flask, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from statuspage import i18n
from statuspage.content import emails
from statuspage.content.loader import load_site
from statuspage.errors import StatusPageError
from statuspage.model import Site
from statuspage.ops import mail, notify, outbox, subscribers

log = logging.getLogger("statuspage.ops.subscribe")

MAX_BODY = 10 * 1024
PER_CLIENT = (20, 3600.0)  # requests per client address per hour
PER_ADDRESS = (3, 3600.0)  # confirmation mails per e-mail address per hour
RELOAD = 5.0  # seconds: an unknown incident is looked for again in the files after this
STYLESHEET = Path(__file__).parent.parent / "web" / "static" / "style.css"


class RateLimit:
    """At most ``count`` hits per key in a sliding window of ``period`` seconds (kept in
    memory: per process; a limit, not an accounting)."""

    def __init__(self, count: int, period: float, clock=time.monotonic):
        self.count, self.period, self.clock = count, period, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._hits) > 100_000:  # forget the idle ones rather than grow forever
                self._hits = {k: v for k, v in self._hits.items()
                              if v and v[-1] > now - self.period}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.period:
                hits.popleft()
            if len(hits) >= self.count:
                return False
            hits.append(now)
            return True


class Service:
    """What the views share: the site (reloaded when asked about something it lacks), the
    store, the outbox the confirmation mails go through, and their postman."""

    def __init__(self, root: Path, store: subscribers.Store, box: outbox.Outbox,
                 relay: mail.Relay | None):
        self.root = root
        self.store = store
        self.outbox = box
        self._site = load_site(root)
        self._loaded = time.monotonic()
        self._lock = threading.Lock()
        settings = self._site.config.subscriptions
        if settings is None:
            raise StatusPageError(f"{root / 'content' / 'site.yaml'}: no subscriptions: "
                                  "setting; add subscriptions: {url: …, from: …} "
                                  "(docs/subscriptions.md)")
        self.postman = notify.Postman(box, relay, store, sender=settings.sender)
        self.per_client = RateLimit(*PER_CLIENT)
        self.per_address = RateLimit(*PER_ADDRESS)

    def site(self, fresh: bool = False) -> Site:
        with self._lock:
            if fresh and time.monotonic() - self._loaded > RELOAD:
                try:
                    self._site = load_site(self.root)
                except StatusPageError as err:  # keep the last good content
                    log.error("content not reloaded: %s", err)
                self._loaded = time.monotonic()
            return self._site


def create_app(root: Path | str | None = None, db: str | None = None,
               smtp: str | None = None, out: Path | str | None = None) -> Flask:
    """The service for the site in ``root`` (else ``STATUSPAGE_SITE``, else the current
    folder), its subscribers in ``db`` (else ``STATUSPAGE_DB``, else the site folder's
    SQLite), confirmation mails through ``smtp`` (else ``STATUSPAGE_SMTP``; none: queued
    in the outbox of ``out``, the site's output, for ``statuspage run --notify``)."""
    root = Path(root or os.environ.get("STATUSPAGE_SITE") or ".")
    db = db or os.environ.get("STATUSPAGE_DB")
    smtp = smtp or os.environ.get("STATUSPAGE_SMTP")
    output = Path(out or os.environ.get("STATUSPAGE_OUT") or root / "build")
    relay = mail.Relay.parse(smtp) if smtp else None
    store = subscribers.Store(subscribers.database_url(root, db))
    service = Service(root, store, outbox.Outbox(outbox.path_for(output)), relay)

    app = Flask(__name__, template_folder="../web/templates")  # the pages' templates
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["statuspage.ops.subscribe"] = service
    app.jinja_env.autoescape = True
    app.add_url_rule("/", view_func=_index)
    app.add_url_rule("/style.css", view_func=_stylesheet)
    app.add_url_rule("/subscribe", view_func=_subscribe, methods=["POST"])
    app.add_url_rule("/confirm/<token>", view_func=_confirm, methods=["GET", "POST"])
    app.add_url_rule("/leave", view_func=_how_to_leave)
    app.add_url_rule("/leave/<token>", view_func=_leave, methods=["GET", "POST"])
    app.register_error_handler(HTTPException, _error)
    service.postman.wake()  # what a previous run left waiting
    return app


def _service() -> Service:
    from flask import current_app

    return current_app.extensions["statuspage.ops.subscribe"]


# -- pages -----------------------------------------------------------------------------


def _lang(site: Site, wanted: str | None) -> str:
    return wanted if wanted in site.config.languages else site.config.default_language


def _page(site: Site, lang: str, title: str, *, status: int = 200, **parts):
    gettext = i18n.translations(lang).gettext
    body = render_template("subscriptions/page.html", lang=lang, site_name=_name(site, lang),
                           site_url=mail.edition_url(site, lang), title=gettext(title),
                           gettext=gettext, **parts)
    return body, status, {"Content-Security-Policy": "default-src 'none'; style-src 'self'; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                          "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
                          "X-Content-Type-Options": "nosniff"}


def _name(site: Site, lang: str) -> str:
    return site.config.name.get_in(lang, site.config.default_language).value


def _(text: str) -> str:  # marks a string for the catalogs
    return text


def _index():
    site = _service().site()
    lang = _lang(site, request.args.get("lang"))
    return _page(site, lang, _("E-mail updates"),
                 text=[_("Subscribe from the status page: each incident, each service and "
                         "the home page have a form.")])


def _stylesheet():
    return send_file(STYLESHEET, mimetype="text/css", max_age=3600)


def _error(err: HTTPException):
    site = _service().site()
    lang = _lang(site, request.form.get("lang") if request.method == "POST"
                 and err.code != 413 else request.args.get("lang"))
    reasons = {413: _("The request is too large (at most 10 KB): nothing was stored."),
               429: _("Too many requests from this address: try again in an hour. Nothing "
                      "was stored."),
               404: _("This address does not exist."),
               405: _("This address does not take this kind of request.")}
    text = getattr(err, "statuspage_reason", None) or reasons.get(err.code or 500,
                                                                  _("Something went wrong."))
    return _page(site, lang, _("Not done"), status=err.code or 500, text=[text])


class Refused(HTTPException):
    """A request refused, with the reason its page gives (a msgid)."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.statuspage_reason = reason


def _refuse(code: int, reason: str):
    raise Refused(code, reason)


def _subscribe():
    service = _service()
    form = request.form
    site = service.site()
    lang = _lang(site, form.get("lang"))
    if not service.per_client.allow(request.remote_addr or "?"):
        _refuse(429, _("Too many requests from this address: try again in an hour. Nothing "
                       "was stored."))
    email = form.get("email", "").strip()
    if emails.address_problem(email):
        _refuse(400, _("This is not an e-mail address such as name@example.com: nothing "
                       "was stored."))
    kind, target, what = _scope(service, form, lang)
    if form.get("website"):  # the honeypot: a robot filled the field people do not see
        return _checking(site, lang)
    if not service.per_address.allow(subscribers.normalised(email)):
        return _checking(site, lang)  # the same answer: no one learns who asked
    token = service.store.request(email, lang, kind, target)
    if token is not None:
        settings = site.config.subscriptions
        assert settings is not None
        link = f"{settings.url}/confirm/{token}"
        message = mail.confirmation_message(site, lang, subscribers.normalised(email), link,
                                            settings.sender, what)
        service.outbox.record("confirm", [], messages=[outbox.Message(
            mail.channel(subscribers.normalised(email)),
            f"confirm {subscribers.token_hash(token)}", bytes(message))])
        service.postman.wake()
    return _checking(site, lang)


def _scope(service: Service, form, lang: str) -> tuple[str, str, str]:
    """(kind, target, what it is in words) the form asks for; a 400 when unknown."""
    gettext = i18n.translations(lang).gettext
    incident_id, component_id = form.get("incident"), form.get("component")
    if incident_id and component_id:
        _refuse(400, _("Choose an incident or a service, not both: nothing was stored."))
    if incident_id:
        site = service.site()
        found = next((i for i in site.incidents if i.id == incident_id), None)
        if found is None:
            site = service.site(fresh=True)
            found = next((i for i in site.incidents if i.id == incident_id), None)
        if found is None:
            _refuse(404, _("There is no such incident: nothing was stored."))
        assert found is not None
        title = found.title.get_in(lang, site.config.default_language).value
        return subscribers.INCIDENT, incident_id, gettext(_("the incident “%(title)s”")) % {
            "title": title}
    if component_id:
        site = service.site()
        component = site.config.component(component_id)
        if component is None:
            _refuse(400, _("There is no such service: nothing was stored."))
        assert component is not None
        name = component.name.get_in(lang, site.config.default_language).value
        return subscribers.COMPONENT, component_id, gettext(_("the service %(name)s")) % {
            "name": name}
    return subscribers.ALL, "", gettext(_("every incident and maintenance"))


def _checking(site: Site, lang: str):
    return _page(site, lang, _("Check your mailbox"), text=[
        _("If this address can receive our messages, a link to confirm is on its way. "
          "Nothing is sent until you confirm."),
        _("Not there? Look in your spam folder. An unconfirmed request is forgotten after "
          "7 days.")])


def _confirm(token: str):
    service = _service()
    found = service.store.pending(token)
    site = service.site()
    if found is None:
        _refuse(404, _("This link has expired or was already used. Subscribe again from the "
                       "status page."))
    assert found is not None
    lang = _lang(site, found.lang)
    if request.method == "GET":  # a mail scanner opening the link confirms nothing
        return _page(site, lang, _("Confirm your subscription"),
                     text=[_("Press the button to receive the updates by e-mail.")],
                     button=_("Confirm"), action=request.path)
    service.store.confirm(token)
    return _page(site, lang, _("You are subscribed"), text=[
        _("You will receive the next updates by e-mail. Each message has a link to stop.")])


def _how_to_leave():
    site = _service().site()
    lang = _lang(site, request.args.get("lang"))
    return _page(site, lang, _("How to leave"), text=[
        _("Each message we send ends with a link to stop: open it and press the button, "
          "or use your mail program's unsubscribe command."),
        _("To have everything we store about your address deleted, write to the support "
          "of this status page.")])


def _leave(token: str):
    service = _service()
    site = service.site()
    found = service.store.by_leave_token(token)
    lang = _lang(site, found.lang if found else request.args.get("lang"))
    if request.method == "GET":
        if found is None:
            return _page(site, lang, _("You are not subscribed"),
                         text=[_("This subscription no longer exists.")])
        return _page(site, lang, _("Stop the e-mails"),
                     text=[_("Press the button to stop receiving these updates.")],
                     button=_("Unsubscribe"), action=request.path)
    if found is not None:  # the button, or RFC 8058's List-Unsubscribe=One-Click
        service.store.remove(found.id)
    return _page(site, lang, _("You are unsubscribed"),
                 text=[_("You will receive no more of these messages.")])

