"""Templates' calls (web/calling.py): a plain function called at once, everything else as
Jinja calls it; the same results either way, inside loops and blocks too."""

from __future__ import annotations

from functools import partial

import jinja2
import pytest
from jinja2 import pass_context, pass_environment, pass_eval_context

from statuspage.web.calling import DirectContext

SOURCE = """{% macro m(x) %}<{{ x }}>{% endmacro -%}
{% for i in [1, 2] %}{% set j = i * 10 %}{{ f(i, k=j) }} {{ ctx(i) }} {{ env(i) }} \
{{ ev(i) }} {{ p(i) }} {{ obj(i) }} {{ marked_obj(i) }} {{ m(i) }} {{ meth(i) }} \
{{ builtin([i, 3]) }}|{% endfor %}
{% block b %}{% set z = 7 %}{{ ctx(z) }} {{ f(z) }} {{ stop() }}{% endblock %}"""


class Callable:
    def __call__(self, value):
        return f"obj{value}"


class MarkedCallable:
    @pass_context
    def __call__(self, context, value):
        return f"mobj{value}{context['name']}"


class Holder:
    def method(self, value):
        return f"meth{value}"


def stop():
    raise StopIteration


def helpers() -> dict:
    return {
        "name": "N",
        "f": lambda value, k=0: f"f{value}/{k}",
        "ctx": pass_context(lambda context, value: f"c{value}{context.get('j', '')}"
                                                   f"{context.get('z', '')}"),
        "env": pass_environment(lambda environment, value: f"e{value}{environment.autoescape}"),
        "ev": pass_eval_context(lambda eval_ctx, value: f"v{value}{eval_ctx.autoescape}"),
        "p": partial(lambda prefix, value: f"{prefix}{value}", "p"),
        "obj": Callable(), "marked_obj": MarkedCallable(), "meth": Holder().method,
        "builtin": max, "stop": stop,
    }


@pytest.mark.parametrize("autoescape", [True, False])
def test_direct_calls_give_what_jinja_gives(autoescape: bool):
    made = {}
    for context_class in (jinja2.runtime.Context, DirectContext):
        environment = jinja2.Environment(autoescape=autoescape)
        environment.context_class = context_class
        made[context_class] = environment.from_string(SOURCE).render(**helpers())
    assert made[DirectContext] == made[jinja2.runtime.Context]
    assert "c110" in made[DirectContext] and "c7" in made[DirectContext]  # loop, block vars
    assert "mobj1N" in made[DirectContext]


def test_the_app_renders_with_direct_calls(app):
    assert app.jinja_env.context_class is DirectContext
