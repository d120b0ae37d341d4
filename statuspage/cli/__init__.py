"""The ``statuspage`` command: thin click commands, each calling one library function."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import click

from statuspage.content import incident as content
from statuspage.content import loader, untranslated
from statuspage.content.config import SITE_FILE
from statuspage.content.edition import EDITIONS, named
from statuspage.content.schema import site_url_problem, url_problem
from statuspage.edit import understood, writer
from statuspage.errors import ContentError, StatusPageError, count
from statuspage.model import ComponentStatus, Impact, IncidentStatus, MaintenanceStatus
from statuspage.state import status
from statuspage.times import TimeError, format_time, parse_when


def _now() -> datetime:
    return datetime.now(UTC)


class _Failed(click.ClickException):
    """A library error, printed as its message (content errors as their lines alone)."""

    def __init__(self, error: StatusPageError):
        super().__init__(error.format_message())
        self.error = error

    def show(self, file=None) -> None:
        if isinstance(self.error, ContentError):
            click.echo(self.format_message(), file=file, err=True)
        else:
            super().show(file)


class _Group(click.Group):
    """Maps the library's errors to a clean message and exit 1, without a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StatusPageError as err:
            raise _Failed(err) from None


class Context:
    def __init__(self, site_dir: Path):
        self.root = site_dir
        self.db: str | None = None  # the subscribers' database (statuspage subscribers --db)

    def config(self):
        return loader.load_config(self.root)


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              default=".", envvar="STATUSPAGE_SITE", show_default=True,
              help="The site's folder (holding content/ and incidents/).")
@click.version_option(package_name="statuspage")
@click.pass_context
def main(ctx: click.Context, site_dir: Path) -> None:
    """Publish and update incidents, and build the static status site."""
    ctx.obj = Context(site_dir)


def console() -> None:
    """The console script: ``main``, then the process ends without the cycle collector's
    last passes over all a command loaded (on a large site, a long wait for nothing: the
    objects are freed anyway, and the memory goes back with the process)."""
    try:
        main()
    finally:
        gc.freeze()


UNBUILDABLE = ("the site cannot be built: the daemon keeps publishing the last good content "
               "until this is fixed")


@contextmanager
def _building(code: int = 2) -> Iterator[None]:
    """A content error inside means customers see nothing new: the daemon keeps the last
    good site. Say so after the located errors, and exit with ``code``."""
    try:
        yield
    except ContentError as err:
        click.echo(err.format_message(), err=True)
        click.echo(UNBUILDABLE, err=True)
        raise click.exceptions.Exit(code) from None


def _published(root: Path) -> None:
    """After a write: load the whole site as a build would, so that a command never says
    "done" while another file (a hand edit) keeps everything from being published. The
    write itself is kept: it is valid."""
    with _building():
        # Through the build's parse cache, read only: the files the last build parsed and
        # that have not changed since are not parsed again.
        loader.Loader(root, cache=loader.cache_for(root / "build")).load()


def _when(value: str | None, config, after: datetime | None = None) -> datetime | None:
    """WHEN, read from now (or from ``after``: an end's ``05:00`` or ``+2h`` follows its start)."""
    if value is None:
        return None
    try:
        when = parse_when(value, config.timezone, after or _now())
    except TimeError as err:
        raise click.BadParameter(str(err)) from None
    if value.strip().startswith("+") and (when.second or when.microsecond):
        # a delay counts from now, to the second: files hold minutes, a promise none early
        when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return when


def _required_when(value: str, config, after: datetime | None = None) -> datetime:
    when = _when(value, config, after)
    assert when is not None  # a required option has a value
    return when


def _started(value: str | None, config) -> datetime | None:
    """A --started time: when customers were first affected, so not in the future;
    ``HH:MM`` is the last time the clock showed it, ``-2h`` two hours ago."""
    if value is None:
        return None
    try:
        when = parse_when(value, config.timezone, _now(), past=True)
    except TimeError as err:
        raise click.BadParameter(str(err), param_hint="--started") from None
    if when > _now():
        raise click.BadParameter(f"{value!r} ({format_time(when, config.timezone)}) is in the "
                                 "future: give the time customers were first affected, e.g. "
                                 "-2h or 06:40", param_hint="--started")
    if value.strip().startswith("-") or value.strip().endswith(" ago"):
        when = when.replace(second=0, microsecond=0)  # files hold minutes
    return when


def _remind(incident, config, texts: tuple[str, ...] = ()) -> None:
    """On a multi-language site: which translation files lack the text just written."""
    for line in untranslated.reminders(incident, config, texts):
        click.echo(f"{line} (reminder)", err=True)


def _promise(value: str | None, config) -> datetime | None:
    """A --next-update time: a promise to customers, so it must be in the future."""
    when = _when(value, config)
    if when is not None and when <= _now():
        raise click.BadParameter(f"{value!r} is in the past: promise a time to come, "
                                 "e.g. +1h or 18:00", param_hint="--next-update")
    return when


def _dated(value: str | None, config) -> datetime:
    """An update's time: now, or --at's (backdated, or ahead: then hidden until it comes)."""
    if value is None:
        return _now()
    try:
        when = parse_when(value, config.timezone, _now(), past=True)
    except TimeError as err:
        raise click.BadParameter(str(err), param_hint="--at") from None
    if when > _now():
        local = when.astimezone(config.timezone)
        click.echo(f"dated {format_time(when, config.timezone)} {local:%Z}: hidden until then",
                   err=True)
    return when


