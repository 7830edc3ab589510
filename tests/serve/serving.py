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


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A real `certrules serve` process on a free local port."""

    def __init__(self, proc, port, stderr_path):
        self.proc, self.port, self.stderr_path = proc, port, stderr_path
        self.url = f"http://127.0.0.1:{port}"

    @property
    def stderr(self) -> str:
        return Path(self.stderr_path).read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return out


@contextlib.contextmanager
def running_server(tmp_path, *args, token=None, ready=True, timeout=90):
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    port = free_port()
    err = tmp_path / f"serve-{port}.log"
    cmd = [sys.executable, "-m", "engine", "serve", "--port", str(port), "--workers", "1", *args]
    with open(err, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=fh, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    running = Running(proc, port, err)
    try:
        deadline = time.monotonic() + timeout
        while ready:
            if proc.poll() is not None:
                raise AssertionError(f"certrules serve stopped (exit {proc.returncode}): {running.stderr}")
            try:
                req = urllib.request.Request(running.url + "/api/v1/health",
                                             headers={"Authorization": f"Bearer {token}"} if token else {})
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("certrules serve did not answer in time: " + running.stderr)
            time.sleep(0.2)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
