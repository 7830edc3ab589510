import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


@pytest.fixture
def library_copy(tmp_path):
    """A writable copy of the library rule set, to break on purpose."""
    dst = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, dst)
    return dst
