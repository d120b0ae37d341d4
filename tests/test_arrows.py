"""The arrows run downward: the shared leaves, then content → state → web → freeze, with
edit, ops and cli beside them (README, Development). Read from every module's imports,
those inside functions included; and what the commands load, in a fresh process."""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "statuspage"
LEAVES = {"errors", "model", "times", "files", "forking", "refs", "places", "markup", "i18n",
          "texts", "markdown_limits", "addresses", "sqlitefiles", "frozenmap"}
PACKAGES = {"content", "state", "web", "freeze", "edit", "ops", "cli"}
# What each stage may import besides the leaves (edit, ops and cli: any but cli).
MAY_IMPORT = {
    "leaf": set(),
    "content": {"content"},
    "state": {"content", "state"},
    "web": {"content", "state", "web"},
    "freeze": {"content", "state", "web", "freeze"},
}
WEB_LIBRARIES = {"flask", "flask_frozen", "jinja2", "werkzeug"}
# Known exceptions, each a (module, package it imports) pair, with the reason it stands.
ALLOWED = {
    # ``python -m statuspage``: the entry point, as the console script is.
    ("statuspage.__main__", "cli"),
}
HEAVY = ("flask", "flask_frozen", "jinja2", "werkzeug", "feedgen", "icalendar", "sqlalchemy",
         "boto3", "apscheduler")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement reaches: for ``from a import b``, both ``a``
    and ``a.b`` (b may be a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's own package
        here = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join([*here[:len(here) - node.level + 1], *([base] if base else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


@functools.cache
def imports() -> dict[str, set[str]]:
    """Every module of the package: the dotted names it imports, anywhere in it."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found[module] = {name for node in ast.walk(tree)
                         for name in _imported(node, module, path.name == "__init__.py")}
    return found


def stage(module: str) -> str | None:
    """The module's place in the pipeline: a package, "leaf", or None (the root)."""
    parts = module.split(".")
    if parts[0] != "statuspage" or len(parts) < 2:
        return None
    if parts[1] in PACKAGES:
        return parts[1]
    return "leaf" if parts[1] in LEAVES else None


def broken_arrows() -> set[tuple[str, str]]:
    """(module, what it imports against the rules): a package, or a web library."""
    broken = set()
    for module, names in imports().items():
        here = stage(module)
        for name in names:
            there = stage(name)
            if there == "cli" and here != "cli":
                broken.add((module, "cli"))
            elif here in MAY_IMPORT and there in PACKAGES and there not in MAY_IMPORT[here]:
                broken.add((module, there))
            if here in {"content", "state"} and name.split(".")[0] in WEB_LIBRARIES:
                broken.add((module, name.split(".")[0]))
    return broken


def test_the_arrows_run_downward():
    broken = broken_arrows()
    assert sorted(broken - ALLOWED) == []
    assert sorted(ALLOWED - broken) == [], "allowed, but no longer there: drop it from ALLOWED"


def test_every_module_is_placed():
    """A new top-level module is a leaf or in a package: else no rule applies to it."""
    loose = {module for module in imports() if stage(module) is None}
    assert loose == {"statuspage", "statuspage.__main__"}


def _loaded(script: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The top-level packages a fresh interpreter holds after ``script``, and its stderr."""
    script += ("\nimport json, sys\n"
               "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1])), result.stderr


def test_importing_the_cli_loads_no_web_database_or_scheduler_library():
    loaded, _ = _loaded("import statuspage.cli")
    assert "click" in loaded and sorted(loaded & set(HEAVY)) == []


def test_publish_loads_no_flask(tmp_path, refused):
    """``statuspage publish`` as far as the storage (unreachable here): boto3, and no web
    stack (the build folder's marker comes from freeze/tree.py, not the builder)."""
    built = tmp_path / "build"
    built.mkdir()
    (built / ".statuspage-build").write_text('{"edition":"public"}', encoding="utf-8")
    (built / "index.html").write_text("<!doctype html>", encoding="utf-8")
    closed = refused  # a port nobody listens on
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    loaded, stderr = _loaded(
        "from statuspage import cli\n"
        f"try:\n    cli.main(['publish', 's3://status', '--from', {str(built)!r}, "
        f"'--endpoint-url', {closed!r}])\n"
        "except SystemExit as stop:\n    assert stop.code == 1, stop.code\n", env)
    assert f"cannot reach the storage at {closed}" in stderr
    assert "boto3" in loaded
    assert sorted(loaded & {"flask", "flask_frozen", "jinja2", "werkzeug"}) == []
