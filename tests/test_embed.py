"""What customers' sites show: the banner (script, data, iframe), badges, and CORS.

Through the Flask test client and the frozen files; then, marked ``browser``, the script in
headless Chromium on a host page of another origin (docs/embed.md is the customer's side).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
from conftest import FIBRE, NOW, PARIS, TESTS, browser_context
from playwright.sync_api import Browser, Frame, Page, expect
from serving import SiteHandler, serving

from statuspage.cli import main
from statuspage.content.loader import load_site
from statuspage.freeze.build import BuildOptions, BuildResult, build
from statuspage.web import create_app, embed

SITES = TESTS / "sites"
SVG_NS = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"

MAINTENANCE = """\
---
title: {fr: Travaux ADSL, en: ADSL works}
impact: minor
components:
  adsl: under_maintenance
maintenance:
  start: 2026-11-26 11:00
  end: 2026-11-26 14:00
---
Des travaux.

## 2026-11-20 10:00 · scheduled
Travaux prévus.
"""


def resolve_fibre(site_dir: Path) -> None:
    """The fibre incident, resolved at 10:00: nothing is open at NOW any more."""
    path = site_dir / "incidents" / f"{FIBRE}.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("## 2026-11-26 08:10",
                                 "## 2026-11-26 10:00 · resolved\nRéparé.\n\n## 2026-11-26 08:10"),
                    "utf-8")


def client_at(site_dir: Path, now: datetime = NOW) -> flask.testing.FlaskClient:
    return create_app(load_site(site_dir), now=now).test_client()


def data(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


# -- content types and the frozen files ------------------------------------------------------

@pytest.mark.parametrize(("url", "mimetype"), [
    ("/embed/status.js", "text/javascript"),
    ("/embed/status.json", "application/json"),
    ("/en/embed/status.json", "application/json"),
    ("/embed/banner.html", "text/html"),
    ("/en/embed/banner.html", "text/html"),
    ("/badge.svg", "image/svg+xml"),
    ("/en/badge.svg", "image/svg+xml"),
    ("/components/fibre/badge.svg", "image/svg+xml"),
    ("/en/components/billing/badge.svg", "image/svg+xml"),
])
def test_content_type(client, url: str, mimetype: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_unknown_component_badge_is_not_found(client):
    assert client.get("/components/nope/badge.svg").status_code == 404
    assert client.get("/de/embed/banner.html").status_code == 404  # not a site language


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    root = tmp_path_factory.mktemp("embed-freeze")
    shutil.copytree(SITES / "basic", root / "site")
    return build(root / "site", BuildOptions(out=root / "out", now=NOW))


# URL → file it is frozen to → a piece of text it must contain.
FROZEN = [
    ("/embed/status.js", "embed/status.js", '"en":["en/","Current status"]'),
    ("/embed/status.json", "embed/status.json", f'"path":"incidents/{FIBRE}/"'),
    ("/en/embed/status.json", "en/embed/status.json", f'"path":"en/incidents/{FIBRE}/"'),
    ("/embed/banner.html", "embed/banner.html", '<p class="incident" data-components="fibre">'),
    ("/en/embed/banner.html", "en/embed/banner.html", '<html lang="en">'),
    ("/badge.svg", "badge.svg", ">Panne partielle</text>"),
    ("/en/badge.svg", "en/badge.svg", ">Partial outage</text>"),
    ("/components/adsl/badge.svg", "components/adsl/badge.svg", ">ADSL</text>"),
    ("/en/components/fibre/badge.svg", "en/components/fibre/badge.svg",
     ">Fibre broadband</text>"),
]


@pytest.mark.parametrize(("url", "path", "expected"), FROZEN)
def test_frozen_file_is_the_served_one(frozen: BuildResult, client, url: str, path: str,
                                       expected: str):
    file = frozen.out / path
    assert file.is_file(), f"{url} was not frozen to {path}"
    text = file.read_text("utf-8")
    assert expected in text
    assert file.read_bytes() == client.get(url).get_data()


# -- the banner's data ----------------------------------------------------------------------

def test_status_json_speaks_each_editions_language(client):
    french = data(client, "/embed/status.json")
    assert french == {
        "lang": "fr", "label": "État des services", "more": "en savoir plus",
        "components": ["fibre", "adsl", "billing"],
        "items": [{"kind": "incident", "label": f"Incident en cours{NBSP}:",
                   "title": "Coupure fibre à Lyon", "path": f"incidents/{FIBRE}/",
                   "components": {"fibre": "partial_outage"}, "next": "prochain point à "
                   "18:00 CET", "todo": "Utilisez vos données mobiles."}],
        "names": {"fibre": "Fibre", "adsl": "ADSL", "billing": "Facturation"},
        "yours": [f"Votre service %s est concerné{NBSP}:",
                  f"Vos services %s sont concernés{NBSP}:"],
    }
    english = data(client, "/en/embed/status.json")
    assert english == {
        "lang": "en", "label": "Current status", "more": "read more",
        "components": ["fibre", "adsl", "billing"],
        # The title has no English version: the French one, marked as French.
        "items": [{"kind": "incident", "label": "Incident in progress:",
                   "title": "Coupure fibre à Lyon", "lang": "fr",
                   "path": f"en/incidents/{FIBRE}/", "next": "next update at 18:00 CET",
                   "todo": "Utilisez vos données mobiles.",
                   "components": {"fibre": "partial_outage"}}],
        "names": {"fibre": "Fibre broadband", "adsl": "ADSL", "billing": "Billing"},
        "yours": ["Your %s service is affected:", "Your %s services are affected:"],
    }


def test_nothing_to_show_when_all_is_well(site_dir: Path):
    resolve_fibre(site_dir)
    client = client_at(site_dir)
    assert data(client, "/embed/status.json")["items"] == []
    assert data(client, "/en/embed/status.json")["items"] == []
    html = client.get("/en/embed/banner.html").get_data(as_text=True)
    assert ('<p class="ok"><span aria-hidden="true">✓</span> '
            '<a href="/en/" target="_top">All Systems Operational</a>') in html
    assert 'class="incident"' not in html
    svg = ET.fromstring(client.get("/badge.svg").get_data(as_text=True))
    assert [t.text for t in svg.iter(f"{SVG_NS}text")] == ["Statut Test", "Opérationnel"]


def test_maintenance_in_progress_is_shown_scheduled_is_not(site_dir: Path):
    resolve_fibre(site_dir)
    (site_dir / "incidents" / "2026-11-26-adsl-works.md").write_text(MAINTENANCE, "utf-8")
    during = client_at(site_dir)
    assert data(during, "/en/embed/status.json")["items"] == [
        {"kind": "maintenance", "label": "Maintenance in progress:", "title": "ADSL works",
         "path": "en/incidents/2026-11-26-adsl-works/",
         "components": {"adsl": "under_maintenance"}}]
    html = during.get("/embed/banner.html").get_data(as_text=True)
    assert ('<p class="maintenance" data-components="adsl">'
            f'<strong>Maintenance en cours{NBSP}:</strong> '
            '<a href="/incidents/2026-11-26-adsl-works/" target="_top">Travaux ADSL — '
            'en savoir plus</a></p>') in html
    badge = ET.fromstring(during.get("/en/components/adsl/badge.svg").get_data(as_text=True))
    assert badge.get("aria-label") == "ADSL: Under maintenance"
    before = client_at(site_dir, datetime(2026, 11, 25, 12, 0, tzinfo=PARIS))
    assert data(before, "/embed/status.json")["items"] == []


def test_incidents_come_before_maintenance(site_dir: Path):
    (site_dir / "incidents" / "2026-11-26-adsl-works.md").write_text(MAINTENANCE, "utf-8")
    items = data(client_at(site_dir), "/embed/status.json")["items"]
    assert [(i["kind"], i["title"]) for i in items] == [
        ("incident", "Coupure fibre à Lyon"), ("maintenance", "Travaux ADSL")]


# -- the iframe page ------------------------------------------------------------------------

class _Html(HTMLParser):
    """Tags opened and closed in order, attributes, and the text: enough to check shape."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doctype = None
        self.open: list[str] = []
        self.unbalanced: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.unbalanced.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize(("url", "lang", "text", "href"), [
    ("/embed/banner.html", "fr", f"Incident en cours{NBSP}: Coupure fibre à Lyon — en savoir plus",
     f"/incidents/{FIBRE}/"),
    ("/en/embed/banner.html", "en", "Incident in progress: Coupure fibre à Lyon — read more",
     f"/en/incidents/{FIBRE}/"),
])
def test_banner_html_is_a_small_self_contained_page(client, url, lang, text, href):
    page = _Html()
    page.feed(client.get(url).get_data(as_text=True))
    page.close()
    assert page.doctype.lower() == "doctype html"
    assert page.open == [] and page.unbalanced == []
    tags = dict(page.tags)
    assert tags["html"] == {"lang": lang}
    assert tags["meta"] is not None and "title" in tags and "style" in tags
    assert text in re.sub(r"[ \t\n]+", " ", "".join(page.text))
    links = [attrs for tag, attrs in page.tags if tag == "a"]
    # The incident, then the all-good line, hidden until a filter leaves no line.
    assert links == [{"href": href, "target": "_top"},
                     {"href": "/" if lang == "fr" else "/en/", "target": "_top"}]
    assert ("p", {"class": "ok", "hidden": None}) in page.tags
    # Nothing loaded from elsewhere: one inline script, no stylesheet, image or frame (the
    # feeds are announced as on every page: browsers do not fetch rel=alternate links).
    assert [tag for tag, _ in page.tags].count("script") == 1
    assert not {"img", "iframe", "object"} & {tag for tag, _ in page.tags}
    assert not any("src" in attrs for _, attrs in page.tags)
    script = client.get(url).get_data(as_text=True).split("<script>")[1]
    assert "innerHTML" not in script and "eval(" not in script
    assert {attrs["rel"] for tag, attrs in page.tags if tag == "link"} == {"alternate"}


