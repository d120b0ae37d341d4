"""Benchmark the e-mail notifications: N subscribers of everything, one update.

    python benchmarks/notify.py [--subscribers 20000] [--keep DIR]

A copy of the test site (tests/sites/basic) with ``subscriptions:``, N confirmed
subscribers of the whole page (half French, half English) in its SQLite store, and a local
SMTP server (aiosmtpd, in this process, counting what it accepts). ``statuspage notify``
runs once to record what stands, an update is posted with ``statuspage update``, then
``statuspage notify`` runs in a fresh process: the figures are its wall time until the
server accepted every message, and its peak memory. One figure per line.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this tree
sys.path.insert(0, str(ROOT / "tests"))

from mailserver import Inbox, smtp_server  # noqa: E402

from statuspage.ops import subscribers  # noqa: E402

INCIDENT = "2026-11-26-fibre-lyon"


class Counter(Inbox):
    """Counts the messages, keeps none (a real relay's memory is not ours)."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.addresses: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.count += 1
            self.addresses.update(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="Build the site here and keep it.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="statuspage-notify-"))
    site = folder / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(ROOT / "tests" / "sites" / "basic", site)
    config = site / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "subscriptions: {url: "
                      "https://subscribe.test.example, from: status@test.example}\n",
                      encoding="utf-8")
    with subscribers.Store(subscribers.database_url(site, None)) as store:
        store.add_confirmed((f"person{n}@example.com", "fr" if n % 2 else "en", "all", "")
                            for n in range(args.subscribers))
    counter = Counter()
    env = {**os.environ, "STATUSPAGE_SITE": str(site), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "statuspage"]
    with smtp_server(counter) as (url, _inbox):
        env["STATUSPAGE_SMTP"] = url
        subprocess.run([*command, "notify"], env=env, check=True, capture_output=True)
        subprocess.run([*command, "update", INCIDENT, "-m", "Le câble est réparé."], env=env,
                       check=True, capture_output=True)
        start = time.perf_counter()
        result = subprocess.run([*command, "notify"], env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"subscribers: {args.subscribers}")
    print(f"notify: {result.stdout.strip() or result.stderr.strip()}")
    print(f"messages accepted by the SMTP server: {counter.count} "
          f"({len(counter.addresses)} addresses)")
    print(f"wall time of statuspage notify: {elapsed:.1f} s")
    print(f"peak memory of statuspage notify: {peak:.0f} MB")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
