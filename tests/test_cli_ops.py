"""The writing commands under stress (issue 33): never "done" while nothing is published,
reopen, undo, what was understood, templates, every language from the command line; and
the CLI never writes what check refuses (issue 35)."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, REPO, TRANSLATED

from statuspage import cli, refs
from statuspage.content.loader import load_site

UNBUILDABLE = "the site cannot be built: the daemon keeps publishing the last good content"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str, input: str | None = None, ok: bool = True):
    result = runner.invoke(cli.main, ["--site", str(site_dir), *args], input=input,
                           catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _orphan_resolution(site_dir: Path) -> str:
    """A hand "undo" of a resolution that left its English section behind: the
    translation names an update its original no longer has. Its label and line."""
    original = site_dir / "incidents" / f"{TRANSLATED}.md"
    text = original.read_text(encoding="utf-8")
    original.write_text(text.replace("## 2026-11-24 17:30 · resolved\nRemboursements "
                                     "effectués.\n\n", ""), encoding="utf-8")
    english = site_dir / "incidents" / f"{TRANSLATED}.en.md"
    line = english.read_text(encoding="utf-8").split("\n").index(
        "## 2026-11-24 17:30 · resolved") + 1
    return f"incidents/{TRANSLATED}.en.md:{line}:"


# -- 1. no silent non-publication -------------------------------------------------------

def test_an_update_while_another_file_is_broken_is_kept_and_exits_2(runner, site_dir):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, "update", FIBRE, "-m", "Le câble est réparé.", ok=False)
    assert result.exit_code == 2
    assert where in result.stderr
    assert UNBUILDABLE in result.stderr
    text = (site_dir / "incidents" / f"{FIBRE}.md").read_text(encoding="utf-8")
    assert "## 2026-11-26 12:00 · identified\nLe câble est réparé.\n" in text


@pytest.mark.parametrize("args", [
    ("new", "Appels coupés", "-c", "adsl", "-m", "Nous enquêtons."),
    ("maintenance", "Travaux", "-c", "adsl", "--start", "2026-11-27 02:00", "--end", "04:00",
     "-m", "Coupure la nuit."),
    ("resolve", FIBRE),
    ("note", FIBRE, "-m", "Geste commercial possible."),
])
def test_every_writing_command_says_the_site_cannot_be_built(runner, site_dir, args):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, *args, ok=False)
    assert result.exit_code == 2, result.output
    assert where in result.stderr and UNBUILDABLE in result.stderr


def test_list_shows_what_is_published_and_check_says_it_cannot_be_built(runner, site_dir):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, "list", ok=False)
    assert result.exit_code == 2
    assert result.stdout.split()[0] == FIBRE  # the rest is listed
    assert where in result.stderr and UNBUILDABLE in result.stderr
    result = run(runner, site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert where in result.stderr and UNBUILDABLE in result.stderr


def test_a_site_that_builds_says_nothing_of_it(runner, site_dir):
    result = run(runner, site_dir, "update", FIBRE, "-m", "Toujours en cours.")
    assert UNBUILDABLE not in result.output
    assert load_site(site_dir).incident(FIBRE).updates[0].body.get_in("fr", "fr").value == \
        "Toujours en cours."


# -- the CLI never writes what check refuses (issue 35, 16 and 9) -------------------------

@pytest.mark.parametrize("command", ["update", "note"])
def test_a_lone_cr_cannot_forge_an_update_heading(runner, site_dir, command):
    path = site_dir / "incidents" / (f"{FIBRE}.md" if command == "update"
                                     else f"{FIBRE}.internal.md")
    before = path.read_bytes() if path.exists() else None
    result = run(runner, site_dir, command, FIBRE, "-m",
                 "x\r## 2026-11-26 12:00 · resolved\rok", ok=False)
    assert result.exit_code == 1
    assert "line 2 of the message, '## 2026-11-26 12:00 · resolved', is a level-2 heading" \
        in result.output
    assert (path.read_bytes() if path.exists() else None) == before


@pytest.mark.parametrize("command", ["update", "note"])
def test_cr_and_crlf_in_a_message_are_written_as_lf(runner, site_dir, command):
    run(runner, site_dir, command, FIBRE, "-m", "un\r\ndeux\rtrois")
    name = f"{FIBRE}.md" if command == "update" else f"{FIBRE}.internal.md"
    data = (site_dir / "incidents" / name).read_bytes()
    assert b"\r" not in data and b"un\ndeux\ntrois\n" in data
    assert run(runner, site_dir, "check").exit_code == 0


@pytest.mark.parametrize("command", ["update", "note", "new"])
def test_a_message_over_the_content_limit_is_refused_before_writing(runner, site_dir,
                                                                    command):
    before = {p.name: p.read_bytes() for p in (site_dir / "incidents").iterdir()}
    args = ("new", "Gros", "-c", "adsl") if command == "new" else (command, FIBRE)
    result = run(runner, site_dir, *args, "-m", "é" * 600_000, ok=False)
    assert result.exit_code == 1
    assert "over 1 MB" in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in (site_dir / "incidents").iterdir()} == before


def test_a_message_that_fills_the_file_past_the_limit_is_refused(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = run(runner, site_dir, "update", FIBRE, "-m", "x" * (1_000_000 - 100), ok=False)
    assert result.exit_code == 1
    assert f"incidents/{FIBRE}.md:1: would be larger than 1 MB" in result.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("command", ["update", "note"])
def test_a_write_that_fails_is_a_clean_error_and_the_file_is_intact(site_dir, command):
    """The disk fills up mid-write. A tiny tmpfs needs mount rights and /dev/full cannot
    stand for a folder, so the write is made to fail the way a full disk fails it, in the
    middle of the file's bytes: a real process whose file size limit (RLIMIT_FSIZE, which
    binds root too) is below the new file's size. Python ignores SIGXFSZ, so the write
    fails with an OSError (EFBIG) where a full disk gives ENOSPC, through the same code."""
    import os
    import resource
    import subprocess
    import sys

    path = site_dir / "incidents" / f"{FIBRE}.md"
    if command == "note":  # an internal file exists, and grows past the limit
        path = site_dir / "incidents" / f"{FIBRE}.internal.md"
        path.write_text("---\n---\n## 2026-11-26 08:00\nAppeler le technicien.\n",
                        encoding="utf-8")
    before = path.read_bytes()
    limit = len(before) + 10

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "--site", str(site_dir), command, FIBRE,
         "-m", "Le technicien est sur place depuis une heure."],
        capture_output=True, text=True, preexec_fn=small_files, timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"incidents/{path.name}: cannot be written (file too large); nothing was changed" \
        in done.stderr
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


# -- 3. reopen ----------------------------------------------------------------------------

def _at(monkeypatch, minutes: int) -> None:
    monkeypatch.setattr(cli, "_now", lambda: NOW + timedelta(minutes=minutes))


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_reopen_by_lower_case_reference_opens_it_again_everywhere(runner, site_dir,
                                                                   monkeypatch, tmp_path):
    reference = refs.ref_of(FIBRE)
    run(runner, site_dir, "resolve", FIBRE, "-m", "Le câble est réparé.")
    _at(monkeypatch, 5)
    result = run(runner, site_dir, "reopen", reference.lower(), "-m", "La coupure reprend.")
    assert f"{FIBRE}: reopened, investigating" in result.output
    incident = load_site(site_dir).incident(FIBRE)
    assert [u.status.value for u in incident.updates] == [
        "investigating", "resolved", "identified", "investigating"]
    assert incident.reference == reference  # the same id, the same reference
    assert run(runner, site_dir, "list", "--open").output.split()[:3] == [
        FIBRE, reference, "investigating"]
    out = tmp_path / "out"
    run(runner, site_dir, "build", "--out", str(out))
    unresolved = _json(out / "api" / "v2" / "incidents" / "unresolved.json")["incidents"]
    assert [(i["id"], i["status"], i["resolved_at"]) for i in unresolved] == [
        (FIBRE, "investigating", None)]
    assert [u["status"] for u in unresolved[0]["incident_updates"]][:2] == [
        "investigating", "resolved"]
    page = (out / "incidents" / FIBRE / "index.html").read_text(encoding="utf-8")
    assert "La coupure reprend." in page and "Le câble est réparé." in page  # both kept
    assert f"/incidents/{FIBRE}/" in (out / "r" / reference / "index.html").read_text(
        encoding="utf-8")
    assert "La coupure reprend." in (out / "index.html").read_text(encoding="utf-8")
    feed = (out / "incidents" / FIBRE / "updates.atom").read_text(encoding="utf-8")
    assert "La coupure reprend." in feed
    summary = _json(out / "api" / "v2" / "summary.json")
    assert {c["id"]: c["status"] for c in summary["components"]}["fibre"] == "partial_outage"


def test_reopen_is_posted_to_webhooks_with_the_services_back(runner, site_dir, monkeypatch,
                                                              receiver):
    from statuspage.ops.backoff import Backoff
    from statuspage.ops.outbox import Outbox, path_for
    from statuspage.ops.webhooks import Webhooks

    hooks = Webhooks((receiver.url,), Outbox(path_for(site_dir / "build")),
                     backoff=Backoff(sleep=lambda _: None))
    try:
        run(runner, site_dir, "resolve", FIBRE, "-m", "Réparé.")
        hooks.notify(load_site(site_dir), NOW + timedelta(minutes=1))
        hooks.wait(timeout=10)
        receiver.requests.clear()
        _at(monkeypatch, 5)
        run(runner, site_dir, "reopen", FIBRE, "--status", "identified", "-m", "Encore coupé.")
        hooks.notify(load_site(site_dir), NOW + timedelta(minutes=6))
        hooks.wait(timeout=10)
    finally:
        hooks.close(timeout=5)
    bodies = receiver.bodies()
    update = next(b for b in bodies if "incident" in b)
    assert update["incident"]["status"] == "identified"
    assert update["incident"]["incident_updates"][0]["body"] == "Encore coupé."
    component = next(b for b in bodies if "component_update" in b)
    assert (component["component_update"]["old_status"],
            component["component_update"]["new_status"]) == ("operational", "partial_outage")


def test_a_maintenance_can_be_reopened(runner, site_dir, monkeypatch, tmp_path):
    result = run(runner, site_dir, "maintenance", "Travaux fibre", "-c", "fibre",
                 "--start", "2026-11-26 11:00", "--end", "14:00", "-m", "Coupures brèves.")
    maintenance_id = result.output.split()[0]
    run(runner, site_dir, "resolve", maintenance_id, "-m", "Terminé.")
    _at(monkeypatch, 5)
    result = run(runner, site_dir, "reopen", maintenance_id, "-m", "Une étape reste à faire.")
    assert f"{maintenance_id}: reopened, in_progress" in result.output
    out = tmp_path / "out"
    run(runner, site_dir, "build", "--out", str(out))
    active = _json(out / "api" / "v2" / "scheduled-maintenances" / "active.json")
    assert [(m["id"], m["status"]) for m in active["scheduled_maintenances"]] == [
        (maintenance_id, "in_progress")]


def test_reopen_refuses_an_open_incident_and_update_refuses_to_reopen(runner, site_dir):
    result = run(runner, site_dir, "reopen", FIBRE, "-m", "x", ok=False)
    assert result.exit_code == 1
    assert f"{FIBRE} is not closed (incident identified): nothing to reopen" in result.output
    result = run(runner, site_dir, "update", TRANSLATED, "--status", "monitoring", "-m", "x",
                 ok=False)
    assert f"use 'statuspage reopen {TRANSLATED}'" in result.output


def test_a_reopened_incident_resolved_again_ends_at_its_last_resolution(runner, site_dir,
                                                                          monkeypatch):
    from statuspage.state.status import Snapshot
    from statuspage.state.view import transitions

    run(runner, site_dir, "resolve", FIBRE, "-m", "Réparé.")
    _at(monkeypatch, 30)
    run(runner, site_dir, "reopen", FIBRE, "-m", "Encore.")
    _at(monkeypatch, 90)
    run(runner, site_dir, "resolve", FIBRE, "-m", "Réparé pour de bon.")
    site = load_site(site_dir)
    later = NOW + timedelta(hours=3)
    view = Snapshot(site, later).view(FIBRE)
    assert view.ended == NOW + timedelta(minutes=90) and not view.is_open
    incident = site.incident(FIBRE)
    assert transitions(incident, later) == [incident.started, NOW, NOW + timedelta(minutes=30),
                                            NOW + timedelta(minutes=90)]


# -- 4. undo ------------------------------------------------------------------------------

def test_undo_takes_back_an_update_and_the_front_matter_it_changed(runner, site_dir,
                                                                    monkeypatch):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-c", "adsl:major_outage",
        "--impact", "critical", "--next-update", "14:00", "-m", "Publié par erreur.")
    _at(monkeypatch, 14)
    result = run(runner, site_dir, "undo", refs.ref_of(FIBRE))
    assert f"{FIBRE}: took back the monitoring update of 2026-11-26 12:00" in result.stdout
    assert "cannot be recalled" in result.stderr and "correcting update" in result.stderr
    assert path.read_bytes() == before
    incident = load_site(site_dir).incident(FIBRE)
    assert str(incident.impact) == "major" and list(incident.components) == ["fibre"]
    assert incident.next_update.hour == 18
    # the journal beside the content, which git ignores (as every .statuspage-* name)
    assert (site_dir / ".statuspage-journal.json").is_file()
    assert ".statuspage-*" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    result = run(runner, site_dir, "undo", FIBRE, ok=False)  # once
    assert result.exit_code == 1 and f"nothing to undo for {FIBRE}" in result.output


def test_undo_of_a_resolution_restores_every_language_and_reopens_nothing_else(
        runner, site_dir, monkeypatch):
    incidents = site_dir / "incidents"
    before = {p.name: p.read_bytes() for p in incidents.iterdir()}
    run(runner, site_dir, "resolve", FIBRE)  # the sentence in French and English
    assert (incidents / f"{FIBRE}.en.md").exists()
    run(runner, site_dir, "undo", FIBRE)
    assert {p.name: p.read_bytes() for p in incidents.iterdir()} == before


def test_undo_after_15_minutes_is_refused_and_says_why(runner, site_dir, monkeypatch):
    run(runner, site_dir, "update", FIBRE, "-m", "Déjà lu par les clients.")
    path = site_dir / "incidents" / f"{FIBRE}.md"
    after = path.read_bytes()
    _at(monkeypatch, 15)
    result = run(runner, site_dir, "undo", FIBRE, ok=False)
    assert result.exit_code == 1
    assert "the identified update of 2026-11-26 12:00 was written 15 minutes ago: undo " \
        "works for 15 minutes" in result.output
    assert "correcting update" in result.output
    assert path.read_bytes() == after


def test_undo_never_overwrites_a_later_edit(runner, site_dir, monkeypatch):
    run(runner, site_dir, "update", FIBRE, "-m", "Première.")
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Première.", "Corrigée."),
                    encoding="utf-8")
    edited = path.read_bytes()
    result = run(runner, site_dir, "undo", FIBRE, ok=False)
    assert f"incidents/{FIBRE}.md changed after the identified update" in result.output
    assert path.read_bytes() == edited


def test_undo_takes_back_updates_one_at_a_time_newest_first(runner, site_dir, monkeypatch):
    run(runner, site_dir, "update", FIBRE, "-m", "Un.")
    _at(monkeypatch, 1)
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-m", "Deux.")
    _at(monkeypatch, 2)
    assert "monitoring update of 2026-11-26 12:01" in run(runner, site_dir, "undo", FIBRE).output
    assert "identified update of 2026-11-26 12:00" in run(runner, site_dir, "undo", FIBRE).output
    assert [u.status.value for u in load_site(site_dir).incident(FIBRE).updates] == [
        "identified", "investigating"]


def test_undo_of_a_new_incident_removes_its_file(runner, site_dir):
    result = run(runner, site_dir, "new", "Erreur de saisie", "-c", "adsl", "-m", "Oups.")
    incident_id = result.output.split()[0]
    result = run(runner, site_dir, "undo", incident_id)
    assert f"incidents/{incident_id}.md removed" in result.output
    assert not (site_dir / "incidents" / f"{incident_id}.md").exists()


# -- 5. say what was understood -----------------------------------------------------------

def test_a_clock_time_already_past_is_said_to_be_tomorrow(runner, site_dir):
    result = run(runner, site_dir, "update", FIBRE, "-m", "On avance.", "--next-update",
                 "11:57")  # three minutes ago
    assert result.stdout.splitlines() == [
        f"{FIBRE}: identified", "  title: Coupure fibre à Lyon", "  status: identified",
        "  next update: 2026-11-27 11:57 Europe/Paris (tomorrow)"]


def test_a_delay_is_written_to_the_minute(runner, site_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW + timedelta(seconds=57))
    result = run(runner, site_dir, "update", FIBRE, "-m", "x", "--next-update", "+3m")
    assert "  next update: 2026-11-26 12:04 Europe/Paris" in result.stdout.splitlines()
    text = (site_dir / "incidents" / f"{FIBRE}.md").read_text(encoding="utf-8")
    assert "next_update: 2026-11-26 12:04\n" in text  # not 12:03:57


def test_new_and_maintenance_say_title_services_and_times(runner, site_dir):
    result = run(runner, site_dir, "new", "Appels coupés", "-c", "adsl:major_outage",
                 "-c", "billing", "--started", "13:00", "--next-update", "+1h", "-m", "x")
    assert result.stdout.splitlines()[3:] == [
        "  title: Appels coupés", "  status: investigating",
        "  services: adsl major_outage, billing degraded_performance",
        "  started: 2026-11-25 13:00 Europe/Paris (yesterday)",
        "  next update: 2026-11-26 13:00 Europe/Paris"]
    result = run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start",
                 "02:00", "--end", "04:00", "-m", "La nuit.")
    assert result.stdout.splitlines()[3:] == [
        "  title: Travaux", "  status: scheduled", "  services: fibre under_maintenance",
        "  start: 2026-11-27 02:00 Europe/Paris (tomorrow)",
        "  end: 2026-11-27 04:00 Europe/Paris (tomorrow)"]
    result = run(runner, site_dir, "maintenance", "Nuit", "-c", "fibre", "--start",
                 "2026-11-28 23:00", "--end", "01:00", "-m", "La nuit.")
    assert "  end: 2026-11-29 01:00 Europe/Paris (the day after its start)" in \
        result.stdout.splitlines()


@pytest.mark.parametrize("breaks", ["\n", "\r\n", "\u2028", "\u2029", "\x85"])
def test_a_title_in_two_lines_is_refused_before_anything_is_written(runner, site_dir, breaks):
    """Every line break an incident file's title refuses, the command refuses first."""
    before = sorted((site_dir / "incidents").iterdir())
    result = run(runner, site_dir, "new", f"Coupure{breaks}fibre", "-c", "adsl", "-m", "x",
                 ok=False)
    assert result.exit_code == 1
    assert "a title is one line of text customers understand" in result.output
    assert sorted((site_dir / "incidents").iterdir()) == before


