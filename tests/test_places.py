"""Places: ``areas:`` in incidents and maintenance, read, checked, translated, written back."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import FIBRE, NOW, TESTS, browser_context
from playwright.sync_api import expect
from serving import serving

from statuspage import refs
from statuspage.content.incident import parse_incident
from statuspage.content.incident_fields import front_matter
from statuspage.content.loader import load_site
from statuspage.errors import ContentError, Problems
from statuspage.freeze.build import BuildOptions, build
from statuspage.model import Area, Text
from statuspage.web import create_app

FIBRE_FILE = f"incidents/{FIBRE}.md"
NBSP = "\u00a0"


def _with_areas(site_dir: Path, areas: str, postcode: str | None = None) -> None:
    """The test site's open fibre incident with ``areas`` as its line 3."""
    path = site_dir / FIBRE_FILE
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, areas)
    path.write_text("\n".join(lines), encoding="utf-8")
    if postcode:
        config = site_dir / "content" / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + f"postcode: '{postcode}'\n",
                          encoding="utf-8")


def test_areas_as_a_list(site_dir):
    _with_areas(site_dir, 'areas: ["69003", 69007, "13"]')
    fibre = load_site(site_dir).incident(FIBRE)
    assert [(a.code, a.label) for a in fibre.areas] == [
        ("69003", Text({})), ("69007", Text({})), ("13", Text({}))]
    assert fibre.concerns("69007") and fibre.concerns("13005") and not fibre.concerns("75001")


