"""What every test shares: a locale that asks for no language, so that an output's language is the
rule set's primary one (or --lang) and a developer's LANG=zh_CN.UTF-8 changes no test's outcome."""
import pytest


@pytest.fixture(autouse=True)
def _neutral_locale(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
