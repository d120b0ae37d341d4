"""Feeds and calendar, read back by real parsers: feedparser, lxml, icalendar."""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from conftest import FIBRE, NOW, PARIS
from icalendar import Calendar
from lxml import etree

from statuspage import cli, i18n
from statuspage.content.loader import load_site
from statuspage.freeze.build import BuildOptions, build
from statuspage.web import create_app

BASE = "https://status.test.example"
BILLING = "2026-11-20-double-charge"
WORKS = "2026-12-03-travaux-adsl"
ATOM_NS = "{http://www.w3.org/2005/Atom}"

MAINTENANCE = """\
---
title: {fr: Travaux sur le réseau ADSL, en: ADSL network works}
impact: minor
components: [adsl]
maintenance:
  start: 2026-12-03 01:00
  end: 2026-12-03 05:00
---
Remplacement d'équipements.

## 2026-11-25 10:00 · scheduled
Travaux prévus de 1 h à 5 h.
"""


@pytest.fixture
def feed_site(site_dir: Path) -> Path:
    """The basic site with a planned maintenance on ADSL."""
    (site_dir / "incidents" / f"{WORKS}.md").write_text(MAINTENANCE, "utf-8")
    return site_dir


def parse(out: Path, path: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((out / path).read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def feed_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.suffix in (".rss", ".atom"))


def ids(out: Path, path: str) -> list[str]:
    return [entry.id for entry in parse(out, path).entries]


def update(site: Path, monkeypatch, *args: str) -> None:
    from click.testing import CliRunner

    monkeypatch.setattr(cli, "_now", lambda: NOW)
    result = CliRunner().invoke(cli.main, ["--site", str(site), "update", *args])
    assert result.exit_code == 0, result.output


def test_every_feed_is_valid_for_feedparser(feed_site: Path, tmp_path: Path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    files = feed_files(out)
    # per edition: updates and history in 2 formats, 3 components × 2 formats, and each of
    # the 3 incidents followed (open, ended lately, or to come) in 2 formats
    assert len(files) == 2 * (2 + 2 + 3 * 2 + 3 * 2)
    for path in files:
        parsed = parse(out, path)
        assert parsed.version == ("rss20" if path.endswith(".rss") else "atom10")
        lang = "en" if path.startswith("en/") else "fr"
        assert parsed.feed.language == lang
        # the self link is the feed's own public address
        assert {link.href for link in parsed.feed.links if link.rel == "self"} == {
            f"{BASE}/{path}"}


def test_one_entry_per_update_newest_first_in_the_edition_language(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    fr = parse(out, "updates.atom").entries
    en = parse(out, "en/updates.rss").entries
    # fibre: 2 updates, billing: 3, the maintenance notice: 1
    assert [e.title for e in fr] == [
        "Cause identifiée\u00a0: Coupure fibre à Lyon",
        "Analyse en cours\u00a0: Coupure fibre à Lyon",
        "Prévue\u00a0: Travaux sur le réseau ADSL",
        "Résolu\u00a0: Double prélèvement",
        "Cause identifiée\u00a0: Double prélèvement",
        "Analyse en cours\u00a0: Double prélèvement",
    ]
    assert [e.title for e in en] == [
        "Identified: Coupure fibre à Lyon",
        "Investigating: Coupure fibre à Lyon",
        "Scheduled: ADSL network works",
        "Resolved: Double charge",
        "Identified: Double charge",
        "Investigating: Double charge",
    ]
    times = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in fr]
    assert times == sorted(times, reverse=True)
    assert times[0] == datetime(2026, 11, 26, 8, 10, tzinfo=PARIS)
    # content: the update, then who is affected and what to do, in the edition's language
    assert "Refunds have been issued." in en[3].description
    assert "Customers charged on 20 November." in en[3].description
    assert "Nothing, the refund is automatic." in en[3].description
    assert "Remboursements effectués." in fr[3].content[0].value


def test_entry_links_open_the_update_on_its_permalink(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    for path in ("updates.rss", "en/updates.atom", "components/fibre/updates.rss"):
        for entry in parse(out, path).entries:
            assert entry.id == entry.link
            assert entry.link.startswith(BASE + "/")
            page, anchor = entry.link[len(BASE) + 1:].split("#")
            html = (out / page / "index.html").read_text("utf-8")
            assert f'id="{anchor}"' in html, entry.link


def test_ids_are_stable_and_a_new_update_adds_exactly_one_entry(feed_site, tmp_path,
                                                                monkeypatch):
    first = build(feed_site, BuildOptions(out=tmp_path / "first", now=NOW)).out
    again = build(feed_site, BuildOptions(out=tmp_path / "again", now=NOW + timedelta(hours=1))).out
    for path in feed_files(first):
        # nothing new: the same bytes, whatever the time of the build
        assert (first / path).read_bytes() == (again / path).read_bytes(), path
    before = {path: ids(first, path) for path in feed_files(first)}

    update(feed_site, monkeypatch, FIBRE, "--status", "monitoring", "-m", "Réparé, on surveille.")
    after_out = build(feed_site, BuildOptions(out=tmp_path / "after",
                                              now=NOW + timedelta(minutes=5))).out
    for path, old in before.items():
        new = ids(after_out, path)
        added = [i for i in new if i not in old]
        assert [i for i in new if i in old] == old, f"{path}: existing ids changed"
        if "history" in path:
            assert added == [], path  # history: one entry per incident, updated in place
        elif path.startswith(("components/billing", "en/components/billing",
                              "components/adsl", "en/components/adsl")) or (
                "incidents/" in path and FIBRE not in path):
            assert added == [], path  # other services, other incidents: nothing
        else:
            assert len(added) == 1 and added == new[:1], path
    fr = parse(after_out, "updates.rss").entries[0]
    en = parse(after_out, "en/updates.atom").entries[0]
    assert fr.title == "Sous surveillance\u00a0: Coupure fibre à Lyon"
    assert en.title == "Monitoring: Coupure fibre à Lyon"
    assert "Réparé, on surveille." in fr.description
    history = parse(after_out, "history.rss").entries[0]
    assert history.id == f"{BASE}/incidents/{FIBRE}/"
    assert history.description.count("<small>") == 3


def test_a_feed_without_entries_does_not_change_from_build_to_build(site_dir, tmp_path):
    first = build(site_dir, BuildOptions(out=tmp_path / "first", now=NOW)).out
    later = build(site_dir, BuildOptions(out=tmp_path / "later", now=NOW + timedelta(days=1))).out
    for path in ("components/adsl/updates.atom", "en/components/adsl/updates.rss"):
        assert parse(first, path).entries == []
        assert (first / path).read_bytes() == (later / path).read_bytes()


def test_component_feeds_carry_only_their_incidents(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    expected = {"fibre": {FIBRE}, "billing": {BILLING}, "adsl": {WORKS}}
    for component, incidents in expected.items():
        for prefix in ("", "en/"):
            parsed = parse(out, f"{prefix}components/{component}/updates.atom")
            assert parsed.feed.link == f"{BASE}/{prefix}components/{component}/"
            entries = parsed.entries
            assert entries
            assert {e.link.split("/incidents/")[1].split("/")[0] for e in entries} == incidents


def test_feeds_hold_at_most_feed_entries(feed_site, tmp_path):
    config = feed_site / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8") + "feed_entries: 2\n", "utf-8")
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    titles = [e.title for e in parse(out, "updates.rss").entries]
    assert titles == ["Cause identifiée\u00a0: Coupure fibre à Lyon",
                      "Analyse en cours\u00a0: Coupure fibre à Lyon"]
    assert len(parse(out, "history.atom").entries) == 2


def test_dates_carry_their_offset(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    rss = etree.parse(str(out / "updates.rss"))
    for date in rss.iterfind(".//pubDate"):
        assert date.text.endswith(" +0100"), date.text  # RFC 822, site zone
        assert parsedate_to_datetime(date.text).tzinfo is not None
    atom = etree.parse(str(out / "updates.atom"))
    for date in atom.iterfind(f".//{ATOM_NS}updated"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00", date.text)  # RFC 3339


def test_history_feeds_follow_statuspage(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    rss = etree.parse(str(out / "en" / "history.rss")).getroot()
    channel = rss.find("channel")
    assert channel.findtext("title") == "Test Status Status - Incident History"
    assert channel.findtext("link") == f"{BASE}/en/"
    items = {item.findtext("guid"): item for item in channel.iterfind("item")}
    billing = items[f"{BASE}/en/incidents/{BILLING}/"]
    assert billing.findtext("link") == f"{BASE}/en/incidents/{BILLING}/"
    assert billing.findtext("description").startswith(
        "<p><small>Nov <var data-var='date'>24</var>, <var data-var='time'>17:30</var> CET"
        "</small><br><strong>Resolved</strong> - Refunds have been issued.</p>\n"
        "<p><small>Nov <var data-var='date'>21</var>, <var data-var='time'>10:00</var> CET"
        "</small><br><strong>Identified</strong> - Le lot du 19 novembre")
    works = items[f"{BASE}/en/incidents/{WORKS}/"]
    assert works.findtext("maintenanceEndDate") == "Thu, 03 Dec 2026 05:00:00 +0100"
    assert works.findtext("description") == (
        "<p><strong>THIS IS A SCHEDULED EVENT Dec <var data-var='date'>3</var>, "
        "<var data-var='time'>01:00</var> - <var data-var='time'>05:00</var> CET</strong></p>\n"
        "<p><small>Nov <var data-var='date'>25</var>, <var data-var='time'>10:00</var> CET"
        "</small><br><strong>Scheduled</strong> - Travaux prévus de 1 h à 5 h.</p>")
    assert billing.find("maintenanceEndDate") is None
    # The French feed has no Statuspage original (its titles are translated too): its marker
    # is our own words, in sentence case like every other French text.
    french = etree.parse(str(out / "history.rss")).getroot().find("channel")
    works_fr = next(item for item in french.iterfind("item")
                    if item.findtext("guid") == f"{BASE}/incidents/{WORKS}/")
    assert works_fr.findtext("description").startswith(
        "<p><strong>Maintenance prévue <var data-var='date'>3</var> déc., ")
    # feedparser, as Statuspage feed tools use it, sees the same
    parsed = parse(out, "en/history.rss")
    assert parsed.feed.title == "Test Status Status - Incident History"
    entry = next(e for e in parsed.entries if e.link.endswith(f"/{WORKS}/"))
    assert entry.maintenanceenddate == "Thu, 03 Dec 2026 05:00:00 +0100"
    atom = parse(out, "history.atom")
    assert {e.id for e in atom.entries} == {
        f"{BASE}/incidents/{i}/" for i in (FIBRE, BILLING, WORKS)}


def test_french_history_feeds_write_dates_in_french(feed_site, tmp_path):
    """The French feed's dates are in French order ("3 déc.", as Babel writes them, not
    Statuspage's English "déc. 3"), with the markup Statuspage's tools read the numbers
    from; the English feed keeps Statuspage's order."""
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    for feed, expected in (("history.rss", "25 nov., 10:00 CET"),
                           ("en/history.rss", "Nov 25, 10:00 CET")):
        items = parse(out, feed).entries
        works = next(e for e in items if e.link.endswith(f"/{WORKS}/")).description
        assert f"<small>{expected}</small>" in re.sub(r"</?var[^>]*>", "", works), works
    french = parse(out, "history.rss").entries
    stamps = [re.sub(r"</?var[^>]*>", "", stamp) for entry in french
              for stamp in re.findall(r"<small>(.*?)</small>", entry.description)]
    assert len(stamps) >= 4
    for stamp in stamps:
        day = re.fullmatch(r"(.+), \d\d:\d\d CET", stamp).group(1)
        number = int(re.match(r"\d+", day).group())
        month = 12 if "déc." in day else 11
        assert day == i18n.format_short_day(dt.date(2026, month, number), "fr"), stamp
    assert "<var>3</var> déc., <var>01:00</var>" in next(  # (feedparser drops the data-var)
        e for e in french if e.link.endswith(f"/{WORKS}/")).description


def events(out: Path, path: str) -> dict[str, object]:
    calendar = Calendar.from_ical((out / path).read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_maintenance_calendar(feed_site, tmp_path, monkeypatch):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    found = events(out, "maintenance.ics")
    assert list(found) == [f"{WORKS}@status.test.example"]
    event = found[f"{WORKS}@status.test.example"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    assert b"DTSTART:20261203T000000Z" in (out / "maintenance.ics").read_bytes()
    assert str(event["SUMMARY"]) == "Travaux sur le réseau ADSL"
    assert str(event["URL"]) == f"{BASE}/incidents/{WORKS}/"
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CONFIRMED", 0)
    english = events(out, "en/maintenance.ics")[f"{WORKS}@status.test.example"]
    assert str(english["SUMMARY"]) == "ADSL network works"
    assert str(english["URL"]) == f"{BASE}/en/incidents/{WORKS}/"
    assert list(events(out, "components/adsl/maintenance.ics")) == list(found)
    assert events(out, "components/billing/maintenance.ics") == {}

    update(feed_site, monkeypatch, WORKS, "--status", "cancelled", "-m", "Travaux reportés.")
    out = build(feed_site, BuildOptions(out=tmp_path / "after", now=NOW + timedelta(minutes=5))).out
    cancelled = events(out, "maintenance.ics")[f"{WORKS}@status.test.example"]
    assert (str(cancelled["STATUS"]), cancelled["SEQUENCE"]) == ("CANCELLED", 1)


def test_no_script_survives_into_a_feed_or_the_calendar(site_dir, tmp_path):
    from test_freeze import HOSTILE, HOSTILE_EN

    (site_dir / "incidents" / "2026-11-25-hostile.md").write_text(HOSTILE, "utf-8")
    (site_dir / "incidents" / "2026-11-25-hostile.en.md").write_text(HOSTILE_EN, "utf-8")
    works = HOSTILE.replace("started: 2026-11-25 10:00\n",
                            "maintenance: {start: 2026-12-03 01:00, end: 2026-12-03 05:00}\n")
    works = works.replace("## 2026-11-25 10:30 · identified",
                          "<!-- note interne -->\n\n## 2026-11-25 10:30 · scheduled")
    (site_dir / "incidents" / "2026-12-03-hostile-works.md").write_text(works, "utf-8")
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    for path in ("maintenance.ics", "en/maintenance.ics", "components/adsl/maintenance.ics"):
        calendar = Calendar.from_ical((out / path).read_bytes())
        [event] = calendar.walk("VEVENT")
        text = str(event["DESCRIPTION"]).lower()
        assert "bloc" in text  # the update is there, as the page shows it
        for banned in ("<script", "onerror", "onclick", "javascript:", "<img", "note interne"):
            assert banned not in text, f"{banned} in {path}"
    checked = 0
    for path in feed_files(out):
        root = etree.parse(str(out / path)).getroot()
        for element in root.iter("description", f"{ATOM_NS}content"):
            html = (element.text or "").lower()  # the HTML a feed reader will render
            for banned in ("<script", "onerror", "onclick", "javascript:", "<img"):
                assert banned not in html, f"{banned} in {path}"
            checked += "trapped" in html or "piégé" in html or "ici</a>" in html
    assert checked, "the hostile incident should be in the feeds"


@pytest.mark.parametrize(("url", "mimetype"), [
    ("/updates.rss", "application/rss+xml"),
    ("/en/updates.atom", "application/atom+xml"),
    ("/components/fibre/updates.rss", "application/rss+xml"),
    ("/history.atom", "application/atom+xml"),
    ("/en/history.rss", "application/rss+xml"),
    ("/maintenance.ics", "text/calendar"),
    ("/en/components/adsl/maintenance.ics", "text/calendar"),
])
def test_content_types(client, url, mimetype):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    # the frozen file's extension maps to the same type
    assert mimetypes.guess_type(url)[0] == mimetype


def test_unknown_component_feed_is_not_found(client):
    assert client.get("/components/nope/updates.rss").status_code == 404
    assert client.get("/components/nope/maintenance.ics").status_code == 404


def test_every_page_announces_its_feeds(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    pages = [p for p in out.rglob("*.html") if p.relative_to(out).parts[0] != "r"]
    assert len(pages) > 10  # (not the /r/<REF>/ pages: they only send the visitor on)
    for page in pages:
        html = page.read_text("utf-8")
        prefix = "/en" if page.relative_to(out).parts[0] == "en" else ""
        alternates = re.findall(r'<link rel="alternate" type="application/(\w+)\+xml" '
                                r'href="([^"]+)"', html)
        assert ("atom", f"{prefix}/updates.atom") in alternates, page
        assert ("rss", f"{prefix}/updates.rss") in alternates, page
        if page.parent.parent.name == "components":
            component = page.parent.name
            assert alternates[0] == ("atom", f"{prefix}/components/{component}/updates.atom")


def test_subscribe_section_on_home_and_component_pages(feed_site, tmp_path):
    out = build(feed_site, BuildOptions(out=tmp_path / "out", now=NOW)).out
    home = (out / "index.html").read_text("utf-8")
    assert 'id="subscribe"' in home and "Suivre les mises à jour" in home
    assert 'href="webcal://status.test.example/maintenance.ics"' in home
    assert 'href="/updates.rss"' in home and 'href="/history.atom"' in home
    english = (out / "en" / "components" / "fibre" / "index.html").read_text("utf-8")
    assert "Follow updates" in english and "Updates on Fibre broadband only:" in english
    assert 'href="/en/components/fibre/updates.atom"' in english
    assert 'href="webcal://status.test.example/en/components/fibre/maintenance.ics"' in english
    for component in ("fibre", "adsl", "billing"):
        page = (out / "components" / component / "index.html").read_text("utf-8")
        assert 'id="subscribe"' in page


def test_feeds_follow_the_live_site(site_dir, now):
    """The preview (statuspage serve) serves the same feeds, re-read as content changes."""
    from statuspage.content.edition import LiveSite

    client = create_app(LiveSite(site_dir), now=now).test_client()
    before = feedparser.parse(client.get("/updates.atom").data)
    (site_dir / "incidents" / f"{WORKS}.md").write_text(MAINTENANCE, "utf-8")
    after = feedparser.parse(client.get("/updates.atom").data)
    assert len(after.entries) == len(before.entries) + 1
    assert load_site(site_dir).incident(WORKS) is not None


def test_two_updates_in_the_same_minute_are_two_entries(site_dir, tmp_path, monkeypatch):
    update(site_dir, monkeypatch, FIBRE, "--status", "monitoring", "-m", "Première.")
    update(site_dir, monkeypatch, FIBRE, "--status", "monitoring", "-m", "Seconde.")
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    entries = parse(out, "updates.atom").entries
    assert [e.id.split("#")[1] for e in entries[:2]] == [
        "update-20261126T1100Z-monitoring-2", "update-20261126T1100Z-monitoring"]
    assert "Seconde." in entries[0].content[0].value
    assert "Première." in entries[1].content[0].value
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    page = (out / "incidents" / FIBRE / "index.html").read_text("utf-8")
    assert page.count('id="update-20261126T1100Z-monitoring') == 2


def test_rss_titles_are_plain_text_in_any_reader(site_dir, now):
    (site_dir / "incidents" / "2026-11-25-markup.md").write_text(
        '---\ntitle: "<b>Gras</b> & <script>alert(1)</script>"\nimpact: minor\n'
        "components: [adsl]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · investigating\nx\n", encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    for url in ("/updates.rss", "/history.rss"):
        feed = feedparser.parse(client.get(url).data)
        titles = [e.title for e in feed.entries if "Gras" in e.title]
        assert titles and all("<" not in t and ">" not in t for t in titles), titles
        assert "‹b›Gras‹/b› & ‹script›alert(1)‹/script›" in titles[0]


def test_an_incident_feed_without_updates_is_dated_from_the_incident(site_dir, tmp_path):
    """Its own feed says when the incident started, not the site's latest news (which
    another incident's update moves)."""
    started = (NOW - timedelta(hours=3)).astimezone(PARIS)
    (site_dir / "incidents" / "2026-11-26-silent.md").write_text(
        "---\ntitle: Lenteurs\nimpact: minor\ncomponents: [fibre]\n"
        f"started: {started:%Y-%m-%d %H:%M}\n---\nNous regardons.\n", "utf-8")
    out = build(site_dir, BuildOptions(out=tmp_path / "out", now=NOW)).out
    for path in ("incidents/2026-11-26-silent/updates.atom",
                 "en/incidents/2026-11-26-silent/updates.rss"):
        feed = parse(out, path)
        assert feed.entries == []
        assert feed.feed.updated_parsed[:5] == started.astimezone(UTC).timetuple()[:5], path
