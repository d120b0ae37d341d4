"""Work shared out to forked processes, which see the parent's memory as it was."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def forked_map(function: Callable[[int], T], workers: int) -> list[T]:
    """``function(n)`` for n in range(workers), each in a forked process; the results in
    order. The workers are let end by themselves: a pool's terminate() (what leaving its
    ``with`` does) kills them, and one killed while it held the task queue's lock left
    another waiting for it forever, and the caller with it."""
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        done = pool.map(function, range(workers))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done
