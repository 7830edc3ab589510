"""Module assembly: generated source becomes a module (compiled once, then its functions are called).

`expression_function` makes the function of one stand-alone expression (what CompiledExpr.evaluate
and CompiledTests.matches run); the rule-set program is assembled in program.py. Both run in a
namespace holding only the runtime: Decimal and date types, the FEEL context's methods, the
language's operators (engine/feel/ops.py) and the helpers of runtime.py. The source is made only
by the emitters (writer.py is the one place rule text enters it, as escaped literals).
"""
from __future__ import annotations

import datetime as _dt
from decimal import ROUND_FLOOR, Decimal

from ..feel import ops
from ..feel.budget import Budget
from ..feel.errors import FeelEvalError, FeelLimitError
from ..feel.functions import apply, builtin_value, invoke
from ..feel.temporal import DateTime, Time
from ..feel.values import FEEL_CONTEXT, DaysDuration, Function, Range, YearsMonthsDuration, parse_temporal, \
    type_name
from . import runtime as R

_C = FEEL_CONTEXT

RUNTIME = {
    "_D": Decimal, "_ONE": Decimal(1), "_date": _dt.date, "_YM": YearsMonthsDuration, "_DT": DaysDuration, "_Range": Range,
    "_Time": Time, "_DateTime": DateTime, "_Function": Function, "_TypeRef": R.type_ref, "_Budget": Budget,
    "_FLOOR": ROUND_FLOOR, "_Cadd": _C.add, "_Csub": _C.subtract, "_Cmul": _C.multiply, "_Cdiv": _C.divide, "_Cminus": _C.minus,
    "_add": ops.add, "_sub": ops.sub, "_mul": ops.mul, "_div": ops.div, "_pow": ops.power, "_neg": ops.neg,
    "_add_months": R.add_months, "_add_days": ops.add_days, "_compare": ops.compare, "_in_range": ops.in_range,
    "_between": ops.between, "_make_range": ops.make_range, "_range_of_test": ops.range_of_test,
    "_test_value": ops.test_value, "_test_with_input": ops.test_with_input, "_parse_temporal": parse_temporal, "_instance_of": R.instance_of,
    "_apply": apply, "_invoke": invoke, "_builtin_value": builtin_value, "_equal": R.equal, "_Chain": R.Chain, "_item_scope": R.item_scope,
    "FeelEvalError": FeelEvalError, "FeelLimitError": FeelLimitError, "_BUILTIN_ERRORS": R.BUILTIN_ERRORS,
    "_ABSENT": R.ABSENT, "_SMALL": R.SMALL, "_Stop": R.Stop, "_DomainError": R.DomainError, "_domain": R.domain, "_index": R.index,
    "_field": R.field, "_fields_of": R.fields_of, "_arith_reason": R.arith_reason,
    "_error_reason": R.error_reason, "_cannot_compare": R.cannot_compare, "_logic_reasons": R.logic_reasons,
    "_type_name": type_name, "_dec_len": R.dec_len, "_EMPTY": {},
    "_NO": R.NO, "_sum_numbers": R.sum_numbers, "_mean_numbers": R.mean_numbers,
    "_distinct_strings": R.distinct_strings, "_substring_at": R.substring_at,
    "_concat": R.concat_lists, "_add_texts": R.add_texts, "_FEEL": _C, "_max_plain": R.max_plain,
    "_min_plain": R.min_plain, "_sorted_plain": R.sorted_plain, "_entries": R.entries,
    "_sum_in_context": R.sum_in_context, "_mean_in_context": R.mean_in_context, "_timedelta": _dt.timedelta,
    # generated code names no other built-in: a slip cannot reach open(), __import__ or getattr
    "__builtins__": {name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                     for name in ("len", "any", "list", "dict", "str", "bool", "int", "set", "tuple", "isinstance",
                                  "enumerate", "sorted", "frozenset", "min", "max", "abs", "sum", "KeyError",
                                  "ValueError", "OverflowError", "map", "ArithmeticError", "TypeError", "RecursionError")},
}


def namespace(functions, extra: dict | None = None) -> dict:
    ns = dict(RUNTIME)

    def fn(name, signature=0):
        return functions.get(name).function_for(signature)

    ns["_fn"] = fn
    ns["_spec"] = functions.get if functions is not None else None
    if extra:
        ns.update(extra)
    return ns


def run(source: str, ns: dict, filename: str = "<certrules generated>") -> dict:
    exec(compile(source, filename, "exec"), ns)
    return ns


def expression_function(ast, text: str, functions, mode: str):
    """The function of one expression: f(env, D=None, BG=None) -> value, or for decision-table tests
    m(iv, env=None, D=None, BG=None) -> bool (whether the input value iv passes). BG is the evaluation's
    budget (engine/feel/budget.py; a new one when not given)."""
    from ..feel.builtins import BUILTINS
    from .expr import EnvFrame, Emitter, Val
    from .writer import Literals, Names, Writer
    names = Names()
    lits = Literals(names)
    body = Writer(names)
    body.level = 2
    em = Emitter(body, lits, text, functions, diag="maybe", builtins=BUILTINS)
    if mode == "unary":
        v = em.emit(ast, EnvFrame({"?": Val("iv")}))
        result = v.src if v.kind.only(bool) else f"{em.atom(v)} is True"
        head, stopped = ["def f(iv, env=None, D=None, BG=None):", "    if env is None:", "        env = _EMPTY"], "False"
    else:
        v = em.emit(ast, EnvFrame())
        result, head, stopped = v.src, ["def f(env, D=None, BG=None):"], "None"
    lines = list(lits.defs) + head
    lines.append("    if BG is None:")
    lines.append("        BG = _Budget()")
    lines.append("    try:")
    lines.extend(body.lines)
    lines.append(f"        return {result}")
    lines.append("    except _Stop:")
    lines.append(f"        return {stopped}")
    ns = run("\n".join(lines) + "\n", namespace(functions), "<certrules expression>")
    return ns["f"]
