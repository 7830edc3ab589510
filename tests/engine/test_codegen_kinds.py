"""The generated run function's paths that the case schema's kinds allow (engine/codegen/expr.py) give
what the general paths give: the same value, null and findings, for the common case, null operands,
mixed types, empty lists and a budget that runs out.

Each rule reads only case fields, so it is computed three ways: by the rule set's run function with the
trace off (kinds known from the case schema: the fast paths), with the trace on (diagnostics kept: the
general paths), and as a stand-alone expression over the same prepared values (no kinds: every test at
run time). All three must agree."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from test_codegen import MANIFEST as HOSTILE_MANIFEST
from test_codegen import SCHEMA as HOSTILE_SCHEMA

from engine.feel.budget import Budget

ITEM = {"type": "object", "additionalProperties": False,
        "properties": {"id": {"type": "string"}, "na": {"type": "boolean"}, "score": {"type": "number"},
                       "max": {"type": "number"}, "on": {"type": "string", "format": "date"}}}
MANIFEST = dict(HOSTILE_MANIFEST, family="KND", code="KND-1", title={"en": "kinds"}, source={"document": "t"})
SCHEMA = dict(HOSTILE_SCHEMA, properties={
    "as_of": {"type": "string", "format": "date"},
    "items": {"type": "array", "items": ITEM},
    "xs": {"type": "array", "items": {"type": "number"}},
    "ys": {"type": "array", "items": {"type": "number"}},
    "s": {"type": "string"},
    "n": {"type": "number"},
    "f": {"type": "object", "additionalProperties": False,
          "properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"}, "c": {"type": "boolean"}}},
})
EXPRESSIONS = {
    # indexing by a loop's variable: an item, null past the list, the empty list of an empty list
    "scores": "for i in 1..count(items) return items[i].score",
    "ids_from_0": "for i in 0..count(items) return items[i].id",
    "past_end": "for i in 1..count(items) + 2 return items[i].max",
    "first_id": "items[1].id",
    # = against a constant and between two values, either side null or of another type
    "na_true": "for i in 1..count(items) return items[i].na = true",
    "na_not_false": "for i in 1..count(items) return items[i].na != false",
    "score_is_s": "for i in 1..count(items) return items[i].score = s",
    "id_is_n": "for i in 1..count(items) return items[i].id = n",
    "over": "for i in 1..count(items) return items[i].score > items[i].max",
    # what an index gives, shown in the result (a date as its text, the empty list) and moved by a duration
    "ons": "for i in 0..count(items) return items[i].on",
    "later": "for i in 1..count(items) + 1 return items[i].on + duration(\"P1D\")",
    # one character at a loop's position: in the text, before it, past it, of a number (the built-in says)
    "chars_of": "for i in 0..string length(s) + 1 return substring(s, i, 1)",
    "chars_of_n": "for i in 1..2 return substring(n, i, 1)",
    # texts joined, the budget's characters spent
    "labels": "for i in 1..count(items) return s + \"-\" + items[i].id",
    # get entries of a context of known entries, filtered by value
    "false_flags": "get entries({a: f.a, b: f.b, c: f.c})[value = false].key",
    "null_flags": "get entries({a: f.a, b: f.b, c: f.c})[value = null].key",
    # a context literal read by one entry (the dict never made)
    "whats": "for i in 1..count(items) return {it: items[i], name: if it.id != null then it.id else \"?\", "
             "what: if it.na = true then null else name + \":\" + string(it.score)}.what",
    # loops over constant ranges and over lists (null: no value)
    "weights": "sum(for i in 1..3 return [10, 20, 30][i] * i)",
    "down": "for i in 3..1 return i",
    "plus_one": "for x in xs return x + 1",
    "pairs": "for x in xs, y in ys return x * y",
    # built-ins that walk lists, their lengths spent from the budget
    "joined": "count(concatenate(xs, ys, if n > 0 then [n] else []))",
    "joined_null": "concatenate(xs, if n > 0 then null else [n])",
    "length": "string length(s) + count(xs)",
    "has": "list contains(for i in items return i.id, s)",
}
RULES = {"rules": [{"id": k, "clause": str(i), "expr": e} for i, (k, e) in enumerate(EXPRESSIONS.items(), 1)]}


def _item(i, **kw):
    return {"id": f"i{i}", "score": Decimal(i), "max": Decimal(3), "on": f"2026-01-0{i}", **kw}


CASES = {
    "common": {"items": [_item(1), _item(2, na=False), _item(5, na=True)], "xs": [Decimal(1), Decimal(2)],
               "ys": [Decimal(3)], "s": "i2", "n": Decimal(4), "f": {"a": True, "b": False, "c": False}},
    "nulls": {"items": [{}, {"id": "x"}, {"na": True}], "f": {}},
    "empty": {"items": [], "xs": [], "ys": [], "s": "", "n": Decimal(0), "f": {"a": False}},
    "missing": {},
}


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds") / "KND-R1"
    folder.mkdir()
    for name, doc in (("ruleset.yaml", MANIFEST), ("case.schema.yaml", SCHEMA), ("rules.yaml", RULES)):
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    from engine.ruleset import load_ruleset
    return load_ruleset(folder)


def _stand_alone(rs, case, budget=None):
    """Each rule as a stand-alone expression over the case's prepared values (no kinds known)."""
    from engine.feel import compile_expr
    from engine.jsonout import plain
    env = rs.program.prepare(dict(case, as_of="2026-03-01"))
    return {k: plain(compile_expr(e).evaluate(env, [], budget)) for k, e in EXPRESSIONS.items()}


