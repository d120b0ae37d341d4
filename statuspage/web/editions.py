"""Editions and addresses: the default language at /, the others under /<lang>/.

What every output module borrows: ``blueprint(name)`` (a blueprint whose views know their
edition), ``route`` (a rule at / and under /<lang>), the texts of the request's edition,
times for people, public addresses. ``init_app`` installs the language converter, the
gettext callables and the templates' helpers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, g, request, url_for
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter, ValidationError

from statuspage import i18n, markup, status
from statuspage.model import STATUS_LABELS, Text
from statuspage.web import assets


class LangConverter(BaseConverter):
    """A language served under a prefix: one of the current site's, but the default.

    It reads the site at each request, so that a language added while the live preview
    runs is served at once."""

    regex = r"[a-z]{2,3}(?:-[A-Za-z0-9]+)?"

    def to_python(self, value: str) -> str:
        site = current_app.extensions["statuspage"].get()
        if value not in site.config.languages[1:]:
            raise ValidationError()
        return value


def route(rule: str, blueprint: Blueprint, **options):
    """Register a view at ``rule`` for the default language and under ``/<lang>``."""

    def decorator(view):
        blueprint.add_url_rule(rule, view_func=view, defaults={"lang": None}, **options)
        blueprint.add_url_rule(f"/<lang:lang>{rule}", view_func=view, **options)
        return view

    return decorator


def pull_lang(endpoint, values) -> None:
    lang = (values or {}).pop("lang", None)
    if lang:
        g.lang = lang


def add_lang(endpoint, values) -> None:
    """The edition's prefix: none for the default language (also outside a request)."""
    lang = values.get("lang", g.get("lang"))
    if lang is not None:
        site = g.site if "site" in g else current_app.extensions["statuspage"].get()
        if lang == site.config.default_language:
            lang = None
    values["lang"] = lang


def blueprint(name: str, **options) -> Blueprint:
    """A blueprint whose views take the edition from the address and give it to links."""
    bp = Blueprint(name, "statuspage.web." + name, **options)
    bp.url_value_preprocessor(pull_lang)
    bp.url_defaults(add_lang)
    return bp


def editions(site) -> list[str | None]:
    """The ``lang`` URL value of each edition: None for the default one at /."""
    return [None, *site.config.languages[1:]]


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LangConverter
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(_lang()).gettext(message),
        lambda singular, plural, n: i18n.translations(_lang()).ngettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals["asset_url"] = assets.url
    app.context_processor(helpers)


def _lang() -> str:
    return g.get("lang") or g.site.config.default_language


def helpers() -> dict:
    """What templates use beyond the request's own values."""
    return {
        "site": g.site,
        "config": g.site.config,
        "snap": g.snap,
        "lang": g.lang,
        "t": localized,
        "plain": lambda text: in_lang(text).value,
        "md": render_markdown,
        "md_inline": render_inline,
        "when": when,
        "until": until,
        "day": lambda d: i18n.format_day(d, g.lang),
        "month_name": lambda y, m: i18n.format_month(y, m, g.lang),
        "duration": duration,
        "percent": lambda value: i18n.format_percent(value, g.lang),
        "status_label": lambda s: STATUS_LABELS[s],
        "uptime_percent": status.uptime_percent,
        "other_languages": other_languages,
        "public_url": public_url,
        "language_name": i18n.language_name,
    }


def in_lang(text: Text):
    """The text in the request's edition, falling back to the default language."""
    return text.get_in(g.lang, g.site.config.default_language)


def translate(message: str) -> str:
    """A UI string in the request's edition (for views that are not templates)."""
    return i18n.translations(g.lang).gettext(message)


def localized(text: Text) -> Markup:
    """Plain text in the page's language; marked with ``lang`` when it fell back."""
    found = in_lang(text)
    if found.lang != g.lang:
        return Markup('<span lang="{}">{}</span>').format(found.lang, found.value)
    return escape(found.value)


def _wrap(found, html: Markup, inline: bool) -> Markup:
    if found.lang == g.lang:
        return html
    tag = "span" if inline else "div"
    return Markup('<{0} lang="{1}">{2}</{0}>').format(tag, found.lang, html)


def render_markdown(text: Text) -> Markup:
    found = in_lang(text)
    return _wrap(found, markup.render(found.value), inline=False)


def render_inline(text: Text) -> Markup:
    found = in_lang(text)
    return _wrap(found, markup.render_inline(found.value), inline=True)


def when(moment: datetime) -> Markup:
    """A time for people (site zone, zone named) with its ISO 8601 for machines."""
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), i18n.format_datetime(moment, g.site.config.timezone, g.lang)
    )


def duration(start: datetime, end: datetime) -> str:
    """How long from ``start`` to ``end`` in real time (in UTC: across a clock change too)."""
    return i18n.format_duration(end.astimezone(UTC) - start.astimezone(UTC), g.lang)


def until(start: datetime, end: datetime) -> Markup:
    """The end of a window: only its time when it ends on the day it starts."""
    tz = g.site.config.timezone
    if start.astimezone(tz).date() != end.astimezone(tz).date():
        return when(end)
    return Markup('<time datetime="{}">{}</time>').format(
        end.isoformat(), i18n.format_clock(end, tz, g.lang))


def public_url(endpoint: str, **values) -> str:
    """The page's address on the public site (``url`` in site.yaml, or --url)."""
    path = url_for(endpoint, **values)[len(request.script_root):]
    return g.site.config.url + path


def other_languages() -> list[tuple[str, str]]:
    """(language, URL of this page in it) for the language switch."""
    args = dict(request.view_args or {})
    endpoint = request.endpoint or "pages.index"
    if not endpoint.startswith("pages."):
        endpoint, args = "pages.index", {}
    return [(lang, url_for(endpoint, **{**args, "lang": lang}))
            for lang in g.site.config.languages if lang != g.lang]
