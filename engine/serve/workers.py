"""Evaluation processes: where a request's case is evaluated, under a time limit that can be kept.

A Python thread cannot be stopped, so each evaluation runs in a worker process; one that overruns
its time limit is killed and replaced, and the request gets a plain error. The server's end of each
worker's pipe is read by the event loop itself (no thread, no polling), and a task and its answer
travel as one pickled message each way: an API request as its body's bytes, its answer as the
response's bytes, so that the server neither reads nor writes JSON for an evaluation. Workers are started
fresh (spawn: nothing of the server's threads or sockets is inherited), load each rule set once per
digest, and exit when the server's end of their pipe closes, so none outlives the server.
"""
from __future__ import annotations

import asyncio
import collections
import multiprocessing as mp
import os
import pickle
import signal
import socket
import struct
import traceback

from .. import errors as _errors
from ..errors import CertrulesError


class TimeLimit(Exception):
    """An evaluation took longer than the time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"the evaluation took longer than the server's limit of {seconds:g} s and was stopped")
        self.message = str(self)


class WorkerFailed(Exception):
    """A worker process died or raised something that is not a user's mistake: a bug."""

    def __init__(self, kind: str, where: str = "", alive: bool = False):
        super().__init__(f"{kind} {where}".strip())
        self.kind, self.where = kind, where
        self.alive = alive          # the worker answered (a bug in a task): it goes on serving


class Busy(Exception):
    """More requests are waiting for an evaluation than the server queues."""


def worker_main(conn) -> None:
    """The loop of one worker: a task in, its value (or the user's mistake, or a bug) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the server's: it stops the workers
    from ..parallel import with_room
    # the whole loop below the room, so no rule set's `run`, whatever its frame's size, starts its
    # calls at a frame-stack chunk's end (at ~4% of depths every call would map and unmap memory)
    with_room(_serve, conn)


def _serve(conn) -> None:
    from . import tasks
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply = ("ok", tasks.TASKS[name](*args))
        except CertrulesError as exc:
            reply = ("error", type(exc).__name__, exc.message, list(exc.problems), getattr(exc, "fields", None))
        except Exception as exc:   # a bug: its type and where, never the values (they may be a case's)
            frames = traceback.extract_tb(exc.__traceback__)[-4:]
            where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames)
            reply = ("bug", type(exc).__name__, where)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def rebuild(kind: str, message: str, problems, fields) -> CertrulesError:
    """The user's mistake a worker reported, as the exception it was."""
    cls = getattr(_errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, CertrulesError)):
        cls = CertrulesError
    exc = cls(message, problems)
    if fields is not None:
        exc.fields = fields
    return exc


class _Channel(asyncio.Protocol):
    """The server's end of a worker's pipe, read by the event loop as data arrives: the frames of
    multiprocessing's Connection (a 4-byte big-endian length, or -1 and 8 bytes, then the pickle), so
    that the worker's end stays a plain Connection and nothing here blocks or polls."""

    def __init__(self):
        self.transport = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buf = self.buffer
        buf += data
        if len(buf) < 4:
            return
        n, start = struct.unpack_from("!i", buf)[0], 4
        if n == -1:
            if len(buf) < 12:
                return
            n, start = struct.unpack_from("!Q", buf, 4)[0], 12
        if len(buf) < start + n:
            return
        message = pickle.loads(memoryview(buf)[start:start + n])
        del buf[:start + n]
        fut, self.waiting = self.waiting, None
        if fut is not None and not fut.done():
            fut.set_result(message)

    def connection_lost(self, exc):
        self.closed = True
        fut, self.waiting = self.waiting, None
        if fut is not None and not fut.done():
            fut.set_exception(EOFError())

    def send(self, obj) -> None:
        if self.closed:
            raise EOFError()
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        n = len(data)
        self.transport.write((struct.pack("!i", n) if n <= 0x7fffffff else struct.pack("!iQ", -1, n)) + data)


class _Worker:
    def __init__(self, ctx):
        parent, child = ctx.Pipe(duplex=True)     # a socket pair
        self.proc = ctx.Process(target=worker_main, args=(child,), name="certrules-serve-worker", daemon=True)
        self.proc.start()
        child.close()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(parent.fileno()))
        parent.close()
        self.channel: _Channel | None = None
        self.shared = None          # what the worker was last sent as `shared` (see Pool.call)

    async def connect(self) -> None:
        _, self.channel = await asyncio.get_running_loop().create_connection(_Channel, sock=self.sock)

    def kill(self) -> None:
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.abort()
        else:
            self.sock.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)


