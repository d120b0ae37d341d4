"""Links (web/links.py): remembered addresses, an incident's joined to its shape, must be
what url_for builds, in every language, at every script root, for every kind of id."""

from __future__ import annotations

import pytest
from flask import g, request, url_for

from statuspage.web.links import Links

IDS = ["2026-11-26-fibre-lyon", "a", "x_y.z~1", "café-lyon", "a b", "50%", "a/b", "é"]
CALLS = [("pages.incident", "incident_id", {}),
         ("feeds.incident_updates", "incident_id", {"kind": "atom"}),
         ("feeds.incident_updates", "incident_id", {"kind": "rss"}),
         ("feeds.incident_calendar", "incident_id", {}),
         ("refs.redirect", "ref", {"lang": None})]


@pytest.mark.parametrize("base", ["https://status.example.com/", "https://example.com/statut/"])
@pytest.mark.parametrize("lang", [None, "en"])
def test_links_are_what_url_for_builds(app, base: str, lang: str | None):
    for endpoint, name, values in CALLS:
        path = f"/{lang}/" if lang else "/"
        with app.test_request_context(path, base_url=base):
            if lang:
                g.lang = lang
            links = Links(request.script_root)
            # Twice over: the first values find the shape, the next ones are joined to it.
            for value in IDS + [f"{i}-again" for i in IDS] + IDS:
                expected = url_for(endpoint, **{name: value, **values})
                assert links(endpoint, **{name: value, **values}) == expected, (endpoint, value)


def test_a_shape_that_does_not_hold_is_not_used(app, monkeypatch):
    """A shape found from a first value is used only once a second one confirmed it."""
    import statuspage.web.links as module

    built = iter(["/x/a/", "/elsewhere/b/", "/x/c/"])
    monkeypatch.setattr(module, "url_for", lambda endpoint, **values: next(built))
    with app.test_request_context("/"):
        links = Links("")
        assert [links("pages.incident", incident_id=v) for v in "abc"] == \
            ["/x/a/", "/elsewhere/b/", "/x/c/"]
