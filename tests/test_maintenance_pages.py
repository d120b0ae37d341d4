"""Planned maintenance on the site: announced, in progress, completed, at the right times."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from conftest import PARIS

from statuspage.content.loader import load_site
from statuspage.web import create_app

WORKS = "2026-12-03-travaux-adsl"
LATER = "2027-01-20-migration-facturation"

MAINTENANCE = """\
---
title: {fr: Travaux sur le réseau ADSL, en: ADSL network works}
impact: minor
components: [adsl]
maintenance:
  start: 2026-12-03 01:00
  end: 2026-12-03 05:00
who_is_affected: Clients ADSL du Rhône.
---
## 2026-11-25 10:00 · scheduled
Travaux prévus de 1 h à 5 h.
"""

FAR = """\
---
title: Migration de la facturation
impact: minor
components: [billing]
maintenance: {start: 2027-01-20 22:00, end: 2027-01-21 02:00}
---
## 2026-11-25 10:00 · scheduled
Migration prévue.
"""


@pytest.fixture
def works_dir(site_dir):
    (site_dir / "incidents" / f"{WORKS}.md").write_text(MAINTENANCE, "utf-8")
    (site_dir / "incidents" / f"{LATER}.md").write_text(FAR, "utf-8")
    return site_dir


def get(site_dir, url: str, now: datetime) -> str:
    response = create_app(load_site(site_dir), now=now).test_client().get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def section(html: str, heading_id: str) -> str:
    """The text of the <section> whose heading has ``heading_id``, tags removed."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def adsl_badge(html: str) -> str:
    match = re.search(r'href="/components/adsl/">ADSL</a> <span class="st st-(\w+)"', html)
    return match.group(1)


def test_before_the_window_it_is_announced_with_its_window(works_dir):
    home = get(works_dir, "/", datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    upcoming = section(home, "maintenance-next")
    assert "Travaux sur le réseau ADSL Prévue 3 déc. 2026, 01:00 CET – 05:00 CET" in upcoming
    assert "Migration" not in upcoming  # beyond the 30 days shown
    assert section(home, "maintenance-now") == ""
    assert adsl_badge(home) == "operational"
    component = get(works_dir, "/en/components/adsl/", datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    assert "ADSL network works" in component
    assert '<time datetime="2026-12-03T01:00:00+01:00">3 Dec 2026, 01:00' in component
    permalink = get(works_dir, f"/incidents/{WORKS}/", datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    assert "Période prévue" in permalink and "En cours depuis" not in permalink
    # in the maintenance colour, like its card on the home page, not in its impact's
    assert '<article class="incident maintenance">' in permalink
    assert "impact-minor" not in permalink


def test_during_the_window_it_is_shown_first_and_the_component_is_under_maintenance(works_dir):
    home = get(works_dir, "/", datetime(2026, 12, 3, 2, 0, tzinfo=PARIS))
    now = section(home, "maintenance-now")
    assert "Travaux sur le réseau ADSL" in now and "En cours" in now
    assert "Clients ADSL du Rhône." in now and "Travaux prévus de 1 h à 5 h." in now
    assert "Travaux" not in section(home, "maintenance-next")
    assert adsl_badge(home) == "under_maintenance"
    assert home.index('id="maintenance-now"') < home.index('id="services"')


def test_after_the_window_it_is_completed_and_in_the_history(works_dir):
    moment = datetime(2026, 12, 3, 6, 0, tzinfo=PARIS)
    home = get(works_dir, "/", moment)
    assert "Travaux" not in section(home, "maintenance-now") + section(home, "maintenance-next")
    assert adsl_badge(home) == "operational"
    month = get(works_dir, "/history/2026/12/", moment)
    assert "Travaux sur le réseau ADSL" in month and "Terminée" in month


def test_how_far_ahead_is_configurable(works_dir):
    config = works_dir / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8") + "upcoming_days: 60\n", "utf-8")
    home = get(works_dir, "/", datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    upcoming = section(home, "maintenance-next")
    assert upcoming.index("Travaux") < upcoming.index("Migration de la facturation")
    assert "20 janv. 2027, 22:00 CET – 21 janv. 2027, 02:00 CET" in upcoming


def test_a_cancelled_maintenance_leaves_the_page(works_dir):
    path = works_dir / "incidents" / f"{WORKS}.md"
    path.write_text(MAINTENANCE.replace(
        "## 2026-11-25 10:00", "## 2026-11-27 09:00 · cancelled\nReportés.\n\n"
        "## 2026-11-25 10:00"), "utf-8")
    moment = datetime(2026, 12, 3, 2, 0, tzinfo=PARIS)
    home = get(works_dir, "/", moment)
    assert "Travaux" not in section(home, "maintenance-now") + section(home, "maintenance-next")
    assert adsl_badge(home) == "operational"
    assert "Annulée" in get(works_dir, f"/incidents/{WORKS}/", moment)


def test_a_maintenance_written_ahead_appears_with_its_announcement(works_dir):
    path = works_dir / "incidents" / f"{WORKS}.md"
    path.write_text(MAINTENANCE.replace("2026-11-25 10:00 · scheduled",
                                        "2026-11-28 09:00 · scheduled"), "utf-8")
    before = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
    assert "Travaux" not in get(works_dir, "/", before)
    assert f"UID:{WORKS}@" not in get(works_dir, "/maintenance.ics", before)
    after = datetime(2026, 11, 28, 9, 0, tzinfo=PARIS)
    assert "Travaux sur le réseau ADSL" in section(get(works_dir, "/", after), "maintenance-next")
