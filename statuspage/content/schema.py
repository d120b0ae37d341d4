"""Fields as tables: one row per front-matter key or site setting.

A row says what the key is called, how its value is read (and checked) and what kind of
value that is, whether a translation may give it (a text) or not (a fact), whether it is
required and with which hint, its default, how it is written back, what it is for (its
line in docs/format.md), and whether the API or the writing commands show it. The tables
in ``config`` (site.yaml) and ``incident_fields`` (incident front matter) drive parsing,
translation overlays, validation messages, the writer and docs/format.md's key tables
(``fielddocs``): adding a field is one row plus a template. MkDocs' ``config_options`` and
Pelican's ``METADATA_PROCESSORS`` are the models.

A reader gets the ``Reading`` (the file's problems, the site's settings, the values read
so far), the raw YAML value and its key path. It returns the value, or ``INVALID`` once
it has recorded why it cannot.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime
from typing import Any

import yaml

from statuspage.errors import Problems, known
from statuspage.model import EMPTY_TEXT, Text
from statuspage.times import TimeError, format_time, parse_time

KeyPath = tuple[str | int, ...]
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_ID = 100  # characters: an id names files and folders (at most 255 bytes, with suffixes)
HTTP_URL = re.compile(r"https?://[^/\s]+\S*")
# 0-9 only: str.isdigit() also takes '²' and '①', which int() refuses; and few of them,
# for int() refuses thousands.
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# What XML (feeds, calendars) cannot carry, and no one types on purpose: a terminal escape
# pasted from a log, a NUL from a broken editor.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")  # what ends a line, here or in a mail


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID: Any = _Invalid()  # what a reader returns once it has recorded an error


@dataclass
class Reading:
    """One file being read: where problems go, and what the readers need to know."""

    problems: Problems
    languages: Sequence[str] = ()
    config: Any = None  # the SiteConfig, once site.yaml is read
    default_language: str | None = None  # a plain string in an incident file is in this one
    values: dict | None = None  # the values of the table being read, so far

    def error(self, message: str, path: KeyPath) -> Any:
        self.problems.error(f"{dotted(path)}: {message}", *path)
        return INVALID


Reader = Callable[[Reading, Any, KeyPath], Any]
Writer = Callable[[str, Any, Any], list[str]]


@dataclass(frozen=True)
class Field:
    """One key of a table."""

    key: str
    read: Reader
    text: bool = False  # a human-readable text a translation may give in its language
    # The hint when it is missing, or a function of (values read before it, the Reading)
    # giving the hint, or None when it may be left out.
    required: str | Callable[[dict, Reading], str | None] | None = None
    default: Any = None  # a value, or a function of the values read before it
    write: Writer | None = None  # the lines that write it back (None: not written)
    omit_default: bool = False  # not written when it equals its default
    doc: str = ""  # what it is for, in docs/format.md (markdown, one line)
    kind: str = ""  # the value it takes, as the docs say it (else the reader's own)
    shown_default: str = ""  # the default as the docs say it (else made from the row)
    api: tuple[str, ...] = ()  # the keys of the API's document that show it
    cli: tuple[str, ...] = ()  # the writing commands' arguments and options that set it
    label: str = ""  # how a message names it ("who is affected"; else the key in words)
    # A fact a translation gives part of (an area's name): (the original's value, the
    # translation's language, its raw value, the Reading) → the value with it.
    overlay: Callable[[Any, str, Any, Reading], Any] | None = None

    def default_for(self, values: dict) -> Any:
        return self.default(values) if callable(self.default) else self.default

    @property
    def value_kind(self) -> str:
        return self.kind or getattr(self.read, "kind", "")

    @property
    def parts(self) -> Sequence[Field]:
        """The keys of a mapping it holds, or of each entry of its list (else none)."""
        return getattr(self.read, "fields", ())

    @property
    def words(self) -> str:
        return self.label or self.key.replace("_", " ")


def described(reader: Any, kind: str, fields: Sequence[Field] = ()) -> Any:
    """``reader``, saying for the docs what kind of value it reads (and, for a mapping or
    a list of them, the table it reads each with)."""
    reader.kind = kind
    if fields:
        reader.fields = fields
    return reader


def read_table(fields: Sequence[Field], data: dict, reading: Reading,
               path: KeyPath = ()) -> dict[str, Any]:
    """Read every field of ``data`` (a mapping) in the table's order: key → value."""
    reading.problems.unknown_keys(data, [f.key for f in fields], *path)
    values: dict[str, Any] = {}
    outer, reading.values = reading.values, values
    try:
        for field in fields:
            if field.key in data:
                values[field.key] = field.read(reading, data[field.key], (*path, field.key))
                continue
            hint = field.required(values, reading) if callable(field.required) \
                else field.required
            if hint:
                reading.problems.error(f"{dotted((*path, field.key))}: missing; {hint}", *path)
                values[field.key] = INVALID
            else:
                values[field.key] = field.default_for(values)
    finally:
        reading.values = outer
    return values


