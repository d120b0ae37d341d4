"""JavaScript Statuspage clients read our frozen API unchanged, over HTTP on 127.0.0.1.

Both come from the npm registry (tests/js/package.json, installed by ``npm ci --prefix
tests/js``, the README's test command):

- Atlassian's own status widget, ``@statuspage/status-widget`` (a web component), on a
  host page of another origin in headless Chromium. It fetches ``<src>/api/v2/summary.json``
  (the path is absolute: the site must be at the root of its origin) and shows
  ``status.indicator`` as a class and ``status.description`` as text, in an open shadow
  root. Its bundle assigns the undeclared global ``parcelRequire`` in strict mode, which
  throws once it has defined the element, on any page whatever the data (checked below);
  the host page declares that global first, so any other page error fails the tests.
- ``statuspage.io``, a Node client library (3.3.8: its 3.4.x releases need Node 21, and
  3.4.6 was published without its code), run by ``node`` against the served site through
  its ``setApiUrl``. Its ``scheduledMaintenances.getActive()`` reads ``upcoming.json`` (its
  own endpoint table says so), so maintenance in progress is read from the summary.

The basic site and its planned ADSL works, frozen four times, each build served at the root
of its own port with ``Access-Control-Allow-Origin: *`` (docs/api.md): "now" (the fibre
incident open, the works upcoming), "during" (the same during the works), "calm" (the fibre
incident resolved) and "works" (calm, during the works).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import TESTS
from playwright.sync_api import Page, expect
from serving import serving
from test_api import BASE, DURING, NOW, SITES, add_maintenance
from test_embed import resolve_fibre

from statuspage.freeze.build import BuildOptions, build

NODE_MODULES = TESTS / "js" / "node_modules"
WIDGET = NODE_MODULES / "@statuspage" / "status-widget" / "dist" / "index.js"
CLIENT = NODE_MODULES / "statuspage.io" / "package.json"
PAGE_ID = hashlib.sha256(BASE.encode()).hexdigest()[:12]
SUMMARY = "/api/v2/summary.json"

# state → (site, now): which copy of the site is frozen at which moment.
STATES = {"now": ("open", NOW), "during": ("open", DURING),
          "calm": ("calm", NOW), "works": ("calm", DURING)}


class _HostHandler(BaseHTTPRequestHandler):
    """A dashboard on another origin: ``/status-widget.js`` (the package's dist/index.js) and
    ``/?src=<site>`` with the widget twice, basic and badge; ``shim=0`` leaves out the
    ``parcelRequire`` declaration, ``src=`` (empty) the widgets."""

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/status-widget.js":
            self._send(self.server.widget, "text/javascript")
            return
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        shim = "<script>var parcelRequire;</script>" if query.get("shim") != "0" else ""
        src = query.get("src", "")
        widgets = (f'<statuspage-widget id="basic" src="{src}"></statuspage-widget>\n'
                   f'<statuspage-widget id="badge" src="{src}" appearance="badge">'
                   '</statuspage-widget>') if src else ""
        body = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
                '<title>Dashboard</title><link rel="icon" href="data:,">'
                f'{shim}<script src="/status-widget.js"></script></head>'
                f'<body><h1>Dashboard</h1>{widgets}</body></html>').encode()
        self._send(body, "text/html; charset=utf-8")

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.fail(f"{path} is missing: npm ci --prefix tests/js")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Each state's site on its own port, and the host page on another."""
    _need(WIDGET)
    root = tmp_path_factory.mktemp("js-clients")
    for name in ("open", "calm"):
        add_maintenance(shutil.copytree(SITES / "basic", root / name))
    resolve_fibre(root / "calm")
    builds = {state: build(root / site, BuildOptions(out=root / "out" / state, now=now)).out
              for state, (site, now) in STATES.items()}
    with ExitStack() as stack:
        served = {state: stack.enter_context(serving(root=out, cors=True))
                  for state, out in builds.items()}
        served["host"] = stack.enter_context(serving(_HostHandler, widget=WIDGET.read_bytes()))
        yield {name: {"url": url, "server": server} for name, (url, server) in served.items()}


def _english_indicator(served: dict, state: str) -> str:
    """The indicator as the frozen English home page shows it (its heading names the
    affected services in plain words, so the widgets' sentence is the API's)."""
    html = (served[state]["server"].root / "en" / "index.html").read_text("utf-8")
    found = re.search(r'<section class="overall ind-(\w+)"[^>]*>\s*<h1 id="overall">', html)
    assert found, "no overall status on the English home page"
    return found[1]


# -- Atlassian's status widget, in Chromium on another origin -------------------------------

# The widget's colours for the indicator class (its templates); #aaa for anything else.
WIDGET_COLOURS = {"none": "rgb(46, 204, 113)", "major": "rgb(230, 126, 34)",
                  "maintenance": "rgb(52, 152, 219)"}


def _watch(page: Page) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"errors": [], "console": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda message: message.type == "error"
            and seen["console"].append(message.text))
    return seen


