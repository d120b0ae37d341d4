"""A list's line of one incident is made once per state and kept from one build to the next
by the caller (the daemon), not made again at each build of the moment pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from test_incremental import tree

from statuspage.content.edition import DESK, PUBLIC
from statuspage.content.loader import Loader
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches
from statuspage.state.settled import Settled


def test_the_moment_pages_lines_are_made_once_across_builds(example_dir):
    loader, caches = Loader(example_dir), Caches()
    site = loader.load()
    build(example_dir, BuildOptions(now=NOW, workers=1), site=site, caches=caches)
    lines = caches.settled.lines
    assert lines is not None and len(lines) > 10
    # The API's incidents and the days of each service's page are kept there too.
    assert {"day_line", "api.incident"} <= {key[0] for key in lines}
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
