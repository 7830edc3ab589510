"""The evaluation processes under the event loop the server really runs on: uvicorn picks uvloop
when it is installed, and uvloop leaves a descriptor it watched non-blocking, so a result larger than
one read (a trace-on result is 200 kB) must still arrive whole."""
from __future__ import annotations

import asyncio
import json

import pytest

from serving import case as example_case

from engine.serve.catalog import Catalog
from engine.serve.workers import DEPTH, Pool


def _run_on(loop_kind: str, coro):
    if loop_kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.run(coro)
    return asyncio.run(coro)


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_a_large_result_arrives_whole_on_either_event_loop(loop_kind):
    case = example_case("01-initial-five-star-9-sites")
    catalog = Catalog()
    catalog.refresh()
    item, selection = catalog.select(case)

    async def main():
        pool = Pool(1, 60.0)
        await pool.start()
        try:
            return [await pool.call("evaluate", str(item.folder), item.digest, case, selection, True, None,
                                    "the case", True) for _ in range(3)]
        finally:
            await pool.stop()
    results = _run_on(loop_kind, main())
    assert len(results[0]) > 100_000 and len(set(results)) == 1
    assert json.loads(results[0])["values"]["audit_days"] == 4


def test_a_worker_runs_every_task_below_the_frame_stack_room(monkeypatch):
    # in-process (a spawned worker would not see the patched task): two tasks in, EOF ends the loop
    import signal
    import sys

    from engine.parallel import with_room
    from engine.serve import tasks, workers

    def probe():
        f = sys._getframe()
        while f is not None and f.f_code is not with_room.__code__:
            f = f.f_back
        return f is not None

    class Conn:
        def __init__(self):
            self.inbox, self.sent = [("probe", ()), ("probe", ())], []

        def recv(self):
            if not self.inbox:
                raise EOFError
            return self.inbox.pop(0)

        def send(self, reply):
            self.sent.append(reply)

    monkeypatch.setitem(tasks.TASKS, "probe", probe)
    conn, handler = Conn(), signal.getsignal(signal.SIGINT)
    try:
        workers.worker_main(conn)
    finally:
        signal.signal(signal.SIGINT, handler)
    assert conn.sent == [("ok", True), ("ok", True)]


def _one_worker(coro_of):
    case = example_case("16")
    catalog = Catalog()
    catalog.refresh()
    item, selection = catalog.select(case)

    def evaluate(pool, **kw):
        return pool.call("evaluate", str(item.folder), item.digest, case, selection, False, None, "the case", False,
                         **kw)

    async def main():
        pool = Pool(1, 60.0)
        pool.catalog_item = item
        await pool.start()
        try:
            return await coro_of(pool, evaluate)
        finally:
            await pool.stop()
    return _run_on("uvloop", main())


def test_tasks_sent_behind_one_that_overruns_are_answered_by_the_worker_that_replaces_it():
    from engine.serve.workers import TimeLimit

    async def go(pool, evaluate):
        first = next(iter(pool._all)).proc.pid
        # one worker: all three are sent to it at once, the first with a limit it cannot keep
        got = await asyncio.gather(evaluate(pool, time_limit=0.0001), evaluate(pool), evaluate(pool),
                                   return_exceptions=True)
        return first, next(iter(pool._all)).proc.pid, got
    first, now, got = _one_worker(go)
    assert isinstance(got[0], TimeLimit)
    assert [g["values"]["level"] for g in got[1:]] == ["five_star", "five_star"]
    assert now != first


def test_a_request_given_up_leaves_its_worker_serving():
    async def go(pool, evaluate):
        first = next(iter(pool._all)).proc.pid
        waiting = asyncio.ensure_future(evaluate(pool))
        await asyncio.sleep(0)          # sent
        waiting.cancel()
        again = await asyncio.gather(*(evaluate(pool) for _ in range(DEPTH + 2)))  # more than a worker holds at once
        return first, next(iter(pool._all)).proc.pid, again
    first, now, again = _one_worker(go)
    assert first == now and all(a["values"]["level"] == "five_star" for a in again)


def _submitted(pool, task, *args, **kw):
    """pool.submit's outcome, awaited: (value, exception)."""
    fut = asyncio.get_running_loop().create_future()
    pool.submit(task, args, lambda value, exc: fut.set_result((value, exc)), **kw)
    return fut


def test_a_task_submitted_without_a_coroutine_has_the_outcome_call_gives():
    from engine.errors import CaseError
    from engine.serve.workers import TimeLimit, WorkerFailed

    async def go(pool, evaluate):
        item = pool.catalog_item
        args = (str(item.folder), item.digest, example_case("16"), None, False, None, "the case", False)
        first = next(iter(pool._all)).proc.pid
        # more than the worker's places at once: the rest wait, and are answered in turn
        plain = await asyncio.gather(*(_submitted(pool, "evaluate", *args) for _ in range(DEPTH + 3)))
        mistake = await _submitted(pool, "evaluate", str(item.folder), item.digest, {"as_of": "never"}, None)
        bug = await _submitted(pool, "evaluate", *args[:5], 12345)
        pool.time_limit = 0.0001            # the first overruns; those sent behind it go to the worker replacing it
        late = [_submitted(pool, "evaluate", *args)]
        pool.time_limit = 60.0
        late += [_submitted(pool, "evaluate", *args) for _ in range(2)]
        late = await asyncio.gather(*late)
        return first, next(iter(pool._all)).proc.pid, plain, mistake, bug, late
    first, now, plain, mistake, bug, late = _one_worker(go)
    assert all(exc is None and value["values"]["level"] == "five_star" for value, exc in plain)
    assert mistake[0] is None and isinstance(mistake[1], CaseError)
    assert bug[0] is None and isinstance(bug[1], WorkerFailed) and bug[1].alive
    assert isinstance(late[0][1], TimeLimit)
    assert [value["values"]["level"] for value, _ in late[1:]] == ["five_star", "five_star"] and now != first


