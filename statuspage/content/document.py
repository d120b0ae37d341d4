"""The shape of a content file: front matter between ``---`` lines, then a markdown body
whose ``## YYYY-MM-DD HH:MM · status`` headings open the updates.

One reading of that shape, for the loader and the writer alike: where the front matter
ends, and which lines are headings (not inside a fenced code block, with the fence
rules of Python-Markdown, which renders the body).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from statuspage.times import format_time

if TYPE_CHECKING:
    from statuspage.model import SiteConfig, Update

HEADING = re.compile(r"##(?!#)\s*(?P<rest>.*?)\s*")
# Between time and status: the middle dot the CLI writes, or what any keyboard has (a
# hyphen, an en or em dash, a bar; "·" is hard to type on AZERTY).
SEPARATORS = "·-–—|"
UPDATE_HEADING = re.compile(r"(?P<time>\d{4}-\d{2}-\d{2}[ T][0-9:]+(?:\s?(?:Z|[+-][0-9:]+))?)"
                            rf"\s+[{re.escape(SEPARATORS)}]\s+(?P<status>\S+)")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})")
_FENCE_MARKS = frozenset("`~")  # what a fence's line starts with, after its spaces
HEADING_HINT = "write it as '## YYYY-MM-DD HH:MM · status' or '## YYYY-MM-DD HH:MM - status'"


class FrontMatterProblem(ValueError):
    """The file has no front matter block, or it is not closed."""

    line = 1


def lines_of(text: str) -> list[str]:
    """The lines of a content file, each with its ``\n``: only ``\n`` ends a line (files
    are read with their line endings made ``\n``), not the form feeds and separators that
    ``str.splitlines`` also breaks on, so that line numbers are the editor's."""
    parts = text.split("\n")
    found = [part + "\n" for part in parts[:-1]]
    return found + [parts[-1]] if parts[-1] else found


def front_matter_end(lines: list[str]) -> int:
    """The index of the ``---`` line that closes the front matter."""
    if not lines or lines[0].strip() != "---":
        raise FrontMatterProblem("missing front matter: start the file with a line '---', "
                                 "the fields, then '---'")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return index
    raise FrontMatterProblem("front matter is not closed: add a line '---' after the last field")


def split_front_matter(text: str) -> tuple[str, int, str, int]:
    """(front matter text, its first line, body, the body's first line); pure."""
    lines = lines_of(text)
    end = front_matter_end(lines)
    return "".join(lines[1:end]), 2, "".join(lines[end + 1:]), end + 2


@dataclass(frozen=True)
class Heading:
    """A level-2 heading of the body: its line index in the lines scanned, and whether it
    is an update's (``time`` and ``status`` then say which)."""

    index: int
    text: str
    time: str | None = None
    status: str | None = None


def headings(lines: list[str]) -> Iterator[Heading]:
    """The ``##`` headings among ``lines``, skipping fenced code blocks."""
    fence: str | None = None
    for index, line in enumerate(lines):
        if line[:2] != "##" and line.lstrip(" ")[:1] not in _FENCE_MARKS:
            continue  # (most lines: neither a heading nor a fence, nothing to match)
        fence, heading = _read_line(index, line, fence)
        if heading is not None:
            yield heading


def _read_line(index: int, line: str, fence: str | None) -> tuple[str | None, Heading | None]:
    """The fence open after ``line`` (``fence``: the one open before it, None for none),
    and the heading it is."""
    line = line.rstrip("\r\n")
    opening = _FENCE.match(line)
    if fence is not None:
        if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(
                fence) and not line.strip().strip(fence[0]):
            return None, None
        return fence, None
    if opening:
        return opening["fence"], None
    match = HEADING.fullmatch(line)
    if not match:
        return None, None
    update = UPDATE_HEADING.fullmatch(match["rest"])
    return None, Heading(index, line.strip(), update and update["time"],
                         update and update["status"])


def first_update(lines: list[str], start: int = 0) -> int | None:
    """The index of the first update heading at or after ``start``, or None."""
    return next((h.index + start for h in headings(lines[start:]) if h.time), None)


def update_heading(update: Update, config: SiteConfig) -> str:
    """The heading the writer gives an update: ``## YYYY-MM-DD HH:MM · status``."""
    return f"## {format_time(update.time, config.timezone)} · {update.status}"
