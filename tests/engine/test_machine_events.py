"""A state machine's events must be records with their date in `on` (and their kind in `type`): a case
schema that names them otherwise is refused at check (every event would be ignored at evaluation),
and the advice the message gives, mapping the events in the `events` expression, works."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.errors import RuleSetError
from engine.evaluation import evaluate
from engine.ruleset import load_ruleset

LOANS = Path(__file__).resolve().parents[1] / "rulesets" / "LIB-LOANS-2026-R1"


def _copy(tmp_path, date_field: str, events_expr: str | None = None) -> Path:
    root = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LOANS, root)
    schema = root / "case.schema.yaml"
    text = schema.read_text(encoding="utf-8")
    text = text.replace("required: [on, type]", f"required: [{date_field}, type]")
    text = text.replace("        on: {type: string, format: date}", f"        {date_field}: {{type: string, format: date}}")
    schema.write_text(text, encoding="utf-8")
    if events_expr is not None:
        policy = root / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("    events: events\n", f"    events: {events_expr}\n"),
                          encoding="utf-8")
    for test in (root / "tests").glob("*.yaml"):     # the author tests name the date as the schema does
        test.write_text(test.read_text(encoding="utf-8").replace("{on: ", f"{{{date_field}: "), encoding="utf-8")
    return root


def test_events_without_on_are_refused_with_the_mapping_to_write(tmp_path):
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(_copy(tmp_path, "happened_on"))
    text = str(caught.value)
    assert "policy.yaml:57" in text and "state_machines[0].events" in text
    assert "without 'on'" in text and "happened_on, type" in text
    assert 'for e in events return {on: e.happened_on, type: e.type}' in text


def test_the_advised_mapping_replays_the_events(tmp_path):
    root = _copy(tmp_path, "happened_on", "'for e in events return {on: e.happened_on, type: e.type}'")
    rs = load_ruleset(root)
    case = {"as_of": "2026-04-11", "member": {"kind": "student", "joined_on": "2022-09-01"}, "loans": [],
            "events": [{"happened_on": "2026-01-10", "type": "card_blocked"}]}
    out = evaluate(rs, case, trace=True)
    assert out["values"]["card_status"] == "closed", out["values"]
    machine = out["trace"]["card"]["value"]
    assert machine["since"] == dt.date(2026, 4, 11).isoformat() and not machine.get("ignored"), machine


def test_events_of_an_open_schema_are_not_second_guessed(tmp_path):
    root = _copy(tmp_path, "on")
    schema = root / "case.schema.yaml"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(text.replace("      required: [on, type]\n      additionalProperties: false\n",
                                   "      required: [on, type]\n"), encoding="utf-8")
    load_ruleset(root)      # the fields are not all known: nothing to say
