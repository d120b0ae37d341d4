"""The Statuspage-compatible API v2: every file against its JSON schema, then what it says.

Through the test client (tests/sites/basic at the fixed now, plus a maintenance), and as
frozen files. The schemas in tests/schemas/ require every key Statuspage sends, its enum
values and our timestamp format.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, PARIS, TESTS
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from statuspage.content.loader import load_site
from statuspage.freeze.build import BuildOptions, BuildResult, build
from statuspage.refs import ref_of
from statuspage.state.status import Snapshot
from statuspage.web import api, create_app

SITES = TESTS / "sites"
SCHEMAS = TESTS / "schemas"
DURING = datetime(2026, 11, 28, 3, 0, tzinfo=PARIS)  # inside the maintenance window
AFTER = datetime(2026, 11, 28, 5, 0, tzinfo=PARIS)  # the maintenance is over
BILLING = "2026-11-20-double-charge"
WORKS = "2026-11-28-travaux-adsl"
BASE = "https://status.test.example"
V2 = "/api/v2"

# URL → the schema its document follows.
FILES = {
    f"{V2}/summary.json": "summary.json",
    f"{V2}/status.json": "status.json",
    f"{V2}/components.json": "components.json",
    f"{V2}/incidents.json": "incidents.json",
    f"{V2}/incidents/unresolved.json": "incidents.json",
    f"{V2}/scheduled-maintenances.json": "scheduled-maintenances.json",
    f"{V2}/scheduled-maintenances/upcoming.json": "scheduled-maintenances.json",
    f"{V2}/scheduled-maintenances/active.json": "scheduled-maintenances.json",
}

# A planned maintenance on ADSL, announced on the 25th, with its future updates written
# in advance (each is hidden until its time).
MAINTENANCE = """\
---
title: {fr: Travaux sur le réseau ADSL, en: ADSL network works}
maintenance: {start: 2026-11-28 02:00, end: 2026-11-28 04:00}
components: [adsl]
started: 2026-11-25 10:00
---
## 2026-11-28 03:50 · completed
Les travaux sont terminés.

## 2026-11-28 02:00 · in_progress
Les travaux ont commencé.

## 2026-11-25 10:00 · scheduled
Nous remplaçons un équipement du central de Lyon.
"""

MAINTENANCE_EN = """\
---
---
## 2026-11-25 10:00 · scheduled
We are replacing equipment in the Lyon exchange.
"""

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$")


def _validators() -> dict[str, Draft202012Validator]:
    schemas = [json.loads(p.read_text("utf-8")) for p in sorted(SCHEMAS.glob("*.json"))]
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas)
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
    return {schema["$id"].rsplit("/", 1)[1]: Draft202012Validator(schema, registry=registry)
            for schema in schemas}


VALIDATORS = _validators()


def assert_valid(url: str, document: dict) -> None:
    errors = sorted(VALIDATORS[FILES[url]].iter_errors(document), key=lambda e: e.json_path)
    assert not errors, f"{url}:\n" + "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def add_maintenance(site_dir: Path) -> Path:
    (site_dir / "incidents" / f"{WORKS}.md").write_text(MAINTENANCE, "utf-8")
    (site_dir / "incidents" / f"{WORKS}.en.md").write_text(MAINTENANCE_EN, "utf-8")
    return site_dir


def set_config(site_dir: Path, old: str, new: str) -> None:
    path = site_dir / "content" / "site.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def documents(site_dir: Path, now: datetime) -> dict[str, dict]:
    """Every API document of the site at ``now``, by URL, checked against its schema."""
    client = create_app(load_site(site_dir), now=now).test_client()
    found = {}
    for url in FILES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/json", url
        found[url] = json.loads(response.data.decode("utf-8"))
        assert_valid(url, found[url])
    return found


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


@pytest.fixture
def works_dir(site_dir: Path) -> Path:
    return add_maintenance(site_dir)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The basic site with the maintenance, frozen once for the module at NOW."""
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(SITES / "basic", root / "site")
    add_maintenance(root / "site")
    return build(root / "site", BuildOptions(out=root / "out", now=NOW))


