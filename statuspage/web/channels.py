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
from statuspage.web.registry import Files

SSML = "application/ssml+xml"
TEXT = "text/plain"
mimetypes.add_type(SSML, ".ssml")  # the freezer checks each file's name against its type

bp = Blueprint("channels", __name__)


FILES = Files("channels")


def _today(snap: Snapshot) -> object:
    """The site's day: an announcement says "tomorrow"."""
    return snap.now.astimezone(snap.site.config.timezone).date()


def _read_out(snap: Snapshot, language: str) -> tuple:
    """What the phone line reads out: the same in every language but for its words."""
    return channels.announced(snap), _today(snap), snap.site.config.support.phone


def _languages(snap: Snapshot) -> list[dict]:
    return [{"language": language} for language in snap.site.config.languages]


def _messages(snap: Snapshot) -> list[dict]:
    return [{"language": language, "ref": view.incident.reference}
            for language in snap.site.config.languages for view in channels.sms_views(snap)]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _language(language: str) -> str:
    if language not in g.site.config.languages:
        abort(404)
    return language


@FILES.output(files=_languages, depends=_read_out, languages=False)
@bp.route("/channels/<language>/ivr.txt")
def ivr_text(language: str):
    return Response(channels.ivr_text(g.snap, _language(language)), mimetype=TEXT)


@FILES.output(files=_languages, depends=_read_out, languages=False)
@bp.route("/channels/<language>/ivr.ssml")
def ivr_ssml(language: str):
    return Response(channels.ivr_ssml(g.snap, _language(language)), mimetype=SSML)


# Each open incident's message: its view, and the day (it may say "tomorrow").
@FILES.output(files=_messages, languages=False,
              depends=lambda snap, language, ref: (snap.by_reference[ref], _today(snap)))
@bp.route("/channels/<language>/sms/<ref>.txt")
def sms(language: str, ref: str):
    view = g.snap.by_reference.get(ref)
    if view is None or view not in channels.sms_views(g.snap):
        abort(404)
    return Response(channels.sms(view, g.snap, _language(language)) + "\n", mimetype=TEXT)
