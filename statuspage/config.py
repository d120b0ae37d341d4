"""The site configuration (content/site.yaml): defaults in one place, loaded and validated."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from statuspage import yamlsource
from statuspage.errors import Problem
from statuspage.model import EMPTY_TEXT, Component, Group, SiteConfig, Support, Text

SITE_FILE = Path("content") / "site.yaml"
INCIDENTS_DIR = Path("incidents")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")

DEFAULTS = {
    "url": "http://127.0.0.1:8000",
    "timezone": "UTC",
    "languages": ["en"],
    "feed_entries": 50,
    "upcoming_days": 30,
}
SITE_KEYS = {"name", "url", "timezone", "languages", "support", "groups", "components",
             "feed_entries", "upcoming_days", "api_language", "webhooks"}
GROUP_KEYS = {"id", "name"}
COMPONENT_KEYS = {"id", "name", "description", "group"}
SUPPORT_KEYS = {"phone", "url"}


HTTP_URL = re.compile(r"^https?://[^/\s]+\S*$")
CATALOGS = Path(__file__).resolve().parent / "translations"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the site's or support's address, or None when it can."""
    if HTTP_URL.match(url):
        return None
    return f"{url!r} is not an http(s) URL such as https://status.example.com"


def language_problem(lang: object) -> str | None:
    if not isinstance(lang, str) or not LANGUAGE.match(lang):
        return f"{lang!r} is not a language code such as fr or pt-BR"
    try:
        Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return f"{lang!r} is not a language Babel knows (use a code such as fr or pt-BR)"
    return None


def has_catalog(lang: str) -> bool:
    return any((CATALOGS / code / "LC_MESSAGES" / "messages.po").is_file()
               for code in (lang.replace("-", "_"), lang.split("-")[0]))


def known(names) -> str:
    return ", ".join(sorted(names)) or "none"


class Problems:
    """Collects problems of one file, so every one is reported, not just the first."""

    def __init__(self, path: str, doc: yamlsource.Located | None = None):
        self.path = path
        self.doc = doc
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, message: str, *key: str | int, line: int | None = None) -> None:
        self.errors.append(Problem(self.path, line or self._line(key), message))

    def warn(self, message: str, *key: str | int, line: int | None = None) -> None:
        self.warnings.append(Problem(self.path, line or self._line(key), message))

    def _line(self, key) -> int:
        return self.doc.line(*key) if self.doc else 1

    def unknown_keys(self, data: dict, allowed: set[str], *path: str | int) -> None:
        for key in data:
            if key not in allowed:
                self.error(
                    f"unknown key {key!r} (allowed: {known(allowed)})", *path, key
                )


def read_text(value: object, where: tuple, languages, problems: Problems) -> Text:
    """A human-readable text: one string for every language, or a mapping lang → string."""
    name = ".".join(str(p) for p in where)
    if isinstance(value, str):
        return Text(value.strip())
    if isinstance(value, dict):
        for lang, item in value.items():
            if lang not in languages:
                problems.error(
                    f"{name}: unknown language {lang!r} (languages: {', '.join(languages)})",
                    *where, lang,
                )
            elif not isinstance(item, str):
                problems.error(f"{name}.{lang}: expected text", *where, lang)
        return Text({k: v.strip() for k, v in value.items() if isinstance(v, str)})
    if value is not None:
        problems.error(f"{name}: expected text, or a mapping language: text", *where)
    return EMPTY_TEXT


