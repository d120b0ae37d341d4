"""Loading and validation: one fixture file per error kind, each with its exact message."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import NOW, PARIS, TRANSLATED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.content.document import FrontMatterProblem, split_front_matter
from statuspage.content.incident import parse_incident
from statuspage.content.incident_fields import INCIDENT_FIELDS
from statuspage.content.loader import load_site
from statuspage.errors import ContentError, Problems, known
from statuspage.model import ComponentStatus, Impact, IncidentStatus, Localized
from statuspage.state.view import view_of

ERRORS = Path(__file__).parent / "content" / "errors"

# fixture file, name it takes in incidents/, the one expected message.
CASES = [
    ("unknown-key.md", None, "6: unknown key 'severity' (allowed: "
     f"{known(f.key for f in INCIDENT_FIELDS)})"),  # every row of the table
    ("unknown-component.md", None,
     "5: components: unknown component 'biling' (known: adsl, billing, fibre)"),
    ("unknown-component-status.md", None,
     "5: components: unknown status 'down' for 'fibre' (known: degraded_performance, "
     "major_outage, operational, partial_outage, under_maintenance)"),
    ("unknown-update-status.md", None, "7: unknown status 'fixed' (known: investigating, "
     "identified, monitoring, resolved, postmortem)"),
    ("unknown-impact.md", None,
     "3: impact: unknown impact 'huge' (known: none, minor, major, critical)"),
    ("bad-heading.md", None, "9: update heading '## Mise à jour du 20 novembre' is not an "
     "update: write it as '## YYYY-MM-DD HH:MM · status' or '## YYYY-MM-DD HH:MM - status' "
     "(use ### for a sub-heading inside an update)"),
    ("update-before-started.md", None, "7: update at 2026-11-20 08:15 is before started "
     "(2026-11-20 09:00): fix its time or move started earlier"),
    ("two-resolved.md", None, "7: a second resolved update (the first is on line 10) with no "
     "update reopening the incident between: keep one resolved update; use postmortem for "
     "the others"),
    ("maintenance-end-before-start.md", None,
     "3: maintenance: end is before start: swap them or fix the end"),
    ("Bad_Id.md", None, "1: incident id 'Bad_Id' (the file name) is not a slug: rename the "
     "file with lowercase letters, digits and '-', e.g. 2026-11-20-fibre-lyon.md"),
    ("orphan.en.md", "no-such-incident.en.md", "1: translation without its original: "
     "incidents/no-such-incident.md does not exist (rename this file to match an incident id)"),
    ("translation-changes-facts.en.md", f"{TRANSLATED}.en.md", "3: impact: a translation "
     f"never changes facts; remove it here and set it in incidents/{TRANSLATED}.md"),
    ("translation-unknown-update.en.md", f"{TRANSLATED}.en.md", "4: no update '2026-11-22 "
     f"10:00 · identified' in incidents/{TRANSLATED}.md: repeat the heading of the update you "
     "translate exactly"),
    ("translation-unknown-language.de.md", f"{TRANSLATED}.de.md", "1: unknown translation "
     "language 'de': name the file <id>.<lang>.md with one of en"),
    ("dst-gap.md", None, "5: started: 2026-03-29 02:30 does not exist in Europe/Paris (the "
     "clocks go forward): write it with an explicit offset, e.g. 2026-03-29 03:30+02:00"),
    ("dst-ambiguous.md", None, "7: 2026-10-25 02:30 occurs twice in Europe/Paris (the clocks "
     "go back): add an explicit offset, 2026-10-25 02:30+02:00 for the first or "
     "2026-10-25 02:30+01:00 for the second"),
    ("invalid-yaml.md", None, "5: invalid YAML: did not find expected ',' or ']' (check the "
     "indentation, and quote values that contain ': ' or start with a special character)"),
    ("missing-front-matter.md", None, "1: missing front matter: start the file with a line "
     "'---', the fields, then '---'"),
    ("invalid-time.md", None, "5: started: invalid time '20/11/2026 9h': write "
     "YYYY-MM-DD HH:MM, optionally followed by an offset such as +01:00"),
]


def _install(site_dir: Path, fixture: str, name: str | None) -> str:
    target = name or fixture
    shutil.copy(ERRORS / fixture, site_dir / "incidents" / target)
    return f"incidents/{target}"


@pytest.mark.parametrize(("fixture", "name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_error_has_its_message(site_dir, fixture, name, expected):
    label = _install(site_dir, fixture, name)
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [f"{label}:{expected}"]


def test_missing_fields_are_all_reported(site_dir):
    label = _install(site_dir, "missing-fields.md", None)
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        f"{label}:2: components: missing; list the affected components, e.g. "
        "components: [adsl]",
        f"{label}:2: impact: missing; one of none, minor, major, critical",
        f"{label}:2: started: missing; when were customers first affected? e.g. "
        "started: 2026-11-20 09:00",
    ]


def test_every_error_of_every_file_is_reported_at_once(site_dir):
    for fixture in ("unknown-component.md", "unknown-impact.md", "dst-gap.md"):
        _install(site_dir, fixture, None)
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["incidents/dst-gap.md", "incidents/unknown-component.md",
                     "incidents/unknown-impact.md"]
    assert str(caught.value).endswith("3 errors.")


def test_hostile_html_is_a_warning_naming_what_is_removed(site_dir):
    _install(site_dir, "hostile-html.md", None)
    site = load_site(site_dir)
    assert [str(w) for w in site.warnings] == [
        "incidents/hostile-html.md:8: the <script> tag is removed from the published page: "
        "write plain markdown instead",
        "incidents/hostile-html.md:8: the javascript: link is removed from the published page: "
        "write plain markdown instead",
    ]


def test_site_yaml_errors_name_the_line(site_dir):
    config = site_dir / "content" / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("group: internet", "group: internt")
                      .replace("timezone: Europe/Paris", "timezone: Europe/Lyon"),
                      encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "content/site.yaml:3: timezone: unknown zone 'Europe/Lyon' (use an IANA name such as "
        "Europe/Paris)",
        "content/site.yaml:13: components: unknown group 'internt' for 'fibre' "
        "(known groups: internet)",
        "content/site.yaml:17: components: unknown group 'internt' for 'adsl' "
        "(known groups: internet)",
    ]


def test_loads_the_model(site):
    fibre = site.incident("2026-11-26-fibre-lyon")
    assert fibre.impact is Impact.MAJOR
    assert fibre.components == {"fibre": ComponentStatus.PARTIAL_OUTAGE}
    assert fibre.started == datetime(2026, 11, 26, 6, 40, tzinfo=PARIS)
    assert fibre.next_update == datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)
    assert [u.status for u in fibre.updates] == [IncidentStatus.IDENTIFIED,
                                                 IncidentStatus.INVESTIGATING]
    assert fibre.updates[0].body.get_in("fr", "fr").value == (
        "Un câble a été coupé par des travaux.")
    # Newest started first.
    assert [i.id for i in site.incidents] == ["2026-11-26-fibre-lyon", TRANSLATED]


def test_translation_overlays_text_and_falls_back(site):
    charge = site.incident(TRANSLATED)
    assert charge.title.get_in("en", "fr").value == "Double charge"
    assert charge.who_is_affected.get_in("en", "fr").value == "Customers charged on 20 November."
    bodies = {u.status.value: u.body.get_in("en", "fr") for u in charge.updates}
    assert bodies["resolved"].value == "Refunds have been issued."
    assert bodies["resolved"].lang == "en"
    # Not translated: the French original, marked as French.
    assert bodies["identified"].value == "Le lot du 19 novembre a été envoyé deux fois."
    assert bodies["identified"].lang == "fr"
    assert view_of(charge, NOW).ended == datetime(2026, 11, 24, 17, 30, tzinfo=PARIS)


def test_component_list_takes_status_from_impact(site_dir):
    (site_dir / "incidents" / "2026-11-25-adsl.md").write_text(
        "---\ntitle: ADSL\nimpact: critical\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n"
        "---\n", encoding="utf-8")
    site = load_site(site_dir)
    assert site.incident("2026-11-25-adsl").components == {"adsl": ComponentStatus.MAJOR_OUTAGE}


def test_explicit_offset_is_kept(site_dir):
    (site_dir / "incidents" / "2026-10-25-night.md").write_text(
        "---\ntitle: Nuit\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-10-25 02:30+01:00\n"
        "---\n", encoding="utf-8")
    started = load_site(site_dir).incident("2026-10-25-night").started
    assert started.isoformat() == "2026-10-25T02:30:00+01:00"


def test_headings_inside_code_fences_are_not_updates(site_dir):
    (site_dir / "incidents" / "2026-11-25-code.md").write_text(
        "---\ntitle: Code\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · investigating\n```\n## not a heading\n```\n", encoding="utf-8")
    incident = load_site(site_dir).incident("2026-11-25-code")
    assert len(incident.updates) == 1


def test_the_shipped_example_is_valid():
    from conftest import REPO

    site = load_site(REPO)
    assert site.warnings == ()
    assert len(site.incidents) >= 5
    translated = {p.name.split(".")[0] for p in (REPO / "incidents").glob("*.en.md")}
    assert len(translated) >= 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_a_model_or_a_content_error(text):
    from conftest import TESTS

    from statuspage.content.loader import load_config

    config = load_config(TESTS / "sites" / "basic")
    for candidate in (text, f"---\n{text}\n---\n", f"---\ntitle: x\n---\n## {text}\n"):
        problems = Problems("incidents/x.md")  # one per candidate: each must say why
        incident = parse_incident("x", "incidents/x.md", candidate, config, problems)
        assert incident is not None or problems.errors
        for problem in problems.errors:
            assert problem.path == "incidents/x.md" and problem.line >= 1


@given(st.text(alphabet="-\n abc:", max_size=60))
def test_front_matter_split_never_crashes(text):
    try:
        meta, meta_line, body, body_line = split_front_matter(text)
    except FrontMatterProblem as err:
        assert err.line == 1
    else:
        assert meta_line == 2 and body_line >= 3


def test_a_folder_named_like_an_incident_is_an_error(site_dir):
    (site_dir / "incidents" / "x.md").mkdir()
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "incidents/x.md:1: is a folder, not a content file: rename or remove it"]


def test_a_file_that_is_not_utf8_names_the_line(site_dir):
    (site_dir / "incidents" / "2026-11-25-latin1.md").write_bytes(
        b"---\ntitle: caf\xe9\n---\n")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "incidents/2026-11-25-latin1.md:2: not UTF-8 (byte 0xe9): save the file as UTF-8"]


def test_a_bom_and_crlf_line_endings_are_accepted(site_dir):
    path = site_dir / "incidents" / "2026-11-26-fibre-lyon.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    incident = load_site(site_dir).incident("2026-11-26-fibre-lyon")
    assert incident.updates[0].body.get_in("fr", "fr").value == (
        "Un câble a été coupé par des travaux.")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("url: https://test.example/aide", 'url: "javascript:alert(1)"',
     "content/site.yaml:7: support.url: 'javascript:alert(1)' is not an http(s) URL such as "
     "https://status.example.com"),
    ("languages: [fr, en]", "languages: [fr, en, xx]",
     "content/site.yaml:4: languages: 'xx' is not a language Babel knows (use a code such as "
     "fr or pt-BR)"),
])
def test_site_yaml_refuses_unsafe_urls_and_unknown_languages(site_dir, old, new, message):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [message]


def test_a_language_without_interface_catalog_is_a_warning(site_dir):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("[fr, en]", "[fr, en, de]"),
                      encoding="utf-8")
    assert [str(w) for w in load_site(site_dir).warnings] == [
        "content/site.yaml:4: languages: no interface translation for 'de' yet: its pages show "
        "the interface in English"]


def test_a_maintenance_is_announced_before_its_window(site_dir):
    (site_dir / "incidents" / "2026-12-03-works.md").write_text(
        "---\ntitle: Travaux\nimpact: minor\ncomponents: [adsl]\n"
        "maintenance: {start: 2026-12-03 01:00, end: 2026-12-03 05:00}\n---\n"
        "## 2026-11-25 10:00 · scheduled\nTravaux prévus.\n", encoding="utf-8")
    works = load_site(site_dir).incident("2026-12-03-works")
    assert works.started == datetime(2026, 12, 3, 1, 0, tzinfo=PARIS)
    assert works.updates[0].time < works.started


@pytest.mark.parametrize(("line", "message"), [
    ("feed_entries: 0", "feed_entries: expected a whole number from 1 to 1000, e.g. "
     "feed_entries: 50"),
    ("upcoming_days: soon", "upcoming_days: expected a whole number from 1 to 3650, e.g. "
     "upcoming_days: 30"),
    ("api_language: de", "api_language: 'de' is not one of the site's languages (fr, en)"),
])
def test_site_yaml_counts_and_api_language_are_checked(site_dir, line, message):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    lines = config.read_text(encoding="utf-8").count("\n")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [f"content/site.yaml:{lines}: {message}"]


def test_site_yaml_settings_have_defaults(site_dir):
    config = load_site(site_dir).config
    assert (config.feed_entries, config.upcoming_days, config.api_language) == (50, 30, "en")


def test_translations_match_same_minute_same_status_updates_in_order(site_dir):
    (site_dir / "incidents" / "2026-11-25-twice.md").write_text(
        "---\ntitle: Deux fois\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · identified\nSeconde.\n\n"
        "## 2026-11-25 10:05 · identified\nPremière.\n", encoding="utf-8")
    (site_dir / "incidents" / "2026-11-25-twice.en.md").write_text(
        "---\n---\n## 2026-11-25 10:05 · identified\nSecond.\n\n"
        "## 2026-11-25 10:05 · identified\nFirst.\n", encoding="utf-8")
    updates = load_site(site_dir).incident("2026-11-25-twice").updates
    assert [(u.body["fr"], u.body["en"], u.anchor[-2:]) for u in updates] == [
        ("Seconde.", "Second.", "-2"), ("Première.", "First.", "ed")]


def test_sanitiser_warnings_point_at_the_offending_line(site_dir):
    (site_dir / "incidents" / "2026-11-25-lines.md").write_text(
        "---\ntitle: x\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n"
        "what_to_do: \"Appelez <b onclick='x'>ici</b>\"\n---\nRésumé.\n\nSuite <iframe>.\n\n"
        "## 2026-11-25 10:05 · investigating\n\nUn.\n\nDeux.\n\nTrois <!-- caché -->.\n",
        encoding="utf-8")
    assert [str(w) for w in load_site(site_dir).warnings] == [
        "incidents/2026-11-25-lines.md:6: the onclick attribute of <b> is removed from the "
        "published page: write plain markdown instead",
        "incidents/2026-11-25-lines.md:10: the <iframe> tag is removed from the published page: "
        "write plain markdown instead",
        "incidents/2026-11-25-lines.md:18: an HTML comment is removed from the published page: "
        "write plain markdown instead",
    ]


def test_fenced_code_with_a_language_is_plain_markdown(site_dir):
    (site_dir / "incidents" / "2026-11-25-code.md").write_text(
        "---\ntitle: x\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · investigating\n```python\nprint(1)\n```\n", encoding="utf-8")
    assert load_site(site_dir).warnings == ()


def test_times_in_two_zones_are_compared_with_their_offsets(site_dir):
    (site_dir / "incidents" / "2026-11-25-zones.md").write_text(
        "---\ntitle: x\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 09:00\n---\n"
        "## 2026-11-25 09:15+02:00 · investigating\nx\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "incidents/2026-11-25-zones.md:7: update at 2026-11-25 08:15+01:00 is before started "
        "(2026-11-25 09:00+01:00): fix its time or move started earlier"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([
    "Texte", " ", "\n", "\n\n", "#", "##", "###", "=", "-", "---", "***", "`", "```", "~~~",
    "{", "}", "<", ">", "!", "[", "]", "(", ")", ":", "&", "#58;", "amp;", "colon;", "javascript",
    "http", "https", "mailto", "tel", "data", "//", "*", "_", "|", "1.", "- ", "> ", "    ",
    "b", "script", "img", "onclick=", "\"", "'", "<!--", "-->", "x"]), max_size=25).map("".join))
def test_the_quick_check_never_misses_what_the_sanitiser_strips(text):
    from statuspage import markup

    if markup.surely_clean(text):
        markup._stripped.cache_clear()
        audit = markup._Audit()
        audit.feed(markup._raw_html(text))
        audit.close()
        assert audit.stripped == [], (text, audit.stripped)


def test_only_newlines_end_lines_for_line_numbers(site_dir):
    """A line or paragraph separator, or NEL, in a text is not a new line to an editor."""
    (site_dir / "incidents" / "2026-11-25-ff.md").write_text(
        "---\ntitle: x\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · investigating\nun\u2028deux\x85trois\u2029quatre\n\n"
        "## 2026-11-25 09:00 · investigating\ntôt\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [p.line for p in caught.value.problems] == [10]


@pytest.mark.parametrize("separator", ["·", "-", "–", "—", "|"])
def test_an_update_heading_takes_any_usual_separator(site_dir, separator):
    """'·' is hard to type on an AZERTY keyboard: a hyphen, a dash or a bar do as well, in
    the original and in its translation, whatever the other uses."""
    original = site_dir / "incidents" / f"{TRANSLATED}.md"
    original.write_text(original.read_text(encoding="utf-8").replace(
        "## 2026-11-24 17:30 · resolved", f"## 2026-11-24 17:30 {separator} resolved"),
        encoding="utf-8")
    english = site_dir / "incidents" / f"{TRANSLATED}.en.md"
    english.write_text(english.read_text(encoding="utf-8").replace(
        "## 2026-11-20 09:15 · investigating", f"## 2026-11-20 09:15 {separator} investigating"),
        encoding="utf-8")
    site = load_site(site_dir)
    incident = site.incident(TRANSLATED)
    assert site.warnings == () and site.errors == ()
    assert [(u.time, u.status) for u in incident.updates] == [
        (datetime(2026, 11, 24, 17, 30, tzinfo=PARIS), IncidentStatus.RESOLVED),
        (datetime(2026, 11, 21, 10, 0, tzinfo=PARIS), IncidentStatus.IDENTIFIED),
        (datetime(2026, 11, 20, 9, 15, tzinfo=PARIS), IncidentStatus.INVESTIGATING)]
    assert incident.updates[0].body.get("en") == "Refunds have been issued."
    assert incident.updates[2].body.get("en") == "We are investigating."


def test_a_hyphen_before_an_offset_is_the_offset_not_the_separator(site_dir):
    (site_dir / "incidents" / "2026-11-25-nuit.md").write_text(
        "---\ntitle: Nuit\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:00 -01:00 - identified\nTrouvé.\n", encoding="utf-8")
    (update,) = load_site(site_dir).incident("2026-11-25-nuit").updates
    assert update.time.isoformat() == "2026-11-25T10:00:00-01:00"
    assert update.status == IncidentStatus.IDENTIFIED


def test_an_update_more_than_five_minutes_ahead_is_a_warning_at_its_line(site_dir):
    from statuspage.content.incident import future_updates

    (site_dir / "incidents" / "2026-11-26-demain.md").write_text(
        "---\ntitle: Demain\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-26 09:00\n"
        "---\n## 2026-11-27 12:00 · identified\nUne faute de frappe dans la date.\n\n"
        "## 2026-11-26 12:05 · investigating\nCinq minutes d'avance : rien à dire.\n",
        encoding="utf-8")
    site = load_site(site_dir)
    assert [str(p) for p in future_updates(site, NOW)] == [
        "incidents/2026-11-26-demain.md:7: update dated in the future: hidden until "
        "2026-11-27 12:00 CET; fix its date if it is a typo"]
    assert future_updates(site, datetime(2026, 11, 27, 11, 56, tzinfo=PARIS)) == []


def test_a_text_in_a_language_falls_back_to_the_default_then_to_any():
    """The one rule every channel picks a text's words by (texts.Text)."""
    from statuspage.model import EMPTY_TEXT, Text

    both = Text({"fr": "Panne", "en": "Outage"})
    assert both.value_in("en", "fr") == "Outage"
    assert both.get_in("de", "fr") == Localized("Panne", "fr")  # the default's, marked fr
    assert Text("Panne").get_in("en", "fr") == Localized("Panne", "en")  # one for all
    assert Text({"de": "Störung"}).get_in("en", "fr") == Localized("Störung", "de")
    assert EMPTY_TEXT.value_in("en", "fr") == ""