def test_resolve_says_the_promise_is_gone(runner, site_dir):
    result = run(runner, site_dir, "resolve", FIBRE, "-m", "Réparé.")
    assert result.stdout.splitlines()[1:] == ["  title: Coupure fibre à Lyon",
                                              "  status: resolved"]


@pytest.mark.parametrize("typed", ["2026-11-26", "2026-11-26-f", "2026-11-2"])
def test_a_script_must_type_the_date_and_a_word(runner, site_dir, typed):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = run(runner, site_dir, "update", typed, "-m", "test", ok=False)
    assert result.exit_code == 1
    if typed != "2026-11-2":  # that one is the start of two incidents
        assert f"{typed!r} is only the start of {FIBRE} (reference {refs.ref_of(FIBRE)}): " \
            "in a script, give its reference, its id, or at least '2026-11-26-fibre'" \
            in result.output
    assert path.read_bytes() == before


def test_the_start_of_an_id_is_shown_with_its_title(runner, site_dir):
    result = run(runner, site_dir, "update", "2026-11-26-fibre", "-m", "x")
    assert result.stdout.splitlines()[1:3] == [
        f"  incident: {FIBRE} (from '2026-11-26-fibre')", "  title: Coupure fibre à Lyon"]


def test_at_a_terminal_a_short_start_is_taken_and_shown(site_dir):
    """A person at a terminal sees what was understood: a real pseudo-terminal as
    standard input, the real clock."""
    import os
    import pty
    import subprocess
    import sys

    main_end, terminal = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "statuspage", "--site", str(site_dir),
                               "update", "2026-11-26", "-m", "Toujours en cours."],
                              stdin=terminal, capture_output=True, text=True, timeout=60)
    finally:
        os.close(terminal)
        os.close(main_end)
    assert done.returncode == 0, done.stderr
    assert f"  incident: {FIBRE} (from '2026-11-26')" in done.stdout.splitlines()
    assert "  title: Coupure fibre à Lyon" in done.stdout.splitlines()


