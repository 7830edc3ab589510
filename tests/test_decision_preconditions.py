"""5.9.1 in the bundled revisions: the decision rests on every check tagged precondition.

`decision_blocked_by` names the precondition checks one by one (the rulebook shows the list); a check
the committee adds with the tag but leaves out of the list would let a decision be made over its
error. The documents refuse on the tag itself (templates/documents.yaml), so the two must agree.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.case import read_case_file

ROOT = Path(__file__).resolve().parent.parent
REVISIONS = ["ZBC-SC-2025-A2", "ZBC-SC-2024-A1"]


@pytest.mark.parametrize("name", REVISIONS)
def test_the_decision_reads_every_precondition_check(name):
    rs = load_cached(ROOT / "rulesets" / name)
    tagged = {e.id for e in rs.elements.values()
              if e.kind == "check" and "precondition" in e.tags and e.severity == "error"}
    assert tagged, "the revision tags its precondition checks"
    assert rs.elements["decision_blocked_by"].reads & {e for e in rs.elements if rs.elements[e].kind == "check"} == tagged
    assert "decision_blocked_by" in rs.elements["certification_decision"].reads


@pytest.mark.parametrize("name", REVISIONS)
def test_a_failed_precondition_leaves_no_decision_and_no_level(name):
    rs = load_cached(ROOT / "rulesets" / name)
    case = read_case_file(ROOT / "examples" / "cases" / "01-initial-five-star-9-sites.yaml")
    granted = evaluate(rs, case)
    assert granted["values"]["certification_decision"] == "grant" and granted["values"]["decision_blocked_by"] == []
    case["audit"]["decision_maker"] = case["audit"]["team"][0]["name"]
    blocked = evaluate(rs, case)
    assert blocked["values"]["decision_blocked_by"] == ["decision_maker_in_team"]
    assert blocked["values"]["certification_decision"] is None and blocked["values"]["certificate_level"] is None
    assert granted["values"]["level"] == blocked["values"]["level"] == "five_star"
