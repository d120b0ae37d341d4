"""Markdown from staff → safe HTML. The one configured Markdown, sanitised in one place.

Also the ways back to words: ``audit`` says what the sanitiser would remove (a warning
at the line it is on), ``plain_text`` gives the text customers read, for the API and
calendars, and ``one_line`` makes a plain text safe where a line break would do harm.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from html.parser import HTMLParser
from typing import Protocol

import markdown
import nh3
from markupsafe import Markup

from statuspage.markdown_limits import within_limits

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


class Kept(Protocol):
    """Where converted texts are kept across builds (``freeze/converted.py``)."""

    def get(self, text: str) -> str | None: ...
    def add(self, text: str, html: str) -> None: ...
    def flush(self) -> None: ...
    def before_fork(self) -> None: ...


@contextmanager
def kept_in(store: Kept) -> Iterator[None]:
    """While the block runs, a text this thread (or a worker it forks) has not converted
    yet is looked for in ``store`` first, and one converted is added to it."""
    before = getattr(_local, "kept", None)
    _local.kept = store
    try:
        yield
    finally:
        _local.kept = before


def kept() -> Kept | None:
    """The store of the build this thread runs (``kept_in``), if any."""
    return getattr(_local, "kept", None)


@lru_cache(maxsize=CACHED)
def _raw_html(text: str) -> str:
    """Converted once: the load-time audit and the page render share the result, and a
    build's store (``kept_in``) keeps it for the next builds."""
    if plain_paragraph(text):
        return f"<p>{text}</p>"  # what Markdown returns, without its three passes
    store = kept()
    if store is not None and (found := store.get(text)) is not None:
        return found
    try:
        html = _markdown().convert(text)
    except BaseException:
        # A converter that failed half-way (a RecursionError deep in its parser) keeps
        # broken state and would leave every later text unconverted: this thread makes a
        # new one.
        _local.md = None
        raise
    if store is not None:
        store.add(text, html)
    return html


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


def audit(text: str, first_line: int, problems) -> None:
    """Warn about each thing the sanitiser would remove, at the line it is written on
    (``first_line`` is the text's first line in its file); refuse markdown beyond the
    limits of ``markdown_limits`` (then it is not converted)."""
    if not text or plain_paragraph(text):
        return
    if not within_limits(text, first_line, problems):
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


def forget(beyond: int = 0) -> None:
    """Drop every converted text once one of their caches holds more than ``beyond``."""
    caches = (_raw_html, render, render_inline, _stripped, plain_text, french_typography)
    if max(cached.cache_info().currsize for cached in caches) > beyond:
        for cached in caches:
            cached.cache_clear()


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


# -- plain text where a line break would do harm -----------------------------------------

_BREAKS = re.compile(r"[ \t\r\n]+")
_SPACES = re.compile(r"\s+")


def one_line(text: str, every_space: bool = False) -> str:
    """Plain text (a title, a name) made one line, for where a line break would break
    something: the banner's line, a mail header (a title must not add a header), a text
    message. Runs of spaces, tabs and line breaks become one space, and the ends go; no-break
    spaces stay, unless ``every_space``: then every kind of space is a plain one, as a mail
    header or a phone shows them."""
    return (_SPACES if every_space else _BREAKS).sub(" ", text).strip()


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
