"""The generated case check and conversion (engine/codegen/prepare.py) held to the general path
(engine/case.py prepare_general: jsonschema, then the schema-guided conversion): on the example cases,
generated cases and those cases broken at random, the same environment (values of the same classes)
or the same CaseError, word for word."""
import copy
import json
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine import registry
from engine.case import prepare_general
from engine.codegen.program import INVALID
from engine.errors import CaseError
from engine.yamlio import load_file, parse_json

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
EXAMPLES = REPO / "examples" / "cases"     # the A/2 rule set's


class Sub(dict):
    pass


# values a case could hold, wrong or right for any field: each kind the generated check knows, its
# edges (the small-int table, date texts fromisoformat takes but the schema does not), and kinds it
# leaves to jsonschema (a float, a subclass)
POOL = [None, True, False, 0, 1, -1, -2, 1023, 1024, 10**20, Decimal("1.5"), Decimal("-0.5"), Decimal("0"),
        Decimal("-0"), "", "x", "2026-01-31", "2026-02-30", "2026-W01-1", "20260131", "2026-1-31",
        "management", "initial", "customer_survey", [], ["x"], ["x", "x"], [1], {}, {"a": 1}, 1.5, Sub(a=1)]


def same(a, b) -> bool:
    """Equal, and of the same classes throughout (1 and Decimal(1) are not the same value here)."""
    if a.__class__ is not b.__class__:
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and str(a) == str(b)


def outcome(fn, rs, case):
    try:
        return "env", fn(rs, case)
    except CaseError as exc:
        return "error", str(exc)


def fast(rs, case):
    return rs.program.prepare(case)


def paths(x, at=()):
    yield at
    if isinstance(x, dict):
        for k, v in x.items():
            yield from paths(v, at + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from paths(v, at + (i,))


def mutate(case, rnd):
    """The case with one change: a value replaced, a key dropped or an unknown key added."""
    case = copy.deepcopy(case)
    spots = [p for p in paths(case) if p]
    where = rnd.choice(spots)
    parent = case
    for k in where[:-1]:
        parent = parent[k]
    last = where[-1]
    roll = rnd.random()
    if roll < 0.75:
        parent[last] = copy.deepcopy(rnd.choice(POOL))
    elif roll < 0.9 and isinstance(parent, dict):
        del parent[last]
    elif isinstance(parent, dict):
        parent["not_in_schema"] = 1
    else:
        parent.append(copy.deepcopy(rnd.choice(POOL)))
    return case


def cases_of(rs, root, n):
    out = [load_file(p).data for p in sorted(EXAMPLES.glob("*.yaml"))] if root == A2 else []
    from engine.corpus import generate_cases
    out += [parse_json(line).data["case"] for line in generate_cases(rs, n, 11)]
    return out


@pytest.fixture(scope="module", params=[A2, LIBRARY], ids=["a2", "library"])
def ruleset_and_cases(request):
    rs = registry.load_cached(str(request.param))
    return rs, cases_of(rs, request.param, 40)


def test_the_rule_sets_have_a_generated_check(ruleset_and_cases):
    rs, _ = ruleset_and_cases
    assert rs.program._prepare is not None


def test_well_formed_cases_take_the_generated_path_and_match(ruleset_and_cases):
    rs, cases = ruleset_and_cases
    decided = 0
    for case in cases:
        env = rs.program._prepare(case)
        if env is not None and env is not INVALID:
            decided += 1
        a, b = outcome(fast, rs, case), outcome(prepare_general, rs, case)
        assert a[0] == b[0] and (same(a[1], b[1]) if a[0] == "env" else a[1] == b[1]), case
    assert decided >= len(cases) * 0.9     # the fast path is the one taken, not the fallback


def test_broken_cases_match_the_general_path(ruleset_and_cases):
    rs, cases = ruleset_and_cases
    rnd = random.Random(5)
    kinds = set()
    for _ in range(1500):
        case = mutate(rnd.choice(cases), rnd)
        verdict = rs.program._prepare(case)
        kinds.add("invalid" if verdict is INVALID else "unsure" if verdict is None else "env")
        a, b = outcome(fast, rs, case), outcome(prepare_general, rs, case)
        assert a[0] == b[0], (case, a, b)
        if a[0] == "env":
            assert same(a[1], b[1]), case
        else:
            assert a[1] == b[1]
        if verdict is INVALID:
            assert b[0] == "error", case     # the generated check says invalid only when it is
    assert kinds == {"invalid", "unsure", "env"}


def test_the_input_case_is_left_as_it_was(ruleset_and_cases):
    rs, cases = ruleset_and_cases
    for case in cases[:10]:
        before = json.dumps(case, default=str, sort_keys=True)
        rs.program.prepare(case)
        assert json.dumps(case, default=str, sort_keys=True) == before


def test_a_date_converted_once_is_the_same_date_after():
    rs = registry.load_cached(str(A2))
    case = load_file(sorted(EXAMPLES.glob("*.yaml"))[0]).data
    first = rs.program.prepare(case)["as_of"]
    second = rs.program.prepare(copy.deepcopy(case))["as_of"]
    assert first.__class__ is date and first == second == date.fromisoformat(case["as_of"])


@pytest.mark.parametrize("text", ["2026-W01-1", "20260131", "2026-02-30", "2026-1-31 ", "2026-01-31T00"])
def test_date_texts_get_the_general_verdict_on_every_call(text):
    # the cache holds only what was converted: the second call decides as the first did
    rs = registry.load_cached(str(A2))
    case = copy.deepcopy(load_file(sorted(EXAMPLES.glob("*.yaml"))[0]).data)
    case["as_of"] = text
    first = outcome(fast, rs, case)
    assert first == outcome(prepare_general, rs, case)
    assert outcome(fast, rs, copy.deepcopy(case)) == first
    if text != "2026-W01-1":      # an ISO week date: a valid date to jsonschema's format check too
        assert first[0] == "error"
