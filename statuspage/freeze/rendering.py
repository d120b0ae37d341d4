"""Rendering files with Frozen-Flask: in this process, or shared out to forked workers on
every core when there is enough work; each file written as Frozen-Flask names it."""

from __future__ import annotations

import gc
import mimetypes
import os
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TypeVar
from unicodedata import normalize
from urllib.parse import unquote, urlsplit

from flask import Flask
from flask.testing import EnvironBuilder
from flask_frozen import Freezer, MimetypeMismatchWarning, MissingURLGeneratorWarning, Page
from werkzeug.urls import iri_to_uri

from statuspage import i18n, markup
from statuspage.content.edition import PUBLIC, Edition
from statuspage.errors import BuildError
from statuspage.forking import forked_map, in_worker
from statuspage.freeze import direct
from statuspage.model import Site
from statuspage.state.settled import Settled
from statuspage.web import create_app, rebound
from statuspage.web.registry import PREFIXED, Output

T = TypeVar("T")
# A pool of processes pays for itself from this many files to render, at any size: a
# larger site's files cost more to render, but its forked workers as much more to start
# and to run over its objects (docs/performance.md). The files an update changes render
# sooner in this process; a full build, thousands of files, uses every core.
PARALLEL_FROM = 200
COLLECT_EVERY = 500  # pages rendered between two passes of the cycle collector
STRETCHES = 8  # stretches of the plan each forked worker renders (see _shares)
WORKER_TEXTS = 1 << 14  # converted texts a forked worker keeps at most (about 16 MB)
# Files rendered by one run of Frozen-Flask (see _render_batch): a multiple of
# COLLECT_EVERY, so that a run's last pass collects its garbage before the next run
# freezes what is there.
FREEZE_RUN = 10 * COLLECT_EVERY


def make_app(site: Site, now: datetime, destination: Path, edition: Edition = PUBLIC,
             settled: Settled | None = None, **config) -> Flask:
    """The app a build renders ``site`` with, at ``now``, into ``destination``; ``config``:
    more of its settings (``STATUSPAGE_PINNED``, ``STATUSPAGE_EVERY``)."""
    return create_app(site, now=now, edition=edition, settled=settled,
                      **_settings(site, destination), **config)


def made_again(app: Flask, site: Site, now: datetime, destination: Path, settled: Settled,
               **config) -> Flask:
    """``app`` (``make_app``'s, kept by the caller from its last build) made to render
    ``site`` at ``now`` into ``destination``, as a new one would (``web.rebound``)."""
    return rebound(app, site, now, settled, **_settings(site, destination), **config)


def _settings(site: Site, destination: Path) -> dict:
    return {"FREEZER_DESTINATION": str(destination), "FREEZER_BASE_URL": site.config.url + "/",
            "FREEZER_REMOVE_EXTRA_FILES": False,  # the builder removes what is gone
            "PROPAGATE_EXCEPTIONS": True}  # a failing page fails the build, with its error