def _interactive() -> bool:
    return sys.stdin.isatty()


def _target(root: Path, wanted: str) -> tuple[str, str | None]:
    """The incident's id, and what was typed when it was only the start of the id (a
    script must type at least the id's date and first word)."""
    incident_id, by_start = writer.find_id(root, wanted, whole_word=not _interactive())
    return incident_id, wanted if by_start else None


def _say(incident, config, typed: str | None = None, services=(), times=()) -> None:
    """What was understood, below the command's first line."""
    for line in understood.lines(incident, config, typed, services, times):
        click.echo(line)


def _message(message: str | None, prompt: str) -> str:
    """-m, else standard input when it is not a terminal, else $EDITOR."""
    if message is None and not _interactive():
        message = sys.stdin.read()
    if message is None:
        message = click.edit(f"\n# {prompt}\n# Lines starting with '#' are ignored.\n")
        if message is not None:
            message = "\n".join(
                line for line in message.splitlines() if not line.startswith("#"))
    if not message or not message.strip():
        raise StatusPageError("no message: give one with -m, on standard input, or in $EDITOR")
    return message.strip()


def _components(values: tuple[str, ...]) -> dict[str, ComponentStatus | None]:
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


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False,
                metavar="DIR")
@click.pass_obj
def init(obj: Context, directory: Path | None) -> None:
    """Create a site: a commented content/site.yaml, one example incident, two incident
    templates (content/templates/: a billing error, a local network outage), a .gitignore."""
    from statuspage.edit.scaffold import scaffold

    target = directory or obj.root
    for path in scaffold(target, _now()):
        click.echo(f"created {path}")
    click.echo(f"next: cd {target} && statuspage build")


def _texts(option: str, help_text: str):
    """--text LANG TEXT and --title LANG TEXT: another language of the site (repeatable)."""
    return click.option(option, f"{option[2:]}s", nargs=2, multiple=True, metavar="LANG TEXT",
                        help=help_text)


TEXT_OPTION = _texts("--text", "The same text in another language of the site, into "
                               "incidents/<id>.<lang>.md (repeatable).")
TITLE_OPTION = _texts("--title", "The title in a language of the site (repeatable).")


def _languages(config, texts=(), titles=()) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
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


@main.command()
@click.argument("title")
@click.option("-c", "--component", "components", multiple=True,
              metavar="COMPONENT[:STATUS]",
              help="An affected component, with its status (required unless the template "
                   "names some).")
@click.option("--impact", type=click.Choice([i.value for i in Impact]),
              metavar="IMPACT", help="How bad it is (none, minor, major, critical); sets "
                                     "components' default status (default: minor).")
@click.option("--status", metavar="STATUS",
              type=click.Choice([s.value for s in IncidentStatus]),
              help="The first status (investigating, the default; identified, monitoring).")
@click.option("--template", "template_name", metavar="NAME",
              help="Start from content/templates/NAME.md: its defaults and first message, "
                   "in every language it gives; the options here win.")
@click.option("-m", "--message", help="The first update's text (else the template's, else "
                                      "stdin or $EDITOR).")
@click.option("--next-update", metavar="WHEN", help="When customers get the next update.")
@click.option("--who", metavar="TEXT", help="Who is affected, in plain words.")
@click.option("--what-to-do", metavar="TEXT", help="What customers should do.")
@click.option("--started", metavar="WHEN",
              help="When customers were first affected, for an incident noticed late "
                   "(default: now), e.g. 06:40 or -2h; the first update is dated now.")
@click.option("--id", "incident_id", metavar="ID",
              help="The id (default: the start's date and a slug of the title).")
@TEXT_OPTION
@TITLE_OPTION
@pass_ctx
def new(obj: Context, title, components, impact, status, template_name, message, next_update,
        who, what_to_do, started, incident_id, texts, titles) -> None:
    """Create an incident with its first update; print its id and path (default id: the
    start's date and a slug of the title, transliterated: "Cœur" gives coeur).

    On a multi-language site, say which translation files lack the new text."""
    from statuspage.edit import templates

    config = obj.config()
    own_title, other = _languages(config, texts, titles)
    if own_title:
        raise click.BadParameter(f"{config.default_language} is the site's default language: "
                                 "its title is TITLE", param_hint="--title")
    template = templates.load(obj.root, config, template_name) if template_name else None
    chosen, translated = templates.fill(template, config, {
        "components": _components(components), "impact": impact, "status": status,
        "message": message, "next_update": next_update, "who_is_affected": who,
        "what_to_do": what_to_do}, other)
    if not chosen["components"]:
        raise click.BadParameter("name the affected services, e.g. -c fibre (or use a "
                                 "template that names them)", param_hint="-c")
    next_update = chosen["next_update"]
    promised, begun = _promise(next_update, config), _started(started, config)
    incident = writer.new_incident(
        config, title, chosen["components"], chosen["impact"], chosen["status"],
        _message(chosen["message"], "What are customers seeing? What are you doing?"), _now(),
        incident_id=incident_id, next_update=promised, who=chosen["who_is_affected"],
        what_to_do=chosen["what_to_do"], started=begun,
    )
    incident = writer.create(obj.root, config, incident, numbered=incident_id is None,
                             translated=translated)
    click.echo(incident.id)
    click.echo(_relative(obj.root / incident.path))
    click.echo(f"reference: {incident.reference}")
    note = understood.rolled(next_update, promised, _now(), config) if promised else ""
    times = [("next update", understood.promise(incident, config, _now(), note))]
    if begun is not None:
        times.insert(0, ("started", understood.moment(incident.started, config, understood.rolled(
            started, incident.started, _now(), config))))
    _say(incident, config, services=incident.components, times=times)
    _remind(incident, config, ("title", "who_is_affected", "what_to_do"))
    _published(obj.root)