@pytest.mark.parametrize("now", [NOW, DURING, AFTER], ids=["before", "during", "after"])
def test_every_document_matches_its_schema(works_dir: Path, now: datetime):
    documents(works_dir, now)  # validates each one


DELETE = object()


@pytest.mark.parametrize(("path", "value"), [
    ("page.time_zone", DELETE),
    ("incidents.0.resolved_at", DELETE),
    ("incidents.0.status", "resolved"),  # summary lists unresolved incidents only
    ("incidents.0.incident_updates.0.status", "cancelled"),
    ("incidents.0.incident_updates.0.body", None),
    ("incidents.0.incident_updates.0.affected_components.0.new_status", "down"),
    ("incidents.0.created_at", "2026-11-26T06:40:00+01:00"),
    ("incidents.0.created_at", "2026-11-26T05:40:00.000+00:00"),
    ("incidents.0.created_at", "2026-11-26 06:40:00.000+01:00"),
    ("scheduled_maintenances.0.status", "cancelled"),
    ("scheduled_maintenances.0.scheduled_until", DELETE),
    ("components.0.components", DELETE),  # a group lists its members
    ("components.1.components", []),  # a component does not
    ("components.1.status", "unknown"),
    ("components.1.extra", 1),
    ("status.indicator", "ok"),
])
def test_schemas_refuse_what_statuspage_would_not_send(works_dir: Path, path: str, value):
    url = f"{V2}/summary.json"
    document = documents(works_dir, NOW)[url]
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = document
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    assert list(VALIDATORS[FILES[url]].iter_errors(document)), f"{path} = {value!r} passed"


@pytest.mark.parametrize("url", list(FILES))
def test_frozen_file_is_the_served_document(frozen: BuildResult, url: str):
    file = frozen.out / url.lstrip("/")
    assert file.is_file(), f"{url} was not frozen"
    document = json.loads(file.read_bytes())
    assert_valid(url, document)
    client = create_app(load_site(frozen.out.parent / "site"), now=NOW).test_client()
    assert document == client.get(url).json


def test_every_file_is_frozen_and_nothing_else(frozen: BuildResult):
    written = {p.relative_to(frozen.out).as_posix() for p in (frozen.out / "api").rglob("*")
               if p.is_file()}
    assert written == {url.lstrip("/") for url in FILES}
    assert frozen.warnings == ()
    snap = Snapshot(load_site(frozen.out.parent / "site"), NOW)
    declared: list = []
    api.FILES.add_outputs(snap, (None,), declared)
    assert [o.endpoint for o in declared] == [f"api.{e}" for e in api.DOCUMENTS]


def _counting_transitions(monkeypatch) -> list[str]:
    """The incidents whose transitions are worked out from now on, by id."""
    from statuspage.state import view

    asked: list[str] = []
    real = view.transitions

    def counted(incident, now):
        asked.append(incident.id)
        return real(incident, now)

    monkeypatch.setattr(view, "transitions", counted)
    return asked


def test_planning_the_api_keeps_each_settled_incidents_times_for_the_next_build(
        site_dir: Path, monkeypatch):
    """The files are rendered in forked workers, whose memory goes with them: what they
    and the next build (the daemon's) can reuse is worked out when the files are planned."""
    from datetime import timedelta

    from statuspage.state.documents import Documents
    from statuspage.state.settled import Settled
    from statuspage.state.view import settled_from

    site = load_site(site_dir)
    memory = Settled()  # the daemon's, in its caches
    snap = Snapshot(site, NOW, memory)
    api.FILES.add_outputs(snap, (None,), [])
    asked = _counting_transitions(monkeypatch)
    documents = Documents(snap)
    for _, method in api.DOCUMENTS.values():
        method(documents)
    assert asked == []  # a worker forked after the planning works none out
    # A minute later, no time an incident names has come: every view is the same object.
    same = Snapshot(site, NOW + timedelta(minutes=1), memory)
    api.FILES.add_outputs(same, (None,), [])
    assert all(v is snap.views[v.id] for v in same.views.values()) and asked == []
    # Once those still to settle have settled, their views are new, worked out anew.
    later = Snapshot(site, max(settled_from(i) for i in site.incidents), memory)
    api.FILES.add_outputs(later, (None,), [])
    kept = [v.id for v in later.views.values() if v is snap.views[v.id]]
    assert kept and len(kept) < len(later.views)
    assert sorted(asked) == sorted(set(later.views) - set(kept))


