"""Places: "Am I affected?", from a postal code.

- ``/zone/codes-6.json`` (``/en/zone/…``): the codes and prefixes starting with 6 that
  open incidents and maintenance in progress name, with those incidents (title, address,
  places) in the page's language, and those that are everywhere (code ``""``, a prefix
  of every code); ``/zone/codes.json`` holds only these, for a code no shard starts with.
  What the postcode box reads (static/lookup.js): one small file per lookup, and the code
  itself never leaves the browser.
- ``/zone/<code>/``: a page for every code or prefix an open or recent incident names,
  what concerns it now and lately; ``/zone/``: where the box leads without JavaScript
  (it explains, lists the places with a page, and what is open).
"""

from __future__ import annotations

from functools import partial

from flask import Flask, Response, abort, g, render_template, url_for

from statuspage.state.status import IncidentView, Snapshot
from statuspage.web import api, languages
from statuspage.web.lines import kept, memory
from statuspage.web.registry import Files

bp = languages.blueprint("zones")


FILES = Files("zones")


def _shard_shows(snap: Snapshot, first: str = "") -> tuple:
    """A shard's codes, those that are everywhere, and the incidents both name."""
    index = snap.postcode_index
    codes, everyone = index[first], index[""]
    shown = [snap.views[i] for ids in (*codes.values(), *everyone.values()) for i in ids]
    return sorted(codes.items()), sorted(everyone.items()), shown


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _shard(first: str) -> Response:
    index = g.snap.postcode_index
    codes = {**index[""], **index.get(first, {})} if first else index[""]
    found = {i for ids in codes.values() for i in ids}
    views = g.snap.views
    # Each incident's entry, a function of its view alone in the page's language: kept.
    here = memory()
    incidents = {incident_id: kept("zone entry", views[incident_id],
                                   partial(_entry, views[incident_id]), here)
                 for incident_id in sorted(found)}
    return Response(api.dumps({"areas": codes, "incidents": incidents}),
                     mimetype="application/json")


def _entry(view: IncidentView) -> dict:
    """An incident as the postcode box lists it, in the page's language."""
    language = languages.language()
    return {
        "title": language.plain(view.title),
        "url": url_for("pages.incident", incident_id=view.id),
        "kind": "maintenance" if view.is_maintenance else "incident",
        "places": language.places(view.incident.areas),
    }


@FILES.output(files=lambda snap: [{"first": first} for first in snap.postcode_index if first],
              depends=_shard_shows)
@languages.route("/zone/codes-<first>.json", bp)
def shard(first: str):
    if first not in g.snap.postcode_index or not first:
        abort(404)
    return _shard(first)


@FILES.output(depends=_shard_shows)
@languages.route("/zone/codes.json", bp)
def everyone():
    return _shard("")


# It names each place as the incidents do, recent ones included.
@FILES.output(depends=lambda snap: (snap.open_views, list(snap.zones.items())))
@languages.route("/zone/", bp)
def index():
    return render_template("zone/index.html", zones=[(code, _names(code))
                                                     for code in g.snap.zones])


@FILES.output(files=lambda snap: [{"code": code} for code in snap.zones],
              depends=lambda snap, code: snap.zones[code])
@languages.route("/zone/<code>/", bp)
def zone(code: str):
    views = g.snap.zones.get(code)
    if views is None:
        abort(404)
    return render_template("zone/zone.html", code=code, names=_names(code),
                           current=[v for v in views if v.is_open],
                           recent=[v for v in views if not v.is_open])


def _names(code: str) -> str:
    """What the incidents call the place ``code`` ("" when none names it)."""
    area = g.snap.zone_areas.get(code)
    return languages.language().places([area]) if area is not None else ""
