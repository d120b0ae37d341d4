"""The CLI's options for how ops staff work (issue 14): services changed with an update,
an incident noticed late, a maintenance's texts, transliterated ids, translation
reminders and warnings, and counts in the singular."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, PARIS, REPO, TRANSLATED

from statuspage import cli
from statuspage.content.loader import load_config, load_site
from statuspage.edit.drafts import format_incident, slugify
from statuspage.model import ComponentStatus, Impact, IncidentStatus


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str, ok: bool = True):
    result = runner.invoke(cli.main, ["--site", str(site_dir), *args], catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _translate_fibre(site_dir: Path) -> None:
    """Give the test site's untranslated texts in English: no warning is left."""
    (site_dir / "incidents" / f"{FIBRE}.en.md").write_text(
        "---\ntitle: Fibre cut in Lyon\nwho_is_affected: Fibre customers in Lyon 3.\n"
        "what_to_do: Use your mobile data.\n---\n"
        "## 2026-11-26 08:10 · identified\nA cable was cut by roadworks.\n\n"
        "## 2026-11-26 06:55 · investigating\nWe are investigating.\n", encoding="utf-8")
    english = site_dir / "incidents" / f"{TRANSLATED}.en.md"
    english.write_text(english.read_text(encoding="utf-8").replace(
        "## 2026-11-20 09:15", "## 2026-11-21 10:00 · identified\nSent twice.\n\n"
        "## 2026-11-20 09:15"), encoding="utf-8")


# -- update -c / --impact -----------------------------------------------------------------

def test_update_changes_services_and_impact_and_keeps_the_status(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    result = run(runner, site_dir, "update", FIBRE, "-c", "fibre:major_outage", "-c", "adsl",
                 "--impact", "critical", "-m", "La panne s'étend à l'ADSL.")
    assert result.stdout.splitlines() == [
        f"{FIBRE}: identified", "  title: Coupure fibre à Lyon", "  status: identified",
        "  services: fibre major_outage, adsl major_outage",
        "  next update: 2026-11-26 18:00 Europe/Paris"]
    text = path.read_text(encoding="utf-8")
    # The front matter is rewritten in place; the other lines are as they were.
    assert text.startswith("---\ntitle: Coupure fibre à Lyon\nimpact: critical\ncomponents:\n"
                           "  fibre: major_outage\n  adsl: major_outage\n"
                           "started: 2026-11-26 06:40\nnext_update: 2026-11-26 18:00\n")
    incident = load_site(site_dir).incident(FIBRE)
    assert incident.impact == Impact.CRITICAL
    # adsl was not named: added, with the new impact's status.
    assert incident.components == {"fibre": ComponentStatus.MAJOR_OUTAGE,
                                   "adsl": ComponentStatus.MAJOR_OUTAGE}
    # Without --status the current one (identified) is kept, in a new update.
    assert [u.status for u in incident.updates] == [
        IncidentStatus.IDENTIFIED, IncidentStatus.IDENTIFIED, IncidentStatus.INVESTIGATING]
    assert incident.updates[0].body.get_in("fr", "fr").value == "La panne s'étend à l'ADSL."
    assert format_incident(incident, load_config(site_dir)) == text


def test_update_with_one_service_keeps_the_others_and_the_file_style(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_bytes(path.read_text(encoding="utf-8").replace(
        "components:\n  fibre: partial_outage\n", "components: [fibre, billing]  # both\n")
        .replace("\n", "\r\n").encode("utf-8"))
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-c", "billing:operational",
        "-m", "La facturation est rétablie.")
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    # fibre's status came from the impact (major): it is written out, the same.
    assert b"components:\r\n  fibre: partial_outage\r\n  billing: operational\r\nstarted:" in data
    incident = load_site(site_dir).incident(FIBRE)
    assert incident.components == {"fibre": ComponentStatus.PARTIAL_OUTAGE,
                                   "billing": ComponentStatus.OPERATIONAL}
    assert incident.updates[0].status == IncidentStatus.MONITORING


@pytest.mark.parametrize(("args", "code", "message"), [
    (("-c", "fiber:major_outage"), 1, "unknown component 'fiber' (known: adsl, billing, fibre)"),
    (("-c", "fibre:down"), 2, "unknown status 'down' for 'fibre'"),
    (("--impact", "huge"), 2, "'huge' is not one of"),
])
def test_update_refuses_an_unknown_service_or_status_and_leaves_the_file(runner, site_dir, args,
                                                                         code, message):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = run(runner, site_dir, "update", FIBRE, *args, "-m", "x", ok=False)
    assert result.exit_code == code
    assert message in " ".join(result.output.split())
    assert path.read_bytes() == before


def test_update_of_a_maintenance_changes_services_but_has_no_impact(runner, site_dir):
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", "13:00",
        "--end", "15:00", "-m", "Prévu.", "--id", "travaux")
    run(runner, site_dir, "update", "travaux", "-c", "adsl", "-m", "L'ADSL aussi.")
    incident = load_site(site_dir).incident("travaux")
    assert incident.components == {"fibre": ComponentStatus.UNDER_MAINTENANCE,
                                   "adsl": ComponentStatus.UNDER_MAINTENANCE}
    assert str(incident.updates[0].status) == "scheduled"
    refused = run(runner, site_dir, "update", "travaux", "--impact", "major", "-m", "x", ok=False)
    assert refused.exit_code == 1 and "a maintenance, which has no impact" in refused.output


