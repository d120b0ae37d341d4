"""Templates' calls, made at once: Jinja's ``Context.call`` asks each callable, at each
call, whether it takes the context, the evaluation context or the environment (three
attribute lookups, two of them on its ``__call__``). A function, a bound method, a
built-in or a partial that is marked for none of them is called directly, as
``Context.call`` would call it; everything else (a macro, a marked function) goes the
usual way."""

from __future__ import annotations

from functools import partial
from types import BuiltinFunctionType, FunctionType, MethodType

from jinja2.runtime import Context

# Callables whose ``__call__`` is a slot wrapper, never marked: Jinja looks for the mark on
# the callable itself only (for a bound method, on its function).
PLAIN = frozenset({FunctionType, MethodType, BuiltinFunctionType, partial})


class DirectContext(Context):
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if type(__obj) not in PLAIN or hasattr(__obj, "jinja_pass_arg"):
            return Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")
