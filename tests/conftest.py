"""Shared fixtures: a small valid site copied into tmp_path, a fixed now, app, client, runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from statuspage.loader import load_site
from statuspage.web import create_app

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PARIS = ZoneInfo("Europe/Paris")
# A fixed moment: the fibre incident is open, the billing one resolved.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
FIBRE = "2026-11-26-fibre-lyon"  # the test site's open incident
TRANSLATED = "2026-11-20-double-charge"  # the test site's resolved, translated incident


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A copy of tests/sites/basic: fr + en, three components, one open incident."""
    target = tmp_path / "site"
    shutil.copytree(TESTS / "sites" / "basic", target)
    return target


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A copy of the shipped example site (content/ and incidents/)."""
    target = tmp_path / "example"
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, target / part)
    return target


@pytest.fixture
def site(site_dir: Path):
    return load_site(site_dir)


@pytest.fixture
def app(site, now):
    return create_app(site, now=now)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# Browser tests: Debian's Chromium, driven by Playwright (never `playwright install`).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test opens its own context."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def browser_context(chromium: Browser, **options) -> Iterator[BrowserContext]:
    context = chromium.new_context(**options)
    context.set_default_timeout(5000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    yield from (context.new_page() for context in browser_context(chromium))
