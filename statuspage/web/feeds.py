"""Subscriptions: update feeds, Statuspage-style history feeds, the maintenance calendar
(its files are made by ``calendars.py``).

Every language has its own: ``/updates.rss``, ``/en/updates.rss``, and per component
``/components/<id>/updates.rss``. Entry ids are the public URL of what they describe
(an update's anchor on its incident page), so they never change from one build to the next.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import datetime
from email.utils import format_datetime as rfc822
from functools import partial

from babel.dates import format_date
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from flask import Response, abort, g
from markupsafe import Markup, escape

from statuspage import i18n, markup
from statuspage.model import STATUS_LABELS, Incident, Text, Update
from statuspage.state import status
from statuspage.state.status import IncidentView as View
from statuspage.web import calendars, languages
from statuspage.web.lines import kept, memory
from statuspage.web.registry import Facts, Files

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
# Python's table says application/x-rss+xml; the freezer checks each file name against its type.
mimetypes.add_type(RSS, ".rss")

KINDS = "<any(rss, atom):kind>"
DAY_NUMBER = re.compile(r"(\d+)")  # the day in a language's "3 déc." ("1er" keeps its "er")

bp = languages.blueprint("feeds")


_ = languages.translate


def plain_title(text: str) -> str:
    """A title or a feed's description: plain text, which some readers render as HTML
    (RSS leaves it open). Without ``<`` and ``>`` it reads the same either way, and nothing
    in it can become markup."""
    return text.replace("<", "‹").replace(">", "›")  # (str.translate: slow on non-ASCII)


def _text(text: Text) -> str:
    return languages.in_lang(text).value


def _html(text: Text) -> Markup:
    return markup.render(_text(text))


FILES = Files("feeds")
FEEDS = ("rss", "atom")


def _components(snap: status.Snapshot) -> list[dict]:
    return [{"component_id": c.id} for c in snap.site.config.components]


def _entries_shown(snap: status.Snapshot, entries: list) -> object:
    """A feed shows its entries, and when it has none the date of the site's news."""
    if not entries:
        return "empty", snap.latest_news
    return [(update.anchor if update else None, view) for update, view in entries]


def _updates_shown(snap: status.Snapshot, component_id: str | None = None) -> object:
    return _entries_shown(snap, update_entries(snap, component_id))


def _history_shown(snap: status.Snapshot) -> object:
    return _entries_shown(snap, [(view.latest, view) for view in history_entries(snap)])


def _own_feeds(view: View, facts: Facts) -> list[dict]:
    """An incident's own feeds, while it has them."""
    return [{"incident_id": view.id}] if facts.followed else []


def _own_calendar(view: View, facts: Facts) -> list[dict]:
    """A maintenance's own calendar, while it has its own feeds."""
    return _own_feeds(view, facts) if view.maintenance else []


def update_entries(snap: status.Snapshot, component_id: str | None) -> list[tuple[Update, View]]:
    """The entries of an update feed: the newest published updates."""
    return snap.latest_updates(component_id)


def history_entries(snap: status.Snapshot) -> list[View]:
    """The entries of a history feed: the incidents announced last, newest first."""
    return snap.last_announced(snap.site.config.feed_entries)


def planned(snap: status.Snapshot, component_id: str | None) -> list[View]:
    """The events of a maintenance calendar: the latest planned windows."""
    return snap.planned(component_id, snap.site.config.feed_entries)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"webcal": calendars.webcal})


def _component(component_id: str):
    found = g.site.config.component(component_id)
    if found is None:
        abort(404)
    return found


def _permalink(incident: Incident | View) -> str:
    return languages.public_url("pages.incident", incident_id=incident.id)


# -- update feeds: one entry per update --------------------------------------------------------

@FILES.output(kinds=FEEDS, depends=_updates_shown)
@languages.route(f"/updates.{KINDS}", bp)
def updates(kind: str):
    title = _("%(name)s: incident updates") % {"name": _text(g.site.config.name)}
    return _updates_feed(kind, title, update_entries(g.snap, None),
                         languages.public_url("feeds.updates", kind=kind))


@FILES.output(kinds=FEEDS, files=_components, depends=_updates_shown)
@languages.route(f"/components/<component_id>/updates.{KINDS}", bp)
def component_updates(component_id: str, kind: str):
    component = _component(component_id)
    title = _("%(name)s: %(component)s updates") % {
        "name": _text(g.site.config.name), "component": _text(component.name)}
    return _updates_feed(kind, title, update_entries(g.snap, component_id),
                         languages.public_url("feeds.component_updates", kind=kind,
                                              component_id=component_id),
                         languages.public_url("pages.component", component_id=component_id))


