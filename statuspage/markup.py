"""Markdown from staff → safe HTML. The one configured Markdown, sanitised in one place.

Also the two ways back to words: ``audit`` says what the sanitiser would remove (a
warning at the line it is on), ``plain_text`` gives the text customers read, for the API
and calendars.
"""

from __future__ import annotations

import bisect
import re
import threading
from functools import lru_cache
from html.parser import HTMLParser

import markdown
import nh3
from markupsafe import Markup

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Removed with their content, not just their tags.
DROPPED_WITH_CONTENT = {"script", "style"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
# Every text of a 10,000-incident site fits (about 50,000): each is converted once.
CACHED = 1 << 17


_local = threading.local()
# The inline patterns that look for the "]" closing a "[" (links, images, references).
BRACKETED = ("reference", "link", "image_link", "image_reference", "short_reference",
             "short_image_ref")


class _Brackets:
    """Python-Markdown's ``getText`` in constant time: for each "[" it scans to the "]"
    that closes it, to the end of the paragraph when none does: quadratic, so a paragraph
    of many "[" could take minutes. Here the closing "]" of every "[" is found in
    one pass over the paragraph, the same answers.

    Python-Markdown replaces each link it reads by a placeholder and reads on after it:
    the text after the link is the text before, shifted. Where a "[" closes depends only
    on what follows it, so the pass is reused, shifted, rather than made again at each
    link (a paragraph of 1,000 links made 1,000 passes)."""

    def __init__(self, original):
        self.original = original
        self.data: str | None = None
        self.base = ""  # the text the pass was made on
        self.shift = 0  # where its characters are now, in ``data``
        self.closing: dict[int, int] = {}

    def get_text(self, data: str, index: int) -> tuple[str, int, bool]:
        if index < 1 or data[index - 1] != "[":
            return self.original(data, index)  # not after a "[": never the case, but exact
        if data is not self.data:  # a new paragraph, or one with a link replaced
            self._follow(data, index - 1)
        end = self.closing.get(index - 1 - self.shift)
        if end is None:
            return data[index:], len(data), False
        end += self.shift
        return data[index:end], end + 1, True

    def _follow(self, data: str, start: int) -> None:
        shift = len(data) - len(self.base)
        if start >= shift and data[start:] == self.base[start - shift:]:
            self.data, self.shift = data, shift  # the same text from ``start`` on
            return
        opened: list[int] = []
        closing = {}
        for position, char in enumerate(data):
            if char == "[":
                opened.append(position)
            elif char == "]" and opened:
                closing[opened.pop()] = position
        self.data, self.base, self.shift, self.closing = data, data, 0, closing


def preload() -> None:
    """Build this thread's Markdown now: once in a process that then forks
    workers, instead of once in each worker of each build."""
    _markdown()


def _markdown() -> markdown.Markdown:
    """The one configured Markdown, built once per thread and reset between texts."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        for name in BRACKETED:
            pattern = md.inlinePatterns[name]
            pattern.getText = _Brackets(pattern.getText).get_text  # type: ignore[attr-defined]
    return md.reset()


# A text Markdown would only wrap in a paragraph: one line, no markup character anywhere
# (emphasis, code, links, HTML, entities, escapes, tables, tildes), and no block marker
# at its start (list, heading, quote, rule, fence, numbered item). Most updates are such
# sentences; tests/test_markup.py holds this to what Python-Markdown makes of them.
_PLAIN = re.compile(r"(?![-+=#>\d])[^\x00-\x20\x7f\\`*_\[\]<>&|~][^\x00-\x1f\x7f\\`*_\[\]<>&|~]*")


def plain_paragraph(text: str) -> bool:
    """True when ``text`` converts to ``<p>text</p>`` and nothing else."""
    return _PLAIN.fullmatch(text) is not None and not text[-1].isspace() \
        and not text[0].isspace()


@lru_cache(maxsize=CACHED)
def _raw_html(text: str) -> str:
    """Converted once: the load-time audit and the page render share the result."""
    if plain_paragraph(text):
        return f"<p>{text}</p>"  # what Markdown returns, without its three passes
    try:
        return _markdown().convert(text)
    except BaseException:
        # A converter that failed half-way (a RecursionError deep in its parser) keeps
        # broken state and would leave every later text unconverted: this thread makes a
        # new one.
        _local.md = None
        raise


# One sanitiser for every text: nh3.clean() builds one per call from these sets, which
# costs more than the cleaning of a short text.
_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    clean_content_tags=DROPPED_WITH_CONTENT,
    link_rel="noopener noreferrer",
)


@lru_cache(maxsize=CACHED)
def render(text: str) -> Markup:
    """Staff markdown as HTML that is safe to put in a page or a feed."""
    return Markup(_CLEANER.clean(_raw_html(text)))


@lru_cache(maxsize=CACHED)
def render_inline(text: str) -> Markup:
    """A one-paragraph field (who is affected, what to do) without its <p>."""
    html = render(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return Markup(html[3:-4])
    return html


class _Audit(HTMLParser):
    """What the sanitiser removes: (what, a word to find it by in the markdown)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stripped: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.stripped.append((f"the <{tag}> tag", f"<{tag}"))
            return
        allowed = ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if tag == "code" and name == "class" and (value or "").startswith("language-"):
                continue  # a fenced block's language: nothing the reader loses
            if name not in allowed:
                self.stripped.append((f"the {name} attribute of <{tag}>", name))
            elif name == "href" and value and ":" in value.split("/")[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                if scheme not in URL_SCHEMES:
                    self.stripped.append((f"the {scheme}: link", f"{scheme}:"))

    def handle_comment(self, data):
        self.stripped.append(("an HTML comment", "<!--"))


# What markdown alone can make that the sanitiser strips: raw HTML and autolinks (they need
# a "<"), images, level-1 and level-2 headings (setext ones too), attribute lists on a
# fence, entities (an encoded scheme), and links with a scheme (checked below). A text
# with none of these needs no conversion to know nothing is stripped.
_MAYBE_STRIPPED = re.compile(
    r"<|!\[|&#|&[A-Za-z]+;|(?<!#)#{1,2}(?!#)|^[\s>*+\d.=-]*[=-][ \t]*$"
    r"|^ {0,3}(?:`{3,}|~{3,})[^\n]*\{", re.M)
_SCHEME = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):|^ {0,3}\[[^\]\n]+\]:\s*<?"
                     r"([A-Za-z][A-Za-z0-9+.-]*):", re.M)