def test_areas_with_labels_in_every_language(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": {fr: Lyon 7e, en: Lyon 7th}}')
    fibre = load_site(site_dir).incident(FIBRE)
    assert [(a.code, dict(a.label)) for a in fibre.areas] == [
        ("69003", {"fr": "Lyon 3e"}), ("69007", {"fr": "Lyon 7e", "en": "Lyon 7th"})]


def test_no_areas_is_everyone(site_dir):
    fibre = load_site(site_dir).incident(FIBRE)
    assert fibre.areas == () and fibre.concerns("13005")


def test_a_translation_names_the_places(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": Lyon 7e}')
    (site_dir / f"incidents/{FIBRE}.en.md").write_text(
        '---\ntitle: Fibre cut in Lyon\nareas: {"69003": Lyon 3rd}\n---\n', encoding="utf-8")
    fibre = load_site(site_dir).incident(FIBRE)
    assert [dict(a.label) for a in fibre.areas] == [{"fr": "Lyon 3e", "en": "Lyon 3rd"},
                                                    {"fr": "Lyon 7e"}]


AREA_ERRORS = [
    ('areas: "69003"', None, '3: areas: expected a list of postal codes, e.g. areas: '
     '["69003", "13"], or codes with their names, e.g. areas: {"69003": Lyon 3e, '
     '"69007": Lyon 7e}'),
    ("areas: []", None, '3: areas: empty; expected a list of postal codes, e.g. areas: '
     '["69003", "13"], or codes with their names, e.g. areas: {"69003": Lyon 3e, '
     '"69007": Lyon 7e} (or remove areas: when it is everywhere)'),
    ('areas: ["69-003"]', None, "3: areas: '69-003' is not a postal code: letters and digits "
     'only (at most 10), a code such as "69003" or its start such as "69"'),
    ("areas:\n  - 69003\n  - [13]", None, "5: areas: 'list' is not a postal code: letters "
     'and digits only (at most 10), a code such as "69003" or its start such as "69"'),
    ('areas: {"Lyon 3e": "69003"}', None, "3: areas: 'Lyon 3e' is not a postal code: letters "
     'and digits only (at most 10), a code such as "69003" or its start such as "69"'),
    ('areas: ["69003", "69003"]', None, "3: areas: '69003' is listed twice"),
    ('areas: ["690031"]', r"^\d{5}$", "3: areas: '690031' is neither a postal code nor the "
     r"start of one: site.yaml's postcode is '^\\d{5}$'; fix the code, or the pattern"),
    ('areas: ["6A"]', r"^\d{5}$", "3: areas: '6A' is neither a postal code nor the "
     r"start of one: site.yaml's postcode is '^\\d{5}$'; fix the code, or the pattern"),
    ("areas: {\"69003\": [Lyon]}", None, "3: areas.69003: expected text, or a mapping "
     "language: text"),
]


@pytest.mark.parametrize(("areas", "postcode", "expected"), AREA_ERRORS,
                         ids=[c[0] for c in AREA_ERRORS])
def test_each_area_error_has_its_message(site_dir, areas, postcode, expected):
    _with_areas(site_dir, areas, postcode)
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [f"{FIBRE_FILE}:{expected}"]


def test_prefixes_and_full_codes_pass_the_pattern(site_dir):
    _with_areas(site_dir, 'areas: ["69", "69003", "2A004"]', r"^(\d{5}|2[AB]\d{3})$")
    assert [a.code for a in load_site(site_dir).incident(FIBRE).areas] == [
        "69", "69003", "2A004"]


def test_a_translation_cannot_move_the_places(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e}')
    (site_dir / f"incidents/{FIBRE}.en.md").write_text(
        '---\ntitle: Fibre cut in Lyon\nareas: {"13005": Marseille}\n---\n', encoding="utf-8")
    site = load_site(site_dir)  # a place since removed: its name is left out, and said
    assert [str(p) for p in site.warnings] == [
        f"incidents/{FIBRE}.en.md:3: areas: '13005' is not one of the areas of {FIBRE_FILE} "
        "(69003): its name is left out; a translation names the same places"]
    assert [a.code for a in site.incident(FIBRE).areas] == ["69003"]


def test_a_bad_postcode_pattern_is_located(site_dir):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "postcode: '^(\\d{5}$'\n",
                      encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "content/site.yaml:21: postcode: '^(\\\\d{5}$' is not a regular expression (missing ), "
        "unterminated subpattern at position 1); e.g. postcode: '^\\d{5}$' for French "
        "postal codes"]


def test_areas_are_written_back_as_read(site):
    fibre = site.incident(FIBRE)
    moved = replace(fibre, areas=(Area("69003", Text({"fr": "Lyon 3e", "en": "Lyon 3rd"})),
                                  Area("13")))
    lines = front_matter(moved, site.config)
    text = "\n".join(["---", *lines, "---", ""])
    again = parse_incident(FIBRE, FIBRE_FILE, text, site.config, Problems(FIBRE_FILE))
    assert again is not None and again.areas == moved.areas


# -- saying where ------------------------------------------------------------------------------

BILLING = "2026-11-25-facturation"
NATIONAL = """---
title: {fr: Factures indisponibles, en: Bills unavailable}
impact: major
components: [billing]
started: 2026-11-25 09:00
what_to_do: Réessayez demain.
---
## 2026-11-25 09:10 · investigating
Les factures ne s'affichent plus.
"""


@pytest.fixture
def lyon_dir(site_dir: Path) -> Path:
    """The lead's check: a Lyon fibre incident (69003, 69007, a next update) and a national
    billing incident, both open."""
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": {fr: Lyon 7e, en: Lyon 7th}}',
                r"^\d{5}$")
    (site_dir / f"incidents/{BILLING}.md").write_text(NATIONAL, encoding="utf-8")
    return site_dir


@pytest.fixture
def lyon(lyon_dir, now):
    return create_app(load_site(lyon_dir), now=now).test_client()


def _headline(client, path="/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.sub(r"<[^>]+>", "", re.search(r'<h1 id="overall">(.*?)</h1>', html).group(1))


def test_the_headline_says_where_each_service_is_down(lyon):
    assert _headline(lyon) == ("Fibre\u00a0: panne partielle à Lyon 3e et Lyon 7e\u00a0; "
                               "Facturation\u00a0: panne partielle — les autres services "
                               "fonctionnent")
    assert _headline(lyon, "/en/") == ("Fibre broadband: partial outage in Lyon 3e and Lyon "
                                       "7th; Billing: partial outage — the other services are "
                                       "working")


def test_the_headline_comes_before_the_incident(lyon):
    html = lyon.get("/").get_data(as_text=True)
    assert html.index("Lyon 3e") < html.index("Coupure fibre à Lyon")


def test_two_services_in_the_same_places_are_said_once(site_dir, now):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e}')
    path = site_dir / FIBRE_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  fibre: partial_outage", "  fibre: partial_outage\n  adsl: degraded_performance"),
        encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    assert _headline(client) == ("Fibre\u00a0: panne partielle\u00a0; ADSL\u00a0: performances "
                                 "dégradées à Lyon 3e — les autres services fonctionnent")


