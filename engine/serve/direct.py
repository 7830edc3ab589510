"""POST /api/v1/evaluate answered without the framework: the body's bytes go to an evaluation process
as they came, and the result's bytes (or the problem's) come back as the response. The request has
already passed access control, the security headers and the body limit (they wrap this); what the
framework would add per request (its Request and Response, routing, exception handlers) is most of
what serving one evaluation costs the server. A batch is passed on to the route in api.py."""
from __future__ import annotations

from ..jsonout import dumpb
from .bodies import media_type
from .problems import HTTPProblem, problem_of, where
from .requestlog import LOG
from .security import BodyTooLarge

PATH = "/api/v1/evaluate"
JSON = b"application/json; charset=utf-8"


class DirectEvaluate:
    def __init__(self, app, server):
        self.app = app
        self.server = server

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        try:
            ctype = media_type(next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), None))
            raw = await _body(receive)
            if raw is None:
                return                      # the client went away: nobody to answer
            answer = None
            if b'"cases"' not in raw:       # surely not a batch: one worker reads, evaluates and writes it
                s = self.server
                answer = await s.pool.call("answer", raw, ctype, shared=s.catalog.items())
            if answer is None:
                return await self.app(scope, _replay(raw, receive), send)
            status, digest, body = answer
            if digest:
                scope.setdefault("state", {})["digest"] = digest
        except BodyTooLarge as exc:
            status, body = 413, dumpb(HTTPProblem(413, "too_large", str(exc)).body())
        except Exception as exc:   # noqa: BLE001 - every problem answered as api.py answers it
            problem = problem_of(exc)
            if problem.status == 500:
                LOG.error("internal error %s at %s (POST %s)", getattr(exc, "kind", type(exc).__name__), where(exc), PATH)
            status, body = problem.status, dumpb(problem.body())
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", JSON)]})
        await send({"type": "http.response.body", "body": body})


async def _body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


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
