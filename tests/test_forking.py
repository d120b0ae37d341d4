"""forked_map: work in forked processes, which end by themselves."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from statuspage.forking import forked_map

SEEN = {"parent": os.getpid()}


def _where(number: int) -> tuple[int, int, bool]:
    return number, os.getpid(), SEEN["parent"] != os.getpid()


def _fails(number: int) -> int:
    if number == 1:
        raise ValueError("worker 1 failed")
    return number


def test_each_share_runs_in_its_own_forked_process_and_comes_back_in_order():
    done = forked_map(_where, 3)
    assert [number for number, _, _ in done] == [0, 1, 2]
    assert all(forked for _, _, forked in done)
    assert multiprocessing.active_children() == []  # ended, and reaped


def test_a_failing_share_raises_in_the_parent_and_leaves_no_process():
    with pytest.raises(ValueError, match="worker 1 failed"):
        forked_map(_fails, 3)
    assert multiprocessing.active_children() == []
