"""engine/parallel.py: tasks run below a frame that keeps the interpreter's frame stack from being
mapped and unmapped on every call (CPython gh-142183), in the parent and in worker processes."""
from __future__ import annotations

import resource
import sys

import pytest

from engine.parallel import ordered_map, with_room

CALLS = 2000


def _leaf():
    return None


def _big_frame():
    # A frame of ~12 KB, like a rule set's generated `run`: the calls it makes start near a 16 KB
    # chunk's end at some depths of its caller.
    for _ in range(CALLS):
        _leaf()


_big_frame.__code__ = _big_frame.__code__.replace(co_stacksize=_big_frame.__code__.co_stacksize + 1500)


def _faults(fn):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _spacer(slots):
    """A call to fn with a frame of `slots` more slots below it: where fn's frame starts in a chunk."""
    def spacer(fn):
        return _faults(fn)
    spacer.__code__ = spacer.__code__.replace(co_stacksize=spacer.__code__.co_stacksize + slots)
    return spacer


def _worst(fn):
    """The most page faults of fn's calls started at every place across a 16 KB chunk (2,048 slots, in
    steps narrower than _leaf's frame), in a new thread: its frame stack starts in a 16 KB chunk,
    whatever frames the test runner has below this one."""
    import threading
    out = []

    def scan():
        _faults(fn)       # the first touch of the pages is not what is counted
        out.append(max(_spacer(slots)(fn) for slots in range(0, 2100, 4)))
    t = threading.Thread(target=scan)
    t.start()
    t.join()
    return out[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="page faults counted by Linux getrusage")
def test_calls_below_with_room_do_not_map_memory_at_any_depth():
    assert _worst(lambda: with_room(_big_frame)) < CALLS // 10
    if (3, 11) <= sys.version_info[:2] < (3, 13):
        # the control: without the room, some depth makes every call map and unmap a chunk
        assert _worst(_big_frame) >= CALLS


def _under_room(_task):
    f = sys._getframe()
    while f is not None:
        if f.f_code is with_room.__code__:
            return True
        f = f.f_back
    return False


@pytest.mark.parametrize("workers", [1, 2])
def test_ordered_map_runs_every_task_below_with_room(workers):
    assert list(ordered_map(_under_room, range(6), workers)) == [True] * 6


def test_with_room_passes_arguments_and_results():
    assert with_room(divmod, 17, 5) == (3, 2)


def _fails_at_three(i):
    if i == 3:
        raise ValueError("task 3")
    return i


def test_a_task_error_comes_after_the_results_before_it():
    got = []
    with pytest.raises(ValueError, match="task 3"):
        for r in ordered_map(_fails_at_three, range(20), 2):
            got.append(r)
    assert got == [0, 1, 2]


def _echo_big(blob):
    return blob * 2


def test_large_tasks_and_results_both_ways_do_not_deadlock():
    # each task and each result is larger than a pipe's buffer, several in flight per worker
    blobs = [bytes([i]) * 300_000 for i in range(12)]
    assert list(ordered_map(_echo_big, blobs, 2)) == [b * 2 for b in blobs]


def _dies_at_two(i):
    import os
    if i == 2:
        os._exit(3)
    return i


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_worker_that_dies_is_an_error_not_a_hang():
    from engine.parallel import WorkerDied
    with pytest.raises(WorkerDied, match="exit code 3"):
        list(ordered_map(_dies_at_two, range(10), 2))
