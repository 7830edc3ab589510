"""POST /api/v1/evaluate answered by the HTTP protocol itself, for `certrules serve`.

uvicorn's httptools protocol, except that a single-case evaluation whose headers and whole body came
in one read (nearly all: a case is a few kB) is answered from the parser's callbacks: its body goes to
an evaluation process as it came, and the status line, the headers and the result go back in one write.
No scope, no ASGI messages, no send/receive wrappers: under uvicorn's own path (DirectEvaluate) those,
and two writes a response, were most of what the server spent on an evaluation.

It answers exactly as DirectEvaluate does (its checks, its headers, its log line, the same worker
task). Everything else goes the way uvicorn takes any request, through the whole application:
another route or method, HTTP/1.0, Expect: 100-continue, an upgrade, proxy headers (uvicorn's own
middleware reads them), a body of no stated size or above the limit, a refusal (the stack words it),
a request pipelined behind one not yet answered, a body still arriving when the read is done (the
stack times it out as a slow body), and a batch.
"""
from __future__ import annotations

import asyncio
import time

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from .bodies import media_type
from .direct import _TYPE, PATH, DirectEvaluate, maybe_batch, refused
from .problems import HTTPProblem, where
from .requestlog import LOG, _log
from .security import refusal

_URL = PATH.encode()
_TAIL = b"".join(k + b": " + v + b"\r\n" for k, v in _TYPE)


class _NoEvent:
    """The protocol sets its cycle's message_event when the connection is lost: nobody waits here."""

    @staticmethod
    def set() -> None:
        pass


class _Lean:
    """A request answered here, standing in for uvicorn's RequestResponseCycle where the protocol looks
    at its cycle (response_complete, keep_alive, disconnected, message_event)."""
    __slots__ = ("scope", "ctype", "keep_alive", "start", "chunks", "more_body", "disconnected", "response_complete")
    message_event = _NoEvent()

    def __init__(self, scope, ctype: str, keep_alive: bool):
        self.scope, self.ctype, self.keep_alive = scope, ctype, keep_alive
        self.start = time.perf_counter()
        self.chunks: list = []
        self.more_body = True
        self.disconnected = self.response_complete = False


class LeanProtocol(HttpToolsProtocol):
    def __init__(self, config, server_state, app_state, _loop=None):
        super().__init__(config, server_state, app_state, _loop)
        self.direct = config.app if isinstance(config.app, DirectEvaluate) else None
        self.taken = None           # the headers of the last request answered here, and its media type

    def _lean(self) -> _Lean | None:
        """This request, if it is one to answer here (decided when its headers are in)."""
        d = self.direct
        cycle = self.cycle
        if d is None or self.url != _URL or (cycle is not None and not cycle.response_complete) \
                or self.parser.get_method() != b"POST" or self.parser.get_http_version() != "1.1" \
                or self.expect_100_continue or self.root_path or self.limit_concurrency is not None \
                or self.flow.write_paused or self.parser.should_upgrade():
            return None
        taken = self.taken
        if taken is not None and taken[0] == self.headers:
            # the very headers of this connection's last request answered here (a client sends the same
            # ones again and again): the same client, settings and path, so the same checks' outcome
            return _Lean(self.scope, taken[1], self.parser.should_keep_alive())
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in self.headers}
        length = headers.get("content-length")
        if length is None or not length.isdigit() or int(length) > d.limit or "transfer-encoding" in headers \
                or (self.config.proxy_headers and ("x-forwarded-for" in headers or "x-forwarded-proto" in headers)) \
                or refusal(d.server.settings, {"client": self.client, "method": "POST"}, headers, PATH) is not None:
            return None
        try:
            ctype = media_type(headers.get("content-type"))
        except HTTPProblem:
            return None
        self.taken = (self.headers, ctype)
        return _Lean(self.scope, ctype, self.parser.should_keep_alive())

    def on_headers_complete(self) -> None:
        lean = self._lean()
        if lean is None:
            return super().on_headers_complete()
        self.cycle = lean

    def on_body(self, body: bytes) -> None:
        if type(self.cycle) is _Lean:
            self.cycle.chunks.append(body)
        else:
            super().on_body(body)

    def on_message_complete(self) -> None:
        lean = self.cycle
        if type(lean) is not _Lean or not lean.more_body:
            return super().on_message_complete()
        lean.more_body = False
        chunks = lean.chunks
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        lean.chunks = None
        server = self.direct.server
        if maybe_batch(raw):
            return self._to_stack(lean, raw)

        def then(answer, exc):
            try:
                self._answer(lean, raw, answer if exc is None else refused(raw, exc))
            except Exception as bug:   # noqa: BLE001 - called from the worker's channel, which must go on reading
                LOG.error("internal error %s at %s (POST %s)", type(bug).__name__, where(bug), PATH)
                self.transport.close()
        try:
            server.pool.submit("answer", (raw, lean.ctype), then, shared=server.catalog.items())
        except Exception as exc:   # noqa: BLE001 - as DirectEvaluate answers it
            self._answer(lean, raw, refused(raw, exc))

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        lean = self.cycle
        if type(lean) is _Lean and lean.more_body and not self.transport.is_closing():
            # the body is still coming: the stack takes the request over, with what came so far
            self.cycle = None
            super().on_headers_complete()
            self.cycle.body += b"".join(lean.chunks)
            self.cycle.message_event.set()

    def _answer(self, lean: _Lean, raw: bytes, answer) -> None:
        if answer is None:
            return self._to_stack(lean, raw)
        status, digest, body = answer
        lean.response_complete = True
        if not lean.disconnected and not self.transport.is_closing():
            head = [STATUS_LINE[status]]
            head += [b"%s: %s\r\n" % kv for kv in self.server_state.default_headers]
            head += [b"content-length: %d\r\n" % len(body), _TAIL,
                     b"\r\n" if lean.keep_alive else b"connection: close\r\n\r\n", body]
            self.transport.write(b"".join(head))
            if not lean.keep_alive:
                self.transport.close()
            self.on_response_complete()
        _log(f"POST {PATH} {status} {(time.perf_counter() - lean.start) * 1000:.1f}ms {digest or '-'}", self.loop)

    def _to_stack(self, lean: _Lean, raw: bytes) -> None:
        task = self.loop.create_task(self._stack(lean, raw))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)        # uvicorn's shutdown waits for these

    async def _stack(self, lean: _Lean, raw: bytes) -> None:
        """A batch: answered by the whole stack, as any other request."""
        scope = lean.scope
        scope.update(method="POST", path=PATH, raw_path=_URL, query_string=b"")
        cycle = RequestResponseCycle(
            scope=scope, transport=self.transport, flow=self.flow, logger=self.logger,
            access_logger=self.access_logger, access_log=self.access_log,
            default_headers=self.server_state.default_headers, message_event=asyncio.Event(),
            expect_100_continue=False, keep_alive=lean.keep_alive, on_response=self.on_response_complete)
        cycle.body, cycle.more_body, cycle.disconnected = bytearray(raw), False, lean.disconnected
        cycle.message_event.set()           # the body is in: the app's first receive() has it at once
        if self.cycle is lean:
            self.cycle = cycle
        await cycle.run_asgi(self.app)
