"""Languages and addresses: the default language at /, the others under /<lang>/.

What every output module borrows: ``blueprint(name)`` (a blueprint whose views know their
language), ``route`` (a rule at / and under /<lang>), the texts of the request's language,
times for people, public addresses. ``init_app`` installs the language converter, the
gettext callables and the templates' helpers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache, partial

from flask import Blueprint, Flask, current_app, g, request
from jinja2 import pass_context
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter, ValidationError

from statuspage import i18n, markup, places, refs
from statuspage.model import (
    STATUS_LABELS,
    ComponentStatus,
    Localized,
    Site,
    Text,
    UpdateStatus,
    _,
)
from statuspage.state import announcements as channels
from statuspage.state import status
from statuspage.web import catalog, headline
from statuspage.web.calling import DirectContext
from statuspage.web.compiling import TemplateGenerator, output
from statuspage.web.lines import lines, lines_of, made
from statuspage.web.links import asset_url, link, links
from statuspage.web.links import public_url as public_url  # what the outputs call

UNTRANSLATED = _("(not yet translated)")


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
    """The language's prefix: none for the default language (also outside a request)."""
    lang = values.get("lang", g.get("lang"))
    if lang is not None:
        site = g.site if "site" in g else current_app.extensions["statuspage"].get()
        if lang == site.config.default_language:
            lang = None
    values["lang"] = lang


def blueprint(name: str, **options) -> Blueprint:
    """A blueprint whose views take the language from the address and give it to links."""
    bp = Blueprint(name, "statuspage.web." + name, **options)
    bp.url_value_preprocessor(pull_lang)
    bp.url_defaults(add_lang)
    return bp


def lang_values(site) -> list[str | None]:
    """The ``lang`` URL value of each language: None for the default one at /."""
    return [None, *site.config.languages[1:]]


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LangConverter
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.context_class = DirectContext
    app.jinja_env.code_generator_class = TemplateGenerator  # (before any template compiles)
    # Newstyle gettext (what install_gettext_callables(newstyle=True) sets up), the page's
    # language's own (``web/catalog.py``), not the extension's alias and wrapper around it.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(_=catalog.newstyle_gettext, gettext=catalog.newstyle_gettext,
                                 ngettext=catalog.newstyle_ngettext)
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["url_for"] = link
    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.globals.update(lines=lines, lines_of=lines_of, made=made)
    app.extensions["statuspage.links"] = {}
    app.context_processor(helpers)


