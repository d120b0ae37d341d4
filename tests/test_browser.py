"""The frozen site in a real browser: headless Chromium over a plain static file server.

One build, one server and one browser for the whole module; a fresh context per test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, browser_context
from playwright.sync_api import Browser, Page, expect
from serving import serving

from statuspage.freeze.build import BuildOptions, build

pytestmark = pytest.mark.browser

SITES = Path(__file__).resolve().parent / "sites"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The basic site, frozen and served over HTTP on 127.0.0.1."""
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(SITES / "basic", root / "site")
    out = build(root / "site", BuildOptions(out=root / "out", now=NOW)).out
    with serving(root=out) as (url, _server):
        yield url


@pytest.fixture
def page_without_js(chromium: Browser) -> Iterator[Page]:
    yield from (context.new_page()
                for context in browser_context(chromium, java_script_enabled=False))


@pytest.fixture
def phone_page(chromium: Browser) -> Iterator[Page]:
    yield from (context.new_page() for context in browser_context(
        chromium, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True))


def _check_home_and_permalink(page: Page, base_url: str) -> None:
    """The customer's path: the status, the open incident, then its full timeline."""
    response = page.goto(base_url + "/")
    assert response is not None and response.ok
    overall = page.locator("section.overall")
    expect(overall).to_have_class("overall ind-major")
    heading = overall.locator("h1")
    expect(heading).to_be_visible()
    assert heading.inner_text().strip()
    # The stylesheet is loaded: the banner has the "major" colour, not the default.
    assert overall.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(188, 76, 0)"

    current = page.locator("article.incident").filter(has_text="Coupure fibre à Lyon")
    expect(current).to_have_count(1)
    expect(current.get_by_role("link", name="Coupure fibre à Lyon")).to_be_visible()
    expect(current.get_by_text("Utilisez vos données mobiles.")).to_be_visible()
    expect(current.get_by_text("Clients fibre de Lyon 3e.")).to_be_visible()
    expect(current.get_by_text("Un câble a été coupé par des travaux.")).to_be_visible()

    current.locator("h3 a").click()
    page.wait_for_url(f"{base_url}/incidents/{FIBRE}/")
    expect(page.locator("h1")).to_have_text("Coupure fibre à Lyon")
    updates = page.locator("ol.timeline > li")
    expect(updates).to_have_count(2)
    expect(updates.nth(0).locator(".us")).to_have_class("us us-identified")
    expect(updates.nth(0)).to_contain_text("Un câble a été coupé par des travaux.")
    expect(updates.nth(1).locator(".us")).to_have_class("us us-investigating")
    expect(updates.nth(1)).to_contain_text("Nous enquêtons sur une coupure fibre à Lyon.")
    times = updates.locator("h3 time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert times == ["2026-11-26T08:10:00+01:00", "2026-11-26T06:55:00+01:00"]


def test_status_incident_and_timeline(page: Page, base_url: str):
    _check_home_and_permalink(page, base_url)


def test_works_without_javascript(page_without_js: Page, base_url: str):
    _check_home_and_permalink(page_without_js, base_url)


@pytest.mark.parametrize(("start", "english"), [
    ("/", "/en/"),
    (f"/incidents/{FIBRE}/", f"/en/incidents/{FIBRE}/"),
    ("/components/fibre/", "/en/components/fibre/"),
    ("/history/2026/11/", "/en/history/2026/11/"),
])
def test_language_switch(page: Page, base_url: str, start: str, english: str):
    page.goto(base_url + start)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_url(base_url + english)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # And back again, to the same page in French.
    page.locator("nav.langs a[hreflang=fr]").click()
    page.wait_for_url(base_url + start)
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_english_home_names_components_in_english(page: Page, base_url: str):
    page.goto(base_url + "/")
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_url(base_url + "/en/")
    services = page.locator("section[aria-labelledby=services]")
    expect(services.get_by_role("link", name="Fibre broadband")).to_be_visible()
    # The untranslated incident title is still shown, marked as French.
    title = page.locator("article.incident h3 a [lang=fr]")
    expect(title).to_have_text("Coupure fibre à Lyon")


@pytest.mark.parametrize("path", [
    "/",
    "/en/",
    f"/incidents/{FIBRE}/",
    "/en/incidents/2026-11-20-double-charge/",
    "/components/fibre/",
    "/history/",
    "/history/2026/11/",
    "/404.html",
])
def test_no_horizontal_scroll_on_a_phone(phone_page: Page, base_url: str, path: str):
    phone_page.goto(base_url + path)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide in a 360px viewport"


# The colours of a screenshot, read by the page itself (a canvas) rather than by an image
# library the tests would otherwise not need.
COLOURS = """async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
  return [...seen];
}"""


@pytest.mark.parametrize("path", ["/", "/en/"])
def test_nothing_hangs_in_the_margin_on_a_phone(chromium: Browser, base_url: str, path: str):
    """At 390 px wide, the groups' disclosure triangles are inside the content column (and
    so inside a group's focus ring): the margin beside them is bare."""
    import base64

    for context in browser_context(chromium, viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True):
        page = context.new_page()
        page.goto(base_url + path)
        column = page.evaluate("parseFloat(getComputedStyle(document.body).paddingLeft)"
                               " + document.body.getBoundingClientRect().left")
        summaries = page.locator("details.group > summary")
        assert summaries.count() >= 1 and column >= 8
        for summary in summaries.all():
            box = summary.bounding_box()
            assert box is not None and box["x"] >= column
            summary.scroll_into_view_if_needed()
            box = summary.bounding_box()
            margin = page.screenshot(clip={"x": 0, "y": box["y"], "width": column,
                                           "height": box["height"]})
            colours = page.evaluate(COLOURS, "data:image/png;base64,"
                                    + base64.b64encode(margin).decode("ascii"))
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert [f"rgb({c.replace(',', ', ')})" for c in colours] == [background], \
                summary.inner_text()
