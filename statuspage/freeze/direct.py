"""A page of a build dispatched as its request would be, in a request context made once.

A request context for each page made a request, parsed the site's address into a URL
adapter, matched the page's path, opened a session and sent two signals: with the rest of
a request's steps, a third of a short address's page (docs/performance.md). Here the
site's context (its address, its adapter, its null session) is made once per freezer and
lent to each page in turn, with the page's own request, and the page goes through what
``Flask.full_dispatch_request`` does, in its order: the rule matched once the context is
pushed (a converter may read the app), ``preprocess_request`` (the URL value
preprocessors, ``before_request``), the view, an error given to ``handle_user_exception``
(its handler's answer, or raised), then ``make_response`` and ``process_response``
(``after_request``); the context popped with what was raised, as leaving a request's
``with`` pops it. What this does not do is left to a request of the page's own: an
address no rule matches (the request's answer is the visitor's), and an app with what a
request alone would run or keep (receivers of its request signals, teardown functions, a
session that is not the null one)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask.ctx import RequestContext
from flask.signals import request_finished, request_started
from werkzeug.exceptions import HTTPException


class _SiteContext(RequestContext):
    """The request context of the site's address, lent to one page at a time: its rule and
    values are the page's, matched once it is pushed (``Pages.response``)."""

    def match_request(self) -> None:
        pass


class Pages:
    """The responses of ``app``'s pages at the site's address, whose WSGI environment (the
    site's part of every page's) is ``environ``."""

    def __init__(self, app: Flask, environ: dict):
        self.app = app
        self._context = _SiteContext(app, dict(environ))  # (its request marks its own copy)

    def usable(self) -> bool:
        """Whether the app has nothing that only a request of its own would run or keep."""
        app, sessions = self.app, self.app.session_interface
        return not (any(request_started.receivers_for(app))
                    or any(request_finished.receivers_for(app))
                    or any(app.teardown_request_funcs.values())
                    or self._context.url_adapter is None
                    or sessions.open_session(app, self._context.request) is not None)

    def response(self, environ: dict, path: str) -> Response | None:
        """The response to a GET of ``path`` (as the adapter matches it: decoded, after the
        site's script root) whose WSGI environment is ``environ``, or the error its request
        would raise; None for a request of its own to give it (no rule matches)."""
        app, context = self.app, self._context
        adapter = context.url_adapter
        assert adapter is not None  # (see usable)
        request = app.request_class(environ)
        request.json_module = app.json
        context.request = request
        context.push()
        raised: BaseException | None = None  # (what leaving a request's ``with`` passes on)
        try:
            try:
                rule, values = adapter.match(path, return_rule=True)
            except HTTPException:
                return None
            request.url_rule, request.view_args = rule, dict(values)
            app._got_first_request = True
            try:
                answer: Any = app.preprocess_request()
                if answer is None:  # (the values the preprocessors left: the language out)
                    view = app.view_functions[rule.endpoint]
                    answer = app.ensure_sync(view)(**request.view_args)
            except Exception as error:
                answer = app.handle_user_exception(error)
            return app.process_response(app.make_response(answer))
        except BaseException as error:
            raised = error
            raise
        finally:
            # What a page left with ``after_this_request`` ran for it: not for the next.
            context._after_request_functions.clear()
            context.pop(raised)
