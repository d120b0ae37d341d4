"""What Python-Markdown would take minutes on, or could not convert at all: the limits
``markup.audit`` holds every text to before it is converted.

Python-Markdown reads some texts in quadratic time, and nests lists and quotes by
recursion. Each slow path below gets an estimate of the work it does on a text, in one
unit; the estimates of all the markdown of one file add up, and past MAX_COST the file
is refused, at the text where it tips over, with what to change there. The weights come
from measurement (benchmarks/slow_markdown.py converts each kind at its limit), so that
every kind costs about as much at MAX_COST; text a person writes is far within it.
"""

from __future__ import annotations

import bisect
import re

MAX_COST = 1_000_000_000
# Deeper lists and quotes overflow Python's stack ("- " 3,000 times on a line); real
# text nests three or four, and YAML in the same files is held to the same 16.
MAX_DEPTH = 16
# Fence lines beyond this are not worth modelling one by one: no real text has them.
MAX_FENCE_LINES = 10_000

_SLOW = "the pages would take minutes to render"
_FIXES = {
    # From each "<" that may open a tag, the standard library's HTMLParser reads to the
    # end of the text (quadratic in the '<' that open nothing); from each "[" Python-Markdown
    # reads to the end of its paragraph for the "(" of a link.
    "scans": "too many '<' or '[' that open nothing, in long paragraphs or long texts: "
             f"{_SLOW}; write &lt; or \\[ for those that are not markup, or split long "
             "paragraphs with blank lines",
    # Each emphasis, code span, entity, escape or line break found rewrites the paragraph,
    # and an emphasis that never closes is looked for to the paragraph's end.
    "marks": "too many * _ ` & \\ or line breaks in one paragraph: "
             f"{_SLOW}; split it with blank lines, or put code and logs in a ``` fence",
    # A heading or rule inside a paragraph splits it, and every table, heading and rule
    # test reads the rest of it again.
    "splits": "too many headings or rules (#, ---, ===) without a blank line between them: "
              f"{_SLOW}; put a blank line before and after each",
    # Python-Markdown looks for the end of each fence that never closes to the end of
    # the text, and again after each fence that does.
    "fences": "too many ``` or ~~~ lines that open a code fence never closed: "
              f"{_SLOW}; close each fence with a line of the same marks",
    # Lists, quotes and indented lines cost in proportion to their length and depth.
    "length": f"too much markdown in one file: {_SLOW}; split the incident in several files, "
              "or put long logs in a ``` fence",
}
# The weight of one unit of each estimate, measured (benchmarks/slow_markdown.py).
_WEIGHTS = {"scans": 100, "marks": 6, "splits": 3, "fences": 120, "length": 1}
PER_LINE = 50_000  # a line; each level of lists or quotes it is in adds as much
PER_ROW = 2 * PER_LINE  # what a line with a "|" adds (a table row: the costliest line)
PER_SPLIT_LINE = 750  # a line read again after a split

