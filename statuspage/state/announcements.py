"""One approved text for every channel: the version, the voice server's announcement, the
text message. Pure functions of the snapshot and a language, no Flask: the web outputs
(``statuspage.web.channels``) serve them, the build checks their length.

- **The version** of an incident ("point n° 3 de 14:05" / "update 3 of 14:05"): its
  published updates counted and the time of the latest (``IncidentView.version``), said
  alike on the page, the desk, the phone line, the text message and the feeds.
- **The voice server's text** (``ivr_text``, ``ivr_ssml``): what a telephony platform reads
  with its own speech engine before the queue; spoken, not written: no address, no
  markdown, times in words, the reference spelled out, never the support number the caller
  dialled.
- **The text message** (``sms``): one message per open incident, in the GSM 03.38 alphabet
  when it can be (160 characters), else in UCS-2 (70).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from babel.core import get_global
from babel.lists import format_list

from statuspage import i18n, markup, places
from statuspage.model import STATUS_LABELS, Impact, Text, _
from statuspage.state.status import Snapshot
from statuspage.state.view import IncidentView, Version

IVR_ITEMS = 3  # incidents read out; beyond, how many others
IVR_LIMIT = 900  # characters of text: about a minute of speech
SMS_GSM = 160  # characters of one message in the GSM 03.38 alphabet
SMS_UCS2 = 70  # … and in UCS-2, when one character is outside it
SEVERITY = {Impact.CRITICAL: 0, Impact.MAJOR: 1, Impact.MINOR: 2, Impact.NONE: 3}

VERSION = _("update %(num)d of %(time)s")
CALM = _("All our services are working normally. Thank you for calling.")
INCIDENT = _("Incident in progress on %(services)s.")
INCIDENT_AT = _("Incident in progress on %(services)s, in %(places)s.")
MAINTENANCE = _("Planned maintenance in progress on %(services)s. It should end %(time)s.")
MAINTENANCE_AT = _("Planned maintenance in progress on %(services)s, in %(places)s. It "
                   "should end %(time)s.")
NEXT = _("Next update %(time)s.")
LATE = _("The next update is being prepared.")
SPOKEN_VERSION = _("This is %(version)s.")
SPOKEN_REFERENCE = _("Reference: %(ref)s.")
AT_TODAY = _("at %(time)s")
AT_TOMORROW = _("tomorrow at %(time)s")
AT_DAY = _("on %(day)s at %(time)s")
SMS_NEXT = _("Next update: %(time)s")


# -- the version ------------------------------------------------------------------------

def version_text(version: Version, tz, lang: str) -> str:
    """``update 3 of 14:05`` (site zone): what every channel says of the version."""
    return i18n.translations(lang).gettext(VERSION) % {
        "num": version.number, "time": i18n.format_time_of_day(version.time, tz, lang)}


# -- what the channels say of an incident ------------------------------------------------

def announced(snap: Snapshot) -> list[IncidentView]:
    """What the phone line announces: open incidents, most severe first (the newest first
    among equals), then maintenance in progress."""
    incidents = sorted(snap.open_incidents, key=lambda v: v.started, reverse=True)
    incidents.sort(key=lambda v: SEVERITY[v.incident.impact])
    return [*incidents, *snap.active_maintenance]


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _plain(text: Text, lang: str, default: str) -> str:
    """A plain text field (a title) for a phone: tags, which no phone shows, left out."""
    return _TAG.sub("", text.value_in(lang, default))


_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def spoken(text: str) -> str:
    """Markdown as words: its plain text on one line, without addresses."""
    text = markup.plain_text(text)
    text = re.sub(r"\s*\((?:https?://|mailto:)[^)]*\)", "", text)  # links' targets
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = _URL.sub("", text)
    text = re.sub(r"[*_`#>|]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s]


def _number(phone: str) -> re.Pattern[str] | None:
    """The support number as written in a sentence: its digits, perhaps spaced, dotted or
    dashed ("39 00", "01.23.45.67.89"), not inside a longer number."""
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return None
    return re.compile(r"(?<!\d)" + r"[\s.\-]?".join(digits) + r"(?!\d)")


def first_sentence(text: str, phone: str = "") -> str:
    """The first sentence of ``text`` as words that does not give the support number (the
    caller dialled it)."""
    number = _number(phone)
    for sentence in sentences(spoken(text)):
        if number is None or not number.search(sentence):
            return sentence if sentence[-1] in ".!?…" else sentence + "."
    return ""


def services(view: IncidentView, config, lang: str) -> str:
    names = [_plain(config.name_of(c), lang, config.default_language) for c in view.components]
    return _list(names, lang)


def _list(items: list[str], lang: str) -> str:
    return format_list(items, locale=i18n.babel_locale(lang)) if items else ""


# -- times in words ---------------------------------------------------------------------

def spoken_clock(moment: datetime, tz, lang: str) -> str:
    """A time of day as a speech engine reads it well: "18 heures 30", "6:30 pm"."""
    local = moment.astimezone(tz)
    hour, minute = local.hour, local.minute
    if lang.split("-")[0] == "fr":
        if hour == 0 and minute == 0:
            return "minuit"
        if hour == 12 and minute == 0:
            return "midi"
        said = f"{hour} heure{'s' if hour > 1 else ''}"
        return f"{said} {minute}" if minute else said
    twelve = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    return f"{twelve}:{minute:02d} {suffix}" if minute else f"{twelve} {suffix}"


def spoken_when(moment: datetime, now: datetime, tz, lang: str) -> str:
    """"à 18 heures", "demain à 9 heures", "le 28 novembre à 9 heures": from ``now``."""
    gettext = i18n.translations(lang).gettext
    clock = spoken_clock(moment, tz, lang)
    day, today = moment.astimezone(tz).date(), now.astimezone(tz).date()
    if day == today:
        return gettext(AT_TODAY) % {"time": clock}
    if day == today + timedelta(days=1):
        return gettext(AT_TOMORROW) % {"time": clock}
    return gettext(AT_DAY) % {"time": clock, "day": i18n.format_day_in_words(day, lang)}


def spelled(reference: str) -> str:
    """A reference read out one character at a time: "K, 7, M, 2, Q, X"."""
    return ", ".join(reference)


# -- the voice server's announcement -------------------------------------------------------

def ivr_parts(snap: Snapshot, lang: str) -> tuple[list[list[tuple[str, str]]], str]:
    """Each incident read out, as (kind, text) pieces, kind ``ref`` for the reference to
    spell; and the closing sentence (the others, or the calm one)."""
    config = snap.site.config
    gettext = i18n.translations(lang).gettext
    tz, default = config.timezone, config.default_language
    phone = config.support.phone or ""
    found = announced(snap)
    items = []
    for view in found[:IVR_ITEMS]:
        names = services(view, config, lang)
        where = places.summary(view.incident.areas, lang, default)
        pieces = []
        if view.is_maintenance:
            until = spoken_when(view.maintenance.end, snap.now, tz, lang)
            pieces.append(gettext(MAINTENANCE_AT if where else MAINTENANCE) % {
                "services": names, "places": where, "time": until})
        else:
            pieces.append(gettext(INCIDENT_AT if where else INCIDENT) % {
                "services": names, "places": where})
        happening = first_sentence(view.latest.body.value_in(lang, default), phone) \
            if view.latest else ""
        pieces.append(happening or _plain(view.title, lang, default).rstrip(".") + ".")
        todo = first_sentence(_plain(view.incident.what_to_do, lang, default), phone)
        if todo:
            pieces.append(todo)
        if view.promise is not None:
            pieces.append(gettext(NEXT) % {"time": spoken_when(view.promise, snap.now, tz,
                                                                lang)})
        elif view.late is not None:
            pieces.append(gettext(LATE))
        if view.version is not None:
            pieces.append(gettext(SPOKEN_VERSION) % {
                "version": version_text(view.version, tz, lang)})
        items.append([("text", " ".join(pieces)), ("ref", view.incident.reference)])
    return items, gettext(CALM) if not found else _others(found[len(items):], lang)


def _others(rest: list[IncidentView], lang: str) -> str:
    """What is not read out, counted: the incidents, then the maintenance in progress
    (not counted as incidents)."""
    ngettext = i18n.translations(lang).ngettext
    works = sum(1 for view in rest if view.is_maintenance)
    incidents = len(rest) - works
    said = []
    if incidents:
        said.append(ngettext("And %(num)d other incident on our status page.",
                             "And %(num)d other incidents on our status page.",
                             incidents) % {"num": incidents})
    if works:
        said.append(ngettext("And %(num)d other maintenance in progress.",
                             "And %(num)d other maintenance operations in progress.",
                             works) % {"num": works})
    return " ".join(said)


def _reference_sentence(lang: str) -> tuple[str, str]:
    """The reference sentence around its characters: ("Référence : ", ".")."""
    before, _marker, after = (i18n.translations(lang).gettext(SPOKEN_REFERENCE)
                              % {"ref": "\0"}).partition("\0")
    return before, after


def ivr_text(snap: Snapshot, lang: str) -> str:
    """The announcement as plain text: one paragraph per incident."""
    items, closing = ivr_parts(snap, lang)
    before, after = _reference_sentence(lang)
    paragraphs = [" ".join(text if kind == "text" else before + spelled(text) + after
                           for kind, text in item) for item in items]
    return "\n\n".join([*paragraphs, *([closing] if closing else [])]) + "\n"


def speech_lang(lang: str) -> str:
    """The language with its region, as speech engines pick voices: fr → fr-FR, en → en-GB
    (the site's English is British), pt-BR stays."""
    if "-" in lang:
        return lang
    locale = i18n.babel_locale(lang)
    if "_" not in locale:
        locale = get_global("likely_subtags").get(locale, locale)
    parts = locale.split("_")
    region = next((p for p in parts[1:] if len(p) == 2 or p.isdigit()), None)
    return f"{parts[0]}-{region}" if region else parts[0]


def ivr_ssml(snap: Snapshot, lang: str) -> str:
    """The announcement in SSML 1.1: the reference in ``say-as interpret-as="characters"``,
    a pause between incidents."""
    items, closing = ivr_parts(snap, lang)
    before, after = _reference_sentence(lang)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" '
             f'xml:lang="{escape(speech_lang(lang))}">']
    for at, item in enumerate(items):
        if at:
            lines.append('<break time="800ms"/>')
        said = " ".join(escape(text) if kind == "text" else
                        f'{escape(before)}<say-as interpret-as="characters">{escape(text)}'
                        f'</say-as>{escape(after)}' for kind, text in item)
        lines.append(f"<p>{said}</p>")
    if closing:
        if items:
            lines.append('<break time="800ms"/>')
        lines.append(f"<p>{escape(closing)}</p>")
    lines.append("</speak>")
    return "\n".join(lines) + "\n"