def test_served_as_json_at_the_root_only(client):
    for url in FILES:
        response = client.get(url)
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(f"/en{V2}/summary.json").status_code == 404
    assert client.get(f"{V2}/incidents/{FIBRE}.json").status_code == 404


def test_page(site_dir: Path):
    docs = documents(site_dir, NOW)
    page = docs[f"{V2}/summary.json"]["page"]
    assert page == {
        "id": hashlib.sha256(BASE.encode()).hexdigest()[:12],
        "name": "Test Status",  # api_language defaults to en when the site has English
        "url": BASE,
        "time_zone": "Europe/Paris",
        "updated_at": "2026-11-26T08:10:00.000+01:00",  # the fibre incident's last update
    }
    assert all(doc["page"] == page for doc in docs.values())


def test_indicator_and_components_match_the_home_page(site_dir: Path, client):
    docs = documents(site_dir, NOW)
    home = client.get("/").get_data(as_text=True)
    status = docs[f"{V2}/status.json"]["status"]
    assert status == {"indicator": "major", "description": "Partial System Outage"}
    assert docs[f"{V2}/summary.json"]["status"] == status
    assert f'<section class="overall ind-{status["indicator"]}"' in home
    components = docs[f"{V2}/components.json"]["components"]
    assert docs[f"{V2}/summary.json"]["components"] == components
    for entry in components:
        if entry["group"]:
            badge = rf'<h3>[^<]*<span class="st st-{entry["status"]}">'
        else:
            badge = (rf'<a href="/components/{entry["id"]}/">[^<]*</a> '
                     rf'<span class="st st-{entry["status"]}">')
        assert re.search(badge, home), f"{entry['id']} is not {entry['status']} on /"
    assert {c["id"]: c["status"] for c in components} == {
        "internet": "partial_outage", "fibre": "partial_outage", "adsl": "operational",
        "billing": "operational"}


def test_groups_are_flat_entries(site_dir: Path):
    components = documents(site_dir, NOW)[f"{V2}/components.json"]["components"]
    assert [(c["id"], c["group"], c["group_id"], c["position"]) for c in components] == [
        ("internet", True, None, 1),
        ("fibre", False, "internet", 1),
        ("adsl", False, "internet", 2),
        ("billing", False, None, 2),
    ]
    assert components[0]["components"] == ["fibre", "adsl"]
    assert all("components" not in c for c in components[1:])
    assert components[1]["name"] == "Fibre broadband"
    assert components[1]["description"] == "Fibre at home."
    assert components[2]["description"] is None


def test_unresolved_lists_the_open_incident(site_dir: Path):
    docs = documents(site_dir, NOW)
    unresolved = docs[f"{V2}/incidents/unresolved.json"]["incidents"]
    assert [i["id"] for i in unresolved] == [FIBRE]
    assert docs[f"{V2}/summary.json"]["incidents"] == unresolved
    assert [i["id"] for i in docs[f"{V2}/incidents.json"]["incidents"]] == [FIBRE, BILLING]
    fibre = unresolved[0]
    assert fibre["status"] == "identified"
    assert fibre["impact"] == "major"
    assert fibre["resolved_at"] is None
    assert fibre["monitoring_at"] is None
    assert fibre["started_at"] == fibre["created_at"] == "2026-11-26T06:40:00.000+01:00"
    assert fibre["updated_at"] == "2026-11-26T08:10:00.000+01:00"
    assert fibre["shortlink"] == f"{BASE}/r/{ref_of(FIBRE)}/"
    assert [c["id"] for c in fibre["components"]] == ["fibre"]
    assert fibre["components"][0]["status"] == "partial_outage"


