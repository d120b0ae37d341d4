"""How templates are compiled (web/compiling.py): what ``{{ … }}`` writes, escaped without
a Markup of its own, is the text Jinja's own code writes, in every kind of block; and the
site, built with Jinja's code generator or ours, is the same bytes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2
import pytest
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from statuspage.content import package
from statuspage.content.edition import DESK, PUBLIC
from statuspage.freeze.build import BuildOptions, build
from statuspage.web import COMPILED, compiling, create_app, languages

SOURCE = """{% macro m(x) %}<{{ x }}>{% endmacro -%}
{% macro c(x) %}({{ x }}{{ caller() }}){% endmacro -%}
{{ s }}|{{ marked }}|{{ n }}|{{ none }}|{{ missing }}|{{ html }}|{{ sub }}|{{ s ~ marked }}|\
{{ m(s) }}|{{ m(marked) }}|{% call c(s) %}{{ marked }}{{ s }}{% endcall %}|\
{{ m("a" ~ s) | upper }}|\
{% set block %}{{ s }}{{ marked }}{% endset %}{{ block }}|{{ block | length }}|\
{% filter upper %}{{ s }}{{ marked }}{% endfilter %}|\
{% for i in [s, marked, 3] %}{{ i }}{% endfor %}|\
{% autoescape false %}{{ s }}{{ marked }}{% endautoescape %}|\
{% autoescape true %}{{ s }}{{ marked }}{% endautoescape %}|\
{% autoescape flag %}{{ s }}{{ marked }}{% endautoescape %}|\
{% include "inner" %}|{% from "inner" import inner with context %}{{ inner(s) }}|{{ "<k>" }}|\
{{ obj.name }}|{{ obj.none }}|{{ obj.falsy }}|{{ obj.absent }}|{{ obj.inner.inner.name }}|\
{{ obj.inner.inner.inner.inner.name }}|{{ table.key }}|{{ table.items }}|{{ table.absent }}|\
{{ made().name }}|{{ (obj.inner).name }}|{{ marked.upper }}|{% for i in [obj] %}\
{{ loop.index }}{{ i.name }}{{ loop.cycle(obj.name, "b") }}{% endfor %}|\
{{ s.absent | default("d") }}|\
{% set x = obj %}{{ x.name }}|{% macro a(o) %}{{ o.name }}{{ caller() | length }}{% endmacro %}\
{% call a(obj) %} c {% endcall %}|{{ obj.raising }}|{{ obj.marker }}"""
INNER = """{% macro inner(x) %}[{{ x }}{{ marked }}]{% endmacro %}{{ s }}"""


class Html:
    def __html__(self):
        return "<i>h</i>"


class Sub(str):
    pass


class Object:
    none = None
    falsy = 0
    marker = "m"

    def __init__(self, depth: int = 5):
        self.name = f"<n{depth}>"
        self.inner = Object(depth - 1) if depth else None

    def __getattr__(self, name: str):
        raise AttributeError(name)


VALUES = {"s": "a<b>&'\"", "marked": Markup("<em>m</em>"), "n": 42, "none": None,
          "html": Html(), "sub": Sub("<sub>"), "obj": Object(), "made": Object,
          "table": {"key": "<v>", "items": "own"}}


def environment(generator: type[CodeGenerator], autoescape: bool) -> jinja2.Environment:
    made = jinja2.Environment(autoescape=autoescape,
                              loader=jinja2.DictLoader({"page": SOURCE, "inner": INNER}))
    made.code_generator_class = generator
    return made


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("flag", [True, False])
def test_what_a_template_writes_is_what_jinja_s_own_code_writes(autoescape: bool, flag: bool):
    made = {generator: environment(generator, autoescape).get_template("page")
            .render(flag=flag, **VALUES)
            for generator in (CodeGenerator, compiling.TemplateGenerator)}
    assert made[compiling.TemplateGenerator] == made[CodeGenerator]
    page = made[compiling.TemplateGenerator]
    assert ("a&lt;b&gt;&amp;&#39;&#34;|<em>m</em>|42|None||<i>h</i>|&lt;sub&gt;|" in page) \
        is autoescape
    assert ("|A&LT;B&GT;&AMP;&#39;&#34;<EM>M</EM>|" in page) is autoescape  # (a filter block)
    assert "|35|" in page or not autoescape  # (a set block: the Markup of its escaped text)


def test_the_generator_writes_the_escaping_only_where_jinja_would_escape():
    source = environment(compiling.TemplateGenerator, True).compile(SOURCE, raw=True)
    assert f"{compiling.NAME}(" in source
    assert "(escape if context.eval_ctx.autoescape else str)(" in source  # (decided at run time)
    for autoescape in (True, False):
        code = environment(compiling.TemplateGenerator, autoescape).compile("{{ s }}", raw=True)
        assert (f"{compiling.NAME}(" in code) is autoescape


def test_a_piece_is_a_plain_string_with_the_text_escape_gives():
    for value in [*VALUES.values(), "", "plain", 3.5, Markup("")]:
        piece = compiling.output(value)
        assert piece == str(jinja2.utils.markupsafe.escape(value))
    assert type(compiling.output("x<")) is str  # not a Markup made for it
    marked = Markup("<b>")
    assert compiling.output(marked) is marked


def test_the_app_compiles_its_templates_with_the_generator(app):
    assert app.jinja_env.code_generator_class is compiling.TemplateGenerator
    assert compiling._escaped is not None  # markupsafe's C escaping, not the fallback
    assert compiling._escaped.__module__ == "markupsafe._speedups"


def test_a_template_compiled_by_another_generator_is_not_reused(site, now):
    """The compiled templates are kept by generator: an app whose templates another code
    generator compiled in this process does not get that generator's code."""
    create_app(site, now=now).jinja_env.get_template("incident.html")
    stock = create_app(site, now=now)
    stock.jinja_env.code_generator_class = CodeGenerator
    template = stock.jinja_env.get_template("incident.html")
    assert compiling.NAME not in template.root_render_func.__globals__
    again = create_app(site, now=now).jinja_env.get_template("incident.html")
    assert compiling.NAME in again.root_render_func.__globals__


def test_compiled_templates_are_kept_by_generator_and_by_its_version(site, now, monkeypatch):
    environment = create_app(site, now=now).jinja_env
    ours = COMPILED.get_bucket(environment, "incident.html", None, "source").key
    monkeypatch.setattr(package, "code_digest", lambda: "another version of the package")
    assert COMPILED.get_bucket(environment, "incident.html", None, "source").key != ours
    monkeypatch.undo()
    assert COMPILED.get_bucket(environment, "incident.html", None, "source").key == ours


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a built folder but its marker (which names the tree it was built in)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".statuspage-build"}


@pytest.mark.parametrize("edition", [PUBLIC, DESK])
def test_the_example_site_is_the_same_bytes_with_jinja_s_code_generator(
        example_dir: Path, tmp_path: Path, now: datetime, monkeypatch, edition):
    built = {}
    for generator in (compiling.TemplateGenerator, CodeGenerator):
        monkeypatch.setattr(languages, "TemplateGenerator", generator)
        out = tmp_path / generator.__name__
        build(example_dir, BuildOptions(out=out, now=now, edition=edition))
        built[generator] = files_of(out)
    assert len(built[CodeGenerator]) > 50
    assert built[compiling.TemplateGenerator] == built[CodeGenerator]