def ivr_warnings(snap: Snapshot) -> list[str]:
    """One line per language whose announcement is longer than a minute of speech."""
    found = []
    for lang in snap.site.config.languages:
        length = len(ivr_text(snap, lang).strip())
        if length > IVR_LIMIT:
            found.append(f"channels/{lang}/ivr.txt: {length} characters, over {IVR_LIMIT} "
                         "(about a minute of speech): shorten the first sentence of the "
                         "latest updates or of what_to_do of the incidents in progress")
    return found


# -- the text message --------------------------------------------------------------------

GSM = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each
# What French (and common typography) writes outside the alphabet, said with what it has.
# The table's 0x09 is the capital Ç, not ç (Unicode's GSM0338.TXT).
TRANSLITERATION = str.maketrans({
    "â": "a", "ê": "e", "ë": "e", "î": "i", "ï": "i", "ô": "o", "û": "u", "ÿ": "y",
    "ç": "c", "œ": "oe", "Œ": "OE", "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E",
    "Î": "I", "Ï": "I", "Ô": "O", "Ù": "U", "Û": "U", "Ÿ": "Y", "á": "a", "í": "i",
    "ó": "o", "ú": "u", "’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "°": "o", "\t": " ",
})


def gsm(text: str) -> str:
    """``text`` in the GSM 03.38 alphabet as far as it goes: French accents outside it
    written without (ê → e, œ → oe), other accented letters without their accent; what
    has no such form stays (the message is then UCS-2)."""
    text = text.translate(TRANSLITERATION)
    if all(c in GSM or c in GSM_EXTENDED for c in text):
        return text
    return "".join(_gsm_char(c) for c in text)