# -- the script -----------------------------------------------------------------------------

def test_script_is_small_and_self_contained(frozen: BuildResult):
    script = (frozen.out / "embed" / "status.js").read_bytes()
    assert len(gzip.compress(script, compresslevel=9)) < 2 * 1024
    assert len(script) < 4 * 1024  # minified by hand: small even uncompressed
    text = script.decode("utf-8")
    for forbidden in ("cookie", "localStorage", "sessionStorage", "innerHTML", "eval(",
                      "http://", "console.log", "console.error"):
        assert forbidden not in text
    assert text.count("console.") == 1  # the warning about an unknown component
    assert text.startswith("/*") and text.rstrip().endswith("})(document);")


def test_script_knows_the_editions_and_the_configured_url(tmp_path: Path):
    shutil.copytree(SITES / "basic", tmp_path / "site")
    out = build(tmp_path / "site", BuildOptions(out=tmp_path / "out",
                                                url="https://status.other.example/", now=NOW)).out
    text = (out / "embed" / "status.js").read_text("utf-8")
    # Its own address comes first; the configured url only when it cannot be read.
    assert 'b=m?m[1]:"https://status.other.example"' in text
    assert 'E={"fr":["","État des services"],"en":["en/","Current status"]}' in text
    assert '||E["fr"]' in text  # the default language


