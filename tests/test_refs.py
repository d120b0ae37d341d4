"""Following one's case: short references, /r/<REF>/, the lookup box, an incident's own
feeds and calendar, link previews."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result
from conftest import FIBRE, NOW, PARIS, TESTS, TRANSLATED, browser_context
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect
from serving import serving

from statuspage import cli, refs
from statuspage.content import refindex
from statuspage.content.loader import Loader, cache_for, load_site
from statuspage.edit import finding
from statuspage.errors import ContentError
from statuspage.freeze.build import BuildOptions, build
from statuspage.model import Site

BASE = "https://status.test.example"


@given(st.text(min_size=1, max_size=80))
def test_a_reference_is_six_characters_without_look_alikes(incident_id):
    reference = refs.ref_of(incident_id)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", reference)
    assert not set(reference) & set("01OIL")
    assert refs.ref_of(incident_id) == reference  # the same every time
    assert refs.normalize(f" {reference[:3].lower()} - {reference[3:]} ") == reference
    assert refs.is_reference(reference.lower())


def test_references_are_the_same_on_every_machine():
    """From SHA-256 of the id: fixed values, so a reference read out never changes."""
    assert [refs.ref_of(i) for i in (FIBRE, TRANSLATED)] == ["Y3CN2J", "HYEQVT"]


@settings(max_examples=30)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=200, unique=True))
def test_different_ids_rarely_share_a_reference(ids):
    found = [refs.ref_of(i) for i in ids]
    assert len(set(found)) >= len(found) - 1  # 887 million references: a clash is rare


def colliding_ids() -> tuple[str, str]:
    """Two ids with one reference (the birthday bound: ~30,000 tries)."""
    seen: dict[str, str] = {}
    for n in range(200_000):
        incident_id = f"2026-11-25-panne-{n}"
        found = seen.setdefault(refs.ref_of(incident_id), incident_id)
        if found != incident_id:
            return found, incident_id
    raise AssertionError("no collision found")


BODY = "impact: minor\ncomponents: [adsl]\nstarted: {started}\n{extra}---\n"


def write_incident(site_dir: Path, incident_id: str, started: str, extra: str = "") -> Path:
    path = site_dir / "incidents" / f"{incident_id}.md"
    path.write_text(f"---\ntitle: {incident_id}\n{BODY.format(started=started, extra=extra)}",
                    encoding="utf-8")
    return path


def cli_run(site_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--site", str(site_dir), *args])


@pytest.mark.parametrize("older", [0, 1])
def test_a_derived_collision_moves_the_newer_incident_and_check_notes_it(site_dir, older):
    """The older incident keeps the reference; the newer takes its next candidate, whatever
    the order of the ids; the site builds, and both references lead to their incident."""
    ids = colliding_ids()
    keeper, mover = ids[older], ids[1 - older]
    shared = refs.ref_of(keeper)
    write_incident(site_dir, keeper, "2026-11-25 09:00")
    write_incident(site_dir, mover, "2026-11-25 10:00")
    site = load_site(site_dir)
    moved = site.incident(mover).reference
    assert site.incident(keeper).reference == shared
    assert moved == next(r for r in refs.candidates(mover) if r != shared)
    note = (f"incidents/{mover}.md:1: reference {shared} is taken by incidents/{keeper}.md; "
            f"this incident is {moved!r} — write `ref: {moved}` to pin it")
    assert note in [str(w) for w in site.warnings]
    result = cli_run(site_dir, "check")
    assert result.exit_code == 0, result.output
    assert note in result.output
    out = build(site_dir, BuildOptions(now=NOW)).out
    for reference, incident_id in ((shared, keeper), (moved, mover)):
        html = (out / "r" / reference / "index.html").read_text("utf-8")
        assert f'url=/incidents/{incident_id}/">' in html
        result = cli_run(site_dir, "update", reference.lower(), "-m", "Suivi.")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{incident_id}: ")


def test_a_newer_incident_never_takes_a_published_reference(site_dir):
    """The reference published first stays its incident's when a newer one derives it."""
    keeper, mover = colliding_ids()
    write_incident(site_dir, keeper, "2026-11-25 09:00")
    published = build(site_dir, BuildOptions(now=NOW)).out
    before = (published / "r" / refs.ref_of(keeper) / "index.html").read_bytes()
    write_incident(site_dir, mover, "2026-11-26 08:00")
    build(site_dir, BuildOptions(now=NOW))
    assert (published / "r" / refs.ref_of(keeper) / "index.html").read_bytes() == before
    assert load_site(site_dir).incident(mover).reference != refs.ref_of(keeper)


