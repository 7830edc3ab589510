"""Fixtures for the server's tests: an app in-process (Starlette's test client) with one evaluation
process, and the example cases. Browser tests start the real server (browser.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "docs"))     # pagecheck: require_chromium, ink_share


@pytest.fixture(scope="session")
def client():
    from serving import local_client
    from engine.serve.settings import Settings
    with local_client(Settings(workers=1)) as c:
        yield c
