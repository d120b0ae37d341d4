"""What a loaded site costs in memory: the resident set after a load (through the parse
cache beside build/, or parsing every file as a first build does), and what the loaded
incidents and the loader's parse results hold, by type.

    cd /tmp && PYTHONPATH=CODE python CODE/benchmarks/loadmem.py SITE [cache|save|none] [--walk]

``cache`` loads through the parse cache (``save`` first writes it: a cache written by
another version of the code is not read); ``none`` parses every file, forked as a first
build does. ``--walk`` adds the objects held, by type (slow: a walk of every object).
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import statuspage.freeze.build  # noqa: F401  (a build's imports, before the first figure)
from statuspage.content.loader import Loader, cache_for

SKIPPED = (type, type(sys), type(len), type(lambda: 0))  # code, not data


def resident(of: Path = Path("/proc/self/status")) -> str:
    with open(of) as status:
        lines = [line.split() for line in status if line.startswith(("VmRSS", "VmHWM"))]
    return ", ".join(f"{fields[0]} {int(fields[1]) // 1024} MB" for fields in lines)


def held(roots: list, seen: set[int] | None = None) -> tuple[Counter, Counter]:
    """The bytes and the number of the objects ``roots`` hold, by type (each once), but
    those in ``seen`` (to which they are added)."""
    sizes: Counter = Counter()
    counts: Counter = Counter()
    seen = set() if seen is None else seen
    todo = list(roots)
    while todo:
        current = todo.pop()
        if id(current) in seen or isinstance(current, SKIPPED):
            continue
        seen.add(id(current))
        sizes[type(current).__name__] += sys.getsizeof(current)
        counts[type(current).__name__] += 1
        todo += gc.get_referents(current)
    return sizes, counts


def main(root: Path, mode: str, walk: bool) -> None:
    print(f"after the imports: {resident()}")
    started = time.perf_counter()
    loader = Loader(root, cache=None if mode == "none" else cache_for((root / "build").resolve()))
    site = loader.load(lenient=True)
    wall = time.perf_counter() - started
    if mode == "save":
        loader.save()
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    gc.collect()
    print(f"after loading {len(site.incidents)} incidents ({mode}): {resident()}; load "
          f"{wall:.2f} s wall, CPU {own.ru_utime + own.ru_stime:.2f} s (the process, imports "
          f"included) + {workers.ru_utime + workers.ru_stime:.2f} s (parsing workers)")
    if walk:
        sizes, counts = held([site.incidents, loader._parsed, loader._good])
        print(f"held by the incidents and the parse results: {sum(sizes.values()) / 1e6:.1f} "
              f"MB in {sum(counts.values())} objects")
        for name, size in sizes.most_common(10):
            print(f"  {name:16} {counts[name]:9} {size / 1e6:7.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "cache", "--walk" in sys.argv)
