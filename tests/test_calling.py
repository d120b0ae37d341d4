"""Templates' calls (web/calling.py): a plain function called at once, everything else as
Jinja calls it; the same results either way, inside loops and blocks too."""

from __future__ import annotations

from functools import lru_cache, partial
from types import SimpleNamespace

import jinja2
import pytest
from jinja2 import pass_context, pass_environment, pass_eval_context

from statuspage import i18n
from statuspage.web.calling import DirectContext
from statuspage.web.catalog import Catalog, newstyle_gettext, newstyle_ngettext

SOURCE = """{% macro m(x) %}<{{ x }}>{% endmacro -%}
{% for i in [1, 2] %}{% set j = i * 10 %}{{ f(i, k=j) }} {{ ctx(i) }} {{ env(i) }} \
{{ ev(i) }} {{ p(i) }} {{ obj(i) }} {{ marked_obj(i) }} {{ m(i) }} {{ meth(i) }} \
{{ builtin([i, 3]) }} {{ cached(i) }} {{ cached_ev(i) }} {{ ev_meth(i) }}|{% endfor %}
{% block b %}{% set z = 7 %}{{ ctx(z) }} {{ f(z) }} {{ stop() }} {{ ev_meth(z) }}{% endblock %}
{% autoescape false %}{{ ev(1) }} {{ ev_meth(2) }} {{ cached_ev(3) }}{% endautoescape %}"""


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

    @pass_eval_context
    def escaping(self, eval_ctx, value):
        return f"em{value}{eval_ctx.autoescape}"


@lru_cache
def cached(value):
    return f"lru{value}"


@lru_cache
@pass_eval_context
def cached_ev(eval_ctx, value):  # (the eval context is one object per render)
    return f"lev{value}{eval_ctx.autoescape}"


def stop():
    raise StopIteration


def helpers() -> dict:
    return {
        "name": "N",
        "f": lambda value, k=0: f"f{value}/{k}",
        "ctx": pass_context(lambda context, value: f"c{value}{context.get('j', '')}"
                                                   f"{context.get('z', '')}"),
        "env": pass_environment(lambda environment, value: f"e{value}{type(environment).__name__}"),
        "ev": pass_eval_context(lambda eval_ctx, value: f"v{value}{eval_ctx.autoescape}"),
        "p": partial(lambda prefix, value: f"{prefix}{value}", "p"),
        "obj": Callable(), "marked_obj": MarkedCallable(), "meth": Holder().method,
        "builtin": max, "stop": stop, "cached": cached, "cached_ev": cached_ev,
        "ev_meth": Holder().escaping,
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
    # each evaluation-context call sees the autoescape of where it is called
    assert "v1False em2False lev3False" in made[DirectContext].splitlines()[-1]
    assert f"em7{autoescape}" in made[DirectContext]


def test_the_app_renders_with_direct_calls(app):
    assert app.jinja_env.context_class is DirectContext


GETTEXT = """{{ _("Incident history") }}|{{ _("Don't <panic>") }}|{{ gettext("100%% sure") }}|\
{{ _("%(name)s: incident updates", name="<b>") }}|{{ _("%(message)s", message="m") }}|\
{{ ngettext("%(num)d incident in progress.", "%(num)d incidents in progress.", n) }}|\
{{ ngettext("%(num)d incident in progress.", "%(num)d incidents in progress.", n, num=7) }}|\
{% trans count=n %}{{ count }} <thing>{% pluralize %}{{ count }} <things>{% endtrans %}|\
{% trans name="<b>" %}{{ name }}: incident updates{% endtrans %}|\
{% for i in [1] %}{% set x = 2 %}{{ _("Incident history") }}{% endfor %}|\
{% autoescape false %}{{ _("%(name)s: incident updates", name="<b>") }}\
{{ ngettext("%(num)d incident in progress.", "%(num)d incidents in progress.", n) }}\
{% endautoescape %}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("count", [1, 3])
def test_a_language_s_gettext_gives_what_jinja_s_newstyle_gettext_gives(lang: str,
                                                                         autoescape: bool,
                                                                         count: int):
    """The page's own ``_``, ``gettext`` and ``ngettext`` (web/catalog.py), through our
    context, against jinja2.ext's newstyle callables of the same catalog through Jinja's."""
    translations = i18n.translations(lang)
    jinjas = jinja2.Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
    jinjas.install_gettext_callables(translations.gettext, translations.ngettext,  # type: ignore[attr-defined]
                                     newstyle=True)
    ours = jinja2.Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
    ours.context_class = DirectContext
    ours.newstyle_gettext = True  # type: ignore[attr-defined]  (as languages.init_app sets it)
    catalog = Catalog(translations)
    made = ours.from_string(GETTEXT).render(n=count, _=catalog.gettext, gettext=catalog.gettext,
                                            ngettext=catalog.ngettext)
    assert made == jinjas.from_string(GETTEXT).render(n=count)
    # the Jinja globals, for a template without the page's own: through its language
    ours.globals.update(_=newstyle_gettext, gettext=newstyle_gettext, ngettext=newstyle_ngettext)
    assert ours.from_string(GETTEXT).render(n=count, language=SimpleNamespace(catalog=catalog)) \
        == made
    assert ("Historique des incidents" if lang == "fr" else "Incident history") in made
    assert ("&lt;b&gt;" in made) is autoescape and "100% sure" in made
