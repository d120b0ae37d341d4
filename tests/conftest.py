"""Shared fixtures: a small valid site copied into tmp_path, a fixed now, app, client, runner."""

from __future__ import annotations

import itertools
import logging
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import settings
from serving import Receiver

from statuspage.content.loader import load_site
from statuspage.web import create_app

if TYPE_CHECKING:  # imported by the browser fixture only, so other tests never load it
    from playwright.sync_api import Browser, BrowserContext, Page

# Property tests check what they draw, not how fast: on a loaded machine a first example
# (imports, caches warming) may pass Hypothesis's default deadline of 200 ms.
settings.register_profile("statuspage", deadline=None)
settings.load_profile("statuspage")

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
    from playwright.sync_api import sync_playwright

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


# Object storage and webhooks: moto's S3 server and an HTTP receiver on 127.0.0.1.

@pytest.fixture(scope="session")
def endpoint() -> str:
    """moto's S3 server on a free port, with fake credentials and no user AWS config."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                     "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        quiet = logging.getLogger("werkzeug")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # moto's server logs every request
        from moto.server import ThreadedMotoServer  # slow to import: only when needed

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()
            quiet.setLevel(level)


_buckets = itertools.count(1)


@pytest.fixture
def s3(endpoint):
    """A boto3 client of moto's S3 server."""
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=endpoint)


@pytest.fixture
def bucket(s3) -> str:
    """A new, empty bucket."""
    name = f"status-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.open.set()  # a POST held by a test is answered, so its thread ends
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL, started once for the session (tests/pg.py)."""
    import pg

    with pg.postgresql() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """The subscribers' database, on each engine: a new SQLite file, or the session's
    PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'subscribers.sqlite'}"
    import sqlalchemy as sa

    from statuspage.ops.subscribers import database_url, metadata

    url = database_url(tmp_path, request.getfixturevalue("postgres_url"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
    engine.dispose()
    return url


@pytest.fixture
def refused() -> Iterator[str]:
    """``http://127.0.0.1:PORT``: a port bound and never listened on for the whole test, so
    that a connection to it is refused and no other test's server takes it meanwhile (as
    one could once a probe socket was closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{probe.getsockname()[1]}"
