"""Named functions a rule set declares once and its elements call, and declared element types:
on a small rule set of its own (tests/feel/rulesets/VISITS-2026-R1)."""
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

import engine
from engine.errors import RuleSetError

FOLDER = Path(__file__).resolve().parent / "rulesets" / "VISITS-2026-R1"
CASE = {"as_of": "2026-03-01", "visit": {"travel_hours": D("1.2"), "work_hours": D("2.25")}}


@pytest.fixture(scope="module")
def visits():
    return engine.load_ruleset(FOLDER)


def _eval(rs, **visit):
    case = dict(CASE, visit=dict(CASE["visit"], **visit))
    return engine.evaluate(rs, case)


def test_one_function_called_from_several_elements(visits):
    values = _eval(visits)["values"]
    assert values["travel_billed"] == D("1")          # 1.2 -> 1.0 (and at least 1)
    assert values["work_billed"] == D("2.5")          # 2.25 -> 2.5: ties go up
    assert values["total_billed"] == D("3.5")
    assert "billed_hours" not in values and "capped" not in values   # functions are not results


def test_a_function_calls_another_and_named_arguments_bind(visits):
    assert _eval(visits, work_hours=D("11"))["values"]["work_billed"] == D("8")


def test_functions_inside_filters_and_checks(visits):
    result = engine.evaluate(visits, dict(CASE, past_visits=[D(1), D("4.3"), D("4.2"), D(6)]))
    assert result["values"]["long_visits"] == D(2)     # 4.5 and 6
    result = _eval(visits, work_hours=D(9))
    assert [f["id"] for f in result["findings"]] == ["work_within_day"]


def test_the_trace_shows_the_function_read(visits):
    trace = _eval(visits)["trace"]
    assert "billed_hours" in trace["travel_billed"]["inputs"] or trace["billed_hours"]["kind"] == "function"
    assert trace["billed_hours"]["kind"] == "function"


def test_declared_types_convert_or_null_with_a_diagnostic(visits):
    result = _eval(visits, codes=["A"])
    assert result["values"]["code_text"] == "A"        # a one-item list stands for its item
    result = _eval(visits, codes=["A", "B"])
    assert result["values"]["code_text"] is None
    assert "not of the declared type" in result["trace"]["code_text"]["diagnostics"][0]
    result = _eval(visits, started="2026-03-01T08:00:00", ended="2026-03-01T10:30:00")
    assert result["values"]["visit_length"] == "PT2H30M"


def _copy(tmp_path, old, new):
    dst = tmp_path / f"rs{len(list(tmp_path.iterdir()))}"
    shutil.copytree(FOLDER, dst)
    text = (dst / "billing.yaml").read_text(encoding="utf-8")
    assert old in text
    (dst / "billing.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return dst


def _problem(folder):
    with pytest.raises(RuleSetError) as exc:
        engine.load_ruleset(folder)
    return exc.value.problems[0]


def test_a_call_with_the_wrong_arguments_is_a_load_error(tmp_path):
    p = _problem(_copy(tmp_path, "expr: billed_hours(visit.travel_hours)", 'expr: "billed_hours(visit.travel_hours, 2)"'))
    assert p.file == "billing.yaml" and "takes 1 argument, not 2" in p.message
    p = _problem(_copy(tmp_path, "capped(hours: visit.work_hours, cap: 8)", "capped(hours: visit.work_hours, limit: 8)"))
    assert "no parameter named 'limit'" in p.message


def test_a_function_that_calls_itself_is_a_cycle(tmp_path):
    p = _problem(_copy(tmp_path, "expr: min(billed_hours(hours), cap)", "expr: min(capped(hours, cap), cap)"))
    assert "circular reference: capped -> capped" in p.message