def _gsm_char(char: str) -> str:
    if char in GSM or char in GSM_EXTENDED:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(c))
    return base if base and all(c in GSM for c in base) else char


def sms_length(text: str) -> tuple[int, int]:
    """(length, limit) of one message: septets of GSM 03.38, else UTF-16 units of UCS-2."""
    if all(c in GSM or c in GSM_EXTENDED for c in text):
        return sum(2 if c in GSM_EXTENDED else 1 for c in text), SMS_GSM
    return len(text.encode("utf-16-le")) // 2, SMS_UCS2


def fits(text: str) -> bool:
    length, limit = sms_length(text)
    return length <= limit


def short_address(url: str, reference: str) -> str:
    """``status.example.com/r/K7M2QX``: the site's host and path, without the scheme."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/r/{reference}"


def sms(view: IncidentView, snap: Snapshot, lang: str) -> str:
    """One text message: the title (shortened to fit), the status, the version, the next
    update and the short address; what does not fit is left out, the address last."""
    config = snap.site.config
    gettext = i18n.translations(lang).gettext
    tz = config.timezone
    title = gsm(markup.one_line(_plain(view.title, lang, config.default_language),
                                every_space=True)).strip()
    address = short_address(config.url, view.incident.reference)
    details = [gettext(STATUS_LABELS[view.status])]
    if view.version is not None:
        said = version_text(view.version, tz, lang)
        details.append(said[:1].upper() + said[1:])  # it starts a sentence here
    if view.promise is not None:
        details.append(gettext(SMS_NEXT) % {"time": _sms_time(view.promise, snap.now, tz,
                                                                lang)})
    details = [gsm(d) for d in details]
    for count in range(len(details), -1, -1):  # fewer details when even "…" does not fit
        tail = "".join(f". {d}" for d in details[:count]) + f". {address}"
        text = _with_title(title, tail)
        if text is not None:
            return text
    return address if fits(address) else gsm(view.incident.reference)


def _with_title(title: str, tail: str) -> str | None:
    """``title`` + ``tail``, the title cut at a word (with "...") to fit; None when not
    even a few words of it fit."""
    text = title + tail
    if fits(text):
        return text
    words = title.split(" ")
    while len(words) > 1:
        words.pop()
        text = " ".join(words).rstrip(" ,;:-") + "..." + tail
        if fits(text):
            return text
    cut = title
    while len(cut) > 8:
        cut = cut[:-1]
        if fits(cut + "..." + tail):
            return cut + "..." + tail
    return None


def _sms_time(moment: datetime, now: datetime, tz, lang: str) -> str:
    """``18:00 CET``, with its day (``27 nov.``) when it is not today."""
    clock = i18n.format_clock(moment, tz, lang)
    if moment.astimezone(tz).date() == now.astimezone(tz).date():
        return clock
    return f"{i18n.format_short_day(moment.astimezone(tz).date(), lang)} {clock}"


def sms_views(snap: Snapshot) -> Iterable[IncidentView]:
    """The incidents with a text message: those open now."""
    return snap.open_incidents
