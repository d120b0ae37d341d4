"""Whether the site still loads, without loading it: what a command that wrote a file asks
before it says "done" (``cli/options.check_published``).

A load of 100,000 incidents restores each from the parse cache: 8 s of the 8.4 s that
``statuspage update`` took. But a load fails only for site.yaml, for what the scan finds,
for an incident's own files, and for two ``ref:`` alike. The parse cache holds, beside
the row of each incident whose files loaded without a problem, a *verdict*: the stamps of
those files and its ``ref:`` (parsestore.py). So the site loads when site.yaml does, the
scan finds nothing wrong, every incident has a verdict for its files as they now are or
loads without a problem on its own (the files written since the last build: a few), and
no two ``ref:`` are alike.

``True`` is sure; ``False`` only means "not known here": the caller then loads the whole
site, which says what is wrong and where.
"""

from __future__ import annotations

from pathlib import Path

from statuspage.content import parsestore, rowcodec, sources
from statuspage.content.loader import PARALLEL_FROM, Loader, grouped
from statuspage.content.package import code_digest
from statuspage.content.signing import cache_key
from statuspage.errors import ContentError

# Incidents without a verdict read here at most; more (a site never built, a cache of
# another version) are for the full load, which parses them on every core.
AT_MOST = PARALLEL_FROM


def loads(root: Path, cache: Path) -> bool:
    """Whether a load of ``root`` would succeed, as told by the parse cache ``cache`` and
    the files without a verdict in it. Raises ContentError for a broken site.yaml, as a
    load would."""
    loader = Loader(root)
    config_key = loader.config()[2]
    found = sources.scan(root)
    key = cache_key(root)
    if found.errors or key is None:
        return False
    groups, _ = grouped(found)
    verdicts = parsestore.verdicts(cache, rowcodec.Codec(key, code_digest()),
                                   parsestore.marks(config_key, groups))
    if verdicts is None:
        return False
    rest = [s for s in found.sources if s.id not in verdicts]
    if len({s.id for s in rest}) > AT_MOST:
        return False
    try:
        # (Their ``ref``: a moved reference counts as written by hand, which may only make
        # this answer "not known".)
        written = [i.ref for i in loader.load(found=sources.Found(rest, [], [])).incidents] \
            if rest else []
    except ContentError:
        return False
    claimed = [ref for ref in (*verdicts.values(), *written) if ref]
    return len(set(claimed)) == len(claimed)
