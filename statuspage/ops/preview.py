"""``statuspage serve``: the live site, answered as docs/serving.md's web server answers
the build, so that what the preview shows is what readers will get.

The app already answers an unknown address with its edition's not-found page and status
404, and other sites' scripts on the API, the banner and the feeds (``web/embed.py``).
Here, what the web server adds: the content type and charset ``publish`` gives each file,
and ``/r/?ref=K7M2QX``, where the lookup box leads without JavaScript, sent to the
reference's short address.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PurePosixPath

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

from statuspage import refs
from statuspage.content.edition import PUBLIC, Edition
from statuspage.ops.publish import content_type
from statuspage.web import create_app

LOOKUP = re.compile(r"^(?:/[a-z]{2,3}(?:-[A-Za-z0-9]+)?)?/r/$")  # /r/, /en/r/…


def create_preview(root: Path, edition: Edition = PUBLIC, now: datetime | None = None) -> Flask:
    """The app ``serve`` runs: the site re-read when a file changes, at ``now`` if given
    (then every page says which moment it shows, as ``build --now``'s do)."""
    app = create_app(edition.live_site(root), now=now, edition=edition,
                     STATUSPAGE_PINNED=now is not None)
    app.before_request(follow_reference)
    app.after_request(as_published)
    return app


def follow_reference() -> Response | None:
    """A well-formed ``ref`` on the lookup page goes to its short address (an unknown
    one then gets the not-found page, with the lookup box); anything else stays on the
    lookup page, which explains the short address."""
    typed = request.args.get("ref")
    if typed is None or not LOOKUP.match(request.path) or not refs.is_reference(typed):
        return None
    return redirect(f"{request.script_root}/r/{refs.normalize(typed)}/", 303)


def as_published(response: Response) -> Response:
    """The content type of the file the build writes for this address, as ``publish``
    sends it; a not-found answer is the edition's 404.html."""
    if response.status_code == 404:
        name = "404.html"
    elif response.status_code == 200:
        name = "index.html" if request.path.endswith("/") else PurePosixPath(request.path).name
    else:  # a redirect, or a content error's message
        return response
    response.headers["Content-Type"] = content_type(name)
    return response