@main.command()
@click.argument("title")
@click.option("-c", "--component", "components", multiple=True, required=True,
              metavar="COMPONENT[:STATUS]",
              help="A component concerned (status: under_maintenance unless given).")
@click.option("--start", required=True, metavar="WHEN", help="When the work begins.")
@click.option("--end", required=True, metavar="WHEN", help="When the work is over.")
@click.option("-m", "--message", help="The announcement's text (else stdin or $EDITOR).")
@click.option("--who", metavar="TEXT", help="Who is affected, in plain words.")
@click.option("--what-to-do", metavar="TEXT", help="What customers should do.")
@click.option("--id", "incident_id", metavar="ID",
              help="The id (default: the start's date and a slug of the title).")
@TEXT_OPTION
@TITLE_OPTION
@pass_ctx
def maintenance(obj: Context, title, components, start, end, message, who, what_to_do,
                incident_id, texts, titles) -> None:
    """Schedule a planned maintenance: its components under_maintenance unless a status is
    given, a first scheduled update with the message; print its id and path (default id:
    the start's date and a slug of the title). An end not after the start, or past, is
    refused.

    On a multi-language site, say which translation files lack the new text."""
    config = obj.config()
    starts = _required_when(start, config)
    ends = _required_when(end, config, after=starts)
    if ends <= starts:
        raise click.BadParameter(
            f"{end!r} ({format_time(ends, config.timezone)}) is not after --start {start!r} "
            f"({format_time(starts, config.timezone)}): a maintenance ends after it starts",
            param_hint="--end")
    if ends <= _now():
        raise click.BadParameter(f"{end!r} is in the past: schedule a maintenance to come",
                                 param_hint="--end")
    incident = writer.new_maintenance(
        config, title, _components(components), starts, ends,
        _message(message, "What will customers notice, and what should they do?"), _now(),
        incident_id=incident_id, who=who, what_to_do=what_to_do,
    )
    own_title, translated = _languages(config, texts, titles)
    if own_title:
        raise click.BadParameter(f"{config.default_language} is the site's default language: "
                                 "its title is TITLE", param_hint="--title")
    incident = writer.create(obj.root, config, incident, numbered=incident_id is None,
                             translated=translated)
    click.echo(incident.id)
    click.echo(_relative(obj.root / incident.path))
    click.echo(f"reference: {incident.reference}")
    _say(incident, config, services=incident.components,
         times=understood.window(config, _now(), (start, starts), (end, ends)))
    _remind(incident, config, ("title", "who_is_affected", "what_to_do"))
    _published(obj.root)


@main.command()
@click.argument("incident_id", metavar="ID|REF")
@click.option("--status", metavar="STATUS",
              type=click.Choice([s.value for s in (*IncidentStatus, *MaintenanceStatus)]),
              help="The status after this update: investigating, identified, monitoring, "
                   "resolved, postmortem; for a maintenance scheduled, in_progress, verifying, "
                   "completed, cancelled (default: the current one).")
@click.option("-c", "--component", "components", multiple=True, metavar="COMPONENT[:STATUS]",
              help="A service whose status changes; one the incident did not name is added "
                   "(with the impact's status unless one is given).")
@click.option("--impact", type=click.Choice([i.value for i in Impact]), metavar="IMPACT",
              help="The incident's new impact (none, minor, major, critical).")
@click.option("-m", "--message", help="The update's text (else stdin or $EDITOR).")
@click.option("--next-update", metavar="WHEN", help="When customers get the next update.")
@click.option("--start", metavar="WHEN",
              help="A maintenance only: its new start (it is moved, or began early).")
@click.option("--end", metavar="WHEN",
              help="A maintenance only: its new end (to extend it, or end it earlier).")
@click.option("--at", metavar="WHEN", help="The update's own time (default: now): HH:MM is "
              "the last time the clock showed it, -2h two hours ago, +1h or a date ahead "
              "(hidden until then).")
@click.option("--who", metavar="TEXT", help="Who is affected now, in plain words.")
@click.option("--what-to-do", metavar="TEXT", help="What customers should do now.")
@TEXT_OPTION
@TITLE_OPTION
@pass_ctx
def update(obj: Context, incident_id, status, components, impact, message, next_update, start,
           end, at, who, what_to_do, texts, titles) -> None:
    """Add an update on top of the timeline: the message from -m, else standard input,
    else $EDITOR; -c and --impact change services' statuses and the impact in the same
    step. --next-update replaces the promise (without it the standing one is kept, and it
    leaves the page once past); --start and --end move a maintenance's window.

    On a multi-language site, say which translation files lack the new text."""
    config = obj.config()
    incident_id, typed = _target(obj.root, incident_id)
    new_start, new_end = _when(start, config), _when(end, config)
    if new_end is not None and new_end <= _now():
        raise click.BadParameter(f"{end!r} is in the past: give the time the work will end",
                                 param_hint="--end")
    changes = _components(components)
    promised = _promise(next_update, config)
    fields, translated = _languages(config, texts, titles)
    fields.update((key, value) for key, value in (("who_is_affected", who),
                                                  ("what_to_do", what_to_do)) if value)
    incident = writer.append_update(
        obj.root, config, incident_id, status or writer.KEEP_STATUS,
        _message(message, f"Update for {incident_id}: what changed?"), _dated(at, config),
        next_update=promised, maintenance_start=new_start,
        maintenance_end=new_end, components=changes, impact=Impact(impact) if impact else None,
        fields=fields, translated=translated,
    )
    click.echo(f"{incident.id}: {incident.updates[0].status}")
    note = understood.rolled(next_update, promised, _now(), config) if promised else ""
    times = [] if incident.is_maintenance else [
        ("next update", understood.promise(incident, config, _now(), note))]
    times += understood.window(config, _now(), (start, new_start), (end, new_end))
    _say(incident, config, typed,
         services=list(incident.components) if impact else list(changes), times=times)
    _remind(incident, config)
    _published(obj.root)


