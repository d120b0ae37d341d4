"""The daemon's figures for benchmarks/build.py: ``statuspage run`` on the built site.

Started on a site whose open incidents' promised updates have passed (see sitegen.py),
with the record of reminders already given removed, so that it reminds of every one of
them after its first build, as a daemon does on its first start. Measured:

- from the launch until the first build is live (its log says "rebuilt … (start)");
- the first update after that: saved at once, while the daemon reminds, timed until its
  page shows it;
- a few more updates, each saved in an editor's way and timed until its page shows it;
- the daemon's peak resident memory (VmHWM), and the PSS of it and its workers;
- its resident memory after ``IDLE`` seconds left alone after the saves: its look at
  every file every 30th second and its rebuilds at a moment (a promise due) come then;
- how long it takes to stop on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from measure import PssSampler, wait
from sitegen import add_update

from statuspage.ops.reminders import KIND, LEGACY
from statuspage.ops.statefiles import beside

REPO = Path(__file__).resolve().parent.parent
OVERDUE = re.compile(r"WARNING overdue: ")
START_TIMEOUT = 1800.0  # seconds: a start at 100,000 incidents on a loaded machine
LIVE_TIMEOUT = 900.0
IDLE = 65.0  # seconds left alone after the saves: two of its looks every 30th second


@dataclass
class DaemonFigures:
    start: float = 0.0  # launch → the start build live
    first: float = 0.0  # the first save after start → live
    reminded_first: int = 0  # overdue reminders logged when that first update was live
    latencies: list[float] = field(default_factory=list)
    reminded: int = 0  # overdue reminders logged in all
    hwm_mb: float = 0.0  # its peak resident memory, the start's included
    rss_mb: float = 0.0  # its resident memory after the saves
    idle_hwm_mb: float = 0.0  # its peak, and its resident memory, once left alone ``IDLE`` s
    idle_rss_mb: float = 0.0
    stop: float = 0.0  # SIGTERM → exited
    returncode: int | None = None
    pss: PssSampler | None = None


def measure(root: Path, incident_id: str, saves: int = 3) -> DaemonFigures:
    """Run ``statuspage run`` on ``root`` (its build/) and time it; ``incident_id`` is
    the open incident whose page each update is awaited on."""
    page = root / "build" / "incidents" / incident_id / "index.html"
    figures = DaemonFigures()
    launched = time.perf_counter()
    process, log = launch(root, ["-m", "statuspage", "--site", str(root), "run", "--every",
                                 "1h"])
    figures.pss = PssSampler(process.pid)
    try:
        wait_for_start(log)
        figures.start = time.perf_counter() - launched
        figures.first = _saved_to_live(root, incident_id, page, "première")
        figures.reminded_first = len(OVERDUE.findall(log.read_text()))
        for run in range(saves):
            time.sleep(1.5)  # between two saves, like people
            figures.latencies.append(_saved_to_live(root, incident_id, page, str(run)))
        figures.hwm_mb, figures.rss_mb = _resident(process.pid)
        time.sleep(IDLE)
        figures.idle_hwm_mb, figures.idle_rss_mb = _resident(process.pid)
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        figures.returncode = process.wait(LIVE_TIMEOUT)
        figures.stop = time.perf_counter() - stopping
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        figures.pss.stop()
    figures.reminded = len(OVERDUE.findall(log.read_text()))
    return figures


def _resident(pid: int) -> tuple[float, float]:
    """A process's peak and current resident memory (VmHWM, VmRSS), in MB."""
    found = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+)", Path(f"/proc/{pid}/status").read_text(),
                            re.MULTILINE))
    return int(found["VmHWM"]) / 1024, int(found["VmRSS"]) / 1024


def launch(root: Path, arguments: list[str]) -> tuple[subprocess.Popen, Path]:
    """``python ARGUMENTS`` (``statuspage … run`` on ``root``, or a wrapper of it), with the
    repository's package and its output in ``root/daemon.log``; the record of the
    promises already reminded is removed first, so that it reminds of every one."""
    for reminded in (beside(root / "build", KIND, ".json"), root / LEGACY):
        reminded.unlink(missing_ok=True)
    log = root / "daemon.log"
    with log.open("w") as stream:
        process = subprocess.Popen([sys.executable, *arguments], stdout=stream,
                                   stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
    return process, log


def wait_for_start(log: Path) -> None:
    """Until the daemon logging to ``log`` has its first build live."""
    wait(lambda: re.search(r"rebuilt \S+ \(start\)", log.read_text()), START_TIMEOUT,
         "the daemon's first build")


def _saved_to_live(root: Path, incident_id: str, page: Path, name: str) -> float:
    """Save an update, and the seconds until its incident's page shows it."""
    text = f"Mise à jour {name} du {time.time():.0f}."
    add_update(root, incident_id, datetime.now(UTC), text)
    saved = time.perf_counter()  # the file is in place: the save is done
    wait(lambda: text in page.read_text(encoding="utf-8"), LIVE_TIMEOUT, "the update online")
    return time.perf_counter() - saved
