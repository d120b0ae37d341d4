"""The ``statuspage`` command: thin click commands, each calling one library function.

The commands are grouped in modules by what they do: ``writing`` (new, maintenance,
update, resolve, reopen, undo, note), ``site`` (init, list, check, build, serve),
``running`` (run, publish) and ``mailing`` (notify, subscribers); ``shared`` holds what
they share, ``options`` what the writing commands read and say. Every command reads the
time from ``_now`` here, and asks ``_interactive`` whether a person is typing: tests set
both on this module.
"""

from __future__ import annotations

import gc
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from statuspage.cli import mailing, running, site, writing
from statuspage.cli.shared import Context, Group


def _now() -> datetime:
    return datetime.now(UTC)


def _interactive() -> bool:
    return sys.stdin.isatty()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              default=".", envvar="STATUSPAGE_SITE", show_default=True,
              help="The site's folder (holding content/ and incidents/).")
@click.version_option(package_name="statuspage")
@click.pass_context
def main(ctx: click.Context, site_dir: Path) -> None:
    """Publish and update incidents, and build the static status site."""
    ctx.obj = Context(site_dir)


# In this order: the README's table of commands lists them so (cog, from main.commands).
for _command in (site.init, writing.new, writing.maintenance, writing.update, writing.resolve,
                 writing.reopen, writing.undo, writing.note, site.list_, site.check, site.build,
                 running.run, mailing.notify_command, mailing.subscribers, site.serve,
                 running.publish):
    main.add_command(_command)


def console() -> None:
    """The console script: ``main``, then the process ends without the cycle collector's
    last passes over all a command loaded (on a large site, a long wait for nothing: the
    objects are freed anyway, and the memory goes back with the process)."""
    try:
        main()
    finally:
        gc.freeze()
