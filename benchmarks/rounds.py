"""A daemon's rounds, in this process, on a built site: each round saves one update to an
open incident, loads what changed and builds, as ``statuspage run`` does (one ``Loader``,
one ``Caches`` kept from round to round). Prints, per round, the build's time and the CPU
time of its render, then the files that took longest to render in the last round.

    python benchmarks/rounds.py SITE INCIDENT_ID [--rounds 10]

The first build (not counted) renders what the clock moved since the site was built, and
makes what the rounds reuse. Run it on a site built by the same code: a site built by
another version renders every file at that first build.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sitegen import add_update

from statuspage.content import sources
from statuspage.content.loader import Loader, cache_for
from statuspage.freeze import build as building
from statuspage.freeze import rendering
from statuspage.freeze.caches import Caches


def main() -> None:
    args = arguments(__doc__)
    renders: list[float] = []  # this round's
    rounds: list[float] = []  # each round's but the first
    files = timed_files()
    render = building.render

    def timed_render(*given, **named):
        started = time.process_time()
        try:
            return render(*given, **named)
        finally:
            renders.append(time.process_time() - started)

    building.render = timed_render
    root, out = args.site, args.site / "build"
    loader, caches = Loader(root, cache_for(out)), Caches()
    site = loader.load(lenient=True)
    building.build(root, building.BuildOptions(out=out, now=datetime.now(UTC), warm=True),
                   site=site, caches=caches)
    loader.save()
    for number in range(args.rounds):
        renders.clear()
        files.clear()
        add_update(root, args.incident, datetime.now(UTC), f"Round {number}, {time.time()}.")
        found, _ = sources.look(root)
        started = time.perf_counter()
        site = loader.load(lenient=True, found=found)
        done = building.build(root, building.BuildOptions(out=out, now=datetime.now(UTC)),
                              site=site, caches=caches)
        print(f"round {number}: load and build {time.perf_counter() - started:.3f} s, "
              f"{done.rendered} files rendered in {sum(renders):.3f} s of CPU", flush=True)
        if number:
            rounds.append(sum(renders))
    print_slowest(files)
    print(f"render CPU, median of rounds 1 on: {statistics.median(rounds or [0.0]):.3f} s")


def arguments(doc: str) -> argparse.Namespace:
    """SITE INCIDENT_ID [--rounds N], as this benchmark and daemonrounds.py take them."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("incident")
    parser.add_argument("--rounds", type=int, default=10)
    return parser.parse_args()


def timed_files() -> list[tuple[float, str]]:
    """The list each file rendered from now on goes to, with the seconds it took."""
    files: list[tuple[float, str]] = []
    build_one = rendering.SiteFreezer._build_one

    def timed_file(freezer, url, *given):
        started = time.perf_counter()
        try:
            return build_one(freezer, url, *given)
        finally:
            files.append((time.perf_counter() - started, url))

    rendering.SiteFreezer._build_one = timed_file  # type: ignore[method-assign]
    return files


def print_slowest(files: list[tuple[float, str]]) -> None:
    print("slowest files of the last round:")
    for seconds, url in sorted(files, reverse=True)[:10]:
        print(f"  {seconds * 1000:6.1f} ms  {url}")


if __name__ == "__main__":
    main()
