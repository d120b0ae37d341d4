"""The support desk's file of an incident, ``incidents/<id>.internal.md``: pure parsing.

Front matter (``INTERNAL_FIELDS``): ``say``, what to tell a customer who calls; ``do``,
what agents may do (each a text, or a mapping language → text); ``tags``, the words
agents search by. The body holds internal notes, each under ``## YYYY-MM-DD HH:MM`` (the
times of updates: site zone unless an offset follows), newest first.

Only the desk edition's loader (``statuspage.content.edition``) reads these files; the public build
never does.
"""

from __future__ import annotations

import re
from typing import Any

from statuspage.content import document, yamlsource
from statuspage.content.schema import Field, Reading, read_table, text
from statuspage.errors import Problems
from statuspage.markup import audit
from statuspage.model import EMPTY_TEXT, Internal, Note, SiteConfig
from statuspage.times import TimeError, format_time, parse_time

SUFFIX = ".internal.md"
NOTE_HINT = "write it as '## YYYY-MM-DD HH:MM', the note below it"
TAG = re.compile(r"[^\s,#][^,#]{0,39}")
# What `statuspage note` writes when it creates the file: the fields, commented out.
TEMPLATE = """---
# Internal: never published. Only the support desk edition shows it.
# say: what to tell a customer who calls (a text, or {fr: …, en: …})
# do: what agents may do, e.g. a goodwill gesture, when to escalate
# tags: [words, agents, search, by]
---
"""


def _tags(reading: Reading, value: Any, path) -> Any:
    if not isinstance(value, list):
        return reading.error("expected a list of words, e.g. tags: [billing, refund]", path)
    found: list[str] = []
    for index, item in enumerate(value):
        word = item.strip() if isinstance(item, str) else None
        if word is None or not TAG.fullmatch(word):
            reading.problems.error("tags: each tag is a word or a few (up to 40 characters, "
                                   "no comma or #), e.g. tags: [billing, refund]", *path, index)
        elif word.lower() in (t.lower() for t in found):
            reading.problems.error(f"tags: {word!r} is listed twice", *path, index)
        else:
            found.append(word)
    return tuple(found)


INTERNAL_FIELDS = [
    Field("say", text(required="what should an agent tell a customer who calls?",
                      markdown=True), cli=("--say",), doc="what to tell a customer who calls"),
    Field("do", text(required="what may an agent do (a goodwill gesture, an escalation)?",
                     markdown=True), cli=("--do",),
          doc="what agents may do: a goodwill gesture, an escalation"),
    Field("tags", _tags, default=(), kind="a list of words", cli=("--tags",),
          doc="the words agents search by (up to 40 characters each, no comma or #)"),
]


def parse_internal(path: str, text_: str, config: SiteConfig, problems: Problems) -> Internal:
    """An internal file's fields and notes; its problems in ``problems`` (each at its line)."""
    try:
        meta_text, meta_line, body, body_line = document.split_front_matter(text_)
        meta = yamlsource.load(meta_text, meta_line)
    except (document.FrontMatterProblem, yamlsource.YAMLProblem) as err:
        problems.error(str(err), line=err.line)
        return Internal(path=path)
    problems.doc = meta
    data = meta.value
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error("front matter: expected the fields say, do and tags, e.g. "
                       "say: The fix is planned for tonight.", line=2)
        data = {}
    reading = Reading(problems, config.languages, config, config.default_language)
    values = read_table(INTERNAL_FIELDS, data, reading)
    notes = split_notes(body, body_line, config, problems)
    return Internal(say=values["say"] or EMPTY_TEXT, do=values["do"] or EMPTY_TEXT,
                    tags=values["tags"] or (), notes=notes, path=path)


def split_notes(body: str, first_line: int, config: SiteConfig,
                problems: Problems) -> tuple[Note, ...]:
    """The notes under their ``## time`` headings, newest first."""
    lines = body.split("\n")
    marks = list(document.headings(lines))
    before = "\n".join(lines[:marks[0].index] if marks else lines).strip()
    if before:
        skipped = next(n for n, line in enumerate(lines) if line.strip())
        problems.error(f"text outside a note: put it under a heading, {NOTE_HINT}",
                       line=first_line + skipped)
    ends = [m.index for m in marks[1:]] + [len(lines)] if marks else []
    notes = []
    for mark, end in zip(marks, ends, strict=True):
        line = first_line + mark.index
        heading = document.HEADING.fullmatch(mark.text)
        when_text = heading["rest"] if heading else mark.text
        try:
            when = parse_time(when_text, config.timezone)
        except TimeError as err:
            problems.error(f"note heading {mark.text!r} is not a time: {NOTE_HINT} ({err})",
                           line=line)
            continue
        chunk = lines[mark.index + 1:end]
        note = "\n".join(chunk).strip()
        if not note:
            problems.error(f"empty note under {mark.text!r}: write the note below its heading, "
                           "or remove the heading", line=line)
            continue
        skipped = next(n for n, text_line in enumerate(chunk) if text_line.strip())
        audit(note, line + 1 + skipped, problems)
        notes.append(Note(when, note, line))
    notes.sort(key=lambda n: n.time, reverse=True)  # stable: at one time, as written
    return tuple(notes)


def note_heading(when, config: SiteConfig) -> str:
    return f"## {format_time(when, config.timezone)}"


def insert_note(text_: str, block: str) -> str:
    """Put ``block`` before the first note (notes are newest first)."""
    lines = document.lines_of(text_)
    start = document.front_matter_end(lines) + 1
    index = next((h.index + start for h in document.headings(lines[start:])), None)
    if index is not None:
        return "".join(lines[:index]) + block + "\n" + "".join(lines[index:])
    head = text_.rstrip("\n")
    return head + ("\n" if head.endswith("---") else "\n\n") + block