def test_many_services_and_places_are_summarised(site_dir, now):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": Lyon 7e, "69100": Villeurbanne, '
                '"69500": Bron}')
    path = site_dir / FIBRE_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  fibre: partial_outage", "  fibre: partial_outage\n  adsl: major_outage\n"
        "  billing: degraded_performance"), encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    assert _headline(client) == ("Fibre, ADSL et 1 autre\u00a0: panne majeure à Lyon 3e, "
                                 "Lyon 7e et 2 autres lieux")


def test_cards_pages_and_lists_name_the_places(lyon):
    for path in ("/", f"/incidents/{FIBRE}/"):
        html = lyon.get(path).get_data(as_text=True)
        assert '<dt>Où</dt><dd class="where">Lyon 3e et Lyon 7e</dd>' in html
    html = lyon.get(f"/en/incidents/{FIBRE}/").get_data(as_text=True)
    assert '<dt>Where</dt><dd class="where">Lyon 3e and Lyon 7th</dd>' in html
    assert "Où" not in lyon.get(f"/incidents/{BILLING}/").get_data(as_text=True)


def test_feeds_and_the_banner_data_say_where(lyon):
    feed = lyon.get("/updates.atom").get_data(as_text=True)
    assert "&lt;strong&gt;Où&lt;/strong&gt;&lt;br&gt;Lyon 3e et Lyon 7e" in feed
    items = lyon.get("/en/embed/status.json").get_json()["items"]
    by_path = {item["path"]: item for item in items}
    assert by_path[f"en/incidents/{FIBRE}/"]["areas"] == ["69003", "69007"]
    assert by_path[f"en/incidents/{FIBRE}/"]["places"] == "Lyon 3e and Lyon 7th"
    assert "areas" not in by_path[f"en/incidents/{BILLING}/"]


def test_a_maintenance_calendar_event_has_its_location(example_dir, now):
    client = create_app(load_site(example_dir), now=now).test_client()
    calendar = client.get("/maintenance.ics").get_data(as_text=True)
    assert "LOCATION:Nord" in calendar


# -- "Am I affected?": the postcode box, its index, the places' pages ----------------------------

def test_the_index_holds_open_things_by_first_character(lyon):
    assert lyon.get("/zone/codes-6.json").get_json() == {
        "areas": {"": [BILLING], "69003": [FIBRE], "69007": [FIBRE]},
        "incidents": {
            BILLING: {"title": "Factures indisponibles", "url": f"/incidents/{BILLING}/",
                      "kind": "incident", "places": ""},
            FIBRE: {"title": "Coupure fibre à Lyon", "url": f"/incidents/{FIBRE}/",
                    "kind": "incident", "places": "Lyon 3e et Lyon 7e"}}}
    assert lyon.get("/en/zone/codes.json").get_json() == {
        "areas": {"": [BILLING]},
        "incidents": {BILLING: {"title": "Bills unavailable", "kind": "incident", "places": "",
                                "url": f"/en/incidents/{BILLING}/"}}}
    assert lyon.get("/zone/codes-1.json").status_code == 404


def test_a_page_for_each_place_and_one_that_explains(lyon):
    page = lyon.get("/zone/69007/").get_data(as_text=True)
    assert "Incidents pour 69007 Lyon 7e" in page
    assert "Coupure fibre à Lyon" in page and "Factures indisponibles" in page
    assert lyon.get("/zone/13005/").status_code == 404
    index = lyon.get("/zone/").get_data(as_text=True)
    assert 'href="/zone/69003/">69003</a> Lyon 3e' in index
    assert "Factures indisponibles" in index and 'name="postcode"' in index


