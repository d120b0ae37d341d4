"""Trying again what leaves the machine: the publish, the webhooks, the mail.

One policy for all of them: tried ``attempts`` times, waiting ``base_delay`` after the
first failure, then twice as long after each (at most ``max_delay``), while the failure
may pass (the peer unreachable or busy); a refusal for good is not tried again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How often, and how far apart, a failing attempt is made again. ``attempts`` None:
    until stopped. ``sleep`` waits (a parameter so that tests need not wait); None: the
    owner's own wait, which its closing cuts short."""

    attempts: int | None = 5
    base_delay: float = 2.0  # seconds before the first retry; doubled each time
    max_delay: float = 300.0
    sleep: Callable[[float], object] | None = None

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row."""
        return min(self.base_delay * 2 ** (failures - 1), self.max_delay)

    def gives_up(self, failures: int) -> bool:
        """Whether ``failures`` failures in a row are the last."""
        return self.attempts is not None and failures >= self.attempts


def retry(attempt: Callable[[], T], backoff: Backoff, again: Callable[[Exception], bool], *,
          on_retry: Callable[[Exception, float], None] | None = None) -> T:
    """``attempt()``, made again after the backoff's delay while it raises an error that
    ``again`` says may pass; any other error, or the last attempt's, is raised.
    ``on_retry(error, delay)`` is told before each wait (to log it)."""
    sleep = backoff.sleep or time.sleep
    failures = 0
    while True:
        try:
            return attempt()
        except Exception as err:
            failures += 1
            if not again(err) or backoff.gives_up(failures):
                raise
            delay = backoff.delay(failures)
            if on_retry:
                on_retry(err, delay)
            sleep(delay)
