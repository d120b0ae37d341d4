"""Markdown that Python-Markdown is slow on, or overflows the stack with: any text converts
or is refused with a located error before it is converted. What is accepted is bounded
(``MAX_COST`` over a file, ``MAX_DEPTH``): the bounds are what keep its conversion short
(benchmarks/slow_markdown.py converts each kind at its limit)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW, TESTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from statuspage import cli, markdown_limits, markup
from statuspage.content.incident import parse_incident
from statuspage.content.loader import load_config
from statuspage.content.reading import decode
from statuspage.errors import Problems

CONFIG = load_config(TESTS / "sites" / "basic")
PATH = "incidents/2026-11-25-x.md"
HEAD = ("---\ntitle: x\nimpact: minor\ncomponents: [fibre]\nstarted: 2026-11-25 10:00\n---\n"
        "## 2026-11-25 10:05 · investigating\n")

# Each kind of text the report found slow (issue 35, 9 and 10), and those found since by
# profiling, as a function of its size.
KINDS = {
    "nested items": lambda n: "- " * n + "x",
    "nested ordered items": lambda n: "1. " * n + "x",
    "nested quotes": lambda n: "> - " * n + "x",
    "indented lists": lambda n: "".join(" " * i + "- x\n" for i in range(n)),
    "lists apart": lambda n: "- x\n\n    - y\n\n" * n,
    "backticks": lambda n: "`a" * n,
    "entities": lambda n: "&amp;" * n,
    "headings": lambda n: "### h\n" * n,
    "runs of *": lambda n: "".join("*" * (i % 4 + 1) + "a" for i in range(n)),
    "emphasis": lambda n: "_a_ " * n,
    "line breaks": lambda n: "a  \n" * n,
    "escapes": lambda n: "\\*" * n,
    "rules": lambda n: "---\nx\n" * n,
    "setext headings": lambda n: "x\n===\n" * n,
    "unclosed fences": lambda n: "```a\n" * n,
    "closed fences": lambda n: "```\n- - - x\n```\n" * n,
    "links": lambda n: "[a](b) " * n,
    "unclosed links": lambda n: "[](" * n,
    "tags": lambda n: "<a " * n,
    "list lines": lambda n: "- x\n" * n,
    "table rows": lambda n: "a|b\n-|-\n" + "c|d\n" * n,
}
PIECES = st.sampled_from(list("ab *_`&\\[]<>#-=|!\n")) | st.sampled_from(
    ["\n\n", "    ", "- ", "1. ", "> ", "```\n", "### ", "&#x41;", "[a](b)"])


@st.composite
def slow_markdown(draw) -> str:
    """One to three kinds, each of some size, among a few other marks."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        parts.append(draw(st.lists(PIECES, max_size=6).map("".join)))
        parts.append(KINDS[draw(st.sampled_from(sorted(KINDS)))](draw(st.integers(1, 1_500))))
    return "".join(parts)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(slow_markdown())
def test_any_markdown_converts_or_is_refused_at_a_line(body):
    text = HEAD + body + "\n"
    problems = Problems(PATH)
    read = decode(text.encode(), problems)
    assert read is not None
    incident = parse_incident("2026-11-25-x", PATH, read, CONFIG, problems)
    if incident is None:
        assert problems.errors
        for problem in problems.errors:
            assert 8 <= problem.line <= text.count("\n"), problem
        return
    assert problems.markup_cost <= markdown_limits.MAX_COST
    # Each text as it is converted (the summary, each update): a fence is a fence within
    # its own text, so the whole body's fences are not the ones that count.
    for text in (incident.summary, *(update.body for update in incident.updates)):
        for value in text.values():
            assert markdown_limits.too_deep(markdown_limits._fences(value)[0]) is None
            assert markup.render(value) is not None  # and no RecursionError


