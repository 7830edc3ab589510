"""The evaluation processes under the event loop the server really runs on: uvicorn picks uvloop
when it is installed, and uvloop leaves a descriptor it watched non-blocking, so a result larger than
one read (a trace-on result is 200 kB) must still arrive whole."""
from __future__ import annotations

import asyncio
import json

import pytest

from serving import case as example_case

from engine.serve.catalog import Catalog
from engine.serve.workers import Pool


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
