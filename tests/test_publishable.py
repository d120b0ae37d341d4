"""A writing command tells whether the site still loads from the parse cache's verdicts,
without unpickling the history (issue 36: ``statuspage update`` took 8.4 s at 100,000
incidents, 8 s of it restoring every incident); what it then says is what a whole load
would say."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, TRANSLATED

import statuspage.content.loader as loading
from statuspage import cli
from statuspage.content import parsestore, rowcodec, sources
from statuspage.content.loader import Loader, cache_for, grouped
from statuspage.content.package import code_digest
from statuspage.content.signing import cache_key
from statuspage.freeze.build import BuildOptions, build

UNBUILDABLE = "the site cannot be built: the daemon keeps publishing the last good content"
CACHE = ".statuspage-cache-build"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str):
    return runner.invoke(cli.main, ["--site", str(site_dir), *args])


def _verdicts(site: Path) -> dict[str, str] | None:
    """The verdicts the cache holds for the files as they now are."""
    config_key = Loader(site).config()[2]
    groups, _ = grouped(sources.scan(site))
    key = cache_key(site)
    assert key is not None
    return parsestore.verdicts(site / CACHE, rowcodec.Codec(key, code_digest()),
                               parsestore.marks(config_key, groups))


def _orphan_resolution(site: Path) -> str:
    """Break the translated incident by hand: its English file names an update the
    original no longer has. The English file's label."""
    original = site / "incidents" / f"{TRANSLATED}.md"
    original.write_text(original.read_text("utf-8").replace(
        "## 2026-11-24 17:30 · resolved\nRemboursements effectués.\n\n", ""), "utf-8")
    return f"incidents/{TRANSLATED}.en.md:"


def _unpickled(monkeypatch) -> list[bytes]:
    """The cache rows unpickled from here on, by incident."""
    opened: list[bytes] = []
    real = rowcodec.Codec.open
    monkeypatch.setattr(rowcodec.Codec, "open",
                        lambda self, row: opened.append(row[0]) or real(self, row))
    return opened


def test_a_save_writes_a_verdict_for_each_incident_that_loads_and_none_for_a_broken_one(
        site_dir):
    build(site_dir, BuildOptions(now=NOW))
    assert _verdicts(site_dir) == {FIBRE: "", TRANSLATED: ""}
    _orphan_resolution(site_dir)
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load(lenient=True)  # the daemon's: the broken incident as it last loaded
    assert loader.save() == []
    assert _verdicts(site_dir) == {FIBRE: ""}
    with sqlite3.connect(site_dir / CACHE) as db:  # (its row stays: its last good version)
        assert db.execute("SELECT COUNT(*) FROM incidents").fetchone() == (2,)


def test_a_verdict_is_believed_only_for_the_files_it_was_made_from_and_when_signed(site_dir):
    build(site_dir, BuildOptions(now=NOW))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text(path.read_text("utf-8") + "\n", "utf-8")
    assert _verdicts(site_dir) == {TRANSLATED: ""}
    with sqlite3.connect(site_dir / CACHE) as db:
        db.execute("UPDATE checks SET ref = ? WHERE id = ?", (b"K7M2QX", TRANSLATED.encode()))
    assert _verdicts(site_dir) == {}


def test_after_a_build_an_update_unpickles_nothing_and_parses_only_what_changed(
        runner, site_dir, monkeypatch):
    build(site_dir, BuildOptions(now=NOW))
    opened = _unpickled(monkeypatch)
    parsed: list[str] = []
    real = loading.parse_incident
    monkeypatch.setattr(loading, "parse_incident",
                        lambda incident_id, label, *rest: parsed.append(label) or
                        real(incident_id, label, *rest))
    result = run(runner, site_dir, "update", FIBRE, "-m", "Toujours en cours.")
    assert result.exit_code == 0, result.output
    assert UNBUILDABLE not in result.output
    assert opened == []
    assert parsed == [f"incidents/{FIBRE}.md"]


def test_after_a_build_a_file_broken_by_hand_still_stops_the_done(runner, site_dir):
    build(site_dir, BuildOptions(now=NOW))
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, "update", FIBRE, "-m", "Le câble est réparé.")
    assert result.exit_code == 2, result.output
    assert where in result.stderr and UNBUILDABLE in result.stderr


def test_after_a_build_a_reference_taken_by_hand_from_an_unchanged_incident_stops_the_done(
        runner, site_dir):
    result = run(runner, site_dir, "new", "Appels coupés", "-c", "adsl", "-m", "Nous enquêtons.")
    assert result.exit_code == 0, result.output
    new_id = result.stdout.split()[0]
    reference = next(line for line in (site_dir / "incidents" / f"{new_id}.md").read_text(
        "utf-8").splitlines() if line.startswith("ref: ")).removeprefix("ref: ")
    build(site_dir, BuildOptions(now=NOW))
    assert _verdicts(site_dir)[new_id] == reference
    path = site_dir / "incidents" / f"{TRANSLATED}.md"  # unchanged: its verdict says the ref
    path.write_text(path.read_text("utf-8").replace("impact: major\n",
                                                    f"impact: major\nref: {reference}\n", 1),
                    "utf-8")
    result = run(runner, site_dir, "update", FIBRE, "-m", "Toujours en cours.")
    assert result.exit_code == 2, result.output
    assert f"reference {reference} is also that of incidents/{new_id}.md" in result.stderr
    assert UNBUILDABLE in result.stderr
