"""The channels' files, in both editions: what the voice server reads, and the text messages.

- ``/channels/<lang>/ivr.txt`` and ``/channels/<lang>/ivr.ssml``: the phone line's
  announcement, in every language of the site, under its code (the default one too: a
  voice server asks for a language by its code, not for the pages at /);
- ``/channels/<lang>/sms/<REF>.txt``: one text message per open incident.

The words are ``statuspage.state.announcements``'; docs/serving.md says how a voice
server uses them.
"""

from __future__ import annotations

import mimetypes

from flask import Blueprint, Flask, Response, abort, g

from statuspage.state import announcements as channels
from statuspage.state.status import Snapshot
from statuspage.web.registry import Output, key

SSML = "application/ssml+xml"
TEXT = "text/plain"
mimetypes.add_type(SSML, ".ssml")  # the freezer checks each file's name against its type

bp = Blueprint("channels", __name__)


def outputs(snap: Snapshot):
    """Each language's announcement, keyed by what it reads out (and the day, since it
    says "tomorrow"); each open incident's message, by its view and the day."""
    config = snap.site.config
    day = snap.now.astimezone(config.timezone).date()
    read = key(channels.announced(snap), day, config.support.phone)
    for language in config.languages:
        yield Output("channels.ivr_text", {"language": language}, read)
        yield Output("channels.ivr_ssml", {"language": language}, read)
        for view in channels.sms_views(snap):
            yield Output("channels.sms", {"language": language, "ref": view.incident.reference},
                         key(view, day))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _language(language: str) -> str:
    if language not in g.site.config.languages:
        abort(404)
    return language


@bp.route("/channels/<language>/ivr.txt")
def ivr_text(language: str):
    return Response(channels.ivr_text(g.snap, _language(language)), mimetype=TEXT)


@bp.route("/channels/<language>/ivr.ssml")
def ivr_ssml(language: str):
    return Response(channels.ivr_ssml(g.snap, _language(language)), mimetype=SSML)


@bp.route("/channels/<language>/sms/<ref>.txt")
def sms(language: str, ref: str):
    view = g.snap.by_reference.get(ref)
    if view is None or view not in channels.sms_views(g.snap):
        abort(404)
    return Response(channels.sms(view, g.snap, _language(language)) + "\n", mimetype=TEXT)
