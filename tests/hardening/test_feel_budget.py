"""Issue 17, items 2 and 4, the expression side: budgets that built-ins cannot escape, regular
expressions that cannot backtrack, and numbers that cannot hang a conversion to int.

Each reproduction runs in a fresh subprocess (address space capped at 2 GB, so a regression fails
instead of swapping the machine) that reports its wall time and peak memory: every one must finish
within 5 s and 500 MB, as correctness bounds against hangs and blow-ups, not timing targets.
"""
from __future__ import annotations

import textwrap

import pytest

from hardening_support import PEAK_MB, REPO, run_bounded

VISITS = REPO / "tests" / "feel" / "rulesets" / "VISITS-2026-R1"

PRELUDE = PEAK_MB + """
import json, resource, sys, time
from decimal import Decimal
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from engine.feel import compile_expr
start = time.process_time()
def value(text, env=None):
    diags = []
    v = compile_expr(text, names={k: None for k in (env or {})}).evaluate(env or {}, diags)
    return v, diags
def report(outcome):
    print(json.dumps({"outcome": outcome, "seconds": time.process_time() - start,
                      "mb": peak_mb()}))
"""


def attack(code: str, tmp_path) -> object:
    """Run `code` after PRELUDE in a subprocess; its report() outcome, within the bounds."""
    return run_bounded(PRELUDE + textwrap.dedent(code), tmp_path)["outcome"]


# ------------------------------------------------------------------ item 2: regular expressions

@pytest.mark.parametrize("pattern", ["^((a+))+$", "^(a|a)*$", "(a*)*b", "^(a+)+(b+)+$", "(.*a){12}"])
def test_backtracking_patterns_answer_at_once(pattern, tmp_path):
    out = attack(f"""
        results = []
        for n in (28, 10000, 100000):
            v, d = value('matches(s, p)', {{"s": "a" * n + "!", "p": {pattern!r}}})
            results.append(v)
        report(results)
        """, tmp_path)
    assert out == [False, False, False] or out[-1] in (True, False)


def test_back_references_are_refused_not_backtracked(tmp_path):
    out = attack("""
        from engine.feel import FeelCheckError
        try:
            compile_expr('matches(s, "^(a+)\\\\1+$")', names={"s": None})
            written = "compiled"
        except FeelCheckError as e:
            written = e.message                    # written in the rule: a load error
        v, d = value('matches(s, p)', {"s": "a" * 30000 + "!", "p": "^(a+)\\\\1+$"})
        report([written, v, d])
        """, tmp_path)
    assert "back-reference" in out[0] and out[1] is None and "back-reference" in out[2][0]


# ------------------------------------------------------------------ item 2: builtins and one budget

NESTED = "{L: for i in 1..1000 return 1, M: for i in 1..1000 return L, N: for i in 1..300 return M}.N"


@pytest.mark.parametrize("expr", [
    f"count(flatten({NESTED}))",                  # 3x10^8 items before
    f"string({NESTED})",                          # a 7x10^8-character string before
    f"string join(flatten({NESTED}), \"\")",
    f"distinct values({NESTED})",
    f"{NESTED} = {NESTED}",                       # deep equality walks what it compares
    "{L: for i in 1..1000 return 1, M: for i in 1..1000 return L, N: for i in 1..300 return M, "
    "r: list contains(N, M)}.r",
    f"count(union({NESTED}, {NESTED}))",
    f"{NESTED} instance of list<list<list<number>>>",
    "count(for i in 1..3000 return partial)",     # partial is copied, and each copy is paid for
    "count(distinct values(for i in 1..100000 return [i]))",
])
def test_builtins_spend_from_the_budget(expr, tmp_path):
    out = attack(f"""
        v, d = value({expr!r})
        report([v if v is None or isinstance(v, bool) else "a value", d[:1]])
        """, tmp_path)
    assert out[0] is None and "its limit was reached" in out[1][0], out