@main.command()
@click.argument("incident_id", metavar="ID|REF")
@click.option("-m", "--message", help="The closing text (default: a standard sentence).")
@TEXT_OPTION
@pass_ctx
def resolve(obj: Context, incident_id, message, texts) -> None:
    """Add the resolving update (completed, for a maintenance) and remove the promise;
    without -m, a standard sentence in every language of the site."""
    config = obj.config()
    incident_id, typed = _target(obj.root, incident_id)
    if texts and message is None:
        raise click.BadParameter("with --text, give the default language's text with -m too "
                                 "(without -m, a standard sentence is written in every "
                                 "language)", param_hint="--text")
    incident = writer.append_update(obj.root, config, incident_id, None, message, _now(),
                                    clear_next_update=True,
                                    translated=_languages(config, texts)[1])
    click.echo(f"{incident.id}: {incident.updates[0].status}")
    _say(incident, config, typed)
    if message is not None:
        _remind(incident, config)
    _published(obj.root)


REOPENING = ("investigating", "identified", "monitoring", "in_progress", "verifying")


@main.command()
@click.argument("incident_id", metavar="ID|REF")
@click.option("-m", "--message", help="Why it is open again (else stdin or $EDITOR).")
@click.option("--status", type=click.Choice(REOPENING), metavar="STATUS",
              help="The status it reopens with: investigating (the default), identified, "
                   "monitoring; for a maintenance in_progress (the default) or verifying.")
@click.option("--next-update", metavar="WHEN", help="When customers get the next update.")
@TEXT_OPTION
@pass_ctx
def reopen(obj: Context, incident_id, message, status, next_update, texts) -> None:
    """Reopen a resolved incident (or a completed maintenance): an update after the
    resolution, under the same id and reference; the timeline keeps the resolution, and
    the incident is open again on the pages, in the API and feeds, and for webhooks."""
    config = obj.config()
    incident_id, typed = _target(obj.root, incident_id)
    promised = _promise(next_update, config)
    incident = writer.append_update(
        obj.root, config, incident_id, status,
        _message(message, f"Reopening {incident_id}: what is wrong again?"), _now(),
        next_update=promised, reopen=True, translated=_languages(config, texts)[1])
    click.echo(f"{incident.id}: reopened, {incident.updates[0].status}")
    note = understood.rolled(next_update, promised, _now(), config) if promised else ""
    _say(incident, config, typed, services=incident.components, times=[] if
         incident.is_maintenance else [("next update", understood.promise(
             incident, config, _now(), note))])
    _remind(incident, config)
    _published(obj.root)


@main.command()
@click.argument("incident_id", metavar="ID|REF")
@pass_ctx
def undo(obj: Context, incident_id) -> None:
    """Take back the newest update written with the CLI less than 15 minutes ago, with the
    front matter it changed (services, impact, promise); refused otherwise, saying why.
    Feeds, webhooks and e-mails already sent are not recalled."""
    config = obj.config()
    incident_id, typed = _target(obj.root, incident_id)
    from statuspage.edit.undo import take_back

    entry = take_back(obj.root, incident_id, _now())
    gone = [item.path for item in entry.files if item.before is None]
    click.echo(f"{incident_id}: took back {entry.what}"
               + (f" ({', '.join(gone)} removed)" if gone else ", and its front matter"))
    with suppress(ContentError):  # a file that no longer reads: said by _published below
        incident = None if gone else writer.current(obj.root, config, incident_id)
        if incident is not None:
            times = [] if incident.is_maintenance else [
                ("next update", understood.promise(incident, config, _now()))]
            _say(incident, config, typed, services=incident.components, times=times)
    click.echo("feeds, webhooks and e-mails already sent cannot be recalled: if customers may "
               f"have seen it, post a correcting update (statuspage update {incident_id} -m …)",
               err=True)
    _published(obj.root)


@main.command()
@click.argument("incident_id", metavar="ID|REF")
@click.option("-m", "--message", help="The note's text (else stdin or $EDITOR; none with "
                                      "--say, --do or --tags alone).")
@click.option("--say", metavar="TEXT", help="What an agent tells a customer who calls.")
@click.option("--do", "do_", metavar="TEXT",
              help="What agents may do (a goodwill gesture, when to escalate).")
