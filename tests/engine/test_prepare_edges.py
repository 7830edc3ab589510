"""The generated case check on hostile and edge values, field by field: every field of a case set to
each value of a pool (wrong classes, a boolean where a number goes, huge and negative integers,
Decimals, floats, date texts the schema refuses, Unicode, subclasses), removed, or joined by a key the
schema does not know. The generated path must give what the general one gives (engine/case.py
prepare_general: jsonschema, then the schema-guided conversion): the same environment, or the same
error word for word; and an evaluation of some outputs only (whose check is generated apart, with
only what those outputs read converted) the same values as the whole evaluation, or the same error.
A schema written for the purpose holds what the rule sets do not: nullable types, enums with null,
combinators, unique lists of enum texts."""
import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine import registry
from engine.case import fast_check, prepare_general
from engine.codegen.program import INVALID
from engine.errors import CaseError
from engine.evaluation import evaluate
from engine.yamlio import load_file
from test_prepare_fast import same     # equal, and of the same classes throughout

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


class Sub(dict):
    pass


class Text(str):
    pass


class Whole(int):
    pass


POOL = [None, True, False, 0, 1, -1, 1023, 1024, 2**63, 10**30, -(10**30), Whole(3),
        Decimal("2.5"), Decimal("-0"), Decimal("-0.5"), Decimal("1E+3"), Decimal("Infinity"), Decimal("-Infinity"),
        1.5, -2.0, float("inf"),
        "", "x", "2026-01-31", "2026-02-29", "2026-13-01", "２０２６-０１-３１", "2026-01-31\u2028", "\x00", "五星",
        Text("2026-01-31"), "management", "initial", "suspension_decided",
        [], ["x"], ["x", "x"], [None], [1, 1], {}, {"a": 1}, Sub(a=1)]


def outcome(fn):
    try:
        return "value", fn()
    except CaseError as exc:
        return "error", str(exc)
    except Exception as exc:       # what either path raises on a value no reader gives (Decimal NaN...)
        return "raised", f"{type(exc).__name__}: {exc}"