def test_a_task_submitted_to_a_pool_that_cannot_take_it_is_answered_at_once():
    from engine.serve.workers import Busy, WorkerFailed
    got = []
    Pool(1, 1.0).submit("evaluate", (), lambda value, exc: got.append(exc))
    assert isinstance(got[0], WorkerFailed) and got[0].kind == "NotStarted"

    async def go(pool, evaluate):
        pool.max_waiting = 0
        out = []
        pool.submit("evaluate", (), lambda value, exc: out.append(exc))
        return out
    assert isinstance(_one_worker(go)[0], Busy)


def test_a_task_submitted_to_a_worker_that_dies_goes_to_the_one_replacing_it():
    async def go(pool, evaluate):
        item = pool.catalog_item
        args = (str(item.folder), item.digest, example_case("16"), None, False, None, "the case", False)
        w = next(iter(pool._all))
        pending = [_submitted(pool, "evaluate", *args) for _ in range(3)]
        w.proc.kill()
        return await asyncio.gather(*pending)
    got = _one_worker(go)
    # the task in hand when it died is a failure (it may have been the cause); those behind it are served
    assert got[0][0] is None and got[0][1].kind == "WorkerStopped"
    assert [value["values"]["level"] for value, _ in got[1:]] == ["five_star", "five_star"]


def _held(monkeypatch, hold_bytes, names=("quick", "seen", "long", "quick")):
    """What the server (a thread here) gets, and when, for tasks (quick, seen, long, quick) sent together
    to the worker's loop (run in this, the main, thread: it takes SIGALRM)."""
    import pickle
    import signal
    import socket
    import struct
    import threading
    import time

    from engine.serve import tasks, workers

    got_any = threading.Event()
    monkeypatch.setattr(workers, "HOLD", 0.5)
    monkeypatch.setattr(workers, "HOLD_BYTES", hold_bytes)
    monkeypatch.setitem(tasks.TASKS, "quick", lambda: "quick")
    monkeypatch.setitem(tasks.TASKS, "seen", lambda: got_any.wait(0.05))   # False: nothing was sent back yet
    monkeypatch.setitem(tasks.TASKS, "long", lambda: time.sleep(1.5) or "long")
    monkeypatch.setitem(tasks.TASKS, "middling", lambda: time.sleep(0.4) or "middling")
    server, worker = socket.socketpair()
    arrived = []

    def serve():
        frames = b"".join(struct.pack("!i", len(p)) + p for p in
                          (pickle.dumps((name, ())) for name in names))
        start = time.monotonic()
        server.sendall(frames)
        buf = b""
        while len(arrived) < len(names):
            buf += server.recv(1 << 16)
            got_any.set()
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack_from("!i", buf)[0]:
                n = struct.unpack_from("!i", buf)[0]
                arrived.append((pickle.loads(buf[4:4 + n]), time.monotonic() - start))
                buf = buf[4 + n:]
        server.close()
    helper = threading.Thread(target=serve)
    alarm = signal.getsignal(signal.SIGALRM)
    helper.start()
    try:
        workers._serve(workers._Link(worker))
    finally:
        signal.signal(signal.SIGALRM, alarm)
        helper.join(10)
        worker.close()
    return arrived


def test_answers_wait_for_the_tasks_queued_behind_them_but_never_behind_a_long_one(monkeypatch):
    """Tasks sent together are answered together (one wake of the server for them all), except that an
    answer held while a long task runs goes back after HOLD seconds: the server times each task from
    the answer before it."""
    arrived = _held(monkeypatch, 1 << 20)
    assert [reply for reply, _ in arrived] == [("ok", "quick"), ("ok", False), ("ok", "long"), ("ok", "quick")]
    # "quick" was held while "seen" ran; both went back HOLD into "long", well before it ended
    assert 0.5 <= arrived[1][1] < 1.0 < 1.5 <= arrived[2][1]


def test_held_answers_go_back_hold_seconds_after_the_first_was_held_however_short_the_tasks_behind(monkeypatch):
    """Two tasks each shorter than HOLD (0.4 s of 0.5) behind a quick one: the quick answer does not
    wait for both (the timer runs from when the first answer is held, not anew for each task)."""
    arrived = _held(monkeypatch, 1 << 20, ("quick", "middling", "middling", "seen"))
    # "seen": something came back before the last task (before the change, all four came at the end)
    assert [reply for reply, _ in arrived] == [("ok", "quick"), ("ok", "middling"), ("ok", "middling"), ("ok", True)]
    assert 0.5 <= arrived[0][1]                         # and not before HOLD


def test_answers_beyond_hold_bytes_go_back_at_once(monkeypatch):
    arrived = _held(monkeypatch, 1)
    assert [reply for reply, _ in arrived] == [("ok", "quick"), ("ok", True), ("ok", "long"), ("ok", "quick")]
    assert arrived[1][1] < 0.5


def test_a_task_goes_to_the_least_busy_worker():
    from engine.serve.workers import _Idle
    idle = _Idle(None)
    for w in ("a", "a", "a", "b", "b"):
        idle.put_nowait(w)
    assert [idle.take() for _ in range(5)] + [idle.take()] == ["a", "a", "b", "a", "b", None]
    idle.put_nowait("b")
    idle.drop("b")
    assert idle.take() is None
