"""Incident templates: ``content/templates/<name>.md``, for ``statuspage new --template``.

A template is an incident file without a title or times: its front matter gives the
defaults (``TEMPLATE_FIELDS``), its body the first message in the default language, and
a ``## <lang>`` section the same message in another language:

    ---
    impact: major
    components: {billing: partial_outage}
    next_update: +2h
    who_is_affected: {fr: Clients prélevés en double, en: Customers charged twice}
    ---
    Nous enquêtons sur un double prélèvement.

    ## en
    We are looking into a double charge.

What the command line gives wins over the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statuspage.content import document, schema, yamlsource
from statuspage.content.config import SITE_FILE
from statuspage.content.reading import read as read_content
from statuspage.content.schema import Field, Reading
from statuspage.errors import ContentError, Problem, Problems, StatusPageError, known
from statuspage.markup import audit
from statuspage.model import ComponentStatus, Impact, IncidentStatus, SiteConfig, Text
from statuspage.times import TimeError, parse_duration

TEMPLATES_DIR = SITE_FILE.parent / "templates"
_LANGUAGE = re.compile(r"##\s+(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]+)?)\s*")


def _components(reading: Reading, value: Any, path) -> Any:
    """``[id, …]`` (statuses from the impact) or ``{id: status, …}``: None where the
    impact decides."""
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return reading.error("expected a list of ids or a mapping id: status", path)
    ids = {c.id for c in reading.config.components}
    statuses = {s.value for s in ComponentStatus}
    found: dict[str, ComponentStatus | None] = {}
    for component_id, status in value.items():
        if component_id not in ids:
            reading.problems.error(f"components: unknown component {component_id!r} (known: "
                                   f"{known(ids)})", *path, component_id)
        elif status in (None, ""):
            found[component_id] = None
        elif status not in statuses:
            reading.problems.error(f"components: unknown status {status!r} for "
                                   f"{component_id!r} (known: {known(statuses)})",
                                   *path, component_id)
        else:
            found[component_id] = ComponentStatus(status)
    return found


def _delay(reading: Reading, value: Any, path) -> Any:
    """A promise counted from the incident's creation: ``+2h``, ``+30m``."""
    try:
        if not isinstance(value, str) or not value.startswith("+"):
            raise TimeError("")
        parse_duration(value)
    except TimeError:
        return reading.error("expected a delay from the incident's creation, e.g. +2h or "
                             "+30m", path)
    return value


TEMPLATE_FIELDS = [
    Field("impact", schema.choice(list(Impact))),
    Field("components", _components),
    Field("status", schema.choice([s.value for s in IncidentStatus
                                   if s not in (IncidentStatus.RESOLVED,
                                                IncidentStatus.POSTMORTEM)])),
    Field("next_update", _delay),
    Field("who_is_affected", schema.text(markdown=True), text=True),
    Field("what_to_do", schema.text(markdown=True), text=True),
]


@dataclass(frozen=True)
class Template:
    name: str
    impact: Impact | None
    components: dict[str, ComponentStatus | None]
    status: str | None
    next_update: str | None  # a delay: +2h
    texts: dict[str, dict[str, str]]  # language → who_is_affected, what_to_do, message


DEFAULTS = {"impact": Impact.MINOR, "status": IncidentStatus.INVESTIGATING.value}


def fill(template: Template | None, config: SiteConfig, given: dict[str, Any],
         translated: dict[str, dict[str, str]]) -> tuple[dict[str, Any], dict[str, dict[str,
                                                                                     str]]]:
    """What ``statuspage new`` writes: the options ``given`` (None or empty: not given),
    else the template's, else the defaults; and by language the other languages' texts,
    the options' (``translated``) over the template's. A text given in the default
    language replaces the template's in every language: its translations would no
    longer say the same thing (the reminders then ask for them)."""
    texts = template.texts if template else {}
    own = texts.get(config.default_language, {})
    chosen = dict(given)
    for key, value in given.items():
        if value is None or value == {}:
            chosen[key] = own.get(key) or (getattr(template, key, None) if template else None) \
                or DEFAULTS.get(key)
    chosen["impact"] = Impact(chosen["impact"])
    replaced = {key for key, value in given.items() if value is not None}
    others = {lang: {k: v for k, v in values.items() if k not in replaced}
              for lang, values in texts.items() if lang != config.default_language}
    for lang, values in translated.items():
        others.setdefault(lang, {}).update(values)
    return chosen, others