# -- new --started ------------------------------------------------------------------------

@pytest.mark.parametrize(("started", "expected"), [
    ("06:40", datetime(2026, 11, 26, 6, 40, tzinfo=PARIS)),  # earlier today
    ("23:15", datetime(2026, 11, 25, 23, 15, tzinfo=PARIS)),  # not yet today: yesterday
    ("-2h", datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)),
    ("2026-11-25 22:00", datetime(2026, 11, 25, 22, 0, tzinfo=PARIS)),
])
def test_new_started_dates_the_incident_and_the_first_update_stays_now(runner, site_dir,
                                                                      started, expected):
    result = run(runner, site_dir, "new", "Panne TV", "-c", "adsl", "-m", "Nous enquêtons.",
                 "--started", started)
    incident_id = result.stdout.split()[0]
    assert incident_id == f"{expected:%Y-%m-%d}-panne-tv"  # the start's date
    incident = load_site(site_dir).incident(incident_id)
    assert incident.started == expected
    assert [u.time for u in incident.updates] == [NOW]
    text = (site_dir / "incidents" / f"{incident_id}.md").read_text(encoding="utf-8")
    assert f"started: {expected:%Y-%m-%d %H:%M}\n" in text
    assert format_incident(incident, load_config(site_dir)) == text


@pytest.mark.parametrize("started", ["+1h", "2026-11-26 12:30", "2026-11-27 09:00"])
def test_new_refuses_a_future_start(runner, site_dir, started):
    before = sorted((site_dir / "incidents").iterdir())
    result = run(runner, site_dir, "new", "Panne TV", "-c", "adsl", "-m", "x",
                 "--started", started, ok=False)
    assert result.exit_code == 2
    assert "is in the future" in result.output and "--started" in result.output
    assert sorted((site_dir / "incidents").iterdir()) == before


# -- maintenance --who / --what-to-do -----------------------------------------------------

def test_maintenance_who_and_what_to_do(runner, site_dir):
    run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start", "2026-11-27 02:00",
        "--end", "2026-11-27 04:00", "-m", "Prévu.", "--id", "travaux",
        "--who", "Clients fibre de Lyon.", "--what-to-do", "Rien à faire.")
    incident = load_site(site_dir).incident("travaux")
    assert incident.who_is_affected.get_in("fr", "fr").value == "Clients fibre de Lyon."
    assert incident.what_to_do.get_in("fr", "fr").value == "Rien à faire."
    text = (site_dir / "incidents" / "travaux.md").read_text(encoding="utf-8")
    assert "who_is_affected: Clients fibre de Lyon.\nwhat_to_do: Rien à faire.\n" in text
    assert format_incident(incident, load_config(site_dir)) == text


# -- transliterated ids -------------------------------------------------------------------

@pytest.mark.parametrize(("title", "slug"), [
    ("cœur", "coeur"),
    ("Straße", "strasse"),
    ("Œuvre", "oeuvre"),
    ("Appels impossibles vers l'étranger", "appels-impossibles-vers-l-etranger"),
    ("Сбой сети", "sboi-seti"),
    ("⚡ !!", "incident"),
])
def test_slugify_transliterates(title, slug):
    assert slugify(title) == slug


def test_slugify_keeps_the_limit_without_a_trailing_dash():
    slug = slugify("Panne " * 20)
    assert len(slug) <= 60 and not slug.endswith("-") and slug.startswith("panne-panne")


def test_new_ids_are_transliterated(runner, site_dir):
    ids = [run(runner, site_dir, "new", title, "-c", "adsl", "-m", "x").stdout.split()[0]
           for title in ("Cœur de réseau", "Straße gesperrt", "Œuvre")]
    assert ids == ["2026-11-26-coeur-de-reseau", "2026-11-26-strasse-gesperrt",
                   "2026-11-26-oeuvre"]
    assert {i.id for i in load_site(site_dir).incidents} >= set(ids)


