"""The support desk edition's own outputs, registered only in its app.

``create_app(site, edition=DESK)`` registers this blueprint instead of the public feeds,
API and embed. Its templates (``desk_templates/``) are on that app's template path only:
the public pages include them with ``ignore missing``, so the public app has no way to
render an internal block, and its site (``desk.public``) has no internal data to show.

- on every page: the "Internal — do not share" banner and ``noindex`` (``desk/_head.html``,
  ``desk/_banner.html``);
- the home page starts with what an agent on a call needs (``desk/_home.html``), and a
  search box reading ``/desk/search.json`` (``desk.js``): every published incident, its
  reference, tags, components and words, resolved ones too;
- an incident's page adds its internal block (``desk/_incident.html``);
- ``/robots.txt`` asks robots to stay out.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import Flask, Response, current_app, g
from markupsafe import Markup

from statuspage import i18n, markup
from statuspage.model import STATUS_LABELS, Internal, Note, Text
from statuspage.state.status import IncidentView
from statuspage.web import api, assets, languages
from statuspage.web.registry import Files

STATIC = Path(__file__).resolve().parent / "desk_static"
bp = languages.blueprint("desk", template_folder="desk_templates")
TEXT_LIMIT = 4000  # characters of an incident's words in the search index
ROBOTS = "User-agent: *\nDisallow: /\n"
# Seconds after its build when the desk says it may be out of date: twice the daemon's
# --every (``STATUSPAGE_EVERY``), else twice its default (a desk built once and left goes
# stale while the incidents move on).
STALE_AFTER = 600


FILES = Files("desk")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"internal": internal, "desk_asset": asset_url,
                                   "desk_now": desk_now, "note_html": note_html,
                                   "desk_stale_after": stale_after})


def stale_after() -> int:
    """Seconds after which the desk's page says it may be out of date."""
    every = current_app.config.get("STATUSPAGE_EVERY")
    return int(2 * every.total_seconds()) if every else STALE_AFTER


def internal(view: IncidentView) -> Internal | None:
    return g.site.internal.get(view.id)


def note_html(note: Note) -> Markup:
    return markup.render(note.body)


def desk_now() -> list[IncidentView]:
    """What an agent on a call is asked about: open incidents, then maintenance in
    progress."""
    return [*g.snap.open_incidents, *g.snap.active_maintenance]


def asset_url(name: str) -> str:
    return languages.link("desk.asset", hashed=assets.names(STATIC)[name])


@FILES.output(files=lambda snap: [{"hashed": hashed} for hashed in assets.names(STATIC).values()],
              depends=lambda snap, hashed: hashed, languages=False)
@bp.route("/desk/static/<path:hashed>")
def asset(hashed: str):
    return assets.view(hashed, STATIC)


@FILES.output(depends=lambda snap: ROBOTS, languages=False)
@bp.route("/robots.txt")
def robots():
    return Response(ROBOTS, mimetype="text/plain")


def folded(text: str) -> str:
    """Lower case without accents: what the search compares (desk.js folds the same way)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _texts(value: Text) -> list[str]:
    return [markup.plain_text(item) for item in value.values() if item]


def entry(view: IncidentView, language: languages.Language) -> dict:
    """One incident in the search index, in ``language``."""
    incident = view.incident
    config = language.site.config
    found = internal(view)
    words = [incident.id, *incident.title.values(), *_texts(incident.summary),
             *_texts(incident.who_is_affected), *_texts(incident.what_to_do)]
    names = [language.plain(config.name_of(c)) for c in incident.components]
    for component_id in incident.components:
        words += [component_id, *config.name_of(component_id).values()]
    if found is not None:
        words += [*_texts(found.say), *_texts(found.do), *found.tags,
                  *(markup.plain_text(n.body) for n in found.notes)]
    for update in view.updates:
        words += _texts(update.body)
    return {
        "ref": incident.reference,
        "id": incident.id,
        "title": language.plain(incident.title),
        "url": languages.link("pages.incident", incident_id=incident.id),
        "status": language.translations.gettext(STATUS_LABELS[view.status]),
        "open": view.is_open,
        "maintenance": view.is_maintenance,
        "started": incident.started.isoformat(),
        "since": i18n.format_datetime(incident.started, language.tz, language.lang),
        "version": language.version(view.version),
        "places": language.places(incident.areas),
        "areas": [area.code for area in incident.areas],
        "components": list(incident.components),
        "names": names,
        "tags": list(found.tags) if found is not None else [],
        "text": folded(" ".join(words))[:TEXT_LIMIT],
    }


@FILES.output(depends=None)  # the moment's statuses: written at every build
@languages.route("/desk/search.json", bp)
def search_index():
    language = languages.language()
    entries = [entry(view, language) for view in g.snap.by_announcement]
    return Response(api.dumps({"incidents": entries}), mimetype="application/json")
