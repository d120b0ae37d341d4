"""Real Statuspage clients read our frozen API unchanged, over HTTP on 127.0.0.1.

- statuspage-prometheus-exporter (in the test extras) runs one pass the way its docs show
  for cron (``RUN_MODE=once``) and writes its Prometheus textfile, which we read back.
- statuscheck pins Click 7, httpx 0.16 and attrs 20, which clash with ours: it runs in its
  own virtual environment, made once per session by pip from PyPI (pip's cache is reused).
  Its Statuspage reader takes the page's address from ``_get_base_url``, the hook each of
  its services overrides; ours points it at the local server.

The basic site and its planned ADSL works are frozen twice: at NOW (the fibre incident is
open, the works are upcoming) and DURING the works; one server serves both builds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from serving import serving
from test_api import DURING, FIBRE, NOW, SITES, WORKS, add_maintenance

from statuspage.freeze.build import BuildOptions, build
from statuspage.refs import ref_of

STATUSCHECK = "statuscheck==3.11.0"
# What pip says when no index it can reach has the package (offline, no DNS, a proxy).
OFFLINE = re.compile(r"(Failed to establish a new connection|Network is unreachable|"
                     r"Temporary failure in name resolution|Name or service not known|"
                     r"ProxyError|\(from versions: none\))[^\n]*")
SHORTLINK = "https://status.test.example/r/{}/"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``{base}/now/`` and ``{base}/during/``: the two frozen sites, served over HTTP."""
    root = tmp_path_factory.mktemp("clients")
    shutil.copytree(SITES / "basic", root / "site")
    add_maintenance(root / "site")
    served = root / "served"
    for name, now in (("now", NOW), ("during", DURING)):
        build(root / "site", BuildOptions(out=served / name, now=now))
    with serving(root=served) as (url, _server):
        yield url


# statuspage-prometheus-exporter


@pytest.fixture(scope="module")
def exporter(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One exporter pass over both sites: its metrics and its record of each check."""
    work = tmp_path_factory.mktemp("exporter")
    services = {name: {"url": f"{base_url}/{name}/api/v2/summary.json", "name": name}
                for name in ("now", "during")}
    (work / "services.json").write_text(json.dumps(services), "utf-8")
    env = {**os.environ, "RUN_MODE": "once", "SERVICES_JSON_PATH": str(work / "services.json"),
           "METRICS_TEXTFILE_PATH": str(work / "statuspage.prom")}
    result = subprocess.run(
        [sys.executable, "-m", "statuspage_prometheus_exporter.status_monitoring"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    metrics: dict[str, list[tuple[dict, float]]] = {}
    text = (work / "statuspage.prom").read_text("utf-8")
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            metrics.setdefault(sample.name, []).append((sample.labels, sample.value))
    # The exporter keeps what it read from each service in cache/<service>.json.
    checks = {name: json.loads((work / "cache" / f"{name}.json").read_text("utf-8"))
              for name in services}
    return {"metrics": metrics, "checks": checks, "log": result.stderr}


def _samples(exporter: dict, metric: str, service: str) -> list[tuple[dict, float]]:
    return [(labels, value) for labels, value in exporter["metrics"][metric]
            if labels["service_name"] == service]


def test_exporter_reads_every_check_successfully(exporter: dict):
    for service in ("now", "during"):
        assert _samples(exporter, "statuspage_probe_check", service)[0][1] == 1.0
        assert exporter["checks"][service]["response_data"]["success"] is True
    assert "error" not in exporter["log"].lower()


def test_exporter_reports_the_indicator(exporter: dict):
    for service in ("now", "during"):
        assert _samples(exporter, "statuspage_service_status", service)[0][1] == 0.0
        assert exporter["checks"][service]["response_data"]["raw_status"] == "major"


@pytest.mark.parametrize(("service", "expected"), [
    ("now", {"Internet": 0.0, "Fibre broadband": 0.0, "ADSL": 1.0, "Billing": 1.0}),
    ("during", {"Internet": 0.0, "Fibre broadband": 0.0, "ADSL": 0.0, "Billing": 1.0}),
])
def test_exporter_reports_the_components(exporter: dict, service: str, expected: dict):
    found = {labels["component_name"]: value for labels, value
             in _samples(exporter, "statuspage_component_status", service)}
    assert found == expected
    statuses = {c["name"]: c["status"] for c in
                exporter["checks"][service]["response_data"]["component_metadata"]}
    assert statuses["ADSL"] == ("under_maintenance" if service == "during" else "operational")


def test_exporter_reports_the_open_incident(exporter: dict):
    incidents = _samples(exporter, "statuspage_incident_info", "now")
    assert incidents == [({
        "service_name": "now",
        "incident_id": FIBRE,
        "incident_name": "Coupure fibre à Lyon",
        "impact": "major",
        "shortlink": SHORTLINK.format(ref_of(FIBRE)),
        "started_at": "2026-11-26T06:40:00+01:00",
        "affected_components": "Fibre broadband",
    }, 1.0)]
    check = exporter["checks"]["now"]["response_data"]["incident_metadata"]
    assert [(i["id"], i["status"]) for i in check] == [(FIBRE, "identified")]


@pytest.mark.parametrize(("service", "status"), [("now", "scheduled"),
                                                 ("during", "in_progress")])
def test_exporter_reports_the_maintenance(exporter: dict, service: str, status: str):
    assert _samples(exporter, "statuspage_maintenance_info", service) == [({
        "service_name": service,
        "maintenance_id": WORKS,
        "maintenance_name": "ADSL network works",
        "scheduled_start": "2026-11-28T02:00:00+01:00",
        "scheduled_end": "2026-11-28T04:00:00+01:00",
        "shortlink": SHORTLINK.format(ref_of(WORKS)),
        "affected_components": "ADSL",
    }, 1.0)]
    check = exporter["checks"][service]["response_data"]["maintenance_metadata"]
    assert [(m["id"], m["status"]) for m in check] == [(WORKS, status)]


# statuscheck, in its own virtual environment

STATUSCHECK_SCRIPT = textwrap.dedent("""\
    import contextlib, io, json, sys

    import attr
    from statuscheck.services.bases._statuspageio import BaseStatusPageAPI


    class ServiceAPI(BaseStatusPageAPI):
        name = "Test"

        def _get_base_url(self):
            return sys.argv[1]


    summary = ServiceAPI().get_summary()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ServiceAPI()._print_summary(verbose=True)
    keep = lambda attribute, value: attribute.name != "extra_data"
    print(json.dumps({"summary": attr.asdict(summary, filter=keep),
                      "printed": printed.getvalue()}))
""")


@pytest.fixture(scope="session")
def statuscheck_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with statuscheck and its pinned dependencies, installed by pip."""
    venv = tmp_path_factory.mktemp("statuscheck") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                   capture_output=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check",
         STATUSCHECK], capture_output=True, text=True, timeout=300)
    if result.returncode and OFFLINE.search(result.stderr):
        pytest.skip(f"no package index in reach has {STATUSCHECK} (offline?): "
                    f"{OFFLINE.search(result.stderr)[0]}")
    assert result.returncode == 0, f"pip install {STATUSCHECK} failed:\n{result.stderr}"
    return python


