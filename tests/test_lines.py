"""A list's line of one incident is made once per state and kept from one build to the next
by the caller (the daemon), not made again at each build of the moment pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW
from test_incremental import tree

from statuspage.content.edition import DESK, PUBLIC
from statuspage.content.loader import Loader
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches
from statuspage.state import settled as settled_module
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot


def test_the_moment_pages_lines_are_made_once_across_builds(example_dir):
    loader, caches = Loader(example_dir), Caches()
    site = loader.load()
    build(example_dir, BuildOptions(now=NOW, workers=1), site=site, caches=caches)
    lines = caches.settled.lines
    assert lines is not None and len(lines) > 10
    # The pages' lists (``lines``: the home page's, the history's, a place's with its
    # maintenance), the API's incidents, the days of each service's page, the banner's
    # paragraphs, the postcode files' entries and the feeds' updates are kept there too.
    kinds = {key[0] for key in lines}
    assert {"incident_line", "history_line", "maintenance_line", "day_line", "api.incident",
            "banner row incident", "zone entry"} <= kinds
    assert any(kind.startswith("feed update update-") for kind in kinds)
    made = {key: line for key, line in lines.items() if key[0] != "bars"}
    bars = {key for key in lines if key[0] == "bars"}
    again = build(example_dir, BuildOptions(now=NOW + timedelta(minutes=1), workers=1),
                  site=loader.load(), caches=caches)
    assert again.rendered > 0  # the moment pages, listing the same incidents
    assert {key: line for key, line in lines.items() if key[0] != "bars"} == made
    assert all(lines[key] is line for key, line in made.items())
    # A service's bars change with the moment while it is affected: each page's are
    # replaced, not kept beside those of every build before.
    assert bars and {key for key in lines if key[0] == "bars"} == bars



LYON = "2026-11-26-coupure-fibre-lyon"  # open at NOW


@pytest.mark.parametrize("warm", [True, False])
def test_a_daemons_first_build_makes_the_lines_its_next_update_would_make(example_dir, warm):
    """A daemon starting on a site built already renders almost nothing, so keeps no line;
    warmed, the update after it makes the lines of what changed only, not those of every
    incident its pages list."""
    build(example_dir, BuildOptions(now=NOW, workers=1))  # the site online
    loader, caches = Loader(example_dir), Caches()
    site = loader.load()
    first = build(example_dir, BuildOptions(now=NOW, workers=1, warm=warm), site=site,
                  caches=caches)
    assert first.rendered < first.pages // 10 and not first.notes
    lines = caches.settled.lines
    assert lines is not None
    had = set(lines)
    states = {view.state for view in Snapshot(site, NOW, caches.settled).views.values()}
    _update_lyon(example_dir)
    again = build(example_dir, BuildOptions(now=NOW, workers=1), site=loader.load(),
                  caches=caches)
    assert again.rendered > 0
    made = {key for key in set(lines) - had if key[0] != "bars"}
    assert made  # the lines of the incident updated
    # Warmed, none is the line of an incident that did not change.
    assert all(key[1] not in states for key in made) is warm


def test_past_what_it_may_keep_the_lines_of_states_no_longer_shown_go(example_dir,
                                                                     monkeypatch):
    """Not all: those of an incident before its update go, the others stay (a large site
    keeps more lines than the least it may keep, and would make them all again at every
    build), and it may then keep twice as many."""
    monkeypatch.setattr(settled_module, "LINES_KEPT", 10)
    loader, caches = Loader(example_dir), Caches()
    site = loader.load()
    lyon = Snapshot(site, NOW, caches.settled).view(LYON)
    build(example_dir, BuildOptions(now=NOW, workers=1), site=site, caches=caches)
    lines = caches.settled.lines
    assert lines is not None and len(lines) > 10
    before = dict(lines)
    assert lyon is not None and any(key[1] == lyon.state for key in before)
    _update_lyon(example_dir)
    build(example_dir, BuildOptions(now=NOW, workers=1), site=loader.load(), caches=caches)
    after = caches.settled.lines
    assert after is not None
    assert not any(key[1] == lyon.state for key in after)  # its lines before the update
    # What is kept of the others (by their state, or by id for the API), not the pages'.
    others = [key for key in before if key[1] not in (lyon.state, LYON) and key[0] != "bars"]
    assert others and all(after[key] is before[key] for key in others)


@pytest.mark.parametrize("edition", [PUBLIC, DESK], ids=["public", "desk"])
def test_kept_lines_change_no_byte(example_dir, tmp_path, monkeypatch, edition):
    """Each page's lines in its own language and edition, whatever pages came before it in
    the same process: the same bytes as a build that keeps none."""
    options = {"now": NOW, "workers": 1, "edition": edition}
    kept = build(example_dir, BuildOptions(out=tmp_path / "kept", **options), caches=Caches())
    monkeypatch.setattr(Settled, "__init__", _keeping_no_line)
    none = build(example_dir, BuildOptions(out=tmp_path / "none", **options))
    assert kept.pages == none.pages
    assert tree(tmp_path / "kept") == tree(tmp_path / "none")


_settled_init = Settled.__init__


def _keeping_no_line(self) -> None:
    _settled_init(self)
    self.lines = None


def _update_lyon(site: Path) -> None:
    """A new update on top of the Lyon outage's timeline."""
    path = site / "incidents" / f"{LYON}.md"
    heading = "## 2026-11-26 08:10 · identified"
    path.write_text(path.read_text("utf-8").replace(
        heading, f"## 2026-11-26 11:00 · monitoring\nRéparé.\n\n{heading}"), "utf-8")
