"""A page of a build dispatched as its request would be, in a request context made once.

A request context for each page made a request, parsed the site's address into a URL
adapter, matched the page's path, opened a session, sent two signals and ran each hook
through ``ensure_sync``: a third of a short address's page, a tenth of an incident's
(docs/performance.md). Here the site's context (its address, its adapter, its null
session) is made once per freezer, lent to each page in turn with the page's own request,
rule and values, and the app's own steps run in Flask's order: ``preprocess_request``
(the URL value preprocessors, ``before_request``), the view, ``make_response``,
``process_response`` (``after_request``). A page whose rule does not match, whose view
or hooks raise, or an app with what this does not do (signal receivers, teardown
functions) gets None: the caller makes the
whole request, whose answer or error is then the one a visitor gets."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask.ctx import RequestContext
from flask.signals import request_finished, request_started
from werkzeug.exceptions import HTTPException


class _SiteContext(RequestContext):
    """The request context of the site's address, lent to one page at a time: its rule and
    values are the page's, matched before it is pushed."""

    def match_request(self) -> None:
        pass  # (see Pages.response)


class Pages:
    """The responses of ``app``'s pages at the site's address, whose WSGI environment (the
    site's part of every page's) is ``environ``."""

    def __init__(self, app: Flask, environ: dict):
        self.app = app
        self._context = _SiteContext(app, dict(environ))  # (its request marks its own copy)

    def usable(self) -> bool:
        """Whether the app has nothing that only a request of its own would run."""
        app = self.app
        return not (any(request_started.receivers_for(app))
                    or any(request_finished.receivers_for(app))
                    or any(app.teardown_request_funcs.values())
                    or self._context.url_adapter is None)

    def response(self, environ: dict, path: str) -> Response | None:
        """The response to a GET of ``path`` (as the adapter matches it: decoded, after the
        site's script root) whose WSGI environment is ``environ``; None for the whole
        request to give it."""
        app, context = self.app, self._context
        adapter = context.url_adapter
        assert adapter is not None  # (see usable)
        try:
            rule, values = adapter.match(path, return_rule=True)
        except HTTPException:  # (not found, redirected: the whole request's answer)
            return None
        request = app.request_class(environ)
        request.json_module = app.json
        request.url_rule, request.view_args = rule, dict(values)
        context.request = request
        context.push()
        try:
            answer: Any = app.preprocess_request()
            if answer is None:
                # (with the values the preprocessors left: the language taken out)
                answer = app.view_functions[rule.endpoint](**request.view_args)
            response = app.process_response(app.make_response(answer))
        except Exception:  # (its handler, or its error, is the whole request's)
            return None
        finally:
            # What a page left with ``after_this_request`` ran for it: not for the next.
            context._after_request_functions.clear()
            context.pop(None)
        return response
