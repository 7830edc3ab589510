"""What every test shares: a locale that asks for no language, so that an output's language is the
rule set's primary one (or --lang) and a developer's LANG=zh_CN.UTF-8 changes no test's outcome;
and a cache folder of their own (rule sets, parser tables), so that no test reads or writes the user's
~/.cache/certrules, and the processes tests start inherit it."""
import atexit
import os
import shutil
import tempfile

import pytest

_CACHE = tempfile.mkdtemp(prefix="certrules-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(autouse=True)
def _neutral_locale(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
