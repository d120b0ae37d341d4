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
from statuspage.state.status import Snapshot
from statuspage.web import api, languages
from statuspage.web.registry import Output, key

bp = languages.blueprint("refs")


def outputs(snap: Snapshot):
    for first, found in snap.references_by_first.items():  # each sorted: one text to hash
        yield Output("refs.shard", {"first": first},
                     key("\n".join(f"{ref} {id_}" for ref, id_ in found.items())))
    for lang in languages.lang_values(snap.site):
        yield Output("refs.lookup", {"lang": lang}, key("lookup"))


def incident_outputs(snap: Snapshot, view):
    """The incident's short address, in capitals and in lower case (the same file); of
    two incidents with one reference (an error, kept by a lenient load), the one it finds."""
    reference = view.incident.reference
    if snap.by_reference.get(reference) is not view:
        return
    page = key(view)
    yield Output("refs.redirect", {"ref": reference}, page)
    if reference.lower() != reference:  # one of digits only has one address
        yield Output("refs.redirect", {"ref": reference.lower()}, page,
                     same_as={"ref": reference})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/r/<ref>/")
def redirect(ref: str):
    view = g.snap.by_reference.get(ref.upper())
    if view is None:
        abort(404)
    return render_template("r/redirect.html", incident=view, reference=ref.upper())


@bp.route("/r/refs-<first>.json")
def shard(first: str):
    found = g.snap.references_by_first.get(first)
    if not found:
        abort(404)
    return Response(api.dumps(found), mimetype="application/json")


@languages.route("/r/", bp)
def lookup():
    return render_template("r/lookup.html", example=refs.EXAMPLE)