@settings(max_examples=300)
@given(st.integers(0, 0x11_0000), st.booleans(), st.sampled_from(["", "*", "<b>"]))
def test_a_character_reference_is_refused_or_can_be_published(code, hexadecimal, around):
    reference = f"&#x{code:x};" if hexadecimal else f"&#{code};"
    body = f"a {around}{reference}{around[::-1].replace('<', '</')} b\nc"
    problems = Problems(PATH)
    markup.audit(body, 8, problems)
    if problems.errors:
        assert [str(p) for p in problems.errors] == [
            f"{PATH}:8: {reference} stands for "
            + (f"U+{code:04X}" if code <= 0x10FFFF else "no character")
            + ", which a page or a feed cannot hold: delete it"]
        return
    etree.Element("p").text = str(markup.render(body))  # lxml: "must be XML compatible"


def test_a_reference_in_a_code_fence_is_its_characters():
    problems = Problems(PATH)
    markup.audit("Le journal :\n\n```\nA &#xfffe; B\n```\n", 1, problems)
    assert problems.errors == []
    assert "&amp;#xfffe;" in markup.render("```\nA &#xfffe; B\n```\n")


def test_the_limits_are_said_at_the_line_of_the_text_in_its_file():
    problems = Problems(PATH)
    markup.audit("ok\n\n" + "  " * 40 + "- x\n", 20, problems)
    assert [str(p) for p in problems.errors] == [
        f"{PATH}:22: lists or quotes nested 21 deep: at most 16 levels; indent less, or put "
        "the text in a ``` fence"]
    problems = Problems(PATH)
    markup.audit("```\n" + "- " * 100 + "x\n```\n\n" + "_a_ " * 50_000, 5, problems)
    assert [str(p) for p in problems.errors] == [
        f"{PATH}:9: too many * _ ` & \\ or line breaks in one paragraph: the pages would take "
        "minutes to render; split it with blank lines, or put code and logs in a ``` fence"]


def test_what_a_file_may_cost_is_shared_by_its_texts():
    """Each text under the bound, the file over it: refused once, where it tips over."""
    problems = Problems(PATH)
    text = "x\n---\n" * 300  # about 0.44 of it
    for first_line in (10, 400, 800, 1200):
        markup.audit(text, first_line, problems)
        assert problems.markup_cost <= markdown_limits.MAX_COST or first_line >= 800
    assert [(p.line, p.message.split(":")[0]) for p in problems.errors] == [
        (800, "too many headings or rules (#, ---, ===) without a blank line between them")]


def test_code_in_fences_costs_nothing_but_its_length():
    log = "```\n" + "".join(f"- - - {n} * _ ` <a [x]\n" for n in range(5_000)) + "```\n"
    problems = Problems(PATH)
    markup.audit(log, 1, problems)
    assert problems.errors == [] and problems.markup_cost < markdown_limits.MAX_COST // 100


def test_the_example_site_uses_a_small_part_of_the_bound():
    worst = 0
    for path in (TESTS.parent / "incidents").glob("*.md"):
        problems = Problems(str(path))
        markup.audit(path.read_text("utf-8").split("\n---\n", 1)[1], 1, problems)
        worst = max(worst, problems.markup_cost)
    assert 0 < worst < markdown_limits.MAX_COST // 100


@pytest.mark.parametrize("note", ["_a_ " * 50_000, "- " * 3_000 + "x", "A &#xfffe; B"])
def test_a_note_is_held_to_the_same_limits(site_dir, monkeypatch, note):
    """Internal notes are markdown too: refused by check and by the desk build, located."""
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    path = site_dir / "incidents" / f"{FIBRE}.internal.md"
    path.write_text(f"---\nsay: ok\n---\n## 2026-11-26 09:00\nok\n\n{note}\n", "utf-8")
    for args in (["check"], ["build", "--edition", "desk", "--out", "desk"]):
        result = CliRunner().invoke(cli.main, ["--site", str(site_dir), *args])
        assert result.exit_code == 1, (args, result.output)
        assert f"incidents/{FIBRE}.internal.md:7: " in result.output, result.output
        assert "Traceback" not in result.output


def test_indented_code_is_not_nesting():
    """Indentation nests only under a list item: elsewhere it is code, read once."""
    code = "".join("    " + "  " * (n % 60) + f"line {n}\n" for n in range(5_000))
    problems = Problems(PATH)
    markup.audit("Le journal :\n\n" + code, 1, problems)
    assert problems.errors == []
    assert "<pre><code>" in markup.render("Le journal :\n\n" + code)
