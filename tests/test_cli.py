"""The command line through click's CliRunner, and real processes for concurrency."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from conftest import FIBRE, NOW, PARIS, REPO

from statuspage import cli, refs
from statuspage.content.loader import load_config, load_site
from statuspage.edit.drafts import format_incident
from statuspage.model import ComponentStatus, IncidentStatus, MaintenanceStatus, Window
from statuspage.state.view import status_at


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str, input: str | None = None, ok: bool = True):
    result = runner.invoke(cli.main, ["--site", str(site_dir), *args], input=input,
                           catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_new_writes_a_file_that_loads_back_and_survives_a_rewrite(runner, site_dir):
    result = run(runner, site_dir, "new", "Appels impossibles vers l'étranger",
                 "-c", "adsl:major_outage", "-c", "billing", "--impact", "minor",
                 "-m", "Nous enquêtons.", "--next-update", "+2h", "--who", "Tous: les clients",
                 "--what-to-do", "Rien.")
    incident_id = "2026-11-26-appels-impossibles-vers-l-etranger"
    assert result.output.splitlines()[0] == incident_id
    path = site_dir / "incidents" / f"{incident_id}.md"
    assert result.output.splitlines()[1].endswith(f"incidents/{incident_id}.md")
    text = path.read_text(encoding="utf-8")
    incident = load_site(site_dir).incident(incident_id)
    assert incident.components == {"adsl": ComponentStatus.MAJOR_OUTAGE,
                                   "billing": ComponentStatus.DEGRADED_PERFORMANCE}
    assert incident.started == datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
    assert incident.next_update == datetime(2026, 11, 26, 14, 0, tzinfo=PARIS)
    assert incident.who_is_affected.get_in("fr", "fr").value == "Tous: les clients"
    assert [u.status for u in incident.updates] == [IncidentStatus.INVESTIGATING]
    # Stable: writing the loaded model gives the same bytes (no churn in git diffs).
    assert format_incident(incident, load_config(site_dir)) == text


def test_update_and_resolve_append_newest_first(runner, site_dir):
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-m", "Réparé, on surveille.",
        "--next-update", "13:30")
    path = site_dir / "incidents" / f"{FIBRE}.md"
    text = path.read_text(encoding="utf-8")
    assert "next_update: 2026-11-26 13:30\n" in text
    assert text.index("## 2026-11-26 12:00 · monitoring") < text.index("## 2026-11-26 08:10")
    run(runner, site_dir, "resolve", FIBRE)
    text = path.read_text(encoding="utf-8")
    assert "next_update" not in text
    incident = load_site(site_dir).incident(FIBRE)
    assert [u.status.value for u in incident.updates] == [
        "resolved", "monitoring", "identified", "investigating"]
    # Hand-written parts are kept as they were.
    assert "## 2026-11-26 06:55 · investigating\nNous enquêtons sur une coupure fibre à Lyon.\n" \
        in text


def test_update_message_from_stdin(runner, site_dir):
    run(runner, site_dir, "update", FIBRE, "--status", "identified", input="Depuis stdin.\n")
    incident = load_site(site_dir).incident(FIBRE)
    assert incident.updates[0].body.get_in("fr", "fr").value == "Depuis stdin."
    # Without --next-update the standing promise is kept.
    assert incident.next_update == datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)


def test_update_message_from_editor(runner, site_dir, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setattr(click, "edit", lambda text: "# comment\nDepuis l'éditeur.\n")
    result = runner.invoke(cli.main, ["--site", str(site_dir), "update", FIBRE, "--status",
                                      "identified"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    incident = load_site(site_dir).incident(FIBRE)
    assert incident.updates[0].body.get_in("fr", "fr").value == "Depuis l'éditeur."


def test_update_refuses_a_second_resolution_and_leaves_the_file(runner, site_dir):
    path = site_dir / "incidents" / "2026-11-20-double-charge.md"
    before = path.read_bytes()
    result = run(runner, site_dir, "update", "2026-11-20-double-charge", "--status", "monitoring",
                 "-m", "Oups.", ok=False)
    assert result.exit_code == 1
    assert "2026-11-20-double-charge is resolved: to reopen it, use 'statuspage reopen " \
        "2026-11-20-double-charge'" in result.output
    assert path.read_bytes() == before


def test_unknown_incident_and_component_are_clear_errors(runner, site_dir):
    result = run(runner, site_dir, "update", "nope", "--status", "identified", "-m", "x", ok=False)
    assert result.exit_code == 1
    assert "no incident 'nope'" in result.output
    result = run(runner, site_dir, "new", "X", "-c", "fiber", "-m", "x", ok=False)
    assert result.exit_code == 1
    assert "unknown component 'fiber' (known: adsl, billing, fibre)" in result.output
    result = run(runner, site_dir, "new", "X", "-c", "fibre", "-m", "x", "--next-update",
                 "tomorrow", ok=False)
    assert result.exit_code == 2
    assert "invalid time 'tomorrow'" in result.output


def test_new_refuses_an_existing_id(runner, site_dir):
    result = run(runner, site_dir, "new", "X", "-c", "fibre", "-m", "x", "--id", FIBRE, ok=False)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_list_and_open(runner, site_dir):
    lines = run(runner, site_dir, "list").output.splitlines()
    assert lines[0].split() == [FIBRE, refs.ref_of(FIBRE), "identified", "5h", "fibre",
                                "Coupure", "fibre", "à", "Lyon"]
    assert lines[1].split()[:5] == ["2026-11-20-double-charge",
                                    refs.ref_of("2026-11-20-double-charge"), "resolved",
                                    "6d03h", "billing"]
    assert lines[1].endswith("Double prélèvement")
    assert [line.split() for line in run(runner, site_dir, "list", "--open").output.splitlines()] \
        == [lines[0].split()]


def test_list_and_check_strict_warn_about_a_late_promise_and_a_silent_incident(
        runner, site_dir, monkeypatch):
    assert "warning" not in run(runner, site_dir, "list").stderr
    monkeypatch.setattr(cli, "_now", lambda: datetime(2026, 11, 26, 18, 30, tzinfo=PARIS))
    listed = run(runner, site_dir, "list")
    assert (f"incidents/{FIBRE}.md: the update promised for 2026-11-26 18:00 is not published"
            in listed.stderr)
    assert FIBRE in listed.stdout and "promised" not in listed.stdout
    assert run(runner, site_dir, "check").exit_code == 0
    strict = run(runner, site_dir, "check", "--strict", ok=False)
    assert strict.exit_code == 1 and "is not published" in strict.output
    # A promise kept: no warning until a day passes without news.
    run(runner, site_dir, "update", FIBRE, "--status", "identified", "-m", "Toujours en cours.")
    assert "warning" not in run(runner, site_dir, "list").stderr
    monkeypatch.setattr(cli, "_now", lambda: datetime(2026, 11, 27, 19, 0, tzinfo=PARIS))
    assert f"incidents/{FIBRE}.md: no update for over 24 hours" in \
        run(runner, site_dir, "list").stderr


@pytest.mark.parametrize("typed", [
    pytest.param(lambda: refs.ref_of(FIBRE), id="reference"),
    pytest.param(lambda: refs.ref_of(FIBRE).lower(), id="reference in lower case"),
    pytest.param(lambda: f"{refs.ref_of(FIBRE)[:3]}-{refs.ref_of(FIBRE)[3:]}",
                 id="reference with a dash"),
    pytest.param(lambda: "2026-11-26-fibre", id="unique start of the id"),
    pytest.param(lambda: FIBRE.upper(), id="id in upper case"),
])
def test_update_and_resolve_take_a_reference_or_the_start_of_an_id(runner, site_dir, typed):
    result = run(runner, site_dir, "update", typed(), "--status", "monitoring", "-m", "Réparé.")
    lines = result.stdout.splitlines()
    assert lines[0] == f"{FIBRE}: monitoring" and "  title: Coupure fibre à Lyon" in lines
    assert run(runner, site_dir, "resolve", typed()).stdout.splitlines()[0] == \
        f"{FIBRE}: resolved"
    assert load_site(site_dir).incident(FIBRE).updates[0].status == IncidentStatus.RESOLVED


def test_a_reference_set_by_hand_is_found_and_an_ambiguous_start_is_refused(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "impact: major\n", "impact: major\nref: ABC234\n"), encoding="utf-8")
    assert run(runner, site_dir, "update", "abc 234", "--status", "monitoring",
               "-m", "x").stdout.splitlines()[0] == f"{FIBRE}: monitoring"
    result = run(runner, site_dir, "update", "2026-11-2", "--status", "monitoring", "-m", "x",
                 ok=False)
    assert result.exit_code == 1
    assert "'2026-11-2' is the start of 2 incidents" in result.output
    assert "type more of the id" in result.output


def test_check_reports_every_error_and_exits_1(runner, site_dir):
    bad = site_dir / "incidents" / "2026-11-25-bad.md"
    bad.write_text("---\ntitle: x\nimpact: huge\ncomponents: [fiber]\nstarted: 2026-11-25 10:00"
                   "\n---\n", encoding="utf-8")
    result = run(runner, site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "incidents/2026-11-25-bad.md:3: impact: unknown impact 'huge' (known: none, minor, "
        "major, critical)",
        "incidents/2026-11-25-bad.md:4: components: unknown component 'fiber' (known: adsl, "
        "billing, fibre)",
        "2 errors.",
        "the site cannot be built: the daemon keeps publishing the last good content until "
        "this is fixed",
    ]


def test_check_strict_fails_on_warnings(runner, site_dir):
    (site_dir / "incidents" / "2026-11-25-html.md").write_text(
        "---\ntitle: x\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "<b onclick=\"x()\">Bonjour</b>\n", encoding="utf-8")
    assert run(runner, site_dir, "check").exit_code == 0
    result = run(runner, site_dir, "check", "--strict", ok=False)
    assert result.exit_code == 1
    assert "incidents/2026-11-25-html.md:7: the onclick attribute of <b> is removed" in \
        result.output


def test_build_prints_pages_and_time(runner, site_dir, tmp_path):
    out = tmp_path / "public"
    result = run(runner, site_dir, "build", "--out", str(out), "--url", "https://x.test/status")
    # 2 languages × (home, history, 1 month, 2 incidents, 3 components; 2 update feeds,
    # 2 history feeds, 1 calendar; per component 2 feeds and a calendar; the banner's
    # status.json and banner.html, the site's and 3 components' badges) + stylesheet
    # + 8 API files + the banner script
    pages = 1 + 1 + 1 + 1 + 2 + 3 + 1  # home, in progress, history, a month, incidents,
    # services, 404
    feeds = 2 + 2 + 1 + 3 * 3 + 2 * 2  # …and the 2 incidents' own feeds (both followed)
    embed = 2 + 1 + 3
    refs = 2 * 2 + 2  # /r/<REF>/ in both cases, and one index per first character (Y, H)
    lookup = 2  # /r/ in each edition
    zones = 2 * 2  # /zone/ and its codes.json (what is everywhere) in each edition
    channels = 2 * 3  # per language: ivr.txt, ivr.ssml, the open incident's SMS
    # + the stylesheet and the lookup box's script, 8 API files, the banner's script
    total = 2 * (pages + feeds + embed) + 2 + 8 + 1 + refs + lookup + zones + channels
    assert result.output.startswith(f"built {total} pages into {out} in ")
    assert result.output.rstrip().endswith(f" s ({total} rendered, 0 kept)")
    again = run(runner, site_dir, "build", "--out", str(out), "--url", "https://x.test/status")
    rendered = int(re.search(r"\((\d+) rendered", again.output)[1])
    assert 0 < rendered < total / 3  # what shows the moment: home, 404, API
    page = (out / "incidents" / FIBRE / "index.html").read_text(encoding="utf-8")
    assert f'href="https://x.test/status/incidents/{FIBRE}/"' in page


def test_build_of_bad_content_keeps_the_old_site(runner, site_dir):
    run(runner, site_dir, "build")
    index = site_dir / "build" / "index.html"
    before = index.read_bytes()
    (site_dir / "incidents" / "2026-11-25-bad.md").write_text("no front matter\n",
                                                             encoding="utf-8")
    result = run(runner, site_dir, "build", ok=False)
    assert result.exit_code == 1
    assert "incidents/2026-11-25-bad.md:1: missing front matter" in result.output
    assert index.read_bytes() == before
    assert [p.name for p in site_dir.iterdir() if p.name.startswith(".build")] == []


def test_init_scaffolds_a_site_that_builds(runner, tmp_path):
    target = tmp_path / "new-site"
    result = runner.invoke(cli.main, ["init", str(target)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "# IANA time zone" in (target / "content" / "site.yaml").read_text(encoding="utf-8")
    run(runner, target, "check")
    run(runner, target, "build")
    assert (target / "build" / "index.html").is_file()
    again = runner.invoke(cli.main, ["init", str(target)])
    assert again.exit_code == 1 and "already holds a site" in again.output


def test_every_command_has_help_and_is_documented(runner):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in cli.main.commands.items():
        assert command.help, name
        assert runner.invoke(cli.main, [name, "--help"]).exit_code == 0
        assert f"statuspage {name}" in readme, f"{name} is not documented in README.md"


def test_twenty_concurrent_updates_all_land(site_dir):
    """20 processes update one incident at once: every update is in the file."""
    script = (
        "import sys\n"
        "from statuspage import cli\n"
        "cli.main(['--site', sys.argv[1], 'update', sys.argv[2], '--status', 'identified',"
        " '-m', 'Mise à jour ' + sys.argv[3]])\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(site_dir), FIBRE, str(n)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for n in range(20)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    incident = load_site(site_dir).incident(FIBRE)
    bodies = {u.body.get_in("fr", "fr").value for u in incident.updates}
    assert {f"Mise à jour {n}" for n in range(20)} <= bodies
    assert len(incident.updates) == 22


def test_a_file_written_only_by_the_cli_is_stable_under_a_rewrite(runner, site_dir):
    run(runner, site_dir, "new", "Panne TV", "-c", "adsl", "-m", "Nous enquêtons.",
        "--what-to-do", "Redémarrez le décodeur.")
    incident_id = "2026-11-26-panne-tv"
    run(runner, site_dir, "update", incident_id, "--status", "identified",
        "-m", "Trouvé.\n\n- a\n- b", "--next-update", "2026-11-26 15:00")
    run(runner, site_dir, "resolve", incident_id, "-m", "Réparé.")
    path = site_dir / "incidents" / f"{incident_id}.md"
    incident = load_site(site_dir).incident(incident_id)
    assert format_incident(incident, load_config(site_dir)) == path.read_text(encoding="utf-8")


def test_python_dash_m_runs_the_cli(site_dir):
    result = subprocess.run([sys.executable, "-m", "statuspage", "--site", str(site_dir), "check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 incidents, 3 components")


def test_the_console_script_runs_the_cli_and_keeps_its_exit_code(site_dir):
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "statuspage"]
    module, function = script.value.split(":")

    def console(*args: str) -> subprocess.CompletedProcess:
        code = (f"import sys; sys.argv = ['statuspage', '--site', {str(site_dir)!r}, "
                f"*{list(args)!r}]; from {module} import {function}; {function}()")
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False)

    done = console("check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: 2 incidents")
    (site_dir / "incidents" / "2026-11-27-bad.md").write_text("---\ntitle: x\n---\n", "utf-8")
    done = console("check")
    assert done.returncode == 1
    assert "incidents/2026-11-27-bad.md" in done.stderr


def test_an_update_in_the_same_minute_after_resolve_is_refused(runner, site_dir):
    run(runner, site_dir, "resolve", FIBRE, "-m", "Réparé.")
    result = run(runner, site_dir, "update", FIBRE, "--status", "investigating", "-m", "Encore.",
                 ok=False)
    assert result.exit_code == 1
    assert f"{FIBRE} is resolved: to reopen it, use 'statuspage reopen" in result.output
    assert str(load_site(site_dir).incident(FIBRE).updates[0].status) == "resolved"


def test_a_promise_in_the_past_is_refused(runner, site_dir):
    result = run(runner, site_dir, "update", FIBRE, "--status", "identified", "-m", "x",
                 "--next-update", "2026-11-20 10:00", ok=False)
    assert result.exit_code == 2
    assert "'2026-11-20 10:00' is in the past" in result.output


def test_default_ids_get_a_number_when_taken(runner, site_dir):
    # Nothing to transliterate: the fallback word, numbered.
    first = run(runner, site_dir, "new", "⚡ ⚡", "-c", "adsl", "-m", "x").stdout.split()[0]
    second = run(runner, site_dir, "new", "?!", "-c", "adsl", "-m", "y").stdout.split()[0]
    assert (first, second) == ("2026-11-26-incident", "2026-11-26-incident-2")


def test_update_keeps_crlf_line_endings(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-m", "On surveille.")
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"## 2026-11-26 12:00 \xc2\xb7 monitoring\r\nOn surveille.\r\n" in data


@pytest.mark.parametrize("out", [".", "incidents", "content", "content/public"])
def test_build_refuses_to_replace_the_site_itself(runner, site_dir, out, monkeypatch):
    monkeypatch.chdir(site_dir)
    before = sorted(p.name for p in site_dir.rglob("*"))
    result = run(runner, site_dir, "build", "--out", out, ok=False)
    assert result.exit_code == 1
    assert "choose a folder such as build/" in result.output
    assert sorted(p.name for p in site_dir.rglob("*")) == before


def test_build_refuses_a_folder_it_did_not_build(runner, site_dir, tmp_path):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = run(runner, site_dir, "build", "--out", str(other), ok=False)
    assert result.exit_code == 1
    assert "was not built by statuspage" in result.output
    assert [p.name for p in other.iterdir()] == ["holiday.jpg"]


@pytest.mark.parametrize("url", ["javascript:alert(1)//", "status.example.com"])
def test_build_refuses_a_url_that_is_not_http(runner, site_dir, url):
    result = run(runner, site_dir, "build", "--url", url, ok=False)
    assert result.exit_code == 1
    assert "is not an http(s) URL" in result.output
    assert not (site_dir / "build").exists()


def test_resolve_without_message_writes_the_sentence_in_every_language(runner, site_dir):
    run(runner, site_dir, "resolve", FIBRE)
    incident = load_site(site_dir).incident(FIBRE)
    body = incident.updates[0].body
    assert body.get_in("fr", "fr").value == "Cet incident est résolu."
    assert body.get_in("en", "fr").value == "This incident has been resolved."
    assert body.get_in("en", "fr").lang == "en"
    # The translation file is created with just that update; the next one is added on top.
    translation = site_dir / "incidents" / f"{FIBRE}.en.md"
    assert translation.read_text(encoding="utf-8") == (
        "---\n---\n## 2026-11-26 12:00 · resolved\nThis incident has been resolved.\n")


def test_maintenance_writes_a_planned_maintenance_that_loads_back(runner, site_dir):
    result = run(runner, site_dir, "maintenance", "Mise à jour du réseau", "-c", "fibre",
                 "-c", "adsl:degraded_performance", "--start", "2026-11-27 02:00",
                 "--end", "2026-11-27 04:00", "-m", "Coupures brèves possibles.")
    incident_id = "2026-11-27-mise-a-jour-du-reseau"  # the start's date
    assert result.output.splitlines()[0] == incident_id
    assert result.output.splitlines()[1].endswith(f"incidents/{incident_id}.md")
    path = site_dir / "incidents" / f"{incident_id}.md"
    text = path.read_text(encoding="utf-8")
    assert "maintenance:\n  start: 2026-11-27 02:00\n  end: 2026-11-27 04:00\n" in text
    incident = load_site(site_dir).incident(incident_id)
    assert incident.maintenance == Window(datetime(2026, 11, 27, 2, 0, tzinfo=PARIS),
                                          datetime(2026, 11, 27, 4, 0, tzinfo=PARIS))
    assert incident.components == {"fibre": ComponentStatus.UNDER_MAINTENANCE,
                                   "adsl": ComponentStatus.DEGRADED_PERFORMANCE}
    assert [(u.time, u.status) for u in incident.updates] == [(NOW, MaintenanceStatus.SCHEDULED)]
    assert incident.updates[0].body.get_in("fr", "fr").value == "Coupures brèves possibles."
    assert status_at(incident, NOW) == MaintenanceStatus.SCHEDULED
    assert format_incident(incident, load_config(site_dir)) == text
    # The default id is numbered when taken, like new's.
    again = run(runner, site_dir, "maintenance", "Mise à jour du réseau", "-c", "fibre",
                "--start", "2026-11-28 02:00", "--end", "2026-11-27 04:00", ok=False)
    assert again.exit_code == 2
    again = run(runner, site_dir, "maintenance", "Mise à jour du réseau", "-c", "fibre",
                "--start", "2026-11-27 05:00", "--end", "+1d", "-m", "Suite.")
    assert again.output.split()[0] == f"{incident_id}-2"


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-11-27 04:00", "2026-11-27 02:00", "Invalid value for --end: '2026-11-27 02:00' "
     "(2026-11-27 02:00) is not after --start '2026-11-27 04:00' (2026-11-27 04:00): "
     "a maintenance ends after it starts"),
    ("2026-11-27 04:00", "2026-11-27T03:00:00+00:00", "is not after --start"),  # the same time
    ("2026-11-20 02:00", "2026-11-20 04:00", "Invalid value for --end: '2026-11-20 04:00' is in "
     "the past: schedule a maintenance to come"),
    ("2027-03-28 02:30", "2027-03-28 04:00", "2027-03-28 02:30 does not exist in Europe/Paris"),
])
def test_maintenance_refuses_a_window_that_cannot_be(runner, site_dir, start, end, message):
    before = sorted((site_dir / "incidents").iterdir())
    result = run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", start,
                 "--end", end, "-m", "x", ok=False)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert sorted((site_dir / "incidents").iterdir()) == before


def test_a_maintenance_across_the_clock_change_keeps_its_real_length(runner, site_dir):
    # 01:30 CET → 03:30 CEST is one hour of work; the file keeps the wall-clock times.
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", "2027-03-28 01:30",
        "--end", "2027-03-28 03:30", "-m", "x", "--id", "travaux-printemps")
    window = load_site(site_dir).incident("travaux-printemps").maintenance
    # (compared in UTC: Python subtracts two times of one zone on the wall clock)
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(hours=1)
    text = (site_dir / "incidents" / "travaux-printemps.md").read_text(encoding="utf-8")
    assert "  start: 2027-03-28 01:30\n  end: 2027-03-28 03:30\n" in text


def test_update_and_resolve_work_on_a_maintenance(runner, site_dir):
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", "13:00",
        "--end", "15:00", "-m", "Prévu.", "--id", "travaux")
    refused = run(runner, site_dir, "update", "travaux", "--status", "identified", "-m", "x",
                  ok=False)
    assert refused.exit_code == 1
    assert "unknown status 'identified' for this maintenance (known: scheduled, in_progress, " \
           "verifying, completed, cancelled)" in refused.output
    result = run(runner, site_dir, "update", "travaux", "--status", "in_progress",
                 "-m", "Commencé en avance.")
    assert result.stdout.splitlines()[0] == "travaux: in_progress"
    incident = load_site(site_dir).incident("travaux")
    assert status_at(incident, NOW) == MaintenanceStatus.IN_PROGRESS  # before its window
    result = run(runner, site_dir, "resolve", "travaux")
    assert result.stdout.splitlines()[0] == "travaux: completed"
    incident = load_site(site_dir).incident("travaux")
    assert [u.status.value for u in incident.updates] == ["completed", "in_progress",
                                                          "scheduled"]
    assert incident.updates[0].body.get_in("en", "fr").value == "This maintenance is complete."
    assert status_at(incident, NOW) == MaintenanceStatus.COMPLETED
    path = site_dir / "incidents" / "travaux.md"
    assert "  end: 2026-11-26 15:00\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("window", [
    "maintenance:\n  start: 2026-11-26 13:00\n  end: 2026-11-26 15:00\n",
    "maintenance: {start: 2026-11-26 13:00, end: 2026-11-26 15:00}\n",
])
def test_an_update_with_end_extends_a_maintenance(runner, site_dir, window):
    path = site_dir / "incidents" / "2026-11-26-travaux.md"
    path.write_text("---\ntitle: Travaux\nimpact: none\ncomponents: [fibre]\n" + window +
                    "who_is_affected: Lyon.\n---\n## 2026-11-25 10:00 · scheduled\nPrévu.\n",
                    encoding="utf-8")
    result = run(runner, site_dir, "update", "2026-11-26-travaux", "--status", "in_progress",
                 "--end", "17:30", "-m", "Prolongés jusqu'à 17 h 30.")
    assert result.stdout.splitlines() == [
        "2026-11-26-travaux: in_progress", "  title: Travaux", "  status: in_progress",
        "  end: 2026-11-26 17:30 Europe/Paris"]
    text = path.read_text(encoding="utf-8")
    assert ("maintenance:\n  start: 2026-11-26 13:00\n  end: 2026-11-26 17:30\n"
            "who_is_affected: Lyon.\n") in text
    incident = load_site(site_dir).incident("2026-11-26-travaux")
    assert incident.maintenance == Window(datetime(2026, 11, 26, 13, 0, tzinfo=PARIS),
                                          datetime(2026, 11, 26, 17, 30, tzinfo=PARIS))
    later = datetime(2026, 11, 26, 16, 0, tzinfo=PARIS)  # after the first end, before the new
    assert status_at(incident, later) == MaintenanceStatus.IN_PROGRESS
    assert status_at(incident, later + timedelta(hours=2)) == MaintenanceStatus.COMPLETED


def test_end_is_refused_for_an_incident_and_in_the_past(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    refused = run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "--end", "18:00",
                  "-m", "x", ok=False)
    assert refused.exit_code == 1
    assert (f"--start and --end move the window of a maintenance, and {FIBRE} is an incident"
            in refused.output)
    past = run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "--end",
               "2026-11-26 11:00", "-m", "x", ok=False)
    assert past.exit_code == 2 and "is in the past" in past.output
    assert path.read_bytes() == before


def test_an_update_with_start_and_end_moves_a_maintenance_and_its_calendar_event(runner,
                                                                                site_dir):
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start",
        "2026-12-03 01:00", "--end", "2026-12-03 05:00", "-m", "Prévu.", "--id", "travaux")
    run(runner, site_dir, "update", "travaux", "--status", "scheduled", "--start",
        "2026-12-10 01:00", "--end", "2026-12-10 04:00", "-m", "Reportés d'une semaine.")
    incident = load_site(site_dir).incident("travaux")
    assert incident.maintenance == Window(datetime(2026, 12, 10, 1, 0, tzinfo=PARIS),
                                          datetime(2026, 12, 10, 4, 0, tzinfo=PARIS))
    assert incident.started == incident.maintenance.start
    from icalendar import Calendar

    from statuspage.web import create_app

    ics = create_app(load_site(site_dir), now=NOW).test_client().get("/maintenance.ics").data
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert event["SEQUENCE"] == 1  # calendar apps take the moved window
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    refused = run(runner, site_dir, "update", "travaux", "--status", "scheduled", "--start",
                  "2026-12-10 05:00", "-m", "x", ok=False)
    assert refused.exit_code == 1 and "maintenance: end is before start" in refused.output


@pytest.mark.parametrize(("start", "end", "window"), [
    ("13:00", "15:00", ("2026-11-26 13:00", "2026-11-26 15:00")),  # later today
    ("23:00", "02:00", ("2026-11-26 23:00", "2026-11-27 02:00")),  # the end after the start
    ("09:00", "11:00", ("2026-11-27 09:00", "2026-11-27 11:00")),  # tomorrow, both
    ("2026-12-03 01:00", "+4h", ("2026-12-03 01:00", "2026-12-03 05:00")),  # a duration
])
def test_maintenance_end_is_read_from_its_start(runner, site_dir, start, end, window):
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", start,
        "--end", end, "-m", "Prévu.", "--id", "travaux")
    text = (site_dir / "incidents" / "travaux.md").read_text(encoding="utf-8")
    assert f"  start: {window[0]}\n  end: {window[1]}\n" in text


WEB_STACK = ("flask", "flask_frozen", "jinja2", "werkzeug", "feedgen", "icalendar", "boto3",
             "apscheduler")


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"], ["publish", "--help"],
                                  ["list"]])
def test_the_cli_loads_no_web_stack_unless_it_renders(args):
    """Commands that do not render (help, list, …) start without Flask, Jinja, the feed
    and calendar libraries or boto3: statuspage.web is imported by build, check and serve
    only."""
    script = ("import json, sys\nfrom statuspage import cli\n"
              f"try:\n    cli.main({args!r})\nexcept SystemExit as stop:\n"
              "    assert not stop.code, stop.code\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "click" in loaded and not loaded & set(WEB_STACK), sorted(loaded & set(WEB_STACK))
