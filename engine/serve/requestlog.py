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


STAMP = "%Y-%m-%dT%H:%M:%S"


class _Stderr(logging.StreamHandler):
    """The server's own handler: `time message` lines. A request's line is written by `line` without
    a LogRecord (making one, with its caller's frame, cost more than the rest of the request's
    bookkeeping), the same text the formatter writes for every other message. The lines of the
    requests answered in one turn of the event loop are written together, in one write, at its end."""

    def __init__(self, stream):
        super().__init__(stream)
        self.setFormatter(logging.Formatter("%(asctime)s %(message)s", STAMP))
        self._second, self._stamp = -1, ""
        self._pending: list[str] = []

    def line(self, text: str, loop=None) -> None:
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime(STAMP, time.localtime(now))
        with self.lock:         # (a message logged from another thread writes the pending lines)
            self._pending.append(f"{self._stamp} {text}\n")
        if loop is None:
            self._write()
        elif len(self._pending) == 1:
            loop.call_soon(self._write)

    def _write(self) -> None:
        with self.lock:
            lines, self._pending = self._pending, []
            if not lines:
                return
            try:
                self.stream.write("".join(lines))
                super().flush()
            except (OSError, ValueError):
                pass

    def emit(self, record) -> None:
        self._write()           # the requests' lines before, as they happened
        super().emit(record)

    def flush(self) -> None:
        self._write()           # (logging.shutdown flushes every handler at exit)
        super().flush()


def setup(stream=None) -> None:
    """Log lines to stderr (once), whatever the root logger is set to."""
    if not LOG.handlers:
        LOG.addHandler(_Stderr(stream or sys.stderr))
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


def _log(text: str, loop=None) -> None:
    """A request's line; with the running event loop as `loop`, written at the end of its turn."""
    handlers = LOG.handlers
    if len(handlers) == 1 and type(handlers[0]) is _Stderr and LOG.isEnabledFor(logging.INFO):
        handlers[0].line(text, loop)
    else:                       # another handler is listening (a test, an embedding application)
        LOG.info("%s", text)


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
            _log(f"{scope.get('method', '-')} {path} {status[0]} {ms:.1f}ms {digest}")