def test_replace_stops_before_building_gigabytes(tmp_path):
    out = attack("""
        v, d = value('replace(s, ".", "0123456789012345678901234567890123456789")', {"s": "x" * 900000})
        report([v, d[:1]])
        """, tmp_path)
    assert out[0] is None and "longer than" in out[1][0]


def test_strings_built_in_a_loop_share_the_budget(tmp_path):
    out = attack("""
        v, d = value('count(for i in 1..100 return s + s)', {"s": "x" * 400000})
        report([v, d[:1], len(d)])
        """, tmp_path)
    assert out[0] is None and "characters of text" in out[1][0] and out[2] == 1   # the loop stops there


def test_runaway_recursion_is_null_not_a_crash(tmp_path):
    out = attack("""
        a = value('{f: function(n) if n = 0 then 0 else f(n - 1) + 1}.f(100000)')
        b = value('{f: function(n) if n = 0 then 0 else f(n - 1) + 1}.f(10)')
        report([a[0], a[1][:1], str(b[0])])
        """, tmp_path)
    assert out[0] is None and "function calls inside one another" in out[1][0] and out[2] == "10"


def test_one_budget_for_all_the_rules_of_an_evaluation(tmp_path):
    """20 rules of count(for i in 1..999999 return i): the first spends the budget, the others are null,
    and the element that reached the limit says so in a finding."""
    import shutil
    rs = tmp_path / "rs"
    shutil.copytree(VISITS, rs)
    rules = "".join(f"  - {{id: big{i}, clause: '9', expr: 'count(for i in 1..999999 return i)'}}\n" for i in range(20))
    (rs / "big.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    out = attack(f"""
        import engine
        rs = engine.load_ruleset({str(rs)!r})
        r = engine.evaluate(rs, {{"as_of": "2026-03-01", "visit": {{"travel_hours": 1, "work_hours": 2}}}})
        values = [r["values"][f"big{{i}}"] for i in range(20)]
        report([[None if v is None else str(v) for v in values], [f["id"] for f in r["findings"]],
                r["values"]["total_billed"] is not None])
        """, tmp_path)
    values, findings, others = out
    assert values.count("999999") == 1 and values.count(None) == 19
    assert [f for f in findings if f.endswith(".limit_reached")] and others


# ------------------------------------------------------------------ item 4: numbers that hang

HUGE_USES = [
    "substring(s, x)", "substring(s, 1, x)", "sublist([1, 2], x)", "sublist([1, 2], 1, x)",
    "round up(1.5, x)", "decimal(1.5, x)", "floor(1.5, x)", "date(x, 1, 1)", "date(2020, x, 1)",
    "count(for i in 1..x return i)", "count(for i in -x..x return i)", "[1, 2][x]", "insert before([1], x, 2)",
    "remove([1], x)", "list replace([1], x, 2)", "odd(x)", "even(x)", "modulo(x, 3)", "string(x)", "x ** 2",
    "2 ** x", "duration(\"P1Y\") * x", "@\"2020-01-01\" + duration(\"P1D\") * x", "time(x, 0, 0)", "abs(x)",
    "x + 1", "x = 1", "string length(string(x))", "years and months duration(@\"2020-01-01\", @\"2021-01-01\") * x",
    "date and time(\"2020-01-01T00:00:00\") + duration(\"PT1S\") * x", "-x", "sqrt(x)", "log(x)", "exp(x)",
    "mean([x, x])", "[x..x]", "x in [1..2]", "sum([x, 1])", "sort([x, 1])",
]


def test_huge_numbers_from_a_context_return_promptly(tmp_path):
    """x = 1e999999999 (beyond decimal128, so it can only come from outside an expression): every use
    returns at once; int() of it would build a billion-digit integer (909 s before)."""
    out = attack(f"""
        results = []
        for text in {HUGE_USES!r}:
            for x in (Decimal("1e999999999"), Decimal("-1e999999999"), Decimal("1e40")):
                v, d = value(text, {{"x": x, "s": "abc"}})
                results.append([text, None if v is None else type(v).__name__])
        report(results)
        """, tmp_path)
    assert len(out) == 3 * len(HUGE_USES)
