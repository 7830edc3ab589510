"""A filter whose list is past the evaluation's budget is null, and the generated code must know it:
an element that exhausts the budget (a huge `for` range) made a later `count(list[cond])` call
len(None) and exit 70 (a bug reaching the user) instead of reporting the budget."""
from __future__ import annotations

import shutil

from hardening_support import REPO, run_main


def test_filter_after_budget_exhausted_is_not_a_bug(tmp_path, capsys):
    lib = tmp_path / "rs"
    rs = lib / "ZBC-SC-2025-A2"
    shutil.copytree(REPO / "rulesets" / "ZBC-SC-2025-A2", rs)
    f = rs / "05-4-audit-time.yaml"
    text = f.read_text(encoding="utf-8")
    old = "expr: audit_days_base * (1 + time_adjustment_applied)"
    assert old in text
    f.write_text(text.replace(old, "expr: sum(for i in 1..999999999999 return i)"), encoding="utf-8")
    code, out, err = run_main(["test", "--rulesets", lib, rs], capsys)
    assert code == 1, err
    assert "internal error" not in err + out