# -- 6. templates -------------------------------------------------------------------------

def _example_templates(site_dir: Path) -> None:
    """The shipped example's templates, on the test site (the same components)."""
    shutil.copytree(REPO / "content" / "templates", site_dir / "content" / "templates")


def test_new_from_a_template_takes_its_defaults_in_every_language(runner, site_dir):
    _example_templates(site_dir)
    result = run(runner, site_dir, "new", "--template", "billing-error",
                 "Double prélèvement de décembre", "--title", "en", "December double charge")
    incident_id = result.stdout.split()[0]
    assert result.stdout.splitlines()[3:] == [
        "  title: Double prélèvement de décembre", "  status: investigating",
        "  services: billing partial_outage", "  next update: 2026-11-26 14:00 Europe/Paris"]
    assert "reminder" not in result.stderr  # every text is there in English too
    incident = load_site(site_dir).incident(incident_id)
    assert str(incident.impact) == "major"
    assert incident.title.get_in("en", "fr").value == "December double charge"
    assert incident.who_is_affected.get_in("en", "fr").value == \
        "Customers who pay their bill by direct debit."
    assert incident.updates[0].body.get_in("fr", "fr").value.startswith(
        "Une erreur de facturation")
    assert incident.updates[0].body.get_in("en", "fr").value.startswith("A billing error")
    assert incident_id not in run(runner, site_dir, "check").stderr  # nothing untranslated


