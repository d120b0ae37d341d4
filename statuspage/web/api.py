"""The Statuspage-compatible public API v2, served as static JSON files under /api/v2/.

No language prefix: texts are in the site's ``api_language``. The documents themselves
are built by ``statuspage.state.documents`` from the request's Snapshot.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g

from statuspage import i18n
from statuspage.state import documents as api
from statuspage.web.registry import Files

bp = Blueprint("api", __name__, url_prefix="/api/v2")

# endpoint → (rule, the Documents method that builds it)
DOCUMENTS = {
    "summary": ("/summary.json", api.Documents.summary),
    "status": ("/status.json", api.Documents.status_document),
    "components": ("/components.json", api.Documents.components_document),
    "incidents": ("/incidents.json", api.Documents.incidents_document),
    "unresolved": ("/incidents/unresolved.json", api.Documents.unresolved_document),
    "scheduled_maintenances": ("/scheduled-maintenances.json",
                               api.Documents.maintenances_document),
    "upcoming": ("/scheduled-maintenances/upcoming.json", api.Documents.upcoming_document),
    "active": ("/scheduled-maintenances/active.json", api.Documents.active_document),
}


def init_app(app) -> None:
    app.register_blueprint(bp)


def documents() -> api.Documents:
    """The documents of the request's Snapshot, shared by every file of a build."""
    cached = current_app.extensions.get("statuspage.state.documents")
    if cached is None or cached.snap is not g.snap:
        lang = g.site.config.api_language
        cached = api.Documents(g.snap, gettext=i18n.translations(lang).gettext)
        current_app.extensions["statuspage.state.documents"] = cached
    return cached


# <, > and & only occur inside JSON strings: escaped there, a title such as "<script>…"
# reads the same to any JSON parser and cannot turn into markup if the file is misserved.
# (str.replace, not str.translate: that takes a slow path on any non-ASCII text, 30 times
# slower on a large document.)
HTML_SAFE = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"))


def dumps(document) -> str:
    """Compact UTF-8 JSON, HTML-safe."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for unsafe, escaped in HTML_SAFE:
        text = text.replace(unsafe, escaped)
    return text


def dumps_document(document: api.Document) -> bytes:
    """``dumps(document)`` in UTF-8, a document of the API: the text of each incident it
    lists is the one kept with that incident's document (``api.Encoded``), made once
    however many files and builds list it; the rest is encoded as ``dumps`` does. Joined
    once: with 2,000 open incidents a file is 5 MB, and joined in steps it was up to four
    copies of it at once in the daemon's memory."""
    parts: list[bytes] = []
    for key, value in document.items():
        parts += (b"," if parts else b"{", _utf8(key), b":")
        if isinstance(value, list) and value and all(isinstance(v, api.Encoded) for v in value):
            for number, item in enumerate(value):
                parts += (b"," if number else b"[", item.encoded(_utf8))
            parts.append(b"]")
        else:
            parts.append(_utf8(value))
    parts.append(b"}" if parts else b"{}")
    return b"".join(parts)


def _utf8(value) -> bytes:
    return dumps(value).encode("utf-8")


def _view(build):
    def view() -> Response:
        body = dumps_document(build(documents()))
        # Access-Control-Allow-Origin: set for the live preview by embed.allow_cross_origin
        return current_app.response_class(body, mimetype="application/json")

    return view


# The API's files say what is true now: every build writes them. They need every
# incident's times: worked out (``prepare``) in the process that plans the build, so that
# forked workers share them and the daemon's next build finds those of settled incidents
# kept (in a worker they were lost with it, and worked out again at every rebuild).
FILES = Files("api", prepare=api.prepare)
for _endpoint, (_rule, _build) in DOCUMENTS.items():
    bp.add_url_rule(_rule, _endpoint, _view(_build))
    FILES.declare(f"api.{_endpoint}", depends=None, languages=False)