@click.option("--tags", metavar="TAG,…", help="Words agents search by, added to the others.")
@pass_ctx
def note(obj: Context, incident_id, message, say, do_, tags) -> None:
    """Add an internal note on top of incidents/<id>.internal.md (created if there is
    none): the message from -m, else standard input, else $EDITOR. Only the support desk
    edition shows it (build --edition desk)."""
    from statuspage.edit import notes

    config = obj.config()
    incident_id, typed = _target(obj.root, incident_id)
    fields = {key: value for key, value in (("say", say), ("do", do_)) if value}
    if message is None and (fields or tags):
        text = None  # only the fields
    else:
        text = _message(message, f"Internal note on {incident_id}: never published")
    path, internal = notes.add_note(obj.root, config, incident_id, text, _now(), fields,
                                   tuple((tags or "").split(",")))
    click.echo(f"{incident_id}: {len(internal.notes)} internal note"
               f"{'s' if len(internal.notes) != 1 else ''} in {_relative(path)}")
    with suppress(ContentError):  # a broken incident file: said by _published below
        _say(writer.current(obj.root, config, incident_id), config, typed)
    _published(obj.root)


STALE_AFTER = timedelta(hours=24)


def stale_warnings(snapshot: status.Snapshot) -> list[str]:
    """Open incidents whose promised update has passed, or with no update for 24 h."""
    config = snapshot.site.config
    warnings = []
    for view in snapshot.views.values():
        if not view.is_open or view.incident.is_maintenance:
            continue
        path = view.incident.path
        if view.late is not None:
            warnings.append(f"{path}: the update promised for "
                            f"{format_time(view.late, config.timezone)} is not published: "
                            "post one with 'statuspage update' (and a new --next-update)")
        elif view.updates and snapshot.now - view.updates[0].time >= STALE_AFTER:
            warnings.append(f"{path}: no update for over 24 hours: tell customers where the "
                            "fix stands with 'statuspage update'")
    return warnings


@main.command(name="list")
@click.option("--open", "only_open", is_flag=True, help="Only incidents still open.")
@pass_ctx
def list_(obj: Context, only_open: bool) -> None:
    """List incidents, newest first: id, reference, status, age, components and title;
    warn (on stderr) about open incidents whose promised update is late. When a file keeps
    the site from building, list the others, name the errors and exit 2."""
    site = loader.Loader(obj.root).load(lenient=True)  # a broken file: the others listed
    now = _now()
    snapshot = status.Snapshot(site, now)
    language = site.config.default_language
    rows = []
    for view in snapshot.views.values():
        incident = view.incident
        if only_open and not view.is_open:
            continue
        age = now - incident.started
        hours = int(age.total_seconds() // 3600)
        age_text = f"{hours // 24}d{hours % 24:02d}h" if hours >= 24 else f"{hours}h"
        if age.total_seconds() < 0:
            age_text = "future"
        title = incident.title.get_in(language, language).value
        rows.append((incident.id, incident.reference, str(view.status), age_text,
                     ",".join(incident.components), title))
    if not rows:
        click.echo("no open incidents" if only_open else "no incidents")
    widths = [max(len(r[i]) for r in rows) for i in range(5)] if rows else []
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
                   + "  " + row[5])
    for warning in stale_warnings(snapshot):
        click.echo(f"{warning} (warning)", err=True)
    if site.errors:
        with _building():
            raise ContentError(list(site.errors))


@main.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@pass_ctx
def check(obj: Context, strict: bool) -> None:
    """Validate every content file, then render every page in memory as a build would
    (the support desk edition's too when there are internal notes), and check that the
    build folder can be written; print each problem as path:line: message and exit 1 (on
    warnings too with --strict).

    Incident templates (content/templates/) are checked too. Warnings: what the sanitiser
    removes, late promises, updates dated over 5 minutes ahead (hidden until then), and on
    a multi-language site each title, text and update not yet translated."""
    from statuspage.content import edition as desk
    from statuspage.edit import templates
    from statuspage.freeze.checking import output_problems, render_check

    with _building(1):
        site = desk.load_site(obj.root)  # the internal files are checked too
        editions = desk.EDITIONS if site.internal else (desk.PUBLIC,)
        problems = render_check(desk.public(site), _now())
        if site.internal:  # what breaks the desk edition (an internal note) fails here too
            problems += render_check(site, _now(), edition=desk.DESK)
        problems += output_problems(obj.root, editions)  # and what stops a build writing
        if problems:
            raise ContentError(sorted(set(problems)))  # a page of both editions: said once
    if broken := templates.problems(obj.root, site.config):  # the site builds: exit 1 only
        raise ContentError(broken)
    warnings = [*map(str, site.warnings), *map(str, untranslated.problems(site, obj.root)),
                *stale_warnings(status.Snapshot(site, _now())),
                *map(str, content.future_updates(site, _now()))]
    for warning in warnings:
        click.echo(f"{warning} (warning)", err=True)
    if strict and warnings:
        raise StatusPageError(f"{count(len(warnings), 'warning')}, and --strict is on")
    click.echo(f"ok: {count(len(site.incidents), 'incident')}, "
               f"{count(len(site.config.components), 'component')}")


EDITION = click.Choice([edition.name for edition in EDITIONS])


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where to write the site (default: build/ in the site folder; "
                   "build-desk/ for the desk edition).")
@click.option("--url", help="The public base URL (default: url in site.yaml).")
@click.option("--now", "moment", metavar="WHEN",
              help="Build the site as it is at WHEN (a preview, a reproducible build); "
                   "every page then says which moment it shows.")
@click.option("--full", is_flag=True,
              help="Render every file (the same bytes an incremental build writes).")
