"""site.yaml french_typography: French text staff wrote is shown with French typography
(no-break spaces, units kept with their number, typographic apostrophes) on the pages, in
French only, never inside code; off by default; the files are never changed."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIBRE, NOW

from statuspage.content.loader import load_site
from statuspage.web import create_app

NBSP = "\u00a0"
INCIDENT = """---
title: "Panne : l'internet de Lyon"
impact: major
components:
  fibre: partial_outage
started: 2026-11-26 06:40
who_is_affected: "Les clients d'une partie de Lyon ; pas ailleurs !"
what_to_do: Prenez 50 Go offerts sur votre mobile.
---
## 2026-11-26 08:10 · identified
Retour prévu à 18 h, peut-être 6 h 40 demain ? Déjà 60 % des 10 000 fibres « réparées ».

Tapez `ping :8080 l'hôte` pour vérifier, ou voir [l'aide](https://example.com/a?b=c).
"""


def _site(site_dir: Path, on: bool):
    (site_dir / "incidents" / f"{FIBRE}.md").write_text(INCIDENT, encoding="utf-8")
    if on:
        config = site_dir / "content" / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "french_typography: true\n",
                          encoding="utf-8")
    return create_app(load_site(site_dir), now=NOW).test_client()


def test_french_content_gets_french_typography(site_dir):
    client = _site(site_dir, on=True)
    html = client.get(f"/incidents/{FIBRE}/").get_data(as_text=True)
    assert f"<h1>Panne{NBSP}: l’internet de Lyon</h1>" in html
    assert f"Les clients d’une partie de Lyon{NBSP}; pas ailleurs{NBSP}!" in html
    assert f"50{NBSP}Go offerts" in html
    assert f"à 18{NBSP}h, peut-être 6{NBSP}h{NBSP}40 demain{NBSP}?" in html
    assert f"60{NBSP}% des 10\u202f000 fibres «{NBSP}réparées{NBSP}»" in html
    # Code, and the addresses of links, stay as written.
    assert "<code>ping :8080 l'hôte</code>" in html
    assert 'href="https://example.com/a?b=c"' in html and ">l’aide</a>" in html
    # The home page's card too.
    home = client.get("/").get_data(as_text=True)
    assert f"Panne{NBSP}: l’internet de Lyon" in home and f"18{NBSP}h" in home
    # The file itself is untouched.
    assert (site_dir / "incidents" / f"{FIBRE}.md").read_text(encoding="utf-8") == INCIDENT


def test_french_text_on_the_english_page_is_typeset_only_as_french(site_dir):
    client = _site(site_dir, on=True)
    html = client.get(f"/en/incidents/{FIBRE}/").get_data(as_text=True)
    # Not translated: the French text is shown, marked as French, with French typography.
    assert f'<span lang="fr">Panne{NBSP}: l’internet de Lyon</span>' in html
    # English interface strings keep English typography.
    assert f"Affected services{NBSP}" not in html and "Still need help?" in html


def test_off_by_default(site_dir):
    html = _site(site_dir, on=False).get(f"/incidents/{FIBRE}/").get_data(as_text=True)
    assert "à 18 h, peut-être 6 h 40 demain ?" in html
    assert "<h1>Panne : l&#39;internet de Lyon</h1>" in html


def test_a_value_other_than_true_or_false_is_refused_with_its_line(site_dir, runner):
    from statuspage import cli
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "french_typography: oui\n",
                      encoding="utf-8")
    result = runner.invoke(cli.main, ["--site", str(site_dir), "check"])
    assert result.exit_code == 1
    lines = config.read_text(encoding="utf-8").count("\n")
    assert f"content/site.yaml:{lines}: french_typography: expected true or false" \
        in result.output


def test_percentages_follow_each_language(client):
    """French puts a no-break space before %, British English none."""
    french = client.get("/components/fibre/").get_data(as_text=True)
    english = client.get("/en/components/fibre/").get_data(as_text=True)
    assert re.search(r"\d,\d\d\u00a0% de disponibilité", french)
    assert re.search(r"\d\.\d\d% uptime", english) and not re.search(r"\d\s%", english)


def test_the_french_interface_uses_typographic_apostrophes(client):
    html = client.get("/").get_data(as_text=True)
    assert "Aujourd’hui" in html and "Besoin d’aide" in html
    assert "Aujourd'hui" not in html and "d'aide" not in html