@pytest.mark.parametrize(("now", "status", "resolved_at", "updates"), [
    (datetime(2026, 11, 20, 9, 5, tzinfo=PARIS), "investigating", None, 0),
    (datetime(2026, 11, 22, 12, 0, tzinfo=PARIS), "identified", None, 2),
    (datetime(2026, 11, 24, 17, 29, tzinfo=PARIS), "identified", None, 2),
    (datetime(2026, 11, 24, 17, 30, tzinfo=PARIS), "resolved",
     "2026-11-24T17:30:00.000+01:00", 3),
    (NOW, "resolved", "2026-11-24T17:30:00.000+01:00", 3),
])
def test_resolved_at_is_null_until_resolved(site_dir: Path, now: datetime, status: str,
                                            resolved_at: str | None, updates: int):
    docs = documents(site_dir, now)
    billing = by_id(docs[f"{V2}/incidents.json"]["incidents"])[BILLING]
    assert billing["status"] == status
    assert billing["resolved_at"] == resolved_at
    assert len(billing["incident_updates"]) == updates  # future updates are hidden
    open_ids = [i["id"] for i in docs[f"{V2}/incidents/unresolved.json"]["incidents"]]
    assert (BILLING in open_ids) == (resolved_at is None)
    component = by_id(docs[f"{V2}/components.json"]["components"])["billing"]
    assert component["status"] == ("operational" if resolved_at else "partial_outage")


def test_updates_newest_first_with_affected_components(site_dir: Path):
    incidents = by_id(documents(site_dir, NOW)[f"{V2}/incidents.json"]["incidents"])
    billing = incidents[BILLING]["incident_updates"]
    assert [(u["status"], u["created_at"]) for u in billing] == [
        ("resolved", "2026-11-24T17:30:00.000+01:00"),
        ("identified", "2026-11-21T10:00:00.000+01:00"),
        ("investigating", "2026-11-20T09:15:00.000+01:00"),
    ]
    assert [u["id"] for u in billing] == [
        f"{BILLING}#update-20261124T1630Z-resolved",
        f"{BILLING}#update-20261121T0900Z-identified",
        f"{BILLING}#update-20261120T0815Z-investigating",
    ]
    assert all(u["incident_id"] == BILLING and u["display_at"] == u["created_at"]
               for u in billing)
    changes = [[(a["code"], a["name"], a["old_status"], a["new_status"])
                for a in u["affected_components"]] for u in billing]
    assert changes == [
        [("billing", "Billing", "partial_outage", "operational")],
        [("billing", "Billing", "partial_outage", "partial_outage")],
        [("billing", "Billing", "operational", "partial_outage")],
    ]


def test_bodies_are_plain_text_in_the_api_language(site_dir: Path):
    (site_dir / "incidents" / "2026-11-25-markdown.md").write_text(
        "---\ntitle: Lenteurs\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n"
        "---\n## 2026-11-25 10:30 · resolved\n**Réglé** : voir [l'aide](https://test.example/aide)."
        "\n\n- un\n- deux\n", "utf-8")
    incidents = by_id(documents(site_dir, NOW)[f"{V2}/incidents.json"]["incidents"])
    billing = incidents[BILLING]
    assert billing["name"] == "Double charge"
    assert billing["incident_updates"][0]["body"] == "Refunds have been issued."
    # The English translation leaves this update out: the original text, as written.
    assert billing["incident_updates"][1]["body"] == "Le lot du 19 novembre a été envoyé deux fois."
    assert incidents[FIBRE]["name"] == "Coupure fibre à Lyon"
    markdown = incidents["2026-11-25-markdown"]["incident_updates"][0]["body"]
    assert markdown == "**Réglé** : voir [l'aide](https://test.example/aide).\n\n- un\n- deux"


