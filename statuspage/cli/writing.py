"""The writing commands: new, maintenance, update, resolve, reopen, undo and note, each
writing the content files through ``statuspage.edit`` and saying what it understood."""

from __future__ import annotations

from contextlib import suppress

import click

from statuspage.cli.options import (
    TEXT_OPTION,
    TITLE_OPTION,
    by_language,
    check_published,
    dated_at,
    message_of,
    parse_components,
    promise_of,
    remind,
    required_moment,
    say_understood,
    started_at,
    target_of,
)
from statuspage.cli.shared import Context, clock, moment_of, pass_ctx, relative
from statuspage.edit import finding, understood, writer
from statuspage.edit.drafts import Draft, Opening, new_incident, new_maintenance
from statuspage.errors import ContentError
from statuspage.model import Impact, IncidentStatus, MaintenanceStatus, Window
from statuspage.times import format_time


@click.command()
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
    own_title, other = by_language(config, texts, titles)
    if own_title:
        raise click.BadParameter(f"{config.default_language} is the site's default language: "
                                 "its title is TITLE", param_hint="--title")
    template = templates.load(obj.root, config, template_name) if template_name else None
    chosen, translated = templates.fill(template, config, {
        "components": parse_components(components), "impact": impact, "status": status,
        "message": message, "next_update": next_update, "who_is_affected": who,
        "what_to_do": what_to_do}, other)
    if not chosen["components"]:
        raise click.BadParameter("name the affected services, e.g. -c fibre (or use a "
                                 "template that names them)", param_hint="-c")
    next_update = chosen["next_update"]
    promised, begun = promise_of(next_update, config), started_at(started, config)
    draft = Draft(title, chosen["components"], message_of(
        chosen["message"], "What are customers seeing? What are you doing?"),
        incident_id=incident_id, who=chosen["who_is_affected"], what_to_do=chosen["what_to_do"])
    incident = new_incident(config, draft, Opening(chosen["impact"], chosen["status"],
                                                   next_update=promised, started=begun), clock())
    incident = writer.create(obj.root, config, incident, numbered=incident_id is None,
                             translated=translated)
    click.echo(incident.id)
    click.echo(relative(obj.root / incident.path))
    click.echo(f"reference: {incident.reference}")
    note = understood.rolled(next_update, promised, clock(), config) if promised else ""
    times = [("next update", understood.promise(incident, config, clock(), note))]
    if begun is not None:
        times.insert(0, ("started", understood.moment(incident.started, config, understood.rolled(
            started, incident.started, clock(), config))))
    say_understood(incident, config, services=incident.components, times=times)
    remind(incident, config, ("title", "who_is_affected", "what_to_do"))
    check_published(obj.root)


@click.command()
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
    starts = required_moment(start, config)
    ends = required_moment(end, config, after=starts)
    if ends <= starts:
        raise click.BadParameter(
            f"{end!r} ({format_time(ends, config.timezone)}) is not after --start {start!r} "
            f"({format_time(starts, config.timezone)}): a maintenance ends after it starts",
            param_hint="--end")
    if ends <= clock():
        raise click.BadParameter(f"{end!r} is in the past: schedule a maintenance to come",
                                 param_hint="--end")
    draft = Draft(title, parse_components(components), message_of(
        message, "What will customers notice, and what should they do?"),
        incident_id=incident_id, who=who, what_to_do=what_to_do)
    incident = new_maintenance(config, draft, Window(starts, ends), clock())
    own_title, translated = by_language(config, texts, titles)
    if own_title:
        raise click.BadParameter(f"{config.default_language} is the site's default language: "
                                 "its title is TITLE", param_hint="--title")
    incident = writer.create(obj.root, config, incident, numbered=incident_id is None,
                             translated=translated)
    click.echo(incident.id)
    click.echo(relative(obj.root / incident.path))
    click.echo(f"reference: {incident.reference}")
    say_understood(incident, config, services=incident.components,
                   times=understood.window(config, clock(), (start, starts), (end, ends)))
    remind(incident, config, ("title", "who_is_affected", "what_to_do"))
    check_published(obj.root)