def surely_clean(text: str) -> bool:
    """True when ``text`` cannot hold anything the sanitiser strips (when unsure: False)."""
    if _MAYBE_STRIPPED.search(text):
        return False
    return all((m[1] or m[2]).lower() in URL_SCHEMES for m in _SCHEME.finditer(text))


@lru_cache(maxsize=CACHED)
def _stripped(text: str) -> tuple[tuple[str, str], ...]:
    if surely_clean(text):
        return ()
    audit = _Audit()
    audit.feed(_raw_html(text))
    audit.close()
    return tuple(dict.fromkeys(audit.stripped))


def stripped(text: str) -> list[str]:
    """What the sanitiser removes from this markdown: empty when nothing is lost."""
    return [what for what, _ in _stripped(text)]


# -- what Python-Markdown would take minutes on -------------------------------------------
#
# Python-Markdown reads some texts in quadratic time, and nests lists and quotes by
# recursion. Each slow path below gets an estimate of the work it does on a text, in one
# unit; the estimates of all the markdown of one file add up, and past MAX_COST the file
# is refused, at the text where it tips over, with what to change there. The weights are
# set so that the costliest kind at MAX_COST converts in under half a second of processor
# time (benchmarks/slow_markdown.py converts each kind at its limit). The shipped example
# uses a quarter of a percent of it.
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


def audit(text: str, first_line: int, problems) -> None:
    """Warn about each thing the sanitiser would remove, at the line it is written on
    (``first_line`` is the text's first line in its file); refuse markdown that cannot be
    published (a reference to a non-character), nests too deep (MAX_DEPTH) or would take
    minutes to convert (MAX_COST, over the whole file)."""
    if not text or plain_paragraph(text):
        return

    outside, unclosed, closed, fenced = _fences(text)
    refused = bad_reference(outside)  # in a fence, "&" is a character
    if refused:
        problems.error(refused[1], line=first_line + outside.count("\n", 0, refused[0]))
    if PER_LINE * (outside.count("\n") - fenced) <= MAX_COST and (deep := too_deep(outside)):
        problems.error(f"lists or quotes nested {deep[1]} deep: at most {MAX_DEPTH} levels; "
                       "indent less, or put the text in a ``` fence", line=first_line + deep[0])
        return  # not converted: Python-Markdown would overflow the stack
    cost, kind, where = conversion_cost(text, outside, unclosed, closed, fenced)
    problems.markup_cost += cost
    if problems.markup_cost > MAX_COST:  # not converted, not even to audit it
        if problems.markup_cost - cost <= MAX_COST:  # said once, where it tips over
            problems.error(_FIXES[kind], line=first_line + where)
        return
    if refused:
        return
    lines = text.lower().split("\n")
    for what, needle in _stripped(text):
        found = next((n for n, line in enumerate(lines) if needle.lower() in line), 0)
        problems.warn(f"{what} is removed from the published page: write plain markdown "
                      "instead", line=first_line + found)