def test_api_language_of_the_default_edition(site_dir: Path):
    set_config(site_dir, "languages: [fr, en]", "languages: [fr, en]\napi_language: fr")
    docs = documents(site_dir, NOW)
    billing = by_id(docs[f"{V2}/incidents.json"]["incidents"])[BILLING]
    assert billing["shortlink"] == f"{BASE}/r/{ref_of(BILLING)}/"
    assert billing["name"] == "Double prélèvement"
    assert billing["incident_updates"][0]["body"] == "Remboursements effectués."
    assert docs[f"{V2}/summary.json"]["page"]["name"] == "Statut Test"
    assert docs[f"{V2}/status.json"]["status"] == {
        "indicator": "major", "description": "Panne partielle des services"}


def test_timestamps_in_a_utc_site_end_with_z(site_dir: Path):
    set_config(site_dir, "timezone: Europe/Paris", "timezone: UTC")
    docs = documents(site_dir, NOW)
    fibre = docs[f"{V2}/incidents/unresolved.json"]["incidents"][0]
    assert fibre["created_at"] == "2026-11-26T06:40:00.000Z"
    assert docs[f"{V2}/summary.json"]["page"]["time_zone"] == "UTC"
    for text in map(json.dumps, docs.values()):
        assert "+00:00" not in text


def test_timestamps_have_milliseconds_and_the_zone_offset(works_dir: Path):
    for document in documents(works_dir, DURING).values():
        for key, value in _leaves(document):
            if key.endswith("_at") or key.startswith("scheduled_"):
                assert value is None or TIMESTAMP.match(value), (key, value)
                assert value is None or value.endswith("+01:00"), (key, value)  # CET