@pytest.mark.parametrize("name", CASES)
def test_the_kinds_fast_paths_give_the_general_paths_values(kinds, name):
    from engine.evaluation import evaluate
    case = dict(CASES[name], as_of="2026-03-01")
    off = evaluate(kinds, case, trace=False)
    on = evaluate(kinds, case, trace=True)
    assert off["values"] == on["values"]
    assert off["findings"] == on["findings"] == []
    assert off["values"] == _stand_alone(kinds, case)


def test_the_fast_paths_are_the_ones_generated(kinds):
    # what the fast paths look like, so the test above does exercise them
    from engine.codegen.program import generate
    from engine.ruleset import function_registry
    src = generate(kinds, function_registry())
    assert "_SMALL[1:4]" in src                   # 1..3 without _domain
    assert "_dec_len(" not in src                 # count / string length without the call
    assert "_entries(" in src and "'value']" in src     # an entry's value read directly


def test_values_worked_out_by_hand(kinds):
    from engine.evaluation import evaluate
    v = evaluate(kinds, dict(CASES["common"], as_of="2026-03-01"), trace=False)["values"]
    assert v["scores"] == [1, 2, 5] and v["past_end"] == [3, 3, 3, None, None]
    assert v["ids_from_0"] == [None, "i1", "i2", "i5"]          # 0 is outside the list: null
    assert v["na_true"] == [False, False, True] and v["na_not_false"] == [True, False, True]
    assert v["score_is_s"] == [None, None, None] and v["id_is_n"] == [None, None, None]
    assert v["over"] == [False, False, True]
    assert v["false_flags"] == ["b", "c"] and v["null_flags"] == []
    assert v["whats"] == ["i1:1", "i2:2", None]
    assert v["weights"] == 140 and v["down"] == [3, 2, 1]
    assert v["plus_one"] == [2, 3] and v["pairs"] == [3, 6]
    assert v["joined"] == 4 and v["joined_null"] is None and v["length"] == 4 and v["has"] is True
    assert v["ons"] == [None, "2026-01-01", "2026-01-02", "2026-01-05"]
    assert v["later"] == ["2026-01-02", "2026-01-03", "2026-01-06", None]
    assert v["labels"] == ["i2-i1", "i2-i2", "i2-i5"]
    assert v["chars_of"][1:3] == ["i", "2"] and v["chars_of_n"] == [None, None]
    e = evaluate(kinds, dict(CASES["empty"], as_of="2026-03-01"), trace=False)["values"]
    assert e["ids_from_0"] == [[]]             # 0..0 is [0]: indexing the empty list gives the empty list
    assert e["past_end"] == [[], []] and e["first_id"] is None and e["ons"] == [[]] and e["later"] == [None]
    m = evaluate(kinds, dict(CASES["missing"], as_of="2026-03-01"), trace=False)["values"]
    assert m["plus_one"] is None and m["scores"] is None and m["null_flags"] == ["a", "b", "c"]


