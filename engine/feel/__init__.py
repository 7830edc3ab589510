"""certrules expressions: a FEEL subset (DMN's expression language), compiled once.

    from engine.feel import compile_expr, to_feel
    ce = compile_expr("score >= 95", names={"score": "number"})
    ce.evaluate({"score": to_feel(97)})        # True

Pipeline, one module per step: parser.py (text -> tokens -> lark tree -> nodes.py
AST), checker.py (names, functions, arity, types); engine/codegen generates the Python code of a
checked AST; ops.py / builtins.py / functions.py / types.py are what that code calls, values.py
the FEEL values, budget.py what one evaluation may build.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping

from .builtins import BUILTINS
from .budget import Budget, size_within
from .errors import FeelCheckError, FeelError, FeelEvalError, FeelLimitError, FeelSyntaxError
from .registry import FunctionRegistry
from .temporal import DateTime, Time
from .values import (FEEL_CONTEXT, DaysDuration, Function, Range, YearsMonthsDuration, parse_date,
                     to_feel, to_plain)

__all__ = ["compile_expr", "compile_unary_tests", "FunctionRegistry", "default_registry", "BUILTINS",
           "FeelError", "FeelSyntaxError", "FeelCheckError", "FeelEvalError", "FeelLimitError", "to_feel",
           "to_plain", "FEEL_CONTEXT", "YearsMonthsDuration", "DaysDuration", "Range", "Time", "DateTime",
           "Function", "Budget", "size_within", "conform", "ast_equal", "ast_dump",
           "interval_of", "parse_literal_value", "CompiledExpr", "CompiledTests"]


# The parser (lark), the checker and the syntax tree are imported when first needed: evaluating a rule
# set loaded from the cache (engine/codegen/cache.py) needs none of them.
def __getattr__(name):
    if name in ("ast_equal", "ast_dump"):
        from . import nodes
        return nodes.ast_equal if name == "ast_equal" else nodes.dump
    if name == "conform":
        from .types import conform
        return conform
    raise AttributeError(name)


def _parse(text, mode, multiword, types=None):
    from . import nodes as _N
    from .parser import parse
    ast = parse(text, mode, multiword)
    if types:
        ast = _N.transform(ast, lambda n: types.get(n.name, n) if isinstance(n, _N.TypeRef) and not
                           (n.params or n.fields or n.result) else n)
    return ast


def _check(ast, text, names, reg, mode):
    from .checker import check
    return check(ast, text, names, reg, mode)


def default_registry() -> FunctionRegistry:
    """A new registry holding the built-ins, to which the engine adds its own functions."""
    return FunctionRegistry(BUILTINS)


class CompiledExpr:
    """An expression ready to evaluate many times (never re-parsed). Its Python code is generated
    from the checked AST (engine/codegen) the first time it is evaluated."""
    __slots__ = ("text", "_ast", "free_names", "_type", "functions", "multiword", "types", "evaluate")
    mode = "expr"

    def __init__(self, text, ast, free_names, type_, functions, multiword=frozenset(), types=None):
        self.text, self._ast, self.free_names, self._type = text, ast, free_names, type_
        self.functions, self.multiword, self.types = functions, multiword, types
        # An instance attribute, not a method: after the first call it is the generated function itself.
        self.evaluate = self._first_evaluate

    @property
    def ast(self):
        """The checked syntax tree; parsed again from the text when the expression came from a cache."""
        if self._ast is None:
            self._ast = _parse(self.text, self.mode, self.multiword, self.types)
        return self._ast

    @property
    def type(self):
        """The static type the checker found (see checker.py)."""
        if self._type.__class__ is _PlainType:
            self._type = self._type.restore()
        return self._type

    def _first_evaluate(self, env: Mapping[str, object], diagnostics: list | None = None,
                        budget: Budget | None = None):
        """The value of the expression for `env` (FEEL values by name).

        Never raises for data problems: a failed operation gives null, and when
        `diagnostics` is a list, a sentence saying what failed and where is appended.
        `budget` is the evaluation's (one Budget shared by every expression of one
        evaluation); without one, this call has a budget of its own.
        """
        from ..codegen.module import expression_function
        self.evaluate = expression_function(self.ast, self.text, self.functions, "expr")
        return self.evaluate(env, diagnostics, budget)

    def __reduce__(self):
        # kept without its tree (what was checked once need not be stored): parsed again if asked for
        return (CompiledExpr, (self.text, None, self.free_names, _PlainType.of(self._type), self.functions,
                               self.multiword, self.types))

    def __repr__(self):
        return f"CompiledExpr({self.text!r})"


class _PlainType:
    """A checker type kept as plain data (a cached rule set is read without importing the checker)."""
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __reduce__(self):
        return (_PlainType, (self.data,))

    @staticmethod
    def of(t):
        if t is None or isinstance(t, (str, _PlainType)):
            return t
        def plain(x):
            name = type(x).__name__
            if name == "ListT":
                return ("list", plain(x.item))
            if name == "CtxT":
                return ("context", None if x.fields is None else {k: plain(v) for k, v in x.fields.items()})
            return ("simple", x)
        return _PlainType(plain(t))

    def restore(self):
        from .checker import CtxT, ListT

        def back(x):
            kind, v = x
            if kind == "list":
                return ListT(back(v))
            if kind == "context":
                return CtxT(None if v is None else {k: back(y) for k, y in v.items()})
            return v
        return back(self.data)


class CompiledTests:
    """Decision-table unary tests (`>= 95`, `[90..95)`, `"a", "b"`, `-`)."""
    __slots__ = ("text", "_ast", "free_names", "functions", "multiword", "types", "matches")
    mode = "unary"
    ast = CompiledExpr.ast

    def __init__(self, text, ast, free_names, functions, multiword=frozenset(), types=None):
        self.text, self._ast, self.free_names, self.functions = text, ast, free_names, functions
        self.multiword, self.types = multiword, types
        self.matches = self._first_matches   # an instance attribute, as CompiledExpr.evaluate

    def _first_matches(self, input_value, env: Mapping[str, object] | None = None, diagnostics: list | None = None,
                       budget: Budget | None = None) -> bool:
        """Whether the input value passes; null or a failed test counts as no match."""
        from ..codegen.module import expression_function
        self.matches = expression_function(self.ast, self.text, self.functions, "unary")
        return self.matches(input_value, env, diagnostics, budget)

    def interval(self):
        return interval_of(self)

    def __reduce__(self):
        return (CompiledTests, (self.text, None, self.free_names, self.functions, self.multiword, self.types))

    def __repr__(self):
        return f"CompiledTests({self.text!r})"


def _freeze(hint):
    """A hashable stand-in for a names mapping (part of the compile cache key)."""
    if isinstance(hint, Mapping):
        return ("ctx",) + tuple(sorted((k, _freeze(v)) for k, v in hint.items()))
    if isinstance(hint, (list, tuple)):
        return ("seq",) + tuple(_freeze(v) for v in hint)
    return hint


CACHE_SIZE = 4096
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
# Multi-word type names usable after `instance of`, and property names with spaces.
_TYPE_WORDS = frozenset({"days and time duration", "date and time", "years and months duration",
                         "time offset", "start included", "end included"})


_frozen_memo: OrderedDict = OrderedDict()   # id(names) -> (names, len(names), frozen form)


def _frozen_names(names):
    """_freeze(names), remembered for the last few mappings seen: a rule set compiles all its
    expressions against a few names mappings of hundreds of entries, and freezing one each time cost
    a third of a load. The entry keeps the mapping alive, so its id cannot be reused meanwhile; a
    mapping that grows or shrinks is frozen anew (callers do not change one while compiling with it)."""
    hit = _frozen_memo.get(id(names))
    if hit is not None and hit[0] is names and hit[1] == len(names):
        return hit[2]
    frozen = _freeze(names)
    _frozen_memo[id(names)] = (names, len(names), frozen)
    if len(_frozen_memo) > 32:
        _frozen_memo.popitem(last=False)
    return frozen


def _compile(text, mode, names, functions, multiword_names, types=None):
    reg = functions if functions is not None else BUILTINS
    mw = frozenset(" ".join(m.split()) for m in (multiword_names or ()))
    # registry.version is unique per registry and changes on every register()
    with _cache_lock:
        frozen = None if names is None else _frozen_names(names)
    key = (text, mode, frozen, reg.version, mw, tuple(sorted((types or {}).items())))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    multiword = mw | reg.multiword_names() | _TYPE_WORDS | frozenset(t for t in (types or ()) if " " in t)
    ast = _parse(text, mode, multiword, types)
    type_, free = _check(ast, text, names, reg, mode)
    types = dict(types) if types else None
    out = CompiledTests(text, ast, free, reg, multiword, types) if mode == "unary" else \
        CompiledExpr(text, ast, free, type_, reg, multiword, types)
    with _cache_lock:
        _cache[key] = out
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def compile_expr(text: str, names: Mapping | None = None, functions: FunctionRegistry | None = None,
                 multiword_names=(), types: Mapping | None = None) -> CompiledExpr:
    """Parse, check and compile an expression (cached: the same arguments give the same object).

    names: None (any name allowed) or the names the expression may read, each with a
      type hint ("number", "string", "boolean", "date", "duration", "list",
      "context", "range", "any"/None; a Mapping for a context's fields; ["list", hint]).
    functions: a FunctionRegistry (default: the built-ins).
    multiword_names: names with spaces the expression may use (e.g. DMN input names).
    types: named types the expression may use after `instance of` or in a parameter's type
      (name -> nodes.TypeRef), as DMN's item definitions.
    Raises FeelSyntaxError / FeelCheckError.
    """
    return _compile(text, "expr", names, functions, multiword_names, types)


def compile_unary_tests(text: str, names: Mapping | None = None, functions: FunctionRegistry | None = None,
                        multiword_names=()) -> CompiledTests:
    """Compile a decision-table cell: `-`, `>= 95`, `[90..95)`, `"a", "b"`, `not("a")`,
    `null`, a value, or any expression using `?` for the input (`? > 3 and ? < 5`)."""
    return _compile(text, "unary", names, functions, multiword_names)


# ------------------------------------------------------------------ intervals

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _const_number(node):
    from . import nodes as _N
    if isinstance(node, _N.Num):
        return node.value
    if isinstance(node, _N.Neg) and isinstance(node.operand, _N.Num):
        return -node.operand.value
    return None


def _interval(test):
    """One test -> (low, low_closed, high, high_closed), or None if not a plain numeric one."""
    from . import nodes as _N
    if isinstance(test, _N.UnaryCmp):
        op, v = test.op, _const_number(test.operand)
    elif isinstance(test, _N.RangeLit):
        lo, hi = _const_number(test.low), _const_number(test.high)
        if lo is None or hi is None:
            return None
        return (lo, test.low_closed, hi, test.high_closed)
    elif isinstance(test, _N.Compare) and isinstance(test.left, _N.InputValue):
        op, v = test.op, _const_number(test.right)
    elif isinstance(test, _N.Compare) and isinstance(test.right, _N.InputValue):
        op, v = _FLIP.get(test.op, test.op), _const_number(test.left)
    else:
        op, v = "=", _const_number(test)
    if v is None:
        return None
    return {"<": (None, False, v, False), "<=": (None, False, v, True),
            ">": (v, False, None, False), ">=": (v, True, None, False),
            "=": (v, True, v, True)}.get(op)


def interval_of(unary_tests):
    """The numbers a decision-table cell accepts, as a list of
    (low, low_closed, high, high_closed) (None = unbounded), or None when the cell is
    not simple comparisons / ranges / equalities over number literals (e.g. uses
    names, strings or not(...)). `-` gives [(None, False, None, False)].

    Accepts a CompiledTests, its `.ast`, or the text of a cell."""
    from . import nodes as _N
    if isinstance(unary_tests, str):
        unary_tests = compile_unary_tests(unary_tests)
    node = getattr(unary_tests, "ast", unary_tests)
    if isinstance(node, _N.AnyInput):
        return [(None, False, None, False)]
    if not isinstance(node, _N.UnaryTests) or node.negated:
        return None
    out = []
    for t in node.tests:
        iv = _interval(t)
        if iv is None:
            return None
        out.append(iv)
    return out


# ------------------------------------------------------------------ --set values

_BARE_DATE = re.compile(r"-?\d{4,9}-\d{2}-\d{2}\Z")


def parse_literal_value(text: str):
    """A command-line value (`--set name=VALUE`) as a FEEL value: `95`, `"abc"`,
    `true`, `[1, 2]`, `{a: 1}`, `date("2026-01-31")`; a bare ISO date 2026-01-31
    is a date. Raises FeelError when the text is not a constant expression."""
    s = text.strip()
    if _BARE_DATE.match(s):
        d = parse_date(s)
        if d is None:
            raise FeelSyntaxError(f"{s} is not a valid date at 1:1", 1, 1, text)
        return d
    diagnostics: list[str] = []
    value = compile_expr(text, names={}).evaluate({}, diagnostics)
    if diagnostics:
        raise FeelCheckError(f"{text!r} has no value: {diagnostics[0]}", 1, 1, text)
    return value
