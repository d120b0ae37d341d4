"""The pages through Flask's test client, at a fixed now."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from conftest import FIBRE, PARIS, TRANSLATED

from statuspage.content.edition import LiveSite
from statuspage.content.loader import load_site
from statuspage.web import create_app


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_home_answers_in_the_customers_order(client):
    html = page(client, "/en/")
    order = [
        'class="overall ind-major"',  # is something wrong?
        "Coupure fibre à Lyon",  # which incident (no English title: the French one)
        # On a phone's first screen (issue 32): when is the next update, what should I do…
        'datetime="2026-11-26T18:00:00+01:00"',
        "Utilisez vos données mobiles.",
        'class="affected"',  # …then does it affect me: the components…
        "Clients fibre de Lyon 3e.",  # …and who is affected
        "Un câble a été coupé par des travaux.",  # the latest update
        'id="services"',  # then the rest
        'id="recent"',
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_untranslated_text_is_marked_with_its_language(client):
    html = page(client, "/en/")
    assert '<span lang="fr">Coupure fibre à Lyon</span>' in html
    assert '<html lang="en">' in html


NOTICE = '<small class="untranslated">(not yet translated)</small>'


@pytest.mark.parametrize("path", ["/en/", f"/en/incidents/{FIBRE}/"])
def test_untranslated_text_says_so_in_the_pages_language(client, path):
    """The French text stays marked French; after it, the English page says it is not yet
    translated: after the title, and after each text of the incident shown in French."""
    html = page(client, path)
    assert re.search(f'<span lang="fr">Coupure fibre à Lyon</span>(</a>)? {re.escape(NOTICE)}</h',
                     html)
    body = re.search(r'<div lang="fr">(.*?)</div>\n<p>(.*?)</p>', html, re.DOTALL)
    assert body is not None and "Un câble a été coupé par des travaux." in body.group(1)
    assert body.group(2) == NOTICE
    assert NOTICE not in page(client, f"/en/incidents/{TRANSLATED}/").split(
        "Le lot du 19 novembre")[0]  # a translated title and update: no notice before the
    french = page(client, path.removeprefix("/en"))  # untranslated one
    assert "untranslated" not in french and "traduit" not in french


def test_language_switch_points_to_the_same_page(client):
    html = page(client, f"/incidents/{FIBRE}/")
    assert f'<a href="/en/incidents/{FIBRE}/" lang="en" hreflang="en">English</a>' in html
    html = page(client, f"/en/incidents/{FIBRE}/")
    assert f'<a href="/incidents/{FIBRE}/" lang="fr" hreflang="fr">Français</a>' in html


def test_incident_permalink_shows_the_full_timeline_newest_first(client):
    html = page(client, "/en/incidents/2026-11-20-double-charge/")
    assert "Double charge" in html
    resolved = html.index("Refunds have been issued.")
    identified = html.index("Le lot du 19 novembre a été envoyé deux fois.")
    investigating = html.index("We are investigating.")
    assert resolved < identified < investigating
    assert 'id="update-20261124T1630Z-resolved"' in html
    assert 'datetime="2026-11-24T17:30:00+01:00"' in html
    assert "24 Nov 2026, 17:30 CET" in html  # British English, like the copy
    assert "2026-11-20-double-charge" in html  # the reference support agents quote
    assert "tel:3900" in html


def test_times_are_in_the_site_zone_in_every_language(client):
    assert "24 nov. 2026, 17:30 CET" in page(client, "/incidents/2026-11-20-double-charge/")
    assert "Europe/Paris" in page(client, "/")


def test_a_promise_in_the_past_is_said_not_hidden(site):
    late = create_app(site, now=datetime(2026, 11, 26, 19, 0, tzinfo=PARIS)).test_client()
    for url in ("/en/", f"/en/incidents/{FIBRE}/"):
        html = page(late, url)
        assert ('<dd class="late">Update expected at <time datetime="2026-11-26T18:00:00+01:00">'
                "18:00 CET on 26 Nov 2026</time>, not yet published</dd>") in html
    french = page(late, f"/incidents/{FIBRE}/")
    # "attendue à 18:00 CET le 26 nov.", not "attendue à 26 nov.".
    assert ('Mise à jour attendue à <time datetime="2026-11-26T18:00:00+01:00">18:00 CET le '
            "26 nov. 2026</time>, pas encore publiée") in french
    on_time = page(create_app(site, now=datetime(2026, 11, 26, 17, 0, tzinfo=PARIS))
                   .test_client(), "/en/")
    assert "not yet published" not in on_time and "By <time" in on_time


def test_history_and_month_and_component_pages(client):
    assert "/history/2026/11/" in page(client, "/history/")
    html = page(client, "/en/history/2026/11/")
    assert "Double charge" in html and "Coupure fibre à Lyon" in html
    html = page(client, "/en/components/fibre/")
    assert "Fibre at home." in html
    assert f"/en/incidents/{FIBRE}/" in html
    assert "/en/incidents/2026-11-20-double-charge/" not in html


@pytest.mark.parametrize("url", ["/incidents/nope/", "/components/nope/", "/history/2019/01/",
                                 "/fr/", "/de/", "/nowhere"])
def test_unknown_pages_are_404_with_a_way_back(client, url):
    html = page(client, url, 404)
    assert 'href="/"' in html and 'href="/history/"' in html


def test_an_incident_not_yet_started_is_not_published(site):
    early = create_app(site, now=datetime(2026, 11, 26, 6, 0, tzinfo=PARIS)).test_client()
    page(early, f"/incidents/{FIBRE}/", 404)
    assert "Coupure fibre à Lyon" not in page(early, "/")


def test_titles_and_names_are_escaped(site_dir, now):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    text = path.read_text(encoding="utf-8").replace(
        "title: Coupure fibre à Lyon", 'title: "<script>alert(1)</script>"')
    path.write_text(text, encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    html = page(client, "/")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_live_site_rereads_changed_content(site_dir):
    live = LiveSite(site_dir)
    client = create_app(live).test_client()
    assert "Coupure fibre à Lyon" in page(client, "/")
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Coupure fibre à Lyon",
                                                             "Fibre coupée à Lyon"),
                    encoding="utf-8")
    assert "Fibre coupée à Lyon" in page(client, "/")


def test_no_external_resources_and_only_our_own_small_script(client):
    """The one script (the lookup box, the copy button) is ours, deferred, and optional:
    the pages work without it (tests/test_refs.py)."""
    for url in ("/", "/en/", f"/incidents/{FIBRE}/", "/components/fibre/", "/history/"):
        html = page(client, url)
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(re.fullmatch(r'<script src="/static/lookup\.[0-9a-f]{10}\.js" defer>', s)
                   for s in scripts), scripts
        assert "<script>" not in html  # nothing inline
        assert "http://" not in html.replace('href="http://', "")
        for attribute in ('src="http', "@import", "url(http"):
            assert attribute not in html


def test_live_preview_shows_content_errors(site_dir):
    client = create_app(LiveSite(site_dir)).test_client()
    (site_dir / "incidents" / "2026-11-25-bad.md").write_text("oops\n", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 500
    assert response.get_data(as_text=True).startswith(
        "incidents/2026-11-25-bad.md:1: missing front matter")


def test_page_titles_are_plain_text_and_support_is_shown_once(client):
    html = page(client, f"/en/incidents/{FIBRE}/")
    assert "<title>Coupure fibre à Lyon · Test Status</title>" in html
    assert html.count('href="tel:3900"') == 1


def test_a_regional_language_code_is_served(site_dir, now):
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("[fr, en]", "[fr, en-GB]")
                      .replace("en:", "en-GB:"), encoding="utf-8")
    (site_dir / "incidents" / "2026-11-20-double-charge.en.md").unlink()
    charge = site_dir / "incidents" / "2026-11-20-double-charge.md"
    charge.write_text(charge.read_text(encoding="utf-8").replace("en:", "en-GB:"),
                      encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    html = page(client, "/en-GB/")
    assert '<html lang="en-GB">' in html
    assert "Fibre broadband: partial outage" in html
    assert "26 Nov 2026, 06:40 CET" in html  # British date order, 24-hour clock


def test_durations_are_real_time_across_the_clock_change(site_dir, now):
    (site_dir / "incidents" / "2026-10-25-nuit.md").write_text(
        "---\ntitle: Nuit\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-10-25 01:00\n"
        "---\n## 2026-10-25 04:00 · resolved\nRétabli.\n", encoding="utf-8")
    client = create_app(load_site(site_dir), now=now).test_client()
    html = page(client, "/en/incidents/2026-10-25-nuit/")
    # 01:00 CEST to 04:00 CET: four hours, though the clocks moved three
    assert "<dt>Duration</dt><dd>4 hrs</dd>" in html  # (British: hrs)


def test_uptime_bars_have_a_text_equivalent(client):
    html = page(client, "/en/components/billing/")
    bars = html[html.index('<div class="uptime">'):]
    bars = bars[:bars.index("</div>")]
    # the summary in words; the bars themselves are hidden, each day with an incident leads
    # to its line in the visible list below (a finger reaches it on a phone)
    assert '<p class="vh">Uptime over the last 90 days: ' in bars
    assert '<ol class="bars" aria-hidden="true">' in bars
    assert '<a href="#d-2026-11-20" tabindex="-1"' in bars
    assert re.search(r'<li id="d-2026-11-20">Friday, 20 November 2026: <span class="st '
                     r'st-partial_outage">.*?Partial outage</span> [\d.]+% uptime\s*<ul><li>'
                     r'<a href="/en/incidents/2026-11-20-double-charge/">Double charge</a>', html)
    quiet = page(client, "/en/components/adsl/")
    assert "Days with an incident" not in quiet  # no incident: the summary says it all


def test_live_preview_serves_a_language_added_while_it_runs(site_dir):
    client = create_app(LiveSite(site_dir)).test_client()
    assert client.get("/es/").status_code == 404
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("[fr, en]", "[fr, en, es]"), "utf-8")
    response = client.get("/es/")
    assert response.status_code == 200
    assert '<html lang="es">' in response.get_data(as_text=True)
    assert client.get(f"/es/incidents/{FIBRE}/").status_code == 200
    config.write_text(config.read_text("utf-8").replace("[fr, en, es]", "[fr, en]"), "utf-8")
    assert client.get("/es/").status_code == 404


def test_live_preview_starts_on_broken_content_and_shows_it(site_dir):
    (site_dir / "incidents" / "2026-11-25-bad.md").write_text("oops\n", encoding="utf-8")
    client = create_app(LiveSite(site_dir)).test_client()  # no error at start
    response = client.get("/")
    assert response.status_code == 500
    assert "incidents/2026-11-25-bad.md:1: missing front matter" in response.get_data(
        as_text=True)
    (site_dir / "incidents" / "2026-11-25-bad.md").unlink()
    assert client.get("/").status_code == 200


def test_history_lists_the_latest_incidents_and_counts_maintenance_apart(site_dir):
    (site_dir / "incidents" / "2026-10-03-tv.md").write_text(
        "---\ntitle: {fr: Panne TV, en: TV outage}\nimpact: minor\ncomponents: [adsl]\n"
        "started: 2026-10-03 20:00\n---\n## 2026-10-03 21:00 · resolved\nRéparé.\n\n"
        "## 2026-10-03 20:05 · investigating\nOn regarde.\n", encoding="utf-8")
    (site_dir / "incidents" / "2026-11-10-travaux.md").write_text(
        "---\ntitle: {fr: Travaux réseau, en: Network works}\ncomponents: [fibre]\n"
        "maintenance:\n  start: 2026-11-10 02:00\n  end: 2026-11-10 04:00\n---\n",
        encoding="utf-8")
    client = create_app(load_site(site_dir), now=datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
                        ).test_client()
    html = page(client, "/en/history/")
    latest = html[html.index('id="latest"'):html.index('id="by-month"')]
    # Newest first, each with its impact and services; maintenance is not an incident.
    assert [m for m in re.findall(r'/en/incidents/([\w-]+)/', latest)] == [
        FIBRE, "2026-11-20-double-charge", "2026-10-03-tv"]
    assert "Major impact" in latest and "Minor impact" in latest
    assert "Fibre broadband" in latest and "Billing" in latest
    months = html[html.index('id="by-month"'):]
    assert re.search(r"November 2026</a>\s*<small>2 incidents · 1 maintenance</small>",
                     months)
    assert re.search(r"October 2026</a>\s*<small>1 incident</small>", months)

    november = page(client, "/en/history/2026/11/")
    incidents, planned = november.split('id="planned"')
    assert FIBRE in incidents and "2026-11-10-travaux" not in incidents
    assert "2026-11-10-travaux" in planned
    assert '<a rel="prev" href="/en/history/2026/10/">← October 2026</a>' in november
    assert 'rel="next"' not in november
    october = page(client, "/history/2026/10/")
    assert "<h1>Incidents d’octobre 2026</h1>" in october  # elided before a vowel
    assert "<h1>Incidents de novembre 2026</h1>" in page(client, "/history/2026/11/")
    assert '<a rel="next" href="/history/2026/11/">novembre 2026 →</a>' in october
    assert 'rel="prev"' not in october and 'id="planned"' not in october


def test_the_footer_names_the_zone_in_words(client):
    assert "Les heures sont indiquées à l’heure de Paris." in page(client, "/")
    assert "Times are Paris time." in page(client, "/en/")


def test_the_day_an_open_incident_started_is_not_called_quiet(client):
    """Past incidents do not list the fibre cut (in progress, shown above), but they do not
    say its day had no incidents either."""
    html = page(client, "/en/")
    recent = html[html.index('id="recent"'):]
    recent = recent[:recent.index("</section>")]
    assert ('Thursday, 26 November 2026</h3>\n  <p class="none">In progress, shown above.'
            in recent)
    assert "No incidents from 21 Nov to 25 Nov." in recent and "to 26 Nov" not in recent
    assert FIBRE not in recent
