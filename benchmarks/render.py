"""Every file of a site rendered in this process, as a build's workers render them (each
page fetched by the freezer, in Frozen-Flask's request context), nothing written: the
CPU time of the pages alone, by endpoint. A first pass, not counted, fills what pages
keep from one build to the next (converted texts, lines, links), as a build over a built
site has them.

    python benchmarks/render.py SITE [--now 2026-12-07T12:00:00+00:00] [--every 1]

``--every N`` renders every N-th file only (in the plan's order). Compare two versions of
the code in turns (``PYTHONPATH=TREE``): the hour moves the figures as much as a change.
"""

from __future__ import annotations

import argparse
import gc
import time
import warnings
from collections import Counter
from datetime import datetime
from pathlib import Path

from flask_frozen import MissingURLGeneratorWarning

from statuspage.content.edition import PUBLIC
from statuspage.freeze import rendering
from statuspage.web import outputs, snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--now", type=datetime.fromisoformat,
                        default=datetime.fromisoformat("2026-12-07T12:00:00+00:00"))
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    site = PUBLIC.loader(args.site, None).load(lenient=True)
    app = rendering.make_app(site, args.now, args.site / "render-benchmark")
    with app.app_context():
        todo = list(outputs(app, snapshot(app, site, args.now)))[::args.every]
    freezer = rendering.make_freezer(app, todo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        urls = list(freezer.all_urls())
    gc.disable()  # (as a build's render: the collector runs between runs of pages)
    cpu: Counter[str] = Counter()
    count: Counter[str] = Counter()
    with app.test_request_context():
        for url in urls:
            freezer.fetch(url).close()
        for url, output in zip(urls, todo, strict=True):
            started = time.process_time()
            freezer.fetch(url).close()
            cpu[output.endpoint] += time.process_time() - started
            count[output.endpoint] += 1
    total = sum(cpu.values())
    print(f"{len(urls):,} files: {total:.2f} s of CPU")
    for endpoint, seconds in cpu.most_common(12):
        print(f"  {endpoint:28} {seconds:7.2f} s  {count[endpoint]:7,} files "
              f"{seconds / count[endpoint] * 1e3:7.3f} ms each")


if __name__ == "__main__":
    main()
