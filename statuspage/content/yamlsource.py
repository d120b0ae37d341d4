"""YAML with line numbers: every key path maps to the line it was written on.

Scalars stay strings (YAML's BaseLoader): dates, numbers and booleans are read by the
code that knows what the field means, so ``phone: 3900`` and ``started: 2026-11-20 09:00``
mean what staff wrote.

The document is built from libyaml's events in one pass, without recursion, so that
content cannot make it expensive: aliases (``*a``, the "billion laughs"), duplicate keys
and nesting deeper than ``MAX_DEPTH`` are refused with the line they are on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple[str | int, ...]
MAX_DEPTH = 16  # content needs four levels; a thousand '[' must not reach the C stack
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
NESTED = f"nested more than {MAX_DEPTH} levels deep: content fields need only a few"


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
        return _build(yaml.parse(text, Loader=_LOADER), first_line)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = err.problem or str(err)
        if "nesting depth" in problem:  # libyaml's own limit, far above ours
            raise YAMLProblem(line, NESTED) from None
        raise YAMLProblem(
            line,
            f"invalid YAML: {problem} (check the indentation, and quote values that "
            "contain ': ' or start with a special character)",
        ) from None
    except yaml.YAMLError as err:  # e.g. a control character the reader refuses
        position = getattr(err, "position", 0) or 0
        line = first_line + text.count("\n", 0, position)
        reason = getattr(err, "reason", None) or str(err).splitlines()[0]
        raise YAMLProblem(line, f"invalid YAML: {reason}: remove or replace that "
                          "character") from None


class _Open:
    """A mapping or list being built, with where it is and what it waits for."""

    __slots__ = ("value", "path", "key")

    def __init__(self, value: dict | list, path: Path):
        self.value = value
        self.path = path
        self.key: str | None = None  # a mapping's key, read and waiting for its value


def _build(events, first: int) -> Located:
    located = Located(None)
    lines = located.lines
    stack: list[_Open] = []
    documents = 0

    def line_of(event) -> int:
        return first + event.start_mark.line

    def place(value: object, event) -> Path:
        """Put a finished value where it belongs; return its key path."""
        if not stack:
            located.value = value
            lines.setdefault((), line_of(event))
            return ()
        top = stack[-1]
        if isinstance(top.value, list):
            path = (*top.path, len(top.value))
            top.value.append(value)
            lines.setdefault(path, line_of(event))
            return path
        key, top.key = top.key, None
        assert isinstance(top.value, dict) and key is not None  # a key waits for its value
        top.value[key] = value
        return (*top.path, key)

    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise YAMLProblem(line_of(event), f"YAML alias *{event.anchor} is not allowed in "
                              "content: write the value out in full")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YAMLProblem(line_of(event), "invalid YAML: more than one document "
                                  "(remove the '---' or '...' line inside the fields)")
            continue
        top = stack[-1] if stack else None
        awaiting_key = top is not None and isinstance(top.value, dict) and top.key is None
        if isinstance(event, yaml.ScalarEvent):
            if top is not None and awaiting_key:
                _key(top, event.value, line_of(event), lines)
            else:
                place(event.value, event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if awaiting_key:
                raise YAMLProblem(line_of(event), "invalid YAML: a key must be a plain word, "
                                  "not a list or a mapping")
            if len(stack) >= MAX_DEPTH:
                raise YAMLProblem(line_of(event), NESTED)
            container: dict | list = {} if isinstance(event, yaml.MappingStartEvent) else []
            path = place(container, event)
            stack.append(_Open(container, path))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
    return located


def _key(top: _Open, key: str, line: int, lines: dict[Path, int]) -> None:
    path = (*top.path, key)
    if key in top.value:
        raise YAMLProblem(line, f"duplicate key {key!r} (first on line {lines[path]}): "
                          "keep one")
    top.key = key
    lines[path] = line