def test_a_kept_loader_moves_whom_a_new_loader_moves(site_dir):
    """The daemon's loader keeps who moved from one load to the next (the same objects while
    nothing changes), and works it out again when a start or a ``ref:`` changes."""
    first, second = colliding_ids()
    kept = Loader(site_dir)

    def same_as_new() -> Site:
        site = kept.load()
        assert site.incidents == Loader(site_dir).load().incidents
        assert site.warnings == Loader(site_dir).load().warnings
        return site

    write_incident(site_dir, first, "2026-11-25 09:00")
    write_incident(site_dir, second, "2026-11-25 10:00")
    site = same_as_new()
    mover = site.incident(second)
    assert mover.reference != refs.ref_of(second)
    assert same_as_new().incident(second) is mover  # still settled, for the builds
    write_incident(site_dir, second, "2026-11-25 08:00")  # now the older: the other moves
    site = same_as_new()
    assert site.incident(second).reference == refs.ref_of(second)
    assert site.incident(first).reference != refs.ref_of(first)
    write_incident(site_dir, first, "2026-11-25 09:00", f"ref: {refs.ref_of(first)}\n")
    site = same_as_new()  # set by hand: given first, so the other moves again
    mover = site.incident(second)
    assert mover.reference != refs.ref_of(second)
    # Its next candidate now pinned by another: it moves on, its own file unchanged.
    write_incident(site_dir, "2026-11-24-pin", "2026-11-24 10:00", f"ref: {mover.reference}\n")
    site = same_as_new()
    assert site.incident(second).reference not in (mover.reference, refs.ref_of(second))


def test_an_incident_whose_reference_moves_is_built_again(site_dir, tmp_path):
    """Another incident pins its reference by hand: its own file unchanged, its pages (which
    show the reference) are built again, as a full build of the same content writes them."""
    incident_id = "2026-11-25-panne-n"
    write_incident(site_dir, incident_id, "2026-11-25 10:00")
    build(site_dir, BuildOptions(now=NOW))
    pin = f"ref: {refs.ref_of(incident_id).lower()}\n"
    write_incident(site_dir, "2026-11-24-pin", "2026-11-24 09:00", pin)
    out = build(site_dir, BuildOptions(now=NOW)).out
    full = build(site_dir, BuildOptions(out=tmp_path / "full", now=NOW, full=True)).out
    page = Path("incidents") / incident_id / "index.html"
    assert (out / page).read_bytes() == (full / page).read_bytes()
    moved = load_site(site_dir).incident(incident_id).reference
    assert moved != refs.ref_of(incident_id) and moved in (out / page).read_text("utf-8")


def test_two_references_set_alike_by_hand_are_refused_and_ref_settles_it(site_dir):
    first, second = colliding_ids()
    for incident_id in (first, second):
        write_incident(site_dir, incident_id, "2026-11-25 10:00", "ref: abc234\n")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    messages = {p.path: str(p) for p in caught.value.problems}
    assert len(messages) == 2
    assert messages[f"incidents/{first}.md"].startswith(
        f"incidents/{first}.md:6: reference ABC234 is also that of incidents/{second}.md: "
        "give one of them its own, e.g. ref: ")
    free = messages[f"incidents/{first}.md"].rsplit("ref: ", 1)[1]
    write_incident(site_dir, second, "2026-11-25 10:00", f"ref: {free.lower()}\n")
    site = load_site(site_dir)
    assert site.incident(second).reference == free
    assert site.incident(first).reference == "ABC234"
    write_incident(site_dir, first, "2026-11-25 10:00", "ref: K0O1IL\n")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    assert str(caught.value.problems[0]) == (
        f"incidents/{first}.md:6: ref: 'K0O1IL' is not a reference: 6 characters among "
        "23456789ABCDEFGHJKMNPQRSTUVWXYZ (no 0, O, 1, I or L), e.g. ref: K7M2QX")


