"""The README's two commands are what CI runs and what the user is told."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from click.testing import CliRunner
from conftest import REPO

from statuspage import cli


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_ci_runs_exactly_the_readme_test_command():
    run_command, test_command = _commands()[:2]
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci_lines[-1] == test_command
    assert "pytest" in test_command and "chromium" in test_command
    assert "statuspage serve --now" in run_command


def test_build_output_is_ignored_by_git():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored


def test_the_repository_holds_no_build_state():
    """What a build leaves beside it (.statuspage-lock-build, the cache…) is ignored, and
    none of it was committed before the rule."""
    import subprocess

    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files"], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    assert tracked, "not a git checkout"
    assert [path for path in tracked if path.split("/")[-1].startswith(".statuspage-")] == []


def test_the_command_table_is_generated_from_the_help():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, "README.md is stale: run cog -r README.md\n" + result.stderr


def test_the_first_command_shows_a_believable_example_on_any_day(tmp_path):
    """Built at the moment the README's first command serves: an incident in progress whose
    next update is still to come, a maintenance announced, and every page saying which
    moment it shows (tests/test_quickstart.py serves it)."""
    serve = shlex.split(_commands()[0].split("&&")[-1])
    assert serve[0].endswith("statuspage") and serve[1:3] == ["serve", "--now"]
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, tmp_path / part)
    result = CliRunner().invoke(cli.main, ["--site", str(tmp_path), "build", *serve[2:]])
    assert result.exit_code == 0, result.output
    home = (tmp_path / "build" / "index.html").read_text(encoding="utf-8")
    assert 'class="late"' not in home
    assert "Prochaine mise à jour" in home and "Maintenances prévues" in home
    for page in (tmp_path / "build").rglob("*.html"):
        if "embed" not in page.parts and "r" not in page.parts:
            assert 'class="pinned"' in page.read_text(encoding="utf-8"), page
    # Built from the clock again, the pages no longer say so.
    assert CliRunner().invoke(cli.main, ["--site", str(tmp_path), "build"]).exit_code == 0
    assert 'class="pinned"' not in (tmp_path / "build" / "index.html").read_text("utf-8")


@pytest.mark.parametrize("ignore", ["repo", "init"])
def test_nothing_a_build_leaves_beside_it_shows_in_git_status(tmp_path, ignore):
    """The repository's .gitignore and the one `init` writes both hide what a build writes
    beside build/ (its spare tree, its cache)."""
    import subprocess

    site = tmp_path / "site"
    if ignore == "repo":
        for part in ("content", "incidents"):
            shutil.copytree(REPO / part, site / part)
        shutil.copy(REPO / ".gitignore", site / ".gitignore")
    else:
        assert CliRunner().invoke(cli.main, ["--site", str(site), "init"]).exit_code == 0
    for _ in range(2):  # the second build leaves the first one's tree as its spare
        result = CliRunner().invoke(cli.main, ["--site", str(site), "build"])
        assert result.exit_code == 0, result.output
    git = ["git", "-C", str(site)]
    subprocess.run([*git, "init", "-q"], check=True)
    shown = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    paths = {line[3:].split("/")[0] for line in shown if line}
    assert paths == {".gitignore", "content", "incidents"}, paths


def _module_map() -> tuple[set[str], set[str]]:
    """The names in the README's module map (Development): paths under statuspage/, as
    `web/feeds.py`, and paths from the repository's root, as `benchmarks/build.py`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    development = readme.split("\n## Development\n", 1)[1]
    block = re.search(r"```\nstatuspage/[^\n]*\n(.+?)\n```", development, re.DOTALL)
    assert block, "no module map in the README's Development section"
    in_package, from_root, folder = set(), set(), ""
    for line in block.group(1).splitlines():
        if found := re.match(r"  (\S+\.py|\S+/)(?: |$)", line):
            name = found.group(1)
            folder = name if name.endswith("/") else ""
            in_package.add(name.rstrip("/"))
        elif found := re.match(r"    (\S+\.py)(?: |$)", line):
            in_package.add(folder + found.group(1))
        elif found := re.match(r"(\S+/\S+)(?: |$)", line):
            from_root.add(found.group(1))
    return in_package, from_root


def test_the_module_map_names_every_module_and_only_modules():
    package = REPO / "statuspage"
    modules = {
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if not path.name.startswith("__") and "__pycache__" not in path.parts
    } | {path.name for path in package.iterdir() if (path / "__init__.py").is_file()}
    in_package, from_root = _module_map()
    assert sorted(modules - in_package) == [], "modules missing from the README's map"
    assert sorted(in_package - modules) == [], "names in the README's map that do not exist"
    assert [name for name in sorted(from_root) if not (REPO / name).is_file()] == []


def test_non_browser_tests_do_not_import_playwright(tmp_path):
    """conftest.py imports Playwright in the browser fixture only: a run of other tests
    neither pays for it nor needs it installed."""
    import os
    import subprocess
    import sys

    (tmp_path / "sees_playwright.py").write_text(
        "import sys\n\n\ndef pytest_collection_finish(session):\n"
        "    print('playwright imported:', 'playwright' in sys.modules)\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "sees_playwright", "tests/test_times.py"],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": path})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "playwright imported: False" in result.stdout, result.stdout


def test_the_readmes_links_to_docs_lead_somewhere():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert {"docs/performance.md", "docs/glossary.md"} <= linked
    assert [path for path in sorted(linked) if not (REPO / path).is_file()] == []