def test_the_options_win_over_the_template(runner, site_dir):
    _example_templates(site_dir)
    result = run(runner, site_dir, "new", "--template", "network-outage", "Coupure à Bron",
                 "-c", "fibre:major_outage", "--impact", "critical", "--who", "Bron",
                 "-m", "Coupure à Bron.", "--next-update", "+30m")
    incident = load_site(site_dir).incident(result.stdout.split()[0])
    assert dict(incident.components) == {"fibre": "major_outage"}
    assert str(incident.impact) == "critical"
    assert incident.who_is_affected.get_in("fr", "fr").value == "Bron"
    # the template's English who and message no longer say the same: not written
    assert incident.who_is_affected.get_in("en", "fr").lang == "fr"
    assert incident.updates[0].body.get_in("en", "fr").value == "Coupure à Bron."
    assert "no English text for the title, who is affected and this update yet" in result.stderr
    assert incident.next_update == NOW + timedelta(minutes=30)


def test_a_broken_template_is_a_located_error_and_nothing_is_written(runner, site_dir):
    folder = site_dir / "content" / "templates"
    folder.mkdir(parents=True)
    (folder / "bad.md").write_text("---\nimpact: huge\ncomponents: [fiber]\n---\nx\n\n## de\n"
                                   "y\n", encoding="utf-8")
    before = sorted(p.name for p in (site_dir / "incidents").iterdir())
    result = run(runner, site_dir, "new", "--template", "bad", "X", ok=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "content/templates/bad.md:2: impact: unknown impact 'huge' (known: none, minor, major, "
        "critical)",
        "content/templates/bad.md:3: components: unknown component 'fiber' (known: adsl, "
        "billing, fibre)",
        "content/templates/bad.md:7: '## de': a section of the template gives the first "
        "message in another language of the site, under '## <lang>' (one of en)"]
    result = run(runner, site_dir, "new", "--template", "nope", "X", ok=False)
    assert "no template 'nope' in content/templates/ (there: bad)" in result.output
    assert sorted(p.name for p in (site_dir / "incidents").iterdir()) == before


