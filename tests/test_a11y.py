"""WCAG 2.1 AA, checked by axe-core in headless Chromium on every page type of the example.

axe-core comes from the npm registry (tests/js/package.json, installed by the README's test
command with `npm ci --prefix tests/js`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from conftest import NOW, REPO, TESTS
from playwright.sync_api import Browser, Page
from serving import serving

from statuspage.freeze.build import BuildOptions, build

pytestmark = pytest.mark.browser

AXE = TESTS / "js" / "node_modules" / "axe-core" / "axe.min.js"
# The example site at a moment with an open incident and a maintenance announced.
EXAMPLE_FIBRE = "2026-11-26-coupure-fibre-lyon"
WORKS = "2026-12-03-maintenance-reseau-mobile-nord"
PAGES = [
    "/", f"/incidents/{EXAMPLE_FIBRE}/", f"/incidents/{WORKS}/", "/history/", "/history/2026/11/",
    "/components/fibre/", "/components/mobile-data/",
]
URLS = [*PAGES, *(f"/en{path}" for path in PAGES), "/404.html"]
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("a11y")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / "site" / part)
    out = build(root / "site", BuildOptions(out=root / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        yield url


@pytest.fixture(scope="module", params=["light", "dark"])
def scheme_page(request, chromium: Browser) -> Iterator[Page]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: npm ci --prefix tests/js")
    context = chromium.new_context(color_scheme=request.param)
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", RULES)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in result["violations"]]


@pytest.mark.parametrize("path", URLS)
def test_no_axe_violations(scheme_page: Page, example_url: str, path: str):
    response = scheme_page.goto(example_url + path)
    assert response is not None and (response.ok or path == "/404.html")
    assert axe_violations(scheme_page) == []


BUDGET = 14_000  # bytes, gzipped: what fits in the first round trip (10 TCP segments)


def first_view(page: Page, url: str) -> dict[str, int]:
    """Every response the page loads, with its gzipped size (level 6, as servers do)."""
    import gzip

    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    return {r.url: len(gzip.compress(r.body(), 6)) for r in responses}


def test_home_first_view_fits_the_weight_budget(chromium: Browser, example_url: str):
    context = chromium.new_context()
    try:
        sizes = first_view(context.new_page(), example_url + "/")
    finally:
        context.close()
    assert all(url.startswith(example_url) for url in sizes), sizes  # nothing from elsewhere
    # the page, its stylesheet and the lookup box's small deferred script: no font, no icon
    assert len(sizes) == 3 and any("/static/lookup." in url for url in sizes), sizes
    total = sum(sizes.values())
    assert total <= BUDGET, f"{total} bytes gzipped: {sizes}"


def test_the_stylesheet_is_cached_forever_under_a_hashed_name(chromium: Browser,
                                                              example_url: str):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(example_url + "/")
        href = page.locator("link[rel=stylesheet]").get_attribute("href")
    finally:
        context.close()
    import hashlib
    import re

    from statuspage.web.assets import STATIC

    match = re.fullmatch(r"/static/style\.([0-9a-f]{10})\.css", href)
    assert match, href
    digest = hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()
    assert digest.startswith(match.group(1))


@pytest.mark.parametrize("path", ["/", f"/en/incidents/{EXAMPLE_FIBRE}/", "/components/fibre/"])
def test_keyboard_reaches_every_link_with_a_visible_focus(chromium: Browser,
                                                          example_url: str, path: str):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(example_url + path)
        # A bar strip's link duplicates the service's name link for pointers (tabindex -1);
        # a folded group's links are reached once its summary, itself reached, is opened.
        links = page.eval_on_selector_all(
            "a[href]:not([tabindex='-1'])",
            "as => as.filter(a => !a.closest('details:not([open])')).map(a => a.href)")
        summaries = page.eval_on_selector_all("details > summary", "s => s.length")
        controls = page.eval_on_selector_all("input, button:not([hidden])", "c => c.length")
        reached, outlines = [], set()
        for _ in range(len(links) + summaries + controls + 2):
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => {
                const e = document.activeElement, s = getComputedStyle(e);
                return [e.href || e.tagName, s.outlineStyle, s.outlineWidth]; }""")
            reached.append(focused[0])
            if focused[0].startswith("http"):
                outlines.add((focused[1], focused[2]))
    finally:
        context.close()
    assert reached[0].endswith("#main")  # the skip link comes first
    assert set(links) <= set(reached)
    assert reached.count("SUMMARY") == summaries
    assert outlines == {("solid", "3px")}  # every focused link shows where focus is


