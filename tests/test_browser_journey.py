"""A worried customer's journey through the shipped example, in Chromium, on a phone and on
a desktop: the headline names what is affected, a passed promise is said late, a resolved
incident reads calm, working groups are folded, quiet days are one line, and the uptime
bars lead to the day's incidents with a tap."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime

import pytest
from conftest import PARIS, REPO, browser_context
from playwright.sync_api import Browser, Page, expect
from serving import serving

from statuspage.freeze.build import BuildOptions, build

pytestmark = pytest.mark.browser

LATE = datetime(2026, 11, 26, 19, 0, tzinfo=PARIS)  # an hour after the promised update
FIBRE = "2026-11-26-coupure-fibre-lyon"
BILLING = "2026-11-20-double-prelevement-novembre"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("journey")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / "site" / part)
    out = build(root / "site", BuildOptions(out=root / "out", now=LATE)).out
    with serving(root=out) as (url, _server):
        yield url


@pytest.fixture(params=[{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
                ids=["phone", "desktop"])
def journey(request, chromium: Browser) -> Iterator[Page]:
    phone = request.param["width"] < 600
    yield from (context.new_page() for context in browser_context(
        chromium, viewport=request.param, is_mobile=phone, has_touch=phone))


def test_a_worried_customer_gets_answers_at_a_glance(journey: Page, base_url: str):
    page = journey
    page.goto(base_url + "/")
    # 1. The headline names the affected services and where, and says the others work.
    expect(page.locator("h1")).to_have_text(
        "Fibre\u00a0: panne partielle\u00a0; Télévision\u00a0: performances dégradées à "
        "Lyon 3e et Lyon 7e — les autres services fonctionnent")
    # 2. The promise of 18:00 has passed with no update: said, not hidden.
    card = page.locator("article.incident").filter(has_text="Fibre coupée")
    late = card.locator("dd.late")
    expect(late).to_be_visible()
    expect(late).to_contain_text("Mise à jour attendue à")
    expect(late).to_contain_text("18:00")
    expect(late).to_contain_text("pas encore publiée")
    # 4. "Last update" once in the card; groups that work folded, the troubled one open.
    expect(card.get_by_text("Dernière mise à jour")).to_have_count(1)
    groups = page.locator("details.group")
    expect(groups.filter(has_text="Internet et TV")).to_have_attribute("open", "")
    expect(groups.filter(has_text="Réseau mobile").locator("ul.components")).to_be_hidden()
    # Today is not "without incidents": the fibre cut started today, and is shown above.
    expect(page.locator("p.quiet")).to_have_text("Aucun incident du 21 nov. au 25 nov.")
    recent = page.locator("section[aria-labelledby=recent]")
    expect(recent.locator("h3.day").first).to_have_text("jeudi 26 novembre 2026")
    expect(recent.locator("p.none").first).to_have_text("En cours, voir plus haut.")
    assert page.locator("#recent").get_by_role("link", name="Fibre coupée").count() == 0
    # 5. A legend for the bars; a tap on a service's bars leads to its days with incidents.
    expect(page.locator("ul.key")).to_contain_text("Pas de données")
    internet = groups.filter(has_text="Internet et TV")
    internet.locator("a.strip").first.click()
    page.wait_for_url(f"{base_url}/components/fibre/")
    page.locator(".bars li a[href='#d-2026-11-26']").click()
    day = page.locator("#d-2026-11-26")
    expect(day).to_be_in_viewport()
    expect(day).to_contain_text("jeudi 26 novembre 2026")
    expect(day.get_by_role("link", name="Fibre coupée")).to_be_visible()
    # 3. A resolved incident reads calm: its services restored, no alarm colour.
    page.goto(f"{base_url}/incidents/{BILLING}/")
    article = page.locator("article.incident")
    expect(article).to_have_class("incident impact-major closed")
    expect(article).to_contain_text("(rétabli)")
    border = article.evaluate("e => getComputedStyle(e).borderLeftColor")
    alarm = page.evaluate("() => getComputedStyle(document.documentElement)"
                          ".getPropertyValue('--major').trim()")
    assert border != alarm and border not in ("rgb(188, 76, 0)", "rgb(240, 136, 62)")
    # No horizontal scrolling at either width.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