def test_a_places_page_lists_its_maintenance_by_its_window(example_dir):
    during = datetime(2026, 12, 3, 2, 0, tzinfo=NOW.tzinfo)  # the Nord works, 01:00–05:00
    page = create_app(load_site(example_dir), now=during).test_client().get("/zone/59/")
    item = page.get_data(as_text=True).split('<ul class="list">')[1].split("</ul>")[0]
    assert "Modernisation du réseau mobile dans le Nord" in item
    assert '<time datetime="2026-12-03T01:00:00+01:00">' in item  # its window, not "since"
    assert '<time datetime="2026-12-03T05:00:00+01:00">05:00 CET</time> · Nord' in item


@pytest.mark.parametrize(("path", "before"), [
    ("/", '<h2 id="services"'), (f"/incidents/{FIBRE}/", "<h2"),
    (f"/en/incidents/{BILLING}/", "<h2")])
def test_the_box_comes_after_the_most_severe_incident(lyon, path, before):
    """Near the headline; on the home page after the incidents in progress (a phone's first
    screen answers first), before the services."""
    html = lyon.get(path).get_data(as_text=True)
    box = html.index('<input id="postcode" name="postcode"')
    assert html.index("<h1") < html.index('class="todo"') < box < html.index(before)
    assert 'aria-live="polite"' in html[box:]


def test_the_box_follows_the_headline_when_all_is_well(site_dir, now):
    path = site_dir / FIBRE_FILE
    path.write_text(path.read_text("utf-8").replace(
        "## 2026-11-26 08:10 · identified", "## 2026-11-26 09:00 · resolved\nRéparé.\n\n"
        "## 2026-11-26 08:10 · identified"), encoding="utf-8")
    html = create_app(load_site(site_dir), now=now).test_client().get("/").get_data(
        as_text=True)
    assert html.index("<h1") < html.index('name="postcode"') < html.index("<h2")


def test_the_most_severe_incident_comes_first(lyon_dir, now):
    billing = lyon_dir / f"incidents/{BILLING}.md"
    billing.write_text(billing.read_text("utf-8").replace("impact: major", "impact: critical"),
                       encoding="utf-8")
    html = create_app(load_site(lyon_dir), now=now).test_client().get("/").get_data(
        as_text=True)
    assert html.index("Factures indisponibles") < html.index("Coupure fibre à Lyon")


@pytest.fixture(scope="module")
def lyon_served(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The lead's check site, frozen and served over HTTP (its requests recorded)."""
    root = tmp_path_factory.mktemp("places")
    shutil.copytree(TESTS / "sites" / "basic", root / "site")
    _with_areas(root / "site", 'areas: {"69003": Lyon 3e, "69007": {fr: Lyon 7e, en: Lyon '
                '7th}}', r"^\d{5}$")
    (root / "site" / f"incidents/{BILLING}.md").write_text(NATIONAL, encoding="utf-8")
    out = build(root / "site", BuildOptions(out=root / "out", now=NOW)).out
    with serving(root=out) as (url, server):
        yield url, server


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", f"/incidents/{FIBRE}/"])
def test_the_box_answers_in_the_browser_without_sending_the_code(page, lyon_served, path):
    url, server = lyon_served
    server.requests.clear()
    page.goto(url + path)
    answer = page.locator("#postcode-answer")
    page.fill("input[name=postcode]", "69007")
    page.press("input[name=postcode]", "Enter")
    expect(answer).to_contain_text("En cours pour 69007")
    expect(answer).to_contain_text("Coupure fibre à Lyon · Lyon 3e et Lyon 7e")
    expect(answer).to_contain_text("Factures indisponibles · partout")
    page.fill("input[name=postcode]", "13 005")
    page.click("form.postcode button")
    expect(answer).to_contain_text("Factures indisponibles")
    expect(answer).not_to_contain_text("Lyon")
    assert page.url == url + path
    assert not [p for p, _origin in server.requests if "69007" in p or "13005" in p
                or "13%20005" in p]


@pytest.mark.browser
def test_the_box_says_when_nothing_is_known(page, tmp_path):
    site_dir = tmp_path / "site"
    shutil.copytree(TESTS / "sites" / "basic", site_dir)
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e}')
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        page.goto(url + "/")
        page.fill("input[name=postcode]", "13005")
        page.press("input[name=postcode]", "Enter")
        expect(page.locator("#postcode-answer")).to_have_text(
            "Aucun incident en cours n’est connu pour «\u00a013005\u00a0». Besoin d’aide\u00a0? "
            "Appelez le 3900.")
        page.fill("input[name=postcode]", "69003 Lyon?")
        page.press("input[name=postcode]", "Enter")
        expect(page.locator("#postcode-answer")).to_contain_text("n’est pas un code postal")


