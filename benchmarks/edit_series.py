"""A series of edits on a site of 1,500 incidents, each built as the daemon builds (one
``Loader``, one ``Caches`` kept from build to build) and compared byte for byte with a
full build from nothing: what issue 36 checks ("incremental = full") at a size where the
kept state (unchanged incidents, moved references, lists' lines, settled views) is large.

    python benchmarks/edit_series.py [--seed 1] [--steps 25] [--incidents 1500] [--keep DIR]

The edits are the incremental tests' (``tests/test_incremental.py``: new, update, outage,
resolve, maintenance, translations, areas, site.yaml, a service renamed, time passing…),
made by the CLI as staff would; the site is the shipped example plus resolved incidents.
Exits 1 at the first build that differs, naming its files. About 3 minutes for 25 steps.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_incremental import EDITS, Looking, Site, copy_of_the_example, tree  # noqa: E402

from statuspage.freeze.build import BuildOptions, build  # noqa: E402
from statuspage.freeze.caches import Caches  # noqa: E402

INCIDENT = """---
title: {{fr: Panne {n}, en: Outage {n}}}
impact: minor
components: [adsl]
started: 2026-{month:02d}-{day:02d} 08:00
{areas}---
## 2026-{month:02d}-{day:02d} 09:00 · resolved
Réparé {n}.
"""


def make_site(root: Path, incidents: int) -> None:
    """The example, and resolved incidents up to ``incidents`` (a fifth with a place)."""
    copy_of_the_example(root)
    for n in range(max(incidents - len(list((root / "incidents").glob("*.md"))), 0)):
        month, day = n % 10 + 1, n % 28 + 1
        areas = f'areas: ["{69000 + n % 9}"]\n' if n % 5 == 0 else ""
        (root / "incidents" / f"2026-{month:02d}-{day:02d}-panne-{n}.md").write_text(
            INCIDENT.format(n=n, month=month, day=day, areas=areas), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--incidents", type=int, default=1500)
    parser.add_argument("--keep", type=Path,
                        help="build the site in DIR (default: a temporary one)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="edit-series-"))
    root = work / "site"
    root.mkdir(parents=True)
    make_site(root, args.incidents)
    patch = pytest.MonkeyPatch()
    site = Site(root, patch)
    edits = [e for e in EDITS if e != "code"] + ["rename"]  # (code: the tests' own)
    rng = random.Random(args.seed)
    loader, caches = Looking(root), Caches()  # (loads patched as the daemon's are)
    build(root, BuildOptions(out=root / "build", now=site.now), site=loader.load(), caches=caches)
    for step in range(args.steps):
        kind, pick = rng.choice(edits), rng.randrange(1000)
        site.edit(kind, pick)
        started = time.perf_counter()
        done = build(root, BuildOptions(out=root / "build", now=site.now),
                     site=loader.load(lenient=True), caches=caches)
        seconds = time.perf_counter() - started
        build(root, BuildOptions(out=work / "full", now=site.now, full=True))
        mine, full = tree(root / "build"), tree(work / "full")
        print(f"{step:3} {kind:16} rendered {done.rendered:5} of {done.pages} in "
              f"{seconds:.2f} s: {'same' if mine == full else 'DIFFERENT'}", flush=True)
        if mine != full:
            print("differing files:", sorted(k for k in mine.keys() | full.keys()
                                             if mine.get(k) != full.get(k))[:20])
            return 1
    print(f"{args.steps} builds, each the same bytes as a full build ({work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