@click.command()
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
    incident_id, typed = target_of(obj.root, incident_id)
    new_start, new_end = moment_of(start, config), moment_of(end, config)
    if new_end is not None and new_end <= clock():
        raise click.BadParameter(f"{end!r} is in the past: give the time the work will end",
                                 param_hint="--end")
    changes = parse_components(components)
    promised = promise_of(next_update, config)
    fields, translated = by_language(config, texts, titles)
    fields.update((key, value) for key, value in (("who_is_affected", who),
                                                  ("what_to_do", what_to_do)) if value)
    incident = writer.append_update(obj.root, config, incident_id, writer.Post(
        status or writer.KEEP_STATUS,
        message_of(message, f"Update for {incident_id}: what changed?"), dated_at(at, config),
        next_update=promised, maintenance_start=new_start,
        maintenance_end=new_end, components=changes, impact=Impact(impact) if impact else None,
        fields=fields, translated=translated))
    click.echo(f"{incident.id}: {incident.updates[0].status}")
    note = understood.rolled(next_update, promised, clock(), config) if promised else ""
    times = [] if incident.is_maintenance else [
        ("next update", understood.promise(incident, config, clock(), note))]
    times += understood.window(config, clock(), (start, new_start), (end, new_end))
    say_understood(incident, config, typed,
                   services=list(incident.components) if impact else list(changes), times=times)
    remind(incident, config)
    check_published(obj.root)


@click.command()
@click.argument("incident_id", metavar="ID|REF")
@click.option("-m", "--message", help="The closing text (default: a standard sentence).")
@TEXT_OPTION
@pass_ctx
def resolve(obj: Context, incident_id, message, texts) -> None:
    """Add the resolving update (completed, for a maintenance) and remove the promise;
    without -m, a standard sentence in every language of the site."""
    config = obj.config()
    incident_id, typed = target_of(obj.root, incident_id)
    if texts and message is None:
        raise click.BadParameter("with --text, give the default language's text with -m too "
                                 "(without -m, a standard sentence is written in every "
                                 "language)", param_hint="--text")
    incident = writer.append_update(obj.root, config, incident_id, writer.Post(
        None, message, clock(), clear_next_update=True,
        translated=by_language(config, texts)[1]))
    click.echo(f"{incident.id}: {incident.updates[0].status}")
    say_understood(incident, config, typed)
    if message is not None:
        remind(incident, config)
    check_published(obj.root)


REOPENING = ("investigating", "identified", "monitoring", "in_progress", "verifying")


@click.command()
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
    incident_id, typed = target_of(obj.root, incident_id)
    promised = promise_of(next_update, config)
    incident = writer.append_update(obj.root, config, incident_id, writer.Post(
        status, message_of(message, f"Reopening {incident_id}: what is wrong again?"), clock(),
        next_update=promised, reopen=True, translated=by_language(config, texts)[1]))
    click.echo(f"{incident.id}: reopened, {incident.updates[0].status}")
    note = understood.rolled(next_update, promised, clock(), config) if promised else ""
    say_understood(incident, config, typed, services=incident.components, times=[] if
                   incident.is_maintenance else [("next update", understood.promise(
                       incident, config, clock(), note))])
    remind(incident, config)
    check_published(obj.root)


@click.command()
@click.argument("incident_id", metavar="ID|REF")
@pass_ctx
def undo(obj: Context, incident_id) -> None:
    """Take back the newest update written with the CLI less than 15 minutes ago, with the
    front matter it changed (services, impact, promise); refused otherwise, saying why.
    Feeds, webhooks and e-mails already sent are not recalled."""
    config = obj.config()
    incident_id, typed = target_of(obj.root, incident_id)
    from statuspage.edit.undo import take_back

    entry = take_back(obj.root, incident_id, clock())
    gone = [item.path for item in entry.files if item.before is None]
    click.echo(f"{incident_id}: took back {entry.what}"
               + (f" ({', '.join(gone)} removed)" if gone else ", and its front matter"))
    with suppress(ContentError):  # a file that no longer reads: said by check_published below
        incident = None if gone else finding.current(obj.root, config, incident_id)
        if incident is not None:
            times = [] if incident.is_maintenance else [
                ("next update", understood.promise(incident, config, clock()))]
            say_understood(incident, config, typed, services=incident.components, times=times)
    click.echo("feeds, webhooks and e-mails already sent cannot be recalled: if customers may "
               f"have seen it, post a correcting update (statuspage update {incident_id} -m …)",
               err=True)
    check_published(obj.root)


@click.command()
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
    incident_id, typed = target_of(obj.root, incident_id)
    fields = {key: value for key, value in (("say", say), ("do", do_)) if value}
    if message is None and (fields or tags):
        text = None  # only the fields
    else:
        text = message_of(message, f"Internal note on {incident_id}: never published")
    path, internal = notes.add_note(obj.root, config, incident_id, notes.Jotting(
        text, clock(), fields, tuple((tags or "").split(","))))
    click.echo(f"{incident_id}: {len(internal.notes)} internal note"
               f"{'s' if len(internal.notes) != 1 else ''} in {relative(path)}")
    with suppress(ContentError):  # a broken incident file: said by check_published below
        say_understood(finding.current(obj.root, config, incident_id), config, typed)
    check_published(obj.root)