def write_table(fields: Sequence[Field], values: dict, config: Any) -> list[str]:
    """The YAML lines of a table's values, in the table's order; empty values are left out."""
    lines: list[str] = []
    for field in fields:
        value = values.get(field.key)
        if field.write is None or value is None or value is INVALID or value == EMPTY_TEXT:
            continue
        if field.omit_default and value == field.default_for(values):
            continue
        lines += field.write(field.key, value, config)
    return lines


def dotted(path: KeyPath) -> str:
    """``components.2.name`` → ``components.name``: list positions are not names."""
    return ".".join(str(p) for p in path if not isinstance(p, int))


# -- readers ---------------------------------------------------------------------------

def _blank(value: str) -> bool:
    return not value.strip()


def text(required: str | None = None, markdown: bool = False, one_line: bool = False
         ) -> Reader:
    """A human-readable text: one string for every language, or a mapping lang → string.

    ``required`` (a hint) refuses an empty text; ``markdown`` checks what the sanitiser
    would remove; ``one_line`` refuses a line break (a heading, a mail's subject). In an
    incident file a plain string is in the default language.
    """

    def read(reading: Reading, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            values = {"": value.strip()}
        elif isinstance(value, dict):
            values = {}
            for lang, item in value.items():
                if lang not in reading.languages:
                    reading.error(f"unknown language {lang!r} (languages: "
                                  f"{', '.join(reading.languages)})", (*path, lang))
                elif not isinstance(item, str):
                    reading.error(f"{lang}: expected text", (*path, lang))
                else:
                    values[lang] = item.strip()
        else:
            return reading.error("expected text, or a mapping language: text", path)
        if required and (not values or any(map(_blank, values.values()))):
            return reading.error(f"empty; {required}", path)
        for item in values.values():  # written as a YAML escape such as "\x1b"
            if found := CONTROL.search(item):
                return reading.error(f"control character U+{ord(found.group()):04X} (invisible, "
                                     "and not allowed in feeds): delete it", path)
            if one_line and LINE_BREAK.search(item):
                return reading.error("a line break in a text of one line: write it on one "
                                     "line", path)
        if markdown:
            from statuspage.markup import audit

            for lang, item in values.items():
                audit(item, reading.problems.doc.line(*path, lang) if reading.problems.doc
                      else 1, reading.problems)
        if reading.default_language and "" in values and len(reading.languages) > 1:
            values = {reading.default_language: values.pop(""), **values}
        return Text(values)

    return described(read, "markdown text" if markdown else "text")


def plain(reading: Reading, value: Any, path: KeyPath) -> Any:
    """A plain string (a phone number, a code): not a list, not a mapping."""
    if not isinstance(value, str):
        return reading.error("expected a single value such as \"3900\"", path)
    return value.strip() or None


def choice(options: Sequence[Any]) -> Reader:
    """One of ``options`` (an enum's members, or strings)."""
    by_value = {str(option): option for option in options}

    def read(reading: Reading, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, str):
            return reading.error(f"expected one of {', '.join(by_value)}", path)
        if value not in by_value:
            name = path[-1] if isinstance(path[-1], str) else "value"
            return reading.error(f"unknown {name} {value!r} (known: {', '.join(by_value)})",
                                 path)
        return by_value[value]

    return described(read, f"one of {', '.join(by_value)}")


def integer(low: int, high: int, example: int) -> Reader:
    def read(reading: Reading, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
            number = int(value)
            if low <= number <= high:
                return number
        return reading.error(f"expected a whole number from {low} to {high}, e.g. "
                             f"{dotted(path)}: {example}", path)

    return described(read, f"a whole number, {low}–{high}")


def url(reading: Reading, value: Any, path: KeyPath) -> Any:
    problem = url_problem(value.strip().rstrip("/")) if isinstance(value, str) else \
        "expected an address such as https://status.example.com"
    if problem:
        return reading.error(problem, path)
    return value.strip().rstrip("/")


def site_url(reading: Reading, value: Any, path: KeyPath) -> Any:
    problem = site_url_problem(value.strip().rstrip("/")) if isinstance(value, str) else \
        "expected an address such as https://status.example.com"
    if problem:
        return reading.error(problem, path)
    return value.strip().rstrip("/")


def url_problem(address: str) -> str | None:
    """Why ``address`` cannot be the site's or support's address, or None when it can."""
    if HTTP_URL.fullmatch(address):
        return None
    return f"{address!r} is not an http(s) URL such as https://status.example.com"


def site_url_problem(address: str) -> str | None:
    """Why ``address`` cannot be the site's public base, to which every page's path is
    added (a query or a fragment would end up in the middle of each link)."""
    if problem := url_problem(address):
        return problem
    if "?" in address or "#" in address:
        return (f"{address!r} has a query or a fragment (?… or #…): the site's address is "
                "the base every page's path is added to; remove it")
    return None


def time(reading: Reading, value: Any, path: KeyPath) -> Any:
    if not isinstance(value, str):
        return reading.error("expected a time such as 2026-11-20 09:00", path)
    try:
        return parse_time(value, reading.config.timezone)
    except TimeError as err:
        return reading.error(str(err), path)


def boolean(reading: Reading, value: Any, path: KeyPath) -> Any:
    """``true`` or ``false`` (``yes`` and ``no`` too)."""
    word = value.strip().lower() if isinstance(value, str) else None
    if word in ("true", "yes"):
        return True
    if word in ("false", "no"):
        return False
    return reading.error(f"expected true or false, e.g. {dotted(path)}: true", path)


def day(reading: Reading, value: Any, path: KeyPath) -> Any:
    """A date, ``YYYY-MM-DD``, between 1970 and 2200."""
    try:
        found = date_type.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None or not 1970 <= found.year <= 2200 or len(value) != 10:
        return reading.error(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2024-03-01",
                             path)
    return found


def slug(reading: Reading, value: Any, path: KeyPath) -> Any:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        return reading.error(f"{value!r} is not an id: lowercase letters, digits and '-', "
                             "e.g. fibre-lyon", path)
    if len(value) > MAX_ID:
        return reading.error(f"the id {value[:20]}… is {len(value)} characters long: at most "
                             f"{MAX_ID} (it names a folder of the site); shorten it", path)
    return value


def section(fields: Sequence[Field]) -> Reader:
    """A mapping read with its own table."""

    def read(reading: Reading, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            return reading.error(f"expected a mapping with {known(f.key for f in fields)}",
                                 path)
        return read_table(fields, value, reading, path)

    return described(read, "a mapping", fields)


def entries(fields: Sequence[Field], what: str, most: int | None = None) -> Reader:
    """A list of mappings, each read with ``fields`` and identified by a unique ``id``; at
    most ``most`` of them."""

    def read(reading: Reading, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, list):
            return reading.error(f"expected a list of {what}, each with an id and a name", path)
        if most is not None and len(value) > most:
            return reading.error(f"{len(value)} {what}: at most {most}, each shown on every "
                                 "page: group the small ones", path)
        found, seen = [], set()
        for index, item in enumerate(value):
            where = (*path, index)
            if not isinstance(item, dict):
                reading.error(f"each entry needs an id and a name, e.g. - id: {what[:-1]}",
                              where)
                continue
            values = read_table(fields, item, reading, where)
            if values["id"] is INVALID:
                continue
            if values["id"] in seen:
                reading.error(f"duplicate id {values['id']!r}", (*where, "id"))
                continue
            seen.add(values["id"])
            found.append({**values, "at": where})
        return found

    return described(read, f"a list of {what}", fields)


# What each reader above reads, as the docs say it.
described(plain, "a string")
described(url, "an http(s) URL")
described(site_url, "an http(s) URL")
described(time, "a time")
described(boolean, "true or false")
described(day, "a date, YYYY-MM-DD")
described(slug, "an id")


# -- writers ---------------------------------------------------------------------------

def scalar(value: str) -> str:
    """A string as one YAML scalar, quoted only when it must be."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def write_text(key: str, value: Text, config: Any) -> list[str]:
    if set(value) <= {config.default_language, ""} and len(value) == 1:
        return [f"{key}: {scalar(next(iter(value.values())))}"]
    mapping = yaml.safe_dump(dict(value), allow_unicode=True, width=10**9,
                             default_flow_style=True).strip()
    return [f"{key}: {mapping}"]


def write_plain(key: str, value: Any, config: Any) -> list[str]:
    return [f"{key}: {value}"]


def write_time(key: str, value: datetime, config: Any) -> list[str]:
    return [f"{key}: {format_time(value, config.timezone)}"]