def test_a_customer_follows_a_component(chromium: Browser, example_url: str):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(example_url + "/en/")
        page.locator("#services").locator("..").get_by_role("link", name="Fibre broadband").click()
        page.wait_for_url(example_url + "/en/components/fibre/")
        subscribe = page.locator("section.subscribe")
        feed = subscribe.get_by_role("link", name="Atom").first
        assert feed.get_attribute("href") == "/en/components/fibre/updates.atom"
        calendar = subscribe.get_by_role("link", name="maintenance calendar")
        assert calendar.get_attribute("href") == (
            "webcal://status.example.com/en/components/fibre/maintenance.ics")
        response = page.request.get(example_url + "/en/components/fibre/updates.atom")
        assert response.ok and b"<feed" in response.body()
    finally:
        context.close()


def test_an_incident_prints_its_timeline_cleanly(chromium: Browser, example_url: str):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(example_url + f"/en/incidents/{EXAMPLE_FIBRE}/")
        page.emulate_media(media="print", color_scheme="dark")
        shown = page.evaluate("""() => Object.fromEntries(
            ['nav.langs', '.skip', 'ol.timeline', 'article h1', 'footer.site p:last-child']
            .map(s => [s, getComputedStyle(document.querySelector(s)).display]))""")
        assert shown == {"nav.langs": "none", ".skip": "none", "ol.timeline": "block",
                         "article h1": "block", "footer.site p:last-child": "none"}
        # black on white whatever the screen's scheme
        colours = page.evaluate("[getComputedStyle(document.body).color, "
                                "getComputedStyle(document.body).backgroundColor]")
        assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
        # and axe finds every text readable on the printed page
        assert axe_violations(page) == []
        assert page.pdf(format="A4")[:5] == b"%PDF-"
    finally:
        context.close()


@pytest.fixture(scope="module")
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                   has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("path", URLS)
def test_no_horizontal_scroll_on_a_phone(phone: Page, example_url: str, path: str):
    phone.goto(example_url + path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide in a 360px viewport"


# Every element the stylesheets upper-case or capitalise, with its text (the reference
# field is left out: a reference is a code, typed in capitals whatever the customer types).
SHOUTED = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.tagName !== 'INPUT' && e.innerText && e.innerText.trim())
  .filter(e => ['uppercase', 'capitalize'].includes(getComputedStyle(e).textTransform))
  .map(e => e.tagName.toLowerCase() + '.' + e.className + ': ' + e.innerText.trim())"""


def test_text_is_shown_in_sentence_case_as_written(phone: Page, example_url: str):
    """Issue 14, item 9: sentence case everywhere. Status badges read "Cause identifiée",
    "Prévue", "Resolved" as the catalog writes them, never "CAUSE IDENTIFIÉE" by CSS, and
    nothing else on the pages is upper-cased by a stylesheet either."""
    badges: dict[str, list[str]] = {}
    for path in [*URLS, "/embed/banner.html", "/en/embed/banner.html"]:
        phone.goto(example_url + path)
        assert phone.evaluate(SHOUTED) == [], path
        badges[path] = phone.eval_on_selector_all(".us", "els => els.map(e => e.innerText)")
    assert badges["/"] == ["Cause identifiée", "Prévue", "Résolu"]
    assert badges["/en/"] == ["Identified", "Scheduled", "Resolved"]
    assert badges[f"/incidents/{EXAMPLE_FIBRE}/"][-1] == "Analyse en cours"
    # still a badge, set apart from the text around it: bold, in a frame
    phone.goto(example_url + "/")
    style = phone.eval_on_selector(".us", "e => { const s = getComputedStyle(e); return "
                                   "[s.fontWeight, s.borderTopStyle, s.display]; }")
    assert style == ["700", "solid", "inline-block"]
