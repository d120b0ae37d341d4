"""What other sites show: the customer-area banner (script and iframe) and status badges.

- ``/embed/status.js``: one script for every language. It picks the language from the host
  page's ``<html lang>``, fetches that language's ``embed/status.json`` from the address it
  was loaded from, and shows a banner only while an incident is open or a maintenance is
  in progress; or, with ``data-frame``, puts that language's ``banner.html`` in an iframe
  it sizes to the height the page posts. ``data-theme`` and ``data-components`` on the
  script tag choose the colours and the services.
- ``/embed/status.json`` (``/en/embed/status.json`` …): what the banner says, in the
  page's language, texts from the gettext catalogs, with each item's services.
- ``/embed/banner.html`` (per language): the same banner for an iframe, readable without
  JavaScript; a small inline script applies ``#theme=…&components=…`` and posts its height
  to the host page.
- ``/badge.svg``, ``/components/<id>/badge.svg`` (per language): flat status badges.

docs/embed.md is the customer's side of this.
"""

from __future__ import annotations

import math
import mimetypes
import re
import unicodedata
from functools import partial

from flask import Response, abort, g, get_template_attribute, render_template, request, url_for

from statuspage import i18n, markup
from statuspage.markup import one_line
from statuspage.model import ComponentStatus, Text, _
from statuspage.state import status
from statuspage.state.documents import Encoded
from statuspage.state.status import Indicator
from statuspage.web import api, languages
from statuspage.web.lines import kept, memory
from statuspage.web.registry import Files

JS = "text/javascript"  # RFC 9239; Python before 3.12 says application/javascript
SVG = "image/svg+xml"
# The freezer checks each file's name against its type.
mimetypes.add_type(JS, ".js")

bp = languages.blueprint("embed")

REGION = _("Current status")
MORE = _("read more")
NEXT = _("next update at %(time)s")
TODO_LENGTH = 160  # characters of what to do the banner shows; the page has it all
KIND_LABELS = {
    "incident": _("Incident in progress:"),
    "maintenance": _("Maintenance in progress:"),
}
# The banner's colours in each scheme (script and iframe page): text and links have at least
# 4.5:1 contrast on every background; the edge only repeats what the words say.
BANNER_COLOURS = {
    "light": {"fg": "#1b1f24", "bg": "#fff", "a": "#0550ae", "ok": ["#dafbe1", "#1a7f37"],
              "incident": ["#fff1e5", "#bc4c00"], "maintenance": ["#ddf4ff", "#0969da"]},
    "dark": {"fg": "#e6edf3", "bg": "#0d1117", "a": "#79c0ff", "ok": ["#12261e", "#3fb950"],
             "incident": ["#2b1a0e", "#db6d28"], "maintenance": ["#0c2340", "#4493f8"]},
}
# Badges: short words, and colours with at least 4.5:1 contrast for white text.
BADGE_LABEL_COLOUR = "#555"
BADGE_TITLE = _("%(label)s: %(status)s")
STATUS_COLOURS = {
    ComponentStatus.OPERATIONAL: "#1a7f37",
    ComponentStatus.UNDER_MAINTENANCE: "#0969da",
    ComponentStatus.DEGRADED_PERFORMANCE: "#9a6700",
    ComponentStatus.PARTIAL_OUTAGE: "#bc4c00",
    ComponentStatus.MAJOR_OUTAGE: "#cf222e",
}
COMPONENT_BADGES = {status: (colour, status.label) for status, colour in STATUS_COLOURS.items()}
INDICATOR_BADGES = {i: (STATUS_COLOURS[i.like], i.badge) for i in Indicator}


FILES = Files("embed")


def _banner_shows(snap: status.Snapshot) -> tuple:
    return snap.open_incidents, snap.active_maintenance


def init_app(app) -> None:
    app.register_blueprint(bp)


def _text(text: Text) -> str:
    """Plain text in the page's language, on one line."""
    return one_line(languages.in_lang(text).value)