def test_script_matches_regional_language_codes(site_dir: Path):
    """A site in fr and en-GB: an "en" or "en-US" host page gets the en-GB edition."""
    for path in [site_dir / "content" / "site.yaml", *(site_dir / "incidents").glob("*.md")]:
        text = path.read_text("utf-8").replace(", en:", ", en-GB:")
        path.write_text(text.replace("languages: [fr, en]", "languages: [fr, en-GB]"), "utf-8")
        if path.name.endswith(".en.md"):
            path.rename(path.with_name(path.name.replace(".en.md", ".en-GB.md")))
    text = client_at(site_dir).get("/embed/status.js").get_data(as_text=True)
    assert ('E={"fr":["","État des services"],"en-gb":["en-GB/","Current status"],'
            '"en":["en-GB/","Current status"]}') in text


# -- badges -------------------------------------------------------------------------------

def _badge(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))  # well-formed XML


@pytest.mark.parametrize(("url", "label", "value", "colour"), [
    ("/badge.svg", "Statut Test", "Panne partielle", "#bc4c00"),
    ("/en/badge.svg", "Test Status", "Partial outage", "#bc4c00"),
    ("/components/fibre/badge.svg", "Fibre", "Panne partielle", "#bc4c00"),
    ("/en/components/fibre/badge.svg", "Fibre broadband", "Partial outage", "#bc4c00"),
    ("/components/billing/badge.svg", "Facturation", "Opérationnel", "#1a7f37"),
    ("/en/components/adsl/badge.svg", "ADSL", "Operational", "#1a7f37"),
])
def test_badge(client, url: str, label: str, value: str, colour: str):
    svg = _badge(client, url)
    assert svg.tag == f"{SVG_NS}svg"
    separator = f"{NBSP}: " if not url.startswith("/en/") else ": "
    title = f"{label}{separator}{value}"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == title
    assert svg.find(f"{SVG_NS}title").text == title
    texts = list(svg.iter(f"{SVG_NS}text"))
    assert [t.text for t in texts] == [label, value]
    fills = [r.get("fill") for r in svg.iter(f"{SVG_NS}rect")]
    assert fills == [colour, "#555", "#555"]
    width = int(svg.get("width"))
    left = int(svg.findall(f"{SVG_NS}rect")[1].get("width"))
    assert left == embed.text_width(label) + 12
    assert width == left + embed.text_width(value) + 12


