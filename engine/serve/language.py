"""The workbench's language: Chinese first with English beside (the default), Chinese only, or English only.

A person picks one with the switch in the page header (a link: no script); it is kept in a cookie.
The pages' texts are pairs (the `both` macro), shown as the choice says; the library's own pages
shown inside the workbench (the diff, the documents) are rendered in English when English alone is
chosen, else in the rule set's own language.
"""
from __future__ import annotations

import contextvars
from urllib.parse import quote

from starlette.responses import RedirectResponse

COOKIE = "certrules_lang"
CHOICES = {"zh-en": "中文 + English", "zh": "中文", "en": "English"}
DEFAULT = "zh-en"

_current: contextvars.ContextVar = contextvars.ContextVar("certrules_lang", default=(DEFAULT, "/"))


def current() -> str:
    """The language of the page being rendered: zh-en, zh or en."""
    return _current.get()[0]


def here() -> str:
    """The page being rendered (path and query), to come back to after switching."""
    return _current.get()[1]


def library_lang() -> str | None:
    """The --lang of the library's own pages: English when English alone is chosen, else the rule set's."""
    return "en" if current() == "en" else None


def switch_links() -> list[tuple[str, str, bool]]:
    """(label, href, chosen) for each choice, coming back to this page."""
    back = quote(here(), safe="/")
    return [(label, f"/language?set={key}&next={back}", key == current()) for key, label in CHOICES.items()]


def _cookie(headers) -> str:
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == COOKIE and v in CHOICES:
                    return v
    return DEFAULT


class Language:
    """Sets the language (from the cookie) and the page's address for everything a request renders."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/"):
            return await self.app(scope, receive, send)
        qs = scope.get("query_string", b"").decode("latin-1")
        token = _current.set((_cookie(scope.get("headers") or []), scope.get("path", "/") + ("?" + qs if qs else "")))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


async def choose(request):
    """GET /language?set=zh|en|zh-en&next=/page: keep the choice, go back to the page."""
    choice = request.query_params.get("set", DEFAULT)
    nxt = request.query_params.get("next", "/")
    nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"
    response = RedirectResponse(nxt, 303)
    if choice in CHOICES:
        response.set_cookie(COOKIE, choice, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


def pair(message):
    """A message made before its page's language was known, as {zh, en} for the `t2` macro: a
    catalogue message (i18n.Msg) or an error holding them in both languages; any other text as it is."""
    from ..errors import CertrulesError
    from ..i18n import Msg, Texts
    if isinstance(message, CertrulesError):
        return {lang: Texts(lang).error(message) for lang in ("zh", "en")}
    if isinstance(message, Msg):
        return {lang: Texts(lang).say(message) for lang in ("zh", "en")}
    return message
