"""The site configuration (content/site.yaml): one table of settings, read and validated.

Each row of ``SITE_FIELDS`` is a setting: its reader checks the value, its default is the
only one there is. ``parse_config`` reads the file into a ``SiteConfig``.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from statuspage import i18n
from statuspage.content import branding, schema, yamlsource
from statuspage.content.emails import address_problem
from statuspage.content.schema import INVALID, Field, Reading
from statuspage.errors import ConfigError, ContentError, Problem, Problems, StatusPageError, known
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
    Field("phone", schema.plain, doc="the support's number, quoted: `\"3900\"`"),
    Field("url", schema.url, doc="the support's help page"),
]
GROUP_FIELDS = [
    Field("id", schema.slug, required="give each group an id, e.g. id: internet", api=("id",),
          doc="the group's id, which components name"),
    Field("name", schema.text(required="give it a name customers understand"),
          default=lambda values: Text(values["id"] or ""), shown_default="the id",
          api=("name",), doc="the group's name on the pages"),
]
COMPONENT_FIELDS = [
    Field("id", schema.slug, required="give each component an id, e.g. id: fibre", api=("id",),
          doc="the component's id: in its page's address and in incidents' `components:`"),
    Field("name", schema.text(required="give it a name customers understand"),
          default=lambda values: Text(values["id"] or ""), shown_default="the id",
          api=("name",), doc="the name customers know the service by"),
    Field("description", schema.text(), default=EMPTY_TEXT, api=("description",),
          doc="a sentence on its page and in the API"),
    Field("group", schema.slug, api=("group_id",), doc="the id of its group"),
    Field("since", schema.day, shown_default="the first day of content",
          doc="its first day of data: the uptime bars show \"no data\" before it"),
]
def _sender(reading: Reading, value: Any, path) -> Any:
    if not isinstance(value, str) or address_problem(value.strip()):
        return reading.error(f"{value!r} is not an e-mail address such as "
                             "status@example.com", path)
    return value.strip()


SUBSCRIPTION_FIELDS = [
    Field("url", schema.site_url, required="the subscription service's public address, e.g. "
                                           "https://subscribe.example.com",
          doc="the subscription service's public address, where the forms post"),
    Field("from", _sender, required="the sender of the messages, e.g. status@example.com",
          kind="an e-mail address", doc="the messages' sender"),
    Field("late_notice", schema.boolean, default=True,
          doc="`false`: no message when a promised update is late"),
]


def _subscriptions(reading: Reading, value: Any, path) -> Any:
    values = schema.section(SUBSCRIPTION_FIELDS)(reading, value, path)
    if not values or INVALID in values.values():
        return INVALID
    return Subscriptions(values["url"], values["from"], values["late_notice"])


schema.described(_subscriptions, "a mapping", SUBSCRIPTION_FIELDS)


SITE_FIELDS = [  # languages first: the texts after it are checked against them
    Field("languages", _languages, default=("en",), kind="a list of language codes",
          shown_default="`[en]`",
          doc="the first is the default edition, at `/`, the others at `/<lang>/`; at most "
              f"{MAX_LANGUAGES}, each once (`pt-BR` and `pt-br` are one)"),
    Field("name", schema.text(required="give the page a name, e.g. name: Example Status"),
          required="give the page a name, e.g. name: Example Status", api=("name",),
          doc="the page's name"),
    Field("url", schema.site_url, default="http://127.0.0.1:8000", api=("url",),
          cli=("--url",),
          doc="the public base URL (feeds, API, canonical links, short addresses), without "
              "a query or fragment"),
    Field("timezone", _timezone, default=ZoneInfo("UTC"), kind="an IANA zone",
          shown_default="`UTC`", api=("time_zone",),
          doc="times without an offset are in it"),
    Field("support", schema.section(SUPPORT_FIELDS), default={}, shown_default="none",
          doc="shown with every incident: where to go if the page did not answer"),
    Field("groups", schema.entries(GROUP_FIELDS, "groups"), default=[], shown_default="none",
          api=("components",),
          doc="groups of components, shown together"),
    Field("components", schema.entries(COMPONENT_FIELDS, "components", most=MAX_COMPONENTS),
          required="list at least one component (id and name)", api=("components",),
          doc=f"the services, at most {MAX_COMPONENTS}, each shown on every page"),
    Field("feed_entries", schema.integer(1, 1000, 50), default=50,
          doc="entries per feed or calendar (digits 0–9)"),
    Field("upcoming_days", schema.integer(1, 3650, 30), default=30,
          doc="how far ahead planned maintenance is listed, in days"),
    Field("api_language", _api_language, default=_default_api_language,
          kind="one of the languages", shown_default="`en` if the site has it, else the first",
          doc="the language of the API's texts"),
    Field("webhooks", _urls, default=(), kind="a list of http(s) URLs", shown_default="none",
          cli=("--webhook",),
          doc="URLs that `statuspage run` POSTs each new update to ([publish.md](publish.md))"),
    Field("logo", branding.read_logo_path, kind="a file under `content/`",
          shown_default="none: the name as text",
          doc="`.svg`, `.png`, `.webp`, `.jpg` or `.gif`, at most 512 KB, shown in the header "
              "with the site's name as its text alternative, copied under a content-hashed "
              "name ([below](#the-logo))"),
    Field("accent", branding.read_accent, kind="a colour, or one per scheme",
          shown_default="the built-in blue",
          doc="the links' and header rule's colour: `\"#0b5cad\"` for both schemes or "
              "`{light: \"#0b5cad\", dark: \"#79c0ff\"}`; each must reach 4.5:1 (WCAG AA) on "
              "that scheme's background, else `check` says which and by how much"),
    Field("french_typography", schema.boolean, default=False,
          doc="`true`: French text staff wrote (titles, summaries, updates, who is affected, "
              "what to do) gets French typography on the pages: a no-break space before "
              "`: ; ! ?` and `»` and after `«`, between a number and its unit (`18 h`, "
              "`6 h 40`, `50 Go`, `60 %`), a narrow one in `10 000`, and `’` for `'` between "
              "letters; code and links' addresses are left as written. The files are not "
              "changed; feeds and the API keep the text as written"),
    Field("promise_grace", _grace, default=timedelta(0), kind="a delay such as `5m`",
          shown_default="`0`: late as the time passes",
          doc="how long after a promised `next_update` time, with no update since, the "
              "promise is said late: on the page (\"Update expected at 18:00, not yet "
              "published\", until then still \"By 18:00\"), in `list` and `check`, and in "
              "the daemon's reminders, its `--on-overdue` and its metrics; at most `1h`"),
    Field("postcode", _postcode, kind="a regular expression",
          shown_default="none: letters and digits",
          doc="what full postal codes look like, e.g. `'^\\d{5}$'`: each code of an "
              "incident's `areas:` must match it or be the start of a code that does"),
    Field("subscriptions", _subscriptions, shown_default="none: no form, no mail",
          doc="e-mail subscriptions ([subscriptions.md](subscriptions.md))"),
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


def missing_site_file(root: Path) -> StatusPageError | None:
    """Why content/site.yaml is not there, or None when it is (reading it says the rest):
    no site in this folder at all, or a site missing a folder for a while (a checkout, a
    copy), which is a content error: the daemon keeps publishing the last good content."""
    site_file = root / SITE_FILE
    try:
        os.lstat(site_file)
        return None
    except NotADirectoryError:
        return ContentError([Problem(str(SITE_FILE.parent), 1, "is a file, not a folder: move "
                                     "it away and create the folder content/ with site.yaml")])
    except FileNotFoundError:
        pass
    except OSError:
        return None  # reading it says why it cannot be read
    folders = [os.path.lexists(root / folder) for folder in (SITE_FILE.parent, INCIDENTS_DIR)]
    if not any(folders):
        return ConfigError(f"no site here: {site_file} is missing (run 'statuspage init' to "
                           "create a site, or pass --site DIR)")
    if not folders[0]:
        return ContentError([Problem(f"{SITE_FILE.parent}/", 0, "missing: put the folder back, "
                                     "or create it with site.yaml (statuspage init DIR writes "
                                     "one to copy)")])
    return ContentError([Problem(str(SITE_FILE), 0, "missing: put it back, or create it: name, "
                                 "languages, timezone and components (statuspage init DIR "
                                 "writes one to copy)")])
