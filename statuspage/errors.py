"""One exception tree of the library's own; the CLI maps it to a clean message and exit 1.

Non-fatal problems are warnings (``Problem`` objects collected beside the errors);
``check --strict`` turns them into failures.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


class StatusPageError(Exception):
    """Base of every error the user can fix: its message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return self.message


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file: printed as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        path, message = printable(self.path), printable(self.message)
        if not self.line:  # not in a file: a page's address
            return f"{path}: {message}"
        return f"{path}:{self.line}: {message}"


class ContentError(StatusPageError):
    """One or more problems in the content files, all reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        summary = f"{count(len(self.problems), 'error')}."
        super().__init__("\n".join([*map(str, self.problems), summary]))


class ConfigError(StatusPageError):
    """The site cannot be found or its configuration cannot be used."""


class BuildError(StatusPageError):
    """Freezing the site failed; the previous site is left in place."""


class OutputError(BuildError):
    """The output folder cannot be written: no build of any content can succeed there.
    ``problem``: where, for ``check`` to list it."""

    def __init__(self, message: str, problem: Problem | None = None):
        super().__init__(message)
        self.problem = problem or Problem("", 0, message)


class IncidentNotFound(StatusPageError):
    """A command names an incident id that has no file."""


class PublishError(StatusPageError):
    """Publishing to object storage failed; ``transient`` when the same publish may work
    later (the storage unreachable or failing), not when something must be fixed first."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


def printable(text: str) -> str:
    """``text`` with what a terminal or a log would act on written as an escape (``\\x1b``,
    ``\\n``, ``\\u202e``; ``\\xff`` for a byte of a name that is not UTF-8): a file's name
    cannot send a terminal escape, forge a ``path:line:`` line of its own, or reorder what
    follows it. Spaces stay (a French message's no-break spaces)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or unicodedata.category(char) == "Zs"
                   else _escape(char) for char in text)


def _escape(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (os.fsdecode's escape)
        return f"\\x{ord(char) - 0xdc00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``1 incident``, ``2 incidents``: a number with its noun in the right form."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def listed(names, most: int) -> str:
    """``a, b, c and 1997 more``: a list for a message or a log line, its first ``most``
    items named and the rest counted (thousands of incidents may share an instant)."""
    names = list(names)
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def known(names) -> str:
    """``a, b, c`` for an error message's list of what is allowed."""
    return ", ".join(sorted(names)) or "none"


class Problems:
    """Collects the problems of one file, so every one is reported, not just the first.

    ``doc`` (a ``yamlsource.Located``) gives the line of a key path.
    """

    def __init__(self, path: str, doc=None):
        self.path = path
        self.doc = doc
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.markup_cost = 0  # what its markdown may cost to convert (markup.audit)

    def error(self, message: str, *key: str | int, line: int | None = None) -> None:
        self.errors.append(Problem(self.path, line or self._line(key), message))

    def warn(self, message: str, *key: str | int, line: int | None = None) -> None:
        self.warnings.append(Problem(self.path, line or self._line(key), message))

    def _line(self, key) -> int:
        return self.doc.line(*key) if self.doc else 1

    def unknown_keys(self, data: dict, allowed, *path: str | int) -> None:
        for key in data:
            if key not in allowed:
                self.error(f"unknown key {key!r} (allowed: {known(allowed)})", *path, key)
