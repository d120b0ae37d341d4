"""E-mail: the messages subscribers get, and the SMTP relay that carries them.

A message is composed in the subscriber's language with the standard library's
``email`` package: ``multipart/alternative`` (text, then HTML escaped and sanitised as the
pages are), ``Content-Language``, one thread per incident (``Message-ID``, ``In-Reply-To``
and ``References`` derived from the incident's id, so every client groups its updates),
and RFC 8058's one-click ``List-Unsubscribe``.

The relay is an SMTP URL (``--smtp`` or ``STATUSPAGE_SMTP``): ``smtp://[user:pass@]host
[:port]`` (STARTTLS when the server offers it) or ``smtps://…`` (TLS from the start).
Each sending thread keeps its connection open between messages.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from statuspage import addresses, i18n, markup
from statuspage.errors import StatusPageError
from statuspage.model import STATUS_LABELS, Site, Text, Update
from statuspage.ops.outbox import DELIVERED, DROPPED, RETRY, Outcome

TIMEOUT = 60  # seconds a relay may take to answer one command
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


def _(text: str) -> str:
    """Marks a string for the catalogs (pybabel); translated when the message is made."""
    return text


# -- the relay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Relay:
    """Where mail goes: an SMTP URL, read."""

    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> Relay:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise StatusPageError(f"{_safe(url)!r} is not an SMTP URL: write smtp://[user:"
                                  "password@]host[:port] (STARTTLS when offered) or smtps://…")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise StatusPageError(f"{_safe(url)!r}: the port is not a number from 1 to "
                                  "65535") from None
        return cls(parts.scheme, parts.hostname, port,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def connect(self) -> smtplib.SMTP:
        """A connection, TLS as the URL says, logged in when it names a user."""
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT,
                                                  context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        try:
            if self.scheme == "smtp":
                conn.ehlo()
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
            if self.user:
                conn.login(self.user, self.password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def _safe(url: str) -> str:
    """An SMTP URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":…@")
    return url


class Connection:
    """One open connection to the relay, made again when it was lost; used by one thread."""

    def __init__(self, relay: Relay):
        self.relay = relay
        self._smtp: smtplib.SMTP | None = None

    def send(self, sender: str, recipient: str, message: bytes) -> Outcome:
        """One attempt: DELIVERED on 250; DROPPED when the relay refuses the recipient or
        the message for good (5xx); RETRY on a 4xx, and when the relay cannot be reached,
        refuses the login or the sender (its note then starts with "relay": the relay's
        trouble, not the address's, and no use trying the other messages now)."""
        for fresh in (False, True):  # a connection the relay closed meanwhile: once more
            try:
                if self._smtp is None:
                    self._smtp = self.relay.connect()
                    fresh = True
            except smtplib.SMTPAuthenticationError as err:
                return Outcome(RETRY, f"relay {self.relay} refused the login ({err.smtp_code})")
            except (smtplib.SMTPException, OSError) as err:
                self.close()
                return Outcome(RETRY, f"relay {self.relay} unreachable "
                                      f"({err or type(err).__name__})")
            try:
                self._smtp.sendmail(sender, [recipient], message)
                return Outcome(DELIVERED, "250")
            except smtplib.SMTPRecipientsRefused as err:
                code, reply = err.recipients[recipient]
                return self._refused(code, reply)
            except smtplib.SMTPSenderRefused as err:
                self.close()
                return Outcome(RETRY, f"relay {self.relay} refused the sender {sender} "
                                      f"({err.smtp_code})")
            except smtplib.SMTPResponseException as err:
                self.close()
                return self._refused(err.smtp_code, err.smtp_error)
            except (smtplib.SMTPServerDisconnected, OSError) as err:
                self.close()
                if fresh:
                    return Outcome(RETRY, f"relay {self.relay} unreachable "
                                          f"({err or type(err).__name__})")
            except smtplib.SMTPException as err:
                self.close()
                return Outcome(RETRY, f"relay {self.relay}: {err}")
        return Outcome(RETRY, f"relay {self.relay} unreachable")

    def _refused(self, code: int, reply: bytes | str) -> Outcome:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        note = f"{code} {text}".strip()[:200]
        if 500 <= code < 600:
            return Outcome(DROPPED, note)
        return Outcome(RETRY, note)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


