"""Benchmark the daemon's look every second: a full look against a glance at the folders.

    python benchmarks/looks.py [--incidents 10000]

A generated site (benchmarks/build.py's) of N incidents; the figures are the time of one
full look (``sources.look``: every content file's stamp) and of one glance
(``watching.glance``: incidents/'s own stamp and content/'s files), each the mean of ten.
One figure per line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this tree
sys.path.insert(0, str(ROOT / "benchmarks"))

from build import generate  # noqa: E402

from statuspage.content import sources  # noqa: E402
from statuspage.ops.watching import glance  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def mean_ms(look: Callable[[Path], object], root: Path, times: int = 10) -> float:
    look(root)  # the folder's entries in the system's cache, as every second after the first
    started = time.perf_counter()
    for _ in range(times):
        look(root)
    return (time.perf_counter() - started) / times * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        generate(root, args.incidents, 1, NOW)
        print(f"full look: {mean_ms(sources.look, root):.1f} ms")
        print(f"glance: {mean_ms(glance, root):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
