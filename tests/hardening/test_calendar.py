"""Working days outside the statutory calendar's years fall back to Monday-Friday with a note, never a crash."""
from __future__ import annotations

import json

import pytest

from hardening_support import eval_with_extra_rule, run_main


def test_expr_outside_the_calendar_works(capsys):
    code, out, err = run_main(["expr", 'add working days(date("2030-01-01"), 10)'], capsys)
    assert (code, out.strip()) == (0, "2030-01-15"), err


def test_evaluation_makes_a_note_finding(library, tmp_path, capsys):
    code, out, err = eval_with_extra_rule(
        library, tmp_path, capsys, "answer_by", "add working days(as_of, 10)",
        "as_of: 2030-01-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n", trace=False)
    assert code == 0, err
    result = json.loads(out)
    assert result["values"]["answer_by"] == "2030-01-15"
    notes = [f for f in result["findings"] if f["id"] == "answer_by.function_note"]
    assert notes and notes[0]["severity"] == "note"
    assert "2030" in json.dumps(notes[0], ensure_ascii=False)


@pytest.mark.parametrize("expr", ['add working days(date("9999-12-01"), 100)',
                                  'add working days(date("0001-01-01"), 5)',
                                  'add working days(date("2026-01-01"), -1)',
                                  'add working days(date("2026-01-01"), 100000000)'])
def test_far_dates_do_not_crash(expr, capsys):
    code, out, err = run_main(["expr", expr], capsys)
    assert code == 0 and "Traceback" not in err and "internal error" not in err, (expr, err)