# What it shows is its view (an empty feed is dated from the incident's start).
@FILES.incident_output(kinds=FEEDS, files=_own_feeds, depends=lambda view, facts: view)
@languages.route(f"/incidents/<incident_id>/updates.{KINDS}", bp)
def incident_updates(incident_id: str, kind: str):
    """One incident's updates only: what someone following their case subscribes to."""
    view = _followed(incident_id)
    title = _("%(name)s: %(title)s") % {"name": _text(g.site.config.name),
                                        "title": _text(view.title)}
    return _updates_feed(kind, title, incident_entries(g.snap, view),
                         languages.public_url("feeds.incident_updates", kind=kind,
                                              incident_id=incident_id),
                         _permalink(view), since=view.started)


def _followed(incident_id: str) -> View:
    view = g.snap.view(incident_id)
    if view is None or not g.snap.follows(view):
        abort(404)
    return view


def incident_entries(snap: status.Snapshot, view: View) -> list[tuple[Update, View]]:
    return [(update, view) for update in view.updates[: snap.site.config.feed_entries]]


def _updates_feed(kind: str, title: str, found: list[tuple[Update, View]], self_url: str,
                  home: str | None = None, since: datetime | None = None) -> Response:
    """``since``: the feed's date while it has no entry (else the site's newest news)."""
    feed = _feed(kind, title, self_url, newest=found[0][0].time if found else since,
                 home=home)
    here = memory()
    for update, incident in found:
        entry = feed.add_entry(order="append")
        link = f"{_permalink(incident)}#{update.anchor}"
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.link(href=link)
        entry.title(plain_title(_("%(status)s: %(title)s") % {
            "status": _(STATUS_LABELS[update.status]), "title": _text(incident.title)}))
        entry.published(_local(update.time))
        entry.updated(_local(update.time))
        # (a function of its view alone in the feed's language: kept by its state)
        _set_html(entry, kind, kept(f"feed update {update.anchor}", incident,
                                    partial(_update_html, incident, update), here))
    return _response(feed, kind)


def _update_html(incident: Incident | View, update: Update) -> Markup:
    """The update as the page shows it, with who is affected and what to do."""
    html = _html(update.body)
    if incident.areas:
        html += Markup("<p><strong>{}</strong><br>{}</p>").format(_("Where"), _places(incident))
    for label, text in ((_("Who is affected"), incident.who_is_affected),
                        (_("What you can do"), incident.what_to_do)):
        if text:
            html += Markup("<p><strong>{}</strong><br>{}</p>").format(
                label, markup.render_inline(_text(text)))
    if update in incident.updates:  # its version then: the updates up to it, counted
        number = len(incident.updates) - incident.updates.index(update)
        html += Markup("<p><small>{}</small></p>").format(
            languages.language().version(status.Version(number, update.time)))
    return html


def _places(incident: Incident | View) -> str:
    """Every place it names, in the feed's language."""
    return languages.language().places(incident.areas, every=True)


# -- history feeds: Statuspage's /history.rss and /history.atom ---------------------------------

class _StatuspageItem(BaseEntryExtension):
    """Statuspage's un-namespaced ``<maintenanceEndDate>`` on a maintenance's RSS item."""

    def __init__(self):
        self.end: datetime | None = None

    def extend_rss(self, item):
        if self.end is not None:
            xml_elem("maintenanceEndDate", item).text = rfc822(self.end)
        return item


@FILES.output(kinds=FEEDS, depends=_history_shown)
@languages.route(f"/history.{KINDS}", bp)
def history(kind: str):
    """One entry per incident or maintenance, all its updates inside, as Statuspage does."""
    incidents = [(view.announced, view, view.updates) for view in history_entries(g.snap)]
    newest = max((shown[0].time for _a, _i, shown in incidents if shown), default=None)
    title = _("%(name)s Status - Incident History") % {"name": _text(g.site.config.name)}
    feed = _feed(kind, title, languages.public_url("feeds.history", kind=kind), newest=newest)
    if kind == "rss":
        feed.register_extension("statuspage", BaseExtension, _StatuspageItem,
                                atom=False, rss=True)
    for announced, incident, shown in incidents:
        entry = feed.add_entry(order="append")
        link = _permalink(incident)
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.link(href=link)
        entry.title(plain_title(_text(incident.title)))
        entry.published(_local(announced))
        entry.updated(_local(shown[0].time if shown else announced))
        _set_html(entry, kind, _history_html(incident, shown))
        if kind == "rss" and incident.maintenance:
            entry.statuspage.end = _local(incident.maintenance.end)
    return _response(feed, kind)


