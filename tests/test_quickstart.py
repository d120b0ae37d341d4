"""The README's first command, as a newcomer runs it: the example served by `statuspage
serve` in a real process, read with a real HTTP client, answers as docs/serving.md's web
server answers the build."""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from conftest import REPO
from test_readme import _commands

from statuspage import cli
from statuspage.content.loader import load_site
from statuspage.ops.publish import content_type

FIBRE = "2026-11-26-coupure-fibre-lyon"  # the example's incident in progress
ATOM = "{http://www.w3.org/2005/Atom}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, **headers: str):
    """The response (a 404 too: urllib raises it, with its headers and body)."""
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)
    except urllib.error.HTTPError as error:
        return error


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The README's first command's server (its `statuspage serve …`, on a free port), in
    a copy of the example; its base URL and the site it serves."""
    folder = tmp_path_factory.mktemp("example")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, folder / part)
    command = shlex.split(_commands()[0].split("&&")[-1])
    assert command[0] == ".venv/bin/statuspage", command  # the console script, installed
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "statuspage", *command[1:],
                               "--port", str(port)], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, server)
        yield base, load_site(folder)
    finally:
        server.terminate()
        server.communicate(timeout=30)


def wait_for(base: str, server: subprocess.Popen) -> None:
    """Until the server answers (it imports and loads the site first)."""
    for _ in range(600):
        if server.poll() is not None:
            raise AssertionError(server.communicate()[0].decode())
        try:
            urllib.request.urlopen(base + "/", timeout=30).close()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("the server never answered")


def test_the_home_page_shows_the_readme_moment(example):
    base, _ = example
    home = get(base + "/").read().decode("utf-8")
    assert 'class="pinned"' in home and 'class="late"' not in home
    assert "Prochaine mise à jour" in home and "Maintenances prévues" in home


@pytest.mark.parametrize(("path", "lang", "text"), [
    ("/nulle-part/", "fr", "Page introuvable"),
    ("/incidents/inconnu/", "fr", "Page introuvable"),
    ("/en/nowhere/", "en", "Page not found"),
    ("/en/incidents/unknown/", "en", "Page not found"),
    ("/r/ZZZZZZ/", "fr", "Page introuvable"),
])
def test_an_unknown_address_gets_its_languages_not_found_page(example, path, lang, text):
    base, _ = example
    response = get(base + path)
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.read().decode("utf-8")
    assert f'<html lang="{lang}"' in page and text in page
    assert 'name="ref"' in page  # the lookup box


@pytest.mark.parametrize("path", [
    "/api/v2/summary.json", "/api/v2/incidents/unresolved.json", "/embed/status.js",
    "/embed/banner.html", "/en/embed/status.json", "/updates.atom", "/en/history.rss",
    f"/incidents/{FIBRE}/updates.atom", "/maintenance.ics",
])
def test_other_sites_may_read_the_api_the_banner_and_the_feeds(example, path):
    base, _ = example
    response = get(base + path, Origin="https://client.example.net")
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", [
    "/", "/en/history/", "/updates.atom", "/en/updates.rss", "/history.atom",
    "/maintenance.ics", "/api/v2/summary.json", "/embed/status.js", "/embed/banner.html",
    "/badge.svg", "/404.html", "/r/",
])
def test_each_file_has_the_type_publish_gives_it(example, path):
    base, _ = example
    response = get(base + path)
    name = "index.html" if path.endswith("/") else path.rsplit("/", 1)[1]
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type(name)


def test_the_atom_feed_opens_with_its_accents(example):
    base, _ = example
    response = get(base + "/updates.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    text = response.read().decode(response.headers.get_content_charset())
    assert "Exemple Télécom" in text and "Ã" not in text
    feed = ElementTree.fromstring(text.encode("utf-8"))
    assert feed.find(f"{ATOM}title").text.startswith("Exemple Télécom")


@pytest.mark.parametrize(("lookup", "typed"), [
    ("/r/", "{ref}"), ("/r/", "{lower}"), ("/en/r/", " {dashed} "),
])
def test_the_lookup_box_without_javascript_leads_to_the_incident(example, lookup, typed):
    base, site = example
    reference = site.incident(FIBRE).reference
    typed = typed.format(ref=reference, lower=reference.lower(),
                         dashed=f"{reference[:3]}-{reference[3:].lower()}")
    response = get(f"{base}{lookup}?ref={urllib.parse.quote(typed)}")
    assert response.status == 200
    assert response.url == f"{base}/r/{reference}/"
    assert f'url=/incidents/{FIBRE}/"' in response.read().decode("utf-8")


@pytest.mark.parametrize("typed", ["", "K7M", "not a reference"])
def test_a_malformed_reference_stays_on_the_lookup_page(example, typed):
    base, _ = example
    response = get(f"{base}/r/?ref={urllib.parse.quote(typed)}")
    assert response.status == 200 and response.url.startswith(f"{base}/r/?")
    assert "Vous avez une référence" in response.read().decode("utf-8")


def test_serve_refuses_an_unreadable_moment(example_dir):
    result = CliRunner().invoke(cli.main, ["--site", str(example_dir), "serve", "--now",
                                           "yesterday-ish"])
    assert result.exit_code == 2
    assert "invalid time 'yesterday-ish'" in result.output
    assert "Traceback" not in result.output
