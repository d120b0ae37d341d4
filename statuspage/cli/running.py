"""The commands that run the site: the publishing daemon (run) and publish."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import cast

import click

from statuspage.cli.mailing import make_mailer
from statuspage.cli.shared import Context, pass_ctx
from statuspage.content.schema import site_url_problem, url_problem
from statuspage.errors import ContentError
from statuspage.times import TimeError


def _period(ctx, param, value: str):
    """--every, read as the daemon reads a period (30s, 5m, 1h)."""
    from statuspage.ops.scheduling import parse_every

    try:
        return parse_every(value)
    except TimeError as err:
        raise click.BadParameter(str(err)) from None


@click.command()
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
    from statuspage.ops import publish as publishing
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
        followers.append(make_mailer(obj, output, smtp, db))
    if target:  # the webhooks and mail once the pages they link to are online
        told = [monitor] if monitor and metrics else []  # the publish time is a metric
        followers = [outbound.Publisher(output, publishing.Target(target, endpoint_url, max_age),
                                        invalidate=invalidate,
                                        then=cast("list[outbound.Notifier]",
                                                  [*followers, *told]))]
    options = daemon.RunOptions(out=out, url=url, every=every, on_overdue=on_overdue,
                                desk_out=desk_out, allow_mass_removal=allow_mass_removal)
    daemon.Daemon(obj.root, options, followers=followers, monitor=monitor).run()


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


@click.command()
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
            source or obj.root / "build", publishing.Target(
                target, endpoint_url, max_age, desk, timeout or publishing.TIMEOUT),
            dry_run=dry_run, progress=progress if sys.stdout.isatty() and not dry_run else None)
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
