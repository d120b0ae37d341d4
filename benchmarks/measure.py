"""How benchmarks/build.py measures: a command's wall time, CPU and memory, and a folder.

- ``run_timed`` runs a command and waits for it with ``os.wait4``: its CPU (user +
  system, its own and that of the processes it waited for) and its largest resident set
  are its alone, whatever else this process runs meanwhile.
- ``PssSampler`` follows a process and every process under it (a build's forked
  workers) and sums their proportional set sizes (PSS, from ``/proc/<pid>/smaps_rollup``:
  a page shared by the processes is counted once in the sum, where resident sizes would
  count it in each). The figure is the peak of the sum over the samples, with the largest
  single process seen.
- ``usage`` counts a folder's files, folders and bytes, and the files it shares (hard
  links) with another folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.25  # seconds between two samples, at least
# A sample reads each process's page tables: at most this share of one core goes on it.
SAMPLING_SHARE = 0.05


@dataclass
class Timed:
    wall: float  # seconds
    cpu: float  # seconds, user + system, the command and what it waited for
    rss_mb: float  # the largest resident set of the command or what it waited for
    returncode: int
    output: str  # stdout
    errors: str  # stderr
    pss: PssSampler | None = None


def run_timed(command: list[str], *, env: dict[str, str] | None = None,
              sample: bool = False, timeout: float | None = None) -> Timed:
    """Run ``command``; with ``sample``, follow its processes' PSS while it runs."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        sampler = PssSampler(process.pid) if sample else None
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, rusage = os.wait4(process.pid, 0)
        finally:
            if timer:
                timer.cancel()
            if sampler:
                sampler.stop()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024,
                     process.returncode, out.read().decode("utf-8", "replace"),
                     err.read().decode("utf-8", "replace"), sampler)


def tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return found


def pss_kb(pid: int) -> int:
    """The process's proportional set size, in KiB (0 once it has ended)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            found = re.search(r"^Pss:\s+(\d+) kB", rollup.read(), re.MULTILINE)
    except OSError:
        return 0
    return int(found[1]) if found else 0


class PssSampler:
    """Samples the PSS of a process and of every process under it, in a thread, until
    ``stop``: the peak of their sum, the largest process, the most processes at once."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self.largest_kb = 0
        self.processes = 0
        self.samples = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pss {pid}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            started = time.perf_counter()
            sizes = [pss_kb(pid) for pid in tree(self.pid)]
            self.samples += 1
            self.peak_kb = max(self.peak_kb, sum(sizes))
            self.largest_kb = max([self.largest_kb, *sizes])
            self.processes = max(self.processes, sum(1 for size in sizes if size))
            spent = time.perf_counter() - started
            if self._stopped.wait(max(SAMPLE_EVERY, spent / SAMPLING_SHARE)):
                return

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def text(self) -> str:
        many = "process" if self.processes == 1 else "processes"
        return (f"PSS at most {self.peak_kb / 1024:.0f} MB for the process tree (up to "
                f"{self.processes} {many}), the largest process "
                f"{self.largest_kb / 1024:.0f} MB ({self.samples} samples)")


@dataclass
class Usage:
    files: int = 0
    folders: int = 0
    bytes: int = 0
    shared: int = 0  # files that are hard links to a file of the other folder

    def text(self) -> str:
        shared = f", {self.shared} of them hard links to build/'s" if self.shared else ""
        return (f"{self.files} files{shared}, {self.folders} folders, "
                f"{self.bytes / 1e6:.1f} MB")


def usage(folder: Path, other: Path | None = None) -> Usage:
    """The folder's files (every kind but folders), folders (itself not counted) and
    bytes (of the files, as ``ls`` shows them); with ``other``, how many of its files
    are the same inode as one of ``other``'s."""
    inodes = _inodes(other) if other is not None else set()
    found = Usage()
    for path, folders, names in os.walk(folder):
        found.folders += len(folders)
        for name in names:
            info = os.lstat(os.path.join(path, name))
            found.files += 1
            found.bytes += info.st_size
            found.shared += (info.st_dev, info.st_ino) in inodes
    return found


def _inodes(folder: Path) -> set[tuple[int, int]]:
    inodes = set()
    for path, _, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(path, name))
            inodes.add((info.st_dev, info.st_ino))
    return inodes


def state_files(beside: Path, prefix: str = ".statuspage-",
                skip: tuple[str, ...] = (".statuspage-spare-",)) -> list[tuple[str, int]]:
    """The tool's files (and folders, their bytes summed) in ``beside``: name, bytes."""
    found = []
    for path in sorted(beside.iterdir()):
        if not path.name.startswith(prefix) or path.name.startswith(skip):
            continue
        size = usage(path).bytes if path.is_dir() else path.stat().st_size
        found.append((path.name, size))
    return found


def size_text(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def wait(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds (a file not yet there counts as not yet)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    raise SystemExit(f"timed out waiting for {what}")
