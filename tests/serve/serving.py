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


def post_json(client, path, data, **kw):
    return client.post(path, content=as_json(data), headers={"content-type": "application/json"}, **kw)


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