@click.option("--edition", type=EDITION, default="public", show_default=True,
              metavar="EDITION",
              help="public, or desk: the support desk's, with the internal notes (never "
                   "publish it).")
@pass_ctx
def build(obj: Context, out: Path | None, url: str | None, moment: str | None,
          full: bool, edition: str) -> None:
    """Freeze the site into static files and swap them in atomically, rendering only the
    files whose content changed; print the pages written and the time taken."""
    from statuspage.freeze.build import BuildOptions
    from statuspage.freeze.build import build as build_site

    now = _when(moment, obj.config()) if moment else _now()
    result = build_site(obj.root, BuildOptions(out, url=url, now=now, full=full,
                                               edition=named(edition), pinned=bool(moment)))
    for warning in result.warnings:
        click.echo(f"{warning} (warning)", err=True)
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(f"built {count(result.pages, 'page')} into {_relative(result.out)} "
               f"in {result.seconds:.2f} s ({result.rendered} rendered, "
               f"{result.pages - result.rendered} kept)")


def _period(ctx, param, value: str):
    from statuspage.ops.daemon import parse_every

    try:
        return parse_every(value)
    except TimeError as err:
        raise click.BadParameter(str(err)) from None


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where to write the site (default: build/ in the site folder).")
@click.option("--url", help="The public base URL (default: url in site.yaml).")
@click.option("--every", default="5m", show_default=True, callback=_period, metavar="PERIOD",
              help="Rebuild this often too, e.g. 30s, 5m, 1h, so 'last updated' stays fresh.")
@click.option("--on-overdue", metavar="COMMAND",
              help="A shell command run once when a promised update time passes without an "
                   "update; it gets STATUSPAGE_INCIDENT_ID, STATUSPAGE_INCIDENT_TITLE and "
                   "STATUSPAGE_NEXT_UPDATE.")
@click.option("--publish", "target", metavar="s3://BUCKET[/PREFIX]",
              help="Publish to S3-compatible storage after each build (only what changed; "
                   "retried with backoff while the storage is unreachable).")
@click.option("--endpoint-url", metavar="URL",
              help="With --publish: the S3-compatible storage (default: AWS, or "
                   "AWS_ENDPOINT_URL).")
@click.option("--max-age", default=60, show_default=True, type=click.IntRange(min=0),
              metavar="SECONDS", help="With --publish: as for 'statuspage publish'.")
@click.option("--invalidate", metavar="COMMAND",
              help="With --publish: a shell command run after each publish that changed "
                   "something (a CDN purge).")
@click.option("--webhook", "webhooks", multiple=True, metavar="URL",
              help="POST each new update and component change here (repeatable; site.yaml's "
                   "webhooks: too), in Statuspage's webhook format.")
@click.option("--webhook-format", type=click.Choice(["statuspage", "slack"]),
              default="statuspage", show_default=True, help="The webhooks' payload.")
@click.option("--desk-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Keep the support desk edition current in DIR too (never published).")
@click.option("--on-error", metavar="COMMAND",
              help="A shell command run once when a build finds a new content error, with "
                   "the located messages one per line in STATUSPAGE_ERRORS, and once more, "
                   "with it empty, when all are fixed.")
@click.option("--metrics", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Rewrite FILE after each build with the daemon's metrics in Prometheus' "
                   "text format (node_exporter's textfile collector: name it *.prom).")
@click.option("--allow-mass-removal", is_flag=True,
              help="Publish at once a change that removes more than half of the incidents "
                   "(else held until it has stood for 30 s, in case a folder is only briefly "
                   "gone).")
@click.option("--notify", "notify_mail", is_flag=True,
              help="Mail each new update to its confirmed subscribers (site.yaml's "
                   "subscriptions:, --smtp, --db; docs/subscriptions.md).")
@click.option("--smtp", envvar="STATUSPAGE_SMTP", metavar="URL",
              help="With --notify: the relay, smtp://[user:pass@]host[:port] or smtps://… "
                   "(or STATUSPAGE_SMTP).")
@click.option("--db", envvar="STATUSPAGE_DB", metavar="URL",
              help="With --notify: the subscribers' database (default: the site folder's "
                   "SQLite; or STATUSPAGE_DB, e.g. postgresql://…).")
@pass_ctx
def run(obj: Context, out: Path | None, url: str | None, every, on_overdue: str | None,
        target: str | None, endpoint_url: str | None, max_age: int, invalidate: str | None,
        webhooks: tuple[str, ...], webhook_format: str, desk_out: Path | None,
        on_error: str | None, metrics: Path | None, allow_mass_removal: bool,
        notify_mail: bool, smtp: str | None, db: str | None) -> None:
    """The publishing daemon: build at start, then on every content change, at each
    maintenance start and end and promised update time, and every --every; remind staff
    when a promised update is overdue; after each build, publish (--publish), notify
    webhooks and mail subscribers (--notify). SIGTERM or Ctrl-C stops it."""
    from statuspage.ops import daemon, outbound, outbox
    from statuspage.ops import webhooks as hooks

    problem = site_url_problem(url.rstrip("/")) if url else None
    if problem:
        raise click.BadParameter(problem, param_hint="--url")
    zone = UTC  # the log's, until site.yaml can be read
    try:
        zone = obj.config().timezone  # no site here: stop now
    except ContentError:
        pass  # a content error is logged until fixed
    output = out or obj.root / "build"
    for webhook in webhooks:
        if problem := url_problem(webhook):
            raise click.BadParameter(problem, param_hint="--webhook")
    daemon.configure_logging(zone)  # before the state files are read: they may warn
    notifier = outbound.Notifier(hooks.Webhooks(
        webhooks, outbox.Outbox(outbox.path_for(output)), webhook_format,
        legacy=hooks.legacy_path(output)))
    followers: list[daemon.Follower] = [notifier]
    monitor = _monitor(on_error, metrics, output, notifier, publishing=bool(target))
    if notify_mail:
        followers.append(_mailer(obj, output, smtp, db))
    if target:  # the webhooks and mail once the pages they link to are online
        told = [monitor] if monitor and metrics else []  # the publish time is a metric
        followers = [outbound.Publisher(output, target, endpoint_url=endpoint_url,
                                        max_age=max_age, invalidate=invalidate,
                                        then=cast("list[outbound.Notifier]",
                                                  [*followers, *told]))]
    daemon.Daemon(obj.root, out, url=url, every=every, on_overdue=on_overdue,
                  followers=followers, desk_out=desk_out, monitor=monitor,
                  allow_mass_removal=allow_mass_removal).run()