_TAG_START = re.compile(r"<[A-Za-z/]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FENCE = re.compile(r"^(`{3,}|~{3,})([^\n]*)$", re.M)
# What may follow an opening fence on its line (fenced_code's FENCED_BLOCK_RE).
_OPENS = re.compile(r"[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=([\"']).*?\1[ ]*)?)")
# A line: its indentation, the list and quote markers that open it, the rest.
_LEAD = re.compile(r"^([ \t]*)((?:(?:[-*+]|\d+[.)])(?:[ \t]+|$)|>[ \t]?)*)(.*)$", re.M)
_MARKER = re.compile(r"[-*+>]|\d+[.)]")
_MARKS = ("*", "_", "`", "&", "\\", "  \n")
_ROW = re.compile(r"^[^\n|]*\|", re.M)
_SPLIT = re.compile(r"^(?:#|[ ]{0,3}(?:[-_*][ ]*){3,}$|[=-]+[ ]*$)", re.M)
# A character reference to what is not a character a page or feed can hold: NUL and the
# controls (as the loader refuses them written out), surrogates, non-characters.
_REFERENCE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?")


def _not_a_character(code: int) -> bool:
    return (code < 0x20 and code not in (0x9, 0xA, 0xD)) or code == 0x7F \
        or 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF \
        or code & 0xFFFE == 0xFFFE or code > 0x10FFFF


def bad_reference(text: str) -> tuple[int, str] | None:
    """(offset, message) for the first ``&#…;`` that stands for no publishable character:
    the HTML sanitiser turns ``&#xfffe;`` into U+FFFE, which feeds refuse."""
    if "&#" not in text:
        return None
    for found in _REFERENCE.finditer(text):
        digits, base = (found[1], 16) if found[1] else (found[2], 10)
        code = int(digits, base) if len(digits.lstrip("0")) <= 8 else 0x110000
        if _not_a_character(code):
            what = f"U+{code:04X}" if code <= 0x10FFFF else "no character"
            return found.start(), (f"{found.group()} stands for {what}, which a page or a feed "
                                   "cannot hold: delete it")
    return None


def _fences(text: str) -> tuple[str, int, int, int]:
    """``text`` with the lines of each closed code fence replaced by "x" (lines kept, so
    are paragraphs), the fences that never close and those that do, as Python-Markdown's
    fenced_code finds them (the first opening line with a closing one after it), and the
    lines the closed ones hold: Python-Markdown sets each aside whole, at no cost a line."""
    lines = list(_FENCE.finditer(text))
    if len(lines) > MAX_FENCE_LINES:
        return text, len(lines), len(lines), 0
    closers: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if not line[2].strip(" "):
            closers.setdefault(line[1], []).append(index)
    parts, done, unclosed, closed, index, fenced = [], 0, 0, 0, 0, 0
    while index < len(lines):
        line = lines[index]
        if _OPENS.fullmatch(line[2]):
            after = closers.get(line[1], [])
            found = bisect.bisect_right(after, index)
            if found < len(after):
                end = lines[after[found]].end()
                count = text.count("\n", line.start(), end) + 1
                parts += [text[done:line.start()], "\n".join("x" * count)]
                fenced += count
                done, closed, index = end, closed + 1, after[found] + 1
                continue
            unclosed += 1
        index += 1
    return "".join([*parts, text[done:]]), unclosed, closed, fenced


def too_deep(outside: str) -> tuple[int, int] | None:
    """(line from 0, depth) of the first line that nests lists or quotes beyond MAX_DEPTH."""
    for line in _LEAD.finditer(outside):
        if line[2] and _depth(line) > MAX_DEPTH:
            return outside.count("\n", 0, line.start()), _depth(line)
    return None


def _depth(line: re.Match) -> int:
    return len(line[1].expandtabs(4)) // 4 + len(_MARKER.findall(line[2]))


def _line_units(outside: str) -> int:
    """Each line, and each level of lists or quotes it is in: Python-Markdown reads a
    list's lines again at each level. An indented line counts its indentation only inside
    a list (elsewhere it is code, read once)."""
    units, depth, blank = 0, 0, False
    for line in _LEAD.finditer(outside):
        indent = len(line[1].expandtabs(4)) // 4
        if line[2]:
            depth = _depth(line)
            units += 1 + depth
        elif line[3].strip():
            if blank and not indent:
                depth = 0  # a paragraph after a blank line ends the list
            units += 1 + min(indent, depth)
        else:
            units += 1
        blank = not line[2] and not line[3].strip()
    return units


def conversion_cost(text: str, outside: str, unclosed: int, closed: int,
                    fenced: int) -> tuple[int, str, int]:
    """The estimated work of converting ``text`` (the rest from ``_fences``): MAX_COST
    units for the worst a file may hold, the kind of work that costs most, and the line of
    ``text`` (from 0) where it starts."""
    fence = _FENCE.search(text) if unclosed else None
    costs = {"fences": (unclosed * len(text) * (closed + 1),
                        text.count("\n", 0, fence.start()) if fence else 0),
             "length": (PER_LINE * (outside.count("\n") + 1 - fenced), 0)}
    if sum(cost * _WEIGHTS[kind] for kind, (cost, _) in costs.items()) > MAX_COST:
        # Refused without reading line by line (a megabyte of short lines): bounds name
        # what costs most.
        costs.update(_paragraph_costs(outside, exact=False))
    else:
        rows = len(_ROW.findall(outside))
        costs["length"] = (PER_LINE * (_line_units(outside) - fenced) + PER_ROW * rows, 0)
        costs.update(_paragraph_costs(outside))
        costs["scans"] = _scans(outside)
    weighted = {kind: (cost * _WEIGHTS[kind], where) for kind, (cost, where) in costs.items()}
    kind = max(weighted, key=lambda k: weighted[k][0])
    return sum(cost for cost, _ in weighted.values()), kind, weighted[kind][1]


def _paragraphs(text: str):
    """(start, end) of each paragraph: the text between blank lines."""
    start = 0
    for blank in _BLANK_LINE.finditer(text):
        yield start, blank.start()
        start = blank.end()
    yield start, len(text)


def _paragraph_costs(text: str, exact: bool = True) -> dict[str, tuple[int, int]]:
    """Emphasis and the like, and headings and rules that split a paragraph: each costs a
    reading of its whole paragraph (not ``exact``: of the whole text, a bound)."""
    length, lines = len(text), text.count("\n") + 1
    marks = sum(text.count(mark) for mark in _MARKS)
    splits = len(_SPLIT.findall(text))
    costs = {"marks": (marks * length, 0),
             "splits": (splits * (lines * PER_SPLIT_LINE + length), 0)}
    if not exact or sum(cost * _WEIGHTS[kind] for kind, (cost, _) in costs.items()) \
            <= MAX_COST // 100:
        return costs  # most texts: an upper bound is enough
    costs = {"marks": (0, 0), "splits": (0, 0)}
    worst = dict.fromkeys(costs, 0)
    for start, end in _paragraphs(text):
        size, count = end - start, text.count("\n", start, end) + 1
        for kind, cost in (("marks", size * sum(text.count(m, start, end) for m in _MARKS)),
                           ("splits", len(_SPLIT.findall(text, start, end))
                            * (count * PER_SPLIT_LINE + size))):
            total, where = costs[kind]
            if cost > worst[kind]:
                worst[kind], where = cost, text.count("\n", 0, start)
            costs[kind] = (total + cost, where)
    return costs


def _scans(outside: str) -> tuple[int, int]:
    """What HTMLParser reads from each "<" that may open a tag to the end of the text, and
    Python-Markdown from each "[" to the end of its paragraph (code fences are set aside
    before either reads)."""
    length = len(outside)
    bound = length * (outside.count("<") + outside.count("["))
    if bound * _WEIGHTS["scans"] <= MAX_COST // 100:
        return bound, 0  # most texts: short, or with few of either (a bound is enough)
    tags = [m.start() for m in _TAG_START.finditer(outside)]
    cost = sum(length - start for start in tags)
    worst, where = cost, (outside.count("\n", 0, tags[0]) if tags else 0)
    for start, end in _paragraphs(outside):
        opened = outside.count("[", start, end)
        paragraph = opened * (end - start)
        cost += paragraph
        if paragraph > worst:
            worst, where = paragraph, outside.count("\n", 0, outside.index("[", start, end))
    return cost, where


def within_limits(text: str, first_line: int, problems) -> bool:
    """Refuse markdown that cannot be published (a reference to a non-character), nests
    too deep (MAX_DEPTH) or would take minutes to convert (MAX_COST, over the whole file),
    at its line; whether the text may be converted."""
    outside, unclosed, closed, fenced = _fences(text)
    refused = bad_reference(outside)  # in a fence, "&" is a character
    if refused:
        problems.error(refused[1], line=first_line + outside.count("\n", 0, refused[0]))
    if PER_LINE * (outside.count("\n") - fenced) <= MAX_COST and (deep := too_deep(outside)):
        problems.error(f"lists or quotes nested {deep[1]} deep: at most {MAX_DEPTH} levels; "
                       "indent less, or put the text in a ``` fence", line=first_line + deep[0])
        return False  # not converted: Python-Markdown would overflow the stack
    cost, kind, where = conversion_cost(text, outside, unclosed, closed, fenced)
    problems.markup_cost += cost
    if problems.markup_cost > MAX_COST:  # not converted, not even to audit it
        if problems.markup_cost - cost <= MAX_COST:  # said once, where it tips over
            problems.error(_FIXES[kind], line=first_line + where)
        return False
    return not refused