def _leaves(value, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    else:
        yield key, value


@pytest.mark.parametrize(
    ("now", "status", "upcoming", "active", "adsl", "updates", "resolved_at"), [
        (NOW, "scheduled", True, False, "operational", ["scheduled"], None),
        (DURING, "in_progress", False, True, "under_maintenance",
         ["in_progress", "scheduled"], None),
        (AFTER, "completed", False, False, "operational",
         ["completed", "in_progress", "scheduled"], "2026-11-28T03:50:00.000+01:00"),
    ], ids=["before", "during", "after"])
def test_maintenance_upcoming_active_completed(works_dir: Path, now: datetime, status: str,
                                               upcoming: bool, active: bool, adsl: str,
                                               updates: list[str], resolved_at: str | None):
    docs = documents(works_dir, now)
    listed = by_id(docs[f"{V2}/scheduled-maintenances.json"]["scheduled_maintenances"])
    works = listed[WORKS]
    assert works["status"] == status
    assert works["resolved_at"] == resolved_at
    assert [u["status"] for u in works["incident_updates"]] == updates
    assert works["scheduled_for"] == "2026-11-28T02:00:00.000+01:00"
    assert works["scheduled_until"] == "2026-11-28T04:00:00.000+01:00"
    assert works["impact"] == "maintenance"
    assert works["name"] == "ADSL network works"
    english = "We are replacing equipment in the Lyon exchange."
    assert works["incident_updates"][-1]["body"] == english
    assert works["shortlink"] == f"{BASE}/r/{ref_of(WORKS)}/"
    assert works["created_at"] == "2026-11-25T10:00:00.000+01:00"
    upcoming_ids = [m["id"] for m in
                    docs[f"{V2}/scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]]
    active_ids = [m["id"] for m in
                  docs[f"{V2}/scheduled-maintenances/active.json"]["scheduled_maintenances"]]
    summary_ids = [m["id"] for m in docs[f"{V2}/summary.json"]["scheduled_maintenances"]]
    assert (WORKS in upcoming_ids, WORKS in active_ids) == (upcoming, active)
    assert (WORKS in summary_ids) == (upcoming or active)
    assert WORKS not in [i["id"] for i in docs[f"{V2}/incidents.json"]["incidents"]]
    assert by_id(docs[f"{V2}/components.json"]["components"])["adsl"]["status"] == adsl


def test_maintenance_affected_components(works_dir: Path):
    docs = documents(works_dir, AFTER)
    works = by_id(docs[f"{V2}/scheduled-maintenances.json"]["scheduled_maintenances"])[WORKS]
    assert [[(a["code"], a["old_status"], a["new_status"]) for a in u["affected_components"]]
            for u in works["incident_updates"]] == [
        [("adsl", "under_maintenance", "operational")],
        [("adsl", "operational", "under_maintenance")],
        [("adsl", "operational", "operational")],
    ]
    adsl = by_id(docs[f"{V2}/components.json"]["components"])["adsl"]
    assert adsl["updated_at"] == "2026-11-28T03:50:00.000+01:00"


def test_maintenance_alone_sets_the_maintenance_indicator(works_dir: Path):
    (works_dir / "incidents" / f"{FIBRE}.md").unlink()
    docs = documents(works_dir, DURING)
    assert docs[f"{V2}/status.json"]["status"] == {
        "indicator": "maintenance", "description": "Service Under Maintenance"}
    internet = by_id(docs[f"{V2}/components.json"]["components"])["internet"]
    assert internet["status"] == "under_maintenance"


def test_cancelled_maintenance_is_completed(works_dir: Path):
    path = works_dir / "incidents" / f"{WORKS}.md"
    text = path.read_text("utf-8")
    planned = text[text.index("## 2026-11-28 03:50"):text.index("## 2026-11-25")]
    path.write_text(text.replace(planned, "## 2026-11-27 09:00 · cancelled\n"
                                          "Les travaux sont reportés.\n\n"), "utf-8")
    for now in (datetime(2026, 11, 27, 10, 0, tzinfo=PARIS), DURING):
        docs = documents(works_dir, now)
        listed = docs[f"{V2}/scheduled-maintenances.json"]["scheduled_maintenances"]
        works = by_id(listed)[WORKS]
        assert works["status"] == "completed"
        assert works["resolved_at"] == "2026-11-27T09:00:00.000+01:00"
        assert works["incident_updates"][0]["status"] == "completed"
        assert works["incident_updates"][0]["body"] == "Les travaux sont reportés."
        for url in (f"{V2}/scheduled-maintenances/upcoming.json",
                    f"{V2}/scheduled-maintenances/active.json", f"{V2}/summary.json"):
            assert docs[url]["scheduled_maintenances"] == []
        adsl = by_id(docs[f"{V2}/components.json"]["components"])["adsl"]
        assert adsl["status"] == "operational"


def test_lists_are_capped_at_the_50_most_recent(site_dir: Path):
    incidents = site_dir / "incidents"
    for n in range(60):
        day, hour = divmod(n, 24)
        when = f"2026-10-{day + 1:02d} {hour:02d}:00"
        (incidents / f"old-{n:02d}.md").write_text(
            f"---\ntitle: Panne {n}\nimpact: minor\ncomponents: [adsl]\nstarted: {when}\n---\n"
            f"## {when} · resolved\nRéglé.\n", "utf-8")
        (incidents / f"works-{n:02d}.md").write_text(
            f"---\ntitle: Travaux {n}\ncomponents: [adsl]\n"
            f"maintenance: {{start: {when}, end: 2026-10-{day + 1:02d} {hour:02d}:30}}\n---\n",
            "utf-8")
    # an old incident still unresolved: listed beyond the 50, as Statuspage does
    (incidents / "old-00.md").write_text(
        "---\ntitle: Panne 0\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-10-01 00:00\n"
        "---\n## 2026-10-01 00:00 · identified\nEn cours.\n", "utf-8")
    docs = documents(site_dir, NOW)
    listed = [i["id"] for i in docs[f"{V2}/incidents.json"]["incidents"]]
    assert listed == [FIBRE, BILLING] + [f"old-{n:02d}" for n in range(59, 12, -1)] + ["old-00"]
    works = [m["id"] for m in docs[f"{V2}/scheduled-maintenances.json"]["scheduled_maintenances"]]
    assert works == [f"works-{n:02d}" for n in range(59, 9, -1)]
    assert all(m["status"] == "completed" for m in
               docs[f"{V2}/scheduled-maintenances.json"]["scheduled_maintenances"])


def test_more_unresolved_incidents_than_the_cap_are_each_listed(site_dir: Path):
    """Past 50 unresolved, incidents.json lists them all and nothing else (Statuspage:
    "this includes all unresolved incidents"), newest started first."""
    incidents = site_dir / "incidents"
    for n in range(60):
        day, hour = divmod(n, 24)
        when = f"2026-10-{day + 1:02d} {hour:02d}:00"
        status = "identified" if n % 10 else "resolved"  # 54 of them unresolved
        (incidents / f"old-{n:02d}.md").write_text(
            f"---\ntitle: Panne {n}\nimpact: minor\ncomponents: [adsl]\nstarted: {when}\n"
            f"---\n## {when} · {status}\nEn cours.\n", "utf-8")
    client = create_app(load_site(site_dir), now=NOW).test_client()  # (past the schema's 50)
    listed = [i["id"] for i in client.get(f"{V2}/incidents.json").json["incidents"]]
    assert listed == [FIBRE] + [f"old-{n:02d}" for n in range(59, -1, -1) if n % 10]
    assert [i["id"] for i in client.get(f"{V2}/incidents/unresolved.json").json["incidents"]] \
        == listed


def test_what_the_sanitiser_strips_stays_out(site_dir: Path):
    (site_dir / "incidents" / "2026-11-25-piege.md").write_text(
        '---\ntitle: "<script>alert(1)</script> Piège & co"\nimpact: minor\n'
        "components: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:30 · identified\n"
        '<a href="#" onclick="alert(1)">ici</a> et <script>alert(1)</script>\n\n'
        "[x](javascript:alert(1)) voir [l'aide](https://test.example/aide)\n\n- un\n- deux\n",
        "utf-8")
    client = create_app(load_site(site_dir), now=NOW).test_client()
    raw = client.get(f"{V2}/incidents.json").get_data(as_text=True)
    for banned in ("<", ">", "&", "onclick", "javascript:"):
        assert banned not in raw
    incident = by_id(json.loads(raw)["incidents"])["2026-11-25-piege"]
    # A title is plain text: the same text, escaped in the file only.
    assert incident["name"] == "<script>alert(1)</script> Piège & co"
    # The body is what customers see on the page, as plain text.
    assert incident["incident_updates"][0]["body"] == (
        "ici et\n\nx voir l'aide (https://test.example/aide)\n\n- un\n- deux")


def test_upcoming_lists_every_scheduled_maintenance(works_dir: Path):
    """The home page keeps to the next upcoming_days; Statuspage lists all scheduled ones."""
    set_config(works_dir, "languages: [fr, en]", "languages: [fr, en]\nupcoming_days: 1")
    assert Snapshot(load_site(works_dir), NOW).upcoming_maintenance == []  # the home page's
    docs = documents(works_dir, NOW)
    upcoming = docs[f"{V2}/scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert [m["id"] for m in upcoming] == [WORKS]
    assert [m["id"] for m in docs[f"{V2}/summary.json"]["scheduled_maintenances"]] == [WORKS]


def test_examples_in_the_docs_match_the_schemas():
    text = (TESTS.parent / "docs" / "api.md").read_text("utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", text, re.DOTALL)]
    schemas = {"summary": "summary.json", "status": "status.json", "components": "components.json",
               "incidents": "incidents.json",
               "scheduled_maintenances": "scheduled-maintenances.json"}
    assert len(blocks) == 7  # one for each file: the two lists of incidents share one
    for block in blocks:
        is_summary = {"status", "components", "incidents"} <= set(block)
        name = "summary" if is_summary else next(key for key in schemas if key in block)
        errors = list(VALIDATORS[schemas[name]].iter_errors(block))
        assert not errors, [e.message for e in errors]


def test_ordered_lists_keep_their_numbers_in_plain_text(site_dir: Path):
    (site_dir / "incidents" / "2026-11-25-etapes.md").write_text(
        "---\ntitle: Étapes\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:30 · identified\n<b onclick=\"x()\">À faire</b> :\n\n"
        "3. débrancher\n4. attendre\n\n1. rebrancher\n", "utf-8")
    client = create_app(load_site(site_dir), now=NOW).test_client()
    incident = by_id(client.get(f"{V2}/incidents.json").get_json()["incidents"])[
        "2026-11-25-etapes"]
    # Markdown goes on numbering after the blank line, as the page shows: 3, 4, 5.
    assert incident["incident_updates"][0]["body"] == (
        "À faire :\n\n3. débrancher\n4. attendre\n\n5. rebrancher")


def test_documents_kept_for_settled_incidents_are_those_worked_out_anew(example_dir,
                                                                         monkeypatch):
    """The views of settled incidents, and their times, are kept from one Snapshot to the
    next (a daemon's builds): at every moment, forwards then backwards, the documents are
    those of a process that never saw the site before."""
    from datetime import timedelta

    from statuspage.state import documents, view
    from statuspage.state.settled import Settled

    site = load_site(example_dir)
    memory = Settled()  # a daemon's, from one build to the next
    times = sorted({t for i in site.incidents for t in
                    (i.started, *(u.time for u in i.updates), view.settled_from(i))})
    moments = [t + delta for t in times for delta in (-timedelta(seconds=1), timedelta(0))]
    moments.append(times[-1] + timedelta(days=3))
    for now in (*moments, *reversed(moments)):
        kept = documents.Documents(Snapshot(site, now, memory)).summary()
        anew = documents.Documents(Snapshot(site, now)).summary()  # a memory of its own
        assert kept == anew, now
        documents.Documents(Snapshot(site, now, memory)).summary()  # kept for the next moment
    documents.Documents(Snapshot(site, moments[-1], memory)).summary()
    asked = _counting_transitions(monkeypatch)
    documents.Documents(Snapshot(site, moments[-1] + timedelta(days=1), memory)).summary()
    assert asked == []  # all settled by then, all kept


def test_documents_encoded_from_their_incidents_kept_text_are_dumps_bytes(site_dir: Path):
    """Each file's incidents are encoded once, kept with their documents: the file's bytes
    are those ``dumps`` makes of the whole, HTML-safe characters and all."""
    from statuspage.state.documents import Documents
    from statuspage.state.settled import Settled

    (site_dir / "incidents" / "2026-11-26-fibre-paris.md").write_text(
        "---\ntitle: Fibre <Paris> & co\nimpact: critical\ncomponents:\n  fibre: major_outage\n"
        "started: 2026-11-26 11:30\n---\n## 2026-11-26 11:30 · investigating\n«Là» <b>&</b>\n",
        "utf-8")
    site, memory = load_site(site_dir), Settled()
    for _ in range(2):  # the second time from the texts kept
        found = Documents(Snapshot(site, NOW, memory))
        for _rule, make in api.DOCUMENTS.values():
            document = make(found)
            assert api.dumps_document(document) == api.dumps(document).encode("utf-8")
    assert b"\\u003cParis\\u003e \\u0026 co" in api.dumps_document(found.summary())