def parse_config(text: str, path: str) -> tuple[SiteConfig | None, Problems]:
    problems = Problems(path)
    try:
        doc = yamlsource.load(text)
    except yamlsource.YAMLProblem as err:
        problems.error(str(err), line=err.line)
        return None, problems
    problems.doc = doc
    data = doc.value if isinstance(doc.value, dict) else None
    if data is None:
        problems.error("expected a mapping of settings (name, url, timezone, languages, …)")
        return None, problems
    problems.unknown_keys(data, SITE_KEYS)
    settings = {**DEFAULTS, **data}

    languages = settings["languages"]
    if isinstance(languages, str):
        languages = [languages]
    if not isinstance(languages, list) or not languages:
        problems.error("languages: expected a list such as [fr, en]", "languages")
        languages = DEFAULTS["languages"]
    for i, lang in enumerate(languages):
        problem = language_problem(lang)
        if problem:
            problems.error(f"languages: {problem}", "languages", i)
        elif not has_catalog(lang):
            problems.warn(f"languages: no interface translation for {lang!r} yet: its pages "
                          "show the interface in English", "languages", i)
    languages = tuple(str(lang) for lang in languages)

    try:
        timezone = ZoneInfo(str(settings["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        problems.error(
            f"timezone: unknown zone {settings['timezone']!r} (use an IANA name such as "
            "Europe/Paris)",
            "timezone",
        )
        timezone = ZoneInfo("UTC")

    url = str(settings["url"]).rstrip("/")
    if url_problem(url):
        problems.error(f"url: {url_problem(url)}", "url")
    if "name" not in data:
        problems.error("name: missing; give the page a name, e.g. name: Example Status")

    support = settings.get("support") or {}
    if not isinstance(support, dict):
        problems.error("support: expected a mapping with phone and url", "support")
        support = {}
    problems.unknown_keys(support, SUPPORT_KEYS, "support")
    if support.get("url") and url_problem(str(support["url"])):
        problems.error(f"support.url: {url_problem(str(support['url']))}", "support", "url")

    webhooks = settings.get("webhooks") or []
    if not isinstance(webhooks, list):
        problems.error("webhooks: expected a list of http(s) URLs", "webhooks")
        webhooks = []
    for i, hook in enumerate(webhooks):
        if url_problem(str(hook)):
            problems.error(f"webhooks: {url_problem(str(hook))}", "webhooks", i)

    groups = _read_items(settings.get("groups"), "groups", GROUP_KEYS, languages, problems)
    group_ids = {g["id"] for g in groups}
    components = _read_items(
        settings.get("components"), "components", COMPONENT_KEYS, languages, problems
    )
    for item in components:
        group = item.get("group")
        if group is not None and group not in group_ids:
            problems.error(
                f"components: unknown group {group!r} for {item['id']!r} "
                f"(known groups: {known(group_ids)})",
                "components", item["index"], "group",
            )
    if not components:
        problems.error("components: list at least one component (id and name)", "components")

    counts = {}
    for key in ("feed_entries", "upcoming_days"):
        try:
            counts[key] = int(settings[key])
            if counts[key] < 1:
                raise ValueError
        except (TypeError, ValueError):
            problems.error(f"{key}: expected a whole number of at least 1, e.g. "
                           f"{key}: {DEFAULTS[key]}", key)
            counts[key] = DEFAULTS[key]
    api_language = settings.get("api_language") or ("en" if "en" in languages else languages[0])
    if api_language not in languages:
        problems.error(f"api_language: {api_language!r} is not one of the site's languages "
                       f"({', '.join(languages)})", "api_language")
        api_language = languages[0]

    config = SiteConfig(
        name=read_text(data.get("name", "Status"), ("name",), languages, problems),
        url=url,
        timezone=timezone,
        languages=languages,
        support=Support(phone=_opt_str(support.get("phone")), url=_opt_str(support.get("url"))),
        groups=tuple(Group(g["id"], g["name"]) for g in groups),
        components=tuple(
            Component(c["id"], c["name"], c.get("description", EMPTY_TEXT), c.get("group"))
            for c in components
        ),
        feed_entries=counts["feed_entries"],
        upcoming_days=counts["upcoming_days"],
        api_language=api_language,
        webhooks=tuple(str(hook) for hook in webhooks if not url_problem(str(hook))),
    )
    return config, problems


def _opt_str(value: object) -> str | None:
    return str(value).strip() if value else None


def _read_items(items, section: str, keys: set[str], languages, problems: Problems) -> list[dict]:
    """Read the groups or components list: ids unique slugs, names as texts."""
    if items is None:
        return []
    if not isinstance(items, list):
        problems.error(f"{section}: expected a list of entries with id and name", section)
        return []
    result, seen = [], set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.error(f"{section}: each entry needs an id and a name", section, index)
            continue
        problems.unknown_keys(item, keys, section, index)
        item_id = item.get("id")
        if not isinstance(item_id, str) or not SLUG.match(item_id):
            problems.error(
                f"{section}: id {item_id!r} is not a slug (lowercase letters, digits and '-', "
                "e.g. fibre-lyon)",
                section, index, "id",
            )
            continue
        if item_id in seen:
            problems.error(f"{section}: duplicate id {item_id!r}", section, index, "id")
            continue
        seen.add(item_id)
        entry = {"id": item_id, "index": index, "group": item.get("group")}
        entry["name"] = read_text(item.get("name", item_id), (section, index, "name"),
                                  languages, problems)
        if "description" in item:
            entry["description"] = read_text(
                item["description"], (section, index, "description"), languages, problems
            )
        result.append(entry)
    return result