def _history_html(incident: Incident | View, shown: tuple[Update, ...]) -> Markup:
    parts = []
    if incident.maintenance:
        window = incident.maintenance
        parts.append(Markup("<p><strong>{} {}</strong></p>").format(
            _("THIS IS A SCHEDULED EVENT"), _span(window.start, window.end)))
    for update in shown:
        head = Markup("<p><small>{}</small><br><strong>{}</strong> - ").format(
            _stamp(update.time), _(STATUS_LABELS[update.status]))
        body = _html(update.body)
        # The update's first paragraph continues the line, as on Statuspage.
        parts.append(head + Markup(body[3:]) if body.startswith("<p>")
                     else head + Markup("</p>") + body)
    return Markup("\n").join(parts)


def _stamp(moment: datetime, zone: bool = True) -> Markup:
    """Statuspage's ``Nov <var data-var='date'>20</var>, <var data-var='time'>09:15</var> CET``;
    in another language, its own order and words for the day (``<var data-var='date'>3</var>
    déc.``, ``1er``), the same markup around the numbers."""
    local = _local(moment)
    if g.lang.split("-")[0] == "en":  # the order of Statuspage's feeds, which tools read
        day = Markup("{} <var data-var='date'>{}</var>").format(
            format_date(local, "MMM", locale=i18n.babel_locale(g.lang)), local.day)
    else:
        words = str(escape(i18n.format_short_day(local.date(), g.lang)))
        day = Markup(DAY_NUMBER.sub("<var data-var='date'>\\1</var>", words, count=1))
    html = Markup("{}, <var data-var='time'>{:%H:%M}</var>").format(day, local)
    return html + " " + (local.tzname() or "") if zone else html


def _span(start: datetime, end: datetime) -> Markup:
    first, last = _local(start), _local(end)
    if first.date() == last.date() and first.tzname() == last.tzname():
        return Markup("{} - <var data-var='time'>{:%H:%M}</var> {}").format(
            _stamp(start, zone=False), last, last.tzname())
    return Markup("{} - {}").format(_stamp(start), _stamp(end))


# -- the parts every feed shares -----------------------------------------------------------------

def _local(moment: datetime) -> datetime:
    return moment.astimezone(g.site.config.timezone)


def _feed(kind: str, title: str, self_url: str, newest: datetime | None,
          home: str | None = None) -> FeedGenerator:
    config = g.site.config
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(plain_title(title))
    feed.description(plain_title(_("Service status of %(name)s: current incidents, planned "
                                   "maintenance and history.") % {"name": _text(config.name)}))
    feed.link(href=self_url, rel="self", type=RSS if kind == "rss" else ATOM)
    # RSS keeps the last link: the page the feed follows
    feed.link(href=home or languages.public_url("pages.index"), rel="alternate")
    feed.language(g.lang)
    feed.author(name=_text(config.name))
    feed.generator("statuspage")
    # The newest entry's time (with none, the site's newest news), so that a rebuild
    # without news writes the same bytes.
    moment = _local(newest or g.snap.latest_news)
    feed.updated(moment)
    feed.lastBuildDate(moment)
    return feed


def _set_html(entry, kind: str, html: Markup) -> None:
    if kind == "rss":
        entry.description(str(html))
    else:
        entry.content(str(html), type="html")


def _response(feed: FeedGenerator, kind: str) -> Response:
    if kind == "rss":
        return Response(feed.rss_str(pretty=True), mimetype=RSS)
    return Response(feed.atom_str(pretty=True), mimetype=ATOM)


# -- the maintenance calendar --------------------------------------------------------------------

@FILES.output(depends=lambda snap: planned(snap, None))
@languages.route("/maintenance.ics", bp)
def calendar():
    return calendars.ics(planned(g.snap, None))


@FILES.output(files=_components, depends=planned)
@languages.route("/components/<component_id>/maintenance.ics", bp)
def component_calendar(component_id: str):
    _component(component_id)
    return calendars.ics(planned(g.snap, component_id))


@FILES.incident_output(files=_own_calendar, depends=lambda view, facts: view)
@languages.route("/incidents/<incident_id>/calendar.ics", bp)
def incident_calendar(incident_id: str):
    """One maintenance, to add to a calendar: the same event (UID, SEQUENCE) as in
    maintenance.ics, so the calendar app keeps one."""
    view = _followed(incident_id)
    if view.maintenance is None:
        abort(404)
    return calendars.ics([view])
