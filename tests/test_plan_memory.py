"""Planning in a caller that keeps its ``Caches`` (the daemon): a file of the site is keyed
again only when what it shows changed, not at every build; a file an update touches is."""

from __future__ import annotations

import sys
from datetime import timedelta

from conftest import REPO

from statuspage.content.loader import Loader, load_site
from statuspage.freeze.build import BuildOptions, build
from statuspage.freeze.caches import Caches
from statuspage.state.status import Snapshot
from statuspage.state.view import settled_from
from statuspage.web import registry

sys.path.insert(0, str(REPO / "benchmarks"))
import sitegen  # noqa: E402

NOW = sitegen.DEFAULT_NOW


def keyed(monkeypatch) -> dict[tuple, str | None]:
    """Each file of the site whose key a build works out (hashes), with that key."""
    found: dict[tuple, str | None] = {}
    hashing: list[tuple] = []
    real_known, real_key = registry._known_key, registry.key

    def known_key(known, file, shown):
        hashing.append(file)
        try:
            return real_known(known, file, shown)
        finally:
            hashing.pop()

    def key(*parts):
        made = real_key(*parts)
        if hashing and len(hashing) == 1:
            found.setdefault(hashing[0], made)
        return made

    monkeypatch.setattr(registry, "_known_key", known_key)
    monkeypatch.setattr(registry, "key", key)
    return found


def month(year: int, number: int) -> tuple:
    return ("pages.history_month", ("year", year), ("month", number))


def test_a_build_keys_again_only_what_an_update_touches(tmp_path, monkeypatch):
    root, out = tmp_path / "site", tmp_path / "site" / "build"
    sitegen.generate(root, 30, 1, NOW, ["fr", "en"])
    months = Snapshot(load_site(root), NOW).months  # newest first
    oldest, *_ = reversed(months)
    touched = months[oldest][0].id
    # A month of settled incidents only, besides the one touched: nothing it shows moves.
    quiet = next(m for m in reversed(months) if m != oldest and all(
        settled_from(v.incident) < NOW for v in months[m]))
    loader, caches, found = Loader(root), Caches(), keyed(monkeypatch)
    build(root, BuildOptions(out=out, now=NOW, workers=1), site=loader.load(), caches=caches)
    first = dict(found)
    assert month(*oldest) in first and month(*quiet) in first

    found.clear()
    path = root / "incidents" / f"{touched}.md"  # its first update's words, corrected
    path.write_text(path.read_text(encoding="utf-8") + "\nPrécision.\n", encoding="utf-8")
    later = NOW + timedelta(minutes=1)
    build(root, BuildOptions(out=out, now=later, workers=1), site=loader.load(), caches=caches)
    second = dict(found)
    assert month(*quiet) not in second  # the same views shown: its key kept
    assert len(second) < len(first) / 2
    # The month of the incident updated: keyed again, to a new key.
    assert month(*oldest) in second and second[month(*oldest)] != first[month(*oldest)]

    found.clear()  # without the kept caches, a build keys every file again
    build(root, BuildOptions(out=out, now=later, workers=1), site=loader.load(), caches=None)
    assert found.keys() == first.keys()