def spots(x, at=()):
    """Every path into x: each dict key, and the first item of a list (the others have its schema)."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield at + (k,)
            yield from spots(v, at + (k,))
    elif isinstance(x, list) and x:
        yield at + (0,)
        yield from spots(x[0], at + (0,))


def variants(case):
    """The case with one field set to each pool value, the field removed, an unknown key beside it."""
    for path in spots(case):
        for n, value in enumerate(POOL + ["<removed>", "<extra>", "<extra unicode>"]):
            out = copy.deepcopy(case)
            parent = out
            for k in path[:-1]:
                parent = parent[k]
            if value == "<removed>":
                if isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent.pop(path[-1])
            elif value in ("<extra>", "<extra unicode>"):
                if not isinstance(parent, dict):
                    continue
                parent["not_in_schema" if value == "<extra>" else "未知\u2028键"] = 1
            else:
                parent[path[-1]] = copy.deepcopy(value)
            yield out


def first_case(root):
    if root == A2:
        return load_file(sorted((REPO / "examples" / "cases").glob("*.yaml"))[0]).data
    return load_file(sorted((root / "tests" / "fixtures").glob("*.yaml"))[0]).data


@pytest.mark.parametrize("root", [A2, LIBRARY], ids=["a2", "library"])
def test_each_field_hostile_gets_the_general_environment_or_error(root):
    rs = registry.load_cached(str(root))
    kinds = set()
    checked = 0
    for case in variants(first_case(root)):
        verdict = rs.program._prepare(case)
        kinds.add("invalid" if verdict is INVALID else "unsure" if verdict is None else "env")
        a = outcome(lambda: rs.program.prepare(case))
        b = outcome(lambda: prepare_general(rs, case))
        assert a[0] == b[0] and (same(a[1], b[1]) if a[0] == "value" else a[1] == b[1]), (case, a, b)
        if verdict is INVALID:
            assert b[0] == "error", case        # the generated check says invalid only when it is
        elif verdict is not None:
            assert b[0] == "value", case        # ... and valid only when it is
        checked += 1
    assert kinds == {"invalid", "unsure", "env"} and checked > 400


def test_each_field_hostile_outputs_only_as_the_whole_evaluation():
    # the check of an evaluation of some outputs is generated apart: an invalid case is refused with
    # the same words however little the outputs read, and a valid one gets the same values
    rs = registry.load_cached(str(A2))
    outputs = ("score_total", "level", "audit_days", "status", "certificate_expires_on")
    refused = 0
    for case in variants(first_case(A2)):
        a = outcome(lambda: evaluate(rs, case, trace=False, outputs=outputs)["values"])
        b = outcome(lambda: {k: v for k, v in evaluate(rs, case, trace=False)["values"].items() if k in outputs})
        assert a[0] == b[0] and (same(a[1], b[1]) if a[0] == "value" else a[1] == b[1]), (case, a, b)
        refused += a[0] == "error"
    assert refused > 300


def test_the_outputs_only_check_refuses_a_field_those_outputs_never_read():
    rs = registry.load_cached(str(A2))
    case = copy.deepcopy(first_case(A2))
    case["organization"]["name"] = 5         # no output asked for reads the name
    with pytest.raises(CaseError) as exc:
        evaluate(rs, case, trace=False, outputs=("audit_days",))
    assert "organization.name" in str(exc.value)
    del case["organization"]["name"]
    case["organization"]["contact"] = None    # null where the schema wants an object: not absent
    with pytest.raises(CaseError) as exc:
        evaluate(rs, case, trace=False, outputs=("audit_days",))
    assert "organization.contact" in str(exc.value)


SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["sr", "er"],
    "properties": {
        "s": {"type": "string"}, "sr": {"type": "string", "minLength": 1}, "sn": {"type": ["string", "null"]},
        "e": {"enum": ["a", "b"]}, "er": {"type": "string", "enum": ["a", "b"]}, "en": {"enum": ["a", None]},
        "i": {"type": "integer", "minimum": 0}, "inn": {"type": ["integer", "null"], "minimum": 0},
        "num": {"type": "number", "minimum": 0, "maximum": 10}, "d": {"type": "string", "format": "date"},
        "dn": {"type": ["string", "null"], "format": "date"}, "b": {"type": "boolean"},
        "o": {"type": "object", "additionalProperties": False, "required": ["x"],
              "properties": {"x": {"type": "integer"}, "y": {"type": "string"}, "z": {"type": "number"}}},
        "on": {"type": ["object", "null"], "properties": {"x": {"type": "integer"}}},
        "l": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "le": {"type": "array", "items": {"enum": ["p", "q"]}, "uniqueItems": True},
        "lu": {"type": "array", "uniqueItems": True},
        "lo": {"type": "array", "items": {"type": "object", "required": ["k"],
                                          "properties": {"k": {"type": "string"}, "v": {"type": "integer"}}}},
        "c": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "nt": {"not": {"type": "string"}, "type": ["integer", "string", "null"]},
        "nl": {"type": "null"}, "any": {},
    },
}
VALID = {"s": "x", "sr": "y", "sn": None, "e": "a", "er": "b", "en": None, "i": 3, "inn": None, "num": Decimal("2.5"),
         "d": "2026-01-31", "dn": None, "b": True, "o": {"x": 1, "y": "t", "z": 2}, "on": {"x": 2},
         "l": ["u", "v"], "le": ["p", "q"], "lu": ["1", "2"], "lo": [{"k": "a", "v": 1}, {"k": "b"}], "c": 4, "nt": 5,
         "nl": None, "any": [1, {"a": None}]}


def test_a_schema_of_every_kind_gets_jsonschemas_verdict_on_each_field_hostile():
    from engine.case import _generated_prepare
    from engine.schemas import case_problems, validator_for
    check = fast_check(SCHEMA)
    generated = _generated_prepare(SCHEMA)
    assert check is not None and generated is not None
    validator = validator_for(SCHEMA)
    assert not case_problems(validator, VALID) and generated(VALID) not in (None, INVALID)
    wrong, decided = [], 0
    for case in [VALID, *variants(VALID)]:
        slow = not case_problems(validator, case)
        r = generated(case)
        if r is not None:
            decided += 1
            if (r is not INVALID) != slow:
                wrong.append(f"generated {'valid' if r is not INVALID else 'invalid'}, jsonschema {slow}: {case}")
        if check(case) != slow:
            wrong.append(f"fast_check {not slow}, jsonschema {slow}: {case}")
    assert not wrong, "\n".join(wrong[:20])
    assert decided > 1000        # the generated check decides alone, not by handing every case on


def test_null_and_absent_are_told_apart_where_the_schema_refuses_null():
    from engine.case import _generated_prepare
    generated = _generated_prepare(SCHEMA)
    for field in ("s", "e", "i", "num", "d", "b", "o", "l", "lo"):
        absent = {k: v for k, v in VALID.items() if k != field}
        assert generated(absent) not in (None, INVALID), field       # optional: absent is fine
        assert generated({**VALID, field: None}) is INVALID, field   # but null is not
    for field in ("sr", "er"):
        assert generated({k: v for k, v in VALID.items() if k != field}) is INVALID
        assert generated({**VALID, field: None}) is INVALID
    for field in ("sn", "en", "inn", "dn", "on", "nl", "any"):
        assert generated({**VALID, field: None}) not in (None, INVALID), field


def test_the_converted_case_is_the_general_conversion_for_a_schema_of_every_kind():
    from engine.case import to_values
    from engine.codegen.module import namespace, run
    from engine.codegen.prepare import emit_prepare
    from engine.codegen.program import _extras
    from engine.codegen.writer import Literals, Names
    names = Names()
    lits = Literals(names)
    lines = emit_prepare(SCHEMA, names, lits)
    prepare = run("\n".join(lits.defs + lines) + "\n", namespace(None, _extras()), "<test>")["prepare"]
    for case in [VALID, *variants(VALID)]:
        env = prepare(copy.deepcopy(case))
        if env is None or env is INVALID:
            continue
        general = to_values(SCHEMA, case)
        for name in SCHEMA["properties"]:
            general.setdefault(name, None)
        assert same(env, general), case
    assert prepare(VALID)["d"] == date(2026, 1, 31) and prepare(VALID)["i"].__class__ is Decimal