@pytest.fixture(scope="module")
def statuscheck(statuscheck_python: Path, base_url: str, tmp_path_factory) -> dict:
    script = tmp_path_factory.mktemp("statuscheck-run") / "read.py"
    script.write_text(STATUSCHECK_SCRIPT, "utf-8")
    found = {}
    for name in ("now", "during"):
        result = subprocess.run([str(statuscheck_python), str(script),
                                 f"{base_url}/{name}/api/v2/"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        found[name] = json.loads(result.stdout)
    return found


@pytest.mark.pypi
def test_statuscheck_reports_the_indicator(statuscheck: dict):
    assert statuscheck["now"]["summary"]["status"] == {
        "code": "major", "name": "Major outage", "description": "Partial System Outage",
        "is_ok": False}
    assert statuscheck["now"]["printed"].startswith("Current Test status: Major outage\n")


@pytest.mark.parametrize(("service", "adsl"), [("now", "Operational"),
                                               ("during", "Under maintenance")])
@pytest.mark.pypi
def test_statuscheck_reports_the_components(statuscheck: dict, service: str, adsl: str):
    components = statuscheck[service]["summary"]["components"]
    assert [(c["id"], c["name"], c["status"]) for c in components] == [
        ("internet", "Internet", "Partial outage"),
        ("fibre", "Fibre broadband", "Partial outage"),
        ("adsl", "ADSL", adsl),
        ("billing", "Billing", "Operational"),
    ]


@pytest.mark.parametrize(("service", "works", "adsl"), [
    ("now", "scheduled", "Operational"),
    ("during", "in_progress", "Under maintenance"),
])
@pytest.mark.pypi
def test_statuscheck_reports_the_incident_and_the_maintenance(statuscheck: dict, service: str,
                                                              works: str, adsl: str):
    events = statuscheck[service]["summary"]["incidents"]
    assert [(e["id"], e["name"], e["status"],
             [(c["id"], c["status"]) for c in e["components"]]) for e in events] == [
        (FIBRE, "Coupure fibre à Lyon", "identified", [("fibre", "Partial outage")]),
        (WORKS, "ADSL network works", works, [("adsl", adsl)]),
    ]
    printed = statuscheck[service]["printed"]
    assert "- [identified] Coupure fibre à Lyon\n" in printed
    assert f"- [{works}] ADSL network works\n" in printed