@pytest.mark.parametrize("items", [6, 11, 25, 60])
def test_a_budget_that_runs_out_ends_alike_on_every_path(kinds, monkeypatch, items):
    """A budget of a few dozen items runs out somewhere in the rules: each path gives the same values
    and says so in the same element's finding."""
    from engine.evaluation import evaluate
    defaults = Budget.__init__.__defaults__
    monkeypatch.setattr(Budget.__init__, "__defaults__", (items,) + defaults[1:])
    case = dict(CASES["common"], as_of="2026-03-01")
    off = evaluate(kinds, case, trace=False)
    on = evaluate(kinds, case, trace=True)
    assert off["values"] == on["values"]
    assert [f["id"] for f in off["findings"]] == [f["id"] for f in on["findings"]]
    assert len(off["findings"]) == 1 and off["findings"][0]["id"].endswith(".limit_reached")
    assert None in off["values"].values()


@pytest.mark.parametrize("rule", ["scores", "ids_from_0", "na_true", "false_flags", "whats", "weights",
                                  "plus_one", "pairs", "joined", "has", "over", "past_end", "null_flags",
                                  "ons", "labels"])
def test_each_rule_spends_what_the_stand_alone_expression_spends(kinds, monkeypatch, rule):
    """With the budget set to every size from none to enough, the rule alone (trace off: the fast paths)
    is null, and says its limit was reached, exactly when the stand-alone expression (the general paths)
    runs out, or has too little left for the size of its value (what the element spends after it)."""
    from engine.evaluation import evaluate
    from engine.feel import compile_expr
    from engine.feel.budget import size_within
    from engine.feel.errors import FeelLimitError
    from engine.jsonout import plain
    case = dict(CASES["common"], as_of="2026-03-01")
    env = kinds.program.prepare(case)
    expr = compile_expr(EXPRESSIONS[rule])
    defaults = Budget.__init__.__defaults__
    seen = set()
    for items in range(0, 40):
        b = Budget(items=items)
        value = expr.evaluate(env, [], b)
        out = b.reached is not None
        if not out:
            try:
                size_within(value, b)
            except FeelLimitError:
                value, out = None, True
        monkeypatch.setattr(Budget.__init__, "__defaults__", (items,) + defaults[1:])
        r = evaluate(kinds, case, trace=False, outputs=[rule])
        assert r["values"][rule] == plain(value), items
        assert [f["id"] for f in r["findings"]] == ([f"{rule}.limit_reached"] if out else []), items
        seen.add(out)
    assert seen == {True, False}        # the budget ran out for the small sizes, and sufficed for the large


def test_text_joins_spend_the_characters_ops_add_spends(kinds, monkeypatch):
    """labels joins s + "-" (3 characters) and then the id (5) for each of 3 items: 24 characters. With
    fewer the budget runs out (null, its finding); with 24 or more, the labels. The stand-alone
    expression, with a budget of as many characters, ends alike."""
    from engine.evaluation import evaluate
    from engine.feel import compile_expr
    from engine.feel.budget import MAX_CHARS
    case = dict(CASES["common"], as_of="2026-03-01")
    env = kinds.program.prepare(case)
    defaults = Budget.__init__.__defaults__
    for chars in range(18, 30):
        monkeypatch.setattr(Budget.__init__, "__defaults__", (defaults[0], chars) + defaults[2:])
        r = evaluate(kinds, case, trace=False, outputs=["labels"])
        short = chars < 24
        assert r["values"]["labels"] == (None if short else ["i2-i1", "i2-i2", "i2-i5"]), chars
        assert [f["id"] for f in r["findings"]] == (["labels.limit_reached"] if short else []), chars
        b = Budget(chars=chars)
        alone = compile_expr(EXPRESSIONS["labels"]).evaluate(env, [], b)
        assert (alone is None) == short and (b.reached is not None) == short and (short or b.chars == chars - 24)
    assert defaults[1] == MAX_CHARS
