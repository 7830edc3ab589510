"""A rule set's run function computes with Decimal operators in the FEEL context it sets
(engine/codegen/expr.py `in_context`): a result beyond decimal128 is still null, with its reason in the
trace, as the context's methods made it; and the caller's decimal context is left as it was."""
from __future__ import annotations

import decimal
import json
from decimal import Decimal

import pytest
from test_codegen import MANIFEST as HOSTILE_MANIFEST
from test_codegen import SCHEMA as HOSTILE_SCHEMA

MANIFEST = dict(HOSTILE_MANIFEST, family="CTX", code="CTX-1", title={"en": "context"}, source={"document": "t"})
SCHEMA = dict(HOSTILE_SCHEMA, properties={"as_of": {"type": "string", "format": "date"}, "x": {"type": "number"},
                                          "xs": {"type": "array", "items": {"type": "number"}}})
EXPRESSIONS = {"big": "if x > 1000 then x * x * x * x * x else 0", "third": "x / 3", "neg": "-(x + 0.5)",
               "total": "sum(xs)", "average": "mean(xs)", "rest": "modulo(x, 3)"}
RULES = {"rules": [{"id": k, "clause": str(n), "expr": e} for n, (k, e) in enumerate(EXPRESSIONS.items(), 1)]}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ctx") / "CTX-R1"
    folder.mkdir()
    for name, doc in (("ruleset.yaml", MANIFEST), ("case.schema.yaml", SCHEMA), ("rules.yaml", RULES)):
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    from engine.ruleset import load_ruleset
    return load_ruleset(folder)


def test_operators_in_the_feel_context_give_its_values_and_its_nulls(ctx):
    from engine.evaluation import evaluate
    outer = decimal.Context(prec=5, Emax=99999999)      # a caller's context unlike FEEL's
    with decimal.localcontext(outer):
        # a product and a sum beyond decimal128 (Overflow is trapped in FEEL's context): null
        huge = {"as_of": "2026-03-01", "x": Decimal("1.5e1500"), "xs": [Decimal("9.5e6144"), Decimal("9.5e6144")]}
        v = evaluate(ctx, huge, trace=False)["values"]
        assert v["big"] is None and v["total"] is None and v["average"] is None
        for trace in (False, True):
            r = evaluate(ctx, {"as_of": "2026-03-01", "x": Decimal(10), "xs": [Decimal(1), Decimal(2)]}, trace=trace)
            v = r["values"]
            assert v["big"] == 0
            assert v["third"] == Decimal("3.333333333333333333333333333333333")    # 34 digits, not 5
            assert v["neg"] == Decimal("-10.5") and v["rest"] == Decimal(1)
            assert (v["total"], v["average"]) == (Decimal(3), Decimal("1.5"))
        assert decimal.getcontext().prec == 5 and decimal.getcontext().Emax == 99999999     # given back


def test_the_run_function_uses_operators_and_a_stand_alone_expression_the_contexts_methods(ctx):
    from engine.codegen.program import generate
    from engine.ruleset import function_registry
    src = generate(ctx, function_registry())
    assert "_Cmul(" not in src and "_Cdiv(" not in src and "_sum_in_context(" in src
    from engine.feel import compile_expr
    e = compile_expr("a / 3")
    with decimal.localcontext(decimal.Context(prec=5)):
        assert e.evaluate({"a": Decimal(10)}, []) == Decimal("3.333333333333333333333333333333333")
