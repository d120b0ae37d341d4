"""What the writing commands read from their options (times, the message, services,
other languages) and what they say after a write (what was understood, which
translations lack the new text, whether the site still builds)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from statuspage.cli.shared import building, cached_loader, clock, interactive, moment_of
from statuspage.content import loader, publishable, untranslated
from statuspage.edit import finding, understood
from statuspage.errors import StatusPageError
from statuspage.model import ComponentStatus
from statuspage.times import TimeError, format_time, parse_when


def check_published(root: Path) -> None:
    """After a write: load the whole site as a build would, so that a command never says
    "done" while another file (a hand edit) keeps everything from being published. The
    write itself is kept: it is valid."""
    with building():
        # Told by the build's parse cache, read only: what the last build loaded without
        # a problem and has not changed since is not loaded again (publishable.py).
        if not publishable.loads(root, loader.cache_for(root / "build")):
            cached_loader(root).load()


def required_moment(value: str, config, after: datetime | None = None) -> datetime:
    when = moment_of(value, config, after)
    assert when is not None  # a required option has a value
    return when


def started_at(value: str | None, config) -> datetime | None:
    """A --started time: when customers were first affected, so not in the future;
    ``HH:MM`` is the last time the clock showed it, ``-2h`` two hours ago."""
    if value is None:
        return None
    try:
        when = parse_when(value, config.timezone, clock(), past=True)
    except TimeError as err:
        raise click.BadParameter(str(err), param_hint="--started") from None
    if when > clock():
        raise click.BadParameter(f"{value!r} ({format_time(when, config.timezone)}) is in the "
                                 "future: give the time customers were first affected, e.g. "
                                 "-2h or 06:40", param_hint="--started")
    if value.strip().startswith("-") or value.strip().endswith(" ago"):
        when = when.replace(second=0, microsecond=0)  # files hold minutes
    return when


def remind(incident, config, texts: tuple[str, ...] = ()) -> None:
    """On a multi-language site: which translation files lack the text just written."""
    for line in untranslated.reminders(incident, config, texts):
        click.echo(f"{line} (reminder)", err=True)


def promise_of(value: str | None, config) -> datetime | None:
    """A --next-update time: a promise to customers, so it must be in the future."""
    when = moment_of(value, config)
    if when is not None and when <= clock():
        raise click.BadParameter(f"{value!r} is in the past: promise a time to come, "
                                 "e.g. +1h or 18:00", param_hint="--next-update")
    return when


def dated_at(value: str | None, config) -> datetime:
    """An update's time: now, or --at's (backdated, or ahead: then hidden until it comes)."""
    if value is None:
        return clock()
    try:
        when = parse_when(value, config.timezone, clock(), past=True)
    except TimeError as err:
        raise click.BadParameter(str(err), param_hint="--at") from None
    if when > clock():
        local = when.astimezone(config.timezone)
        click.echo(f"dated {format_time(when, config.timezone)} {local:%Z}: hidden until then",
                   err=True)
    return when


def target_of(root: Path, wanted: str) -> tuple[str, str | None]:
    """The incident's id, and what was typed when it was only the start of the id (a
    script must type at least the id's date and first word)."""
    incident_id, by_start = finding.find_id(root, wanted, whole_word=not interactive())
    return incident_id, wanted if by_start else None


def say_understood(incident, config, typed: str | None = None, services=(), times=()) -> None:
    """What was understood, below the command's first line."""
    for line in understood.lines(incident, config, typed, services, times):
        click.echo(line)


def message_of(message: str | None, prompt: str) -> str:
    """-m, else standard input when it is not a terminal, else $EDITOR."""
    if message is None and not interactive():
        message = sys.stdin.read()
    if message is None:
        message = click.edit(f"\n# {prompt}\n# Lines starting with '#' are ignored.\n")
        if message is not None:
            message = "\n".join(
                line for line in message.splitlines() if not line.startswith("#"))
    if not message or not message.strip():
        raise StatusPageError("no message: give one with -m, on standard input, or in $EDITOR")
    return message.strip()


def parse_components(values: tuple[str, ...]) -> dict[str, ComponentStatus | None]:
    result: dict[str, ComponentStatus | None] = {}
    statuses = {s.value for s in ComponentStatus}
    for value in values:
        component_id, _, component_status = value.partition(":")
        if component_status and component_status not in statuses:
            raise click.BadParameter(f"unknown status {component_status!r} for "
                                     f"{component_id!r} (known: {', '.join(sorted(statuses))})",
                                     param_hint="-c")
        result[component_id] = ComponentStatus(component_status) if component_status else None
    return result


def _texts(option: str, help_text: str):
    """--text LANG TEXT and --title LANG TEXT: another language of the site (repeatable)."""
    return click.option(option, f"{option[2:]}s", nargs=2, multiple=True, metavar="LANG TEXT",
                        help=help_text)


TEXT_OPTION = _texts("--text", "The same text in another language of the site, into "
                               "incidents/<id>.<lang>.md (repeatable).")
TITLE_OPTION = _texts("--title", "The title in a language of the site (repeatable).")


def by_language(config, texts=(), titles=()) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """--title and --text: the default language's title, and each other language's texts
    (the writer refuses the default language's --text: that is -m)."""
    own: dict[str, str] = {}
    other: dict[str, dict[str, str]] = {}
    for lang, value in titles:
        if lang == config.default_language:
            own["title"] = value
        else:
            other.setdefault(lang, {})["title"] = value
    for lang, value in texts:
        other.setdefault(lang, {})["message"] = value
    return own, other

