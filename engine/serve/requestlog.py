"""One log line per request: method, path, status, time taken, and the digest of the rule set used.

Never the query string, a body or anything else of a case: what an organisation told its
body stays out of the server's log. Handlers name the rule set they used with
`used(request, digest)`.
"""
from __future__ import annotations

import logging
import sys
import time

LOG = logging.getLogger("certrules.serve")


def setup(stream=None) -> None:
    """Log lines to stderr (once), whatever the root logger is set to."""
    if not LOG.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


def used(request, digest: str) -> None:
    request.state.digest = digest


class RequestLog:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        status = [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - start) * 1000
            digest = state.get("digest") or "-"
            path = scope.get("path", "").encode("unicode_escape", "backslashreplace").decode("ascii")
            LOG.info("%s %s %d %.1fms %s", scope.get("method", "-"), path, status[0], ms, digest)