class Language:
    """A language of the site, for the texts, times and links of its pages; made once per
    app, language and site (see ``language``), so it holds nothing of a request."""

    def __init__(self, site: Site, lang: str):
        self.site = site
        self.lang = lang
        self.default = site.config.default_language
        self.tz = site.config.timezone
        self.translations = i18n.translations(lang)
        self.catalog = catalog.Catalog(self.translations)
        self._fragments: dict[tuple[str, str], Markup] = {}
        self._helpers = self._own_helpers()

    def in_lang(self, text: Text) -> Localized:
        """The text in this language, falling back to the default language."""
        return text.get_in(self.lang, self.default)

    def _typeset(self, found: Localized, text: str) -> str:
        """French text through the typographic pass when site.yaml asks for it."""
        if self.site.config.french_typography and found.lang.split("-")[0] == "fr":
            return markup.french_typography(text)
        return text

    def plain(self, text: Text) -> str:
        return self.in_lang(text).value

    def localized(self, text: Text) -> Markup:
        """Plain text in the page's language; marked with ``lang`` when it fell back."""
        found = self.in_lang(text)
        html = self._typeset(found, escape(found.value))
        if found.lang != self.lang:
            return Markup(f'<span lang="{escape(found.lang)}">{html}</span>')
        return Markup(html)

    def _wrap(self, found: Localized, html: Markup, inline: bool) -> Markup:
        """Incident text in another language (not yet translated): marked with its
        ``lang``, and followed by a notice in the page's."""
        if found.lang == self.lang:
            return html
        if inline:
            return Markup(f'<span lang="{escape(found.lang)}">{html}</span>') + self._notice()
        return Markup(f'<div lang="{escape(found.lang)}">{html}</div>\n'
                      f'<p>{self._notice().lstrip()}</p>')

    def notice(self, text: Text) -> Markup:
        """After a title: `` (not yet translated)`` when it falls back, else nothing."""
        return self._notice() if self.in_lang(text).lang != self.lang else Markup()

    def _notice(self) -> Markup:
        return Markup(' <small class="untranslated">{}</small>').format(
            self.translations.gettext(UNTRANSLATED))

    def markdown(self, text: Text) -> Markup:
        found = self.in_lang(text)
        html = Markup(self._typeset(found, markup.render(found.value)))
        return self._wrap(found, html, inline=False)

    def markdown_inline(self, text: Text) -> Markup:
        found = self.in_lang(text)
        html = Markup(self._typeset(found, markup.render_inline(found.value)))
        return self._wrap(found, html, inline=True)

    def when(self, moment: datetime) -> Markup:
        """A time for people (site zone, zone named) with its ISO 8601 for machines."""
        return _time(moment, i18n.format_datetime(moment, self.tz, self.lang))

    def at(self, moment: datetime) -> Markup:
        """A time then its day, for a sentence: ``18:00 CET on 26 Nov 2026``."""
        return _time(moment, self.translations.gettext(_("%(time)s on %(day)s")) % {
            "time": i18n.format_clock(moment, self.tz, self.lang),
            "day": i18n.format_date(moment, self.tz, self.lang)})

    def until(self, start: datetime, end: datetime) -> Markup:
        """The end of a window: only its time when it ends on the day it starts."""
        if start.astimezone(self.tz).date() != end.astimezone(self.tz).date():
            return self.when(end)
        return _time(end, i18n.format_clock(end, self.tz, self.lang))

    def duration(self, start: datetime, end: datetime) -> str:
        """How long from ``start`` to ``end`` in real time (in UTC: across a clock change)."""
        return _duration(end.astimezone(UTC) - start.astimezone(UTC), self.lang)

    def version(self, found: status.Version | None) -> str:
        """An incident's version, "update 3 of 14:05" ("" before any update): the words
        every channel says (``statuspage.state.announcements``)."""
        return channels.version_text(found, self.tz, self.lang) if found else ""

    def component_badge(self, status: ComponentStatus) -> Markup:
        return _component_badge(self.lang, status)

    def update_status(self, status: UpdateStatus) -> Markup:
        return _update_status(self.lang, status)

    def preview(self, view) -> str:
        """What a link to an incident shows in a chat or a text message: its status, the
        services it affects and who is affected, in one plain line."""
        names = ", ".join(self.plain(self.site.config.name_of(c)) for c in view.components)
        parts = [self.translations.gettext("%(status)s: %(title)s") % {
            "status": self.translations.gettext(STATUS_LABELS[view.status]), "title": names}]
        who = self.plain(view.incident.who_is_affected)
        if who:
            parts.append(markup.plain_text(who))
        return " — ".join(parts)

    def places(self, areas, every: bool = False) -> str:
        """The areas' names in this language, for a sentence ("" for everywhere): the first
        ones and how many others, or ``every`` one."""
        return places.summary(areas, self.lang, self.default, shown=None if every else
                              places.SHOWN)

    def helpers(self) -> dict:
        """What templates use beyond the request's own values: the language's made once
        (not a score of bound methods and closures for every page), the request's moment."""
        bound = links()  # the page's links, found once rather than at each of them
        return {**self._helpers, "snap": g.snap,
                "pinned": current_app.config.get("STATUSPAGE_PINNED", False),
                "url_for": bound.__call__, "asset_url": bound.asset,
                "public_url": partial(bound.public, self.site.config.url)}

    def _own_helpers(self) -> dict:
        lang = self.lang
        return {
            "language": self,
            "_": self.catalog.gettext,  # (jinja2.ext's, without the context: web/catalog.py)
            "gettext": self.catalog.gettext,
            "ngettext": self.catalog.ngettext,
            "site": self.site,
            "config": self.site.config,
            "lang": lang,
            "t": self.localized,
            "plain": self.plain,
            "md": self.markdown,
            "md_inline": self.markdown_inline,
            "untranslated": self.notice,
            "when": self.when,
            "at": self.at,
            "until": self.until,
            "day": lambda d: i18n.format_day(d, lang),
            "month_name": lambda y, m: i18n.format_month(y, m, lang),
            "duration": self.duration,
            "percent": lambda value: i18n.format_percent(value, lang),
            "status_label": lambda s: STATUS_LABELS[s],
            "component_badge": self.component_badge,
            "preview": self.preview,
            "version": self.version,
            "headline": partial(headline.headline, self),
            "places": self.places,
            "quiet_runs": quiet_runs,
            "short_day": lambda d: i18n.format_short_day(d, lang),
            "example_ref": refs.EXAMPLE,
            "update_status": self.update_status,
            "uptime_percent": status.uptime_percent,
            "other_languages": other_languages,
            "language_name": i18n.language_name,
            "zone_city": i18n.zone_city,
            "elide": lambda text: i18n.elide(text, lang),
        }


