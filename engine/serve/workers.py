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
import multiprocessing.connection
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


class _Again(Exception):
    """The worker a task was sent to died before it began the task: it goes to another."""


DEPTH = 8       # tasks a worker may have been sent and not yet answered (see Pool)


def worker_main(conn) -> None:
    """The loop of one worker: a task in, its value (or the user's mistake, or a bug) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the server's: it stops the workers
    from ..parallel import with_room
    if isinstance(conn, mp.connection.Connection):
        conn = _Link(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(conn.fileno())))
    # the whole loop below the room, so no rule set's `run`, whatever its frame's size, starts its
    # calls at a frame-stack chunk's end (at ~4% of depths every call would map and unmap memory)
    with_room(_serve, conn)


def frame_extent(buf, at: int = 0):
    """(start, length) of the message at `at` in buf when all of it has come, else None
    (multiprocessing's framing: a 4-byte big-endian length, or -1 and an 8-byte one, then the pickle)."""
    end = len(buf)
    if end - at < 4:
        return None
    n, start = struct.unpack_from("!i", buf, at)[0], at + 4
    if n == -1:
        if end - at < 12:
            return None
        n, start = struct.unpack_from("!Q", buf, at + 4)[0], at + 12
    return (start, n) if end >= start + n else None


def frame(obj) -> list:
    """The pieces of obj's message in that framing: its length, then its pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    n = len(data)
    return [struct.pack("!i", n) if n <= 0x7fffffff else struct.pack("!iQ", -1, n), data]


class _Link:
    """The worker's end of its pipe: multiprocessing's frames (a 4-byte big-endian length, or -1 and 8
    bytes, then the pickle), read as much at a time as has come. The server sends a worker up to DEPTH
    tasks at once, so under load it goes from one to the next without waiting (see _serve for when
    the answers go back)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _frame(self):
        extent = frame_extent(self.buf)
        if extent is None:
            return None
        start, n = extent
        message = pickle.loads(memoryview(self.buf)[start:start + n])
        del self.buf[:start + n]
        return message

    def queued(self) -> bool:
        """A whole task has come already (the server sent more than one at once)."""
        return frame_extent(self.buf) is not None

    def recv(self):
        while True:
            message = self._frame()
            if message is not None:
                return message
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError
            self.buf += data

    def send(self, obj) -> None:
        self.sock.sendall(b"".join(frame(obj)))

    def send_frames(self, pieces: list) -> None:
        self.sock.sendall(b"".join(pieces))


HOLD = 0.02             # seconds the answers of finished tasks may wait for the tasks queued behind them (see _serve)
HOLD_BYTES = 1 << 20    # and the most bytes of answers held (five trace-on results, seventy without)


def _serve(conn) -> None:
    """Tasks in, answers out. While more tasks are queued behind the one just done, its answer waits to
    go back with theirs, in one write: each answer the server reads wakes it, and on a core it shares
    with this worker, it then runs in the middle of the next evaluation (two process switches an
    answer, and the evaluation slowed by the caches the server used meanwhile). The server times each
    task from the answer before it, so an answer held behind a long task would count as overrunning:
    a timer, set when the first answer is held (a signal: the evaluation is Python, the handler runs
    within it), sends the held answers HOLD seconds later at the latest. One timer per batch of answers,
    not one per task: two system calls a batch rather than two a task."""
    from . import tasks
    held: list = []             # the frames of answers not sent yet, in pieces
    size = [0]
    lost = []
    sending = [False]           # a flush under way (the timer's handler may run inside the loop's own)
    armed = [False]             # the timer is set for the answers held

    def flush(*_) -> None:
        if sending[0]:
            return
        sending[0] = True
        armed[0] = False
        try:
            if held and not lost:
                try:
                    conn.send_frames(held)
                except (OSError, ValueError):
                    lost.append(True)       # the server is gone: the loop stops at its next read
                held.clear()
                size[0] = 0
        finally:
            sending[0] = False
    hold = isinstance(conn, _Link) and hasattr(signal, "setitimer")
    if hold:
        signal.signal(signal.SIGALRM, flush)
    while True:
        if held and (size[0] >= HOLD_BYTES or not conn.queued()):
            if armed[0]:
                signal.setitimer(signal.ITIMER_REAL, 0)
            flush()
        if lost:
            return
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
        if hold:
            pieces = frame(reply)
            size[0] += len(pieces[1])
            held += pieces      # (one step: the timer's flush comes before it or after it)
            if not armed[0]:
                armed[0] = True
                signal.setitimer(signal.ITIMER_REAL, HOLD)
            continue
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


def _value(reply):
    """A worker's reply as the task's value, or the exception it stands for."""
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "error":
        raise rebuild(*reply[1:])
    raise WorkerFailed(reply[1], reply[2], alive=True)


def _stopped() -> WorkerFailed:
    return WorkerFailed("WorkerStopped", "an evaluation process stopped unexpectedly")


class _Slot:
    """A task sent to a worker and not yet answered: who waits for the answer, and its time limit, which
    runs from when the worker begins it (when the task before it was answered)."""
    __slots__ = ("fut", "limit", "timer", "token")

    def __init__(self, fut, limit, token):
        self.fut, self.limit, self.timer, self.token = fut, limit, None, token


class _Channel(asyncio.Protocol):
    """The server's end of a worker's pipe, read by the event loop as data arrives: the frames of
    multiprocessing's Connection (a 4-byte big-endian length, or -1 and 8 bytes, then the pickle), so
    that nothing here blocks or polls. The tasks sent in one turn of the event loop go in one write,
    and a worker answers in the order it was sent, so each answer is the oldest slot's."""

    def __init__(self, worker, pool):
        self.worker, self.pool = worker, pool
        self.transport = None
        self.buffer = bytearray()
        self.slots: collections.deque = collections.deque()
        self.out: list = []
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buf = self.buffer
        buf += data
        at = 0                      # (the answers read are cut off the buffer once, not one by one)
        while (extent := frame_extent(buf, at)) is not None:
            start, n = extent
            with memoryview(buf) as view:
                message = pickle.loads(view[start:start + n])
            at = start + n
            self._answered(message)
        if at:
            del buf[:at]
        # (answers come several to a read: the task now in hand is timed from the last of them)
        if self.slots and self.slots[0].timer is None and not self.closed:
            self._begun(self.slots[0])

    def _answered(self, message):
        if not self.slots:
            return
        slot = self.slots.popleft()
        if slot.timer is not None:
            slot.timer.cancel()
        if not slot.fut.done():         # (a request cancelled meanwhile: the answer is dropped)
            slot.fut.set_result(message)
        if slot.token and not self.closed:
            self.pool._idle.put_nowait(self.worker)

    def _begun(self, slot):
        slot.timer = self.pool._loop.call_later(slot.limit, self._late)

    def _late(self):
        """The task in hand overran its time limit: the worker is killed and replaced, the tasks
        behind it go to another."""
        if self.slots:
            slot = self.slots.popleft()
            if not slot.fut.done():
                slot.fut.set_exception(TimeLimit(slot.limit))
        self._fail(_Again)
        self.pool._replace(self.worker)

    @staticmethod
    def _settle(slot, exc):
        if slot.timer is not None:
            slot.timer.cancel()
        if not slot.fut.done():
            slot.fut.set_exception(exc)

    def _fail(self, exc_type):
        self.closed = True
        while self.slots:
            self._settle(self.slots.popleft(), exc_type())

    def connection_lost(self, exc):
        was_open = not self.closed
        if self.slots:
            self._settle(self.slots.popleft(), EOFError())
        self._fail(_Again)
        if was_open and self.worker.pooled:
            self.pool._replace(self.worker)

    def send(self, obj, fut, limit, token) -> None:
        if self.closed:
            raise _Again()
        if not self.out:
            self.pool._loop.call_soon(self._flush)
        self.out += frame(obj)
        slot = _Slot(fut, limit, token)
        self.slots.append(slot)
        if len(self.slots) == 1:
            self._begun(slot)

    def _flush(self):
        if self.out and not self.closed:
            self.transport.write(b"".join(self.out))
        self.out = []


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
        self.pooled = False         # warmed and handed to requests: replaced if it dies

    async def connect(self, pool) -> None:
        _, self.channel = await asyncio.get_running_loop().create_connection(lambda: _Channel(self, pool),
                                                                             sock=self.sock)

    def kill(self) -> None:
        if self.channel is not None:
            self.channel.closed = True
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.abort()
        else:
            self.sock.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)