@pytest.mark.parametrize(("indicator", "content", "value", "colour"), [
    ("minor", "impact: minor\ncomponents: [adsl]\n", "Minor outage", "#9a6700"),
    ("critical", "impact: critical\ncomponents: [adsl]\n", "Major outage", "#cf222e"),
])
def test_site_badge_follows_the_indicator(site_dir: Path, indicator, content, value, colour):
    resolve_fibre(site_dir)
    (site_dir / "incidents" / "2026-11-26-adsl.md").write_text(
        f"---\ntitle: ADSL\n{content}started: 2026-11-26 11:00\n---\n"
        "## 2026-11-26 11:00 · investigating\nNous enquêtons.\n", "utf-8")
    svg = _badge(client_at(site_dir), "/en/badge.svg")
    assert [t.text for t in svg.iter(f"{SVG_NS}text")] == ["Test Status", value]
    assert svg.find(f"{SVG_NS}rect").get("fill") == colour


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_colours_meet_wcag_aa():
    badge_colours = {embed.BADGE_LABEL_COLOUR, *(c for c, _ in embed.COMPONENT_BADGES.values()),
                     *(c for c, _ in embed.INDICATOR_BADGES.values())}
    for colour in badge_colours:
        assert contrast(colour, "#fff") >= 4.5, colour
    # The banner's text and link colours on its backgrounds (script and iframe page), in
    # both schemes.
    assert embed.BANNER_COLOURS.keys() == {"light", "dark"}
    for scheme in embed.BANNER_COLOURS.values():
        backgrounds = [scheme["bg"], *(scheme[kind][0] for kind in
                                      ("ok", "incident", "maintenance"))]
        for background in backgrounds:
            for colour in (scheme["fg"], scheme["a"]):
                assert contrast(colour, background) >= 4.5, (colour, background)


def test_hostile_names_are_escaped(site_dir: Path):
    hostile = '<script>alert("x")</script> & Co'
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("name: ADSL", f"name: '{hostile}'"),
                      "utf-8")
    (site_dir / "incidents" / "2026-11-26-hostile.md").write_text(
        f"---\ntitle: '{hostile}'\nimpact: minor\ncomponents: [adsl]\n"
        "started: 2026-11-26 11:00\n---\n## 2026-11-26 11:00 · investigating\nHm.\n", "utf-8")
    client = client_at(site_dir)
    body = client.get("/components/adsl/badge.svg").get_data(as_text=True)
    assert "<script>" not in body
    svg = ET.fromstring(body)
    assert [t.text for t in svg.iter(f"{SVG_NS}text")][0] == hostile
    assert svg.get("aria-label") == f"{hostile}{NBSP}: Performances dégradées"
    raw = client.get("/embed/status.json").get_data(as_text=True)
    assert "<" not in raw and "&" not in raw
    assert hostile in [i["title"] for i in json.loads(raw)["items"]]
    html = client.get("/embed/banner.html").get_data(as_text=True)
    assert html.count("<script>") == 1  # the page's own
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co — en savoir plus" in html


def test_text_width_estimates():
    assert embed.text_width("") == 0
    assert embed.text_width("iiii") < embed.text_width("mmmm")
    assert embed.text_width("Opérationnel") == embed.text_width("Operationnel")
    assert 60 <= embed.text_width("Partial outage") <= 100  # Verdana 11px: about 83px
    assert embed.text_width("运行") == 22


