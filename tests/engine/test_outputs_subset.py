"""`outputs=` asks for some elements only: each one's value must be what the whole evaluation gives.
A constant asked for alone once made the generated run function read a temporary the body had
renamed (NameError: an internal error for `--outputs` and the API's `outputs`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.case import read_case_file
from engine.evaluation import evaluate
from engine.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parents[2]
A2 = load_ruleset(ROOT / "rulesets" / "ZBC-SC-2025-A2")
CASES = [read_case_file(ROOT / "examples" / "cases" / name)
         for name in ("01-initial-five-star-9-sites.yaml", "07-surveillance-audit.yaml")]
PARAMETERS = [eid for eid, el in A2.elements.items() if el.kind == "parameter"]
OTHERS = [eid for eid, el in A2.elements.items() if el.kind != "parameter"][::4]


def _whole(case):
    values = dict(evaluate(A2, case, trace=True, outputs=list(A2.elements))["values"])
    return values


WHOLE = [_whole(case) for case in CASES]


@pytest.mark.parametrize("eid", PARAMETERS + OTHERS)
def test_an_element_asked_for_alone_has_its_value_in_the_whole(eid):
    for case, whole in zip(CASES, WHOLE):
        for trace in (False, True):
            assert evaluate(A2, case, trace=trace, outputs=[eid])["values"] == {eid: whole[eid]}


def test_the_parameters_together_with_a_rule():
    for case, whole in zip(CASES, WHOLE):
        got = evaluate(A2, case, trace=False, outputs=PARAMETERS + ["level"])["values"]
        assert got == {eid: whole[eid] for eid in PARAMETERS + ["level"]}
