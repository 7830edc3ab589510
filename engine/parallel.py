"""Work in chunks over worker processes, results in order, memory bounded, workers that die with their parent.

`ordered_map(fn, tasks, workers)` is `map(fn, tasks)` spread over `workers` processes: each task is
a chunk (many items, one message), at most a few chunks per worker are in flight, and results come
back in task order however the workers finish. Workers ignore Ctrl-C (the parent stops them) and
exit at once, silently, when the parent dies (Linux: the kernel's parent-death signal; elsewhere a
watchdog thread that notices the parent is gone). A worker that dies mid-task is an error
(WorkerDied), not a hang.

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


def _worker(tasks, results, fn, parent: int, initializer, initargs) -> None:
    """A worker process: tasks (number, task) in, (number, ok, result or exception) out, until None or
    the parent's end of the pipe closes. Tasks are read by a thread of their own, so the parent's sends
    never wait for a task to finish (no deadlock when both a task and a result fill their pipes)."""
    import queue
    worker_start(parent, initializer, initargs)
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def read():
        try:
            while True:
                msg = tasks.recv()
                inbox.put(msg)
                if msg is None:
                    return
        except (EOFError, OSError):
            inbox.put(None)
    threading.Thread(target=read, name="tasks", daemon=True).start()
    while True:
        msg = inbox.get()
        if msg is None:
            return
        i, task = msg
        try:
            out = (i, True, with_room(fn, task))
        except Exception as exc:      # the parent raises it, in task order
            out = (i, False, exc)
        try:
            results.send(out)
        except (EOFError, OSError):
            return                    # the parent is gone
        except Exception as exc:      # a result or an exception that does not pickle
            results.send((i, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


class WorkerDied(RuntimeError):
    """A worker process ended without giving its result (killed, out of memory)."""


def ordered_map(fn, tasks, workers: int = 1, initializer=None, initargs=()):
    """Yield fn(task) for each task, in order; with workers > 1 in that many processes (worker_count).

    Each worker has a pipe for its tasks and one for its results, and this process waits on the result
    pipes only: no helper threads here (multiprocessing.Pool's worker-handler thread wakes on every
    result until the result thread has read it, a tenth of the parent's CPU in an impact run). A
    task goes to the worker with the fewest in flight; at most workers * (1 + IN_FLIGHT) tasks are sent
    and not yet yielded, so results waiting for an earlier one stay few."""
    workers = worker_count(workers)
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for task in tasks:
            yield with_room(fn, task)
        return
    from multiprocessing.connection import wait
    ctx = _context()
    procs, sends, recvs = [], [], []
    finished = False
    try:
        for _ in range(workers):
            task_r, task_w = ctx.Pipe(duplex=False)
            result_r, result_w = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, args=(task_r, result_w, fn, os.getpid(), initializer, initargs),
                            daemon=True)
            p.start()
            task_r.close()
            result_w.close()
            procs.append(p)
            sends.append(task_w)
            recvs.append(result_r)
        window = workers * (1 + IN_FLIGHT)
        load = [0] * workers          # tasks in flight per worker
        owner = {r: k for k, r in enumerate(recvs)}
        done: dict = {}               # results that came before an earlier one
        tasks = iter(tasks)
        sent = yielded = 0
        more = True
        while True:
            while more and sent - yielded < window:
                task = next(tasks, _END)
                if task is _END:
                    more = False
                    break
                k = load.index(min(load))
                sends[k].send((sent, task))
                load[k] += 1
                sent += 1
            while yielded in done:
                ok, value = done.pop(yielded)
                yielded += 1
                if not ok:
                    raise value
                yield value
                if more and sent - yielded < window:
                    break           # send more before waiting
            else:
                if not more and yielded == sent:
                    finished = True
                    return
                for r in wait([r for r in recvs if load[owner[r]]]):
                    k = owner[r]
                    try:
                        i, ok, value = r.recv()
                    except (EOFError, OSError):
                        procs[k].join(1)      # its exit code, when it has one
                        raise WorkerDied(f"a worker process ended without its result (exit code {procs[k].exitcode})") from None
                    load[k] -= 1
                    done[i] = (ok, value)
    finally:
        # done: the workers are told to end and do; stopped early (an error, Ctrl-C, the caller gave up):
        # they are ended at once, whatever they were doing
        for c in sends:
            if finished:
                try:
                    c.send(None)
                except OSError:
                    pass
            c.close()
        for p in procs:
            if finished:
                p.join(5)
            if p.is_alive():
                p.terminate()
            p.join()
        for c in recvs:
            c.close()


_END = object()
