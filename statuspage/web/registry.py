"""What the outputs declare to the builder: each file to write, and what it depends on.

Each output module (pages, feeds, api…) holds a ``Files`` and declares every file it
writes on the view that renders it, with what that file shows::

    @FILES.output(files=_months, depends=_month_shows)
    @route("/history/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/", bp)
    def history_month(year: int, month: int): ...

- ``files(snap)``: the URL values of each file (without it: one file, no values);
- ``depends(snap, **values)``: what the file shows beyond the site-wide inputs (the
  configuration, the package's code and templates), hashed into its ``key``: views count by
  their state. Two builds whose keys and site-wide inputs are equal write the same bytes,
  so an incremental build may keep the file. ``depends=None`` (it must be said): the file
  changes with the moment, and is written at every build;
- ``languages``: one file per language of the site (the ``lang`` value: None at /), alike
  but for its words, so the key is worked out once; ``kinds``: the same for ``kind``
  (a feed's rss and atom).

The files of one published incident (its page, its short address, its own feeds) are
declared with ``FILES.incident_output``: their ``files`` and ``depends`` see its view and
its ``Facts``, nothing else, so a builder that sees the same view object again (a settled
incident, see ``state/settled.py``) with the same facts may reuse what it planned.
``same_as`` (values → the values of another file of the endpoint, declared before it):
the same bytes at another address, linked to that one instead of rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from operator import is_
from typing import NamedTuple

from statuspage.state.status import IncidentView, Snapshot


class Output(NamedTuple):
    endpoint: str
    values: dict
    key: str | None = None
    same_as: dict | None = None  # the values of the output of the same bytes


class Facts(NamedTuple):
    """What one incident's own files may show beyond its view."""

    followed: bool  # it has feeds of its own (``Snapshot.follows``)
    own_reference: bool  # its reference finds it (of two with one, a lenient load's error)


def facts(snap: Snapshot, view: IncidentView) -> Facts:
    return Facts(snap.follows(view), snap.by_reference.get(view.incident.reference) is view)


def key(*parts: object) -> str | None:
    """A key from views (their state) and plain values; None if any view's is unknown."""
    texts = []
    for part in parts:
        if type(part) is IncidentView or isinstance(part, IncidentView):  # (quick test first)
            text = part.state
        elif isinstance(part, (list, tuple)):
            text = key(*part)
        else:
            text = repr(part)
        if text is None:
            return None
        texts.append(text)
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:24]


class Declared(NamedTuple):
    """One view's files: see the module's docstring."""

    endpoint: str
    depends: Callable[..., object] | None
    files: Callable[..., Iterable[dict]] | None = None
    languages: bool = True
    kinds: tuple[str, ...] = ()
    same_as: Callable[[dict], dict | None] | None = None

    def add_outputs(self, snap: Snapshot, langs: tuple[str | None, ...],
                    made: list[Output]) -> None:
        """Add its files of the site to ``made``."""
        prefixes = _prefixes(self.languages, self.kinds, langs)
        endpoint, depends, known = self.endpoint, self.depends, snap.settled.keys
        for values in self.files(snap) if self.files is not None else ({},):
            found = None
            if depends is not None:
                found = _known_key(known, (endpoint, *values.items()), depends(snap, **values))
            made += [Output(endpoint, {**prefix, **values}, found) for prefix in prefixes]


def _known_key(known: dict[tuple, tuple], file: tuple, shown: object) -> str | None:
    """The key of what ``file`` shows: the one worked out last time when it showed the same
    views (the same objects: settled ones) and values again, kept in ``known`` (the
    caller's memory, with what it showed)."""
    held = known.get(file)
    if held is not None and _same(held[0], shown):
        return held[1]
    found = key(*shown) if type(shown) is tuple else key(shown)
    known[file] = (shown, found)
    return found


def _same(one: object, other: object) -> bool:
    """Whether ``key`` is sure to be the same for both: the same views, equal values."""
    if one is other:
        return True
    if type(one) is not type(other):
        return False
    if isinstance(one, (list, tuple)):  # as ``key`` reads them
        assert isinstance(other, (list, tuple))
        return len(one) == len(other) and (all(map(is_, one, other))
                                           or all(map(_same, one, other)))
    if isinstance(one, IncidentView):  # another view: its state may differ
        return False
    return repr(one) == repr(other)  # what ``key`` hashes


PREFIXED = ("lang", "kind")  # the values ``_prefixes`` adds to a family's files


