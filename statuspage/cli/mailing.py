"""The commands about e-mail: notify, and the subscribers group (the subscription
service, and what is stored about people)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from statuspage.cli.shared import Context, cached_loader, clock, pass_ctx
from statuspage.content.config import SITE_FILE
from statuspage.errors import StatusPageError


def make_mailer(obj: Context, output: Path, smtp: str | None, db: str | None):
    """The e-mail notifications' follower: the store, the outbox, the relay."""
    from statuspage.ops import mail, notify, outbox, subscribers

    if not smtp:
        raise click.UsageError("--notify needs the relay: --smtp smtp://host[:port] (or "
                               "STATUSPAGE_SMTP)")
    relay = mail.Relay.parse(smtp)
    store = subscribers.Store(subscribers.database_url(obj.root, db))
    box = outbox.Outbox(outbox.path_for(output))
    return notify.Mailer(store, box, notify.Postman(box, relay, store))


@click.command(name="notify")
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
    from statuspage.ops.backoff import Backoff

    site = cached_loader(obj.root, out).load()
    if site.config.subscriptions is None:
        raise StatusPageError(f"{SITE_FILE}: no subscriptions: setting; add subscriptions: "
                              "{url: …, from: …} (docs/subscriptions.md)")
    mailer = make_mailer(obj, out or obj.root / "build", smtp, db)
    mailer.postman.backoff = Backoff(attempts=3, base_delay=1.0)
    now = clock()
    mailer.loaded(site, now)
    queued = mailer.built(site, now)
    mailer.wait()
    mailer.close()
    click.echo(f"{queued} messages queued, {mailer.postman.sent} sent"
               + (f", {mailer.postman.left} waiting for the relay (the next run sends them)"
                  if mailer.postman.left else ""))
    if mailer.postman.left:
        sys.exit(1)


@click.group()
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
    from statuspage.ops.csvimport import read_csv

    site = cached_loader(obj.root).load()
    rows = read_csv(csv_file, site.config.languages, {c.id for c in site.config.components},
                    {i.id for i in site.incidents})
    with _store(obj) as store:
        added = store.add_confirmed(rows)
    click.echo(f"{added} subscriptions added ({len(rows) - added} already there)")
