"""The Markdown fast path: a plain sentence skips Python-Markdown, with the same result."""

import itertools

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import blockparser

from statuspage import markup

# Every character Markdown treats specially, and a few that are not, in any order.
ALPHABET = st.sampled_from(list("abcXYZ019 .,;:!?'\"()/%$@^{}=+-#>*_`[]<>&|~\\\t\n\u00a0é—«»"))


def reference(text: str) -> str:
    """Python-Markdown itself, configured as the site's."""
    md = markdown.Markdown(extensions=markup.EXTENSIONS,
                           extension_configs={"tables": {"use_align_attribute": True}},
                           output_format="html")
    return md.convert(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(ALPHABET, min_size=1, max_size=12))
def test_the_fast_path_is_what_markdown_makes(text):
    if markup.plain_paragraph(text):
        assert f"<p>{text}</p>" == reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_the_fast_path_on_any_unicode(text):
    if markup.plain_paragraph(text):
        assert f"<p>{text}</p>" == reference(text)


def test_plain_sentences_take_it_and_markup_does_not():
    assert markup.plain_paragraph("Nous enquêtons sur la panne (Lyon 3e). Merci !")
    assert markup.plain_paragraph("Service restored at 14:05: no action needed.")
    for text in ("*urgent*", "a_b", "- item", "1. first", "# Title", "> quote", "a & b",
                 "<b>x</b>", "[link](https://x)", "two\nlines", " lead", "trail ", "`code`",
                 "a | b", "~~~", "=", "9 clients"):
        assert not markup.plain_paragraph(text), text
    for text in ("Nous enquêtons.", "*urgent* fix", "Line one\n\n- a\n- b"):
        assert markup.render(text) == markup.Markup(markup.nh3.clean(
            reference(text), tags=markup.TAGS, attributes=markup.ATTRIBUTES,
            url_schemes=markup.URL_SCHEMES, clean_content_tags=markup.DROPPED_WITH_CONTENT,
            link_rel="noopener noreferrer"))


def test_a_conversion_that_fails_leaves_the_next_texts_converted(monkeypatch):
    """Python-Markdown left half-way (as a RecursionError deep in a nested list leaves it)
    keeps broken state: the thread's converter is made again, not reused. The parser is
    interrupted at its fifth nested call, not by a low recursion limit: where that limit
    falls depends on the stack the test runs on, and in one CI worker the conversion
    passed under it."""
    markup._raw_html.cache_clear()
    parse = blockparser.BlockParser.parseBlocks
    calls = itertools.count(1)

    def interrupted(self, parent, blocks):
        if next(calls) == 5:
            raise RecursionError("maximum recursion depth exceeded")
        return parse(self, parent, blocks)

    monkeypatch.setattr(blockparser.BlockParser, "parseBlocks", interrupted)
    with pytest.raises(RecursionError):
        markup._raw_html("- " * 10 + "*deep*")
    monkeypatch.undo()
    assert markup._raw_html("*urgent* fix") == "<p><em>urgent</em> fix</p>"


def test_one_line_keeps_a_title_on_its_line():
    """The banner, a mail header and a text message take a title through one_line: a line
    break in it must not start a header, and no-break spaces stay where typography wants
    them (every kind of space is a plain one where nothing typesets: a header, a phone)."""
    title = " Panne\u00a0: fibre\r\nBcc: x@example.com\t\u2028 Lyon "
    assert markup.one_line(title) == "Panne\u00a0: fibre Bcc: x@example.com \u2028 Lyon"
    assert markup.one_line(title, every_space=True) == "Panne : fibre Bcc: x@example.com Lyon"
