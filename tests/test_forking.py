"""forked_map: work in forked processes, which end by themselves; the work shared out with
it (parsing, linking) gives what one process gives."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from statuspage.forking import forked_map

SEEN = {"parent": os.getpid()}


def _where(number: int) -> tuple[int, int, bool]:
    return number, os.getpid(), SEEN["parent"] != os.getpid()


def _fails(number: int) -> int:
    if number == 1:
        raise ValueError("worker 1 failed")
    return number


def test_each_share_runs_in_its_own_forked_process_and_comes_back_in_order():
    done = forked_map(_where, 3)
    assert [number for number, _, _ in done] == [0, 1, 2]
    assert all(forked for _, _, forked in done)
    assert multiprocessing.active_children() == []  # ended, and reaped


def test_a_failing_share_raises_in_the_parent_and_leaves_no_process():
    with pytest.raises(ValueError, match="worker 1 failed"):
        forked_map(_fails, 3)
    assert multiprocessing.active_children() == []


def test_a_closure_runs_in_the_workers_and_the_parent_keeps_no_job():
    """What the work needs is the caller's (a closure here, as the builder's and the
    loader's shares are): the workers see it by the fork, and nothing of it stays behind in
    a module for another caller to find."""
    import statuspage.forking as forking

    shares = [["a", "b"], ["c"], []]
    done = forked_map(lambda number: (os.getpid(), [s.upper() for s in shares[number]]), 3)
    assert [found for _, found in done] == [["A", "B"], ["C"], []]
    assert os.getpid() not in {pid for pid, _ in done}
    assert forking._WORK is None


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _state(pid: int) -> str:
    """``dead`` (gone, or a zombie waiting to be reaped), ``killed`` (SIGKILL pending: it
    cannot run again) or ``running``."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return "dead"
    if stat.rpartition(")")[2].split()[0] in ("Z", "X"):
        return "dead"
    pending = 0
    for line in status.splitlines():
        if line.startswith(("SigPnd:", "ShdPnd:")):
            pending |= int(line.split()[1], 16)
    return "killed" if pending & (1 << (signal.SIGKILL - 1)) else "running"


def _poll(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


INCIDENT = ("---\ntitle: Panne {n}\nimpact: minor\ncomponents: [fibre]\n"
            "started: 2026-10-{day:02d} 10:00\n---\n## 2026-10-{day:02d} 10:05 · resolved\n"
            "Réglé.\n")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is forked")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_workers_of_a_killed_build_die_with_it(site_dir):
    """kill -9 of a build runs none of its cleanup: its forked workers, waiting on its
    queue, must not outlive it."""
    for n in range(1500):  # enough to parse and render on every core, for a while
        (site_dir / "incidents" / f"2026-10-{n % 28 + 1:02d}-panne-{n}.md").write_text(
            INCIDENT.format(n=n, day=n % 28 + 1), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    build = subprocess.Popen([sys.executable, "-m", "statuspage", "--site", str(site_dir),
                              "build"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        seen: set[int] = set()
        assert _poll(lambda: bool(seen.update(_children(build.pid)) or seen), 120), \
            "the build forked no worker"
        time.sleep(0.2)  # past their start, where they ask to die with the build
        workers = _children(build.pid) | seen
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    # The kernel sends a worker its SIGKILL as the build exits, before the build can be
    # reaped: each is gone or cannot run again (else it goes on with its share). One that
    # had not yet asked for it (a loaded machine may not have run it since the fork) finds
    # its parent gone as soon as it runs, and ends: waited for, a few seconds at most.
    _poll(lambda: "running" not in {_state(pid) for pid in workers}, 10)
    states = {pid: _state(pid) for pid in workers}
    for pid in workers:
        if _state(pid) == "running":
            os.kill(pid, signal.SIGKILL)
    assert "running" not in states.values(), states


def test_parsing_on_every_core_gives_the_same_site(example_dir, monkeypatch):
    import statuspage.content.loader as loading

    (example_dir / "incidents" / "2026-11-25-broken.md").write_text("oops\n", encoding="utf-8")
    monkeypatch.setattr(loading, "PARALLEL_FROM", 10**9)
    alone = loading.Loader(example_dir).load(lenient=True)
    monkeypatch.setattr(loading, "PARALLEL_FROM", 1)
    together = loading.Loader(example_dir).load(lenient=True)
    assert together.incidents == alone.incidents and together.errors == alone.errors
    assert [i.digest for i in together.incidents] == [i.digest for i in alone.incidents]
    assert together.warnings == alone.warnings


def test_many_files_are_linked_into_a_fresh_tree_by_every_core(tmp_path: Path, monkeypatch):
    """Linking a whole site (a first build's mirror) is shared out to forked workers; each
    file is the same inode in both trees, each folder made, however the work was split."""
    from statuspage.freeze import tree

    source, target = tmp_path / "out", tmp_path / "spare"
    paths = [f"{lang}incidents/{n:03d}/{name}" for lang in ("", "en/") for n in range(9)
             for name in ("index.html", "updates.atom")] + ["index.html", "api/v2/summary.json"]
    for path in paths:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(path, encoding="utf-8")
    shares: list[int] = []
    forked_map = tree.forked_map
    monkeypatch.setattr(tree, "forked_map", lambda job, n: shares.append(n) or forked_map(job, n))
    monkeypatch.setattr(tree, "LINKS_PER_WORKER", 5)
    monkeypatch.setattr(tree.os, "sched_getaffinity", lambda pid: {0, 1, 2})
    target.mkdir()
    tree.link_many(source, target, paths, fresh=True)
    assert shares == [3]
    linked = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert linked == sorted(paths)
    assert all((target / p).stat().st_ino == (source / p).stat().st_ino for p in paths)
