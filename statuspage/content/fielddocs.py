"""docs/format.md's tables of keys, made from the rows of the field tables: each key's
value, what it is for, its default, and for an incident's front matter whether a
translation gives it, which keys of the API show it and which options of the writing
commands set it. ``cog -r docs/format.md`` writes them; tests/test_fields.py fails when
they are stale.
"""

from __future__ import annotations

from collections.abc import Sequence

from statuspage.content.schema import Field
from statuspage.model import EMPTY_TEXT

NONE = "—"


def default_of(field: Field) -> str:
    """The default as the docs say it: the row's own words, else made from the row."""
    if field.shown_default:
        return field.shown_default
    if isinstance(field.required, str):
        return "required"
    default = field.default
    if callable(default) or field.required is not None:
        raise ValueError(f"{field.key}: say its default in words (shown_default)")
    if default is None or default in ((), [], {}) or default == EMPTY_TEXT:
        return "none"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def _translated(field: Field) -> str:
    if field.text:
        return "yes"
    return getattr(field.overlay, "kind", "no") if field.overlay else "no"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or NONE


def table(fields: Sequence[Field], translation: bool = False) -> str:
    """A table of keys: each one's value, what it is, its default; with ``translation``,
    whether a translation gives it; and, when a row of the table says so, which keys of
    the API show it and which options of the commands set it."""
    columns = {"key": lambda f: f"`{f.key}`", "value": lambda f: f.value_kind,
               "what it is": lambda f: f.doc, "default": default_of}
    if translation:
        columns["in a translation"] = _translated
    if any(field.api for field in fields):
        columns["API"] = lambda f: _listed(f.api)
    if any(field.cli for field in fields):
        columns["CLI"] = lambda f: _listed(f.cli)
    lines = [_row(list(columns)), "|" + "---|" * len(columns)]
    for field in fields:
        if not field.doc or not field.value_kind:
            raise ValueError(f"{field.key}: the row needs its doc and the kind of its value")
        lines.append(_row([cell(field) for cell in columns.values()]))
    return "\n".join(lines) + "\n"


def sections(fields: Sequence[Field]) -> str:
    """For each key holding a mapping or a list of them: a heading and the table of its
    keys."""
    parts = []
    for field in fields:
        if field.parts:
            each = " (each entry)" if field.value_kind.startswith("a list") else ""
            parts.append(f"\n### `{field.key}:`{each}\n\n{table(field.parts)}")
    return "".join(parts)


def translatable(fields: Sequence[Field]) -> str:
    """The keys a translation gives, as a sentence lists them: `title`, `a` and `b`."""
    names = [f"`{field.key}`" for field in fields if field.text]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