# The page's indicator in each state, and the API's sentence for it.
SHOWN = {
    "now": ("major", "Partial System Outage"),
    "during": ("major", "Partial System Outage"),
    "calm": ("none", "All Systems Operational"),
    "works": ("maintenance", "Service Under Maintenance"),
}


@pytest.mark.browser
@pytest.mark.parametrize(("state", "indicator", "description"),
                         [(state, *SHOWN[state]) for state in ("now", "calm", "works")])
def test_status_widget_shows_the_pages_status(page: Page, served: dict, state: str,
                                              indicator: str, description: str):
    assert _english_indicator(served, state) == indicator
    site, host = served[state], served["host"]
    site["server"].requests.clear()
    seen = _watch(page)
    page.goto(f"{host['url']}/?src={site['url']}")
    for appearance in ("basic", "badge"):
        widget = page.locator(f"#{appearance}")
        # Playwright's CSS locators go into the open shadow root.
        shown = widget.locator(".status-indicator")
        expect(shown).to_have_class(f"status-indicator {indicator}")
        text = widget.locator(".status-text" if appearance == "basic" else ".status-indicator")
        expect(text).to_have_text(description)
        colour = shown.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == WIDGET_COLOURS[indicator], appearance
        expect(widget.locator("a")).to_have_attribute("href", site["url"])
    assert page.locator("#badge .status-text").inner_text() == "system status"
    shadow = page.evaluate("document.getElementById('basic').shadowRoot.textContent")
    assert description in shadow
    # One fetch for both widgets (the widget caches by URL), cross-origin, of the summary.
    assert site["server"].requests == [(SUMMARY, host["url"])]
    assert seen == {"errors": [], "console": []}


@pytest.mark.browser
def test_status_widget_bundle_throws_by_itself_without_the_declaration(page: Page,
                                                                        served: dict):
    """The one page error the host page's ``var parcelRequire;`` avoids comes from loading
    the widget's script alone: no widget on the page, nothing fetched from any site."""
    seen = _watch(page)
    page.goto(f"{served['host']['url']}/?shim=0")
    expect(page.locator("h1")).to_have_text("Dashboard")
    assert page.evaluate("customElements.get('statuspage-widget') !== undefined")
    assert seen == {"errors": ["parcelRequire is not defined"], "console": []}


# -- statuspage.io, a Node client library -----------------------------------------------------

NODE_SCRIPT = """\
const {Statuspage} = require('statuspage.io');

(async () => {
  const statuspage = new Statuspage(process.argv[1]);
  statuspage.setApiUrl(process.argv[2]);
  const {api} = statuspage;
  const summary = await api.getSummary();
  const status = await api.getStatus();
  const components = await api.getComponents();
  const unresolved = await api.incidents.getUnresolved();
  const incidents = await api.incidents.getAll();
  const upcoming = await api.scheduledMaintenances.getUpcoming();
  const names = list => list.map(item => item.name);
  console.log(JSON.stringify({
    page: summary.page.id,
    indicator: [status.status.indicator, status.status.description],
    summary_indicator: [summary.status.indicator, summary.status.description],
    components: components.components.map(c => [c.name, c.status]),
    summary_components: summary.components.map(c => [c.name, c.status]),
    unresolved: unresolved.incidents.map(i => [i.name, i.status]),
    summary_incidents: summary.incidents.map(i => [i.name, i.status]),
    incidents: names(incidents.incidents),
    maintenance: summary.scheduled_maintenances.map(m => [m.name, m.status, m.scheduled_for]),
    upcoming: names(upcoming.scheduled_maintenances),
  }));
})().catch(error => {
  console.error(error.stack || String(error));
  process.exit(1);
});
"""