@pytest.mark.parametrize("command", [
    ["new", "Panne", "-c", "adsl", "-m", "Coupure."],
    ["maintenance", "Panne", "-c", "adsl", "--start", "2099-01-02 01:00",
     "--end", "2099-01-02 03:00", "-m", "Travaux."],
])
def test_new_and_maintenance_write_a_free_reference(site_dir, command):
    """The id's own reference when it is free; held by another (here set by hand): the
    next candidate. Either way the file pins it with ``ref:``."""
    result = cli_run(site_dir, *command, "--id", "2026-12-01-panne")
    assert result.exit_code == 0, result.output
    own = refs.ref_of("2026-12-01-panne")
    assert f"reference: {own}" in result.output
    text = (site_dir / "incidents" / "2026-12-01-panne.md").read_text("utf-8")
    assert f"\nref: {own}\n" in text
    write_incident(site_dir, "2026-11-20-autre", "2026-11-20 10:00",
                   f"ref: {refs.ref_of('2026-12-01-panne-2')}\n")
    result = cli_run(site_dir, *command, "--id", "2026-12-01-panne-2")
    assert result.exit_code == 0, result.output
    moved = next(r for r in refs.candidates("2026-12-01-panne-2")
                 if r != refs.ref_of("2026-12-01-panne-2"))
    assert f"reference: {moved}" in result.output
    assert load_site(site_dir).incident("2026-12-01-panne-2").reference == moved


def test_a_reference_is_found_from_the_index_without_reading_every_file(site_dir):
    """Once indexed, a file whose stamp has not changed is not read again (here it gets a
    ``ref:`` in the same number of bytes, with its old stamp); a changed file is, and a
    lost index is made again."""
    other = site_dir / "incidents" / f"{TRANSLATED}.md"
    assert finding.resolve_id(site_dir, refs.ref_of(TRANSLATED)) == TRANSLATED
    assert (site_dir / refindex.INDEX).is_file()
    stamp = other.stat()
    other.write_text(other.read_text("utf-8").replace("impact: major\n", "ref:   ABC235\n"),
                     "utf-8")
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert other.stat().st_size == stamp.st_size
    assert finding.resolve_id(site_dir, refs.ref_of(TRANSLATED)) == TRANSLATED
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert finding.resolve_id(site_dir, "abc-235") == TRANSLATED
    (site_dir / refindex.INDEX).write_text("{not json", "utf-8")
    assert finding.resolve_id(site_dir, "ABC235") == TRANSLATED


def test_a_build_writes_the_index_the_files_would_give(site_dir, monkeypatch):
    """A build leaves the references' index when there is none, made from what it loaded:
    the same entries and references as reading every file (100,000 incidents: 9 s, which
    the first command given a reference paid); a broken file is left to that command."""
    keeper, mover = colliding_ids()
    write_incident(site_dir, keeper, "2026-11-25 09:00")
    write_incident(site_dir, mover, "2026-11-25 10:00")  # moved: a derived reference taken
    write_incident(site_dir, "2026-11-24-pinned", "2026-11-24 08:00", "ref: K7M-2QX\n")
    (site_dir / "incidents" / "2026-11-27-works.md").write_text(
        "---\ntitle: Travaux\nmaintenance:\n  start: 2026-11-27 02:00\n  end: 2026-11-27 "
        "04:00\ncomponents: [fibre]\n---\n", "utf-8")
    build(site_dir, BuildOptions(now=NOW))
    index = site_dir / refindex.INDEX
    seeded = json.loads(index.read_text("utf-8"))
    index.unlink()
    read = refindex.assigned(site_dir, PARIS)  # from every file
    assert json.loads(index.read_text("utf-8")) == seeded
    assert len(seeded["incidents"]) == 6
    assert read.by_id[mover] != refs.ref_of(mover) and read.by_id["2026-11-24-pinned"] == "K7M2QX"
    index.unlink()
    write_incident(site_dir, "2026-11-23-broken", "2026-11-23 08:00", "impact: nope\n")
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load(lenient=True)
    loader.save()  # (the daemon's, lenient: the broken file is not in the index)
    read_files = []
    real = refindex._facts
    monkeypatch.setattr(refindex, "_facts", lambda path, zone: read_files.append(path.name) or
                        real(path, zone))
    assert finding.resolve_id(site_dir, "K7M2QX") == "2026-11-24-pinned"
    assert read_files == ["2026-11-23-broken.md"]