# -- CORS ---------------------------------------------------------------------------------

def test_serve_allows_other_origins_on_api_and_embed(runner, site_dir: Path, monkeypatch):
    """The app ``statuspage serve`` runs: its run() is replaced to keep the app."""
    served = []
    monkeypatch.setattr(flask.Flask, "run", lambda app, **options: served.append(app))
    result = runner.invoke(main, ["--site", str(site_dir), "serve", "--port", "8765"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    client = served[0].test_client()
    for url in ("/api/v2/summary.json", "/embed/status.js", "/embed/status.json",
                "/en/embed/status.json", "/embed/banner.html", "/en/embed/banner.html",
                "/badge.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
    for url in ("/", "/en/", f"/incidents/{FIBRE}/"):
        assert "Access-Control-Allow-Origin" not in client.get(url).headers, url


# -- in a browser: the script on a customer's page, another origin ----------------------------

class _StatusHandler(SiteHandler):
    """The frozen site, as a static host configured by docs/embed.md (CORS on), or broken:
    ``server.mode`` "drop" closes the connection instead of answering status.json,
    "garbage" answers it with something that is not JSON, "missing" with a 404."""

    def do_GET(self):
        if self.path.endswith("/status.json") and self.server.mode == "drop":
            self.close_connection = True
            return
        if self.path.endswith("/status.json") and self.server.mode == "garbage":
            body = b'{"items": [oops'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.endswith("/status.json") and self.server.mode == "missing":
            self.send_error(404)
            return
        super().do_GET()


class _HostHandler(BaseHTTPRequestHandler):
    """A customer area: ``/?lang=fr&slot=1&status=<base>&script=0``; the script tag's
    ``data-theme``, ``data-components`` and ``data-frame`` from ``theme=``,
    ``components=`` and ``frame=1``; ``scheme=`` the page's own CSS ``color-scheme``."""

    def do_GET(self):
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        base = query.get("status", self.server.status_url)
        options = "".join(f' data-{name}="{escape(query[name])}"'
                          for name in ("theme", "components") if name in query)
        options += " data-frame" if query.get("frame") else ""
        script = (f'<script src="{base}/embed/status.js"{options} async></script>'
                  if query.get("script") != "0" else "")
        slot = '<div id="statuspage-banner"></div>' if query.get("slot") else ""
        style = (f"<style>:root{{color-scheme:{escape(query['scheme'])}}}</style>"
                 if query.get("scheme") else "")
        body = (f'<!doctype html><html lang="{query.get("lang", "fr")}"><head>'
                f'<meta charset="utf-8"><title>Espace client</title>{style}{script}</head>'
                f'<body><header id="host"><h1>Espace client</h1></header>{slot}'
                '<main><p>Vos factures.</p></main></body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The frozen basic site (fibre open) on one port, a customer's page on another; the
    same site with the fibre incident resolved ("calm") ready to be served instead."""
    root = tmp_path_factory.mktemp("embed-browser")
    shutil.copytree(SITES / "basic", root / "open")
    shutil.copytree(SITES / "basic", root / "calm")
    resolve_fibre(root / "calm")
    builds = {name: build(root / name, BuildOptions(out=root / f"out-{name}", now=NOW)).out
              for name in ("open", "calm")}
    with (serving(_StatusHandler, root=builds["open"], mode="ok", cors=True)
          as (status_url, status),
          serving(_HostHandler, status_url=status_url) as (host_url, _host)):
        yield {"status": status, "status_url": status_url, "host_url": host_url,
               "builds": builds}


@pytest.fixture
def web(servers: dict) -> Iterator[dict]:
    """The servers, put back to the open site answering normally after each test."""
    yield servers
    servers["status"].root, servers["status"].mode = servers["builds"]["open"], "ok"


def _watch(page: Page) -> dict[str, list[str]]:
    """Uncaught errors, and console errors other than the browser's own network ones."""
    seen: dict[str, list[str]] = {"errors": [], "console": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda message: message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and seen["console"].append(message.text))
    return seen


def _settle(page: Page) -> None:
    """Let the script's promise chain finish after its last network event."""
    page.evaluate("() => new Promise(done => setTimeout(done, 100))")


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "region", "label", "path", "title_lang"), [
    ("fr", "État des services", f"Incident en cours{NBSP}:", f"/incidents/{FIBRE}/", None),
    ("en", "Current status", "Incident in progress:", f"/en/incidents/{FIBRE}/", "fr"),
    ("en-GB", "Current status", "Incident in progress:", f"/en/incidents/{FIBRE}/", "fr"),
    ("de", "État des services", f"Incident en cours{NBSP}:", f"/incidents/{FIBRE}/", None),
])
def test_banner_in_the_host_pages_language(page: Page, web: dict, lang, region, label, path,
                                           title_lang):
    seen = _watch(page)
    page.goto(f"{web['host_url']}/?lang={lang}")
    banner = page.get_by_role("region", name=region)
    expect(banner).to_be_visible()
    expect(banner.locator("strong")).to_have_text(label)
    more = "en savoir plus" if region.startswith("É") else "read more"
    link = banner.get_by_role("link")
    expect(link).to_have_text(f"Coupure fibre à Lyon — {more}")
    expect(link).to_have_attribute("href", web["status_url"] + path)
    title = link.locator("span")
    if title_lang:
        expect(title).to_have_attribute("lang", title_lang)
    else:
        assert title.get_attribute("lang") is None
    # At the top of the body, before the host's own header.
    assert page.evaluate("document.body.firstElementChild.getAttribute('role')") == "region"
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
def test_banner_in_the_placeholder_and_by_keyboard(page: Page, web: dict):
    page.goto(f"{web['host_url']}/?lang=fr&slot=1")
    slot = page.locator("#statuspage-banner")
    expect(slot.get_by_role("region", name="État des services")).to_be_visible()
    assert page.evaluate("document.body.firstElementChild.id") == "host"
    page.keyboard.press("Tab")
    expect(slot.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web['status_url']}/incidents/{FIBRE}/")
    expect(page.locator("h1")).to_have_text("Coupure fibre à Lyon")


@pytest.mark.browser
def test_no_global_left_and_accessible(page: Page, web: dict):
    page.goto(f"{web['host_url']}/?lang=fr&script=0")
    before = set(page.evaluate("Object.keys(window)"))
    page.goto(f"{web['host_url']}/?lang=fr")
    expect(page.get_by_role("region")).to_be_visible()
    assert set(page.evaluate("Object.keys(window)")) == before
    assert page.evaluate("document.cookie") == ""
    axe = TESTS / "js" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.is_file():
        pytest.skip(f"{axe} is missing: npm ci --prefix tests/js")
    page.add_script_tag(path=str(axe))
    violations = page.evaluate("""async () => (await axe.run('[role=region]', {runOnly:
        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})).violations.map(v => v.id)""")
    assert violations == []


@pytest.mark.browser
def test_no_banner_when_all_is_well(page: Page, web: dict):
    web["status"].root = web["builds"]["calm"]
    seen = _watch(page)
    with page.expect_response("**/embed/status.json") as response:
        page.goto(f"{web['host_url']}/?lang=fr&slot=1")
    assert response.value.ok
    _settle(page)
    expect(page.get_by_role("region")).to_have_count(0)
    assert page.evaluate("document.getElementById('statuspage-banner').innerHTML") == ""
    assert seen == {"errors": [], "console": []}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.browser
@pytest.mark.parametrize("trouble", ["server down", "connection dropped", "not JSON",
                                     "not found"])
def test_silent_when_the_status_site_fails(page: Page, web: dict, trouble: str):
    seen = _watch(page)
    url = f"{web['host_url']}/?lang=fr"
    if trouble == "server down":  # even the script cannot be loaded
        url += f"&status=http://127.0.0.1:{_free_port()}"
    elif trouble == "connection dropped":
        web["status"].mode = "drop"
    elif trouble == "not JSON":
        web["status"].mode = "garbage"
    else:
        web["status"].mode = "missing"
    if trouble in ("server down", "connection dropped"):
        with page.expect_event("requestfailed"):
            page.goto(url)
    else:
        with page.expect_response("**/embed/status.json"):
            page.goto(url)
    _settle(page)
    expect(page.get_by_role("region")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Espace client")
    assert seen == {"errors": [], "console": []}



# -- in a browser: colours, services, the iframe and its height --------------------------------

def _rgb(colour: str) -> str:
    """``#fff1e5`` (or ``#fff``) as getComputedStyle writes it."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def _frame(page: Page) -> Frame:
    """The banner's iframe, once it has posted its height."""
    iframe = page.locator("iframe")
    expect(iframe).to_have_count(1)
    page.wait_for_function("() => document.querySelector('iframe').offsetHeight > 0")
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    return frame


def _heights(page: Page, frame: Frame) -> tuple[float, float]:
    """The iframe's height on the host page, and its content's."""
    return (page.evaluate("document.querySelector('iframe').getBoundingClientRect().height"),
            frame.evaluate("document.documentElement.getBoundingClientRect().height"))


def _fitted(page: Page, frame: Frame) -> float:
    """Wait until the iframe is as high as its content (±2 px), without a scrollbar."""
    for _ in range(100):
        outer, inner = _heights(page, frame)
        if abs(outer - inner) <= 2:
            break
        page.wait_for_timeout(50)
    assert abs(outer - inner) <= 2, (outer, inner)
    assert frame.evaluate("document.documentElement.scrollHeight"
                          " <= document.documentElement.clientHeight")
    return outer


@pytest.fixture
def dark_page(chromium: Browser) -> Iterator[Page]:
    yield from (context.new_page()
                for context in browser_context(chromium, color_scheme="dark"))


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["script", "frame"])
@pytest.mark.parametrize(("reader", "options", "expected"), [
    ("light", "", "light"),
    ("dark", "", "dark"),
    ("dark", "&theme=auto", "dark"),
    ("dark", "&theme=light", "light"),  # forced by the script tag
    ("light", "&theme=dark", "dark"),
    ("dark", "&scheme=light", "light"),  # the host page is light only
    ("light", "&scheme=only%20dark", "dark"),  # the host page is dark only
    ("dark", "&scheme=light%20dark", "dark"),  # both: the reader's choice
])
def test_banner_follows_the_host_pages_colour_scheme(page: Page, dark_page: Page, web: dict,
                                                     mode, reader, options, expected):
    page = dark_page if reader == "dark" else page
    seen = _watch(page)
    colours = embed.BANNER_COLOURS[expected]
    background, link = _rgb(colours["incident"][0]), _rgb(colours["a"])
    if mode == "frame":
        page.goto(f"{web['host_url']}/?lang=fr&frame=1{options}")
        frame = page.frame_locator("iframe")
        expect(frame.locator("p.incident")).to_have_css("background-color", background)
        expect(frame.locator("p.incident a")).to_have_css("color", link)
        expect(frame.locator("p.incident")).to_have_css("color", _rgb(colours["fg"]))
    else:
        page.goto(f"{web['host_url']}/?lang=fr{options}")
        banner = page.get_by_role("region", name="État des services")
        expect(banner).to_have_attribute("data-theme", expected)
        expect(banner).to_have_css("background-color", background)  # one block
        expect(banner).to_have_css("color", _rgb(colours["fg"]))
        expect(banner.get_by_role("link")).to_have_css("color", link)
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["script", "frame"])
def test_banner_follows_a_change_of_scheme(page: Page, web: dict, mode: str):
    page.goto(f"{web['host_url']}/?lang=en&slot=1{'&frame=1' if mode == 'frame' else ''}")
    if mode == "frame":
        line = page.frame_locator("iframe").locator("p.incident")
    else:
        line = page.get_by_role("region")
    light, dark = (_rgb(embed.BANNER_COLOURS[s]["incident"][0]) for s in ("light", "dark"))
    expect(line).to_have_css("background-color", light)
    page.emulate_media(color_scheme="dark")
    expect(line).to_have_css("background-color", dark)
    page.emulate_media(color_scheme="light")
    expect(line).to_have_css("background-color", light)


def _warnings(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: message.type == "warning"
            and found.append(message.text))
    return found


@pytest.mark.browser
@pytest.mark.parametrize(("components", "shown", "warned"), [
    ("billing", False, []),  # billing is fine, fibre is down: nothing for billing
    ("billing,payments", False, ["payments"]),
    ("fibre", True, []),
    (" billing , fibre ", True, []),
    ("nope", True, ["nope"]),  # only unknown ids: ignored, the whole site's banner
])
def test_script_limited_to_some_services(page: Page, web: dict, components: str, shown: bool,
                                         warned: list[str]):
    seen, warnings = _watch(page), _warnings(page)
    with page.expect_response("**/embed/status.json"):
        page.goto(f"{web['host_url']}/?lang=fr&slot=1&components={components}")
    _settle(page)
    expect(page.get_by_role("region")).to_have_count(1 if shown else 0)
    if shown:
        expect(page.get_by_role("region").get_by_role("link")).to_have_text(
            "Coupure fibre à Lyon — en savoir plus")
    assert [w for w in warnings if "statuspage" in w] == [
        f'statuspage: unknown component "{name}", ignored' for name in warned]
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
@pytest.mark.parametrize(("components", "shown", "warned"), [
    ("", True, []),
    ("billing", False, []),
    ("billing,payments", False, ["payments"]),
    ("fibre,billing", True, []),
    ("nope", True, ["nope"]),
])
def test_frame_limited_to_some_services(page: Page, web: dict, components: str, shown: bool,
                                        warned: list[str]):
    seen, warnings = _watch(page), _warnings(page)
    page.goto(f"{web['host_url']}/?lang=fr&frame=1&components={components}")
    frame = page.frame_locator("iframe")
    incident, calm = frame.locator("p.incident"), frame.locator("p.ok")
    if shown:
        expect(incident).to_be_visible()
        expect(calm).to_be_hidden()
    else:
        expect(calm).to_be_visible()
        expect(calm).to_have_text("✓ Tous les services fonctionnent normalement")
        expect(incident).to_be_hidden()
    _fitted(page, _frame(page))  # one line either way, and the iframe fits it
    assert [w for w in warnings if "statuspage" in w] == [
        f'statuspage: unknown component "{name}", ignored' for name in warned]
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
def test_frame_fits_its_content(page: Page, web: dict):
    seen = _watch(page)
    page.goto(f"{web['host_url']}/?lang=fr&slot=1&frame=1")
    iframe = page.locator("#statuspage-banner iframe")
    expect(iframe).to_have_attribute("title", "État des services")
    frame = _frame(page)
    one_line = _fitted(page, frame)
    assert 30 < one_line < 60
    # A narrow screen: the line wraps, the iframe grows with it; and back.
    page.set_viewport_size({"width": 240, "height": 600})
    page.wait_for_function(f"() => document.querySelector('iframe').offsetHeight > {one_line}")
    assert _fitted(page, frame) > one_line + 15
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_function(f"() => document.querySelector('iframe').offsetHeight < {one_line + 2}")
    assert abs(_fitted(page, frame) - one_line) <= 2
    # Only the status site's frame may size it: a message from the host's origin is ignored.
    page.evaluate("window.postMessage({statuspage: 'height', height: 500}, '*')")
    _settle(page)
    assert abs(_fitted(page, frame) - one_line) <= 2
    # Its link opens the incident in the host's window.
    frame.get_by_role("link").click()
    page.wait_for_url(f"{web['status_url']}/incidents/{FIBRE}/")
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
def test_frame_when_all_is_well_and_when_the_site_is_down(page: Page, web: dict):
    web["status"].root = web["builds"]["calm"]
    seen = _watch(page)
    page.goto(f"{web['host_url']}/?lang=en&frame=1")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("link")).to_have_text("All Systems Operational")
    _fitted(page, _frame(page))
    assert seen == {"errors": [], "console": []}
    # The status site unreachable: no script, so no iframe; the page as it was.
    page.goto(f"{web['host_url']}/?lang=en&frame=1&status=http://127.0.0.1:{_free_port()}")
    expect(page.locator("h1")).to_have_text("Espace client")
    _settle(page)
    assert page.evaluate("document.querySelector('iframe')") is None  # no script, no frame


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_banner_page_is_accessible_in_both_schemes(page: Page, web: dict, theme: str):
    axe = TESTS / "js" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.is_file():
        pytest.skip(f"{axe} is missing: npm ci --prefix tests/js")
    seen = _watch(page)
    page.goto(f"{web['status_url']}/embed/banner.html#theme={theme}")
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    page.add_script_tag(path=str(axe))
    violations = page.evaluate("""async () => (await axe.run(document, {runOnly:
        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})).violations.map(v => v.id)""")
    assert violations == []
    assert seen == {"errors": [], "console": []}
