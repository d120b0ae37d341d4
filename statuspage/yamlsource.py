"""YAML with line numbers: every key path maps to the line it was written on.

Scalars stay strings (YAML's BaseLoader): dates, numbers and booleans are
read by the code that knows what the field means, so ``phone: 3900`` and
``started: 2026-11-20 09:00`` mean what staff wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple[str | int, ...]


@dataclass
class Located:
    """A YAML document's plain value, and the 1-based line of each key path."""

    value: object
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, *path: str | int, default: int = 1) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), default)


class YAMLProblem(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def load(text: str, first_line: int = 1) -> Located:
    """Parse one YAML document; errors carry the line in the whole file."""
    try:
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = err.problem or str(err)
        raise YAMLProblem(
            line,
            f"invalid YAML: {problem} (check the indentation, and quote values that "
            "contain ': ' or start with a special character)",
        ) from None
    except yaml.YAMLError as err:  # e.g. a control character the reader refuses
        line = first_line + text.count("\n", 0, getattr(err, "position", 0) or 0)
        raise YAMLProblem(line, f"invalid YAML: {getattr(err, 'reason', err)}: remove or "
                          "replace that character") from None
    located = Located(None)
    if node is not None:
        located.value = _walk(node, (), located.lines, first_line)
    return located


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], first: int) -> object:
    lines.setdefault(path, first + node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            lines[(*path, key)] = first + key_node.start_mark.line
            result[key] = _walk(value_node, (*path, key), lines, first)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), lines, first) for i, item in enumerate(node.value)]
    return node.value
