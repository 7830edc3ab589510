"""The README's "Server" section is true: its curl examples run against a real server, and its sample
error is what the API answers."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from serving import ROOT, post_json, running_server


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Server\n")
    return text[start:text.index("\n## ", start + 1)]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section(), re.S)


def test_the_readme_curl_examples_work(tmp_path):
    if shutil.which("curl") is None:
        pytest.fail("curl is not installed (apt-get install -y curl): the README's examples cannot be checked")
    api = next(b for b in blocks("console") if "curl -s -X POST" in b)
    for target in ("/tmp/cert.html", "/tmp/openapi.json"):
        api = api.replace(target, str(tmp_path / target.rsplit("/", 1)[1]))
    with running_server(tmp_path) as s:
        script = api.replace("http://127.0.0.1:8400", s.url)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert '"id": "ZBC-SC-2025-A2"' in out and '"clause": "5.9.2"' in out
    assert '"audit_days": 4' in out and '"sites_to_sample": 3' in out and '"level": "five_star"' in out
    assert '"error": {' not in out and '"status": 4' not in out       # no request was refused
    assert "商品售后服务认证证书" in (tmp_path / "cert.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "openapi.json").read_text())["openapi"].startswith("3.1")


def test_the_readme_sample_error_is_what_the_api_answers(client):
    sample = json.loads(blocks("json")[0])
    r = post_json(client, "/api/v1/evaluate", {"case": {"as_of": "2026-01-20", "audit": {"kind": "initail"}}})
    assert r.status_code == 422 and r.json() == sample


def test_the_readme_names_every_option_of_serve():
    from engine.cli import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["serve"]
    text = section()
    for action in sub._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help":
                assert opt in text, opt
