"""A daemon's rounds, timed inside it: ``statuspage run``'s own ``Daemon`` in this process
(its scheduler paused, so that only the rounds build), on a built site. Each round saves
an update to an open incident, then does what the system's report of the save makes the
daemon do (``Daemon.poll(reported=True)``: the look at the files it names, the load
patched from the last one, the build, the publication). Prints each round's wall time and
the CPU time of the thread that built, then the files the last round rendered, slowest
first.

    python benchmarks/daemonrounds.py SITE INCIDENT_ID [--rounds 10]

Unlike ``daemonrun.py`` (a daemon in its own process, timed from the save to the live
page), no watcher's delay and no other thread's work are counted: the figures of the
round itself, steadier on a busy machine. Run it on a site built by the same code (else
the start renders every file).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from rounds import arguments, print_slowest, timed_files
from sitegen import add_update

from statuspage.ops.daemon import Daemon, RunOptions


def main() -> None:
    args = arguments(__doc__)
    root = args.site.resolve()
    page = root / "build" / "incidents" / args.incident / "index.html"
    files = timed_files()
    os.chdir(root)
    daemon = Daemon(root, RunOptions())
    started = time.perf_counter()
    daemon.start(paused=True)
    print(f"start: {time.perf_counter() - started:.1f} s", flush=True)
    walls: list[float] = []
    cpus: list[float] = []
    try:
        for number in range(args.rounds):
            files.clear()
            said = f"Round {number}, {time.time()}."
            add_update(root, args.incident, datetime.now(UTC), said)
            wall, cpu = _round(daemon, page, said)
            walls.append(wall)
            cpus.append(cpu)
            print(f"round {number}: {wall:.3f} s, {cpu:.3f} s of CPU, {len(files)} files "
                  f"rendered", flush=True)
    finally:
        daemon.stop()
    print_slowest(files)
    steady = slice(1, None) if len(walls) > 1 else slice(None)
    print(f"median of rounds 1 on: {statistics.median(walls[steady]):.3f} s, "
          f"{statistics.median(cpus[steady]):.3f} s of CPU")


def _round(daemon: Daemon, page: Path, said: str, timeout: float = 600.0) -> tuple[float,
                                                                                    float]:
    """Poll as the report of a save asks until ``said`` is on ``page``; the wall and this
    thread's CPU time of the poll that built it (those before it found no report yet)."""
    deadline = time.monotonic() + timeout
    while True:
        wall, cpu = time.perf_counter(), time.thread_time()
        daemon.poll(reported=True)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if said in page.read_text("utf-8"):
            return wall, cpu
        if time.monotonic() > deadline:
            raise SystemExit(f"the update never reached {page}")
        time.sleep(0.01)  # (the system's report of the save is on its way)


if __name__ == "__main__":
    main()
