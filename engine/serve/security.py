"""Who may ask, what a response may load, how much a request may send: three small ASGI middlewares.

- AccessControl: without a token only loopback clients are served (and only under a loopback Host
  name, so a page elsewhere cannot reach the server through DNS rebinding); with a token every
  request must carry it (`Authorization: Bearer TOKEN`, or the cookie the login page sets), compared
  in constant time. A form posted from another site is refused.
- SecurityHeaders: a strict Content-Security-Policy on every response (nothing from the network, no
  script, inline styles only by their hash), no sniffing, no referrer, no framing by other sites.
- BodyLimit: a body larger than the limit is refused before it is read whole, and one that does not
  arrive in time (BODY_SECONDS, plus a second per BODY_RATE bytes of the limit) is answered 408, so a
  client trickling a body (slowloris) cannot hold a connection open for ever.
"""
from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import html
import re
import time
from urllib.parse import quote

from .settings import Settings, is_loopback

TOKEN_COOKIE = "certrules_token"
OPEN_PATHS = ("/login", "/static/")         # reachable without the token (the login page and its style)


def _headers(scope) -> dict:
    """The request's headers by lower-case name, worked out once per request (two middlewares ask)."""
    out = scope.get("certrules.headers")
    if out is None:
        out = scope["certrules.headers"] = {k.decode("latin-1").lower(): v.decode("latin-1")
                                            for k, v in scope.get("headers") or []}
    return out


async def _respond(send, status: int, body: bytes, content_type: str, extra=()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem(status: int, code: str, message: str) -> bytes:
    from ..jsonout import dumps
    return dumps({"error": {"status": status, "code": code, "message": message}}).encode()


def _page(title: str, message: str) -> bytes:
    return (f'<!doctype html><html lang="zh"><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/workbench.css"><main><h1>{html.escape(title)}</h1>'
            f'<p>{html.escape(message)}</p></main></html>').encode()


def _cookie_token(headers: dict) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return value
    return None


def token_matches(given: str | None, token: str) -> bool:
    """Constant time: how long the comparison takes says nothing about how much of the token was right."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


def given_token(headers: dict) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return _cookie_token(headers)


class AccessControl:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        path = scope.get("path", "")
        api = path.startswith("/api/")
        refused = refusal(self.settings, scope, headers, path)
        if refused is None:
            return await self.app(scope, receive, send)
        status, code, message = refused
        if status == 401 and not api:   # a person: the login page, then back here
            target = "/login?next=" + quote(path, safe="/")
            return await _respond(send, 303, b"", "text/plain", [("location", target)])
        extra = [("www-authenticate", 'Bearer realm="certrules"')] if status == 401 else []
        if api:
            return await _respond(send, status, _problem(status, code, message), "application/json", extra)
        return await _respond(send, status, _page("拒绝 Refused", message), "text/html; charset=utf-8", extra)


@functools.lru_cache(maxsize=512)      # asked for every request: worked out once per Host header
def _host_name(host: str) -> str:
    return re.sub(r":\d+$", "", host)


def refusal(s: Settings, scope, headers: dict, path: str):
    """(status, code, message) of why a request is refused, or None: served."""
    host = headers.get("host", "")
    name = _host_name(host)
    if s.local_only and not (is_loopback(name) or name in s.extra_hosts):
        return 403, "host", f"this server answers only under a local address, not '{name}'"
    client = (scope.get("client") or ("", 0))[0]
    if s.token is None:
        if not is_loopback(client):
            return 403, "not_local", ("this server answers only requests from this machine; start it with "
                                      "--token-file to serve others")
    elif not path.startswith(OPEN_PATHS) and not token_matches(given_token(headers), s.token):
        return 401, "token", "this server needs its access token (Authorization: Bearer TOKEN)"
    if scope.get("method") == "POST" and not path.startswith("/api/"):
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        if (origin not in (None, "null") and origin.split("://", 1)[-1] != host) or site == "cross-site":
            return 403, "cross_site", "a form sent from another site is refused"
    return None


# ------------------------------------------------------------------ what a response may load

def style_hashes(page: str) -> list[str]:
    """CSP sources for a page's inline styles: each <style> element and each style="" attribute."""
    out = []
    for m in re.finditer(r"<style\b[^>]*>(.*?)</style>", page, re.S | re.I):
        out.append(m.group(1))
    for m in re.finditer(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", page, re.I):
        out.append(html.unescape(m.group(1) if m.group(1) is not None else m.group(2)))
    return sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
                   for s in out})


def csp(hashes=(), framed: bool = False) -> str:
    """The policy: nothing from the network, no script, styles from the server or by hash, and no
    framing except by the workbench itself (framed=True: a document shown inside a workbench page)."""
    style = "'self'" + ("".join(" " + h for h in hashes) + (" 'unsafe-hashes'" if hashes else ""))
    return ("default-src 'none'; script-src 'none'; style-src " + style + "; img-src 'self' data:; "
            "font-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors " + ("'self'" if framed else "'none'"))


DEFAULT_CSP = csp()
SECURITY_HEADERS = [(k, v.encode()) for k, v in (
    (b"content-security-policy", DEFAULT_CSP), (b"x-content-type-options", "nosniff"), (b"referrer-policy", "no-referrer"),
    (b"cross-origin-opener-policy", "same-origin"), (b"cross-origin-resource-policy", "same-origin"),
    (b"cache-control", "no-store"))]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                have = {k.lower() for k, _ in headers}
                headers += [kv for kv in SECURITY_HEADERS if kv[0] not in have]
                message = {**message, "headers": headers}
            await send(message)
        return await self.app(scope, receive, send_with_headers)


# ------------------------------------------------------------------ how much a request may send

class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than the {limit:,} bytes this server takes")
        self.limit = limit


BODY_SECONDS = 30        # what any body may take ...
BODY_RATE = 100_000      # ... plus a second per this many bytes of the limit that applies


async def _within(awaitable, deadline: float):
    """`awaitable`'s value if it comes by `deadline` (time.monotonic), else TimeoutError. asyncio.timeout
    (Python 3.11) adds no task of its own, as wait_for does: this is awaited for every request."""
    seconds = max(deadline - time.monotonic(), 0.01)
    if not hasattr(asyncio, "timeout"):
        return await asyncio.wait_for(awaitable, seconds)
    async with asyncio.timeout(seconds):
        return await awaitable


class BodyLimit:
    """`limits` is a list of (path prefix, bytes), the first prefix that matches applies."""

    def __init__(self, app, limits):
        self.app = app
        self.limits = list(limits)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = next(n for prefix, n in self.limits if path.startswith(prefix))
        length = _headers(scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            message = str(BodyTooLarge(limit))
            if path.startswith("/api/"):
                return await _respond(send, 413, _problem(413, "too_large", message), "application/json")
            return await _respond(send, 413, _page("太大 Too large", message), "text/html; charset=utf-8")
        seen, complete = 0, False
        seconds = BODY_SECONDS + limit // BODY_RATE
        deadline = time.monotonic() + seconds

        async def counted():
            nonlocal seen, complete
            if complete:        # the body is in: what follows (a disconnect) may take as long as it takes
                return await receive()
            try:
                message = await _within(receive(), deadline)
            except asyncio.TimeoutError:
                from .problems import HTTPProblem
                raise HTTPProblem(408, "too_slow", f"the request body did not arrive within {seconds} s") from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
                complete = not message.get("more_body", False)
            return message
        return await self.app(scope, counted, send)
