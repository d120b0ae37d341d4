"""What every command module of the CLI shares: the context the ``main`` group gives them,
the library's errors as clean messages, the clock, and the reading of a WHEN."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import click

from statuspage.content import loader
from statuspage.errors import ContentError, StatusPageError
from statuspage.times import TimeError, parse_when


def clock() -> datetime:
    """Now, for every command: ``statuspage.cli._now``, where tests set the time."""
    from statuspage import cli  # here: the package imports this module

    return cli._now()


def cached_loader(root: Path, out: Path | None = None) -> loader.Loader:
    """A loader through the parse cache of the build into ``out`` (default build/), read
    only: the files the last build parsed and that have not changed since are not parsed
    again (100,000 incidents: 8 s rather than 40)."""
    return loader.Loader(root, cache=loader.cache_for(out or root / "build"))


def interactive() -> bool:
    """Whether a person types the command (``statuspage.cli._interactive``)."""
    from statuspage import cli

    return cli._interactive()


class Failed(click.ClickException):
    """A library error, printed as its message (content errors as their lines alone)."""

    def __init__(self, error: StatusPageError):
        super().__init__(error.format_message())
        self.error = error

    def show(self, file=None) -> None:
        if isinstance(self.error, ContentError):
            click.echo(self.format_message(), file=file, err=True)
        else:
            super().show(file)


class Group(click.Group):
    """Maps the library's errors to a clean message and exit 1, without a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StatusPageError as err:
            raise Failed(err) from None


class Context:
    def __init__(self, site_dir: Path):
        self.root = site_dir
        self.db: str | None = None  # the subscribers' database (statuspage subscribers --db)

    def config(self):
        return loader.load_config(self.root)


pass_ctx = click.make_pass_decorator(Context)


UNBUILDABLE = ("the site cannot be built: the daemon keeps publishing the last good content "
               "until this is fixed")


@contextmanager
def building(code: int = 2) -> Iterator[None]:
    """A content error inside means customers see nothing new: the daemon keeps the last
    good site. Say so after the located errors, and exit with ``code``."""
    try:
        yield
    except ContentError as err:
        click.echo(err.format_message(), err=True)
        click.echo(UNBUILDABLE, err=True)
        raise click.exceptions.Exit(code) from None


def moment_of(value: str | None, config, after: datetime | None = None) -> datetime | None:
    """WHEN, read from now (or from ``after``: an end's ``05:00`` or ``+2h`` follows its start)."""
    if value is None:
        return None
    try:
        when = parse_when(value, config.timezone, after or clock())
    except TimeError as err:
        raise click.BadParameter(str(err)) from None
    if value.strip().startswith("+") and (when.second or when.microsecond):
        # a delay counts from now, to the second: files hold minutes, a promise none early
        when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return when


def relative(path: Path) -> str:
    """A path as the user can type it: from the current folder when it is under it."""
    path = path.resolve()
    cwd = Path.cwd().resolve()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
