"""The shell commands staff give the daemon and the publish: ``--on-overdue``,
``--on-error``, ``--invalidate``.

Each runs in a shell with what it is about in its environment, within a time limit; its
failure is said on one line, with the last line it wrote to stderr (the reason, usually).
``Hook`` runs them in the background, so that a slow command never holds a build back.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("statuspage.ops.daemon")

TIMEOUT = 60  # seconds a command may take


def run(command: str, env: Mapping[str, str], timeout: float = TIMEOUT) -> str | None:
    """Run ``command`` with ``env`` added to the environment; None when it succeeded, else
    why it failed (``exit status 3: no mail server``)."""
    try:
        done = subprocess.run(command, shell=True, env={**os.environ, **env},
                              capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        return str(err)
    if done.returncode:
        detail = (done.stderr.strip().splitlines() or [""])[-1]
        return f"exit status {done.returncode}" + (f": {detail}" if detail else "")
    return None


class Hook:
    """``command`` (the value of ``option``) run in the background, ``workers`` at a time,
    in the order asked when there is one worker; each run said in the log."""

    def __init__(self, option: str, command: str, workers: int = 1):
        self.option = option
        self.command = command
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=option[2:])
        self._running = 0  # started and not done
        self._done = threading.Condition()

    def start(self, env: Mapping[str, str], what: str) -> None:
        """Run the command with ``env``; ``what`` ends the log line (``for <incident>``)."""
        with self._done:
            self._running += 1
        try:
            self._pool.submit(self._run, dict(env), what)
        except RuntimeError:  # closed: the daemon stops
            with self._done:
                self._running -= 1
            raise

    def wait(self) -> None:
        """Until the commands started are done (each has its time limit)."""
        with self._done:
            self._done.wait_for(lambda: not self._running)

    def close(self) -> None:
        """Let the commands started finish."""
        self._pool.shutdown(wait=True)

    def _run(self, env: dict[str, str], what: str) -> None:
        try:
            failure = run(self.command, env)
            if failure:
                log.error("%s failed %s: %s", self.option, what, failure)
            else:
                log.info("%s ran %s", self.option, what)
        finally:
            with self._done:
                self._running -= 1
                self._done.notify_all()
