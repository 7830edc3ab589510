"""A request's problem as an HTTP status and a plain body: the command line's sentence, the field path.

    400 the request is malformed (not JSON, an unknown key, an unknown output id)
    401 the access token is missing or wrong; 403 refused (a non-local client, a cross-site form)
    404 no such revision, document, element or page
    413 the body or the batch is larger than the server takes
    415 a body that is neither JSON nor YAML
    422 the case cannot be evaluated: it does not fit the case schema, or it does not earn a document,
        or its evaluation overran the time limit
    503 the server cannot do it now: a configured rule set does not load, Chromium is missing, too busy
    500 a bug in certrules: one line, never a traceback
"""
from __future__ import annotations

from ..errors import CaseError, CertrulesError, OutputError, RevisionError, RuleSetError, UsageError
from .workers import Busy, TimeLimit, WorkerFailed


class DocumentUnknown(UsageError):
    """A document the rule set does not have: 404, as a path that names nothing."""


class HTTPProblem(Exception):
    def __init__(self, status: int, code: str, message: str, path: str | None = None, problems=None):
        super().__init__(message)
        self.status, self.code, self.message, self.path = status, code, message, path
        self.problems = problems or []

    def body(self) -> dict:
        out = {"status": self.status, "code": self.code, "message": self.message}
        if self.path:
            out["path"] = self.path
        if self.problems:
            out["problems"] = self.problems
        return {"error": out}


def bad_request(message: str, path: str | None = None) -> HTTPProblem:
    return HTTPProblem(400, "request", message, path)


def not_found(message: str) -> HTTPProblem:
    return HTTPProblem(404, "not_found", message)


def too_large(message: str) -> HTTPProblem:
    return HTTPProblem(413, "too_large", message)


_STATUS = [(DocumentUnknown, 404, "not_found"), (UsageError, 400, "request"), (CaseError, 422, "case"), (RevisionError, 404, "revision"),
           (RuleSetError, 503, "ruleset"), (OutputError, 503, "output")]


def _within(prefix: str, path: str) -> str:
    """A field path inside one case of a batch: cases[3].organization.name."""
    if not prefix:
        return path
    return prefix if path == "(the case)" else f"{prefix}.{path}"


def where(exc: BaseException) -> str:
    """Where a bug happened: the last frames' files and lines (never its message: it may hold a case's values)."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return getattr(exc, "where", "") or "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames)


def problem_of(exc: BaseException, prefix: str = "") -> HTTPProblem:
    """Any exception as the problem a client is told about; anything unforeseen is a bug (500).
    `prefix` names the case of a batch the exception is about."""
    if isinstance(exc, HTTPProblem):
        return exc
    if isinstance(exc, CertrulesError):
        status, code = next(((s, c) for cls, s, c in _STATUS if isinstance(exc, cls)), (500, "internal"))
        fields = [{"path": _within(prefix, p), "message": m} for p, m in (getattr(exc, "fields", None) or [])]
        return HTTPProblem(status, code, str(exc), fields[0]["path"] if fields else (prefix or None), fields)
    if isinstance(exc, TimeLimit):
        return HTTPProblem(422, "time_limit", exc.message)
    if isinstance(exc, Busy):
        return HTTPProblem(503, "busy", "the server has too many evaluations waiting; try again shortly")
    what = exc.kind if isinstance(exc, WorkerFailed) else type(exc).__name__
    return HTTPProblem(500, "internal", f"internal error ({what}); this is a bug in certrules — "
                                        "please report it with the request you made (the server's log says where)")
