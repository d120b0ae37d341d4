"""Work shared out to forked processes, which see the parent's memory as it was."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # linux/prctl.h

# In a worker only: the function it was forked to run. The parent never sets it, so two
# callers (two threads of a daemon) never share a job; a worker gets its function with
# the rest of the parent's memory, by the fork itself, never pickled.
_WORK: Callable | None = None


def forked_map(function: Callable[[int], T], workers: int,
               tasks: int | None = None) -> list[T]:
    """``function(n)`` for n in range(workers) (or range(tasks): each worker takes the
    next when done with one), each in a forked process; the results in order.
    ``function`` may be any callable (a closure, a bound method): what it holds is the
    caller's, seen by the workers as it was at the fork. The workers are let end by
    themselves: a pool's terminate() (what leaving its ``with`` does) kills them, and one
    killed while it held the task queue's lock left another waiting for it forever, and
    the caller with it. They die with the caller too (``_start``): a build killed with
    SIGKILL runs no cleanup, and its workers would wait on its queue forever."""
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start,
                                                     initargs=(os.getpid(), function))
    try:
        done = pool.map(_run, range(workers if tasks is None else tasks), chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


def in_worker() -> bool:
    """Whether this process is a worker of ``forked_map`` (what it keeps dies with it)."""
    return _WORK is not None


def _start(parent: int, function: Callable) -> None:
    """In a worker, first: keep its function, and die with the parent."""
    global _WORK
    _WORK = function
    _die_with(parent)


def _run(number: int):
    assert _WORK is not None
    return _WORK(number)


def _die_with(parent: int) -> None:
    """In a worker: ask the kernel for SIGKILL when the parent ends (Linux), then make
    sure it has not ended already, before the request was made (the worker would then
    belong to init, and wait for work forever)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