# Durations repeat (an hour, 45 min…) and Babel takes long over each.
_duration = lru_cache(maxsize=4096)(i18n.format_duration)


@pass_context
def fragment(context, name: str) -> Markup:
    """What ``{% include name %}`` gives, for a template that shows the same to every page
    of a language (the postcode box, the support line): rendered once per language and
    script root, not once per page."""
    language: Language = context["language"]
    key = (name, request.script_root)
    found = language._fragments.get(key)
    if found is None:
        found = language._fragments[key] = Markup(
            context.environment.get_template(name).render(context.get_all()))
    return found


def _time(moment: datetime, text: str) -> Markup:
    """``text`` (escaped) as the time ``moment``, its ISO 8601 for machines."""
    return Markup(f'<time datetime="{output(moment.isoformat())}">{output(text)}</time>')


# A status's badge in a language: the same few on every line of every list, made once.
# Catalog strings are markup, as in templates.
@cache
def _component_badge(lang: str, status: ComponentStatus) -> Markup:
    return Markup(f'<span class="st st-{escape(status.value)}"><span class="ic" '
                  f'aria-hidden="true"></span>{i18n.translations(lang).gettext(status.label)}'
                  '</span>')


@cache
def _update_status(lang: str, status: UpdateStatus) -> Markup:
    label = i18n.translations(lang).gettext(STATUS_LABELS[status])
    return Markup(f'<span class="us us-{escape(status.value)}">{label}</span>')


def quiet_runs(days, busy=frozenset()) -> list[tuple]:
    """The last days, newest first, as (day, None, its incidents); but two or more days
    in a row without incidents as one (newest day, oldest day, []). A day in ``busy``
    (something still in progress started on it) is never part of a quiet run."""
    runs: list[list] = []  # [newest, oldest, incidents]
    for day, incidents in days:
        if not incidents and day not in busy and runs and not runs[-1][2] \
                and runs[-1][0] not in busy:
            runs[-1][1] = day  # one more quiet day
        else:
            runs.append([day, day, list(incidents)])
    return [(newest, oldest if oldest != newest else None, incidents)
            for newest, oldest, incidents in runs]


def language() -> Language:
    """The request's language: one per language of the site the app shows, made once."""
    here = g._get_current_object()  # the request's globals looked up once, not at each use
    found = getattr(here, "language", None)
    if found is not None and found.lang == here.lang and found.site is here.site:
        return found  # the page's, asked again (feeds ask for each text)
    made = current_app.extensions.setdefault("statuspage.languages", {})
    found = made.get(here.lang)
    if found is None or found.site is not here.site:  # a first page, or the site reloaded
        found = made[here.lang] = Language(here.site, here.lang)
    here.language = found
    return found


def helpers() -> dict:
    return language().helpers()


def in_lang(text: Text) -> Localized:
    """The text in the request's language, falling back to the default language."""
    return language().in_lang(text)


def translate(message: str) -> str:
    """A UI string in the request's language (for views that are not templates)."""
    return language().translations.gettext(message)


def other_languages() -> list[tuple[str, str]]:
    """(language, URL of this page in it) for the language switch."""
    args = dict(request.view_args or {})
    endpoint = request.endpoint or "pages.index"
    if not endpoint.startswith("pages."):
        endpoint, args = "pages.index", {}
    return [(lang, link(endpoint, **{**args, "lang": lang}))
            for lang in g.site.config.languages if lang != g.lang]
