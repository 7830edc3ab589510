"""Two author slips that `check` names instead of leaving them to show at evaluation: a message
placeholder that names nothing (printed with its braces on every finding) and a parameter whose
`value` is the text of a FEEL literal (a string where a duration or date was meant)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.evaluation import evaluate
from engine.ruleset import load_ruleset

QMS = Path(__file__).resolve().parents[1] / "rulesets" / "QMS-AT-A1"
MESSAGE = '    message: {en: "{n} employees: beyond the table, by the rule of 2.1", zh: "{n} 名员工：超出表格，按 2.1 的规则计算"}\n'
CASE = {"as_of": "2026-03-02", "organization": {"name": "Acme Ltd", "employees": 200}, "audit": {"kind": "initial"}}


def _with(tmp_path, message: str | None = None, parameter: str | None = None, open_case: bool = False) -> Path:
    root = tmp_path / "QMS-AT-A1"
    shutil.copytree(QMS, root)
    time = root / "time.yaml"
    text = time.read_text(encoding="utf-8")
    if message is not None:
        assert MESSAGE in text
        text = text.replace(MESSAGE, f"    message: {{en: {message!r}}}\n")
    if parameter is not None:
        text = text.replace("parameters:\n", f"parameters:\n  - {parameter}\n", 1)
    time.write_text(text, encoding="utf-8")
    if open_case:
        schema = root / "case.schema.yaml"
        schema.write_text(schema.read_text(encoding="utf-8").replace("additionalProperties: false\n", "", 1),
                          encoding="utf-8")
    return root


def _warnings(rs) -> list[str]:
    return [p.message for p in rs.warnings]


def test_a_path_as_placeholder_is_named_with_the_let_to_write(tmp_path):
    rs = load_ruleset(_with(tmp_path, "{organization.employees} employees: beyond the table"))
    [warning] = [w for w in _warnings(rs) if "placeholder" in w]
    assert "{organization.employees}" in warning and "let: {employees: organization.employees}" in warning
    # what the warning foretells: the finding shows the braces
    finding = next(f for f in evaluate(rs, CASE)["findings"] if f["id"] == "beyond_the_table")
    assert "{organization.employees}" in finding["message"]["en"]


def test_a_placeholder_naming_nothing_is_a_warning(tmp_path):
    rs = load_ruleset(_with(tmp_path, "{count} employees"))
    assert any("{count}, which names no let, element or case field" in w for w in _warnings(rs))


@pytest.mark.parametrize("message, shown", [
    ("{n} employees", "200 employees"),                       # a let
    ("{days_base} days", "5.5 days"),                         # an element
    ("as of {as_of}", "as of 2026-03-02"),                    # a case field no expression reads
    ("{audit} audit", '{"kind":"initial"} audit'),            # a record, as the result writes it
])
def test_lets_elements_and_case_fields_are_placeholders(tmp_path, message, shown):
    rs = load_ruleset(_with(tmp_path, message))
    assert not [w for w in _warnings(rs) if "placeholder" in w]
    for trace in (True, False):
        finding = next(f for f in evaluate(rs, CASE, trace=trace)["findings"] if f["id"] == "beyond_the_table")
        assert finding["message"]["en"] == shown


def test_a_case_open_to_other_fields_may_fill_a_bare_name(tmp_path):
    rs = load_ruleset(_with(tmp_path, "{site_code} employees", open_case=True))
    assert not [w for w in _warnings(rs) if "names no let" in w]


def test_a_feel_literal_written_as_a_value_is_named(tmp_path):
    rs = load_ruleset(_with(tmp_path, parameter="{id: cycle, clause: \"2.1\", value: '@\"P12M\"'}"))
    [warning] = [w for w in _warnings(rs) if "reads like a FEEL value" in w]
    assert "parameter 'cycle'" in warning and "expr: '@\"P12M\"'" in warning
    assert rs.warnings[[p.message for p in rs.warnings].index(warning)].line is not None


@pytest.mark.parametrize("parameter", [
    "{id: cycle, clause: \"2.1\", expr: '@\"P12M\"'}",                  # the expression: a duration
    "{id: cycle, clause: \"2.1\", type: string, value: '@\"P12M\"'}",   # declared text
    "{id: cycle, clause: \"2.1\", value: [P12M, dated]}",
])
def test_values_and_expressions_meant_as_written_are_not(tmp_path, parameter):
    rs = load_ruleset(_with(tmp_path, parameter=parameter))
    assert not [w for w in _warnings(rs) if "reads like a FEEL value" in w]
