import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pagecheck import Browser, chromium_present, require_chromium  # noqa: E402,F401


@pytest.fixture
def browser(tmp_path):
    require_chromium()
    return Browser(tmp_path)
