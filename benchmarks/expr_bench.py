"""How fast are compiled expressions? (a benchmark, not a test)

    python benchmarks/expr_bench.py [--quick]

For rule-like expressions, times three ways of computing the same value many
times and prints medians per call:
  compiled   engine.feel's generated code (ce.evaluate(env), engine/codegen)
  hand       the same logic written by hand in Python with Decimal
  walker     a naive tree-walking interpreter over the same AST (below)
and the ratios compiled/hand (target: within 2x) and walker/compiled.
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import timeit
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.feel import FEEL_CONTEXT, compile_expr, nodes as N  # noqa: E402
from engine.feel import ops  # noqa: E402
from engine.feel.builtins import BUILTINS  # noqa: E402

C = FEEL_CONTEXT
D95, D90, D6 = Decimal(95), Decimal(90), Decimal(6)


def walk(node, env):
    """A deliberately plain interpreter: one isinstance chain per node per call."""
    if isinstance(node, (N.Num, N.Str, N.Bool)):
        return node.value
    if isinstance(node, N.Temporal):
        return node.value
    if isinstance(node, N.Name):
        return env.get(node.name)
    if isinstance(node, N.Compare):
        return ops.compare(node.op, walk(node.left, env), walk(node.right, env))
    if isinstance(node, N.Arith):
        return ops.ARITH[node.op](walk(node.left, env), walk(node.right, env))
    if isinstance(node, N.In):
        v = walk(node.value, env)
        r = node.tests[0]
        return ops.in_range(v, ops.Range(walk(r.low, env), r.low_closed, walk(r.high, env), r.high_closed))
    if isinstance(node, N.If):
        return walk(node.then, env) if walk(node.cond, env) is True else walk(node.else_, env)
    if isinstance(node, N.Path):
        base = walk(node.base, env)
        if isinstance(base, list):
            return [x.get(node.name) for x in base]
        return base.get(node.name)
    if isinstance(node, N.Call):
        spec = BUILTINS.get(node.name)
        args = [walk(a, env) for a in node.args]
        return spec.fn(args[0]) if spec.list_or_args and len(args) == 1 else spec.fn(*args)
    if isinstance(node, N.Filter):
        out = []
        for it in walk(node.base, env):
            scope = dict(env)
            scope.update(it)
            scope["item"] = it
            if walk(node.cond, scope) is True:
                out.append(it)
        return out
    raise NotImplementedError(type(node).__name__)


def hand_threshold(env):
    return env["score"] >= D95


def hand_range(env):
    s = env["score"]
    return D90 <= s < D95


def hand_sum(env):
    total = Decimal(0)
    for it in env["items"]:
        total = C.add(total, it["score"])
    return total


def _add_months(d, months):
    import calendar
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def hand_date(env):
    return _add_months(env["start"], 6)


def hand_band(env):
    s = env["score"]
    return "A" if s >= D95 else ("B" if s >= D90 else ("C" if s >= Decimal(80) else "D"))


def hand_filter(env):
    return [it for it in env["items"] if it["score"] > D90]


CASES = [
    ("threshold", "score >= 95", hand_threshold),
    ("range test", "score in [90..95)", hand_range),
    ("sum over a list", "sum(items.score)", hand_sum),
    ("date + duration", 'start + @"P6M"', hand_date),
    ("band (nested if)", 'if score >= 95 then "A" else if score >= 90 then "B" '
                         'else if score >= 80 then "C" else "D"', hand_band),
    ("list filter", "items[score > 90]", hand_filter),
]

ENV = {
    "score": Decimal("92.5"),
    "items": [{"score": Decimal(s)} for s in ("88", "91.5", "97", "79", "93")],
    "start": dt.date(2026, 1, 31),
}


def median_ns(fn, number, repeat):
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e9


def main():
    quick = "--quick" in sys.argv
    number, repeat = (2_000, 5) if quick else (20_000, 9)
    print(f"{'expression':18} {'compiled':>10} {'hand':>9} {'walker':>9} {'comp/hand':>10} {'walk/comp':>10}")
    for label, text, hand in CASES:
        ce = compile_expr(text)
        ast = ce.ast
        expected = hand(ENV)
        assert ce.evaluate(ENV) == expected == walk(ast, ENV), label
        ev = ce.evaluate
        t_comp = median_ns(lambda: ev(ENV), number, repeat)
        t_hand = median_ns(lambda: hand(ENV), number, repeat)
        t_walk = median_ns(lambda: walk(ast, ENV), number, repeat)
        print(f"{label:18} {t_comp:8.0f}ns {t_hand:7.0f}ns {t_walk:7.0f}ns "
              f"{t_comp / t_hand:9.2f}x {t_walk / t_comp:9.2f}x")


if __name__ == "__main__":
    main()
