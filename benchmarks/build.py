"""Benchmark a large site's life: builds, writing commands, the daemon, what it leaves on disk.

    python benchmarks/build.py --incidents 100000 [--languages fr,en] [--seed 1] [--keep DIR]
    python benchmarks/build.py --site DIR      # an existing site instead (its build/ is replaced)

Generates a site (benchmarks/sitegen.py: N incidents, ~2% open, their promised updates
already overdue unless ``--promises ahead``), times benchmarks/floor.py's calibration,
then measures, each step in a fresh process, one figure per line:

1. the first build (full, no cache, no previous site), by the library's ``build()`` at
   ``--now``: wall and CPU (the builder's and its workers'), CPU per incident, the PSS of
   the builder and its forked workers (sampled: the peak of their sum, and the largest
   process), and on disk the build folder and the spare tree beside it;
2. the Python floor, and the full build's CPU against it; with ``--extras`` (by default
   only up to 20,000 incidents: they cost as much as the first build) the physical floor
   and the full rebuild over the built site too. Without them, the Python floor parses
   and renders one file in ``ceil(N / 20,000)`` and scales its CPU to all of them, so
   that a run of 100,000 still ends within half an hour;
3. ``build()`` again: a first rebuild, a no-change rebuild, a rebuild after one update;
4. the commands as people run them, each in a subprocess at the real clock:
   ``statuspage build`` (catching up from ``--now``), ``statuspage update ID``, the
   ``statuspage build`` after it, a no-change ``statuspage build``, ``statuspage update
   REF`` (twice: the first may build the references' index);
5. the daemon, ``statuspage run`` (benchmarks/daemonrun.py): its start, its first update
   after start while it reminds of every overdue promise, save to live, memory, its stop
   on SIGTERM;
6. the state files beside the output.

Every CPU figure is also given in calibrations (divided by the calibration's CPU) so that
runs on different machines compare.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmark this tree

import daemonrun  # noqa: E402
import measure  # noqa: E402
from floor import calibration, cpu_seconds  # noqa: E402
from sitegen import (  # noqa: E402, F401 - DEFAULT_NOW and generate: used by importers too
    DEFAULT_NOW,
    PROMISES,
    TZ,
    Stats,
    add_update,
    generate,
)

EXTRAS_UP_TO = 20_000  # incidents: above, the floors and the full rebuild only on request
LABEL = 21  # the width of a figure's name


@dataclass
class Target:
    """The open incident the updates go to, and its reference (None: not found)."""

    id: str
    ref: str | None


def say(label: str, text: str) -> None:
    print(f"{label + ':':<{LABEL}}{text}", flush=True)


def cpu_text(cpu: float, unit: float) -> str:
    return f"CPU {cpu:.2f} s ({cpu / unit:,.1f} calibrations)"


def parse_now(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=TZ)


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def library_build(root: Path, now: datetime, full: bool, workers: int | None):
    """The library's build of ``root`` into ``root/build`` (the one call to it)."""
    from statuspage.freeze.build import BuildOptions, build

    return build(root, BuildOptions(out=root / "build", now=now, full=full, workers=workers))


def phase(root: Path, name: str, now: datetime, workers: int | None,
          target: str | None) -> dict:
    """One measured build, in this (fresh) process: full (the first: no cache, no previous
    site), nochange, update (after one update of ``target``), rebuild (``--full`` over
    the built site, or what a new version of the package costs)."""
    out = root / "build"
    if name == "full":
        for leftover in (out, out.with_name(".statuspage-spare-build"),
                         out.with_name(".statuspage-cache-build"),
                         out.with_name(".statuspage-converted-build")):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            leftover.unlink(missing_ok=True) if leftover.is_file() else None
        os.sync()  # the removal's writes done now, not during the timed build
    if name == "update" and target:
        add_update(root, target, now, "Nouvelle mise à jour.")
    started, cpu = time.perf_counter(), cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN)
    result = library_build(root, now, name in ("full", "rebuild"), workers)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    return {"seconds": seconds, "cpu": cpu, "pages": result.pages, "rendered": result.rendered,
            "incidents": incidents(root),
            "rss_mb": peak_mb(), "workers_rss_mb": peak_mb(resource.RUSAGE_CHILDREN),
            "warnings": len(result.warnings)}


