"""Work in chunks over worker processes, results in order, memory bounded, workers that die with their parent.

`ordered_map(fn, tasks, workers)` is `map(fn, tasks)` spread over `workers` processes: each task is
a chunk (many items, one message), at most a few chunks per worker are in flight, and results come
back in task order however the workers finish. Workers ignore Ctrl-C (the parent stops them) and
exit at once, silently, when the parent dies (Linux: the kernel's parent-death signal; elsewhere a
watchdog thread that notices the parent is gone).

Every task runs below a frame that reserves room on the interpreter's frame stack (`with_room`):
CPython 3.11-3.12 keep frames in 16 KB chunks and free a chunk as soon as the frame that needed it
returns, so a loop that calls across a chunk's end maps and unmaps memory on every call (CPython
gh-142183). A rule set's generated `run` has a frame of ~12 KB (a local per element), so at an
unlucky call depth every call it makes did an mmap and a munmap: 800 page faults per case, 4-7x the
CPU. Which depth is unlucky depends on the caller's stack, which is why 2 pool workers ran at a
third of the speed of 1 in-process (the workers sit deeper), and why a plain script did not show it.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque

IN_FLIGHT = 2      # chunks queued per worker beyond the one it works on
PER_CORE = 4       # the most workers per core: `--workers 100000` would fork that many processes


def worker_count(workers: int) -> int:
    """The processes to start for `workers`: no more than PER_CORE per core (the work is CPU-bound, and
    the result is the same with any number of workers)."""
    return max(1, min(workers, PER_CORE * (os.cpu_count() or 1)))
ROOM = 64 * 1024   # frame-stack slots (8 bytes each) reserved below a task: its chunk is 1 MB, half free


def with_room(fn, *args):
    """fn(*args) with ~512 KB of the interpreter's frame stack free and never given back during the
    call, so the frames of everything fn calls come and go inside one chunk."""
    return fn(*args)


# The room is this function's own frame, made large by declaring a large value stack (never used:
# only frame memory the calls below actually touch is ever paged in).
with_room.__code__ = with_room.__code__.replace(co_stacksize=with_room.__code__.co_stacksize + ROOM)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:      # the parent died before the signal was armed
        os._exit(0)

    def watch():
        import time
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def worker_start(parent: int, initializer=None, initargs=()) -> None:
    """The first thing a worker process does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's: it stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def forks() -> bool:
    """Whether workers are forked (and so start with a copy of what this process has loaded)."""
    return sys.platform.startswith("linux")


def _context():
    import multiprocessing as mp
    return mp.get_context("fork" if forks() else "spawn")


def ordered_map(fn, tasks, workers: int = 1, initializer=None, initargs=()):
    """Yield fn(task) for each task, in order; with workers > 1 in that many processes (worker_count)."""
    workers = worker_count(workers)
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for task in tasks:
            yield with_room(fn, task)
        return
    pool = _context().Pool(workers, initializer=worker_start, initargs=(os.getpid(), initializer, initargs))
    pending: deque = deque()
    tasks = iter(tasks)
    try:
        for task in tasks:
            pending.append(pool.apply_async(with_room, (fn, task)))
            if len(pending) >= workers * (1 + IN_FLIGHT):
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    finally:
        pool.terminate()
        pool.join()
