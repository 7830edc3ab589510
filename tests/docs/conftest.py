import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pagecheck import Browser  # noqa: E402
from engine.render import chromium  # noqa: E402


@pytest.fixture
def browser(tmp_path):
    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); pages cannot be opened")
    return Browser(tmp_path)