def test_200000_ids_get_distinct_references_whatever_the_order():
    """Well past the birthday bound (about 20 pairs of 200,000 ids share a reference):
    every incident gets its own, the same on every run and in any order of loading."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    claims = [refs.Claim(f"2026-11-25-panne-{n}", start + timedelta(minutes=n % 50_000))
              for n in range(200_000)]
    assigned = refs.assign(claims)
    assert len(set(assigned.by_id.values())) == len(claims)
    assert 5 <= len(assigned.moved) <= 60 and not assigned.clashes
    shuffled = claims[:]
    random.Random(7).shuffle(shuffled)
    assert refs.assign(shuffled).by_id == assigned.by_id
    listing = "\n".join(f"{i} {r}" for i, r in sorted(assigned.by_id.items()))
    assert hashlib.sha256(listing.encode()).hexdigest()[:16] == "d658c16b6053e9af"


def test_a_large_history_s_references_are_worked_out_once():
    """Every load and build asks every incident's reference: at 100,000 incidents, asking
    them all again computes none anew (an LRU cache smaller than the history would miss
    each one)."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    claims = [refs.Claim(f"2026-12-05-history-{n}", start + timedelta(minutes=n))
              for n in range(100_000)]
    first = refs.assign(claims)
    before = refs.ref_of.cache_info().misses
    assert refs.assign(claims).by_id == first.by_id
    assert refs.ref_of.cache_info().misses == before


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The basic test site with a planned maintenance, built."""
    root = tmp_path_factory.mktemp("refs")
    shutil.copytree(TESTS / "sites" / "basic", root / "site")
    (root / "site" / "incidents" / "2026-12-03-travaux.md").write_text(
        "---\ntitle: {fr: Travaux, en: Works}\ncomponents: [adsl]\nref: 234567\n"
        "maintenance: {start: 2026-12-03 01:00, end: 2026-12-03 05:00}\n---\n"
        "## 2026-11-25 10:00 · scheduled\nTravaux prévus.\n", encoding="utf-8")
    build(root / "site", BuildOptions(out=root / "site" / "build", now=NOW))
    return root / "site"


def test_a_reference_of_digits_only_has_its_one_address(built):
    """No letters: the same in both cases, one page (two would share an address)."""
    html = (built / "build" / "r" / "234567" / "index.html").read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/incidents/2026-12-03-travaux/">' in html


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_the_short_address_sends_to_the_incident_without_javascript(built, case):
    reference = case(refs.ref_of(FIBRE))
    html = (built / "build" / "r" / reference / "index.html").read_text("utf-8")
    assert f'<meta http-equiv="refresh" content="0; url=/incidents/{FIBRE}/">' in html
    assert f'<link rel="canonical" href="{BASE}/incidents/{FIBRE}/">' in html
    assert f'<a href="/incidents/{FIBRE}/">Coupure fibre à Lyon</a>' in html
    assert f'href="/en/incidents/{FIBRE}/"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_both_cases_of_a_short_address_follow_a_new_title(site_dir):
    """The lower-case page is written as a copy of the upper-case one (not rendered
    again): an incremental build after a new title changes both, and the site it replaced
    keeps the old title in both."""
    first = build(site_dir, BuildOptions(now=NOW)).out
    old = {case: (first / "r" / case(refs.ref_of(FIBRE)) / "index.html").read_bytes()
           for case in (str.upper, str.lower)}
    assert old[str.upper] == old[str.lower]
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8").replace("Coupure fibre à Lyon",
                                                   "Coupure de la fibre à Lyon"), "utf-8")
    spare = first.with_name(".statuspage-spare-build")
    build(site_dir, BuildOptions(now=NOW))
    for case in (str.upper, str.lower):
        html = (first / "r" / case(refs.ref_of(FIBRE)) / "index.html").read_text("utf-8")
        assert ">Coupure de la fibre à Lyon</a>" in html
        assert (spare / "r" / case(refs.ref_of(FIBRE)) / "index.html").read_bytes() == old[case]


def test_the_lookup_index_and_page(built):
    reference = refs.ref_of(FIBRE)
    index = (built / "build" / "r" / f"refs-{reference[0]}.json").read_text("utf-8")
    assert f'"{reference}":"{FIBRE}"' in index
    lookup = (built / "build" / "r" / "index.html").read_text("utf-8")
    assert f"{BASE}/r/K7M2QX/" in lookup  # how to type the short address, without JS
    assert '<form class="lookup" action="/r/"' in lookup
    english = (built / "build" / "en" / "r" / "index.html").read_text("utf-8")
    assert "Have a reference?" in english and 'action="/en/r/"' in english


def test_the_permalink_shows_the_reference_and_previews_well(built):
    html = (built / "build" / "incidents" / FIBRE / "index.html").read_text("utf-8")
    reference = refs.ref_of(FIBRE)
    assert f'<strong class="ref-code">{reference}</strong>' in html
    assert f'data-copy="{reference}"' in html and " hidden>" in html  # the button: JS only
    assert f"status.test.example/r/{reference}/" in html
    description = re.search(r'<meta name="description" content="([^"]+)">', html)[1]
    assert description.startswith("Cause identifiée\u00a0: Fibre — ")
    assert re.search(r'<meta property="og:description" content="([^"]+)">', html)[1] == \
        description
    for meta in (f'<meta property="og:url" content="{BASE}/incidents/{FIBRE}/">',
                 '<meta property="og:title" content="Coupure fibre à Lyon">',
                 '<meta property="og:type" content="article">',
                 '<meta name="twitter:card" content="summary">'):
        assert meta in html
    home = (built / "build" / "index.html").read_text("utf-8")
    assert re.search(f"Référence\\s:\\s{reference}", home)  # a no-break space before ":"
    assert 'name="description" content="Service status' not in html  # not the generic one


def test_an_incident_has_its_own_feeds_with_the_site_feeds_ids(built):
    out = built / "build"
    own = feedparser.parse((out / "incidents" / FIBRE / "updates.atom").read_bytes())
    site = feedparser.parse((out / "updates.atom").read_bytes())
    assert not own.bozo and [e.id for e in own.entries] == [
        e.id for e in site.entries if f"/incidents/{FIBRE}/" in e.id]
    english = feedparser.parse((out / "en" / "incidents" / FIBRE / "updates.rss").read_bytes())
    assert [e.title for e in english.entries] == ["Identified: Coupure fibre à Lyon",
                                                  "Investigating: Coupure fibre à Lyon"]
    html = (out / "incidents" / FIBRE / "index.html").read_text("utf-8")
    assert f'href="/incidents/{FIBRE}/updates.atom"' in html  # <link rel=alternate> and block
    assert "Suivre cet incident" in html


def test_a_maintenance_has_its_own_calendar_event(built):
    out = built / "build"
    [own] = Calendar.from_ical((out / "incidents" / "2026-12-03-travaux" / "calendar.ics")
                               .read_bytes()).walk("VEVENT")
    listed = {str(e["UID"]): e for e in Calendar.from_ical(
        (out / "maintenance.ics").read_bytes()).walk("VEVENT")}
    assert str(own["UID"]) in listed
    assert own["SEQUENCE"] == listed[str(own["UID"])]["SEQUENCE"]
    assert own.to_ical() == listed[str(own["UID"])].to_ical()
    html = (out / "incidents" / "2026-12-03-travaux" / "index.html").read_text("utf-8")
    assert 'href="/incidents/2026-12-03-travaux/calendar.ics">Ajouter à mon agenda' in html


def test_one_update_adds_exactly_one_entry_to_its_incident_feed_only(site_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    build(site_dir, BuildOptions(now=NOW))
    out = site_dir / "build"

    def entries(incident_id: str) -> list[str]:
        return [e.id for e in feedparser.parse(
            (out / "incidents" / incident_id / "updates.rss").read_bytes()).entries]

    before = {i: entries(i) for i in (FIBRE, TRANSLATED)}
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), "update", FIBRE,
                                           "--status", "monitoring", "-m", "On surveille."])
    assert result.exit_code == 0, result.output
    build(site_dir, BuildOptions(now=NOW + timedelta(minutes=5)))
    assert entries(TRANSLATED) == before[TRANSLATED]
    after = entries(FIBRE)
    assert after[1:] == before[FIBRE] and len(after) == len(before[FIBRE]) + 1


def test_an_incident_feed_lasts_while_it_is_followed(site_dir):
    """Open, or ended less than 90 days ago: then its own feed is gone, its page says so."""
    later = NOW + timedelta(days=100)
    out = build(site_dir, BuildOptions(now=later)).out
    assert not (out / "incidents" / TRANSLATED / "updates.atom").exists()
    html = (out / "incidents" / TRANSLATED / "index.html").read_text("utf-8")
    assert "updates.atom" not in html.split("</head>")[1].split("<footer")[0]
    assert (out / "incidents" / FIBRE / "updates.atom").exists()  # still open


def test_new_prints_the_reference_and_list_shows_it(site_dir, monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    runner = CliRunner()
    result = runner.invoke(cli.main, ["--site", str(site_dir), "new", "Panne TV", "-c", "adsl",
                                      "-m", "Nous enquêtons."], catch_exceptions=False)
    incident_id = result.output.splitlines()[0]
    assert f"reference: {refs.ref_of(incident_id)}" in result.output
    listed = runner.invoke(cli.main, ["--site", str(site_dir), "list"]).output
    assert refs.ref_of(FIBRE) in listed


# -- the lookup box in Chromium -------------------------------------------------------------

@pytest.fixture(scope="module")
def site_url(built) -> Iterator[str]:
    """The built site, an unknown address answered with its edition's 404 page."""
    with serving(root=built / "build", not_found=True) as (url, _server):
        yield url


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    yield from (context.new_page() for context in browser_context(chromium))