class _Idle:
    """The workers' free places (a worker has DEPTH, one per task it may have been sent and not yet
    answered) and, when there are none, the requests waiting for one, first come first served. A request
    takes a place of the least busy worker: the places of one worker do not all go before another's,
    so tasks are spread while any worker has room. (asyncio.Queue's part, without its look-up of the
    running loop on every call: a system call each in Python 3.11, and this is asked twice a request.)"""

    def __init__(self, loop):
        self.loop = loop
        self.free: dict = {}                # worker -> its free places
        self.waiters: collections.deque = collections.deque()

    def put_nowait(self, w) -> None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(w)
                return
        self.free[w] = self.free.get(w, 0) + 1

    def take(self):
        """A place of the worker with the most free, or None."""
        free = self.free
        if not free:
            return None
        w = next(iter(free)) if len(free) == 1 else max(free, key=free.__getitem__)
        n = free[w] - 1
        if n:
            free[w] = n
        else:
            del free[w]
        return w

    def drop(self, w) -> None:
        self.free.pop(w, None)

    async def get(self):
        w = self.take()             # (while there is one, nobody is waiting: a place put back goes to a waiter first)
        if w is not None:
            return w
        fut = self.loop.create_future()
        self.waiters.append(fut)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():     # given a worker just as the request was cancelled
                self.put_nowait(fut.result())
            raise


