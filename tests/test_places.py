"""Places: ``areas:`` in incidents and maintenance, read, checked, translated, written back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIBRE

from statuspage.content import front_matter, parse_incident
from statuspage.errors import ContentError, Problems
from statuspage.loader import load_site
from statuspage.model import Area, Text

FIBRE_FILE = f"incidents/{FIBRE}.md"


def _with_areas(site_dir: Path, areas: str, postcode: str | None = None) -> None:
    """The test site's open fibre incident with ``areas`` as its line 3."""
    path = site_dir / FIBRE_FILE
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, areas)
    path.write_text("\n".join(lines), encoding="utf-8")
    if postcode:
        config = site_dir / "content" / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + f"postcode: '{postcode}'\n",
                          encoding="utf-8")


def test_areas_as_a_list(site_dir):
    _with_areas(site_dir, 'areas: ["69003", 69007, "13"]')
    fibre = load_site(site_dir).incident(FIBRE)
    assert [(a.code, a.label) for a in fibre.areas] == [
        ("69003", Text({})), ("69007", Text({})), ("13", Text({}))]
    assert fibre.concerns("69007") and fibre.concerns("13005") and not fibre.concerns("75001")


def test_areas_with_labels_in_every_language(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": {fr: Lyon 7e, en: Lyon 7th}}')
    fibre = load_site(site_dir).incident(FIBRE)
    assert [(a.code, dict(a.label)) for a in fibre.areas] == [
        ("69003", {"fr": "Lyon 3e"}), ("69007", {"fr": "Lyon 7e", "en": "Lyon 7th"})]


def test_no_areas_is_everyone(site_dir):
    fibre = load_site(site_dir).incident(FIBRE)
    assert fibre.areas == () and fibre.concerns("13005")


def test_a_translation_names_the_places(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e, "69007": Lyon 7e}')
    (site_dir / f"incidents/{FIBRE}.en.md").write_text(
        '---\ntitle: Fibre cut in Lyon\nareas: {"69003": Lyon 3rd}\n---\n', encoding="utf-8")
    fibre = load_site(site_dir).incident(FIBRE)
    assert [dict(a.label) for a in fibre.areas] == [{"fr": "Lyon 3e", "en": "Lyon 3rd"},
                                                    {"fr": "Lyon 7e"}]


AREA_ERRORS = [
    ('areas: "69003"', None, '3: areas: expected a list of postal codes, e.g. areas: '
     '["69003", "13"], or codes with their names, e.g. areas: {"69003": Lyon 3e, '
     '"69007": Lyon 7e}'),
    ("areas: []", None, '3: areas: empty; expected a list of postal codes, e.g. areas: '
     '["69003", "13"], or codes with their names, e.g. areas: {"69003": Lyon 3e, '
     '"69007": Lyon 7e} (or remove areas: when it is everywhere)'),
    ('areas: ["69-003"]', None, "3: areas: '69-003' is not a postal code: letters and digits "
     'only (at most 10), a code such as "69003" or its start such as "69"'),
    ("areas:\n  - 69003\n  - [13]", None, "5: areas: 'list' is not a postal code: letters "
     'and digits only (at most 10), a code such as "69003" or its start such as "69"'),
    ('areas: {"Lyon 3e": "69003"}', None, "3: areas: 'Lyon 3e' is not a postal code: letters "
     'and digits only (at most 10), a code such as "69003" or its start such as "69"'),
    ('areas: ["69003", "69003"]', None, "3: areas: '69003' is listed twice"),
    ('areas: ["690031"]', r"^\d{5}$", "3: areas: '690031' is neither a postal code nor the "
     r"start of one: site.yaml's postcode is '^\\d{5}$'; fix the code, or the pattern"),
    ('areas: ["6A"]', r"^\d{5}$", "3: areas: '6A' is neither a postal code nor the "
     r"start of one: site.yaml's postcode is '^\\d{5}$'; fix the code, or the pattern"),
    ("areas: {\"69003\": [Lyon]}", None, "3: areas.69003: expected text, or a mapping "
     "language: text"),
]


@pytest.mark.parametrize(("areas", "postcode", "expected"), AREA_ERRORS,
                         ids=[c[0] for c in AREA_ERRORS])
def test_each_area_error_has_its_message(site_dir, areas, postcode, expected):
    _with_areas(site_dir, areas, postcode)
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [f"{FIBRE_FILE}:{expected}"]


def test_prefixes_and_full_codes_pass_the_pattern(site_dir):
    _with_areas(site_dir, 'areas: ["69", "69003", "2A004"]', r"^(\d{5}|2[AB]\d{3})$")
    assert [a.code for a in load_site(site_dir).incident(FIBRE).areas] == [
        "69", "69003", "2A004"]


def test_a_translation_cannot_move_the_places(site_dir):
    _with_areas(site_dir, 'areas: {"69003": Lyon 3e}')
    (site_dir / f"incidents/{FIBRE}.en.md").write_text(
        '---\ntitle: Fibre cut in Lyon\nareas: {"13005": Marseille}\n---\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        f"incidents/{FIBRE}.en.md:3: areas: '13005' is not one of the areas of {FIBRE_FILE} "
        "(69003): a translation names the same places"]


def test_a_bad_postcode_pattern_is_located(site_dir):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "postcode: '^(\\d{5}$'\n",
                      encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert [str(p) for p in caught.value.problems] == [
        "content/site.yaml:21: postcode: '^(\\\\d{5}$' is not a regular expression (missing ), "
        "unterminated subpattern at position 1); e.g. postcode: '^\\d{5}$' for French "
        "postal codes"]


def test_areas_are_written_back_as_read(site):
    fibre = site.incident(FIBRE)
    moved = replace(fibre, areas=(Area("69003", Text({"fr": "Lyon 3e", "en": "Lyon 3rd"})),
                                  Area("13")))
    lines = front_matter(moved, site.config)
    text = "\n".join(["---", *lines, "---", ""])
    again = parse_incident(FIBRE, FIBRE_FILE, text, site.config, Problems(FIBRE_FILE))
    assert again is not None and again.areas == moved.areas