@pytest.mark.browser
@pytest.mark.parametrize(("start", "status"), [
    ("/", 200), ("/en/", 200), ("/r/", 200),
    ("/incidents/no-such-incident/", 404), ("/en/incidents/a/typo", 404), ("/r/ZZZZZZ/", 404),
])
def test_a_reference_typed_anyhow_leads_to_its_incident(page, site_url, start, status):
    """From each edition's home, /r/, and the not-found page an unknown address gets."""
    response = page.goto(site_url + start)
    assert response is not None and response.status == status
    reference = refs.ref_of(FIBRE)
    page.get_by_label(re.compile("référence|reference")).fill(
        f" {reference[:3].lower()} {reference[3:].lower()}")
    page.get_by_role("button", name=re.compile("Chercher|Find")).click()
    prefix = "/en" if start.startswith("/en/") else ""
    page.wait_for_url(f"{site_url}{prefix}/incidents/{FIBRE}/")
    # (in English, "(not yet translated)" follows the French title)
    expect(page.locator("h1")).to_contain_text("Coupure fibre à Lyon")


@pytest.mark.browser
@pytest.mark.parametrize(("start", "typed", "said"), [
    ("/", "ZZZZZZ", "Aucun incident n’a la référence « ZZZZZZ »"),
    ("/", "hello", "« hello » n’est pas une référence"),
    ("/incidents/no-such-incident/", "zz zz zz", "Aucun incident n’a la référence « zz zz zz »"),
    ("/en/no/such/page", "ZZZZZZ", "No incident has the reference “ZZZZZZ”"),
])
def test_an_unknown_reference_is_said_with_the_support_phone(page, site_url, start, typed,
                                                             said):
    page.goto(site_url + start)
    page.get_by_label(re.compile("Vous avez une référence|Have a reference")).fill(typed)
    page.get_by_role("button", name=re.compile("Chercher|Find")).click()
    message = page.locator("#ref-message")
    expect(message).to_contain_text(said)
    expect(message).to_contain_text(re.compile("Appelez le 3900|Call us on 3900"))
    assert page.url == site_url + start


