"""Helpers for the server's tests (a module of their own: `from conftest import` finds other folders' conftests)."""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "examples" / "cases"
A2 = ROOT / "rulesets" / "ZBC-SC-2025-A2"
LOCAL = "http://127.0.0.1:8400"


def example(prefix: str) -> Path:
    return next(CASES.glob(f"{prefix}*.yaml"))


def case(prefix: str) -> dict:
    from engine.yamlio import load_file
    return load_file(example(prefix)).data


def as_json(data) -> bytes:
    from engine.jsonout import dumps
    return dumps(data).encode()


@contextlib.contextmanager
def local_client(settings, client=("127.0.0.1", 50000), lifespan=True, **kw):
    """A test client of an app made with `settings`, as if from `client` (loopback by default)."""
    from starlette.testclient import TestClient
    from engine.serve import create_app
    c = TestClient(create_app(settings), base_url=LOCAL, client=client, follow_redirects=False, **kw)
    if lifespan:
        with c:
            yield c
    else:
        yield c


def post_json(client, path, data, headers=None, **kw):
    return client.post(path, content=as_json(data), headers={"content-type": "application/json", **(headers or {})}, **kw)


class LogLines(logging.Handler):
    """The server's log lines, as they would be printed."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def log_lines():
    from engine.serve.requestlog import LOG
    h = LogLines()
    LOG.addHandler(h)
    try:
        yield h.lines
    finally:
        LOG.removeHandler(h)


def cli_output(capsys, *argv) -> str:
    """What `certrules ARGV...` prints on stdout."""
    from engine.cli import main
    capsys.readouterr()
    rc = main(list(argv))
    out = capsys.readouterr().out
    assert rc == 0, out
    return out


class _Form:
    """The fields a browser would send from one form of a page: inputs, selects, textareas (not buttons)."""

    def __init__(self, html: str, form_id: str):
        from html.parser import HTMLParser
        fields: list = []
        state = {"in": False, "select": None, "textarea": None, "options": []}

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "form":
                    state["in"] = a.get("id") == form_id
                if not state["in"]:
                    return
                if tag == "input" and a.get("type", "text") not in ("submit", "button", "file") and a.get("name"):
                    fields.append([a["name"], a.get("value") or ""])
                elif tag == "select":
                    state["select"] = [a.get("name"), None, None]
                elif tag == "option" and state["select"] is not None:
                    if state["select"][2] is None:
                        state["select"][2] = a.get("value", "")
                    if "selected" in a:
                        state["select"][1] = a.get("value", "")
                elif tag == "textarea":
                    state["textarea"] = [a.get("name"), ""]

            def handle_endtag(self, tag):
                if tag == "select" and state["select"] is not None:
                    name, chosen, first = state["select"]
                    fields.append([name, chosen if chosen is not None else first])
                    state["select"] = None
                elif tag == "textarea" and state["textarea"] is not None:
                    fields.append(state["textarea"])
                    state["textarea"] = None
                elif tag == "form":
                    state["in"] = False

            def handle_data(self, data):
                if state["textarea"] is not None:
                    state["textarea"][1] += data
        P(convert_charrefs=True).feed(html)
        self.fields = dict(fields)

    def __setitem__(self, name, value):
        assert name in self.fields, f"the form has no field {name!r}"
        self.fields[name] = value


def form_of(html: str, form_id: str = "case-form") -> _Form:
    return _Form(html, form_id)
