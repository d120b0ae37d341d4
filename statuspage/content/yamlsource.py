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


class _Builder:
    """The document, built from libyaml's events one at a time (no recursion)."""

    def __init__(self, first: int):
        self.first = first
        self.located = Located(None)
        self.stack: list[_Open] = []
        self.documents = 0

    def line_of(self, event) -> int:
        return self.first + event.start_mark.line

    def place(self, value: object, event) -> Path:
        """Put a finished value where it belongs; return its key path."""
        lines = self.located.lines
        if not self.stack:
            self.located.value = value
            lines.setdefault((), self.line_of(event))
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            path = (*top.path, len(top.value))
            top.value.append(value)
            lines.setdefault(path, self.line_of(event))
            return path
        key, top.key = top.key, None
        assert isinstance(top.value, dict) and key is not None  # a key waits for its value
        top.value[key] = value
        return (*top.path, key)

    def take(self, event) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise YAMLProblem(self.line_of(event), f"YAML alias *{event.anchor} is not allowed "
                              "in content: write the value out in full")
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise YAMLProblem(self.line_of(event), "invalid YAML: more than one document "
                                  "(remove the '---' or '...' line inside the fields)")
            return
        stack = self.stack
        top = stack[-1] if stack else None
        awaiting_key = top is not None and top.key is None and isinstance(top.value, dict)
        if isinstance(event, yaml.ScalarEvent):
            if top is not None and awaiting_key:
                _key(top, event.value, self.line_of(event), self.located.lines)
            else:
                self.place(event.value, event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.open(event, awaiting_key)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()

    def open(self, event, awaiting_key: bool) -> None:
        """A mapping or a list begins."""
        if awaiting_key:
            raise YAMLProblem(self.line_of(event), "invalid YAML: a key must be a plain word, "
                              "not a list or a mapping")
        if len(self.stack) >= MAX_DEPTH:
            raise YAMLProblem(self.line_of(event), NESTED)
        container: dict | list = {} if isinstance(event, yaml.MappingStartEvent) else []
        path = self.place(container, event)
        self.stack.append(_Open(container, path))


def _build(events, first: int) -> Located:
    builder = _Builder(first)
    take = builder.take
    for event in events:
        take(event)
    return builder.located


def _key(top: _Open, key: str, line: int, lines: dict[Path, int]) -> None:
    path = (*top.path, key)
    if key in top.value:
        raise YAMLProblem(line, f"duplicate key {key!r} (first on line {lines[path]}): "
                          "keep one")
    top.key = key
    lines[path] = line
