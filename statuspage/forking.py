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


def forked_map(function: Callable[[int], T], workers: int) -> list[T]:
    """``function(n)`` for n in range(workers), each in a forked process; the results in
    order. The workers are let end by themselves: a pool's terminate() (what leaving its
    ``with`` does) kills them, and one killed while it held the task queue's lock left
    another waiting for it forever, and the caller with it. They die with the caller too
    (``_die_with``): a build killed with SIGKILL runs no cleanup, and its workers would
    wait on its queue forever."""
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_die_with,
                                                     initargs=(os.getpid(),))
    try:
        done = pool.map(function, range(workers))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


def _die_with(parent: int) -> None:
    """In a worker: ask the kernel for SIGKILL when the parent ends (Linux), then make
    sure it has not ended already, before the request was made (the worker would then
    belong to init, and wait for work forever)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
