"""The house rules a newcomer relies on, checked on the tree: modules of readable size,
functions that fit on a screen, few parameters, and each module's name said once
(docs/architecture.md). The arrows between packages are checked in test_arrows.py."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "statuspage"
MODULE_LINES = 400
FUNCTION_LINES = 50
PARAMETERS = 6


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _is_click_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Click passes each option as a parameter: a command's count is its options'."""
    names = {ast.unparse(d).split("(")[0].rsplit(".", 1)[-1] for d in node.decorator_list}
    return bool(names & {"command", "option", "argument"})


def _functions():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(PACKAGE), node


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert long == {}


def test_no_function_is_over_50_lines():
    long = {f"{path}:{node.lineno} {node.name}": node.end_lineno - node.lineno + 1
            for path, node in _functions()
            if node.end_lineno - node.lineno + 1 > FUNCTION_LINES}
    assert long == {}


def test_no_function_takes_more_than_6_parameters():
    many = {}
    for path, node in _functions():
        args = node.args
        names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        if names and names[0] in ("self", "cls"):
            names = names[1:]
        if len(names) > PARAMETERS and not _is_click_command(node):
            many[f"{path}:{node.lineno} {node.name}"] = len(names)
    assert many == {}


def test_each_module_name_appears_once_in_the_tree():
    names = Counter(p.stem for p in _modules() if not p.stem.startswith("__"))
    names.update(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert [name for name, count in names.items() if count > 1] == []