# -- the messages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Addressing:
    """Who a message is from and to, and the addresses it carries."""

    sender: str
    recipient: str
    incident: str  # the incident's page in the subscriber's language
    leave: str  # the subscription's unsubscribe page (one button; one-click POST too)


def edition_url(site: Site, lang: str) -> str:
    """The base of the site's pages in ``lang``."""
    return addresses.edition(site.config.url, lang, site.config.default_language)


def thread_id(site: Site, incident_id: str) -> str:
    """The Message-ID the messages of one incident refer to, so they form one thread."""
    digest = hashlib.sha256(incident_id.encode("utf-8")).hexdigest()[:24]
    return f"<incident.{digest}@{_domain(site)}>"


def _domain(site: Site) -> str:
    return urlsplit(site.config.url).hostname or "statuspage.invalid"


def _text(site: Site, text: Text, lang: str) -> str:
    return text.value_in(lang, site.config.default_language)


def update_message(site: Site, incident, update: Update | None, lang: str, to: Addressing,
                   late: datetime | None = None) -> EmailMessage:
    """The message for ``update`` of ``incident`` (or, with ``late``, the notice that the
    update promised for then is late), in ``lang``."""
    gettext = i18n.translations(lang).gettext
    title = _text(site, incident.title, lang)
    site_name = _text(site, site.config.name, lang)
    status, body, body_html = _news(site, update, lang, late)
    facts = _facts(site, incident, update, lang)
    leave = gettext(_("You receive this because you follow %(site)s. To stop:")) % {
        "site": site_name}
    text_part = "\n\n".join([
        f"{title} — {status}", body,
        *(f"{label}: {value}" for label, value, _h in facts),
        f"{to.incident}", f"--\n{leave}\n{to.leave}"]) + "\n"
    html_part = (
        f'<!doctype html><html lang="{html.escape(lang)}"><body>'
        f"<h1>{html.escape(title)} — {html.escape(status)}</h1>{body_html}<dl>"
        + "".join(f"<dt>{html.escape(label)}</dt><dd>{value}</dd>" for label, _t, value in facts)
        + f'</dl><p><a href="{html.escape(to.incident)}">{html.escape(to.incident)}</a>'
        # the link alone on its line: Template swaps it in the encoded message
        f'</p><hr><p><small>{html.escape(leave)} <a\nhref="{html.escape(to.leave)}"\n>'
        f"{html.escape(gettext(_('Unsubscribe')))}</a></small></p></body></html>")
    message = _envelope(site, to.sender, to.recipient, f"{title} — {status}", lang)
    _thread(message, site, incident.id, to, site_name)
    message.set_content(text_part, cte="quoted-printable")
    message.add_alternative(html_part, subtype="html", cte="quoted-printable")
    return _finish(message, lang)


def _news(site: Site, update: Update | None, lang: str,
          late: datetime | None) -> tuple[str, str, str]:
    """What the message says happened: its status, its text and its text in HTML."""
    gettext = i18n.translations(lang).gettext
    if late is not None:
        status = gettext(_("Update late"))
        body = gettext(_("We promised an update by %(time)s and have not published it yet. "
                         "We are still working on it; this message is the only reminder "
                         "you will get.")) % {
            "time": i18n.format_datetime(late, site.config.timezone, lang)}
        return status, body, html.escape(body)
    assert update is not None
    body = _text(site, update.body, lang)
    return gettext(STATUS_LABELS[update.status]), body, str(markup.render(body))


def _facts(site: Site, incident, update: Update | None, lang: str) -> list[tuple[str, str, str]]:
    """(label, text, html) of what the message lists after its text."""
    gettext = i18n.translations(lang).gettext
    facts: list[tuple[str, str, str]] = []
    for label, text in ((_("Who is affected"), incident.who_is_affected),
                        (_("What you can do"), incident.what_to_do)):
        if value := _text(site, text, lang):
            facts.append((gettext(label), value, str(markup.render(value))))
    if incident.next_update is not None and update is not None \
            and incident.next_update > update.time:
        when = i18n.format_datetime(incident.next_update, site.config.timezone, lang)
        facts.append((gettext(_("Next update")), when, html.escape(when)))
    facts.append((gettext(_("Reference")), incident.reference, html.escape(incident.reference)))
    return facts