# -- translations -------------------------------------------------------------------------

def test_new_update_and_maintenance_remind_which_translation_lacks_the_text(runner, site_dir):
    new = run(runner, site_dir, "new", "Panne TV", "-c", "adsl", "-m", "Nous enquêtons.",
              "--who", "Tous.")
    assert new.stderr == (
        "incidents/2026-11-26-panne-tv.en.md: no English text for the title, who is affected "
        "and this update yet (under the heading '## 2026-11-26 12:00 · investigating') "
        "(reminder)\n")
    update = run(runner, site_dir, "update", TRANSLATED, "--status", "postmortem",
                 "-m", "Analyse publiée.")
    assert update.stderr == (
        f"incidents/{TRANSLATED}.en.md: no English text for this update yet (under the "
        "heading '## 2026-11-26 12:00 · postmortem') (reminder)\n")
    maintenance = run(runner, site_dir, "maintenance", "Travaux", "-c", "fibre", "--start",
                      "13:00", "--end", "15:00", "-m", "Prévu.", "--id", "travaux")
    assert maintenance.stderr.startswith(
        "incidents/travaux.en.md: no English text for the title and this update yet")
    # resolve's standard sentence is written in every language: nothing to remind.
    assert run(runner, site_dir, "resolve", "travaux").stderr == ""


def test_no_reminder_on_a_site_with_one_language(runner, site_dir):
    (site_dir / "content" / "site.yaml").write_text(
        "name: Statut\nurl: https://status.test.example\ntimezone: Europe/Paris\n"
        "languages: [fr]\ncomponents:\n  - {id: fibre, name: Fibre}\n"
        "  - {id: adsl, name: ADSL}\n  - {id: billing, name: Facturation}\n", encoding="utf-8")
    for translation in (site_dir / "incidents").glob(f"{TRANSLATED}*"):
        translation.unlink()
    result = run(runner, site_dir, "new", "Panne TV", "-c", "adsl", "-m", "x")
    assert result.stderr == ""
    assert "no English" not in run(runner, site_dir, "check", "--strict").output


def test_check_strict_fails_on_untranslated_text_at_its_line(runner, site_dir):
    _translate_fibre(site_dir)
    assert run(runner, site_dir, "check", "--strict").stderr == ""
    run(runner, site_dir, "update", FIBRE, "--status", "monitoring", "-m", "On surveille.")
    check = run(runner, site_dir, "check")
    assert check.stderr == (
        f"incidents/{FIBRE}.md:11: no English text for this update (add it to "
        f"incidents/{FIBRE}.en.md, under the same heading) (warning)\n")
    strict = run(runner, site_dir, "check", "--strict", ok=False)
    assert strict.exit_code == 1
    assert f"incidents/{FIBRE}.md:11: no English text for this update" in strict.output
    assert "1 warning, and --strict is on" in strict.output
    # The reminder's heading, translated: the warning goes.
    english = site_dir / "incidents" / f"{FIBRE}.en.md"
    english.write_text(english.read_text(encoding="utf-8").replace(
        "---\n## ", "---\n## 2026-11-26 12:00 · monitoring\nMonitoring.\n\n## ", 1),
        encoding="utf-8")
    assert run(runner, site_dir, "check", "--strict").stderr == ""


def test_check_warns_about_every_untranslated_title_and_text(runner, site_dir):
    lines = run(runner, site_dir, "check").stderr.splitlines()
    assert lines == [
        f"incidents/{TRANSLATED}.md:15: no English text for this update (add it to "
        f"incidents/{TRANSLATED}.en.md, under the same heading) (warning)",
        f"incidents/{FIBRE}.md:2: no English text for the title (add it to "
        f"incidents/{FIBRE}.en.md) (warning)",
        f"incidents/{FIBRE}.md:8: no English text for who is affected (add it to "
        f"incidents/{FIBRE}.en.md) (warning)",
        f"incidents/{FIBRE}.md:9: no English text for what to do (add it to "
        f"incidents/{FIBRE}.en.md) (warning)",
        f"incidents/{FIBRE}.md:11: no English text for this update (add it to "
        f"incidents/{FIBRE}.en.md, under the same heading) (warning)",
        f"incidents/{FIBRE}.md:14: no English text for this update (add it to "
        f"incidents/{FIBRE}.en.md, under the same heading) (warning)",
    ]


