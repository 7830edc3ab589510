"""`certrules serve` as the README starts it: what it says at start, what it refuses, how it stops."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from serving import as_json, case, running_server

from engine.cli import main


def fetch(url, data=None, token=None):
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_listening_beyond_this_machine_needs_a_token_file(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 would let other machines reach the server: give --token-file FILE" in err


def test_a_token_must_be_a_real_one(tmp_path, capsys):
    short = tmp_path / "token"
    short.write_text("abc\n")
    assert main(["serve", "--host", "0.0.0.0", "--token-file", str(short)]) == 2
    assert "at least 16 characters" in capsys.readouterr().err
    assert main(["serve", "--token-file", str(tmp_path / "missing")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert main(["serve", "--port", "0"]) == 2


def test_the_server_answers_the_workbench_and_the_api_and_logs_one_line_each(tmp_path):
    with running_server(tmp_path) as s:
        assert "only this machine can connect" in s.stderr
        status, body = fetch(s.url + "/")
        assert status == 200 and "工作台" in body.decode()
        status, body = fetch(s.url + "/api/v1/evaluate", as_json({"case": case("01"), "trace": False}))
        assert status == 200 and json.loads(body)["values"]["audit_days"] == 4
        time.sleep(0.3)
        lines = [ln for ln in s.stderr.splitlines() if " /api/v1/evaluate " in ln]
        assert len(lines) == 1 and " 200 " in lines[0] and "sha256:" in lines[0]
        assert case("01")["organization"]["name"] not in s.stderr
        workers = s.children()
        assert workers, "the evaluation processes run beside the server"
    time.sleep(0.5)
    from pathlib import Path
    assert not [p for p in workers if Path(f"/proc/{p}").exists() and "zombie" not in
                Path(f"/proc/{p}/status").read_text().lower()], "workers outlived the server"


def test_with_a_token_file_it_says_so_and_refuses_requests_without_it(tmp_path):
    token = "T0ken-for-the-tests-0123456789"
    f = tmp_path / "token"
    f.write_text(token + "\n")
    with running_server(tmp_path, "--host", "0.0.0.0", "--token-file", str(f), token=token) as s:
        assert "every request must carry the access token" in s.stderr
        status, body = fetch(s.url + "/api/v1/rulesets")
        assert status == 401 and json.loads(body)["error"]["code"] == "token"
        assert fetch(s.url + "/api/v1/rulesets", token="wrong-token-wrong-token")[0] == 401
        assert fetch(s.url + "/api/v1/rulesets", token=token)[0] == 200


def test_a_port_in_use_is_said_plainly_before_anything_starts(capsys):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"--port {port}: 127.0.0.1:{port} is already in use" in err
    assert "the workbench at" not in err and "ERROR" not in err


def test_a_request_sent_as_soon_as_the_start_is_announced_is_answered(tmp_path):
    # the start message comes once the socket listens: a request sent then waits while the rule sets
    # load, rather than being refused
    with running_server(tmp_path, ready=False) as s:
        deadline = time.monotonic() + 90
        while "the workbench at" not in s.stderr:
            assert s.proc.poll() is None and time.monotonic() < deadline, s.stderr
            time.sleep(0.02)
        status, body = fetch(s.url + "/api/v1/health")
        assert status == 200, body
