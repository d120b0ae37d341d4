"""The home page's first view, weighed: what a phone downloads before it can show the page.

    python benchmarks/weight.py [--now 2026-11-26T12:00+01:00] [--site DIR]

Builds the shipped example site, then prints the gzipped size (level 6, as web servers
send it) of the home page and of everything it loads, against the 14 KB budget of one
round trip, and the largest parts of the page (each <section>, the header, the footer).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # weigh this tree

from statuspage.freeze.build import BuildOptions, build  # noqa: E402

BUDGET = 14_000


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", default="2026-11-26T12:00:00+01:00",
                        help="the moment to build for (ISO 8601)")
    parser.add_argument("--site", type=Path, default=ROOT,
                        help="the site to weigh (default: the shipped example), e.g. one "
                             "that benchmarks/build.py --keep made")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    with tempfile.TemporaryDirectory() as folder:
        out = build(args.site, BuildOptions(out=Path(folder) / "out", now=now)).out
        for edition in ("", "en/"):
            html = (out / edition / "index.html").read_bytes()
            loaded = {f"/{edition}": html}
            pattern = rb'<(?:link rel="stylesheet"|script) [^>]*(?:href|src)="([^"]+)"'
            for href in re.findall(pattern, html):
                loaded[href.decode()] = (out / href.decode().lstrip("/")).read_bytes()
            total = sum(gz(body) for body in loaded.values())
            print(f"home page /{edition}: {total} bytes gzipped of {BUDGET} "
                  f"({100 * total / BUDGET:.0f} %)")
            for url, body in loaded.items():
                print(f"  {url:<40} {len(body):>7} bytes, {gz(body):>6} gzipped")
            sections = [m.group(0) for m in
                        re.finditer(rb"<(section|header|footer)\b.*?</\1>", html, re.S)]
            print(f"  largest of its {len(sections)} parts, each gzipped alone:")
            sizes = []
            for part in sections:
                name = re.search(rb'(?:aria-labelledby|class)="([^"]+)"', part)
                label = name.group(1).decode() if name else part[1:7].decode()
                sizes.append((gz(part), len(part), label))
            for packed, raw, label in sorted(sizes, reverse=True)[:6]:
                print(f"    {label:<30} {raw:>7} bytes, {packed:>6} gzipped")


if __name__ == "__main__":
    main()
