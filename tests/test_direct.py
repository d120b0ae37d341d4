"""A build's pages dispatched in the site's request context (freeze/direct.py): each the
response its own request gives, byte for byte and header for header; what the direct path
does not do left to the request."""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIBRE, NOW
from flask import Flask, after_this_request, g, request
from flask.signals import request_started, request_tearing_down
from flask_frozen import MissingURLGeneratorWarning

from statuspage.content.edition import DESK, PUBLIC
from statuspage.errors import ContentError, Problem
from statuspage.freeze.rendering import SiteFreezer, make_app, make_freezer
from statuspage.web import outputs, snapshot


def every_url(app: Flask) -> tuple[SiteFreezer, list[str]]:
    site = app.extensions["statuspage"].get()
    with app.app_context():
        todo = list(outputs(app, snapshot(app, site, NOW)))
    freezer = make_freezer(app, todo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        return freezer, list(freezer.all_urls())


def requested(app: Flask, freezer: SiteFreezer, url: str):
    """The response of ``url``'s own request, as the freezer fetched every page before."""
    with app.request_context(freezer.environ(url)):
        return app.full_dispatch_request()


def headers(response) -> list[tuple[str, str]]:
    """Its headers but those of the clock (a file's Date and Expires)."""
    return [(k, v) for k, v in response.headers.to_wsgi_list() if k not in ("Date", "Expires")]


def direct(freezer: SiteFreezer, url: str):
    environ, path = freezer._environ_and_path(url)
    return freezer._pages.response(environ, path)


@pytest.mark.parametrize("edition", [PUBLIC, DESK])
@pytest.mark.parametrize("base", ["https://status.example.com/", "https://example.com/statut/"])
def test_every_page_dispatched_directly_is_the_one_its_request_gives(example_dir: Path,
                                                                     edition, base: str):
    """Each page as the build fetches it, and as a request of its own gives it in another
    app of the same site (whose caches of links, lines and fragments are its own)."""
    site = edition.loader(example_dir, None).load()
    apps = [make_app(site, NOW, example_dir / "out", edition) for _ in range(2)]
    for app in apps:
        app.config["FREEZER_BASE_URL"] = base
    freezer, urls = every_url(apps[0])
    other = make_freezer(apps[1], [])
    assert freezer._direct and len(urls) > 100
    for url in urls:  # as Frozen-Flask fetches them: in its request context
        with apps[0].test_request_context():
            got = direct(freezer, url)
        with apps[1].test_request_context():
            expected = requested(apps[1], other, url)
        assert got is not None, url
        got.direct_passthrough = expected.direct_passthrough = False  # (files sent as is)
        try:
            assert (got.status, headers(got), got.get_data()) == \
                (expected.status, headers(expected), expected.get_data()), url
        finally:
            got.close()
            expected.close()
    # a language's page with no context pushed: its converter reads the app once pushed
    got = direct(freezer, f"/en/incidents/{FIBRE}/")
    assert got is not None
    page = got.get_data(as_text=True)
    assert 'lang="en"' in page and f'href="{urlsplit(base).path}en/history/"' in page


def test_a_page_its_view_fails_or_no_rule_matches_is_the_request_s(site_dir: Path):
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")
    freezer = make_freezer(app, [])
    assert direct(freezer, "/nowhere/") is None
    assert freezer.fetch("/nowhere/").status_code == 404
    calls: list[str] = []

    def broken(**values):
        calls.append(values["incident_id"])
        raise ContentError([Problem("incidents/x.md", 3, "what to fix")])

    app.view_functions["pages.incident"] = broken
    answer = freezer.fetch(f"/incidents/{FIBRE}/")  # the app's handler: what to fix
    assert answer.status_code == 500 and b"incidents/x.md:3: what to fix" in answer.get_data()
    assert calls == [FIBRE]  # once, as a request runs it
    assert freezer.fetch("/").status_code == 200  # and the next page as usual

    def failing(**values):
        calls.append("failing")
        raise RuntimeError("a bug")

    app.view_functions["pages.incident"] = failing
    with pytest.raises(RuntimeError, match="a bug"):  # no handler: the build fails with it
        freezer.fetch(f"/incidents/{FIBRE}/")
    assert calls == [FIBRE, "failing"]
    assert freezer.fetch("/").status_code == 200


def test_each_page_s_globals_are_those_its_request_would_have(site_dir: Path):
    """With no context pushed, a page's ``g`` is its own; inside Frozen-Flask's (an app
    context for the run), every page shares it: both ways alike."""
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")
    seen: list[tuple[str, int]] = []

    @app.before_request
    def count():
        g.pages = getattr(g, "pages", 0) + 1
        seen.append((request.path, g.pages))

    freezer = make_freezer(app, [])
    urls = ["/", f"/incidents/{FIBRE}/", "/history/"]
    by = {}
    for name, fetch in (("direct", freezer.fetch),
                        ("requested", lambda url: requested(app, freezer, url))):
        seen.clear()
        for url in urls:
            fetch(url)
        with app.test_request_context():
            for url in urls:
                fetch(url)
        by[name] = list(seen)
    assert by["direct"] == by["requested"] == [
        ("/", 1), (f"/incidents/{FIBRE}/", 1), ("/history/", 1),
        ("/", 1), (f"/incidents/{FIBRE}/", 2), ("/history/", 3)]


def test_an_app_with_a_request_signal_has_each_page_requested(site_dir: Path):
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")
    started: list[str] = []

    def receiver(sender, **extra):
        started.append(request.path)

    request_started.connect(receiver, app)
    try:
        freezer = make_freezer(app, [])
        assert not freezer._direct
        assert freezer.fetch("/").status_code == 200
    finally:
        request_started.disconnect(receiver, app)
    assert started == ["/"]
    assert make_freezer(app, [])._direct


def test_an_app_with_teardown_functions_or_a_session_has_each_page_requested(site_dir: Path):
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")
    app.secret_key = "a key: each request its own session"
    assert not make_freezer(app, [])._direct
    app.secret_key = None
    torn: list[str] = []
    app.teardown_request(lambda error: torn.append(request.path))
    freezer = make_freezer(app, [])
    assert not freezer._direct
    assert freezer.fetch("/").status_code == 200 and torn == ["/"]


def test_what_a_page_leaves_to_run_after_it_runs_for_it_alone(site_dir: Path):
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")

    @app.before_request
    def mark():
        @after_this_request
        def stamp(response):
            response.headers.add("X-Page", request.path)
            return response

    freezer = make_freezer(app, [])
    with app.test_request_context():
        for url in ("/", "/history/", f"/incidents/{FIBRE}/"):
            assert freezer.fetch(url).headers.getlist("X-Page") == [url]


def test_a_page_fetched_while_the_caller_handles_an_error_is_torn_down_without_it(
        site_dir: Path):
    """Leaving a request's ``with`` passes on what it raised, not what its caller is
    handling: so does the site's context, popped after each page."""
    app = make_app(PUBLIC.loader(site_dir, None).load(), NOW, site_dir / "out")
    seen: list[object] = []

    def receiver(sender, exc=None, **extra):
        seen.append(exc)

    request_tearing_down.connect(receiver, app)
    try:
        freezer = make_freezer(app, [])
        assert freezer._direct
        try:
            raise OSError("the caller's")
        except OSError:
            assert freezer.fetch("/").status_code == 200
            app.view_functions["pages.index"] = lambda **values: 1 / 0
            with pytest.raises(ZeroDivisionError):
                freezer.fetch("/")
    finally:
        request_tearing_down.disconnect(receiver)
    assert seen[0] is None and isinstance(seen[1], ZeroDivisionError)