@pytest.mark.browser
def test_without_javascript_the_box_leads_to_the_places(chromium, lyon_served):
    url, _server = lyon_served
    for context in browser_context(chromium, java_script_enabled=False):
        page = context.new_page()
        page.goto(url + "/")
        page.fill("input[name=postcode]", "69007")
        page.press("input[name=postcode]", "Enter")
        page.wait_for_url("**/zone/?postcode=69007")
        page.click("text=69007")
        expect(page.locator("h1")).to_have_text("Incidents pour 69007 Lyon 7e")


def test_moving_an_incident_rebuilds_its_places_as_a_full_build_would(example_dir, tmp_path):
    build(example_dir, BuildOptions(out=tmp_path / "build", now=NOW))
    fibre = example_dir / "incidents" / "2026-11-26-coupure-fibre-lyon.md"
    fibre.write_text(fibre.read_text("utf-8").replace('"69007": Lyon 7e', '"13005": Marseille'),
                     encoding="utf-8")
    build(example_dir, BuildOptions(out=tmp_path / "build", now=NOW))
    build(example_dir, BuildOptions(out=tmp_path / "full", now=NOW, full=True))
    for name in ("zone/codes-1.json", "zone/13005/index.html", "en/zone/index.html",
                 "zone/codes-6.json", "index.html"):
        assert (tmp_path / "build" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()
    assert not (tmp_path / "build" / "zone" / "69007").exists()


# -- the banner knows the customer ---------------------------------------------------------------

class _CustomerArea(BaseHTTPRequestHandler):
    """A customer area on its own origin: the banner's script tag with the attributes of
    the query string (``?postcode=69007&components=fibre&frame=1``)."""

    def do_GET(self):
        self.server.requests.append((self.path, None))
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        options = "".join(f' data-{name}="{html.escape(query[name])}"'
                          for name in ("postcode", "components") if name in query)
        options += " data-frame" if query.get("frame") else ""
        body = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace '
                f'client</title><script src="{self.server.status_url}/embed/status.js"'
                f'{options} async></script></head><body><h1>Espace client</h1></body>'
                '</html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def customer_area(lyon_served) -> Iterator[tuple[str, object, object]]:
    status_url, status_server = lyon_served
    status_server.cors = True
    with serving(_CustomerArea, status_url=status_url) as (url, server):
        yield url, server, status_server


def _quiet(page) -> None:
    """Let the script's fetch and its promise chain finish."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise(done => setTimeout(done, 100))")


@pytest.mark.browser
def test_the_banner_shows_what_concerns_the_customer_only(page, customer_area, lyon_served):
    url, _host, status = customer_area
    status.requests.clear()
    page.goto(f"{url}/?postcode=69007&components=fibre,adsl")
    banner = page.get_by_role("region", name="État des services")
    expect(banner).to_contain_text(f"Votre service Fibre est concerné{NBSP}: Coupure fibre à "
                                   "Lyon — en savoir plus")
    expect(banner).to_contain_text("Lyon 3e et Lyon 7e · Utilisez vos données mobiles. · "
                                   "prochain point à 18:00 CET")
    expect(banner.get_by_role("link")).to_have_attribute(
        "href", f"{lyon_served[0]}/incidents/{FIBRE}/")
    expect(banner).not_to_contain_text("Factures")
    sent = [path for path, _origin in status.requests]  # the status site's, the page's own
    assert "/embed/status.json" in sent and not [path for path in sent if "69007" in path]


@pytest.mark.browser
def test_nothing_for_a_customer_elsewhere_or_calm_in_a_frame(page, customer_area):
    url, _host, _status = customer_area
    page.goto(f"{url}/?postcode=13005&components=fibre,adsl")
    _quiet(page)
    assert page.get_by_role("region").count() == 0
    page.goto(f"{url}/?postcode=13005&components=fibre&frame=1")
    frame = page.frame_locator("iframe")
    expect(frame.locator("p.ok")).to_be_visible()
    expect(frame.locator("p.incident").first).to_be_hidden()
    page.goto(f"{url}/?postcode=69007&components=fibre&frame=1")
    expect(page.frame_locator("iframe").locator("p.incident").first).to_be_visible()
    expect(page.frame_locator("iframe").locator("p.incident").first).to_contain_text(
        "Lyon 3e et Lyon 7e")
    assert page.locator("iframe").get_attribute("src").endswith("#theme=light&components="
                                                                "fibre&postcode=69007")


@pytest.mark.browser
def test_several_events_are_one_compact_block(page, customer_area):
    url, _host, _status = customer_area
    page.goto(f"{url}/?postcode=69007")
    banner = page.get_by_role("region", name="État des services")
    expect(banner.locator("p")).to_have_count(2)
    expect(banner).to_contain_text("Factures indisponibles")
    lines = banner.locator("p").evaluate_all(
        "ps => ps.map(p => [getComputedStyle(p).borderLeftWidth, getComputedStyle(p).paddingTop])")
    assert lines == [["0px", "0px"], ["0px", "0px"]]  # the block has the edge, not each line
    assert banner.evaluate("b => getComputedStyle(b).borderLeftWidth") == "6px"


@pytest.mark.browser
def test_the_documented_iframe_height_holds_one_event_on_a_phone(chromium, tmp_path):
    """docs/embed.md's hand-written iframe (200 px) does not clip the example's fibre cut,
    the longest what-to-do of the shipped site, at 390 px wide."""
    root = tmp_path / "example"
    for part in ("content", "incidents"):
        shutil.copytree(TESTS.parent / part, root / part)
    out = build(root, BuildOptions(out=tmp_path / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        for context in browser_context(chromium, viewport={"width": 390, "height": 844}):
            page = context.new_page()
            page.goto(f"{url}/embed/banner.html#components=fibre,tv&postcode=69007")
            expect(page.locator("p.incident")).to_be_visible()
            assert page.evaluate("document.documentElement.getBoundingClientRect().height") \
                <= 200



# -- the first phone screen ----------------------------------------------------------------------

# The headline; since when (a card's line, an incident page's "Début"); the next update and
# what to do.
FIRST_SCREEN = ("h1", "article.incident .meta:has-text('depuis'), dt:text-is('Début')",
                "dt:text-is('Prochaine mise à jour')", "dd.todo")


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", f"/incidents/{FIBRE}/"])
def test_the_first_phone_screen_answers(chromium, lyon_served, path):
    """At 390×844 the headline, then for the most severe incident since when, the next
    update and what to do start on the first screen (the lead's Lyon and billing site)."""
    url, _server = lyon_served
    for context in browser_context(chromium, viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True):
        page = context.new_page()
        page.goto(url + path)
        tops = {selector: page.locator(selector).first.bounding_box()["y"]
                for selector in FIRST_SCREEN}
        assert all(top < 844 for top in tops.values()), tops


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/incidents/2026-11-26-coupure-fibre-lyon/"])
def test_the_example_first_phone_screen_answers(chromium, tmp_path, path):
    """The shipped example, whose fibre cut has a long title, who and what to do."""
    root = tmp_path / "example"
    for part in ("content", "incidents"):
        shutil.copytree(TESTS.parent / part, root / part)
    out = build(root, BuildOptions(out=tmp_path / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        for context in browser_context(chromium, viewport={"width": 390, "height": 844},
                                       is_mobile=True, has_touch=True):
            page = context.new_page()
            page.goto(url + path)
            tops = {selector: page.locator(selector).first.bounding_box()["y"]
                    for selector in FIRST_SCREEN}
            assert all(top < 844 for top in tops.values()), tops


# -- maintenance wording -------------------------------------------------------------------------

MAINTENANCE = "2026-12-03-maintenance-reseau-mobile-nord"


def test_a_planned_maintenance_reads_as_planned(example_dir, now):
    client = create_app(load_site(example_dir), now=now).test_client()
    html = client.get(f"/incidents/{MAINTENANCE}/").get_data(as_text=True)
    assert html.count('<span class="planned">Maintenance prévue le 3 déc.</span>') == 2
    assert "En maintenance" not in html.split('class="facts"')[2]
    assert "Aucun impact" not in html and 'class="impact"' not in html
    assert "Suivre cette maintenance" in html and "Suivre cet incident" not in html


def test_history_counts_a_finished_maintenance_as_a_maintenance(example_dir):
    later = datetime(2026, 12, 10, 12, 0, tzinfo=NOW.tzinfo)
    client = create_app(load_site(example_dir), now=later).test_client()
    html = client.get("/history/").get_data(as_text=True)
    assert "1 maintenance</small>" in html and "prévue" not in html.split('id="by-month"')[1]
    english = client.get("/en/history/").get_data(as_text=True)
    assert "1 maintenance</small>" in english


# -- lookup details ------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_reference_box_tells_look_alikes_and_near_misses(page, lyon_served):
    url, _server = lyon_served
    page.goto(url + "/")
    box = page.locator("#ref")
    expect(box).to_have_attribute("placeholder", "ex. K7M2QX")
    message = page.locator("#ref-message")
    box.fill("k7m2qo")
    page.press("#ref", "Enter")
    expect(message).to_contain_text(f"«{NBSP}k7m2qo{NBSP}» n’est pas une référence{NBSP}: les "
                                    "références n’ont jamais de 0, O, 1, I ni L")
    box.fill("k7m")
    page.press("#ref", "Enter")
    expect(message).to_contain_text("elle a 6 lettres et chiffres")
    known = refs.ref_of(FIBRE)
    typo = known[:5] + next(c for c in refs.ALPHABET if c != known[5]
                            and known[:5] + c != refs.ref_of(BILLING))
    box.fill(typo)
    page.press("#ref", "Enter")
    expect(message).to_contain_text(f"Aucun incident n’a la référence «{NBSP}{typo}{NBSP}»")
    expect(message).to_contain_text(f"Vouliez-vous dire {known}{NBSP}?")
    message.get_by_role("link", name=known).click()
    page.wait_for_url(f"{url}/incidents/{FIBRE}/")


@pytest.mark.browser
def test_the_lookup_page_keeps_what_was_typed(page, lyon_served):
    url, _server = lyon_served
    page.goto(url + "/r/?ref=k7m+2qx")
    expect(page.locator("#ref")).to_have_value("k7m 2qx")


# -- stylesheet ----------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_list_in_an_update_is_a_list_not_a_timeline_entry(page, site_dir, tmp_path):
    path = site_dir / FIBRE_FILE
    path.write_text(path.read_text("utf-8").replace(
        "Un câble a été coupé par des travaux.",
        "Un câble a été coupé par des travaux.\n\n- rue A\n- rue B\n\n1. d’abord\n2. ensuite"),
        encoding="utf-8")
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        page.goto(f"{url}/incidents/{FIBRE}/")
        styles = page.eval_on_selector_all(
            ".timeline li li, .timeline > li", "items => items.map(i => [i.parentElement.tagName,"
            " getComputedStyle(i).borderLeftWidth, getComputedStyle(i).listStyleType])")
    assert sorted(map(tuple, styles)) == [
        ("OL", "0px", "decimal"), ("OL", "0px", "decimal"), ("OL", "2px", "none"),
        ("OL", "2px", "none"), ("UL", "0px", "disc"), ("UL", "0px", "disc")]


def test_check_names_a_bad_area_code_at_its_line(runner, site_dir):
    from statuspage.cli import main

    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69 007": Lyon 7e}')
    result = runner.invoke(main, ["--site", str(site_dir), "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"{FIBRE_FILE}:3: areas: '69 007' is not a postal code: letters and digits only "
            '(at most 10), a code such as "69003" or its start such as "69"') in result.output