def floor_phase(root: Path, every: int, physical: bool) -> dict:
    """The Python floor for the site and its build, from every ``every``-th file; and the
    physical floor if asked (benchmarks/floor.py)."""
    import floor

    seconds = floor.physical(root / "build")[0] if physical else None
    return {"physical": seconds, **floor.python(root, root / "build", every)}


def incidents(root: Path) -> int:
    return sum(1 for path in (root / "incidents").glob("*.md") if path.name.count(".") == 1)


def run_phase(root: Path, name: str, args: argparse.Namespace,
              target: str | None = None, every: int = 1,
              physical: bool = False) -> tuple[dict, measure.Timed]:
    """A phase in a fresh process, its processes' PSS sampled: its figures, and the
    process's own."""
    command = [sys.executable, __file__, "--phase", name, "--site", str(root),
               "--now", args.now.isoformat()]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if target:
        command += ["--target", target]
    if every != 1:
        command += ["--every", str(every)]
    if physical:
        command += ["--physical"]
    done = measure.run_timed(command, sample=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.errors}")
    return json.loads(done.output.strip().splitlines()[-1]), done


def statuspage(root: Path, *arguments: str) -> measure.Timed:
    """A ``statuspage`` command on ``root``, in a subprocess, as a user runs it."""
    done = measure.run_timed([sys.executable, "-m", "statuspage", "--site", str(root),
                              *arguments], env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode:
        raise SystemExit(f"statuspage {' '.join(arguments)} failed "
                         f"({done.returncode}):\n{done.errors}")
    return done


def command_text(done: measure.Timed, unit: float) -> str:
    rendered = re.search(r"\((\d+) rendered", done.output)
    shown = f" ({rendered[1]} rendered)" if rendered else ""
    return f"{done.wall:.2f} s{shown}, {cpu_text(done.cpu, unit)}; peak {done.rss_mb:.0f} MB"


def full_build(root: Path, args: argparse.Namespace, unit: float) -> dict:
    """The first build: its time, CPU, memory and what it leaves on disk."""
    full, done = run_phase(root, "full", args)
    say("pages", str(full["pages"]))
    per = full["cpu"] / max(full["incidents"], 1)
    say("full build", f"{full['seconds']:.2f} s, {cpu_text(full['cpu'], unit)}; "
        f"{per * 1000:.2f} ms CPU per incident ({per / unit:.4f} calibrations)")
    assert done.pss is not None
    say("full build memory", f"{done.pss.text()}; peak RSS {full['rss_mb']:.0f} MB, "
        f"workers {full['workers_rss_mb']:.0f} MB each at most")
    build = root / "build"
    say("build folder", measure.usage(build).text())
    say("spare tree", measure.usage(root / ".statuspage-spare-build", build).text())
    return full


def floors(root: Path, args: argparse.Namespace, full: dict, unit: float,
           every: int, physical: bool) -> None:
    """The floors the first build compares with: the Python floor (from every ``every``-th
    file), and the physical floor if asked."""
    found, _ = run_phase(root, "floor", args, every=every, physical=physical)
    if found["physical"] is not None:
        files = measure.usage(root / "build").files
        say("physical floor", f"{found['physical']:.2f} s to write the same {files} files "
            f"({full['seconds'] / found['physical']:.1f}x that in wall time)")
    sample = f" (from 1 file in {every}, scaled to all)" if every != 1 else ""
    say("Python floor", f"{cpu_text(found['cpu'], unit)}: CSafeLoader and Markdown "
        f"{found['parsing']:.2f} s for {found['texts']} texts; bare Jinja and writes "
        f"{found['rendering']:.2f} s for {found['pages']} files{sample}; the full build's "
        f"CPU is {full['cpu'] / found['cpu']:.2f}x that")


def extras(root: Path, args: argparse.Namespace, full: dict, unit: float) -> None:
    """The full rebuild over the built site."""
    found, _ = run_phase(root, "rebuild", args)
    say("full rebuild", f"{found['seconds']:.2f} s over the built site (--full), "
        f"{cpu_text(found['cpu'], unit)}; peak {found['rss_mb']:.0f} MB")


def rebuilds(root: Path, args: argparse.Namespace, target: Target | None,
             unit: float) -> None:
    for name, label in (("nochange", "first rebuild"), ("nochange", "no-change rebuild"),
                        ("update", "one-update rebuild")):
        if name == "update" and target is None:
            continue
        found, _ = run_phase(root, name, args, target.id if target else None)
        say(label, f"{found['seconds']:.2f} s ({found['rendered']} rendered), "
            f"{cpu_text(found['cpu'], unit)}; peak {found['rss_mb']:.0f} MB")


def find_target(root: Path, stats: Stats | None, unit: float) -> Target | None:
    """An open incident (the newest generated; on a site given, the first that ``list
    --open`` shows, else the first of ``list``), with its reference from its page."""
    if stats is not None:
        found = max(stats.open_ids, default=None)
    else:
        done = statuspage(root, "list", "--open")
        say("list --open", command_text(done, unit))
        lines = done.output.split("\n") if done.output.strip() != "no open incidents" \
            else statuspage(root, "list").output.split("\n")
        found = lines[0].split()[0] if lines and lines[0].strip() else None
    if found is None:
        return None
    page = root / "build" / "incidents" / found / "index.html"
    ref = re.search(r"/r/([0-9A-Z]{6})/", page.read_text(encoding="utf-8"))
    return Target(found, ref[1] if ref else None)


def commands(root: Path, target: Target, unit: float) -> None:
    """The CLI's figures, each command in a subprocess at the real clock."""
    say("build, real clock", command_text(statuspage(root, "build"), unit)
        + " (the builds above were at --now: this one catches up)")
    done = statuspage(root, "update", target.id, "-m", "Mise à jour en ligne de commande.")
    say("update ID", command_text(done, unit))
    say("build after update", command_text(statuspage(root, "build"), unit))
    say("no-change build", command_text(statuspage(root, "build"), unit))
    if target.ref is None:
        say("update REF", "not measured: no reference found on the incident's page")
        return
    for label in ("update REF", "update REF again"):
        indexed = (root / ".statuspage-refs-index").exists()
        done = statuspage(root, "update", target.ref, "-m", f"Mise à jour ({label}).")
        say(label, command_text(done, unit) + ("" if indexed else
                                               " (no references' index before it)"))


def daemon(root: Path, target: Target) -> None:
    found = daemonrun.measure(root, target.id)
    say("daemon start", f"{found.start:.2f} s from its launch until its first build is live")
    say("daemon first update", f"{found.first:.2f} s from save to live, saved at once after "
        f"the start; it reminded of {found.reminded_first} overdue promises meanwhile "
        f"({found.reminded} in all)")
    shown = ", ".join(f"{s:.2f}" for s in found.latencies)
    say("daemon save→live", f"{shown} s (its watcher and its once-a-second look included)")
    assert found.pss is not None
    say("daemon memory", f"VmHWM {found.hwm_mb:.0f} MB, VmRSS {found.rss_mb:.0f} MB after the "
        f"saves; {found.pss.text()}")
    say("daemon idle memory", f"VmHWM {found.idle_hwm_mb:.0f} MB, VmRSS "
        f"{found.idle_rss_mb:.0f} MB after {daemonrun.IDLE:.0f} s more with no save")
    say("daemon stop", f"{found.stop:.2f} s from SIGTERM until it exited "
        f"(exit status {found.returncode})")


def state(root: Path) -> None:
    """The tool's files beside the output (and the manifest inside it), as they are now."""
    found = measure.state_files(root)
    marker = root / "build" / ".statuspage-build"
    if marker.is_file():
        found.append(("build/.statuspage-build", marker.stat().st_size))
    total = sum(size for _, size in found)
    say("state files", f"{len(found)}, {measure.size_text(total)}: "
        + ", ".join(f"{name} {measure.size_text(size)}" for name, size in found))


def measure_all(root: Path, args: argparse.Namespace, languages: list[str]) -> None:
    """Every figure, in order (see the module's docstring)."""
    began = time.perf_counter()
    stats = None
    if args.incidents is not None:
        stats = generate(root, args.incidents, args.seed, args.now, languages, args.promises)
        say("incidents", f"{stats.incidents} ({stats.translated} translated, {stats.open} "
            f"open, promises {args.promises}, {stats.postmortems} with a postmortem, "
            f"{stats.updates} updates), languages {', '.join(languages)}")
        say("files generated", f"{stats.files}, in {time.perf_counter() - began:.2f} s")
    unit = calibration()
    say("calibration", f"{unit:.3f} s CPU for benchmarks/floor.py's fixed workload; a CPU "
        "figure divided by it compares across machines")
    full = full_build(root, args, unit)
    count = full["incidents"]
    extra = args.extras == "on" or (args.extras == "auto" and count <= EXTRAS_UP_TO)
    floors(root, args, full, unit, 1 if extra else max(1, math.ceil(count / EXTRAS_UP_TO)),
           physical=extra)
    if extra:
        extras(root, args, full, unit)
    target = find_target(root, stats, unit)
    rebuilds(root, args, target, unit)
    if target is not None:
        commands(root, target, unit)
        if not args.no_daemon:
            daemon(root, target)
    state(root)
    again = calibration()
    say("calibration again", f"{again:.3f} s CPU ({(again / unit - 1) * 100:+.0f}% from the "
        f"first); the whole benchmark took {(time.perf_counter() - began) / 60:.1f} min")


def parser_() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--incidents", type=int, metavar="N",
                        help="generate a site of N incidents")
    source.add_argument("--site", type=Path, metavar="DIR",
                        help="measure an existing site instead (its build/ is replaced)")
    parser.add_argument("--languages", default="fr,en",
                        help="the generated site's languages, French first (default fr,en)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--promises", choices=PROMISES, default="overdue",
                        help="the open incidents' promised updates: overdue (default: the "
                             "daemon reminds of each) or ahead of --now")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the generated site to DIR and keep it")
    parser.add_argument("--now", type=parse_now, default=DEFAULT_NOW,
                        help="the library builds' 'now', ISO 8601; naive means Europe/Paris "
                             f"(default {DEFAULT_NOW.isoformat()})")
    parser.add_argument("--workers", type=int, help="processes for a library build "
                        "(default: every core)")
    parser.add_argument("--extras", choices=["auto", "on", "off"], default="auto",
                        help="the physical floor, the whole Python floor (else one file "
                             "in N/20,000 of it) and the full rebuild over the built site "
                             f"(auto: up to {EXTRAS_UP_TO:,} incidents)")
    parser.add_argument("--no-daemon", action="store_true", help="skip the daemon's figures")
    parser.add_argument("--phase", choices=["full", "nochange", "update", "rebuild", "floor"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--physical", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = parser_()
    args = parser.parse_args(argv)
    if args.phase == "floor":
        print(json.dumps(floor_phase(args.site.resolve(), args.every, args.physical)))
        return 0
    if args.phase:
        print(json.dumps(phase(args.site.resolve(), args.phase, args.now, args.workers,
                               args.target)))
        return 0
    if args.incidents is not None and args.incidents < 0:
        parser.error("--incidents must be 0 or more")
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    if languages[:1] != ["fr"]:
        parser.error("--languages: French first (the generated text is French)")
    if args.site:
        root = args.site.resolve()
    elif args.keep:
        root = args.keep.resolve()
        if root.exists() and any(root.iterdir()):
            parser.error(f"--keep {root}: the folder is not empty")
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    try:
        measure_all(root, args, languages)
        if args.keep or args.site:
            say("site in", str(root))
        return 0
    finally:
        if not (args.keep or args.site):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