def _monitor(on_error: str | None, metrics: Path | None, output: Path, notifier,
             publishing: bool):
    """What tells monitoring (--on-error, --metrics), or None without either."""
    from statuspage.ops import monitoring

    if not on_error and metrics is None:
        return None
    if metrics is not None and not metrics.resolve().parent.is_dir():
        raise click.BadParameter(f"{metrics}: no folder {metrics.resolve().parent}: give a "
                                 "file in an existing folder, e.g. node_exporter's textfile "
                                 "directory", param_hint="--metrics")
    return monitoring.Monitor(on_error, metrics and metrics.resolve(),
                              told=monitoring.told_path(output),
                              publishing=publishing, deliveries=notifier)


def _mailer(obj: Context, output: Path, smtp: str | None, db: str | None):
    """The e-mail notifications' follower: the store, the outbox, the relay."""
    from statuspage.ops import mail, notify, outbox, subscribers

    if not smtp:
        raise click.UsageError("--notify needs the relay: --smtp smtp://host[:port] (or "
                               "STATUSPAGE_SMTP)")
    relay = mail.Relay.parse(smtp)
    store = subscribers.Store(subscribers.database_url(obj.root, db))
    box = outbox.Outbox(outbox.path_for(output))
    return notify.Mailer(store, box, notify.Postman(box, relay, store))


@main.command(name="notify")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The build whose outbox is used (default: build/ in the site folder).")
@click.option("--smtp", envvar="STATUSPAGE_SMTP", metavar="URL", required=True,
              help="The relay: smtp://[user:pass@]host[:port] or smtps://… (or "
                   "STATUSPAGE_SMTP).")
@click.option("--db", envvar="STATUSPAGE_DB", metavar="URL",
              help="The subscribers' database (default: the site folder's SQLite; or "
                   "STATUSPAGE_DB).")
@pass_ctx
def notify_command(obj: Context, out: Path | None, smtp: str, db: str | None) -> None:
    """Mail once what is new since the last run to its confirmed subscribers, as run
    --notify does after each build (for cron or CI); the first run only records what
    stands."""
    site = loader.load_site(obj.root)
    if site.config.subscriptions is None:
        raise StatusPageError(f"{SITE_FILE}: no subscriptions: setting; add subscriptions: "
                              "{url: …, from: …} (docs/subscriptions.md)")
    mailer = _mailer(obj, out or obj.root / "build", smtp, db)
    mailer.postman.rounds = 3
    mailer.postman.base_delay = 1.0
    now = _now()
    mailer.loaded(site, now)
    queued = mailer.built(site, now)
    mailer.wait()
    mailer.close()
    click.echo(f"{queued} messages queued, {mailer.postman.sent} sent"
               + (f", {mailer.postman.left} waiting for the relay (the next run sends them)"
                  if mailer.postman.left else ""))
    if mailer.postman.left:
        sys.exit(1)


@main.group()
@click.option("--db", envvar="STATUSPAGE_DB", metavar="URL",
              help="The subscribers' database (default: the site folder's SQLite; or "
                   "STATUSPAGE_DB, e.g. postgresql://user@host/db).")
@pass_ctx
def subscribers(obj: Context, db: str | None) -> None:
    """E-mail subscribers: the subscription service and what is stored about people
    (docs/subscriptions.md)."""
    obj.db = db


def _store(obj: Context):
    from statuspage.ops import subscribers as store

    return store.Store(store.database_url(obj.root, obj.db))


@subscribers.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="HOST",
              help="The address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535),
              metavar="PORT", help="The port.")
@click.option("--smtp", envvar="STATUSPAGE_SMTP", metavar="URL",
              help="Where the confirmation mails go (else queued for run --notify).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The site's output, beside which the outbox is (default: build/).")
