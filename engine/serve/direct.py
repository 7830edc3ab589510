"""POST /api/v1/evaluate answered without the framework or the middlewares: the body's bytes go to an
evaluation process as they came, and the result's bytes (or the problem's) come back as the response.

This is the server's outermost layer, so a single-case evaluation passes through one coroutine rather
than six (each wrapping `send`, each awaited in turn: most of what serving one evaluation cost the
server). It does here what the middlewares would: access control (AccessControl's own test), the body
limit and its time (BodyLimit's figures), the security headers and the one log line. A request it is
not sure of (refused, a body of no stated size or above the limit, a batch) goes through the whole
stack instead, which answers it as it answers every other request.
"""
from __future__ import annotations

import asyncio
import time

from ..jsonout import dumpb
from .bodies import media_type
from .problems import HTTPProblem, problem_of, where
from .requestlog import LOG, _log
from .security import BODY_RATE, BODY_SECONDS, SECURITY_HEADERS, _headers, refusal

PATH = "/api/v1/evaluate"
JSON = b"application/json; charset=utf-8"
_TYPE = [(b"content-type", JSON)] + SECURITY_HEADERS


class DirectEvaluate:
    def __init__(self, app, server):
        self.app = app                  # the whole stack, for everything else
        self.server = server
        self.limit = server.settings.max_body
        self.seconds = BODY_SECONDS + self.limit // BODY_RATE
        self.loop = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        headers = _headers(scope)
        length = headers.get("content-length")
        s = self.server
        if length is None or not length.isdigit() or int(length) > self.limit \
                or refusal(s.settings, scope, headers, PATH) is not None:
            return await self.app(scope, receive, send)
        try:
            ctype = media_type(headers.get("content-type"))
            raw = await self._body(receive)
        except Exception as exc:   # noqa: BLE001 - 408 or 415, answered as api.py answers it
            answer = failed(exc)
        else:
            if raw is None:
                return                      # the client went away: nobody to answer
            answer = await evaluated(s, raw, ctype)
            if answer is None:
                return await self.app(scope, _replay(raw, receive), send)
        status, digest, body = answer
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", b"%d" % len(body))] + _TYPE})
        await send({"type": "http.response.body", "body": body})
        _log(f"POST {PATH} {status} {(time.perf_counter() - start) * 1000:.1f}ms {digest or '-'}")

    async def _body(self, receive) -> bytes | None:
        """The whole body (BodyLimit's rules: Content-Length was checked, uvicorn holds a body to it), or
        408 if it does not come in time. One timer rather than asyncio.timeout: the body is nearly always
        in already, and a timer costs a fraction of a timeout's bookkeeping."""
        loop = self.loop
        if loop is None:
            loop = self.loop = asyncio.get_running_loop()
        task, late = asyncio.current_task(loop), []
        timer = loop.call_later(self.seconds, lambda: (late.append(True), task.cancel()))
        chunks = []
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        except asyncio.CancelledError:
            if not late:
                raise
            task.uncancel()
            raise HTTPProblem(408, "too_slow", f"the request body did not arrive within {self.seconds} s") from None
        finally:
            timer.cancel()


async def evaluated(server, raw: bytes, ctype: str):
    """(status, digest or None, body) of a single-case evaluation's body, a problem answered as api.py
    answers it; None for a batch (the whole stack answers it)."""
    try:
        if maybe_batch(raw):
            return None
        return await server.pool.call("answer", raw, ctype, shared=server.catalog.items())
    except Exception as exc:   # noqa: BLE001 - every problem answered as api.py answers it
        return refused(raw, exc)


def refused(raw: bytes, exc: Exception):
    """What an evaluation process could not answer: the problem, or None (for the stack) when the body
    may be a batch, whose own checks (its size first) come before any evaluation process."""
    return None if b'"cases"' in raw else failed(exc)


SMALL = 64 * 1024      # bytes: a body up to this goes to an evaluation process whatever it holds


def maybe_batch(raw: bytes) -> bool:
    """A body that may be a batch, for the whole stack to spread over the workers. One without the
    word surely is not; a small one goes to an evaluation process whatever it holds: looking for the
    word in a case's few kB costs every request more (a few microseconds, its quote marks foil the
    search's skips) than reading a small batch twice costs the batches. A batch (or a YAML one, whose
    key is not quoted) comes back from the worker as None and goes to the stack, as any other does, and
    so does one the evaluation processes could not take (see `refused`)."""
    return len(raw) > SMALL and b'"cases"' in raw


def failed(exc: Exception):
    problem = problem_of(exc)
    if problem.status == 500:
        LOG.error("internal error %s at %s (POST %s)", getattr(exc, "kind", type(exc).__name__), where(exc), PATH)
    return problem.status, None, dumpb(problem.body())


def _replay(raw: bytes, receive):
    """The body read already, then whatever the connection says next (a disconnect)."""
    sent = False

    async def again():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}
    return again
