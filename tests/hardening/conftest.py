"""Shared fixtures of the hardening suite (issue 7).

`python -m pytest tests/hardening --regen-golden` rewrites the golden files of the bad-input
corpus (tests/bad/corpus/*/golden.txt) from what certrules prints now; review the diff before
committing it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hardening_support import LIBRARY


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
