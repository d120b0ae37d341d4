"""The Flask app: ``create_app(site, now=...)`` renders a loaded site at a given time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, g, render_template
from werkzeug.routing import BaseConverter

from statuspage import i18n
from statuspage.errors import StatusPageError
from statuspage.model import Site
from statuspage.status import Snapshot
from statuspage.web import api, assets, embed, feeds, pages

DEFAULTS = {
    # A fixed "now" for a whole build; None reads the clock at each request.
    "STATUSPAGE_NOW": None,
    "FREEZER_REDIRECT_POLICY": "error",
    "FREEZER_IGNORE_404_NOT_FOUND": False,
}


class _SiteHolder:
    """The site the views read: a loaded Site, or a loader called per request."""

    def __init__(self, site: Site | Callable[[], Site]):
        self._site = site

    def get(self) -> Site:
        return self._site() if callable(self._site) else self._site


def create_app(site: Site | Callable[[], Site], now: datetime | None = None, **config) -> Flask:
    """Build the app for ``site`` (or a loader returning the current site).

    ``now`` fixes the moment the pages describe (a build); without it each
    request reads the clock (the live preview).
    """
    app = Flask(__name__, static_folder=None)
    app.add_url_rule("/static/<path:hashed>", "asset", assets.view)
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.update(config)
    if now is not None:
        app.config["STATUSPAGE_NOW"] = now
    holder = _SiteHolder(site)
    app.extensions["statuspage"] = holder
    first = holder.get()

    class LangConverter(BaseConverter):
        """Matches only the languages served under a prefix (all but the default)."""

        regex = "|".join(map(re.escape, first.config.languages[1:])) or "(?!)"

    app.url_map.converters["lang"] = LangConverter
    app.url_map.strict_slashes = True
    app.register_blueprint(pages.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)

    @app.url_value_preprocessor
    def load_site(endpoint, values) -> None:
        g.site = holder.get()
        g.lang = g.site.config.default_language
        moment = app.config["STATUSPAGE_NOW"] or datetime.now(UTC)
        g.snap = _snapshot(app, g.site, moment)

    @app.errorhandler(StatusPageError)
    def content_error(error: StatusPageError):
        """The live preview shows what to fix instead of a bare server error."""
        return error.format_message() + "\n", 500, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(404)
    def not_found(error):
        return render_template("404.html"), 404

    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(
        lambda message: i18n.translations(_lang()).gettext(message),
        lambda singular, plural, n: i18n.translations(_lang()).ngettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["asset_url"] = assets.url
    pages.install_helpers(app)
    feeds.install_helpers(app)
    return app


def _lang() -> str:
    return g.get("lang") or g.site.config.default_language


def _snapshot(app: Flask, site: Site, now: datetime) -> Snapshot:
    """One Snapshot per (site, now), shared by every page of a build."""
    cached = app.extensions.get("statuspage.snapshot")
    if cached is None or cached.site is not site or cached.now != now:
        cached = Snapshot(site, now)
        app.extensions["statuspage.snapshot"] = cached
    return cached
