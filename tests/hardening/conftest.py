"""Shared fixtures of the hardening suite (issue 7).

`python -m pytest tests/hardening --regen-golden` rewrites the golden files of the bad-input
corpus (tests/bad/corpus/*/golden.txt) from what certrules prints now; review the diff before
committing it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
BAD = REPO / "tests" / "bad"
EXAMPLES = REPO / "examples" / "cases"


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/bad/corpus/*/golden.txt from the current output")


@pytest.fixture
def regen(request) -> bool:
    return request.config.getoption("--regen-golden")


@pytest.fixture(autouse=True)
def _no_outside_rulesets(monkeypatch):
    """Only the rule sets a test names: never the developer's CERTRULES_RULESETS."""
    monkeypatch.delenv("CERTRULES_RULESETS", raising=False)
    monkeypatch.delenv("CERTRULES_DEBUG", raising=False)


@pytest.fixture
def library(tmp_path) -> Path:
    """A fresh copy of the library rule set, in tmp_path/rulesets/LIB-LOANS-2026-R1."""
    dest = tmp_path / "rulesets" / LIBRARY.name
    shutil.copytree(LIBRARY, dest)
    return dest


def run_cli(args, env=None, timeout=120, cwd=None) -> subprocess.CompletedProcess:
    """certrules in a subprocess, the way a user meets it."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("CERTRULES_RULESETS", "CERTRULES_DEBUG")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd or REPO)


def run_main(args, capsys):
    """certrules in this process (fast): (exit code, stdout, stderr)."""
    from engine.cli import main
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err