def names(root: Path) -> list[str]:
    folder = root / TEMPLATES_DIR
    return sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []


def problems(root: Path, config: SiteConfig) -> list[Problem]:
    """Every template's errors, for ``check``: a broken template is found before the
    incident it was meant for."""
    found: list[Problem] = []
    for name in names(root):
        try:
            load(root, config, name)
        except ContentError as err:
            found += err.problems
        except StatusPageError:
            found.append(Problem(str(TEMPLATES_DIR / f"{name}.md"), 1, "not a template name: "
                                 "use lowercase letters, digits and '-'"))
    return found


def load(root: Path, config: SiteConfig, name: str) -> Template:
    """Read and check a template; every problem at its line."""
    path = root / TEMPLATES_DIR / f"{name}.md"
    if not schema.SLUG.fullmatch(name) or not path.is_file():
        raise StatusPageError(f"no template {name!r} in {TEMPLATES_DIR}/ (there: "
                              f"{', '.join(names(root)) or 'none'})")
    problems = Problems(str(TEMPLATES_DIR / path.name))
    text = read_content(path, problems)
    if text is None:
        raise ContentError(problems.errors)
    try:
        meta_text, meta_line, body, body_line = document.split_front_matter(text)
        meta = yamlsource.load(meta_text, meta_line)
    except (document.FrontMatterProblem, yamlsource.YAMLProblem) as err:
        problems.error(str(err), line=getattr(err, "line", 1))
        raise ContentError(problems.errors) from None
    problems.doc = meta
    data = meta.value if isinstance(meta.value, dict) else {}
    if meta.value is not None and not isinstance(meta.value, dict):
        problems.error("front matter: expected defaults such as impact, components", line=2)
    reading = Reading(problems, config.languages, config, config.default_language)
    values = schema.read_table(TEMPLATE_FIELDS, data, reading)
    texts = _messages(body, body_line, config, problems)
    for key in ("who_is_affected", "what_to_do"):
        value = values[key]
        for lang, item in (value.items() if isinstance(value, Text) else ()):
            texts.setdefault(lang or config.default_language, {})[key] = item
    if problems.errors:
        raise ContentError(problems.errors)
    return Template(name, values["impact"], values["components"] or {}, values["status"],
                    values["next_update"], texts)


def _messages(body: str, first_line: int, config: SiteConfig,
              problems: Problems) -> dict[str, dict[str, str]]:
    """The first message in each language: the body, and its ``## <lang>`` sections."""
    lines = body.split("\n")
    marks = [(n, _LANGUAGE.fullmatch(line)) for n, line in enumerate(lines)
             if line.startswith("##")]
    texts: dict[str, dict[str, str]] = {}
    starts = [n for n, _ in marks] + [len(lines)]
    default = "\n".join(lines[:starts[0]]).strip()
    if default:
        audit(default, first_line, problems)
        texts[config.default_language] = {"message": default}
    for (index, match), end in zip(marks, starts[1:], strict=True):
        lang = match["lang"] if match else None
        if lang not in config.languages or lang == config.default_language:
            problems.error(f"{lines[index].strip()!r}: a section of the template gives the "
                           "first message in another language of the site, under '## <lang>' "
                           f"(one of {', '.join(config.languages[1:]) or '—'})",
                           line=first_line + index)
            continue
        message = "\n".join(lines[index + 1:end]).strip()
        audit(message, first_line + index + 1, problems)
        texts[lang] = {"message": message}
    return texts