class _Idle:
    """The idle workers and, when there are none, the requests waiting for one, first come first
    served: asyncio.Queue's part, without its look-up of the running loop on every call (a system call
    each in Python 3.11, and this is asked twice a request)."""

    def __init__(self, loop):
        self.loop = loop
        self.workers: collections.deque = collections.deque()
        self.waiters: collections.deque = collections.deque()

    def put_nowait(self, w) -> None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(w)
                return
        self.workers.append(w)

    async def get(self):
        if self.workers:            # (then nobody is waiting: a worker put back goes to a waiter first)
            return self.workers.popleft()
        fut = self.loop.create_future()
        self.waiters.append(fut)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():     # given a worker just as the request was cancelled
                self.put_nowait(fut.result())
            raise


class Pool:
    """`size` worker processes; `await pool.call(task, *args)` runs tasks.TASKS[task](*args) in one of them."""

    def __init__(self, size: int, time_limit: float, warm=None, max_waiting: int = 10_000):
        self.size = size
        self.time_limit = time_limit
        self.warm = warm            # a function giving the arguments of the "warm" task (the rule sets to load)
        self.max_waiting = max_waiting
        self._ctx = mp.get_context("spawn")
        self._idle: _Idle | None = None
        self._all: set = set()
        self._waiting = 0
        self._tasks: set = set()
        self.broken = False         # worker processes die as they start: evaluations cannot be served

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = _Idle(self._loop)
        await asyncio.gather(*(self._add() for _ in range(self.size)))

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for w in list(self._all):
            w.kill()
        self._all.clear()

    async def _add(self, attempt: int = 0) -> None:
        w = await asyncio.to_thread(_Worker, self._ctx)
        await w.connect()
        self._all.add(w)
        if self.warm is not None:
            try:
                await self._exchange(w, "warm", (self.warm(),), max(self.time_limit, 120), replace=False)
            except WorkerFailed:
                # a process that dies as it starts would die again at once: try a few times, slower each time
                self._all.discard(w)
                w.kill()
                if attempt < 3:
                    await asyncio.sleep(0.5 * 2 ** attempt)
                    return await self._add(attempt + 1)
                self.broken = True
                return
            except TimeLimit:
                return     # killed, and a new one is on its way (_replace)
            except CertrulesError:
                pass       # a rule set that cannot be loaded is reported when a request asks for it
        self._idle.put_nowait(w)

    def _replace(self, w) -> None:
        self._all.discard(w)
        w.kill()
        t = self._loop.create_task(self._add())
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _exchange(self, w, task: str, args, limit: float, replace: bool = True):
        loop = self._loop
        fut = loop.create_future()
        timer = loop.call_later(limit, lambda: fut.done() or fut.set_exception(TimeLimit(limit)))
        try:
            w.channel.waiting = fut
            w.channel.send((task, args))
            reply = await fut
        except TimeLimit:
            self._replace(w)
            raise
        except asyncio.CancelledError:
            self._replace(w)       # the reply may still come: this worker cannot be handed to another request
            raise
        except (EOFError, OSError):
            if replace:
                self._replace(w)
            raise WorkerFailed("WorkerStopped", "an evaluation process stopped unexpectedly") from None
        finally:
            timer.cancel()
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "error":
            raise rebuild(*reply[1:])
        raise WorkerFailed(reply[1], reply[2], alive=True)

    async def call(self, task: str, *args, time_limit: float | None = None, shared=None):
        """`shared`, when given, is passed as the task's last argument to a worker that has not had
        this very object yet (None to one that has): state that changes seldom, sent once per worker."""
        if self._idle is None or (self.broken and not self._all):
            raise WorkerFailed("NotStarted", "the evaluation processes are not running")
        if self._waiting >= self.max_waiting:
            raise Busy()
        self._waiting += 1
        try:
            w = await self._idle.get()
        finally:
            self._waiting -= 1
        limit = time_limit or self.time_limit
        if shared is not None:
            args, w.shared = args + ((shared if w.shared is not shared else None),), shared
        try:
            value = await self._exchange(w, task, args, limit)
        except CertrulesError:
            self._idle.put_nowait(w)
            raise
        except WorkerFailed as exc:
            if exc.alive:
                self._idle.put_nowait(w)
            raise
        self._idle.put_nowait(w)
        return value