def test_init_ships_two_templates_that_work(runner, tmp_path):
    target = tmp_path / "new-site"
    runner.invoke(cli.main, ["init", str(target)], catch_exceptions=False)
    assert sorted(p.name for p in (target / "content" / "templates").iterdir()) == [
        "billing-error.md", "network-outage.md"]
    for name in ("billing-error", "network-outage"):
        run(runner, target, "new", "--template", name, f"From {name}")
    assert run(runner, target, "check", "--strict").exit_code == 0


# -- 7. every language from the command line ----------------------------------------------

def test_update_with_text_title_who_and_what_to_do_in_every_language(runner, site_dir):
    result = run(runner, site_dir, "update", FIBRE, "-m", "Le câble est réparé.",
                 "--text", "en", "The cable is repaired.", "--title", "en", "Fibre cut in Lyon",
                 "--title", "fr", "Coupure fibre à Lyon 3e", "--who", "Lyon 3e et 7e",
                 "--what-to-do", "Redémarrez la box.")
    assert "reminder" not in result.stderr or "this update" not in result.stderr
    english = (site_dir / "incidents" / f"{FIBRE}.en.md").read_text(encoding="utf-8")
    assert english == ("---\ntitle: Fibre cut in Lyon\n---\n"
                       "## 2026-11-26 12:00 · identified\nThe cable is repaired.\n")
    incident = load_site(site_dir).incident(FIBRE)
    assert incident.title.get_in("fr", "fr").value == "Coupure fibre à Lyon 3e"
    assert incident.title.get_in("en", "fr").value == "Fibre cut in Lyon"
    assert incident.who_is_affected.get_in("fr", "fr").value == "Lyon 3e et 7e"
    assert incident.what_to_do.get_in("fr", "fr").value == "Redémarrez la box."
    assert incident.updates[0].body.get_in("en", "fr").value == "The cable is repaired."
    # a mapping title keeps its other languages
    run(runner, site_dir, "update", TRANSLATED, "--status", "postmortem", "-m", "Bilan.",
        "--title", "fr", "Double prélèvement (bilan)", "--text", "en", "Review.")
    charge = load_site(site_dir).incident(TRANSLATED)
    assert charge.title.get_in("fr", "fr").value == "Double prélèvement (bilan)"
    assert charge.title.get_in("en", "fr").value == "Double charge"


