"""Where things are on a built site: its URL layout, in one place.

The pages' routes (``web/pages.py``) are these rules; the API documents, the webhooks and
the mail link to pages by them; the publish orders its uploads by them. The rules are in
Werkzeug's syntax (``<name>``), with no Flask here: ``fill`` puts the values in. Each
language but the default one has its edition under ``/<lang>`` (``edition``); the API,
the short links and the assets are the same for every language.
"""

from __future__ import annotations

import re

HOME = "/"
INCIDENT = "/incidents/<incident_id>/"
COMPONENT = "/components/<component_id>/"
SHORTLINK = "/r/<ref>/"  # an incident's short address, which support reads out
PAGE = "index.html"  # the file of the page at a folder's address
STATIC = "static"  # the folder of the content-hashed assets
API = "api"  # the folder of the API documents (api/v2/…)
EMBED = "embed"  # the folder of the customer area's banner
BADGE = "badge.svg"  # a status badge, at an edition's root and each component's
FEEDS = frozenset({".rss", ".atom", ".ics"})  # the suffixes of the feeds and calendars

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def fill(rule: str, **values: str) -> str:
    """``rule`` with each ``<name>`` (or ``<converter:name>``) replaced by its value."""
    return _VARIABLE.sub(lambda found: values[found[1]], rule)


def edition(base: str, lang: str, default: str) -> str:
    """The address of the edition in ``lang`` of the site at ``base``."""
    return base if lang == default else f"{base}/{lang}"


def incident(base: str, incident_id: str) -> str:
    """An incident's page, in the edition at ``base``."""
    return base + fill(INCIDENT, incident_id=incident_id)


def component(base: str, component_id: str) -> str:
    """A component's page, in the edition at ``base``."""
    return base + fill(COMPONENT, component_id=component_id)


def shortlink(base: str, reference: str) -> str:
    """An incident's short address on the site at ``base``."""
    return base + fill(SHORTLINK, ref=reference)
