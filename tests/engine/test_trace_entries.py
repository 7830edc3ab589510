"""The traced run's entries and the budget a state machine's value takes (engine/codegen/elements.py).

A trace entry is a copy of a template made when the element begins, its notes written into it: its
keys stay in the order {**info, 'value', 'inputs'} then the notes then `diagnostics` gave them. A state
machine's value is counted from its history's length (and its ignored events) instead of walked: the
count must be what budget.size_within finds in the whole value.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.codegen.program import generate
from engine.codegen.runtime import machine_extra
from engine.evaluation import evaluate
from engine.feel.budget import Budget, size_within
from engine.ruleset import load_ruleset
from engine.yamlio import load_file

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"
CASES = sorted((REPO / "examples" / "cases").glob("*.yaml"))
INFO = ("kind", "clause", "defined_at", "title", "interpretation")


@pytest.fixture(scope="module")
def a2():
    return load_ruleset(A2)


def _cases():
    return [load_file(p).data for p in CASES]


def test_entry_keys_keep_their_order(a2):
    noted = diagnosed = 0
    for case in _cases():
        for eid, entry in evaluate(a2, case, trace=True)["trace"].items():
            keys = list(entry)
            info = [k for k in keys if k in INFO]
            assert keys[:len(info)] == info == [k for k in INFO if k in a2.elements[eid].info()], eid
            assert keys[len(info):len(info) + 2] == ["value", "inputs"], eid
            notes = keys[len(info) + 2:]
            if "diagnostics" in notes:
                assert notes[-1] == "diagnostics", eid
                diagnosed += 1
            noted += bool([k for k in notes if k != "diagnostics"])
    assert noted and diagnosed      # the examples have entries with notes and with diagnostics


def test_a_decision_tables_inputs_note_replaces_the_entrys_inputs(a2):
    tables = [eid for eid, el in a2.elements.items() if el.kind == "decision_table"]
    assert tables
    result = evaluate(a2, load_file(CASES[0]).data, trace=True)
    for eid in tables:
        entry = result["trace"][eid]
        el = a2.elements[eid]
        if entry.get("when") is False:
            continue
        assert list(entry["inputs"]) == list(el.input_texts), eid


def test_a_machines_count_is_what_size_within_walks(a2):
    machines = [eid for eid, el in a2.elements.items() if el.kind == "state_machine"]
    assert machines
    program = a2.program
    checked = with_ignored = 0
    for case in _cases():
        values = program.derive(dict(program.prepare(case)), machines)
        for eid in machines:
            value = values[eid]
            if value is None:
                continue
            budget = Budget()
            size_within(value, budget)
            walked = Budget().items - budget.items
            history, ignored = value["history"], value["ignored"]
            counted = 6 + machine_extra(len(history), ignored) if ignored else 8 + 7 * len(history)
            assert counted == walked, (eid, counted, walked)
            checked += 1
            with_ignored += bool(ignored)
    assert checked and with_ignored


def test_the_machine_is_counted_inline(a2):
    source = generate(a2, a2.program.functions)
    assert "_machine_extra(len(" in source and "8 + 7 * len(" in source
