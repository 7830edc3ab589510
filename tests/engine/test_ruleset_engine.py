"""The generic engine on a rule set from an unrelated domain: load, evaluate, trace, errors."""
from decimal import Decimal
from pathlib import Path

import pytest

import engine
from engine.errors import CaseError, RuleSetError

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"

CASE = {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2022-09-01"},
        "loans": [{"borrowed_on": "2026-01-05", "returned_on": "2026-01-20"}, {"borrowed_on": "2026-02-01"}],
        "events": []}


@pytest.fixture(scope="module")
def library():
    return engine.load_ruleset(LIBRARY)


def test_values_are_exact_and_cited(library):
    result = engine.evaluate(library, CASE)
    assert result["values"]["fine_total"] == Decimal("1.75")
    assert result["values"]["loan_limits"] == {"max_items": 5, "loan_days": 21, "row": 1} or \
        result["values"]["loan_limits"]["loan_days"] == 21
    assert result["trace"]["fine_total"]["clause"] == "2.2"
    assert result["trace"]["fine_total"]["interpretation"]["en"].startswith("The cap")
    assert result["trace"]["fine_total"]["inputs"]["overdue_days"] == Decimal(7)
    assert result["ruleset"]["digest"].startswith("sha256:")


def test_decision_table_trace_names_the_matching_row(library):
    result = engine.evaluate(library, dict(CASE, loans=[]))
    assert result["values"]["member_tier"] == "silver"
    assert result["trace"]["member_tier"]["rows"][0]["row"] == 3


def test_state_machine_history_and_deadline(library):
    case = dict(CASE, events=[{"on": "2026-01-10", "type": "card_blocked"}], as_of="2026-02-01")
    result = engine.evaluate(library, case)
    card = result["values"]["card"]
    assert card["state"] == "blocked" and card["since"] == "2026-01-10"
    assert card["deadline"] == "2026-04-10" and card["deadline_to"] == "closed"
    history = result["trace"]["card"]["history"]
    assert [h["to"] for h in history] == ["active", "blocked"]


def test_check_makes_a_finding_with_values_in_the_message(library):
    case = dict(CASE, member={"kind": "public", "joined_on": "2020-01-01"},
                loans=[{"borrowed_on": "2026-02-2%d" % i} for i in range(4)])
    result = engine.evaluate(library, case)
    f = [f for f in result["findings"] if f["id"] == "too_many_items"][0]
    assert f["severity"] == "error" and f["clause"] == "1.2"
    assert f["message"]["en"].startswith("4 items out")


def test_case_errors_name_the_field_path(library):
    with pytest.raises(CaseError) as exc:
        engine.evaluate(library, {"as_of": "2026-13-45", "member": {"kind": "robot", "joined_on": "2020-01-01"}})
    text = str(exc.value)
    assert "as_of" in text and "not a valid date" in text
    assert "member.kind" in text and "'robot' is not one of" in text


def test_missing_required_field(library):
    with pytest.raises(CaseError, match="'member' is required"):
        engine.evaluate(library, {"as_of": "2026-01-01"})


def _break(folder: Path, name: str, old: str, new: str):
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(folder):
    with pytest.raises(RuleSetError) as exc:
        engine.load_ruleset(folder)
    return exc.value.problems


def test_unknown_name_points_at_file_and_line(library_copy):
    _break(library_copy, "policy.yaml", "expr: count(loans[returned_on = null])", "expr: count(lones)")
    [p] = [p for p in _problems(library_copy) if "lones" in p.message]
    assert p.file == "policy.yaml" and p.line == 21
    assert "did you mean 'loans'" in p.message


def test_unknown_key_is_an_error(library_copy):
    _break(library_copy, "policy.yaml", "    clause: \"1.2\"\n    expr: count", "    clause: \"1.2\"\n    exprs: 1\n    expr: count")
    problems = _problems(library_copy)
    assert any("unknown key 'exprs'" in p.message and p.file == "policy.yaml" for p in problems)


def test_cycle_is_named(library_copy):
    _break(library_copy, "policy.yaml", "expr: min(overdue_days * fine_per_day, fine_cap)",
           "expr: min(overdue_days * fine_per_day, fine_cap) + years_member")
    _break(library_copy, "policy.yaml", "expr: years and months duration(member.joined_on, as_of).years",
           "expr: years and months duration(member.joined_on, as_of).years + fine_total")
    problems = _problems(library_copy)
    assert any("circular reference" in p.message and "fine_total" in p.message and "years_member" in p.message
               for p in problems)


def test_unique_overlap_is_an_error(library_copy):
    _break(library_copy, "policy.yaml", "hit_policy: FIRST", "hit_policy: UNIQUE")
    problems = _problems(library_copy)
    assert any("UNIQUE" in p.message and "rows 1 and" in p.message for p in problems)


def test_duplicate_key_in_rule_file(library_copy):
    _break(library_copy, "status.yaml", "    expr: card.state\n", "    expr: card.state\n    expr: card.since\n")
    [p] = _problems(library_copy)
    assert p.file == "status.yaml" and p.line == 6 and "duplicate key 'expr'" in p.message


def test_same_input_same_bytes(library):
    from engine.jsonout import dumps
    a = dumps(engine.evaluate(library, CASE))
    b = dumps(engine.evaluate(library, dict(reversed(list(CASE.items())))))
    assert a == b


def test_engine_has_no_domain_words():
    import re
    words = re.compile(r"\b(stars?|audit\w*|certif\w*|headcount|surveillance)\b|认证|星级|审查", re.I)
    hits = [f"{p.name}:{n}" for p in (REPO / "engine").rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if words.search(line)]
    assert hits == []


def test_result_and_diff_fit_their_published_schemas(library):
    import json
    from jsonschema import Draft202012Validator
    from engine.diff import diff_rulesets
    from engine.jsonout import dumps
    from engine.schemas import FORMATS
    for name, doc in (("result.schema.json", engine.evaluate(library, dict(CASE, events=[{"on": "2026-02-01", "type": "card_blocked"}]))),
                      ("diff.schema.json", diff_rulesets(library, library))):
        schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
        errors = list(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(json.loads(dumps(doc))))
        assert errors == [], [e.message for e in errors[:3]]


def test_names_in_decision_cells_are_dependencies(library_copy):
    # the parameter is defined in a later file than the table that uses it in a cell
    _break(library_copy, "policy.yaml", 'when: [">= 5", "-"]', 'when: [">= gold_years", "-"]')
    _break(library_copy, "status.yaml", "rules:\n", "parameters:\n  - {id: gold_years, clause: \"4\", value: 3}\nrules:\n")
    rs = engine.load_ruleset(library_copy)
    assert engine.evaluate(rs, dict(CASE, loans=[]))["values"]["member_tier"] == "gold"


def test_a_function_the_engine_lacks_is_named(library_copy):
    _break(library_copy, "ruleset.yaml", "case_schema: case.schema.yaml", "case_schema: case.schema.yaml\nfunctions: [add working days, lunar phase]")
    [p] = _problems(library_copy)
    assert p.file == "ruleset.yaml" and "'lunar phase'" in p.message
