"""An update's own time: `check` warns of one dated ahead (a typo keeps it hidden), and the
CLI writes one only when `update --at` asks for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIBRE, NOW

from statuspage import cli

AHEAD = ("incidents/2026-11-26-demain.md:7: update dated in the future: hidden until "
         "2026-11-27 12:00 CET; fix its date if it is a typo (warning)")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(cli, "_now", lambda: NOW)


def run(runner, site_dir: Path, *args: str, ok: bool = True):
    result = runner.invoke(cli.main, ["--site", str(site_dir), *args], catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_check_warns_of_an_update_dated_tomorrow_and_strict_fails(runner, site_dir):
    (site_dir / "incidents" / "2026-11-26-demain.md").write_text(
        "---\ntitle: Demain\nimpact: minor\ncomponents: [adsl]\nstarted: 2026-11-26 09:00\n"
        "---\n## 2026-11-27 12:00 - identified\nUne faute de frappe dans la date.\n\n"
        "## 2026-11-26 09:05 - investigating\nNous enquêtons.\n", encoding="utf-8")
    assert AHEAD in run(runner, site_dir, "check").output.splitlines()
    strict = run(runner, site_dir, "check", "--strict", ok=False)
    assert strict.exit_code == 1
    assert AHEAD in strict.output.splitlines()


def test_update_is_dated_now_unless_at_says_otherwise(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    run(runner, site_dir, "update", FIBRE, "-m", "Maintenant.")
    assert "## 2026-11-26 12:00 · identified\nMaintenant.\n" in path.read_text("utf-8")
    # HH:MM is the last time the clock showed it: earlier today, not tomorrow.
    result = run(runner, site_dir, "update", FIBRE, "--at", "11:30", "-m", "Dit au téléphone.")
    assert "## 2026-11-26 11:30 · identified\nDit au téléphone.\n" in path.read_text("utf-8")
    assert "hidden" not in result.output
    result = run(runner, site_dir, "update", FIBRE, "--at", "-3h", "-m", "Plus tôt.")
    assert "## 2026-11-26 09:00 · identified\nPlus tôt.\n" in path.read_text("utf-8")


def test_update_at_a_time_ahead_says_it_stays_hidden_until_then(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    result = run(runner, site_dir, "update", FIBRE, "--at", "2026-11-27 12:00", "--status",
                 "monitoring", "-m", "Demain midi.")
    assert "dated 2026-11-27 12:00 CET: hidden until then" in result.output
    assert "## 2026-11-27 12:00 · monitoring\nDemain midi.\n" in path.read_text("utf-8")
    check = run(runner, site_dir, "check").output
    assert (f"incidents/{FIBRE}.md:11: update dated in the future: hidden until 2026-11-27 "
            "12:00 CET; fix its date if it is a typo (warning)") in check.splitlines()


def test_a_bad_at_is_refused_and_nothing_is_written(runner, site_dir):
    path = site_dir / "incidents" / f"{FIBRE}.md"
    before = path.read_bytes()
    result = run(runner, site_dir, "update", FIBRE, "--at", "demain", "-m", "x", ok=False)
    assert result.exit_code == 2
    assert "Invalid value for --at: invalid time 'demain'" in result.output
    assert path.read_bytes() == before
