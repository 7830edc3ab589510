"""Determinism: the JSON result of every example case is the same bytes whatever the hash seed, the
time zone and the locale (and the text output never fails on a non-UTF-8 locale).

Every examples/cases/*.yaml is picked up (they need the bundled A/2 rule set); the library rule set
is covered with a case of our own, so the test means something even without the examples.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hardening_support import EXAMPLES, LIBRARY, REPO

ENVIRONMENTS = [
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8", "LC_ALL": ""},
    {"PYTHONHASHSEED": "random", "TZ": "America/St_Johns", "LANG": "C", "LC_ALL": "C",
     "PYTHONIOENCODING": "latin-1"},
]
LIBRARY_CASE = ("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n"
                "loans:\n  - {borrowed_on: 2026-01-05, returned_on: 2026-01-20}\n  - {borrowed_on: 2026-02-01}\n"
                "events: [{on: 2026-01-10, type: card_blocked}]\n")


def _run(args, extra_env) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in ("CERTRULES_RULESETS", "PYTHONIOENCODING")}
    env.update(extra_env)
    proc = subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, env=env,
                          cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return proc.stdout


def _same_everywhere(args):
    outputs = [_run(args, e) for e in ENVIRONMENTS]
    assert outputs[0], "no output"
    for other in outputs[1:]:
        assert other == outputs[0]
    return outputs[0]


def test_library_case_is_deterministic(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(LIBRARY_CASE, encoding="utf-8")
    out = _same_everywhere(["eval", case, "--rulesets", LIBRARY.parent, "--family", "LIB-LOANS", "--format", "json"])
    assert b'"digest": "sha256:' in out


EXAMPLE_CASES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.skipif(not EXAMPLE_CASES, reason="no example cases")
def test_example_cases_are_deterministic():
    # all examples in one process per environment (three processes, not 3 x 18)
    out = _same_everywhere(["eval", *EXAMPLE_CASES, "--format", "json"])
    assert out.count(b'"digest": "sha256:') >= len(EXAMPLE_CASES)


@pytest.mark.skipif(not EXAMPLE_CASES, reason="no example cases")
def test_one_example_alone_is_deterministic():
    _same_everywhere(["eval", EXAMPLE_CASES[0], "--format", "json"])


@pytest.mark.skipif(not EXAMPLE_CASES, reason="no example cases")
def test_text_summary_survives_a_non_utf8_locale():
    out = _run(["eval", EXAMPLE_CASES[0]], {"PYTHONIOENCODING": "latin-1", "LANG": "C", "LC_ALL": "C"})
    out.decode("utf-8")  # UTF-8 whatever the locale, never UnicodeEncodeError (an internal error before)
