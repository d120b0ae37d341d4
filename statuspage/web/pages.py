"""The customer pages: home, incident permalink, history, component, not found (in every
language)."""

from __future__ import annotations

from flask import Flask, abort, g, render_template, request

from statuspage import addresses
from statuspage.state.status import Snapshot
from statuspage.web import assets
from statuspage.web.languages import blueprint, route
from statuspage.web.registry import Files

bp = blueprint("pages")
LISTED = 50  # incidents a component's page lists (then a link to the history)
CARDS = 3  # open incidents the home page shows in full; the others on a line each
LINES = 17  # then this many on a line each, and a link to the list of them all
PER_DAY = 5  # past incidents the home page lists for a day; the month's page has them all


FILES = Files("pages")


def component_shows(snap: Snapshot, component_id: str) -> tuple:
    """What a component's page shows: its status, its bars, its maintenance and incidents."""
    days = [(d.day, d.uptime, d.worst, d.incidents, d.known) for d in snap.uptime(component_id)]
    shown = [snap.views[i] for d in snap.uptime(component_id) for i in d.incidents]
    return (snap.components[component_id], days, shown, snap.maintenance_of(component_id),
            snap.incidents_of(component_id, LISTED + 1))


def _in_progress(snap: Snapshot) -> tuple:
    return snap.open_incidents, snap.active_maintenance


def _months(snap: Snapshot) -> list[dict]:
    return [{"year": year, "month": month} for year, month in snap.months]


def _history_shows(snap: Snapshot) -> tuple:
    """Each month's count of incidents and of maintenance, and the latest incidents."""
    return [(month, count, works) for month, (count, works) in snap.month_counts.items()], \
        snap.latest


def _month_shows(snap: Snapshot, year: int, month: int) -> tuple:
    return snap.months[(year, month)], snap.month_around(year, month)


def _components(snap: Snapshot) -> list[dict]:
    return [{"component_id": c.id} for c in snap.site.config.components]


def _assets(snap: Snapshot) -> list[dict]:
    logo = snap.site.config.logo
    return [{"hashed": hashed} for hashed in (*assets.names().values(),
                                               *([logo.hashed] if logo else []))]


# The package's static files and the site's logo, under names that change with their bytes.
FILES.declare("asset", files=_assets, depends=lambda snap, hashed: hashed, languages=False)


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


@FILES.output(depends=None)  # its times ("since", "last updated") change with the moment
@route(addresses.HOME, bp)
def index():
    return render_template("index.html", cards=CARDS, listed=CARDS + LINES, per_day=PER_DAY)


@FILES.output(depends=_in_progress)
@route("/incidents/", bp)
def current():
    """Every incident in progress (the home page shows the first ones)."""
    return render_template("current.html")


# It links to the incident's own feeds while it has them.
@FILES.incident_output(files=lambda view, facts: [{"incident_id": view.id}],
                       depends=lambda view, facts: (view, facts.followed))
@route(addresses.INCIDENT, bp)
def incident(incident_id: str):
    found = g.snap.view(incident_id)
    if found is None or not found.published:
        abort(404)
    return render_template("incident.html", incident=found)


@FILES.output(depends=_history_shows)
@route("/history/", bp)
def history():
    # Each month's maintenance counted from the runs' counts, not by a filter in the
    # template (a lookup per incident of the whole history, at every build).
    maintenance = {month: works for month, (_, works) in g.snap.month_counts.items()}
    return render_template("history.html", maintenance=maintenance)


@FILES.output(files=_months, depends=_month_shows)
@route("/history/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/", bp)
def history_month(year: int, month: int):
    incidents = g.snap.months.get((year, month))
    if incidents is None:
        abort(404)
    before, after = g.snap.month_around(year, month)
    return render_template("history_month.html", year=year, month=month, incidents=incidents,
                           before=before, after=after)


@FILES.output(files=_components, depends=component_shows)
@route(addresses.COMPONENT, bp)
def component(component_id: str):
    found = g.site.config.component(component_id)
    if found is None:
        abort(404)
    return render_template("component.html", component=found, listed=LISTED)


@FILES.output(depends=lambda snap: (snap.indicator, _in_progress(snap)))
@route("/404.html", bp)
def not_found_page():
    """``/404.html`` and ``/<lang>/404.html``: the page web servers show for an unknown
    address (docs/serving.md maps each language's addresses to its own)."""
    return render_template("404.html")
