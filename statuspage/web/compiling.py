"""How the site's templates are compiled: what ``{{ … }}`` writes is escaped as Jinja
escapes it, without a ``Markup`` made of each piece.

With autoescape, Jinja compiles ``{{ x }}`` to ``escape(x)``: markupsafe's ``escape``,
which escapes a string in C and then wraps the result in a new ``Markup`` through its
Python ``__new__``, and makes a new ``Markup`` of a ``Markup`` too. A page joins the
pieces into one string at once, so the wrappers are thrown away: an incident's page
writes about 85 of them. ``output`` gives the same text: a string escaped by
markupsafe's own C function (a plain string), a ``Markup`` as it is, anything else
through ``escape`` as before; only where Jinja's code would call ``escape`` (autoescape
on, known when compiling): a block whose escaping is decided at run time
(``{% autoescape %}`` with a variable) is compiled as Jinja compiles it. Jinja joins the
pieces wherever it renders a template, a block, a macro, ``caller``, a ``{% set %}`` or
filter block; only ``Template.generate`` and ``stream`` hand them out one by one, which
the site never uses.

It takes the place of private parts of Jinja 3.1's ``CodeGenerator``; the tests build a
site with Jinja's own generator and with this one, and compare every file. Compiled
templates are kept by generator and by the package's code digest (``web/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markupsafe
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr, Template
from markupsafe import Markup, escape

NAME = "escape_output"  # the module's name for ``output`` in a compiled template
# markupsafe's C escaping of a string (what ``escape`` wraps); ``escape`` itself, should a
# version of markupsafe not have it: the same text, as a ``Markup``.
_escaped: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)


def output(value: Any) -> str:
    """The text ``escape(value)`` is, as a page's piece."""
    kind = type(value)
    if kind is str and _escaped is not None:
        return _escaped(value)
    if kind is Markup:
        return value
    return escape(value)


class TemplateGenerator(CodeGenerator):
    """Jinja's code generator, but for what an escaping ``{{ … }}`` calls."""

    def visit_Template(self, node: Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import output as {NAME}")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: Expr, frame: Frame,
                          finalize: CodeGenerator._FinalizeInfo) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write(f"{NAME}(")
        if finalize.src is not None:
            self.write(finalize.src)