def last_shown(known: dict[tuple, tuple], output: Output) -> object:
    """What the site's file ``output`` showed when its key was last worked out (``known``:
    ``_known_key``'s memory); None when it has none (a file of the moment)."""
    file = (output.endpoint, *[(k, v) for k, v in output.values.items() if k not in PREFIXED])
    held = known.get(file)
    return None if held is None else held[0]


def views_in(shown: object) -> Iterator[IncidentView]:
    """The views in what a file shows (as ``key`` reads it)."""
    if isinstance(shown, IncidentView):
        yield shown
    elif isinstance(shown, (list, tuple)):
        for part in shown:
            yield from views_in(part)


@lru_cache(maxsize=64)
def _prefixes(languages: bool, kinds: tuple[str, ...],
              langs: tuple[str | None, ...]) -> tuple[dict, ...]:
    """The values each file of a family adds: its language, its kind (callers copy them)."""
    prefixes: list[dict] = [{"lang": lang} for lang in langs] if languages else [{}]
    return tuple({**prefix, "kind": kind} for prefix in prefixes for kind in kinds) \
        if kinds else tuple(prefixes)


class Files:
    """The files of one output module, each declared on its view (see the module's
    docstring). ``prepare(snap)``, when given, runs before its files are listed, in the
    process that plans the build (forked workers then share what it worked out)."""

    def __init__(self, name: str, prepare: Callable[[Snapshot], object] | None = None):
        self.name = name  # the blueprint's: its views' endpoints are name.view
        self.prepare = prepare
        self.site: list[Declared] = []
        self.incident: list[Declared] = []

    def output(self, *, depends: Callable[..., object] | None,
               files: Callable[[Snapshot], Iterable[dict]] | None = None,
               languages: bool = True, kinds: tuple[str, ...] = ()):
        """Declare the view below: its files of the site, what each shows."""
        def declare(view):
            self.declare(f"{self.name}.{view.__name__}", depends=depends, files=files,
                         languages=languages, kinds=kinds)
            return view

        return declare

    def incident_output(self, *, depends: Callable[[IncidentView, Facts], object],
                        files: Callable[[IncidentView, Facts], Sequence[dict]],
                        languages: bool = True, kinds: tuple[str, ...] = (),
                        same_as: Callable[[dict], dict | None] | None = None):
        """Declare the view below: each published incident's own files, what each shows
        (from its view and facts alone)."""
        def declare(view):
            self.incident.append(Declared(f"{self.name}.{view.__name__}", depends, files,
                                          languages, kinds, same_as))
            return view

        return declare

    def declare(self, endpoint: str, *, depends: Callable[..., object] | None,
                files: Callable[[Snapshot], Iterable[dict]] | None = None,
                languages: bool = True, kinds: tuple[str, ...] = ()) -> None:
        """Declare files of the site by their endpoint (a view made in a loop, or the
        app's own)."""
        self.site.append(Declared(endpoint, depends, files, languages, kinds))

    def add_outputs(self, snap: Snapshot, langs: tuple[str | None, ...],
                    made: list[Output]) -> None:
        """Add its files of the site to ``made``."""
        if self.prepare is not None:
            self.prepare(snap)
        for declared in self.site:
            declared.add_outputs(snap, langs, made)


def incident_outputs(declared: tuple[tuple[Declared, tuple[dict, ...]], ...],
                     view: IncidentView, found: Facts) -> list[Output]:
    """One incident's files, of the ``declared`` incident outputs (every module's, each
    with its ``prefixes``: see ``with_prefixes``). Several files show the view alone: its
    key is worked out once. (One loop for them all: this runs for every published incident
    of every build.)"""
    made: list[Output] = []
    view_key: str | None = None
    for one, prefixes in declared:
        assert one.files is not None and one.depends is not None  # (incident_output's)
        files = one.files(view, found)
        if not files:
            continue
        shown = one.depends(view, found)
        if shown is view:
            view_key = this = view_key or key(view)
        else:
            this = key(*shown) if type(shown) is tuple else key(shown)
        same_as = one.same_as
        for values in files:
            same = same_as(values) if same_as is not None else None
            made += [Output(one.endpoint, {**prefix, **values}, this,
                            None if same is None else {**prefix, **same})
                     for prefix in prefixes]
    return made


def with_prefixes(declared: tuple[Declared, ...], langs: tuple[str | None, ...]
                  ) -> tuple[tuple[Declared, tuple[dict, ...]], ...]:
    """Each declared output with the values each of its files adds (its language, kind)."""
    return tuple((one, _prefixes(one.languages, one.kinds, langs)) for one in declared)
