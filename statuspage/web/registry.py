"""What the outputs declare to the builder: each file to write, and what it depends on.

Every output module (pages, feeds, api, embed) has ``init_app(app)``, which registers its
views, and ``outputs(snap)``, which yields an ``Output`` per file of the site: its endpoint,
its URL values, and a ``key`` naming what the file shows beyond the site-wide inputs (the
configuration, the package's code and templates). The files of one published incident
(its page, its short address, its feeds) come from ``incident_outputs(snap, view)``
instead: they show nothing but the view and its ``incident_token`` (whether it is followed,
whether its reference is its own), so a builder that sees the same view object again (a
settled incident, see ``Snapshot.views``) with the same token may reuse what it planned.
Two builds whose keys and site-wide inputs are equal write the same bytes, so an
incremental build may keep the file; a key of None means the file changes with the moment
and is always written. An output with ``same_as`` (the URL values of another output of its
endpoint, declared before it) is the same bytes at another address: the builder links it
to that one instead of rendering it again.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from statuspage.state.status import IncidentView


class Output(NamedTuple):
    endpoint: str
    values: dict
    key: str | None = None
    same_as: dict | None = None  # the values of the output of the same bytes


def key(*parts: object) -> str | None:
    """A key from views (their state) and plain values; None if any view's is unknown."""
    texts = []
    for part in parts:
        if isinstance(part, IncidentView):
            text = part.state
        elif isinstance(part, (list, tuple)):
            text = key(*part)
        else:
            text = repr(part)
        if text is None:
            return None
        texts.append(text)
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:24]
