"""The field tables say, row by row, what each key is: its docs (docs/format.md's key
tables are made from the rows), whether the API shows it, which command options set it.
Each claim is checked against the real thing."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import NOW, REPO

from statuspage import cli
from statuspage.content import config, fielddocs, incident_fields, internal
from statuspage.content.loader import load_site
from statuspage.web import create_app

TABLES = {"site": config.SITE_FIELDS, "support": config.SUPPORT_FIELDS,
          "groups": config.GROUP_FIELDS, "components": config.COMPONENT_FIELDS,
          "subscriptions": config.SUBSCRIPTION_FIELDS,
          "incident": incident_fields.INCIDENT_FIELDS, "internal": internal.INTERNAL_FIELDS}
ROWS = [pytest.param(field, id=f"{name}.{field.key}")
        for name, fields in TABLES.items() for field in fields]
WRITING = ("new", "maintenance", "update")
# An incident giving every key, each text a word found nowhere else.
EVERYTHING = """\
---
title: ZZTITLE
impact: minor
components: [fibre]
started: 2026-11-26 09:00
next_update: 2026-11-26 18:00
who_is_affected: ZZWHO
what_to_do: ZZWHAT
areas: {"69003": ZZAREA}
ref: K7M2QX
---
ZZSUMMARY

## 2026-11-26 09:10 · investigating
Nous regardons.
"""
WORKS = """\
---
title: Travaux
maintenance: {start: 2026-11-28 02:00, end: 2026-11-28 04:00}
components: [adsl]
---
## 2026-11-25 10:00 · scheduled
Nous remplaçons un équipement.
"""


def test_the_key_tables_of_format_md_are_the_rows():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "docs/format.md"],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, \
        "docs/format.md is stale: run cog -r docs/format.md\n" + result.stderr


@pytest.mark.parametrize("field", ROWS)
def test_every_row_says_what_it_is(field):
    assert field.doc and field.value_kind, f"{field.key}: give the row its doc and kind"
    assert fielddocs.default_of(field)
    assert f"`{field.key}`" in fielddocs.table([field])


def _params(*names: str) -> dict[str, set[str]]:
    """Each command's options and arguments, as its help writes them."""
    found: dict[str, set[str]] = {}
    for name in names:
        for param in cli.main.commands[name].params:
            shown = param.opts if isinstance(param, click.Option) else \
                [param.metavar or (param.name or "").upper()]
            found.setdefault(name, set()).update(shown)
    return found


@pytest.mark.parametrize("table, commands", [("incident", WRITING), ("internal", ("note",)),
                                             ("site", ("build", "run"))])
def test_the_commands_take_the_options_the_rows_name(table, commands):
    taken = set().union(*_params(*commands).values())
    for field in TABLES[table]:
        assert set(field.cli) <= taken, f"{field.key}: no command takes {field.cli}"
        if not field.cli:
            assert f"--{field.key.replace('_', '-')}" not in taken, \
                f"{field.key}: a command sets it; name the option in its row"


@pytest.mark.parametrize("field", [f for f in incident_fields.INCIDENT_FIELDS
                                   if f.text and f.cli], ids=lambda f: f.key)
def test_each_text_option_writes_its_key(site_dir, field):
    """`new` with the row's option (or TITLE) writes the text in the row's key."""
    option = field.cli[0]
    extra = [] if option == "TITLE" else [option, "ZZMARK"]
    title = "ZZMARK" if option == "TITLE" else "Titre"
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), "new", title, "-c",
                                           "fibre", "-m", "Vu.", *extra])
    assert result.exit_code == 0, result.output
    incident_id = result.output.split("\n")[0]
    text = getattr(load_site(site_dir).incident(incident_id), field.key)
    assert text.value_in("fr", "fr") == "ZZMARK"


def test_the_api_shows_what_the_rows_say_and_nothing_else(site_dir):
    (site_dir / "incidents" / "2026-11-26-everything.md").write_text(EVERYTHING, "utf-8")
    (site_dir / "incidents" / "2026-11-28-works.md").write_text(WORKS, "utf-8")
    client = create_app(load_site(site_dir), now=NOW).test_client()
    summary = json.loads(client.get("/api/v2/summary.json").data)
    whole = json.dumps(summary)
    incident = next(i for i in summary["incidents"] if i["id"] == "2026-11-26-everything")
    for field in incident_fields.INCIDENT_FIELDS:
        if field.key == "maintenance":
            continue  # in a maintenance's document: below
        assert set(field.api) <= set(incident), field.key
        marker = f"ZZ{field.key.split('_')[0].upper()}"
        if field.text and field.api:
            assert incident[field.api[0]] == marker, field.key
        elif field.text:
            assert marker not in whole, f"{field.key}: the API shows it; say so in its row"
    assert "ZZAREA" not in whole and "K7M2QX" in incident["shortlink"]
    planned = json.loads(client.get("/api/v2/scheduled-maintenances.json").data)
    maintenance = planned["scheduled_maintenances"][0]
    assert set(incident_fields.BY_KEY["maintenance"].api) <= set(maintenance)
    for field in config.SITE_FIELDS:
        assert set(field.api) <= {*summary["page"], *summary}, field.key
    components = {c["id"]: c for c in summary["components"]}
    for table, sample in (("components", components["fibre"]),
                          ("groups", components["internet"])):
        for field in TABLES[table]:
            assert set(field.api) <= set(sample), f"{table}.{field.key}"