@pytest.fixture(scope="module")
def node_client(served: dict) -> dict:
    """What the library read from each state's site (JSON printed by the script)."""
    _need(CLIENT)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: Node 20 runs the JavaScript client")
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    found = {}
    for state in STATES:
        served[state]["server"].requests.clear()
        result = subprocess.run([node, "-e", NODE_SCRIPT, PAGE_ID, served[state]["url"]],
                                cwd=TESTS / "js", env=env, capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        found[state] = json.loads(result.stdout)
        found[state]["requests"] = [path for path, _ in served[state]["server"].requests]
    return found


def _served_json(served: dict, state: str, path: str) -> dict:
    with urllib.request.urlopen(served[state]["url"] + path, timeout=5) as response:
        return json.load(response)


def test_node_client_fetches_the_api_files(node_client: dict):
    for state in STATES:
        assert node_client[state]["requests"] == [
            SUMMARY, "/api/v2/status.json", "/api/v2/components.json",
            "/api/v2/incidents/unresolved.json", "/api/v2/incidents.json",
            "/api/v2/scheduled-maintenances/upcoming.json"]
        assert node_client[state]["page"] == PAGE_ID


@pytest.mark.parametrize(("state", "indicator", "description"),
                         [(state, *shown) for state, shown in SHOWN.items()])
def test_node_client_reports_the_pages_status(node_client: dict, served: dict, state: str,
                                              indicator: str, description: str):
    assert _english_indicator(served, state) == indicator
    read = node_client[state]
    assert read["indicator"] == read["summary_indicator"] == [indicator, description]


ONE_SERVICE_OUT = [["Internet", "partial_outage"], ["Fibre broadband", "partial_outage"]]


@pytest.mark.parametrize(("state", "components"), [
    ("now", [*ONE_SERVICE_OUT, ["ADSL", "operational"], ["Billing", "operational"]]),
    ("during", [*ONE_SERVICE_OUT, ["ADSL", "under_maintenance"], ["Billing", "operational"]]),
    ("calm", [["Internet", "operational"], ["Fibre broadband", "operational"],
              ["ADSL", "operational"], ["Billing", "operational"]]),
    ("works", [["Internet", "under_maintenance"], ["Fibre broadband", "operational"],
               ["ADSL", "under_maintenance"], ["Billing", "operational"]]),
])
def test_node_client_reports_the_components(node_client: dict, served: dict, state: str,
                                            components: list):
    read = node_client[state]
    assert read["components"] == read["summary_components"] == components
    served_components = _served_json(served, state, "/api/v2/components.json")["components"]
    assert [[c["name"], c["status"]] for c in served_components] == components


@pytest.mark.parametrize(("state", "unresolved", "works", "upcoming"), [
    ("now", [["Coupure fibre à Lyon", "identified"]], "scheduled", ["ADSL network works"]),
    ("during", [["Coupure fibre à Lyon", "identified"]], "in_progress", []),
    ("calm", [], "scheduled", ["ADSL network works"]),
    ("works", [], "in_progress", []),
])
def test_node_client_reports_incidents_and_maintenance(node_client: dict, served: dict,
                                                       state: str, unresolved: list,
                                                       works: str, upcoming: list):
    read = node_client[state]
    assert read["unresolved"] == read["summary_incidents"] == unresolved
    assert read["incidents"] == [
        i["name"] for i in _served_json(served, state, "/api/v2/incidents.json")["incidents"]]
    assert "Coupure fibre à Lyon" in read["incidents"]
    assert read["maintenance"] == [["ADSL network works", works, "2026-11-28T02:00:00.000+01:00"]]
    assert read["upcoming"] == upcoming
    # The page names what the client read: the open incident, the works.
    home = (served[state]["server"].root / "en" / "index.html").read_text("utf-8")
    assert all(name in home for name, _ in unresolved)
    assert "ADSL network works" in home
