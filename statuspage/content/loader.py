"""Loading a whole site: every content file, validated, each parsed once.

``Loader`` keeps what it parsed, so that loading again re-reads only the files whose
path, size, time or inode changed (Pelican's file-stamp cache), and remembers each
incident as it last loaded without error: a lenient load (the daemon's) publishes that
version of a broken file while the other files go on.

Between runs, what was parsed is kept beside the output (parsestore.py: one signed row per
incident, its files' results and its last good version): the first load reads the rows
whose files have not changed, each save writes only those of the incidents parsed again."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from itertools import chain, count
from pathlib import Path
from zoneinfo import ZoneInfo

from statuspage.content import branding, parsestore, patch, reading, refclash, refindex, sources
from statuspage.content.config import INCIDENTS_DIR, SITE_FILE, missing_site_file, parse_config
from statuspage.content.incident import apply_translation, parse_incident
from statuspage.content.package import code_digest
from statuspage.content.parsed import Parsed, in_order, sharing
from statuspage.content.spill import Spill
from statuspage.content.unchanged import Order, Unchanged
from statuspage.errors import ContentError, Problem, Problems
from statuspage.forking import forked_map
from statuspage.model import Incident, Site, SiteConfig


@dataclass
class _Read:
    """What reading every incident's files gave: the incidents that loaded, the ids of
    those that did not, and the problems."""

    originals: dict[str, Incident] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    errors: list[Problem] = field(default_factory=list)
    warned: dict[str, tuple[Problem, ...]] = field(default_factory=dict)  # by incident


CACHE = ".statuspage-cache-"  # beside the output: the parsed content, by file stamp
LOADS = count(1)  # each full load's ``Site.same_ids``, in every loader of the process
Groups = dict[str, list[sources.Source]]  # an incident's files (its translations too), by id


def cache_for(out: Path) -> Path:
    """The parse cache of the site built into ``out``: beside it, named after it."""
    return out.with_name(CACHE + out.name)


class Loader:
    """Loads a site, re-reading only the files whose path, size, time or inode changed
    (Pelican's file-stamp cache), and parsing again when site.yaml changes.

    With ``cache`` (a file), what was parsed is kept there between runs: the first ``load``
    reads what it can use of it (not what another version of the package wrote), ``save``
    writes what was parsed since.
    """

    def __init__(self, root: Path, cache: Path | None = None):
        self.root = root
        self.cache = cache
        self._parsed: dict[str, Parsed] = {}
        self._good: dict[str, Incident] = {}  # each incident as it last loaded without error
        self._store = parsestore.Store(root, cache, (Parsed,)) if cache is not None else None
        self._read_cache = cache is not None
        self._groups: Groups = {}  # the files of the last load
        self._unchanged = Unchanged()  # each incident as its files last gave it
        self._moves = refclash.Moves()  # who moved to which reference
        self._config_key = ""  # and its site.yaml
        self._timezone: ZoneInfo | None = None  # its zone
        self._seeded = False  # whether the references' index was looked at (``save``)
        self._order = Order()  # the last load's incidents, newest first
        self.last: patch.Last | None = None  # what the next load may patch (patch.py)

    def spill_words(self, spill: Spill) -> None:
        """Keep the words of the incidents it restores in ``spill``, not in memory."""
        if self._store is not None:
            self._store.spill = spill

    def _restore(self, groups: Groups, config_key: str, present: set[str]) -> None:
        """Take from the cache file the incidents whose files are as they were."""
        self._read_cache = False
        assert self._store is not None
        marks = parsestore.marks(config_key, groups)
        for incident_id, (parsed, good) in \
                self._store.restore(code_digest(), marks, present).items():
            self._parsed.update(sharing(parsed, groups[incident_id], config_key))
            if good is not None:
                self._good[incident_id] = good

    def save(self, limit: int | None = None) -> list[str]:
        """Write to the cache file the rows of the incidents parsed again (or gone) since
        the last save, in one transaction, ``limit`` of them at most (a daemon's, in
        slices): never the whole cache; what went wrong. The first save also writes the
        references' index when there is none (``refindex.seed``)."""
        if self._store is None:
            return []
        if not self._seeded and self._timezone is not None:  # (tried once: a folder read only)
            self._seeded = True
            refindex.seed(self.root, self._timezone, (  # what the loads found, when none
                (source, clean) for incident_id, group in self._groups.items() for source in group
                if source.lang is None and (clean := self._unchanged.clean(incident_id, group))))
        return self._store.save(code_digest(), self._row, self._groups, limit)

    def unsaved(self) -> bool:
        """Whether the cache file lacks rows that ``save`` would write."""
        return self._store is not None and bool(self._store.dirty or self._store.anew)

    def _row(self, incident_id: str) -> parsestore.Row | None:
        """An incident's row: the stamps of its files, what each gave, its last good
        version (one pickle: the two are mostly the same object), and its ``ref:`` when
        its files load without a problem; None: no row."""
        group = self._groups.get(incident_id, [])
        parsed = {s.label: self._parsed[s.label] for s in group if s.label in self._parsed}
        good = self._good.get(incident_id)
        if not parsed and good is None:
            return None
        clean = self._unchanged.clean(incident_id, group)
        return parsestore.Row(parsestore.mark(self._config_key, group), (parsed, good),
                              None if clean is None else clean.ref or "")

    def _touch(self, incident_id: str) -> None:
        if self._store is not None:
            self._store.dirty.add(incident_id)

    def config(self) -> tuple[SiteConfig, Problems, str]:
        """The configuration, its warnings, and a digest of site.yaml."""
        site_file = self.root / SITE_FILE
        if missing := missing_site_file(self.root):
            raise missing
        problems = Problems(str(SITE_FILE))
        text = reading.read(site_file, problems)
        if text is None:
            raise ContentError(problems.errors)
        config, problems = parse_config(text, str(SITE_FILE))
        if problems.errors or config is None:
            raise ContentError(problems.errors)
        digest = hashlib.sha256(text.encode("utf-8"))
        if config.logo is not None:  # its bytes: the pages name the logo by their hash
            logo, problem = branding.load_logo(self.root / SITE_FILE.parent, config.logo)
            if logo is None:
                problems.error(f"logo: {problem}", "logo")
                raise ContentError(problems.errors)
            if problem:  # what the SVG's allow-list left out
                problems.warn(f"logo: {problem}", "logo")
            config = replace(config, logo=logo)
            digest.update(logo.data)
        return config, problems, digest.hexdigest()

    def load(self, lenient: bool = False, found: sources.Found | None = None) -> Site:
        """Load and validate the whole site; raise ContentError listing every error.
        ``found``: the content files as a scan just found them (else scanned here).

        ``lenient`` (the daemon) does not raise for a broken incident file: the incident is
        published as it last loaded without error (left out if it never did), and the
        problems are in ``Site.errors``. A broken site.yaml still raises.
        """
        config, config_problems, config_key = self.config()
        found = found if found is not None else sources.scan(self.root)
        if found.folder is not None:  # not a site without incidents: lenient or not
            raise ContentError(found.errors)
        if site := patch.patched(self, config, config_problems.warnings, config_key, found):
            return site
        groups, present = grouped(found)
        if self._read_cache:
            self._restore(groups, config_key, present)
        self._groups, self._config_key, self._timezone = groups, config_key, config.timezone
        same = self._unchanged.start(config_key, groups)
        self._prefetch(groups, config, config_key, present, same)
        read = self._read_all(groups, config, config_key, present, same)
        errors = [*found.errors, *read.errors]
        warnings = [*config_problems.warnings, *found.warnings,
                    *chain.from_iterable(read.warned.values())]
        if errors and not lenient:
            self.last = None  # (its files moved on: the next load is a full one)
            raise ContentError(errors)
        self._forget(found.sources)
        originals = self._settle(read, present)
        warnings += (moves := self._moves.moved(originals))
        same_ids = next(LOADS)
        self.last = None if errors or read.broken else \
            patch.Last(found, config_key, present, read.warned, tuple(moves), same_ids)
        return Site(config, self._order.of(originals), tuple(sorted(set(warnings))),
                    tuple(sorted(errors)), config_key, same_ids=same_ids)

    def _read_all(self, groups: dict[str, list[sources.Source]], config: SiteConfig,
                  config_key: str, present: set[str], same: set[str]) -> _Read:
        """Every incident from its files (through the cache; ``same``: as the last load
        made it), and what is wrong with them."""
        read = _Read()
        unchanged = self._unchanged
        for incident_id, group in groups.items():
            if incident_id in same:
                read.originals[incident_id], kept = unchanged.get(incident_id)
                if kept:
                    read.warned[incident_id] = kept
                continue
            incident, problems, notes = self._chain(group, config, config_key, present)
            read.errors += problems
            if notes:
                read.warned[incident_id] = tuple(notes)
            if incident is not None and not problems:
                read.originals[incident_id] = incident
                unchanged.keep(incident_id, group, incident, notes)
            elif incident_id in present:
                read.broken.add(incident_id)
        for problem in refclash.collisions(read.originals, self.root):
            read.errors.append(problem)
            read.broken.add(Path(problem.path).stem)
        return read

    def _settle(self, read: _Read, present: set[str]) -> dict[str, Incident]:
        """The incidents to publish: each as it loaded, a broken one as it last loaded
        without error (kept for the next time); forget those whose file is gone."""
        originals = read.originals
        for incident_id, incident in originals.items():
            if incident_id not in read.broken and self._good.get(incident_id) is not incident:
                self._good[incident_id] = incident
                self._touch(incident_id)
        if self._store is not None:  # a broken file's last good version, from its old row
            lost = {i for i in read.broken & present if i not in self._good}
            for incident_id, (_, good) in self._store.recall(code_digest(), lost).items():
                if good is not None:
                    self._good[incident_id] = good
        for incident_id in read.broken:
            originals.pop(incident_id, None)
            if incident_id in self._good and incident_id in present:
                originals[incident_id] = self._good[incident_id]
        for incident_id in set(self._good) - present:
            del self._good[incident_id]
            self._touch(incident_id)
        return originals

    def _chain(self, group: list[sources.Source], config: SiteConfig, config_key: str,
               present: set[str]) -> tuple[Incident | None, list[Problem], list[Problem]]:
        """One incident from its files: the original, then each translation over it."""
        if len(group) == 1 and group[0].lang is None:  # (most incidents: what follows, at once)
            cached = self._parsed.get(group[0].label)
            if cached is not None and cached.key == (config_key, group[0].stamp) \
                    and not cached.aside:
                return cached.incident, list(cached.errors), list(cached.warnings)
        errors: list[Problem] = []
        warnings: list[Problem] = []
        steps: list[tuple[sources.Source, tuple]] = []  # each file that makes it, its key
        key: tuple = ()
        for source in in_order(group):
            if source.lang is not None:
                problem = self._translation_problem(source, config, present)
                if problem:
                    errors.append(Problem(source.label, 1, problem))
                    continue
            key = (key, source.stamp) if source.lang else (config_key, source.stamp)
            steps.append((source, key))
        kept = [self._parsed.get(source.label) for source, _ in steps]
        if not all(c is not None and c.key == k for c, (_, k) in zip(kept, steps, strict=True)) \
                or (kept and kept[-1] is not None and kept[-1].aside):
            for source, _ in steps:  # a file after them changed: what was set aside is needed
                if (cached := self._parsed.get(source.label)) is not None and cached.aside:
                    del self._parsed[source.label]
        incident: Incident | None = None
        for source, key in steps:
            # (None after a result set aside: the next file's is then kept, and ignores it.)
            parsed = self._parse(source, key, config, incident)
            errors += parsed.errors
            warnings += parsed.warnings
            if parsed.incident is None and not parsed.aside:
                return None, errors, warnings
            incident = parsed.incident
        if incident is not None and not errors:
            self._set_aside([source for source, _ in steps[:-1]])
        return incident, errors, warnings

    def _set_aside(self, before: list[sources.Source]) -> None:
        """Forget the incidents of the files before the last translation (not their problems)."""
        for source in before:
            cached = self._parsed[source.label]
            if not cached.aside:
                self._parsed[source.label] = replace(cached, incident=None, aside=True)

    def _prefetch(self, groups: dict[str, list[sources.Source]], config: SiteConfig,
                  config_key: str, present: set[str], same: set[str]) -> None:
        """Parse on every core when many incidents are not in the cache (a first build)."""
        stale = [group for incident_id, group in groups.items() if incident_id not in same
                 and any(not self._fresh(source, config_key) for source in group)]
        workers = len(os.sched_getaffinity(0))
        if workers < 2 or len(stale) < PARALLEL_FROM:
            return
        # Small shares, each sent back once parsed, not a worker's whole part held to the end.
        shares = [stale[n:n + SHARE] for n in range(0, len(stale), SHARE)]
        for parsed in forked_map(lambda n: self._parse_share(shares[n], config, config_key,
                                                             present), workers, len(shares)):
            self._parsed.update(parsed)
        for group in stale:
            self._touch(group[0].id)

    def _parse_share(self, share: list[list[sources.Source]], config: SiteConfig,
                     config_key: str, present: set[str]) -> dict[str, Parsed]:
        """In a forked worker: parse its share of the incidents; what it parsed, by file.
        Its files are read in one go (``reading.read_ahead``): the originals, then the
        translations ``_chain`` reads (none it would not read, but one after a translation
        that fails: a file that hangs keeps a worker from ending)."""
        self._parsed = {}
        with reading.read_ahead([s.path for group in share for s in group if s.lang is None]):
            for group in share:  # (the originals alone: each file is parsed once)
                self._chain([s for s in group if s.lang is None], config, config_key, present)
        loaded = {s.id for group in share for s in group if s.lang is None
                  and getattr(self._parsed.get(s.label), "incident", None) is not None}
        with reading.read_ahead([s.path for group in share for s in group if s.lang is not None
                                 and s.id in loaded
                                 and not self._translation_problem(s, config, present)]):
            for group in share:
                self._chain(group, config, config_key, present)
        return self._parsed

    def _fresh(self, source: sources.Source, config_key: str) -> bool:
        cached = self._parsed.get(source.label)
        if cached is None or cached.key[-1] != source.stamp:
            return False
        root = cached.key
        while isinstance(root[0], tuple):
            root = root[0]
        return root[0] == config_key

    def _translation_problem(self, source: sources.Source, config: SiteConfig,
                             present: set[str]) -> str | None:
        lang = source.lang
        if lang == config.default_language:
            return (f"{lang} is the default language: its text belongs in "
                    f"{INCIDENTS_DIR / (source.id + '.md')} itself (merge this file into it)")
        if lang not in config.languages:
            return (f"unknown translation language {lang!r}: name the file <id>.<lang>.md with "
                    f"one of {', '.join(config.languages[1:]) or '—'}")
        if source.id not in present:
            return (f"translation without its original: {INCIDENTS_DIR / (source.id + '.md')} "
                    "does not exist (rename this file to match an incident id)")
        return None

    def _parse(self, source: sources.Source, key: tuple, config: SiteConfig,
               original: Incident | None) -> Parsed:
        cached = self._parsed.get(source.label)
        if cached is not None and cached.key == key:
            return cached
        problems = Problems(source.label)
        text = reading.read(source.path, problems)
        incident = None
        if text is not None and original is None:
            incident = parse_incident(source.id, source.label, text, config, problems)
        elif text is not None and original is not None and source.lang:
            incident = apply_translation(original, source.lang, text, config, problems)
        if problems.errors:
            incident = None
        elif incident is not None and text is not None:
            # What the incident's pages show of its files: this one's bytes, after the
            # original's (and the translations before it).
            seed = "" if original is None else original.digest
            incident = replace(incident, digest=hashlib.sha256(
                f"{seed}\0{source.label}\0{text}".encode()).hexdigest()[:24])
        parsed = Parsed(key, incident, tuple(problems.errors), tuple(problems.warnings))
        if not any(p.message.startswith(reading.NOT_READ_IN_TIME) for p in problems.errors):
            self._parsed[source.label] = parsed  # (a file too slow to read: again next time)
        self._touch(source.id)
        return parsed

    def _forget(self, found: list[sources.Source]) -> None:
        """What was parsed of files that are gone, forgotten (and their row rewritten)."""
        labels = {source.label for source in found}
        for label in set(self._parsed) - labels:
            del self._parsed[label]
            self._touch(_incident_of(label))


def grouped(found: sources.Found) -> tuple[Groups, set[str]]:
    """Each incident's files but a desk's note, by id; and the ids with an original file."""
    groups: Groups = {}
    for source in found.sources:
        if source.lang != sources.INTERNAL:
            groups.setdefault(source.id, []).append(source)
    return groups, {s.id for s in found.sources if s.lang is None}


def _incident_of(label: str) -> str:
    """The incident a content file belongs to, from its name (as sources.scan tells)."""
    stem = label.rpartition("/")[2][:-3]
    return stem.rpartition(".")[0] or stem


PARALLEL_FROM = 300  # incidents to parse before a pool of processes pays for itself
SHARE = 200  # incidents a parsing worker sends back at once


def load_config(root: Path) -> SiteConfig:
    return Loader(root).config()[0]


def load_site(root: Path) -> Site:
    return Loader(root).load()
