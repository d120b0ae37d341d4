"""The Flask app: ``create_app(site, now=...)`` renders a loaded site at a given time.

``EDITION_OUTPUTS`` says what each edition's site is made of: each module registers its
views with ``init_app(app)``, and declares the files each view writes, with what each
shows, on the view itself, in its ``FILES`` (``registry.py``). The builder asks the app
(``outputs(app, snap)``…), never the modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from flask import Flask, g
from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket

from statuspage.content import package
from statuspage.content.edition import DESK, PUBLIC, Edition
from statuspage.errors import StatusPageError
from statuspage.model import Site
from statuspage.state.settled import Settled
from statuspage.state.status import IncidentView, Snapshot
from statuspage.web import (
    api,
    channels,
    desk,
    embed,
    feeds,
    languages,
    pages,
    registry,
    shortlinks,
    zones,
)
from statuspage.web.languages import lang_values
from statuspage.web.registry import Facts, Output, facts

# What each edition is made of (content/edition.py says what each loads and shows). The
# support desk's: the public pages with their internal blocks, its search; no feeds, API,
# badges or embed; the channels' texts, as agents paste them.
EDITION_OUTPUTS: dict[Edition, tuple] = {
    PUBLIC: (pages, feeds, api, embed, shortlinks, zones, channels),
    DESK: (pages, shortlinks, zones, desk, channels),
}

DEFAULTS = {
    # A fixed "now" for a whole build; None reads the clock at each request.
    "STATUSPAGE_NOW": None,
    "FREEZER_REDIRECT_POLICY": "error",
    "FREEZER_IGNORE_404_NOT_FOUND": False,
}


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once, not once per app (the daemon makes one per build) nor per
    command: in memory, in front of Jinja's own cache folder in the temporary directory
    (made when first needed). Jinja checks each template's source against its checksum;
    a template is kept apart for each code generator that compiles it (web/compiling.py)
    and each version of the package (``code_digest``: a generator of ours edited)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}
        self._folder: FileSystemBytecodeCache | None = None

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        generator = environment.code_generator_class
        return super().get_bucket(environment, f"{generator.__module__}.{generator.__qualname__}"
                                  f"/{package.code_digest()}|{name}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])
            return
        try:
            self._files().load_bytecode(bucket)
        except (OSError, RuntimeError):  # no usable temporary folder: compiled again
            return
        if bucket.code is not None:
            self._code[bucket.key] = bucket.bytecode_to_string()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
        try:
            self._files().dump_bytecode(bucket)
        except (OSError, RuntimeError):
            pass

    def _files(self) -> FileSystemBytecodeCache:
        if self._folder is None:
            self._folder = FileSystemBytecodeCache()
        return self._folder


COMPILED = _CompiledTemplates()


class _SiteHolder:
    """The site the views read: a loaded Site, or a loader called per request; only what
    the edition shows of it (the public one never holds internal notes, whatever it was
    given)."""

    def __init__(self, site: Site | Callable[[], Site], edition: Edition):
        self._edition = edition
        self.put(site)

    def put(self, site: Site | Callable[[], Site] | None) -> None:
        self._site = self._edition.shown(site) if isinstance(site, Site) else site

    def get(self) -> Site:
        site = self._site
        assert site is not None, "a build's app between builds renders nothing"
        return site if isinstance(site, Site) else self._edition.shown(site())


def create_app(site: Site | Callable[[], Site], now: datetime | None = None,
               edition: Edition = PUBLIC, settled: Settled | None = None, **config) -> Flask:
    """Build the app for ``site`` (or a loader returning the current site).

    ``now`` fixes the moment the pages describe (a build); without it each
    request reads the clock (the live preview). The site is read at each request, not
    here: a loader's content error is then the page the preview shows. ``edition``:
    ``PUBLIC``, or ``DESK`` (the support desk's, with the internal files). ``settled``:
    the caller's memory of settled incidents, which its Snapshots share (a daemon's, kept
    from one build to the next); by default the app's own.
    """
    app = Flask(__name__, static_folder=None)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED}
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.update(config)
    if now is not None:
        app.config["STATUSPAGE_NOW"] = now
    holder = _SiteHolder(site, edition)
    app.extensions["statuspage"] = holder
    app.extensions["statuspage.settled"] = settled if settled is not None else Settled()
    _register(app, edition)

    @app.url_value_preprocessor
    def load_site(endpoint, values) -> None:
        g.site = holder.get()
        g.lang = g.site.config.default_language
        moment = app.config["STATUSPAGE_NOW"] or datetime.now(UTC)
        g.snap = snapshot(app, g.site, moment)

    @app.errorhandler(StatusPageError)
    def content_error(error: StatusPageError):
        """The live preview shows what to fix instead of a bare server error."""
        return error.format_message() + "\n", 500, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def rebound(app: Flask, site: Site, now: datetime, settled: Settled, **config) -> Flask:
    """``app`` (``create_app``'s, for a loaded site and a moment) made to render ``site`` at
    ``now`` as a new one would, with ``settled`` and ``config``: what a new app remembered
    per build starts empty. Its routes, the compiled rules of their URLs and its compiled
    templates stay (a new app took 45-50 ms, Werkzeug compiling each rule: at each of a
    daemon's builds)."""
    unbound(app)
    app.config.update(config)
    app.config["STATUSPAGE_NOW"] = now
    app.extensions["statuspage"].put(site)
    app.extensions["statuspage.settled"] = settled
    return app


def unbound(app: Flask) -> None:
    """What ``app`` holds of its last build forgotten (its site, its Snapshot, what its
    pages remembered), so that the caller keeps the app alone between builds."""
    app.extensions["statuspage"].put(None)
    app.extensions.pop("statuspage.snapshot", None)
    app.extensions.pop("statuspage.state.documents", None)
    app.extensions["statuspage.links"] = {}


def _register(app: Flask, edition: Edition) -> None:
    """The edition's outputs: their views, and the files they declare."""
    app.extensions["statuspage.outputs"] = tuple(module.FILES for module in
                                                 EDITION_OUTPUTS[edition])
    app.extensions["statuspage.incident_outputs"] = tuple(
        declared for files in app.extensions["statuspage.outputs"] for declared in files.incident)
    app.extensions["statuspage.incident_files"] = {}  # by languages: with_prefixes's
    app.config["STATUSPAGE_EDITION"] = edition
    app.jinja_env.globals["public_edition"] = edition == PUBLIC  # it has feeds
    app.url_map.strict_slashes = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    languages.init_app(app)
    for output in EDITION_OUTPUTS[edition]:
        output.init_app(app)


def outputs(app: Flask, snap: Snapshot) -> Iterator[Output]:
    """Every file of the site at ``snap``: what each registered output declares, the site's
    files, then each published incident's own."""
    yield from site_outputs(app, snap)
    for view in snap.published:
        yield from incident_outputs(app, snap, view, facts(snap, view))


def site_outputs(app: Flask, snap: Snapshot) -> list[Output]:
    """The files that are no single incident's (home, history, feeds, API…)."""
    langs = tuple(lang_values(snap.site))
    made: list[Output] = []
    for files in app.extensions["statuspage.outputs"]:
        files.add_outputs(snap, langs, made)
    return made


def incident_outputs(app: Flask, snap: Snapshot, view: IncidentView,
                     found: Facts) -> list[Output]:
    """One published incident's own files: what they show is its view and its ``found``
    facts (``registry.facts``), nothing else."""
    langs = tuple(lang_values(snap.site))
    declared = app.extensions["statuspage.incident_files"].get(langs)
    if declared is None:  # the first incident of a build
        declared = app.extensions["statuspage.incident_files"][langs] = registry.with_prefixes(
            app.extensions["statuspage.incident_outputs"], langs)
    return registry.incident_outputs(declared, view, found)


def snapshot(app: Flask, site: Site, now: datetime) -> Snapshot:
    """One Snapshot per (site, now), shared by every page of a build."""
    cached = app.extensions.get("statuspage.snapshot")
    if cached is None or cached.site is not site or cached.now != now:
        cached = Snapshot(site, now, app.extensions["statuspage.settled"])
        app.extensions["statuspage.snapshot"] = cached
    return cached