@pass_ctx
def subscribers_serve(obj: Context, host: str, port: int, smtp: str | None,
                      out: Path | None) -> None:
    """Run the subscription service the pages' forms post to (for production, a WSGI
    server: gunicorn 'statuspage.ops.subscribe:create_app()')."""
    from statuspage.ops.subscribe import create_app

    app = create_app(obj.root, obj.db, smtp, out)
    click.echo(f"subscription service for {obj.root.resolve()} on http://{host}:{port}/ "
               "(Ctrl-C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


@subscribers.command(name="list")
@pass_ctx
def subscribers_list(obj: Context) -> None:
    """List the subscriptions: address, language, scope, confirmed or not, bounces."""
    with _store(obj) as store:
        for sub in store.all():
            state = f"confirmed {sub.confirmed:%Y-%m-%d %H:%M}Z" if sub.confirmed \
                else f"asked {sub.requested:%Y-%m-%d %H:%M}Z, not confirmed"
            bounces = f", {sub.bounces} bounces" if sub.bounces else ""
            click.echo(f"{sub.email}\t{sub.lang}\t{sub.scope}\t{state}{bounces}")


@subscribers.command(name="export")
@click.argument("email")
@pass_ctx
def subscribers_export(obj: Context, email: str) -> None:
    """Print as JSON everything stored about EMAIL."""
    import json

    with _store(obj) as store:
        found = store.all(email)
    click.echo(json.dumps([{
        "email": sub.email, "lang": sub.lang, "scope": sub.kind, "target": sub.target or None,
        "requested": sub.requested.isoformat(),
        "confirmed": sub.confirmed.isoformat() if sub.confirmed else None,
        "bounces": sub.bounces} for sub in found], indent=2, ensure_ascii=False))


@subscribers.command(name="delete")
@click.argument("email")
@pass_ctx
def subscribers_delete(obj: Context, email: str) -> None:
    """Delete everything stored about EMAIL."""
    with _store(obj) as store:
        removed = store.delete(email)
    click.echo(f"{removed} subscriptions of {email} deleted")


@subscribers.command(name="import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def subscribers_import(obj: Context, csv_file: Path) -> None:
    """Add subscribers from a CSV file (columns email, lang, optional component or
    incident) as confirmed, mailing no one."""
    from statuspage.ops.subscribers import read_csv

    site = loader.load_site(obj.root)
    rows = read_csv(csv_file, site.config.languages, {c.id for c in site.config.components},
                    {i.id for i in site.incidents})
    with _store(obj) as store:
        added = store.add_confirmed(rows)
    click.echo(f"{added} subscriptions added ({len(rows) - added} already there)")


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              metavar="PORT",
              help="The port on 127.0.0.1.")
@click.option("--now", "moment", metavar="WHEN",
              help="Show the site as it is at WHEN, as 'build --now' does; every page then "
                   "says which moment it shows.")
@click.option("--edition", type=EDITION, default="public", show_default=True,
              metavar="EDITION", help="public, or desk: the support desk's.")
@pass_ctx
def serve(obj: Context, port: int, moment: str | None, edition: str) -> None:
    """Preview the live site on 127.0.0.1, answered as docs/serving.md's web server answers
    the build (not-found pages, content types, cross-origin reads); content is re-read when
    a file changes."""
    from statuspage.web.preview import create_preview

    if not (obj.root / SITE_FILE).is_file():
        obj.config()  # says there is no site here
    # broken content: its error page
    now = _when(moment, obj.config()) if moment else None
    app = create_preview(obj.root, named(edition), now)
    click.echo(f"serving {obj.root.resolve()} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


def _relative(path: Path) -> str:
    path = path.resolve()
    cwd = Path.cwd().resolve()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


@main.command()
@click.argument("target", metavar="s3://BUCKET[/PREFIX]")
@click.option("--from", "source", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR",
              help="The built site to publish (default: build/ in the site folder).")
@click.option("--endpoint-url", metavar="URL",
              help="The S3-compatible storage (default: AWS, or AWS_ENDPOINT_URL).")
@click.option("--max-age", default=60, show_default=True, type=click.IntRange(min=0),
              metavar="SECONDS",
              help="Seconds browsers and CDNs may keep pages, feeds, API and badges.")
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option("--invalidate", metavar="COMMAND",
              help="A shell command run after a publish that changed something, e.g. a CDN "
                   "purge; it gets STATUSPAGE_PUBLISHED and STATUSPAGE_CHANGED_PATHS.")
@click.option("--desk", is_flag=True,
              help="--from is the support desk edition, to be sent private to a bucket no "
                   "one else reads (refused without it).")
@click.option("--timeout", type=click.IntRange(min=1), metavar="SECONDS",
              help="Stop a publish that takes longer (default: 900; publish again to "
                   "finish it).")
@pass_ctx
def publish(obj: Context, target, source, endpoint_url, max_age, dry_run, invalidate, desk,
            timeout) -> None:
    """Mirror the built site to S3-compatible storage, uploading only what changed
    (docs/publish.md)."""
    import contextlib

    from statuspage.ops import publish as publishing

    with contextlib.ExitStack() as stack:
        def progress(total: int):
            if not total:
                return lambda change: None
            bar = stack.enter_context(click.progressbar(length=total, label="publishing"))
            return lambda change: bar.update(1)

        result = publishing.publish(
            source or obj.root / "build", target, endpoint_url=endpoint_url, max_age=max_age,
            dry_run=dry_run, progress=progress if sys.stdout.isatty() and not dry_run else None,
            desk=desk, timeout=timeout or publishing.TIMEOUT)
    if dry_run:
        for change in result.changes:
            click.echo(f"{change.action} {change.key}")
    if result.desk:
        click.echo("the support desk edition, with its internal notes: sent with "
                   "Cache-Control private; the bucket must not be public", err=True)
    click.echo(result.summary())
    if invalidate and result.changed and not dry_run:
        publishing.invalidate(invalidate, result)
        click.echo(f"ran --invalidate: {invalidate}")
