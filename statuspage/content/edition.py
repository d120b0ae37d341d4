"""The editions of a site: the public one, and the support desk's: the one place internal
files are read.

There are two editions of a site (``Edition``, at the end). The public one (``build/``)
is loaded by ``loader.Loader``, which skips ``incidents/<id>.internal.md``. The desk one
(``build-desk/``) is loaded by ``DeskLoader`` below: the public content, plus each
incident's internal file in ``Site.internal``. Nothing else reads those files, and the
public build drops ``Site.internal`` from any site it is given (``public``).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from statuspage.content import reading, sources
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.internal import SUFFIX, parse_internal
from statuspage.content.loader import Loader
from statuspage.content.stamps import stamps
from statuspage.errors import ContentError, Problem, Problems
from statuspage.model import FrozenMap, Internal, Site


def public(site: Site) -> Site:
    """The site without what only the desk may see."""
    return replace(site, internal=FrozenMap()) if site.internal else site


class DeskLoader(Loader):
    """Loads the public content (``Loader``), then every internal file, each parsed again
    only when its stamp or site.yaml changes. A lenient load keeps a broken internal file
    as it last loaded without error, like a broken incident file."""

    def __init__(self, root: Path, cache: Path | None = None):
        super().__init__(root, cache)
        self._internal: dict[str, tuple[tuple, Internal | None, list, list]] = {}
        self._good_internal: dict[str, Internal] = {}
        # The last load's public content, as the public edition's loader gives it (``load``
        # mixes each internal file's digest into its incident's, which the desk's pages show).
        self.public: Site | None = None

    def load(self, lenient: bool = False, found: sources.Found | None = None) -> Site:
        found = found if found is not None else sources.scan(self.root)
        site = self.public = super().load(lenient=True, found=found)  # (errors: below)
        present = {s.id for s in found.sources if s.lang is None}
        internal: dict[str, Internal] = {}
        errors: list[Problem] = []
        warnings: list[Problem] = []
        labels = set()
        for source in found.sources:
            if source.lang != sources.INTERNAL:
                continue
            labels.add(source.label)
            base, _, lang = source.id.rpartition(".")
            if source.id not in present and base in present and lang in site.config.languages:
                errors.append(Problem(source.label, 1, "internal notes are one file per "
                                      "incident, not per language: name this file "
                                      f"{INCIDENTS_DIR / (base + SUFFIX)} (say: and do: take "
                                      f"a text per language, e.g. say: {{{lang}: …}})"))
                continue
            if source.id not in present:
                errors.append(Problem(source.label, 1, "internal notes without an incident: "
                                      f"{INCIDENTS_DIR / (source.id + '.md')} does not exist "
                                      f"(name this file <id>{SUFFIX} after an incident's file)"))
                continue
            key, parsed, found_errors, found_warnings = self._parse_internal(source, site)
            errors += found_errors
            warnings += found_warnings
            if parsed is not None:
                self._good_internal[source.id] = internal[source.id] = parsed
            elif source.id in self._good_internal:
                internal[source.id] = self._good_internal[source.id]
        for label in set(self._internal) - labels:
            del self._internal[label]
        for incident_id in set(self._good_internal) - set(internal):
            del self._good_internal[incident_id]
        all_errors = tuple(sorted({*site.errors, *errors}))
        if all_errors and not lenient:
            raise ContentError(list(all_errors))
        # A desk page shows the incident's files and its internal file: its key covers both.
        incidents = tuple(
            replace(i, digest=_digest(i.digest, internal[i.id].digest))
            if i.id in internal and i.digest else i for i in site.incidents)
        loaded = {i.id for i in incidents}
        return replace(site, incidents=incidents, errors=all_errors,
                       warnings=tuple(sorted({*site.warnings, *warnings})),
                       internal=FrozenMap({k: v for k, v in sorted(internal.items())
                                           if k in loaded}))

    def _parse_internal(self, source: sources.Source, site: Site):
        key = (site.digest, source.stamp)
        cached = self._internal.get(source.label)
        if cached is not None and cached[0] == key:
            return cached
        problems = Problems(source.label)
        text = reading.read(source.path, problems)
        parsed = None
        if text is not None:
            parsed = parse_internal(source.label, text, site.config, problems)
            parsed = replace(parsed, digest=_digest(source.label, text))
        result = (key, None if problems.errors else parsed, problems.errors, problems.warnings)
        if not any(p.message.startswith(reading.NOT_READ_IN_TIME) for p in problems.errors):
            self._internal[source.label] = result  # (a file too slow to read: again next time)
        return result


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


class Edition(NamedTuple):
    """One edition of a site: its name (``build --edition``'s value, the marker's), the
    folder it is built into by default, beside the content, and whether it shows the
    internal notes (then its loader reads them; else it drops them from any site)."""

    name: str
    folder: str
    internal: bool

    def __str__(self) -> str:
        return self.name

    def loader(self, root: Path, cache: Path | None = None) -> Loader:
        return DeskLoader(root, cache) if self.internal else Loader(root, cache)

    def shown(self, site: Site) -> Site:
        """What of ``site`` this edition may show: the public one never the internal notes."""
        return site if self.internal else public(site)

    def default_out(self, root: Path) -> Path:
        return root / self.folder

    def live_site(self, root: Path) -> LiveSite:
        """The site as it is on disk now, for the preview of this edition."""
        return LiveSite(root, self.loader(root))


PUBLIC = Edition("public", "build", internal=False)
DESK = Edition("desk", "build-desk", internal=True)
EDITIONS = (PUBLIC, DESK)


def named(name: str) -> Edition:
    """The edition called ``name`` (``--edition``, a marker); ValueError if none is."""
    for edition in EDITIONS:
        if edition.name == name:
            return edition
    raise ValueError(f"unknown edition {name!r} (known: {', '.join(map(str, EDITIONS))})")


def load_site(root: Path) -> Site:
    """The whole site with its internal files, every error raised (what ``check`` reads)."""
    return DeskLoader(root).load()


class LiveSite:
    """The site as it is on disk now: reloaded when a content file changes."""

    def __init__(self, root: Path, loader: Loader | None = None):
        self.root = root
        self._loader = loader or Loader(root)
        self._stamps: dict | None = None
        self._site: Site | None = None

    def __call__(self) -> Site:
        current = stamps(self.root)
        if self._site is None or current != self._stamps:
            self._site = self._loader.load()
            self._stamps = current
        return self._site