class SiteFreezer(Freezer):
    """Frozen-Flask's freezer (its URLs, its file names, its checks), each page fetched by
    dispatching it in a request context rather than through a new test client: the
    client's environment, cookie jar and WSGI round trip cost more than a small page's
    render. Each folder is made once; a file
    is written anew (the builder removed the previous one), else compared first as
    Frozen-Flask does."""

    def __init__(self, app: Flask):
        # No static files (the app has no static folder): nor the method that lists them,
        # which the freezer would hold (a loop that keeps a run's freezer past its end).
        super().__init__(app, with_static_files=False, with_no_argument_rules=False,
                         log_url_for=False)
        # Its logger of url_for, put first in the app's URL defaults, logs nothing here
        # (log_url_for is off): it goes, else each run of a batch adds a call to every
        # url_for of the next ones.
        defaults = app.url_default_functions[None]
        defaults[:] = [function for function in defaults if not any(
            cell.cell_contents is self.url_for_logger for cell in function.__closure__ or ())]
        self._folders: set[Path] = set()
        builder = EnvironBuilder(app, "/", base_url=app.config["FREEZER_BASE_URL"])
        self._environ = builder.get_environ()  # the site's part of every page's
        builder.close()
        self._pages = direct.Pages(app, self._environ)
        self._direct = self._pages.usable()

    def environ(self, url: str) -> dict:
        """The WSGI environment of a GET of ``url`` at the site's address: what
        ``test_request_context`` makes, without a new EnvironBuilder for each page (a good
        part of a short address's page): the site's part made once, the URL's keys set
        as Werkzeug sets them."""
        return self._environ_and_path(url)[0]

    def _environ_and_path(self, url: str) -> tuple[dict, str]:
        """``environ(url)``, and the path its PATH_INFO holds, as Werkzeug reads it."""
        environ = self._environ.copy()
        parts = urlsplit(url)
        path = unquote(iri_to_uri(parts.path))
        raw_uri = _wsgi(url)
        environ.update({
            "PATH_INFO": _wsgi(path),
            "QUERY_STRING": _wsgi(parts.query),
            "REQUEST_URI": raw_uri,
            "RAW_URI": raw_uri,
            "wsgi.input": BytesIO(),
        })
        return environ, path

    def fetch(self, url: str):
        """The app's response for ``url``, as a visitor at the site's address gets it: the
        page dispatched in the site's request context (``direct.Pages``), else by a
        request of its own."""
        app = self.app
        environ, path = self._environ_and_path(url)
        response = self._pages.response(environ, path) if self._direct else None
        if response is None:
            with app.request_context(environ):
                response = app.full_dispatch_request()
        response.direct_passthrough = False  # a file sent as is: read it all, as a client
        return response

    def expected_type(self, name: str) -> str:
        """The type a static server gives the file ``name``: what its page must answer."""
        return mimetypes.guess_type(name)[0] or self.app.config["FREEZER_DEFAULT_MIMETYPE"]

    def _build_one(self, url, last_modified=None):
        path = self.root / normalize("NFC", self.urlpath_to_filepath(url))
        response = self.fetch(url)
        try:
            if response.status_code != 200:
                raise ValueError(f"Unexpected status {response.status!r} on URL {url}")
            guessed = self.expected_type(path.name)
            if guessed != response.mimetype:
                warnings.warn(f"Filename extension of {path.name!r} (type {guessed}) does not "
                              f"match Content-Type: {response.content_type}",
                              MimetypeMismatchWarning, stacklevel=3)
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            content = response.get_data()
            try:
                with path.open("xb") as handle:
                    handle.write(content)
            except FileExistsError:
                if path.read_bytes() != content:
                    path.write_bytes(content)
        finally:
            response.close()
        return path


