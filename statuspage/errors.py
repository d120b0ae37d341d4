"""One exception tree, rooted at click.ClickException so the CLI prints a clean
message and exits 1 without a traceback."""

from __future__ import annotations

from dataclasses import dataclass

import click


class StatusPageError(click.ClickException):
    """Base of every error the user can fix."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file: printed as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(StatusPageError):
    """One or more problems in the content files, all reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        summary = f"{count} error{'s' if count != 1 else ''}."
        super().__init__("\n".join([*map(str, self.problems), summary]))

    def show(self, file=None) -> None:
        click.echo(self.format_message(), file=file, err=True)


class ConfigError(StatusPageError):
    """The site cannot be found or its configuration cannot be used."""


class BuildError(StatusPageError):
    """Freezing the site failed; the previous site is left in place."""


class IncidentNotFound(StatusPageError):
    """A command names an incident id that has no file."""


class PublishError(StatusPageError):
    """Publishing to object storage failed; ``transient`` when the same publish may work
    later (the storage unreachable or failing), not when something must be fixed first."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient
