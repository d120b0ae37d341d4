"""One approved text for every channel: the version, the voice server's text, the SMS."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from conftest import FIBRE, NOW, PARIS, TESTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.content.edition import DESK, EDITIONS, load_site
from statuspage.freeze.build import BuildOptions, build
from statuspage.model import Text
from statuspage.state import announcements as channels
from statuspage.state.status import Snapshot

EXAMPLE_NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
LYON = "2026-11-26-coupure-fibre-lyon"
SSML = "{http://www.w3.org/2001/10/synthesis}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def reference(root: Path, incident_id: str) -> str:
    return next(i.reference for i in load_site(root).incidents if i.id == incident_id)


def text(out: Path, path: str) -> str:
    return (out / path).read_text("utf-8")


def ssml(out: Path, lang: str) -> ET.Element:
    return ET.fromstring((out / "channels" / lang / "ivr.ssml").read_bytes())


def test_the_version_is_the_same_on_the_page_the_desk_the_phone_and_the_sms(
        example_dir: Path, tmp_path: Path):
    public = build(example_dir, BuildOptions(out=tmp_path / "public", now=EXAMPLE_NOW)).out
    desk = build(example_dir, BuildOptions(out=tmp_path / "desk", now=EXAMPLE_NOW,
                                           edition=DESK)).out
    ref = reference(example_dir, LYON)
    # Two updates published, the latest at 08:10 (site zone).
    for lang, prefix, said in (("fr", "", "point n° 2 de 08:10"),
                               ("en", "en/", "update 2 of 08:10")):
        shown = f'<dd class="version">{said}</dd>'
        assert shown in text(public, f"{prefix}incidents/{LYON}/index.html")
        assert shown in text(public, f"{prefix}index.html")  # the home card
        assert shown in text(desk, f"{prefix}index.html")  # the desk's "on a call" card
        assert said in text(public, f"{prefix}updates.atom")
        for out in (public, desk):
            assert said in text(out, f"channels/{lang}/ivr.txt")
            assert said in "".join(ssml(out, lang).itertext())
            sms = text(out, f"channels/{lang}/sms/{ref}.txt")
            assert channels.gsm(said).lower() in sms.lower()  # n° is no in GSM 03.38
    # A feed entry carries the version of its own update: the first one is update 1.
    assert "update 1 of 06:55" in text(public, "en/updates.atom")


def test_the_phone_line_reads_the_lyon_incident(example_dir: Path, tmp_path: Path):
    out = build(example_dir, BuildOptions(out=tmp_path / "out", now=EXAMPLE_NOW)).out
    ref = reference(example_dir, LYON)
    said = text(out, "channels/fr/ivr.txt")
    assert "Fibre et Télévision" in said and "Lyon 3e" in said
    assert "Inutile de redémarrer votre box" in said  # what to do
    assert "Prochain point à 18 heures." in said  # the next news, in words
    assert "Référence\u00a0: " + ", ".join(ref) in said  # spelled out
    assert len(said) < channels.IVR_LIMIT
    assert "Next update at 6 pm." in text(out, "channels/en/ivr.txt")
    for lang in ("fr", "en"):
        spoken = text(out, f"channels/{lang}/ivr.txt")
        assert not re.search(r"https?:|www\.|\.com|[*_#`<>\[\]]", spoken), spoken
        assert "3900" not in spoken  # the caller dialled it
    for lang, region in (("fr", "fr-FR"), ("en", "en-GB")):
        root = ssml(out, lang)
        assert root.tag == SSML + "speak"
        assert root.get("version") == "1.1" and root.get(XML_LANG) == region
        says = root.findall(f".//{SSML}say-as")
        assert [(s.get("interpret-as"), s.text) for s in says] == [("characters", ref)]


def test_nothing_open_is_a_calm_sentence(site_dir: Path, tmp_path: Path):
    (site_dir / "incidents" / f"{FIBRE}.md").unlink()
    for edition in EDITIONS:
        out = build(site_dir, BuildOptions(out=tmp_path / edition.name, now=NOW,
                                           edition=edition)).out
        assert text(out, "channels/fr/ivr.txt") == (
            "Tous nos services fonctionnent normalement. Merci de votre appel.\n")
        assert text(out, "channels/en/ivr.txt") == (
            "All our services are working normally. Thank you for calling.\n")
        root = ssml(out, "en")
        assert root.findall(f".//{SSML}say-as") == [] and root.findall(f".//{SSML}break") == []
        assert not (out / "channels" / "fr" / "sms").exists()


INCIDENT = """---
title: {title}
impact: {impact}
components: [{component}]
started: 2026-11-26 {hour}:00
what_to_do: "{todo}"
---
## 2026-11-26 {hour}:05 · investigating
Nous enquêtons & réparons en moins de 5 min (<5) [le lien](https://evil.example/x).
"""


def add(site_dir: Path, name: str, impact: str, hour: str, todo: str = "Patientez.",
        component: str = "adsl") -> None:
    (site_dir / "incidents" / f"2026-11-26-{name}.md").write_text(INCIDENT.format(
        title=name, impact=impact, component=component, hour=hour, todo=todo), "utf-8")


def test_three_most_severe_then_how_many_others(site_dir: Path, tmp_path: Path):
    add(site_dir, "minor-one", "minor", "09")
    add(site_dir, "critical-one", "critical", "08")
    add(site_dir, "none-one", "none", "10")
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    said = text(out, "channels/en/ivr.txt").split("\n\n")
    # critical, then major (the fibre cut), then minor; the one of no impact is counted.
    assert len(said) == 4 and said[3] == "And 1 other incident on our status page.\n"
    refs = [reference(site_dir, f"2026-11-26-{n}") for n in ("critical-one", "minor-one")]
    fibre = reference(site_dir, FIBRE)
    assert [re.search(r"Reference: ([\w, ]+)\.", p).group(1).replace(", ", "")
            for p in said[:3]] == [refs[0], fibre, refs[1]]
    assert "Et 1 autre incident sur notre page d’état des services." in text(
        out, "channels/fr/ivr.txt")
    root = ssml(out, "fr")
    assert len(root.findall(f"{SSML}break")) == 3  # between the incidents, before the others
    # Staff text is escaped, not markup; the link's address is not read out.
    assert "&amp; réparons en moins de 5 min (&lt;5)" in text(out, "channels/fr/ivr.ssml")
    assert "evil.example" not in text(out, "channels/fr/ivr.ssml")


WORKS = """---
title: Travaux {name}
components: [adsl]
maintenance: {{start: 2026-11-26 06:00, end: 2026-11-26 20:00}}
---
## 2026-11-25 10:00 · scheduled
Travaux prévus.
"""


def test_maintenance_beyond_three_is_not_counted_as_incidents(site_dir: Path,
                                                              tmp_path: Path):
    """The phone line counts what it does not read out as what it is: the incidents,
    then the maintenance in progress."""
    for name in ("one", "two"):
        (site_dir / "incidents" / f"2026-11-26-travaux-{name}.md").write_text(
            WORKS.format(name=name), "utf-8")
    add(site_dir, "minor-one", "minor", "09")
    out = build(site_dir, BuildOptions(out=tmp_path / "two", now=NOW)).out
    # The fibre cut, the minor incident, one maintenance read out; the other counted.
    assert text(out, "channels/en/ivr.txt").split("\n\n")[3] == (
        "And 1 other maintenance in progress.\n")
    for name, hour in (("critical-one", "08"), ("none-one", "10")):
        add(site_dir, name, name.split("-")[0], hour)
    out = build(site_dir, BuildOptions(out=tmp_path / "four", now=NOW)).out
    assert text(out, "channels/en/ivr.txt").split("\n\n")[3] == (
        "And 1 other incident on our status page. "
        "And 2 other maintenance operations in progress.\n")
    assert text(out, "channels/fr/ivr.txt").split("\n\n")[3] == (
        "Et 1 autre incident sur notre page d’état des services. "
        "Et 2 autres maintenances en cours.\n")
    assert len(ssml(out, "fr").findall(f"{SSML}break")) == 3


def test_the_build_warns_when_staff_text_is_too_long_to_say(site_dir: Path, tmp_path: Path,
                                                            monkeypatch):
    """From the build's own moment: its views worked out once, not once more for the
    warnings (a new Snapshot went over every incident again)."""
    from statuspage.state import chunks, status

    add(site_dir, "long", "critical", "08", todo=" ".join(["Attendez encore"] * 80) + ".")
    worked_out = []

    def counted(*args):
        worked_out.append(args)
        return chunks.views_at(*args)

    monkeypatch.setattr(status, "views_at", counted)
    result = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW, workers=1))
    warnings = [str(w) for w in result.warnings if "ivr.txt" in str(w)]
    assert warnings and warnings[0].startswith("channels/fr/ivr.txt: ")
    assert "over 900" in warnings[0]
    assert len(worked_out) == 1


def test_the_phone_line_never_gives_the_number_the_caller_dialled():
    assert channels.first_sentence("Appelez le 39 00. Patientez.", "3900") == "Patientez."
    assert channels.first_sentence("Appelez le 3900 !", "3900") == ""
    # Digits that only add up to the number are not it: the 3rd at 9:00.
    said = "Retour prévu le 3 à 9 h 00. Rien à faire."
    assert channels.first_sentence(said, "3900") == "Retour prévu le 3 à 9 h 00."
    assert channels.first_sentence("Voir https://x.example/a et **ceci**.") == "Voir et ceci."


# -- the text message ----------------------------------------------------------------------

BASIC = load_site(TESTS / "sites" / "basic")
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
FRENCH = st.text(st.sampled_from("aàâbcçdeéèêëfghiîïjklmnoôœpqrstuùûüvwxyÿzAÉÈÊÎÔŒÇ"
                                 " '’«»:;!?—-…0123456789"), min_size=1, max_size=300)


def _with(title: str, body: str):
    incidents = tuple(
        replace(i, title=Text({"fr": title, "en": title}),
                updates=(replace(i.updates[0], body=Text({"fr": body})), *i.updates[1:]),
                digest="")
        if i.id == FIBRE else i for i in BASIC.incidents)
    snap = Snapshot(replace(BASIC, incidents=incidents), NOW)
    return snap, snap.view(FIBRE)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(FRENCH, WORDS), body=WORDS)
def test_a_text_message_fits_one_message_whatever_the_title(title: str, body: str):
    snap, view = _with(title, body)
    for lang in ("fr", "en"):
        sms = channels.sms(view, snap, lang)
        length, limit = channels.sms_length(sms)
        assert length <= limit
        assert sms.endswith(f"/r/{view.incident.reference}")
        if all(c in channels.GSM for c in channels.gsm(title)):
            assert limit == 160  # French accents are written in the GSM alphabet


@given(title=FRENCH)
def test_french_titles_stay_in_the_gsm_alphabet(title: str):
    snap, view = _with(title, "")
    sms = channels.sms(view, snap, "fr")
    assert all(c in channels.GSM for c in sms), sms


def test_the_sms_of_the_fibre_cut(site_dir: Path, tmp_path: Path):
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    ref = reference(site_dir, FIBRE)
    assert text(out, f"channels/fr/sms/{ref}.txt") == (
        f"Coupure fibre à Lyon. Cause identifiée. Point no 2 de 08:10. Prochain point : "
        f"18:00 CET. status.test.example/r/{ref}\n")
    assert text(out, f"channels/en/sms/{ref}.txt").startswith("Coupure fibre à Lyon. Identified.")


def test_gsm_transliteration_follows_the_real_table():
    # é, è, à, ù and the capital Ç are in GSM 03.38; ê, â, î, ô, û, œ and ç are not.
    assert channels.gsm("éèàùÇ") == "éèàùÇ"
    assert channels.gsm("êâîôûœç") == "eaiouoec"
    assert channels.sms_length("€uro") == (5, 160)  # an extension character counts twice
    assert channels.sms_length("漢字") == (2, 70)


def test_the_version_counts_the_updates_published_by_then():
    def at(hour: int, minute: int):
        return Snapshot(BASIC, datetime(2026, 11, 26, hour, minute, tzinfo=PARIS)).view(FIBRE)

    assert at(6, 50).version is None  # started, nothing said yet
    assert channels.version_text(at(7, 0).version, PARIS, "fr") == "point n° 1 de 06:55"
    assert channels.version_text(at(12, 0).version, PARIS, "en") == "update 2 of 08:10"
