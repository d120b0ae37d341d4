"""Edits of an incident file's text that keep every other line as it was written: a key of
the front matter set or removed, a block replaced, an update put on top."""

from __future__ import annotations

import re
from datetime import datetime

from statuspage.content import document
from statuspage.errors import StatusPageError
from statuspage.model import SiteConfig
from statuspage.times import format_time


def insert_update(text: str, block: str) -> str:
    """Put ``block`` before the first update heading (updates are newest first)."""
    lines = document.lines_of(text)
    try:
        start = document.front_matter_end(lines) + 1
    except document.FrontMatterProblem as err:
        raise StatusPageError(str(err)) from None
    index = document.first_update(lines, start)
    if index is not None:
        return "".join(lines[:index]) + block + "\n" + "".join(lines[index:])
    head = text.rstrip("\n")
    return head + ("\n" if head.endswith("---") else "\n\n") + block


def set_block(text: str, key: str, lines_below: list[str]) -> str:
    """Replace a top-level key of the front matter (its line and the indented or ``-`` lines
    under it) with ``key:`` and ``lines_below``, where it was."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    first = next((i for i in range(1, end) if pattern.match(lines[i])), None)
    if first is None:
        raise StatusPageError(f"no {key}: line in the front matter")
    last = first + 1
    while last < end and (lines[last].startswith((" ", "\t", "-")) or not lines[last].strip()):
        last += 1
    while last - 1 > first and not lines[last - 1].strip():  # blank lines after it stay
        last -= 1
    lines[first:last] = [f"{key}:\n", *(line + "\n" for line in lines_below)]
    return "".join(lines)


def set_line(text: str, key: str, line: str) -> str:
    """Replace a top-level key of the front matter (its line and the lines indented under
    it) with one ``line``; add it when there is none."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    first = next((i for i in range(1, end) if pattern.match(lines[i])), None)
    if first is None:
        return set_front_matter(text, key, line.split(":", 1)[1].strip())
    last = first + 1
    while last < end and lines[last].startswith((" ", "\t")):
        last += 1
    lines[first:last] = [line + "\n"]
    return "".join(lines)


def set_front_matter(text: str, key: str, value: str | None) -> str:
    """Set (or with None remove) one top-level ``key: value`` line, keeping the rest."""
    lines = document.lines_of(text)
    end = document.front_matter_end(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    for index in range(1, end):
        if pattern.match(lines[index]):
            if value is None:
                del lines[index]
            else:
                lines[index] = f"{key}: {value}\n"
            return "".join(lines)
    if value is not None:
        anchor = next((i + 1 for i in range(1, end) if lines[i].startswith("started:")), end)
        lines.insert(anchor, f"{key}: {value}\n")
    return "".join(lines)


def set_window(text: str, start: datetime, end: datetime, config: SiteConfig) -> str:
    """Write the ``maintenance:`` window of the front matter as a block, keeping the rest."""
    lines = document.lines_of(text)
    end_line = document.front_matter_end(lines)
    first = next(i for i in range(1, end_line) if re.match(r"maintenance\s*:", lines[i]))
    last = first + 1
    while last < end_line and lines[last].startswith((" ", "\t")):
        last += 1
    tz = config.timezone
    lines[first:last] = ["maintenance:\n", f"  start: {format_time(start, tz)}\n",
                         f"  end: {format_time(end, tz)}\n"]
    return "".join(lines)