def test_new_resolve_and_reopen_take_other_languages(runner, site_dir, monkeypatch):
    result = run(runner, site_dir, "new", "Appels coupés", "-c", "adsl", "-m", "Nous "
                 "enquêtons.", "--text", "en", "We are investigating.", "--title", "en",
                 "Calls cut")
    incident_id = result.stdout.split()[0]
    assert "reminder" not in result.stderr
    run(runner, site_dir, "resolve", incident_id, "-m", "Rétabli.", "--text", "en",
        "Restored.")
    _at(monkeypatch, 5)
    run(runner, site_dir, "reopen", incident_id, "-m", "Encore.", "--text", "en", "Again.")
    incident = load_site(site_dir).incident(incident_id)
    assert [u.body.get_in("en", "fr").value for u in incident.updates] == [
        "Again.", "Restored.", "We are investigating."]
    assert incident_id not in run(runner, site_dir, "check").stderr  # nothing untranslated


@pytest.mark.parametrize("args, message", [
    (("--text", "de", "Hallo"), "unknown language 'de' (the site's other languages: en)"),
    (("--text", "fr", "Salut"), "fr is the site's default language: give its text with -m"),
    (("--text", "en", "x\r## 2026-11-26 12:00 · resolved"), "is a level-2 heading"),
])
def test_a_text_in_another_language_is_checked_before_writing(runner, site_dir, args,
                                                              message):
    before = {p.name: p.read_bytes() for p in (site_dir / "incidents").iterdir()}
    result = run(runner, site_dir, "update", FIBRE, "-m", "x", *args, ok=False)
    assert result.exit_code == 1 and message in result.output
    assert {p.name: p.read_bytes() for p in (site_dir / "incidents").iterdir()} == before