def site_path(endpoint: str, **values) -> str:
    """A page's address relative to the site's root: ``en/incidents/<id>/``."""
    return url_for(endpoint, **values)[len(request.script_root):].lstrip("/")


# -- the banner: its data, the script, the iframe page -------------------------------------------

def _in_banner() -> list[tuple[str, status.IncidentView]]:
    """What the banner lists, each with its kind: open incidents, then maintenance in
    progress.

    Scheduled maintenance is left out: the banner is for what is wrong now (the status
    page and the calendar announce what is planned).
    """
    return [(kind, view) for kind, found in (("incident", g.snap.open_incidents),
                                             ("maintenance", g.snap.active_maintenance))
            for view in found]


def banner_data(listed: list[tuple[str, status.IncidentView]] | None = None) -> dict:
    """What the banner says in this language (``listed``: ``_in_banner()``)."""
    # (each item a function of its view alone: kept by its state)
    here = memory()
    items = [kept(f"banner {kind}", view, partial(_item, kind, view), here)
             for kind, view in (listed if listed is not None else _in_banner())]
    translations = languages.language().translations
    return {"lang": g.lang, "label": languages.translate(REGION), "more": languages.translate(MORE),
            "components": [c.id for c in g.site.config.components], "items": items,
            # For a customer's own services (data-components): their names, and the
            # sentence that says they are concerned, for one service and for several.
            "names": {c.id: _text(c.name) for c in g.site.config.components},
            "yours": [translations.ngettext("Your %(services)s service is affected:",
                                            "Your %(services)s services are affected:", n)
                      % {"services": "%s"} for n in (1, 2)]}