def test_check_counts_in_one_line_the_untranslated_texts_of_old_incidents(runner, site_dir):
    """A site that adds a language keeps years of history in one: 504,632 warnings on an
    independent 100,000-incident site hid the overdue promises. Those of incidents open,
    to come or changed within 30 days are listed; the others counted, listed on demand."""
    old = site_dir / "incidents" / "2026-09-01-panne-ancienne.md"
    old.write_text("---\ntitle: Panne ancienne\nimpact: minor\ncomponents: [adsl]\n"
                   "started: 2026-09-01 08:00\n---\n## 2026-09-01 10:00 · resolved\nRéglé.\n\n"
                   "## 2026-09-01 08:10 · investigating\nNous regardons.\n", "utf-8")
    lines = run(runner, site_dir, "check").stderr.splitlines()
    assert not any("panne-ancienne" in line for line in lines)
    assert lines[-1] == ("1 incident over 30 days old with texts not yet translated: "
                         "check --all-translations lists them (warning)")
    assert len(lines) == 7  # the six of the two recent incidents (above), and the count
    every = run(runner, site_dir, "check", "--all-translations").stderr.splitlines()
    assert [line for line in every if "panne-ancienne" in line] == [
        "incidents/2026-09-01-panne-ancienne.md:2: no English text for the title (add it to "
        "incidents/2026-09-01-panne-ancienne.en.md) (warning)",
        "incidents/2026-09-01-panne-ancienne.md:7: no English text for this update (add it "
        "to incidents/2026-09-01-panne-ancienne.en.md, under the same heading) (warning)",
        "incidents/2026-09-01-panne-ancienne.md:10: no English text for this update (add it "
        "to incidents/2026-09-01-panne-ancienne.en.md, under the same heading) (warning)"]
    assert len(every) == 9
    assert run(runner, site_dir, "check", "--strict", ok=False).exit_code == 1
    old.write_text(old.read_text("utf-8").replace("## 2026-09-01 10:00 · resolved\nRéglé.\n\n",
                                                  ""), "utf-8")  # still open: it matters
    lines = run(runner, site_dir, "check").stderr.splitlines()
    assert sum("panne-ancienne.md:" in line and "no English" in line for line in lines) == 2
    assert not any("not yet translated: check" in line for line in lines)


def test_the_shipped_example_is_translated(runner, tmp_path):
    example = tmp_path / "example"
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, example / part)
    assert "no English" not in run(runner, example, "check").stderr


# -- counts -------------------------------------------------------------------------------

def test_counts_are_singular_for_one(runner, site_dir, tmp_path):
    (site_dir / "incidents" / f"{FIBRE}.md").unlink()
    for path in (site_dir / "incidents").glob(f"{TRANSLATED}*"):
        path.write_text(path.read_text(encoding="utf-8").replace(
            "## 2026-11-21 10:00 · identified\nLe lot du 19 novembre a été envoyé deux fois.\n\n",
            ""), encoding="utf-8")
    site_file = site_dir / "content" / "site.yaml"
    text = site_file.read_text(encoding="utf-8")
    site_file.write_text(text[:text.index("  - id: adsl")], encoding="utf-8")
    path = site_dir / "incidents" / f"{TRANSLATED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("billing: partial_outage",
                                                             "fibre: partial_outage"),
                    encoding="utf-8")
    assert run(runner, site_dir, "check").stdout == "ok: 1 incident, 1 component\n"
    (site_dir / "incidents" / "2026-11-25-html.md").write_text(
        "---\ntitle: {fr: x, en: x}\nimpact: minor\ncomponents: [fibre]\n"
        "started: 2026-11-25 10:00\n---\n<b onclick=\"x()\">Bonjour</b>\n", encoding="utf-8")
    (site_dir / "incidents" / "2026-11-25-html.en.md").write_text("---\n---\nHello\n",
                                                                  encoding="utf-8")
    assert run(runner, site_dir, "check").stdout == "ok: 2 incidents, 1 component\n"
    strict = run(runner, site_dir, "check", "--strict", ok=False)
    assert "Error: 1 warning, and --strict is on" in strict.output
    (site_dir / "incidents" / "2026-11-25-bad.md").write_text("no front matter\n",
                                                             encoding="utf-8")
    assert run(runner, site_dir, "check", ok=False).output.splitlines()[-2] == "1 error."


def test_build_says_page_for_one(runner, site_dir, tmp_path, monkeypatch):
    from statuspage.freeze import build

    monkeypatch.setattr(cli, "_now", lambda: NOW)
    real = build.build

    def one_page(*args, **kwargs):
        result = real(*args, **kwargs)
        return type(result)(**{**result.__dict__, "pages": 1, "rendered": 1})

    monkeypatch.setattr(build, "build", one_page)
    result = run(runner, site_dir, "build", "--out", str(tmp_path / "out"))
    assert result.stdout.startswith("built 1 page into ")
    assert "(1 rendered, 0 kept)" in result.stdout
