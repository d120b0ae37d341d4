"""Short references: ``/r/<REF>/`` sends to the incident, ``/r/`` helps find one.

- ``/r/K7M2QX/`` and ``/r/k7m2qx/``: a static page that sends the visitor on (a meta
  refresh, a canonical link and a plain link: no JavaScript needed);
- ``/r/`` (``/en/r/``…): the lookup page, where the lookup box leads without JavaScript;
- ``/r/refs-K.json``: the references starting with K, and their incidents: what the
  lookup box reads (one small file per first character, whatever the history).
"""

from __future__ import annotations

from flask import Flask, Response, abort, g, render_template

from statuspage import refs
from statuspage.state.status import IncidentView
from statuspage.web import api, languages
from statuspage.web.registry import Facts, Files

bp = languages.blueprint("refs")


FILES = Files("refs")


def _redirects(view: IncidentView, facts: Facts) -> list[dict]:
    """The incident's short address, in capitals and in lower case (the same file); of two
    incidents with one reference (an error, kept by a lenient load), the one it finds."""
    if not facts.own_reference:
        return []
    reference = view.incident.reference
    # one of digits only has one address
    return [{"ref": ref} for ref in dict.fromkeys((reference, reference.lower()))]


def _capitals(values: dict) -> dict | None:
    """The lower case address is the capitals' file."""
    reference = values["ref"]
    capitals = reference.upper()
    return None if reference == capitals else {"ref": capitals}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@FILES.incident_output(files=_redirects, same_as=_capitals, languages=False,
                       depends=lambda view, facts: view)
@bp.route("/r/<ref>/")
def redirect(ref: str):
    view = g.snap.by_reference.get(ref.upper())
    if view is None:
        abort(404)
    return render_template("r/redirect.html", incident=view, reference=ref.upper())


# Each shard's references and their incidents, sorted (the same object while they are).
@FILES.output(files=lambda snap: [{"first": first} for first in snap.references_by_first],
              depends=lambda snap, first: snap.references_by_first[first], languages=False)
@bp.route("/r/refs-<first>.json")
def shard(first: str):
    found = g.snap.references_by_first.get(first)
    if not found:
        abort(404)
    return Response(api.dumps(found), mimetype="application/json")


@FILES.output(depends=lambda snap: "lookup")
@languages.route("/r/", bp)
def lookup():
    return render_template("r/lookup.html", example=refs.EXAMPLE)
