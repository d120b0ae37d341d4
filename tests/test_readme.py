"""The README's two commands are what CI runs and what the user is told."""

from __future__ import annotations

import re

from conftest import REPO


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_ci_runs_exactly_the_readme_test_command():
    run_command, test_command = _commands()[:2]
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci_lines[-1] == test_command
    assert "pytest" in test_command and "chromium" in test_command
    assert "statuspage build" in run_command and "127.0.0.1" in run_command


def test_build_output_is_ignored_by_git():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored


def test_the_command_table_is_generated_from_the_help():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, "README.md is stale: run cog -r README.md\n" + result.stderr
