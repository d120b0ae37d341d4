"""What a page shows of one incident alone (a list's line: ``history_line``,
``incident_line``, ``maintenance_line``; the banner's item), kept from one build to the
next by what it shows.

A line shows its incident as the view's ``state`` has it (the incident's files, its
status, its end, its promise), in the page's language, with the site's words and
addresses; never the moment. The same state, language, site and address give the same
bytes, which the builder's keys count on already: a page is kept while the states it shows
stay the same. A daemon renders its moment pages (this month's history, each service's
page, the places, what is in progress) again at each build, each listing every open
incident: each line is now made once per state, not once per page and build. So are each
item of the banner and its paragraph (``embed.py``), each incident's entry in the
postcode files (``zones.py``) and each update in the feeds (``feeds.py``), which have no
words but the incident's own and the language's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TypeVar

from flask import current_app, g, request
from markupsafe import Markup

from statuspage.state.view import IncidentView

T = TypeVar("T")
PAGE = "statuspage.lines"  # the request's: see ``memory``


def lines(macro, views: Iterable[IncidentView], maintenance=None) -> Markup:
    """A page's list: ``macro(view)`` of each of ``views`` (``maintenance(view)`` of a
    maintenance, when given), each kept by the view's state and what else the line shows,
    one after the other. The request's memory is looked up once for all (``memory``:
    through Flask's proxies, a tenth of a moment page listing 2,000 open incidents)."""
    here = memory()
    parts: list[str] = []
    for view in views:
        chosen = maintenance if maintenance is not None and view.is_maintenance else macro
        parts.append(kept(chosen.name, view, partial(chosen, view), here))
    return Markup("".join(parts))


def lines_of(macro, ids: Iterable[str]) -> Markup:
    """``lines(macro, …)`` of the published incidents among ``ids`` (a service's page lists
    those of each day of its bars, thousands of them)."""
    view = g.snap.view
    return lines(macro, [found for found in map(view, ids)
                         if found is not None and found.published])


def kept(what: str, view: IncidentView, make: Callable[[], T],
         here: tuple[dict | None, tuple] | None = None) -> T:
    """``make()``: what ``what`` shows of ``view`` alone in the request's language, kept in
    the caller's ``Settled`` (the app's) by the view's state, the site and the address.
    ``here``: ``memory()``, when the caller asks for many (a list)."""
    found, shown = here or memory()
    state = view.state
    if found is None or state is None:  # (None: an incident not read from files)
        return make()
    key = (what, state, shown)
    made = found.get(key)
    if made is None:
        made = found[key] = make()
    return made


def made(macro, *args) -> Markup:
    """``macro(*args)``, kept while what it is given (a list by its items) and what else
    the page's lines show stay the same: for what shows no incident alone, such as a
    service's uptime bars (the home page shows every service's), which change with the
    moment while a service is affected. One kept per page and place on it (its arguments
    that are not lists), replaced when its lists change: not one more at every build."""
    found, shown = memory()
    if found is None or not g.site.digest:  # (a site not read from files: nothing kept)
        return macro(*args)
    place = (macro.name, request.path, *(a for a in args if not isinstance(a, list)), shown)
    given = tuple(tuple(a) for a in args if isinstance(a, list))
    held = found.get(place)
    if held is not None and held[0] == given:
        return held[1]
    result = macro(*args)
    found[place] = (given, result)
    return result


def memory() -> tuple[dict | None, tuple]:
    """``_page()``, worked out once per page (a page asks for thousands of lines) and kept
    with its request (not on ``g``: a build renders many pages in one app context, which
    they share)."""
    environ = request.environ
    page = environ.get(PAGE)
    if page is None:
        page = environ[PAGE] = _page()
    return page


def _page() -> tuple[dict | None, tuple]:
    """The request's lines kept (the caller's), and what every line of its page shows
    besides its incident: the language, the site, the address, the edition."""
    site = g.site
    return (current_app.extensions["statuspage.settled"].lines,
            (g.lang, site.digest, site.config.url, request.script_root,
             current_app.config["STATUSPAGE_EDITION"].name))