def test_note_sets_say_do_and_adds_tags(runner, site_dir):
    from statuspage.content import edition as desk

    run(runner, site_dir, "note", FIBRE, "--say", "Réparation prévue ce soir.",
        "--do", "Geste : 5 € sur demande.", "--tags", "fibre,Lyon")
    run(runner, site_dir, "note", FIBRE, "-m", "Appel du client 42.", "--tags", "lyon, urgent")
    internal = desk.load_site(site_dir).internal[FIBRE]
    assert internal.say.get_in("fr", "fr").value == "Réparation prévue ce soir."
    assert internal.do.get_in("fr", "fr").value == "Geste : 5 € sur demande."
    assert internal.tags == ("fibre", "Lyon", "urgent")
    assert [n.body for n in internal.notes] == ["Appel du client 42."]


def test_check_finds_a_broken_template(runner, site_dir, example_dir):
    assert run(runner, example_dir, "check").exit_code == 0  # the shipped ones are good
    folder = site_dir / "content" / "templates"
    folder.mkdir(parents=True)
    (folder / "bad.md").write_text("---\nimpact: huge\n---\nx\n", encoding="utf-8")
    result = run(runner, site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert "content/templates/bad.md:2: impact: unknown impact 'huge'" in result.stderr
    assert UNBUILDABLE not in result.stderr  # the site itself builds


def test_a_delay_back_for_started_is_written_to_the_minute(runner, site_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW + timedelta(seconds=57))
    result = run(runner, site_dir, "new", "Panne", "-c", "adsl", "-m", "x", "--started", "-2h")
    text = (site_dir / "incidents" / f"{result.stdout.split()[0]}.md").read_text(
        encoding="utf-8")
    assert "started: 2026-11-26 10:00\n" in text  # not 10:00:57


def test_a_note_on_a_broken_incident_is_kept_and_the_break_is_said(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("impact: major",
                                                             "impact: huge"), encoding="utf-8")
    result = run(runner, site_dir, "note", FIBRE, "-m", "Le client rappelle.", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"incidents/{FIBRE}.md:3: impact: unknown impact 'huge'" in result.stderr
    assert UNBUILDABLE in result.stderr
    assert "Le client rappelle." in (site_dir / "incidents" / f"{FIBRE}.internal.md").read_text(
        encoding="utf-8")
