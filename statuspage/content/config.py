"""The site configuration (content/site.yaml): one table of settings, read and validated.

Each row of ``SITE_FIELDS`` is a setting: its reader checks the value, its default is the
only one there is. ``parse_config`` reads the file into a ``SiteConfig``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from statuspage import i18n
from statuspage.content import branding, schema, yamlsource
from statuspage.content.addresses import address_problem
from statuspage.content.schema import INVALID, Field, Reading
from statuspage.errors import Problems, known
from statuspage.model import EMPTY_TEXT, Component, Group, SiteConfig, Subscriptions, Support, Text
from statuspage.times import TimeError, parse_duration

SITE_FILE = Path("content") / "site.yaml"
INCIDENTS_DIR = Path("incidents")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]+)?")
# Each language is a whole edition of the site, and each component a line of every page:
# beyond these a site is a mistake (a pasted list), and its build would take hours.
MAX_LANGUAGES = 20
MAX_COMPONENTS = 500


def language_problem(lang: object) -> str | None:
    if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang):
        return f"{lang!r} is not a language code such as fr or pt-BR"
    try:
        Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return f"{lang!r} is not a language Babel knows (use a code such as fr or pt-BR)"
    return None


def _languages(reading: Reading, value: Any, path) -> Any:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return reading.error("expected a list such as [fr, en]", path)
    if len(items) > MAX_LANGUAGES:
        reading.error(f"{len(items)} languages: at most {MAX_LANGUAGES} (each is a whole "
                      "edition of the site); keep those your customers read", path)
        items = items[:MAX_LANGUAGES]  # the rest of the file is checked against these
    languages: list[str] = []
    for index, lang in enumerate(items):
        problem = language_problem(lang)
        same = next((known for known in languages if known.lower() == str(lang).lower()), None)
        if problem is None and same == lang:
            problem = f"{lang!r} is listed twice"
        elif problem is None and same:
            problem = f"{lang!r} is listed twice (as {same!r}: case does not count); keep one"
        if problem:
            reading.error(problem, (*path, index))
            continue
        if not i18n.has_catalog(lang):
            reading.problems.warn(f"languages: no interface translation for {lang!r} yet: its "
                                  "pages show the interface in English", *path, index)
        languages.append(lang)
    reading.languages = tuple(languages) or ("en",)
    return reading.languages


def _timezone(reading: Reading, value: Any, path) -> Any:
    try:
        return ZoneInfo(str(value)) if isinstance(value, str) and value else ZoneInfo("")
    except IsADirectoryError:  # a folder of the zone database
        return reading.error(f"{value!r} is a region, not a zone: name one of its zones, e.g. "
                             "Europe/Paris", path)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
        shown = repr(value[:40]) + "…" if isinstance(value, str) and len(value) > 40 \
            else repr(value)
        return reading.error(f"unknown zone {shown} (use an IANA name such as Europe/Paris)",
                             path)


def _api_language(reading: Reading, value: Any, path) -> Any:
    if value not in reading.languages:
        return reading.error(f"{value!r} is not one of the site's languages "
                             f"({', '.join(reading.languages)})", path)
    return value


def _urls(reading: Reading, value: Any, path) -> Any:
    if not isinstance(value, list):
        return reading.error("expected a list of http(s) URLs", path)
    return tuple(url for index, item in enumerate(value)
                 if (url := schema.url(reading, item, (*path, index))) is not INVALID)


LONGEST_GRACE = timedelta(hours=1)  # beyond, the promise shown would mean little


def _grace(reading: Reading, value: Any, path) -> Any:
    """``promise_grace``: how long after a promised update time it is said late."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        grace = timedelta(0) if text == "0" else parse_duration(text)
    except TimeError:
        grace = None
    if grace is None or grace > LONGEST_GRACE:
        return reading.error("expected a delay of at most 1h, e.g. promise_grace: 5m", path)
    return grace
def _postcode(reading: Reading, value: Any, path) -> Any:
    """A regular expression full postal codes match (areas are checked against it)."""
    hint = "e.g. postcode: '^\\d{5}$' for French postal codes"
    if not isinstance(value, str) or not value.strip():
        return reading.error(f"expected a regular expression, {hint}", path)
    try:
        return re.compile(value.strip())
    except re.error as err:
        return reading.error(f"{value!r} is not a regular expression ({err}); {hint}", path)


def _default_api_language(values: dict) -> str:
    languages = values["languages"] or ("en",)
    return "en" if "en" in languages else languages[0]


