"""What a running daemon holds in memory, by what holds it. ``statuspage run`` on a built
site, started as ``daemonrun.py`` starts it; a few updates saved to an open incident, each
timed from its save to its live page; its resident memory then; and, on a signal, a walk
of what it holds: for each holder in turn, the objects it holds that no holder before it
does (their ``sys.getsizeof``: the objects, not the allocator's room around them), by type.

    python benchmarks/daemonmem.py SITE INCIDENT_ID [--saves 3]

Run it on a site built by the same code: a site built by another version renders every
file at the start. At 100,000 incidents the walk takes about a minute, and a GB of its own.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from pathlib import Path

from daemonrun import LIVE_TIMEOUT, _saved_to_live, launch, wait_for_start
from loadmem import held, resident
from measure import wait


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("incident")
    parser.add_argument("--saves", type=int, default=3)
    args = parser.parse_args()
    root, report = args.site, args.site / "daemon-holdings.txt"
    report.unlink(missing_ok=True)
    page = root / "build" / "incidents" / args.incident / "index.html"
    process, log = launch(root, [__file__, "--child", str(report), "--site", str(root), "run",
                                 "--every", "1h"])
    try:
        wait_for_start(log)
        times = [_saved_to_live(root, args.incident, page, f"holdings {n}")
                 for n in range(args.saves)]
        print("save → live: " + ", ".join(f"{seconds:.2f} s" for seconds in times))
        print(resident(Path(f"/proc/{process.pid}/status")))
        process.send_signal(signal.SIGUSR1)
        wait(report.exists, LIVE_TIMEOUT, "the daemon's walk")
        print(report.read_text(encoding="utf-8"), end="")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(LIVE_TIMEOUT)


def child(report: Path, arguments: list[str]) -> None:
    """In the daemon's process: ``statuspage`` with ``arguments``; on SIGUSR1, the walk
    written to ``report`` (in a thread: the signal comes between two bytecodes)."""
    signal.signal(signal.SIGUSR1, lambda *_: threading.Thread(
        target=lambda: _write_holdings(report)).start())
    from statuspage.cli import console
    sys.argv = ["statuspage", *arguments]
    sys.exit(console())


def _write_holdings(report: Path) -> None:
    from statuspage.ops.daemon import Daemon

    gc.unfreeze()  # (the daemon freezes what outlives its builds: get_objects skips it)
    daemon = next(found for found in gc.get_objects() if isinstance(found, Daemon))
    settled = daemon.caches.settled
    holders = [("the site (its incidents)", daemon.editions[0].site),
               ("the loader", daemon.loader), ("Settled: views kept", settled.kept),
               ("Settled: runs", settled.runs), ("Settled: lines", settled.lines),
               ("Settled: the rest", settled), ("plans", daemon.caches.plans),
               ("manifests", daemon.caches.manifests), ("the rest of the daemon", daemon)]
    seen: set[int] = set()
    lines = []
    for name, holder in holders:
        sizes, counts = held([holder], seen)
        top = ", ".join(f"{kind} {size / 2**20:.1f}" for kind, size in sizes.most_common(4))
        lines.append(f"{name:26} {sum(sizes.values()) / 2**20:8.1f} MB "
                     f"{sum(counts.values()):9} objects ({top})")
    Path(f"{report}.part").write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(f"{report}.part", report)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), sys.argv[3:])
    else:
        main()
