"""Expression micro-benchmarks: certrules' compiled FEEL against other Python rule/expression engines.

    python benchmarks/peers.py [--quick]        (also item 3 of benchmarks/run.py)

The same rule-like computations, each written in every engine's own language where it can say it:

  threshold     score >= 95
  range test    score in [90..95)
  sum           the sum of items' scores (a list of 5 contexts)
  date+months   start + 6 months (2026-01-31 -> 2026-07-31)
  band lookup   a 7-row numeric band table (the A/2 appendix's initial-audit column plus '> 10700')

Peers: rule-engine, cel-python (celpy), zen-engine (Python binding of the Rust GoRules engine; the
band lookup is a JDM decision table built in code) and simpleeval. Inputs are prepared once in
each engine's native value types (FEEL Decimals for us, celtypes for CEL, floats for zen, whose
binding rejects Decimal), so only evaluation is timed. Where a peer cannot express a computation
it gets n/a with the reason; where it needs a host (Python) function, the row says so.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import textwrap
import time
import timeit
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCORE = Decimal("92.5")
SCORES = ("88", "91.5", "97", "79", "93")
START = dt.date(2026, 1, 31)
HEADCOUNT = 3000          # the 5th of 7 rows: a lookup that walks most of the table
BANDS = ((1, 65, "2"), (66, 275, "2.5"), (276, 875, "3"), (876, 1550, "3.5"),
         (1551, 3450, "4"), (3451, 6800, "4.5"), (6801, 10700, "5"))
BEYOND = "5.5"

EXPECTED = {"threshold": False, "range test": True, "sum": Decimal("448.5"),
            "date+months": dt.date(2026, 7, 31), "band lookup": Decimal("4")}
ORDER = tuple(EXPECTED)
PEERS = ("rule-engine", "celpy", "zen-engine", "simpleeval")


class NA(Exception):
    """A peer cannot express this computation (the message says why)."""


def _same(label, got):
    want = EXPECTED[label]
    if isinstance(want, bool):
        return bool(got) is want and isinstance(got, bool) or str(got).lower() == str(want).lower()
    if isinstance(want, dt.date):
        return str(got)[:10] == want.isoformat()
    try:
        return Decimal(str(got)) == want
    except Exception:
        return False


# ------------------------------------------------------------------------------------ certrules

_BAND_RULESET = {
    "ruleset.yaml": """\
        family: BENCH
        code: BENCH-BAND
        revision: R1
        title: {en: band lookup benchmark}
        issuer: certrules benchmarks
        effective: 2026-01-01
        supersedes: null
        status: draft
        provenance: authoritative
        source: {document: "benchmarks/peers.py"}
        case_schema: case.schema.yaml
        """,
    "case.schema.yaml": """\
        $schema: https://json-schema.org/draft/2020-12/schema
        type: object
        required: [as_of]
        properties:
          as_of: {type: string, format: date}
          headcount: {type: integer}
        """,
}


def _band_module() -> str:
    rows = "\n".join(f'      - {{key: "[{lo}..{hi}]", days: {v}}}' for lo, hi, v in BANDS)
    drows = "\n".join(f'      - {{when: ["[{lo}..{hi}]"], then: [{v}]}}' for lo, hi, v in BANDS)
    return (f"tables:\n  - id: band\n    clause: '1'\n    key: headcount\n    match: band\n    columns: [days]\n"
            f"    rows:\n{rows}\n      - {{key: '> 10700', days: {BEYOND}}}\n"
            f"decision_tables:\n  - id: band_dt\n    clause: '1'\n    hit_policy: FIRST\n"
            f"    inputs: [{{expr: headcount}}]\n    outputs: [{{name: days}}]\n"
            f"    rules:\n{drows}\n      - {{when: ['> 10700'], then: [{BEYOND}]}}\n")


def certrules_callables() -> dict:
    """label -> zero-argument callable computing the value with certrules (compiled once)."""
    from engine.feel import FEEL_CONTEXT, compile_expr
    from engine.ruleset import load_ruleset
    import decimal

    decimal.setcontext(FEEL_CONTEXT.copy())   # the engine evaluates in its own context (set once per case)
    env = {"score": SCORE, "items": [{"score": Decimal(s)} for s in SCORES], "start": START}
    out = {}
    for label, text in (("threshold", "score >= 95"), ("range test", "score in [90..95)"),
                        ("sum", "sum(items.score)"), ("date+months", 'start + @"P6M"')):
        ce = compile_expr(text, names={"score": "number", "items": None, "start": "date"})
        ce.evaluate(env)              # its code is generated on first use
        out[label] = (lambda ev=ce.evaluate: ev(env))

    tmp = Path(tempfile.mkdtemp(prefix="certrules-band-"))
    for name, text in _BAND_RULESET.items():
        (tmp / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp / "10-band.yaml").write_text(_band_module(), encoding="utf-8")
    rs = load_ruleset(tmp)
    band_env = {"as_of": dt.date(2026, 3, 1), "headcount": Decimal(HEADCOUNT)}
    run = rs.program.run      # the generated function of the one element asked for (and what it reads)
    out["band lookup"] = lambda: run(band_env, False, ("band",))[0]["band"]["days"]
    out["band lookup (decision table)"] = lambda: run(band_env, False, ("band_dt",))[0]["band_dt"]
    return out


# ---------------------------------------------------------------------------------------- peers

def rule_engine_callables() -> dict:
    import rule_engine
    ctx = rule_engine.Context(default_value=None)
    data = {"score": SCORE, "items": [{"score": Decimal(s)} for s in SCORES], "start": START}

    def rule(text):
        r = rule_engine.Rule(text, context=ctx)
        return lambda: r.evaluate(data)
    band = " : ".join(f"(hc <= {hi} ? {v}" for _, hi, v in BANDS) + f" : {BEYOND}" + ")" * len(BANDS)
    band_rule = rule_engine.Rule(band, context=ctx)
    hc = {"hc": Decimal(HEADCOUNT)}
    return {
        "threshold": rule("score >= 95"),
        "range test": rule("score >= 90 and score < 95"),
        "sum": rule("$sum([i['score'] for i in items])"),
        "date+months": NA("durations are timedeltas (t'P180D'); no calendar months"),
        "band lookup": lambda: band_rule.evaluate(hc),
    }


def celpy_callables() -> dict:
    import celpy
    from celpy import celtypes as ct
    env = celpy.Environment()
    act = {"score": ct.DoubleType(float(SCORE)),
           "items": celpy.json_to_cel([{"score": float(s)} for s in SCORES]),
           "hc": ct.IntType(HEADCOUNT)}

    def prog(text, functions=None):
        p = env.program(env.compile(text), functions=functions)
        return lambda: p.evaluate(act)

    def host_sum(values):
        total = 0.0
        for v in values:
            total += float(v)
        return ct.DoubleType(total)
    band = " : ".join(f"(hc <= {hi} ? {float(Decimal(v))}" for _, hi, v in BANDS) + f" : {BEYOND}" + ")" * len(BANDS)
    return {
        "threshold": prog("score >= 95.0"),
        "range test": prog("score >= 90.0 && score < 95.0"),
        "sum": (prog("sum(items.map(i, i.score))", {"sum": host_sum}), "host function sum()"),
        "date+months": NA("durations are seconds (no calendar months); timestamps only"),
        "band lookup": prog(band),
    }


def zen_callables() -> dict:
    import zen
    ctx = {"score": float(SCORE), "items": [{"score": float(s)} for s in SCORES],
           "start": START.isoformat(), "headcount": HEADCOUNT}

    def expr(text):
        e = zen.compile_expression(text)
        return lambda: e.evaluate(ctx)
    rules = [{"_id": f"r{i}", "in1": f"[{lo}..{hi}]", "out1": v} for i, (lo, hi, v) in enumerate(BANDS)]
    rules.append({"_id": "r7", "in1": "> 10700", "out1": BEYOND})
    jdm = {"nodes": [
        {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
        {"id": "dt", "type": "decisionTableNode", "name": "band", "position": {"x": 0, "y": 0},
         "content": {"hitPolicy": "first", "inputs": [{"id": "in1", "name": "headcount", "field": "headcount"}],
                     "outputs": [{"id": "out1", "name": "days", "field": "days"}], "rules": rules}},
        {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 0, "y": 0}}],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
                  {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"}]}
    decision = zen.ZenEngine().create_decision(json.dumps(jdm))
    band_ctx = {"headcount": HEADCOUNT}
    return {
        "threshold": expr("score >= 95"),
        "range test": expr("score in [90..95)"),
        "sum": expr("sum(map(items, #.score))"),
        "date+months": expr('d(start).add(6, "M")'),
        "band lookup": (lambda: decision.evaluate(band_ctx)["result"]["days"], "JDM decision table"),
    }


def simpleeval_callables() -> dict:
    from simpleeval import EvalWithCompoundTypes, SimpleEval
    names = {"score": SCORE, "items": [{"score": Decimal(s)} for s in SCORES], "hc": Decimal(HEADCOUNT)}

    def ev(text, functions=None, cls=SimpleEval):
        s = cls(names=names, functions=functions or {})
        tree = s.parse(text)       # parse once; eval walks the AST each call
        return lambda: s.eval(text, previously_parsed=tree)
    band = "".join(f"{v} if hc <= {hi} else " for _, hi, v in BANDS) + BEYOND
    return {
        "threshold": ev("score >= 95"),
        "range test": ev("90 <= score < 95"),
        "sum": (ev("sum(i['score'] for i in items)", {"sum": sum}, EvalWithCompoundTypes), "host function sum()"),
        "date+months": NA("no date type or calendar arithmetic"),
        "band lookup": (ev(band), "nested if-else"),
    }


PEER_BUILDERS = {"rule-engine": rule_engine_callables, "celpy": celpy_callables,
                 "zen-engine": zen_callables, "simpleeval": simpleeval_callables}


# ------------------------------------------------------------------------------------- timing

def per_call_ns(fn, quick: bool) -> float:
    """Median per-call time over repeats, each repeat running ~budget seconds of calls."""
    budget = 0.01 if quick else 0.05
    repeat = 5 if quick else 9
    fn()
    t = timeit.Timer(fn, timer=time.process_time)   # CPU time: robust to other work on the machine
    number = 1
    while True:
        if t.timeit(number) >= budget / 5 or number >= 1 << 20:
            break
        number *= 4
    per = t.timeit(number) / number
    number = max(1, int(budget / max(per, 1e-9)))
    return statistics.median(t.repeat(repeat=repeat, number=number)) / number * 1e9


def _fmt_ns(ns):
    return f"{ns / 1000:.1f}us" if ns >= 10_000 else f"{ns:.0f}ns"


def run(quick: bool = False, out=print) -> dict:
    """Time every computation; print a table; return {label: {peer: ratio or None}}."""
    ours = certrules_callables()
    peers = {}
    for name, build in PEER_BUILDERS.items():
        try:
            peers[name] = build()
        except ImportError as exc:
            peers[name] = {label: NA(f"not installed ({exc.name})") for label in ORDER}
    our_ns = {}
    for label, fn in ours.items():
        got = fn()
        assert _same(label.split(" (")[0], got), (label, got)
        our_ns[label] = per_call_ns(fn, quick)

    out(f"  {'computation':30} {'certrules':>9}  " + "  ".join(f"{p:>22}" for p in PEERS))
    ratios: dict = {}
    notes = []
    for label in ours:
        base = label.split(" (")[0]
        cells = []
        ratios[label] = {}
        for p in PEERS:
            entry = peers[p].get(base)
            note = None
            if isinstance(entry, tuple):
                entry, note = entry
            if isinstance(entry, NA):
                cells.append(f"{'n/a':>22}")
                notes.append(f"{p} / {base}: n/a: {entry}")
                ratios[label][p] = None
                continue
            try:
                got = entry()
            except Exception as exc:  # a peer that fails here is reported, not fatal
                cells.append(f"{'error':>22}")
                notes.append(f"{p} / {base}: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
                ratios[label][p] = None
                continue
            if not _same(base, got):
                notes.append(f"{p} / {base}: gave {got!r}, expected {EXPECTED[base]!r}")
            ns = per_call_ns(entry, quick)
            r = our_ns[label] / ns
            ratios[label][p] = r
            cells.append(f"{_fmt_ns(ns):>9} ours/theirs {r:5.2f}")
            if note and f"{p} / {base}: {note}" not in notes:
                notes.append(f"{p} / {base}: {note}")
        out(f"  {label:30} {_fmt_ns(our_ns[label]):>9}  " + "  ".join(cells))
    for n in notes:
        out(f"    note: {n}")
    worst = max((r for row in ratios.values() for r in row.values() if r is not None), default=None)
    if worst is not None:
        out(f"  worst ours/theirs: {worst:.2f} (target < 1)")
    return ratios


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
