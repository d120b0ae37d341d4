"""Markdown from staff → safe HTML. The one configured Markdown, sanitised in one place."""

from __future__ import annotations

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


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """The one configured Markdown, built once per thread and reset between texts."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
    return md.reset()


@lru_cache(maxsize=8192)
def _raw_html(text: str) -> str:
    """Converted once: the load-time audit and the page render share the result."""
    return _markdown().convert(text)


@lru_cache(maxsize=8192)
def render(text: str) -> Markup:
    """Staff markdown as HTML that is safe to put in a page or a feed."""
    return Markup(
        nh3.clean(
            _raw_html(text),
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            clean_content_tags=DROPPED_WITH_CONTENT,
            link_rel="noopener noreferrer",
        )
    )


@lru_cache(maxsize=8192)
def render_inline(text: str) -> Markup:
    """A one-paragraph field (who is affected, what to do) without its <p>."""
    html = render(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return Markup(html[3:-4])
    return html


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stripped: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.stripped.append(f"the <{tag}> tag")
            return
        allowed = ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.stripped.append(f"the {name} attribute of <{tag}>")
            elif name == "href" and value and ":" in value.split("/")[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                if scheme not in URL_SCHEMES:
                    self.stripped.append(f"the {scheme}: link")

    def handle_comment(self, data):
        self.stripped.append("an HTML comment")


def stripped(text: str) -> list[str]:
    """What the sanitiser removes from this markdown: empty when nothing is lost."""
    audit = _Audit()
    audit.feed(_raw_html(text))
    audit.close()
    return list(dict.fromkeys(audit.stripped))
