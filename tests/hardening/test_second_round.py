"""Issue 17, second round: hostile inputs tried by a red team that had not seen the other tests.

Each test is a hole found that way, kept so it stays closed: what a rule set, a case or a command
line could do, and the one plain answer certrules must give instead (a documented exit code, one
sentence, within 5 s and 500 MB where the input is built to be expensive).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import time

import pytest

from hardening_support import REPO, run_cli, run_main

SECONDS, MEGABYTES = 5.0, 500


def bounded(code: str, tmp_path):
    """Run Python `code` (which sets `outcome`) in a subprocess capped at 2 GB; its outcome, after
    asserting it finished within SECONDS and MEGABYTES."""
    script = tmp_path / "attack.py"
    script.write_text(textwrap.dedent("""
        import json, resource, time
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        start = time.monotonic()
        """) + textwrap.dedent(code) + textwrap.dedent("""
        print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - start,
                          "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["seconds"] < SECONDS, out
    assert out["mb"] < MEGABYTES, out
    return out["outcome"]


# ------------------------------------------------------------------ expressions

@pytest.mark.parametrize("text", [
    'date("{}")',                          # braces in a literal the checker quotes
    'date("{0.__class__}")',
    'matches("a", "a{1000}{1000}")',        # RE2 refuses the repetition; its reason quotes the braces
    'matches("a", "(((a{100}){100}){100})")',
    'time("{")',
])
def test_braces_in_quoted_rule_text_are_a_plain_error(text, capsys):
    code, out, err = run_main(["expr", text], capsys)
    assert code == 2, err
    assert "internal error" not in err and err.startswith("certrules: ") and "1:" in err


@pytest.mark.parametrize("text", [
    # shallow but wide: 2^60 calls, never more than 61 deep
    "{f: function(n) if n = 0 then 1 else f(n-1) + f(n-1)}.f(60)",
    "{g: function(x) x, f: function(n) if n = 0 then 1 else g(f(n-1)) + g(f(n-1))}.f(40)",
])
def test_function_calls_share_one_budget_per_evaluation(text, tmp_path):
    outcome = bounded(f"""
        from engine.feel import compile_expr
        diags = []
        v = compile_expr({text!r}).evaluate({{}}, diags)
        outcome = [v, diags[:1]]
        """, tmp_path)
    assert outcome[0] is None
    assert "function calls" in outcome[1][0]
