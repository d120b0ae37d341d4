"""The customer pages: home, incident permalink, history, component, not found (in every
language)."""

from __future__ import annotations

from flask import Flask, abort, g, render_template, request

from statuspage.state.status import Snapshot
from statuspage.web import assets
from statuspage.web.languages import blueprint, lang_values, route
from statuspage.web.registry import Output, key

bp = blueprint("pages")
LISTED = 50  # incidents a component's page lists (then a link to the history)
CARDS = 3  # open incidents the home page shows in full; the others on a line each
LINES = 17  # then this many on a line each, and a link to the list of them all
PER_DAY = 5  # past incidents the home page lists for a day; the month's page has them all


def outputs(snap: Snapshot):
    """Every page in every language but the incidents' own, with what it shows beyond the
    site's settings (None: it changes with the moment)."""
    months = {month: key(views, snap.month_around(*month)) for month, views in
              snap.months.items()}
    history = key(sorted((month, len(views), sum(v.is_maintenance for v in views))
                         for month, views in snap.months.items()), snap.latest)
    components = {c.id: component_key(snap, c.id) for c in snap.site.config.components}
    now = key(snap.open_incidents, snap.active_maintenance)
    for lang in lang_values(snap.site):
        yield Output("pages.index", {"lang": lang})
        yield Output("pages.current", {"lang": lang}, now)
        yield Output("pages.history", {"lang": lang}, history)
        for (year, month), month_key in months.items():
            yield Output("pages.history_month", {"lang": lang, "year": year, "month": month},
                         month_key)
        for component_id, component_key_ in components.items():
            yield Output("pages.component", {"lang": lang, "component_id": component_id},
                         component_key_)
        yield Output("pages.not_found_page", {"lang": lang}, key(snap.indicator, now))
    for hashed in assets.names().values():
        yield Output("asset", {"hashed": hashed}, hashed)
    if snap.site.config.logo is not None:
        yield Output("asset", {"hashed": snap.site.config.logo.hashed},
                     snap.site.config.logo.hashed)


def incident_outputs(snap: Snapshot, view):
    """An incident's page in every language: its view, and whether it links to its own
    feeds (it does while it has them)."""
    page = key(view, snap.follows(view))
    for lang in lang_values(snap.site):
        yield Output("pages.incident", {"lang": lang, "incident_id": view.id}, page)


def component_key(snap: Snapshot, component_id: str) -> str | None:
    """What a component's page shows: its status, its bars, its maintenance and incidents."""
    days = [(d.day, d.uptime, d.worst, d.incidents, d.known) for d in snap.uptime(component_id)]
    shown = [snap.views[i] for d in snap.uptime(component_id) for i in d.incidents]
    return key(snap.components[component_id], days, shown, snap.maintenance_of(component_id),
               snap.incidents_of(component_id)[:LISTED + 1])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_url_rule("/static/<path:hashed>", "asset", assets.view)

    @app.errorhandler(404)
    def not_found(error):
        """An unknown address under /<lang>/ gets that language's page, as the web server's
        ``error_page`` per language does (docs/serving.md)."""
        first = request.path.lstrip("/").split("/", 1)[0]
        if first in g.site.config.languages[1:]:
            g.lang = first
        return render_template("404.html"), 404


@route("/", bp)
def index():
    return render_template("index.html", cards=CARDS, listed=CARDS + LINES, per_day=PER_DAY)


@route("/incidents/", bp)
def current():
    """Every incident in progress (the home page shows the first ones)."""
    return render_template("current.html")


@route("/incidents/<incident_id>/", bp)
def incident(incident_id: str):
    found = g.snap.view(incident_id)
    if found is None or not found.published:
        abort(404)
    return render_template("incident.html", incident=found)


@route("/history/", bp)
def history():
    return render_template("history.html")


@route("/history/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/", bp)
def history_month(year: int, month: int):
    incidents = g.snap.months.get((year, month))
    if incidents is None:
        abort(404)
    before, after = g.snap.month_around(year, month)
    return render_template("history_month.html", year=year, month=month, incidents=incidents,
                           before=before, after=after)


@route("/components/<component_id>/", bp)
def component(component_id: str):
    found = g.site.config.component(component_id)
    if found is None:
        abort(404)
    return render_template("component.html", component=found, listed=LISTED)


@route("/404.html", bp)
def not_found_page():
    """``/404.html`` and ``/<lang>/404.html``: the page web servers show for an unknown
    address (docs/serving.md maps each language's addresses to its own)."""
    return render_template("404.html")