SUPPORT_FIELDS = [
    Field("phone", schema.plain),
    Field("url", schema.url),
]
GROUP_FIELDS = [
    Field("id", schema.slug, required="give each group an id, e.g. id: internet"),
    Field("name", schema.text(required="give it a name customers understand"),
          default=lambda values: Text(values["id"] or "")),
]
COMPONENT_FIELDS = [
    Field("id", schema.slug, required="give each component an id, e.g. id: fibre"),
    Field("name", schema.text(required="give it a name customers understand"),
          default=lambda values: Text(values["id"] or "")),
    Field("description", schema.text(), default=EMPTY_TEXT),
    Field("group", schema.slug),
    Field("since", schema.day),
]
def _sender(reading: Reading, value: Any, path) -> Any:
    if not isinstance(value, str) or address_problem(value.strip()):
        return reading.error(f"{value!r} is not an e-mail address such as "
                             "status@example.com", path)
    return value.strip()


SUBSCRIPTION_FIELDS = [
    Field("url", schema.site_url, required="the subscription service's public address, e.g. "
                                           "https://subscribe.example.com"),
    Field("from", _sender, required="the sender of the messages, e.g. status@example.com"),
    Field("late_notice", schema.boolean, default=True),
]


def _subscriptions(reading: Reading, value: Any, path) -> Any:
    values = schema.section(SUBSCRIPTION_FIELDS)(reading, value, path)
    if not values or INVALID in values.values():
        return INVALID
    return Subscriptions(values["url"], values["from"], values["late_notice"])


SITE_FIELDS = [  # languages first: the texts after it are checked against them
    Field("languages", _languages, default=("en",)),
    Field("name", schema.text(required="give the page a name, e.g. name: Example Status"),
          required="give the page a name, e.g. name: Example Status"),
    Field("url", schema.site_url, default="http://127.0.0.1:8000"),
    Field("timezone", _timezone, default=ZoneInfo("UTC")),
    Field("support", schema.section(SUPPORT_FIELDS), default={}),
    Field("groups", schema.entries(GROUP_FIELDS, "groups"), default=[]),
    Field("components", schema.entries(COMPONENT_FIELDS, "components", most=MAX_COMPONENTS),
          required="list at least one component (id and name)"),
    Field("feed_entries", schema.integer(1, 1000, 50), default=50),
    Field("upcoming_days", schema.integer(1, 3650, 30), default=30),
    Field("api_language", _api_language, default=_default_api_language),
    Field("webhooks", _urls, default=()),
    Field("logo", branding.read_logo_path),
    Field("accent", branding.read_accent),
    Field("french_typography", schema.boolean, default=False),
    Field("promise_grace", _grace, default=timedelta(0)),
    Field("postcode", _postcode),
    Field("subscriptions", _subscriptions),
]


def site_config(**values) -> SiteConfig:
    """A SiteConfig from ``values``, the table's defaults for the others (name and
    components are required)."""
    settings: dict = {}
    for field in SITE_FIELDS:
        settings[field.key] = values[field.key] if field.key in values \
            else field.default_for(settings)
    settings["languages"] = tuple(settings["languages"])
    if isinstance(settings["support"], dict):
        settings["support"] = Support(**settings["support"])
    for key in ("groups", "components", "webhooks"):
        settings[key] = tuple(settings[key])
    return SiteConfig(**settings)


def parse_config(text: str, path: str) -> tuple[SiteConfig | None, Problems]:
    """Read site.yaml; every problem is collected, the config is None when there are any."""
    problems = Problems(path)
    try:
        doc = yamlsource.load(text)
    except yamlsource.YAMLProblem as err:
        problems.error(str(err), line=err.line)
        return None, problems
    problems.doc = doc
    if not isinstance(doc.value, dict):
        problems.error("expected a mapping of settings (name, url, timezone, languages, …)")
        return None, problems
    reading = Reading(problems, languages=("en",))
    values = schema.read_table(SITE_FIELDS, doc.value, reading)
    _check_groups(values, reading)
    if problems.errors:
        return None, problems
    config = site_config(**{
        **values,
        "groups": [Group(g["id"], g["name"]) for g in values["groups"]],
        "components": [Component(c["id"], c["name"], c["description"], c["group"], c["since"])
                       for c in values["components"]],
    })
    return config, problems


def _check_groups(values: dict, reading: Reading) -> None:
    groups = values["groups"] or []
    group_ids = {g["id"] for g in groups}
    components = values["components"]
    if components is INVALID:
        return
    if not components:
        reading.problems.error("components: list at least one component (id and name)",
                               "components")
    for item in components:
        group = item["group"]
        if group and group not in group_ids:
            reading.problems.error(
                f"components: unknown group {group!r} for {item['id']!r} "
                f"(known groups: {known(group_ids)})", *item["at"], "group")