def _thread(message: EmailMessage, site: Site, incident_id: str, to: Addressing,
            site_name: str) -> None:
    """The headers that thread an incident's messages and offer to leave."""
    message["Message-ID"] = f"<{MESSAGE_ID}>" if to.recipient == TO else make_msgid(
        domain=_domain(site))
    root = thread_id(site, incident_id)
    message["In-Reply-To"] = root
    message["References"] = root
    message["List-Unsubscribe"] = f"<{to.leave}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = f'"{_one_line(site_name).replace(chr(34), chr(39))}" ' \
        f"<status.{_domain(site)}>"


# What a Template puts in each recipient's copy: plain ASCII, on lines of their own in the
# quoted-printable parts, so that they survive the encoding unchanged.
TO = "recipient@placeholder.invalid"
LEAVE = "@@LEAVE@@"
MESSAGE_ID = "placeholder.message.id"


class Template:
    """A message composed once for many recipients (in one language), each copy made by
    swapping in the address, the unsubscribe link and a Message-ID: composing with
    ``email`` takes milliseconds, which 20,000 subscribers would wait for."""

    def __init__(self, message: EmailMessage):
        self.data = bytes(message)
        for mark in (TO, LEAVE, MESSAGE_ID):
            assert mark.encode() in self.data, mark

    def render(self, recipient: str, leave: str, message_id: str) -> bytes:
        """A copy for ``recipient`` (an address address_problem accepts: ASCII, no
        separators), whose unsubscribe link is ``leave``."""
        encoded = quoprimime.body_encode(leave, maxlinelen=76, eol="\r\n")
        return (self.data.replace(TO.encode(), recipient.encode("ascii"))
                .replace(f"<{LEAVE}>".encode(), f"<{leave}>".encode("ascii"))
                .replace(LEAVE.encode(), f"=\r\n{encoded}=\r\n".encode("ascii"))
                .replace(MESSAGE_ID.encode(), message_id.encode("ascii")))


def message_id(site: Site) -> str:
    """A unique Message-ID's inside (without the angle brackets)."""
    return make_msgid(domain=_domain(site)).strip("<>")


def confirmation_message(site: Site, lang: str, recipient: str, link: str, sender: str,
                         what: str) -> EmailMessage:
    """The double opt-in's message: the link to the page that confirms."""
    gettext = i18n.translations(lang).gettext
    site_name = _text(site, site.config.name, lang)
    subject = gettext(_("Confirm your subscription to %(site)s")) % {"site": site_name}
    intro = gettext(_("Someone, probably you, asked to receive by e-mail the updates on "
                      "%(what)s from %(site)s. Open this link to confirm:")) % {
        "what": what, "site": site_name}
    ignore = gettext(_("If it was not you, ignore this message: nothing will be sent, and "
                       "the request is forgotten in 7 days."))
    message = _envelope(site, sender, recipient, subject, lang)
    message["Message-ID"] = make_msgid(domain=_domain(site))
    message.set_content(f"{intro}\n\n{link}\n\n{ignore}\n", cte="quoted-printable")
    message.add_alternative(
        f'<!doctype html><html lang="{html.escape(lang)}"><body><p>{html.escape(intro)}</p>'
        f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
        f"<p>{html.escape(ignore)}</p></body></html>", subtype="html", cte="quoted-printable")
    return _finish(message, lang)


def _envelope(site: Site, sender: str, recipient: str, subject: str, lang: str
              ) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(_one_line(_text(site, site.config.name, lang)),
                              addr_spec=sender)
    message["To"] = recipient
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Auto-Submitted"] = "auto-generated"
    return message


def _finish(message: EmailMessage, lang: str) -> EmailMessage:
    """After the parts are set (setting them clears every Content-* header)."""
    message["Content-Language"] = lang
    return message


def _one_line(text: str) -> str:
    """A header's text: whatever line breaks content holds become spaces (a header cannot
    hold one, and a title must not add a header)."""
    return markup.one_line(text, every_space=True)


def channel(address: str) -> str:
    """An address's channel in the outbox."""
    return f"mail {address}"


def address_of(channel_name: str) -> str:
    return channel_name.removeprefix("mail ")
