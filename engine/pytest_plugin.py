"""pytest collects rule-author tests: every tests/*.yaml of every rule set under rulesets/
(or the folders in CERTRULES_RULESETS) becomes pytest items, so one `pytest` runs code and rules.

Enabled through the `pytest11` entry point of the package, or `-p engine.pytest_plugin`.
"""
from __future__ import annotations

from pathlib import Path

import pytest


def _ruleset_root(path: Path) -> Path | None:
    for parent in path.parents:
        if (parent / "ruleset.yaml").is_file() and path.is_relative_to(parent / "tests"):
            return parent
    return None


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and "fixtures" not in file_path.parts:
        root = _ruleset_root(file_path)
        if root is not None:
            return RuleTestFile.from_parent(parent, path=file_path, root=root)
    return None


_LOADED: dict = {}


def _ruleset(root: Path):
    from .ruleset import load_ruleset
    key = str(root)
    if key not in _LOADED:
        _LOADED[key] = load_ruleset(root)
    return _LOADED[key]


class RuleTestFile(pytest.File):
    def __init__(self, *, root: Path, **kw):
        super().__init__(**kw)
        self.root = root

    def collect(self):
        from .authortests import collect
        rel = self.path.relative_to(self.root).as_posix()
        for t in collect(self.root):
            if t.file == rel:
                yield RuleTestItem.from_parent(self, name=f"{t.line}: {t.name}", test=t)


class RuleTestFailure(Exception):
    pass


class RuleTestItem(pytest.Item):
    def __init__(self, *, test, **kw):
        super().__init__(**kw)
        self.test = test

    def runtest(self):
        from .authortests import run_one
        from .errors import RuleSetError
        try:
            rs = _ruleset(self.parent.root)
        except RuleSetError as exc:
            raise RuleTestFailure(f"the rule set does not load:\n{exc}")
        outcome = run_one(rs, self.test)
        if not outcome.passed:
            raise RuleTestFailure("\n".join(outcome.failures))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleTestFailure):
            return f"{self.test.file}:{self.test.line} {self.test.name}\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, (self.test.line or 1) - 1, f"{self.test.name}"