def first_line(text: str) -> str:
    """What to do, as the banner says it: its first paragraph as plain text, its first
    sentence when that is long, and an ellipsis beyond ``TODO_LENGTH`` characters."""
    found = one_line(markup.plain_text(text).strip().split("\n\n")[0])
    if len(found) > TODO_LENGTH:
        sentence = re.match(r".+?[.!?](?=\s)", found)
        found = sentence.group() if sentence else found
    if len(found) > TODO_LENGTH:
        found = found[:TODO_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return found


def _item(kind: str, incident) -> Encoded:
    """An item of the banner: kept by its view's state (``banner_data``), and encoded once
    into each ``status.json`` that lists it (at 2,000 open incidents, encoding them all
    was most of that file's 20 ms a build)."""
    title = languages.in_lang(incident.title)
    item: dict[str, object] = {
        "kind": kind,
        "label": languages.translate(KIND_LABELS[kind]),
        "title": one_line(title.value),
        "path": site_path("pages.incident", incident_id=incident.id),
        "components": {c: s.value for c, s in incident.components.items()},  # id → status
    }
    if incident.areas:  # where it is: its codes for the banner to match, their names to say
        item["areas"] = [area.code for area in incident.areas]
        item["places"] = languages.language().places(incident.areas, every=True)
    if incident.what_to_do:
        item["todo"] = first_line(languages.in_lang(incident.what_to_do).value)
    if incident.promise:
        language = languages.language()
        item["next"] = languages.translate(NEXT) % {"time": i18n.format_clock(
            incident.promise, language.tz, language.lang)}
    if title.lang != g.lang:
        item["lang"] = title.lang  # a fallback title, marked for screen readers
    return Encoded(item)


@FILES.output(depends=_banner_shows)
@languages.route("/embed/status.json", bp)
def status_json():
    return Response(api.dumps_document(banner_data()), mimetype="application/json")


# Its news is in status.json: the script has only the site's settings (languages, URL).
@FILES.output(depends=lambda snap: "script", languages=False)
@bp.route("/embed/status.js")
def script():
    """One script for every language: each language's folder (relative to the site's root) and
    the iframe's title in its language are baked in, not the news."""
    config = g.site.config
    folders: dict[str, list[str]] = {}
    suffix = "embed/status.json"
    for lang in config.languages:  # the full code first, then its language alone
        folder = site_path("embed.status_json", lang=lang)[:-len(suffix)]
        folders.setdefault(lang.lower(), [folder, i18n.translations(lang).gettext(REGION)])
    for lang in config.languages:
        folders.setdefault(lang.split("-")[0].lower(), folders[lang.lower()])
    body = render_template("embed/status.js", url=api.dumps(config.url),
                           folders=api.dumps(folders),
                           default=api.dumps(config.default_language.lower()),
                           colours=api.dumps(BANNER_COLOURS))
    return Response(body, mimetype=JS)


@FILES.output(depends=_banner_shows)
@languages.route("/embed/banner.html", bp)
def banner():
    """The banner for an iframe: readable without script, links open in the host page's
    window; its inline script filters, themes and posts its height."""
    listed = _in_banner()
    data = banner_data(listed)
    row = get_template_attribute("embed/_row.html", "row")
    more, root = data["more"], request.script_root + "/"
    # Each item's paragraph, a function of its item (of its view) and the page's language.
    here = memory()
    rows = [kept(f"banner row {kind}", view, partial(row, item, more, root), here)
            for (kind, view), item in zip(listed, data["items"], strict=True)]
    return render_template("embed/banner.html", banner=data, rows=rows,
                           colours=BANNER_COLOURS, calm=Indicator.NONE.description)


# -- badges -----------------------------------------------------------------------------------

@FILES.output(depends=lambda snap: snap.indicator)
@languages.route("/badge.svg", bp)
def badge():
    colour, label = INDICATOR_BADGES[g.snap.indicator]
    return _badge(_text(g.site.config.name), languages.translate(label), colour)


@FILES.output(files=lambda snap: [{"component_id": c.id} for c in snap.site.config.components],
              depends=lambda snap, component_id: snap.components[component_id])
@languages.route("/components/<component_id>/badge.svg", bp)
def component_badge(component_id: str):
    component = g.site.config.component(component_id)
    if component is None:
        abort(404)
    colour, label = COMPONENT_BADGES[g.snap.components[component.id]]
    return _badge(_text(component.name), languages.translate(label), colour)


def _badge(label: str, value: str, colour: str) -> Response:
    left, right = text_width(label) + 12, text_width(value) + 12
    body = render_template(
        "embed/badge.svg", label=label, value=value, colour=colour,
        label_colour=BADGE_LABEL_COLOUR, left=left, right=right,
        title=languages.translate(BADGE_TITLE) % {"label": label, "status": value})
    return Response(body, mimetype=SVG)


# Advance widths of Verdana at 11 px (the badge's first font), approximate and grouped:
# enough to size the boxes; textLength makes any other font fit them.
_WIDTHS = {
    " ": 3.9, "ijl'|": 3.1, "frtI!.,:;()[]{}": 4.7, "J\"-/\\": 5.1, "csz*": 5.8,
    "kvxyFL?": 6.4, "abdeghnopquETPY_$0123456789#+<=>~^": 7.0, "ABCKRSVXZ": 7.7,
    "DGHNOQU": 8.7, "wM": 9.3, "m&%": 10.7, "W@": 11.0,
}
WIDTH = {char: width for chars, width in _WIDTHS.items() for char in chars}


def text_width(text: str) -> int:
    """The text's width in pixels at 11 px, estimated without any font file."""
    total = 0.0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1] or char  # é → e
        if base in WIDTH:
            total += WIDTH[base]
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 11.0
        elif unicodedata.combining(char):
            continue
        else:
            total += 7.0
    return math.ceil(total)


# -- CORS: the live preview answers other sites' scripts, as a static host should --------------

@bp.after_app_request
def allow_cross_origin(response: Response) -> Response:
    """``Access-Control-Allow-Origin: *`` on the API's, the feeds' and this blueprint's
    files (any language's), and on anything else under /api/ and /embed/, 404s included."""
    if (request.blueprint in ("api", "embed", "feeds")
            or request.path.startswith(("/api/", "/embed/"))):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
