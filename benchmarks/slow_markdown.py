"""Markdown that Python-Markdown is slow on: how long `statuspage check` takes on each kind,
and how long the worst text the limits let through takes to convert.

    python benchmarks/slow_markdown.py check [--timeout 60] [--only NAME]
    python benchmarks/slow_markdown.py limits [--only NAME]

``check``: for each kind, a new site (``statuspage init``) with one incident whose update
holds that markdown, at the size of the report that found it (issue 35); ``statuspage
check`` is timed in its own process (wall and processor time), and stopped after
``--timeout`` seconds. ``limits``:
for each kind, the largest text ``markup.audit`` accepts (a binary search on its size),
and the time Python-Markdown takes to convert it. One line per kind.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmark this tree

from statuspage import markdown_limits, markup  # noqa: E402
from statuspage.errors import Problems  # noqa: E402

# name → (markdown of size n, the n of the report)
KINDS: dict[str, tuple[Callable[[int], str], int]] = {
    "nested list items": (lambda n: "- " * n + "x", 100_000),
    "nested ordered items": (lambda n: "1. " * n + "x", 50_000),
    "dashes (RecursionError)": (lambda n: "- " * n + "x", 3_000),
    "indented lists": (lambda n: "".join(" " * i + "- x\n" for i in range(n)), 1_400),
    "lists apart": (lambda n: "- x\n\n    - y\n\n" * n, 2_000),
    "backticks": (lambda n: "`a" * n, 200_000),
    "entities": (lambda n: "&amp;" * n, 150_000),
    "### headings": (lambda n: "### h\n" * n, 20_000),
    "runs of *": (lambda n: "".join("*" * (i % 4 + 1) + "a" for i in range(n)), 100_000),
    "emphasis": (lambda n: "_a_ " * n, 50_000),
    "line breaks": (lambda n: "a  \n" * n, 50_000),
    "escapes": (lambda n: "\\*" * n, 100_000),
    "rules": (lambda n: "---\nx\n" * n, 20_000),
    "setext headings": (lambda n: "x\n===\n" * n, 20_000),
    "unclosed fences": (lambda n: "```a\n" * n, 20_000),
    "links": (lambda n: "[a](b) " * n, 1_000),
    "list lines": (lambda n: "- x\n" * n, 200_000),
    "table rows": (lambda n: "a|b\n-|-\n" + "c|d\n" * n, 200_000),
}
HEADING = "## 2026-11-25 10:05 · investigating\n"


def incident(body: str) -> str:
    return ("---\ntitle: Slow\nimpact: minor\ncomponents: [web]\nstarted: 2026-11-25 10:00\n"
            f"---\n{HEADING}{body}\n")


def check(kinds: dict, timeout: float) -> None:
    for name, (make, n) in kinds.items():
        with tempfile.TemporaryDirectory() as folder:
            site = Path(folder) / "site"
            subprocess.run([sys.executable, "-m", "statuspage", "init", str(site)], check=True,
                           capture_output=True)
            body = make(n)
            (site / "incidents" / "2026-11-25-slow.md").write_text(incident(body), "utf-8")
            started, cpu = time.perf_counter(), _children_cpu()
            try:
                done = subprocess.run([sys.executable, "-m", "statuspage", "--site", str(site),
                                       "check"], capture_output=True, text=True,
                                      timeout=timeout, env=os.environ)
            except subprocess.TimeoutExpired:  # killed and waited for: its time is counted
                print(f"{name:24} {len(body):>9,} chars  over {timeout:.0f} s "
                      f"({_children_cpu() - cpu:5.2f} s CPU, stopped)")
                continue
            took, cpu = time.perf_counter() - started, _children_cpu() - cpu
            lines = (done.stdout + done.stderr).strip().splitlines()
            said = next((line for line in lines if "Traceback" in line or "Error" in line
                         or ".md:" in line), lines[-1] if lines else "")
            print(f"{name:24} {len(body):>9,} chars  {took:6.2f} s ({cpu:5.2f} s CPU)  exit "
                  f"{done.returncode}  {said[:100]}")


def _children_cpu() -> float:
    """User and system time of the finished child processes: on a loaded machine, the
    time a command took is mostly its wait for a processor."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def accepted(text: str) -> bool:
    problems = Problems("x.md")
    markup.audit(text, 1, problems)
    return not problems.errors


def limits(kinds: dict) -> None:
    for name, (make, n) in kinds.items():
        low, high = 0, n
        while low < high:  # the largest size accepted
            middle = (low + high + 1) // 2
            low, high = (middle, high) if accepted(make(middle)) else (low, middle - 1)
        text = make(low)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            markup._markdown().convert(text)
            result = (f"{time.perf_counter() - started:6.2f} s "
                      f"({time.process_time() - cpu:5.2f} s CPU)")
        except RecursionError:
            result = "RecursionError"
        problems = Problems("x.md")
        markup.audit(text, 1, problems)
        print(f"{name:24} n={low:>7,} of {n:>7,}  {len(text):>9,} chars  cost "
              f"{problems.markup_cost / markdown_limits.MAX_COST:5.0%}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["check", "limits"])
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--only", help="one kind, by the start of its name")
    args = parser.parse_args()
    kinds = {k: v for k, v in KINDS.items() if not args.only or k.startswith(args.only)}
    if args.what == "check":
        check(kinds, args.timeout)
    else:
        limits(kinds)


if __name__ == "__main__":
    main()