def _wsgi(text: str) -> str:
    """A URL's text as WSGI holds it (PEP 3333: its UTF-8 bytes, read as Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def make_freezer(app: Flask, todo: list[Output]) -> SiteFreezer:
    """A Freezer over ``todo`` (every file of the site, when not given)."""
    freezer = SiteFreezer(app)

    @freezer.register_generator
    def every_url():
        for output in todo:
            yield output.endpoint, output.values

    return freezer


def render(app: Flask, todo: list[Output], workers: int | None) -> list[str]:
    """Render ``todo`` into the app's destination; the path written for each, in order.
    Each file must have a path of its own, over all the runs of Frozen-Flask and all the
    workers (a run skips an address it has seen: a file short)."""
    written = on_every_core(app, todo, workers, _render_batch)
    paths = len(set(written))
    if paths != len(todo):
        raise BuildError(f"{len(todo)} files planned, {paths} written: two outputs share an "
                         "address")
    return written


def on_every_core(app: Flask, todo: list[Output], workers: int | None,
                  batch: Callable[[Flask, list[Output]], list[T]]) -> list[T]:
    """``batch(app, outputs)`` (one result per output) over ``todo``: in this process, or
    shared out to forked workers when there is enough work; the results in order."""
    workers = workers or len(os.sched_getaffinity(0))
    if workers <= 1 or len(todo) < max(2, PARALLEL_FROM):
        return batch(app, todo)
    shares = _shares(todo, workers)
    _preload(app.extensions["statuspage"].get())
    work = [[todo[n] for n in share] for share in shares]

    def run_share(number: int) -> list[T]:
        # The lines a worker would keep die with it (``web/lines.py``): none kept.
        app.extensions["statuspage.settled"].lines = None
        return batch(app, work[number])

    done = forked_map(run_share, workers)
    if (store := markup.kept()) is not None:
        store.flush()  # (what the workers converted)
    results: list = [None] * len(todo)
    for share, share_results in zip(shares, done, strict=True):
        for number, result in zip(share, share_results, strict=True):
            results[number] = result
    return results


def _shares(todo: list[Output], workers: int) -> list[list[int]]:
    """``todo``'s places shared out to ``workers``, about as many to each (a page's files
    stay together: each share is within one page's files of its part). Forked workers share
    the loaded site and its Snapshot, computed once here (with all the plan needed). A
    page's languages go to one worker: their texts (often the same, untranslated) convert
    once; so do the files of one endpoint without values (the API's documents, which
    share their parts). Each worker takes ``STRETCHES`` stretches of ``todo`` (the plan's
    order: a run of incidents after another), dealt in turn, not every other incident:
    what a worker reads of the parent's memory becomes its own copy (the reference counts
    it writes), and one incident's objects lie near those loaded after it (100,000
    incidents: with the texts a worker forgets, 2.7 GB, not 3.5 GB, docs/performance.md). Dealt
    in turn, the stretches share out the parts of the plan that cost more per file (one
    stretch each: one worker had the site's pages, and finished long after the other)."""
    pages: dict[tuple, list[int]] = {}
    for number, output in enumerate(todo):
        pages.setdefault(page_of(output), []).append(number)
    shares: list[list[int]] = [[] for _ in range(workers)]
    stretches, placed = workers * STRETCHES, 0
    for members in pages.values():  # in the order of their first place
        shares[min(stretches - 1, placed * stretches // len(todo)) % workers].extend(members)
        placed += len(members)
    return shares


def page_of(output: Output) -> tuple:
    """The page a file is one language or format of (its values but those), else its
    blueprint (api, embed, feeds: the documents that share their parts)."""
    return tuple(sorted((k, v) for k, v in output.values.items() if k not in PREFIXED)) \
        or (output.endpoint.split(".")[0],)


def _preload(site: Site) -> None:
    """What each worker's first page would load, loaded here before they fork: the
    Markdown converter, each language's catalog and Babel data. A daemon then loads them
    once, not once per worker of each of its builds. The converted texts' store made
    ready for the workers (``freeze/converted.py``: they never touch SQLite)."""
    if (store := markup.kept()) is not None:
        store.before_fork()
    markup.preload()
    for lang in site.config.languages:
        i18n.preload(lang, site.config.timezone)


def paths(app: Flask, outputs_: list[Output]) -> list[str]:
    """The file each output is written to, as Frozen-Flask names it, without rendering."""
    freezer = make_freezer(app, outputs_)
    found = [normalize("NFC", freezer.urlpath_to_filepath(url)) for url in freezer.all_urls()]
    if len(found) != len(outputs_):
        raise BuildError(f"{len(outputs_)} copies planned, {len(found)} addresses")
    return found


def warm(app: Flask, outputs: list[Output]) -> None:
    """Render ``outputs`` in this process, writing nothing: what their pages keep from one
    build to the next (``web/lines.py``) is then kept for the next build."""
    freezer = make_freezer(app, outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        for url in freezer.all_urls():
            freezer.fetch(url).close()


def _render_batch(app: Flask, todo: list[Output]) -> list[str]:
    """Render ``todo``, ``FREEZE_RUN`` files per run of Frozen-Flask: a run keeps the URL
    and the path of each of its files to its end (100,000 incidents: over 100 MB in each
    worker, docs/performance.md)."""
    written: list[str] = []
    for start in range(0, len(todo), FREEZE_RUN):
        run = todo[start:start + FREEZE_RUN]
        freezer = make_freezer(app, run)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # Frozen-Flask warns of endpoints without a file: a batch has some of them only.
            warnings.simplefilter("ignore", MissingURLGeneratorWarning)
            written += _collected_every(COLLECT_EVERY, freezer.freeze_yield(), len(run))
    if (store := markup.kept()) is not None:
        store.flush()  # (a worker's texts, before it ends)
    return written


def _collected_every(count: int, pages: Iterator[Page], total: int) -> list[str]:
    """Every page's path (of ``total``), with the cycle collector run once per ``count`` pages
    instead of every few hundred allocations: rendering allocates much and leaves little
    garbage (its automatic passes would go over the same living pages again and again).
    A forked worker forgets its converted texts then too, past ``WORKER_TEXTS``: most are
    those of the pages it rendered long before (one incident's pages follow each other),
    and they would fill its memory (100,000 incidents: hundreds of MB per worker) to die
    with it; forgotten every ``count`` pages, a fifth more texts were converted again."""
    enabled = gc.isenabled()  # else inside a build (see collector.paused) or its worker
    gc.disable()
    if total >= count:  # what is there already (the site, its plan) is no garbage to look
        gc.freeze()     # for; when no pass runs, the daemon's own pass frees the app
    try:
        done = []
        for page in pages:
            done.append(page.path.as_posix())
            if len(done) % count == 0:
                if in_worker():
                    markup.forget(WORKER_TEXTS)
                if (store := markup.kept()) is not None:
                    store.flush()
                gc.collect()
                gc.freeze()  # nor what survived: each pass sees the latest pages only
        return done
    finally:
        if enabled:
            gc.unfreeze()
            gc.enable()


