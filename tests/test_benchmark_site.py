"""The site benchmarks/build.py measures (benchmarks/sitegen.py): with overdue promises,
every open incident's promise is late at the generator's ``now`` and at any later moment
(the daemon's figure at start counts on that many reminders); an update saved the
benchmark's way is read as the incident's newest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from conftest import REPO

from statuspage.content.loader import load_site
from statuspage.freeze.build import BuildOptions, build
from statuspage.state.status import Snapshot

sys.path.insert(0, str(REPO / "benchmarks"))
import sitegen  # noqa: E402

NOW = sitegen.DEFAULT_NOW
COUNT = 150  # incidents: 3 of them open


def late(root, moment) -> set[str]:
    return {view.incident.id for view in Snapshot(load_site(root), moment).views.values()
            if view.late}


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=400)])
def test_overdue_promises_are_late_from_the_generators_now_on(tmp_path, later):
    stats = sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"], promises="overdue")
    assert len(stats.open_ids) == 3
    assert late(tmp_path, NOW + later) == set(stats.open_ids)


def test_promises_ahead_are_not_late_at_the_generators_now(tmp_path):
    stats = sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"])
    assert stats.open_ids and late(tmp_path, NOW) == set()


def test_an_update_saved_the_benchmarks_way_is_the_newest(tmp_path):
    stats = sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"], promises="overdue")
    target = stats.open_ids[0]
    before = load_site(tmp_path).incident(target).updates[0]
    sitegen.add_update(tmp_path, target, NOW + timedelta(minutes=3), "Nouvelle mise à jour.")
    site = load_site(tmp_path)
    newest = site.incident(target).updates[0]
    assert (newest.body["fr"], newest.status, newest.time) == (
        "Nouvelle mise à jour.", before.status, NOW + timedelta(minutes=3))
    assert target not in late(tmp_path, NOW + timedelta(minutes=5))
    assert not site.errors


def rounds_of(script: str, root, line: str) -> str:
    """``script``'s output over two rounds on a built site: each update live, and each
    round said in a ``line`` (its number, then its files rendered: more than none)."""
    stats = sitegen.generate(root, COUNT, 1, NOW, ["fr", "en"])
    assert build(root, BuildOptions(now=NOW, workers=1)).pages > 0
    target = stats.open_ids[0]
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), str(root),
                           target, "--rounds", "2"],
                          capture_output=True, text=True, check=True, cwd=REPO)
    assert "Round 1," in (root / "build" / "incidents" / target / "index.html").read_text(
        "utf-8")
    rounds = re.findall(line, done.stdout, re.MULTILINE)
    assert [number for number, _ in rounds] == ["0", "1"]
    assert all(int(files) > 0 for _, files in rounds)
    return done.stdout


def test_the_rounds_benchmark_builds_each_update(tmp_path):
    """benchmarks/rounds.py: each round's update is live in the built page."""
    stdout = rounds_of("rounds.py", tmp_path,
                       r"^round (\d): load and build [\d.]+ s, (\d+) files rendered")
    assert re.search(r"^render CPU, median of rounds 1 on: [\d.]+ s$", stdout, re.MULTILINE)


def test_the_daemon_rounds_benchmark_times_each_update_built(tmp_path):
    """benchmarks/daemonrounds.py: each round's update is live, and timed with its files."""
    stdout = rounds_of("daemonrounds.py", tmp_path,
                       r"^round (\d): [\d.]+ s, [\d.]+ s of CPU, (\d+) files rendered$")
    assert len(re.findall(r"^ +[\d.]+ ms  /\S*$", stdout, re.MULTILINE)) == 10
    assert re.search(r"^median of rounds 1 on: [\d.]+ s, [\d.]+ s of CPU$", stdout,
                     re.MULTILINE)


def test_the_daemon_memory_benchmark_says_what_holds_what(tmp_path):
    """benchmarks/daemonmem.py: the saves are live, then each holder's share is said."""
    stats = sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"])
    build(tmp_path, BuildOptions(workers=1))
    target = stats.open_ids[0]
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "daemonmem.py"),
                           str(tmp_path), target, "--saves", "2"],
                          capture_output=True, text=True, check=True, cwd=REPO, timeout=300)
    assert re.search(r"^save → live: [\d.]+ s, [\d.]+ s$", done.stdout, re.MULTILINE)
    assert re.search(r"^VmHWM: \d+ MB, VmRSS: \d+ MB$", done.stdout, re.MULTILINE)
    shares = dict(re.findall(r"^(\S.*?) +([\d.]+) MB +\d+ objects", done.stdout, re.MULTILINE))
    assert list(shares) == ["the site (its incidents)", "the loader", "Settled: views kept",
                            "Settled: runs", "Settled: lines", "Settled: the rest", "plans",
                            "manifests", "the rest of the daemon"]
    assert float(shares["the site (its incidents)"]) > 0
    page = (tmp_path / "build" / "incidents" / target / "index.html").read_text("utf-8")
    assert "Mise à jour holdings 1 du" in page


def floor(root, *options: str) -> dict:
    """benchmarks/build.py's floor phase on the built site ``root``, as the benchmark runs it."""
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "build.py"), "--phase",
                           "floor", "--site", str(root), *options],
                          capture_output=True, text=True, check=True, cwd=REPO, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_python_floor_from_one_file_in_n_is_scaled_to_them_all(tmp_path):
    """A large site's Python floor goes over one file in N and counts for them all: the same
    pages, about as many texts as the whole floor finds, each part's CPU scaled."""
    sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"])
    build(tmp_path, BuildOptions(now=NOW, workers=1))
    whole, sampled = floor(tmp_path, "--physical"), floor(tmp_path, "--every", "4")
    assert (whole["every"], sampled["every"]) == (1, 4)
    assert whole["pages"] == sampled["pages"] > 0
    assert 0.75 < sampled["texts"] / whole["texts"] < 1.33  # 1 in 4 read, scaled
    assert sampled["cpu"] == sampled["parsing"] + sampled["rendering"] > 0
    assert whole["physical"] > 0 and sampled["physical"] is None


def test_the_render_benchmark_renders_every_file_a_build_writes(tmp_path):
    """benchmarks/render.py: as many files as a build writes, by endpoint, none written."""
    sitegen.generate(tmp_path, COUNT, 1, NOW, ["fr", "en"])
    pages = build(tmp_path, BuildOptions(now=NOW, workers=1)).pages
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "render.py"),
                           str(tmp_path), "--now", NOW.isoformat()],
                          capture_output=True, text=True, check=True, cwd=REPO)
    counted = re.match(r"([\d,]+) files: [\d.]+ s of CPU\n", done.stdout)
    assert counted and int(counted.group(1).replace(",", "")) == pages
    listed = re.findall(r"^  (\S+) +[\d.]+ s +([\d,]+) files", done.stdout, re.MULTILINE)
    assert dict(listed)["pages.incident"] == f"{2 * COUNT:,}"
    assert not (tmp_path / "render-benchmark").exists()