@lru_cache(maxsize=CACHED)
def plain_text(text: str) -> str:
    """An update's body for the API: its markdown source, which reads as plain text; but
    when the sanitiser would strip something from it (raw HTML, a javascript: link), the
    text customers see on the page instead, so the API publishes nothing the page hides."""
    if not stripped(text):
        return text
    parser = _PlainText()
    parser.feed(render(text))
    parser.close()
    return parser.text()


class _PlainText(HTMLParser):
    """Sanitised HTML → plain text: paragraphs, ``- `` list items, links as ``text (url)``."""

    BLOCKS = {"p", "pre", "blockquote", "h3", "h4", "h5", "h6", "table", "dl", "hr", "ul",
              "ol"}
    LINES = {"br", "tr", "dt", "dd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[int | None] = []  # per open list: the next number, None if bullets
        self.link: tuple[str, int] | None = None  # (href, where its text starts)
        self.item: int | None = None  # where the last list item's text starts

    def handle_starttag(self, tag, attrs):
        if tag == "p" and self.item is not None and not "".join(self.parts[self.item:]).strip():
            pass  # a loose list item's first paragraph: it goes on the item's line
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in self.LINES:
            self.parts.append("\n")
        if tag in ("ul", "ol"):
            start = dict(attrs).get("start") or "1"
            self.lists.append(int(start) if tag == "ol" and start.isdigit() else None)
        elif tag == "li":
            number = self.lists[-1] if self.lists else None
            self.parts.append("\n- " if number is None else f"\n{number}. ")
            self.item = len(self.parts)
            if number is not None:
                self.lists[-1] = number + 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = (href, len(self.parts)) if ":" in href else None

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag == "a" and self.link:
            href, start = self.link
            label = "".join(self.parts[start:]).strip()
            if href not in (label, f"mailto:{label}", f"tel:{label}"):
                self.parts.append(f" ({href})")
            self.link = None

    def handle_data(self, data):
        self.parts.append(" " if data.isspace() else data)  # newlines between tags: layout

    def text(self) -> str:
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- the French typographic pass (site.yaml french_typography: true) -------------------

NBSP = "\u00a0"  # the interface's catalog uses the same no-break space
# Units written after a number that must not be left alone at the start of a line.
_UNITS = r"(?:h|min|s|ms|j|%|€|Go|Mo|Ko|To|km|m|Mbit/s|Gbit/s|Mb/s|Gb/s)(?![\w/])"
_FRENCH_RULES = [
    (re.compile(r"(?<=\w)(?:'|&#39;|&#x27;)(?=\w)"), "\u2019"),  # l'état → l’état
    (re.compile(r"[ \t\n]+(?=[:;!?»])"), NBSP),  # "cause :" never breaks before the colon
    (re.compile(r"(?<=«)[ \t\n]+"), NBSP),
    (re.compile(r"(?<=\d)[ \t]+(?=" + _UNITS + ")"), NBSP),  # 18 h, 50 Go, 60 %
    (re.compile(r"(?<=\d\u00a0h)[ \t]+(?=\d)"), NBSP),  # 6 h 40
    (re.compile(r"(?<=\d)[ \t](?=\d{3}(?!\d))"), "\u202f"),  # 10 000
]
_TAG = re.compile(r"(<[^>]*>)")
_VERBATIM = {"code", "pre"}


def _typeset(text: str) -> str:
    for pattern, replacement in _FRENCH_RULES:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=CACHED)
def french_typography(html: str) -> str:
    """French typography on what staff wrote (HTML or plain text): a no-break space before
    ``: ; ! ? »`` and after ``«``, between a number and its unit ("18 h", "50 Go"),
    typographic apostrophes. Only text is touched: not tags, attributes, code or ``pre``."""
    out: list[str] = []
    verbatim = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([A-Za-z0-9]*)", part)
            if name and name[1].lower() in _VERBATIM and not part.endswith("/>"):
                verbatim = max(0, verbatim + (-1 if part.startswith("</") else 1))
            out.append(part)
        else:
            out.append(part if verbatim else _typeset(part))
    return "".join(out)
