"""The commands about the site as a whole: init, list, check, build and serve."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from statuspage.cli.shared import (
    Context,
    building,
    cached_loader,
    clock,
    moment_of,
    pass_ctx,
    relative,
)
from statuspage.content import incident as content
from statuspage.content import untranslated
from statuspage.content.config import SITE_FILE
from statuspage.content.edition import EDITIONS, named
from statuspage.content.loader import cache_for
from statuspage.errors import ContentError, StatusPageError, count
from statuspage.state import status
from statuspage.state.settled import Settled
from statuspage.times import format_time


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False,
                metavar="DIR")
@click.pass_obj
def init(obj: Context, directory: Path | None) -> None:
    """Create a site: a commented content/site.yaml, one example incident, two incident
    templates (content/templates/: a billing error, a local network outage), a .gitignore."""
    from statuspage.edit.scaffold import scaffold

    target = directory or obj.root
    for path in scaffold(target, clock()):
        click.echo(f"created {path}")
    click.echo(f"next: cd {target} && statuspage build")


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


@click.command(name="list")
@click.option("--open", "only_open", is_flag=True, help="Only incidents still open.")
@pass_ctx
def list_(obj: Context, only_open: bool) -> None:
    """List incidents, newest first: id, reference, status, age, components and title;
    warn (on stderr) about open incidents whose promised update is late. When a file keeps
    the site from building, list the site as the daemon publishes it (that incident as it
    last loaded, if it ever did), name the errors and exit 2."""
    site = cached_loader(obj.root).load(lenient=True)
    now = clock()
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
        with building():
            raise ContentError(list(site.errors))


@click.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--all-translations", is_flag=True,
              help="Warn of every text not yet translated (else only those of incidents "
                   "open, to come, or changed in the last 30 days, the others counted).")
@pass_ctx
def check(obj: Context, strict: bool, all_translations: bool) -> None:
    """Validate every content file, then render in memory every page a build would render
    (the support desk edition's too when there are internal notes; after a build, only
    those whose content changed since), and check that the build folder can be written;
    print each problem as path:line: message and exit 1 (on warnings too with --strict).

    Incident templates (content/templates/) are checked too. Warnings: what the sanitiser
    removes, late promises, updates dated over 5 minutes ahead (hidden until then), and on
    a multi-language site each title, text and update not yet translated (of an incident
    changed over 30 days ago, counted in one line unless --all-translations)."""
    from statuspage.content import edition as desk
    from statuspage.edit import templates
    from statuspage.freeze.checking import output_problems, render_check

    with building(1):
        # The internal files are checked too; the incidents through the build's parse cache.
        loading = desk.DeskLoader(obj.root, cache_for(obj.root / "build"))
        site = loading.load()
        editions = desk.EDITIONS if site.internal else (desk.PUBLIC,)
        # The pages a build would render (the others are the last build's, for their key);
        # the views are the warnings' too (at 100,000 incidents: worked out once, not twice).
        settled = Settled()
        assert loading.public is not None  # (set by its load)
        problems = render_check(loading.public, clock(),
                                built=desk.PUBLIC.default_out(obj.root), settled=settled)
        if site.internal:  # what breaks the desk edition (an internal note) fails here too
            problems += render_check(site, clock(), edition=desk.DESK,
                                     built=desk.DESK.default_out(obj.root))
        problems += output_problems(obj.root, editions)  # and what stops a build writing
        if problems:
            raise ContentError(sorted(set(problems)))  # a page of both editions: said once
    if broken := templates.problems(obj.root, site.config):  # the site builds: exit 1 only
        raise ContentError(broken)
    snap = status.Snapshot(site, clock(), settled)
    shown = None if all_translations else \
        untranslated.in_play(site, {view.id for view in snap.open_views}, clock())
    lacking, older = untranslated.problems(site, obj.root, shown)
    warnings = [*map(str, site.warnings), *map(str, lacking), *stale_warnings(snap),
                *map(str, content.future_updates(site, clock()))]
    if older:
        warnings.append(f"{count(older, 'incident')} over {untranslated.RECENT.days} days "
                        "old with texts not yet translated: check --all-translations lists "
                        "them")
    for warning in warnings:
        click.echo(f"{warning} (warning)", err=True)
    if strict and warnings:
        raise StatusPageError(f"{count(len(warnings), 'warning')}, and --strict is on")
    click.echo(f"ok: {count(len(site.incidents), 'incident')}, "
               f"{count(len(site.config.components), 'component')}")


EDITION = click.Choice([edition.name for edition in EDITIONS])


@click.command()
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

    now = moment_of(moment, obj.config()) if moment else clock()
    result = build_site(obj.root, BuildOptions(out, url=url, now=now, full=full,
                                               edition=named(edition), pinned=bool(moment)))
    for warning in result.warnings:
        click.echo(f"{warning} (warning)", err=True)
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(f"built {count(result.pages, 'page')} into {relative(result.out)} "
               f"in {result.seconds:.2f} s ({result.rendered} rendered, "
               f"{result.pages - result.rendered} kept)")


@click.command()
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
    from statuspage.ops.preview import create_preview

    if not (obj.root / SITE_FILE).is_file():
        obj.config()  # says there is no site here
    # broken content: its error page
    now = moment_of(moment, obj.config()) if moment else None
    app = create_preview(obj.root, named(edition), now)
    click.echo(f"serving {obj.root.resolve()} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
