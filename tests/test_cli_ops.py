"""The writing commands under stress (issue 33): never "done" while nothing is published,
reopen, undo, what was understood, templates, every language from the command line; and
the CLI never writes what check refuses (issue 35)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIBRE, NOW, TRANSLATED

from statuspage import cli
from statuspage.loader import load_site

UNBUILDABLE = "the site cannot be built: the daemon keeps publishing the last good content"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str, input: str | None = None, ok: bool = True):
    result = runner.invoke(cli.main, ["--site", str(site_dir), *args], input=input,
                           catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _orphan_resolution(site_dir: Path) -> str:
    """A hand "undo" of a resolution that left its English section behind: the
    translation names an update its original no longer has. Its label and line."""
    original = site_dir / "incidents" / f"{TRANSLATED}.md"
    text = original.read_text(encoding="utf-8")
    original.write_text(text.replace("## 2026-11-24 17:30 · resolved\nRemboursements "
                                     "effectués.\n\n", ""), encoding="utf-8")
    english = site_dir / "incidents" / f"{TRANSLATED}.en.md"
    line = english.read_text(encoding="utf-8").split("\n").index(
        "## 2026-11-24 17:30 · resolved") + 1
    return f"incidents/{TRANSLATED}.en.md:{line}:"


# -- 1. no silent non-publication -------------------------------------------------------

def test_an_update_while_another_file_is_broken_is_kept_and_exits_2(runner, site_dir):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, "update", FIBRE, "-m", "Le câble est réparé.", ok=False)
    assert result.exit_code == 2
    assert where in result.stderr
    assert UNBUILDABLE in result.stderr
    text = (site_dir / "incidents" / f"{FIBRE}.md").read_text(encoding="utf-8")
    assert "## 2026-11-26 12:00 · identified\nLe câble est réparé.\n" in text


@pytest.mark.parametrize("args", [
    ("new", "Appels coupés", "-c", "adsl", "-m", "Nous enquêtons."),
    ("maintenance", "Travaux", "-c", "adsl", "--start", "2026-11-27 02:00", "--end", "04:00",
     "-m", "Coupure la nuit."),
    ("resolve", FIBRE),
    ("note", FIBRE, "-m", "Geste commercial possible."),
])
def test_every_writing_command_says_the_site_cannot_be_built(runner, site_dir, args):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, *args, ok=False)
    assert result.exit_code == 2, result.output
    assert where in result.stderr and UNBUILDABLE in result.stderr


def test_list_shows_what_is_published_and_check_says_it_cannot_be_built(runner, site_dir):
    where = _orphan_resolution(site_dir)
    result = run(runner, site_dir, "list", ok=False)
    assert result.exit_code == 2
    assert result.stdout.split()[0] == FIBRE  # the rest is listed
    assert where in result.stderr and UNBUILDABLE in result.stderr
    result = run(runner, site_dir, "check", ok=False)
    assert result.exit_code == 1
    assert where in result.stderr and UNBUILDABLE in result.stderr


def test_a_site_that_builds_says_nothing_of_it(runner, site_dir):
    result = run(runner, site_dir, "update", FIBRE, "-m", "Toujours en cours.")
    assert UNBUILDABLE not in result.output
    assert load_site(site_dir).incident(FIBRE).updates[0].body.get_in("fr", "fr").value == \
        "Toujours en cours."
