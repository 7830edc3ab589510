"""The server as one ASGI application: the workbench's routes and the API's, wrapped in the request log,
the security headers, access control, the body limit and the workbench's language (outermost first);
before all of them, the direct answer to a single-case evaluation (which does their part itself)."""
from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from . import api, pages
from .catalog import Catalog
from .examples import default_dirs, load_examples
from .jobs import Jobs
from .language import Language
from .operations import Server
from .direct import DirectEvaluate
from .problems import HTTPProblem, problem_of, where
from .requestlog import LOG, RequestLog, setup
from .results import Results
from .security import AccessControl, BodyLimit, BodyTooLarge, SecurityHeaders
from .settings import Settings
from .workers import Pool


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, problem: HTTPProblem):
    return api.problem_response(problem) if _is_api(request) else pages.error_page(problem)


async def _on_problem(request: Request, exc: Exception):
    problem = problem_of(exc)
    if problem.status == 500:
        LOG.error("internal error %s at %s (%s %s)", getattr(exc, "kind", type(exc).__name__), where(exc),
                  request.method, request.url.path)
    return _answer(request, problem)


class Bugs:
    """Starlette answers an unforeseen exception (with _on_problem) and raises it again for the server to
    log; here it is logged in one line instead, so no traceback reaches a log or a client."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self.app(scope, receive, sending)
        except Exception as exc:   # noqa: BLE001 - answered already (or answered here) as a bug, in one line
            if scope["type"] != "http":
                raise
            if not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"internal error; this is a bug in certrules"})
                LOG.error("internal error %s at %s", type(exc).__name__, where(exc))


class ControlsInPath:
    """A path whose decoded form holds a control character (`/api/v1/rulesets/A2%00`, a line break, DEL)
    names nothing the server has: 404 with the problem body, before any route reads it. (Revision names
    are matched leniently, letters and digits only, so 'A2\\0' would otherwise be taken for 'A2'.)"""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            import unicodedata
            bad = next((c for c in scope.get("path", "") if unicodedata.category(c) == "Cc"), None)
            if bad is not None:
                problem = HTTPProblem(404, "not_found", f"no such page: the path holds the control character "
                                                        f"U+{ord(bad):04X}")
                return await _answer(Request(scope), problem)(scope, receive, send)
        await self.app(scope, receive, send)


async def _on_http(request: Request, exc: HTTPException):
    words = {404: "no such page", 405: "this page does not take that method"}.get(exc.status_code, str(exc.detail))
    return _answer(request, HTTPProblem(exc.status_code, "not_found" if exc.status_code == 404 else "request", words))


async def _on_too_large(request: Request, exc: BodyTooLarge):
    return _answer(request, HTTPProblem(413, "too_large", str(exc)))


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    setup()
    catalog = Catalog(settings.rulesets, settings.refresh_seconds)

    def warm():
        return [(str(it.folder), it.digest) for it in catalog.items()]

    pool = Pool(settings.worker_count, settings.time_limit, warm=warm)
    server = Server(settings=settings, catalog=catalog, pool=pool, results=Results(settings.results_kept),
                    examples=load_examples(settings.examples or default_dirs()))
    server.jobs = Jobs(server)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        import asyncio
        catalog.refresh()
        await asyncio.gather(pool.start(), *(asyncio.to_thread(_load, catalog, it) for it in catalog.items()))
        try:
            yield
        finally:
            await server.jobs.stop()
            await pool.stop()

    app = Starlette(routes=api.ROUTES + pages.ROUTES, lifespan=lifespan,
                    exception_handlers={HTTPException: _on_http, BodyTooLarge: _on_too_large, Exception: _on_problem,
                                        HTTPProblem: _on_problem})
    app.state.server = server
    inner = BodyLimit(Language(ControlsInPath(app)), [("/compare/impact", settings.max_upload), ("/", settings.max_body)])
    outer = DirectEvaluate(RequestLog(SecurityHeaders(Bugs(AccessControl(inner, settings)))), server)
    outer.state = app.state                 # tests and the command reach the server through the wrapped app
    outer.router = app.router
    return outer


def _load(catalog, item) -> None:
    """A rule set read and checked before the first request (a broken one is reported when asked for)."""
    from ..errors import CertrulesError
    try:
        catalog.ruleset(item)
    except CertrulesError:
        pass
