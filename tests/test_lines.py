"""A list's line of one incident is made once per state and kept from one build to the next
by the caller (the daemon), not made again at each build of the moment pages."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW

from statuspage.content.loader import Loader
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches


def test_the_moment_pages_lines_are_made_once_across_builds(example_dir):
    loader, caches = Loader(example_dir), Caches()
    site = loader.load()
    build(example_dir, BuildOptions(now=NOW, workers=1), site=site, caches=caches)
    lines = caches.settled.lines
    assert lines is not None and len(lines) > 10
    made = dict(lines)
    again = build(example_dir, BuildOptions(now=NOW + timedelta(minutes=1), workers=1),
                  site=loader.load(), caches=caches)
    assert again.rendered > 0  # the moment pages, listing the same incidents
    assert lines == made and all(lines[key] is line for key, line in made.items())