class _Request:
    """A task handed to the pool with a function to call with its outcome (Pool.submit), for a request
    that has no coroutine of its own. It stands where call() puts a future: among the requests waiting
    for a worker's place (`done`, `set_result`: the place), and in the worker's slot (`set_result`: the
    reply, `set_exception`: the time limit, or the worker gone)."""
    __slots__ = ("pool", "task", "args", "then", "shared", "waiting", "settled")

    def __init__(self, pool, task, args, then, shared):
        self.pool, self.task, self.args, self.then, self.shared = pool, task, args, then, shared
        self.waiting = self.settled = False

    def done(self) -> bool:             # asked of a waiter (and of a slot's future) before it is given anything
        return self.settled if not self.waiting else False

    def set_result(self, obj) -> None:
        if self.waiting:                # a place, of worker obj
            self.waiting = False
            self.pool._waiting -= 1
            return self.pool._post(obj, self)
        self.settled = True
        try:
            value = _value(obj)
        except Exception as exc:   # noqa: BLE001 - the task's outcome, handed on as call() raises it
            return self.then(None, exc)
        self.then(value, None)

    def set_exception(self, exc) -> None:
        self.settled = True
        # (after the turn: a worker failing settles its slots before the pool replaces it)
        self.pool._loop.call_soon(self._failed, exc)

    def _failed(self, exc) -> None:
        if isinstance(exc, _Again):
            self.settled = False
            return self.pool._post(None, self)
        self.then(None, _stopped() if isinstance(exc, EOFError) else exc)


class Pool:
    """`size` worker processes; `await pool.call(task, *args)` runs tasks.TASKS[task](*args) in one of them.
    Each worker is handed up to DEPTH tasks at once (the least busy first, see _Idle): under load it then
    goes from one evaluation to the next without waiting for the server to send it, and answers them
    several at a time (see _serve), so that on a core shared with the server, it and the server take
    turns once per several requests rather than twice per request. Fewer than the requests at once, so
    that the server has tasks to send as soon as the worker's answers come (one worker, 16 requests at
    once, no trace: DEPTH 4 made 1,480 answers a second, 8 made 1,700, 16 made 1,400: the worker
    idle while the server and its clients turned 16 answers into 16 new requests)."""

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
        await w.connect(self)
        self._all.add(w)
        if self.warm is not None:
            try:
                await self._exchange(w, "warm", (self.warm(),), max(self.time_limit, 120), token=False)
            except (WorkerFailed, _Again):
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
        if w in self._all:
            w.pooled = True
            for _ in range(DEPTH):
                self._idle.put_nowait(w)

    def _replace(self, w) -> None:
        if w not in self._all:
            return         # replaced already
        self._all.discard(w)
        self._idle.drop(w)
        w.kill()
        t = self._loop.create_task(self._add())
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _exchange(self, w, task: str, args, limit: float, token: bool = True):
        """The task's value from worker w; _Again if w died before it began the task."""
        fut = self._loop.create_future()
        try:
            w.channel.send((task, args), fut, limit, token)
            reply = await fut
        except EOFError:
            raise _stopped() from None
        return _value(reply)

    async def call(self, task: str, *args, time_limit: float | None = None, shared=None):
        """`shared`, when given, is passed as the task's last argument to a worker that has not had
        this very object yet (None to one that has): state that changes seldom, sent once per worker."""
        if self._idle is None or (self.broken and not self._all):
            raise WorkerFailed("NotStarted", "the evaluation processes are not running")
        if self._waiting >= self.max_waiting:
            raise Busy()
        limit = time_limit or self.time_limit
        while True:
            self._waiting += 1
            try:
                w = await self._idle.get()
            finally:
                self._waiting -= 1
            if w not in self._all:
                continue            # a place of a worker since killed
            sent = args
            if shared is not None:
                sent, w.shared = args + ((shared if w.shared is not shared else None),), shared
            try:
                return await self._exchange(w, task, sent, limit)
            except _Again:
                if self.broken and not self._all:
                    raise WorkerFailed("NotStarted", "the evaluation processes are not running") from None

    def submit(self, task: str, args: tuple, then, shared=None) -> None:
        """call(task, *args, shared=shared) without a coroutine: then(value, None), or then(None, exception),
        is called once with its outcome (at once when the pool cannot take the task)."""
        if self._idle is None or (self.broken and not self._all):
            return then(None, WorkerFailed("NotStarted", "the evaluation processes are not running"))
        if self._waiting >= self.max_waiting:
            return then(None, Busy())
        self._post(None, _Request(self, task, args, then, shared))

    def _post(self, w, req: _Request) -> None:
        """req sent to worker w's place, or to a free place, or among the waiters until one is free."""
        idle = self._idle
        while w is None or w not in self._all:
            if self.broken and not self._all:
                return req.then(None, WorkerFailed("NotStarted", "the evaluation processes are not running"))
            w = idle.take()
            if w is None:
                req.waiting = True
                self._waiting += 1
                idle.waiters.append(req)
                return
        sent = req.args
        if req.shared is not None:
            sent, w.shared = sent + ((req.shared if w.shared is not req.shared else None),), req.shared
        try:
            w.channel.send((req.task, sent), req, self.time_limit, True)
        except _Again:
            self._post(None, req)
