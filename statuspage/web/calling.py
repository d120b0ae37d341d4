"""Templates' calls, made at once: Jinja's ``Context.call`` asks each callable, at each
call, whether it takes the context, the evaluation context or the environment (three
attribute lookups, two of them on its ``__call__``). A function, a bound method, a
built-in, a partial or a cached function that is marked for none of them is called
directly, as ``Context.call`` would call it, and so is one of them marked for the
evaluation context alone (given it first, as ``Context.call`` gives it); everything else
(a macro, a function that takes the context) goes the usual way."""

from __future__ import annotations

from functools import lru_cache, partial
from types import BuiltinFunctionType, FunctionType, MethodType

from jinja2.runtime import Context
from jinja2.utils import _PassArg

# Callables whose ``__call__`` is a slot wrapper, never marked: Jinja looks for the mark on
# the callable itself only (for a bound method, on its function; a cached function copies
# its function's).
PLAIN = frozenset({FunctionType, MethodType, BuiltinFunctionType, partial,
                   type(lru_cache(maxsize=None)(len))})


class DirectContext(Context):
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if type(__obj) not in PLAIN:
            return Context.call(__self, __obj, *args, **kwargs)
        marked = getattr(__obj, "jinja_pass_arg", None)
        if marked is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif marked is not None:
            return Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")