@pytest.mark.browser
def test_without_javascript_the_box_leads_to_the_short_address(chromium, site_url):
    for context in browser_context(chromium, java_script_enabled=False):
        page = context.new_page()
        for start in ("/", "/incidents/no-such-incident/"):  # the home, the not-found page
            page.goto(site_url + start)
            page.get_by_label("Vous avez une référence ?").fill(refs.ref_of(FIBRE))
            page.get_by_role("button", name="Chercher").click()
            page.wait_for_url(re.compile(r"/r/\?ref="))
            expect(page.locator("main")).to_contain_text("status.test.example/r/K7M2QX/")
        page.goto(f"{site_url}/r/{refs.ref_of(FIBRE).lower()}/")  # the meta refresh
        page.wait_for_url(f"{site_url}/incidents/{FIBRE}/")


@pytest.mark.browser
def test_the_copy_button_copies_the_reference(chromium, site_url):
    for context in browser_context(chromium, permissions=["clipboard-read",
                                                          "clipboard-write"]):
        page = context.new_page()
        page.goto(f"{site_url}/incidents/{FIBRE}/")
        button = page.locator("button.copy")
        expect(button).to_have_text("Copier")
        button.click()
        expect(button).to_have_text("Copiée")
        assert page.evaluate("navigator.clipboard.readText()") == refs.ref_of(FIBRE)
