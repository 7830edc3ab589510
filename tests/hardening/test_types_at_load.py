"""Types at load (issue 17, item 6): a parameter's value is checked against the type it declares
(`type:`) or, without one, against how the expressions use it (its value's type given to the FEEL
checker); `check` warns, `check --strict` fails. The corpus entries rs-parameter-value-wrong-type
and rs-parameter-declared-type show the messages on the library rule set.
"""
from __future__ import annotations

import shutil

import pytest

from hardening_support import REPO, run_main

A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"


def test_the_issue_reproduction_on_a2(tmp_path, capsys):
    """value: "seventy" for the compliant threshold of A/2: check said nothing and `level` became null."""
    folder = tmp_path / A2.name
    shutil.copytree(A2, folder)
    decision = folder / "05-9-decision.yaml"
    text = decision.read_text(encoding="utf-8")
    assert text.count("value: 70}") == 1
    decision.write_text(text.replace("value: 70}", 'value: "seventy"}'), encoding="utf-8")
    code, out, err = run_main(["check", folder, "--lang", "en"], capsys)     # A/2 speaks Chinese by default
    assert code == 0 and "warning" in out and "'compliant_min' holds text" in out, out
    assert "05-9-decision.yaml:" in out and "score_total < compliant_min" in out, out   # located, with the expression
    code, out, err = run_main(["check", "--strict", folder], capsys)
    assert code == 1


@pytest.mark.parametrize("declared,value,warns", [
    ("number", "10", False), ("number", '"ten"', True), ("string", "10", True), ("date", '"2026-01-31"', False),
    ("date", '"soon"', True), ("list", "[1, 2]", False), ("boolean", "true", False), ("boolean", '"yes"', True),
    ("any", '"x"', False), ("context", "{a: 1}", False),
])
def test_a_declared_type_is_checked_against_the_value(declared, value, warns, library, capsys):
    policy = library / "policy.yaml"
    old = '{id: fine_cap, clause: "2.2", value: 10}'
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        old, f'{{id: fine_cap_2, clause: "2.2", type: {declared}, value: {value}}}\n  - {old}'), encoding="utf-8")
    code, out, err = run_main(["check", library], capsys)
    assert code == 0, out
    assert ("as its type says" in out) is warns, out


def test_an_inferred_mismatch_does_not_stop_the_load(library, tmp_path, capsys):
    status = library / "status.yaml"
    status.write_text(status.read_text(encoding="utf-8").replace(
        "rules:\n", 'parameters:\n  - {id: limit, clause: "1", value: "x"}\nrules:\n'
                    '  - {id: over, clause: "1", expr: "count(loans) > limit"}\n', 1), encoding="utf-8")
    code, out, err = run_main(["check", library], capsys)
    assert code == 0 and "'limit' holds text" in out, out
    case = tmp_path / "c.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n", encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS", "--format", "json"],
                              capsys)
    assert code == 0, err
