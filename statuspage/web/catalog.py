"""The templates' ``_``, ``gettext`` and ``ngettext``: what jinja2.ext's newstyle callables
give (``install_gettext_callables(newstyle=True)``), one language's each.

Jinja's take the template's context, to find the language in it; a call that takes the
context, inside a loop or a block, first copies it with the loop's or block's variables
(a score of times an incident page). A page's templates are given its language's own
(``Catalog``, among the page's helpers), which take the evaluation context alone (whether
the template escapes there), as ``web/calling.py`` passes it at once. The context-taking
ones are the Jinja globals, for a template rendered without the page's helpers."""

from __future__ import annotations

from gettext import NullTranslations

from jinja2 import pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


class Catalog:
    """A language's UI strings, as templates show them."""

    def __init__(self, translations: NullTranslations):
        self.translations = translations
        self._marked: dict[str, Markup] = {}

    def marked(self, message: str) -> Markup:
        """A UI string's translation as markup (catalog strings are), made once."""
        found = self._marked.get(message)
        if found is None:
            found = self._marked[message] = Markup(self.translations.gettext(message))
        return found

    @pass_eval_context
    def gettext(self, eval_ctx: EvalContext, message: str, /, **variables) -> str:
        """The translation, as markup where the template escapes, always formatted with
        ``variables`` (so ``%%`` is one ``%``)."""
        found = self.marked(message) if eval_ctx.autoescape \
            else self.translations.gettext(message)
        if not variables and isinstance(found, str) and "%" not in found:
            return found  # what ``%`` would give: most calls, a label without a placeholder
        return found % variables

    @pass_eval_context
    def ngettext(self, eval_ctx: EvalContext, singular: str, plural: str, num: int, /,
                 **variables) -> str:
        """The translation for ``num``, as markup where the template escapes, formatted
        with ``num`` and ``variables`` (a ``num`` among them is the one shown). The
        arguments are positional only, as Jinja's are: any name may be a variable."""
        variables.setdefault("num", num)
        found = self.translations.ngettext(singular, plural, num)
        if eval_ctx.autoescape:
            found = Markup(found)
        return found % variables


@pass_context
def newstyle_gettext(context, message: str, /, **variables) -> str:
    """``_`` and ``gettext`` for a template without the page's: its language's."""
    return context["language"].catalog.gettext(context.eval_ctx, message, **variables)


@pass_context
def newstyle_ngettext(context, singular: str, plural: str, num: int, /,
                      **variables) -> str:
    """``ngettext`` for a template without the page's: its language's."""
    return context["language"].catalog.ngettext(context.eval_ctx, singular, plural, num,
                                                **variables)
