"""Emit an expression: the checked, typed AST of a FEEL expression as straight-line Python statements.

`Emitter.emit(node, scope)` writes the statements that compute a node into the current Writer and
returns a `Val`: the Python expression holding the value (a temporary, a literal or a local) and its
Kind. The semantics are those of the language runtime (engine/feel ops and built-ins): the code does
the common cases itself (Decimal arithmetic in the FEEL context, numbers and strings compared, a
context's entry) and calls the runtime for the rest, so both give the same value. An operation that
fails yields null and, when diagnostics are kept, records why, naming the place in the expression.

Diagnostics are kept in one of three ways: "off" (trace off: nothing is recorded, so pure
subexpressions can be computed once and reused), "on" (the element's list `D` always exists) and
"maybe" (a stand-alone expression: `D` is the caller's list or None).
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal

from ..feel import nodes as N
from ..feel import ops
from ..feel.checker import bind_signature
from ..feel.errors import FeelEvalError
from ..feel.temporal import DateTime, Time
from ..feel.values import FEEL_CONTEXT, DaysDuration, Function, Range, YearsMonthsDuration
from . import kinds as K
from .kinds import NoneType
from .writer import Literals, Writer, text

_C = FEEL_CONTEXT
_FAST = {"+": "_Cadd", "-": "_Csub", "*": "_Cmul"}
# the same operations by Python's operators, where the FEEL context is the current one (a rule set's
# run function sets it): the same values, the same exceptions, without a method call
_OPERATOR = {"_Cadd": "+", "_Csub": "-", "_Cmul": "*", "_Cdiv": "/"}
_FOLD_FAST = {"+": _C.add, "-": _C.subtract, "*": _C.multiply}
_SLOW = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "**": "_pow"}
_ORDER = ("<", "<=", ">", ">=")
_CLASS_SRC = {Decimal: "_D", str: "str", bool: "bool"}
_SCALARS = (Decimal, str, bool, _dt.date, YearsMonthsDuration, DaysDuration)   # `=` is `==` between two of one
_ORDERED = (Decimal, str, _dt.date, YearsMonthsDuration, DaysDuration)   # each ordered against itself (ops.ORDERED)

# What a built-in returns (besides null), for the kinds of what uses its value.
_NUMBER_FNS = {"count", "sum", "mean", "product", "median", "stddev", "string length", "floor", "ceiling",
               "decimal", "round up", "round down", "round half up", "round half down", "modulo", "sqrt",
               "log", "exp", "number", "day of year", "week of year"}
_STRING_FNS = {"string", "substring", "upper case", "lower case", "substring before", "substring after",
               "replace", "string join", "day of week", "month of year"}
_BOOL_FNS = {"not", "contains", "starts with", "ends with", "matches", "even", "odd", "all", "any",
             "list contains", "is defined", "is"}
_LIST_FNS = {"concatenate", "append", "sublist", "reverse", "union", "distinct values", "flatten", "sort",
             "split", "index of", "mode", "insert before", "remove", "list replace", "get entries"}
_DICT_FNS = {"context", "context put", "context merge"}

# built-in -> (one-pass helper in runtime.py, number of arguments, the classes they must have)
_ONE_PASS = {"sum": ("_sum_numbers", 1, (list,)), "mean": ("_mean_numbers", 1, (list,)),
             "distinct values": ("_distinct_strings", 1, (list,)), "substring": ("_substring_at", 3, (str,)),
             "max": ("_max_plain", 1, (list,)), "min": ("_min_plain", 1, (list,)),
             "sort": ("_sorted_plain", 1, (list,))}

# ... their forms for code that runs with FEEL_CONTEXT as the current context (Decimal operators)
_IN_CONTEXT = {"_sum_numbers": "_sum_in_context", "_mean_numbers": "_mean_in_context"}

_INSTANCE_CLASS = {"number": "_D", "string": "str", "boolean": "bool", "date": "_date", "time": "_Time",
                   "date and time": "_DateTime", "years and months duration": "_YM",
                   "days and time duration": "_DT", "list": "list", "context": "dict", "range": "_Range",
                   "function": "_Function"}
_BG = re.compile(r"\bBG\b")
_EMPTY_LIST = K.of(list, item=K.NEVER)     # what indexing an empty list gives (a filter of nothing)
# arguments that cannot be lists (a built-in that walks its list arguments does not pay for these)
_NOT_LISTS = (N.Num, N.Str, N.Bool, N.Null, N.Temporal, N.Compare, N.Between, N.In, N.InstanceOf, N.And,
              N.Or, N.Arith, N.Neg, N.ContextLit, N.RangeLit, N.UnaryCmp, N.FunctionDef)


class Val:
    """A value while generating: the source holding it, its kind, and for a test the variables it proves
    not null when it is true (`true_facts`) or when it is false (`false_facts`)."""
    __slots__ = ("src", "kind", "simple", "true_facts", "false_facts")

    def __init__(self, src: str, kind: K.Kind = K.ANY, simple: bool = True, true_facts=(), false_facts=()):
        self.src, self.kind, self.simple = src, kind, simple
        self.true_facts, self.false_facts = true_facts, false_facts

    def __repr__(self):
        return f"Val({self.src!r})"


class Unsupported(Exception):
    """A construct the generator does not know (never for a checked expression)."""


# ------------------------------------------------------------------ scopes

class Frame:
    """Where a name is found while generating. `resolve` is static where it can be: a stand-alone
    expression reads the caller's mapping, a rule set's element reads locals."""
    parent: "Frame | None" = None

    def lookup(self, em: "Emitter", name: str, where: str, quiet: bool) -> Val:  # pragma: no cover
        raise NotImplementedError

    def static(self, name: str, mark: bool = True):
        """The binding of `name` when it is known without running (a Val), else None."""
        return None


class EnvFrame(Frame):
    """A stand-alone expression: names come from the mapping `env` the caller passes."""

    def __init__(self, bound: dict | None = None):
        self.bound = bound or {}

    def lookup(self, em, name, where, quiet):
        if name in self.bound:
            return self.bound[name]
        t = em.w.tmp()
        em.w.line("try:")
        em.w.line(f"    {t} = env[{text(name)}]")
        em.w.line("except KeyError:")
        em.w.indent()
        em.w.line(f"{t} = {'_ABSENT' if quiet == 'absent' else 'None'}")
        if not quiet:
            em.fail_static(f"name '{name}' has no value", where)
        em.w.outdent()
        return Val(t)

    def static(self, name, mark=True):
        return self.bound.get(name)


class StaticFrame(Frame):
    """A rule set's element: every name is a case field or an element, held in a local (or a literal)."""

    def __init__(self, bound: dict):
        self.bound = bound
        self.used: set = set()

    def lookup(self, em, name, where, quiet):
        v = self.bound.get(name)
        if v is not None:
            self.used.add(name)
            return v
        if quiet == "absent":
            return Val("_ABSENT")
        if not quiet:
            em.fail_static(f"name '{name}' has no value", where)
        return Val("None", K.NULL)

    def static(self, name, mark=True):
        v = self.bound.get(name)
        if v is not None and mark:
            self.used.add(name)
        return v


class VarsFrame(Frame):
    """Names bound by the expression itself: iteration variables, `partial`, a context's entries,
    a check's lets, a state machine's locals."""

    def __init__(self, parent: Frame, bound: dict | None = None, live: str | None = None):
        self.parent = parent
        self.bound = dict(bound or {})
        self.live = live        # a context literal's dict of entries, as it is being built

    def lookup(self, em, name, where, quiet):
        v = self.bound.get(name)
        if v is not None:
            return v
        return self.parent.lookup(em, name, where, quiet)

    def static(self, name, mark=True):
        v = self.bound.get(name)
        return v if v is not None else self.parent.static(name, mark)


class ItemFrame(Frame):
    """Inside a filter: the item's entries (when it is a context) and `item`, then the names around."""

    def __init__(self, parent: Frame, var: str, kind: K.Kind):
        self.parent, self.var, self.kind = parent, var, kind

    def _may_have(self, name) -> bool:
        k = self.kind
        if not k.may(dict):
            return False
        if k.closed and k.fields is not None:
            return name in k.fields
        return True

    def lookup(self, em, name, where, quiet):
        it = self.var
        if name == "item":
            if not self._may_have("item"):
                return Val(it, self.kind)
            t = em.w.tmp()
            em.w.line(f"{t} = {it}['item'] if {it}.__class__ is dict and 'item' in {it} else {it}")
            return Val(t)
        if not self._may_have(name):
            return self.parent.lookup(em, name, where, quiet)
        key = text(name)
        fk = self.kind.field(name).without_null() if self.kind.fields else K.ANY
        if self.kind.only(dict) and self.kind.complete and name in self.kind.fields:
            return Val(f"{it}[{key}]", self.kind.fields[name], simple=False)     # every item has the entry
        is_dict = f"{key} in {it}" if self.kind.only(dict) else f"{it}.__class__ is dict and {key} in {it}"
        outer = self.parent.static(name)
        if outer is not None and self.kind.only(dict):
            return Val(f"{it}.get({key}, {outer.src})", K.union(fk, outer.kind), simple=False)
        t = em.w.tmp()
        em.w.line(f"if {is_dict}:")
        em.w.line(f"    {t} = {it}[{key}]")
        em.w.line("else:")
        sub = em.w.block()
        with em.into(sub):
            v = self.parent.lookup(em, name, where, quiet)
            sub.line(f"{t} = {v.src}")
        em.w.extend(sub)
        return Val(t, K.union(fk, v.kind))

    def static(self, name, mark=True):
        if name == "item" or self._may_have(name):
            return None
        return self.parent.static(name, mark)


# ------------------------------------------------------------------ the emitter

class Emitter:
    def __init__(self, w: Writer, lits: Literals, text_: str, functions, diag: str = "maybe",
                 memo: bool = False, builtins=None):
        assert diag in ("off", "on", "maybe")
        self.w = w
        self.lits = lits
        self.text = text_
        self.functions = functions
        self.builtins = builtins
        self.diag = diag
        self.memo: list[dict] | None = [{}] if (memo and diag == "off") else None
        self.narrowed: list[frozenset] = []   # variables known not null where the code is being written
        self.bound: list[set] = []            # names the expression's own text binds around here
        self.spends = 0
        self.registered_calls = False
        self.ints: dict = {}                  # a loop variable's source -> the Python int it equals
        self.hoisted: dict = {}               # id(node) -> its Val, computed once before the loop around
        # whether the code runs with FEEL_CONTEXT as decimal's current context (a rule set's run function,
        # not a function value's body, which may be called after it): Decimal operators then compute what
        # the context's methods do
        self.in_context = False

    # -- writing

    class _Into:
        def __init__(self, em, w):
            self.em, self.w = em, w

        def __enter__(self):
            self.saved = self.em.w
            self.em.w = self.w
            if self.em.memo is not None:
                self.em.memo.append({})

        def __exit__(self, *exc):
            self.em.w = self.saved
            if self.em.memo is not None:
                self.em.memo.pop()

    def into(self, w: Writer):
        """Emit into another writer (a branch): what is computed there is not reused after it."""
        return Emitter._Into(self, w)

    def atom(self, v: Val) -> str:
        """A name or literal for the value, assigning it to a temporary when it is an expression."""
        if v.simple:
            return v.src
        t = self.w.tmp()
        self.w.line(f"{t} = {v.src}")
        v.src, v.simple = t, True
        return t

    def var(self, v: Val) -> str:
        """A variable holding the value (never a literal: `x is 'a'` is not how identity is asked)."""
        src = self.atom(v)
        if src[:1] in ("'", '"') or src[:1].isdigit() or src[:1] == "-" or src.startswith(("[", "{", "(")) \
                or src in self.lits.module_names:
            t = self.w.tmp()
            self.w.line(f"{t} = {src}")
            v.src = src = t
        return src

    def assign(self, target: str, v: Val) -> None:
        self.w.line(f"{target} = {v.src}")

    # -- diagnostics

    def where(self, node: N.Node) -> str:
        p = node.pos
        snippet = " ".join(self.text[p.start:p.end].split())
        if len(snippet) > 60:
            snippet = snippet[:57] + "..."
        return f"'{snippet}' at {p.line}:{p.col}"

    def _record(self, msg_src: str) -> None:
        if self.diag == "on":
            self.w.line(f"D.append({msg_src})")
        elif self.diag == "maybe":
            self.w.line(f"if D is not None: D.append({msg_src})")

    def fail_static(self, reason: str, where: str) -> None:
        if self.diag != "off":
            self._record(text(f"{reason} in {where}"))

    def fail_dynamic(self, reason_src: str, where: str) -> None:
        if self.diag != "off":
            self._record(f"{reason_src} + {text(' in ' + where)}")

    def D(self) -> str:
        return "None" if self.diag == "off" else "D"

    def at(self, where: str) -> str:
        return text(" in " + where)

    # -- entry point

    def emit(self, node: N.Node, scope: Frame) -> Val:
        hoisted = self.hoisted.get(id(node)) if self.hoisted else None
        if hoisted is not None:
            return self.narrow(Val(hoisted.src, hoisted.kind))     # a copy: var() may rename what it is given
        meth = getattr(self, "e_" + type(node).__name__, None)
        if meth is None:
            raise Unsupported(type(node).__name__)
        key = self._memo_key(node, scope)
        if key is None:
            return self.narrow(meth(node, scope))
        for level in reversed(self.memo):
            hit = level.get(key)
            if hit is not None:
                return self.narrow(hit)
        w = self.w
        mark = len(w.lines)
        v = meth(node, scope)
        self.atom(v)
        if not any("BG" in line for line in w.lines[mark:]):
            # nothing spent from the budget (which would be spent again): computed once, reused after
            self.memo[-1][key] = v
        return self.narrow(v)

    _MEMO = (N.Path, N.Filter, N.Call, N.Arith, N.In, N.Between)

    def _memo_key(self, node, scope):
        """Without diagnostics, a pure subexpression met again in the same place is not computed again:
        the key is its canonical text and what each name in it stands for here."""
        if self.memo is None or not isinstance(node, self._MEMO):
            return None
        names = []
        for n in N.walk(node):
            if isinstance(n, (N.For, N.Quantified, N.FunctionDef, N.Invoke)):
                return None          # loops spend, a function value is made anew, a call of one may note
            if isinstance(n, N.Call) and (not self._is_builtin(n.name) or self.bound_here(n.name)):
                return None          # a registered function may note things
            if isinstance(n, N.Name):
                b = scope.static(n.name, mark=False)
                names.append((n.name, b.src if b is not None and b.simple else None))
        return (N.dump(node), tuple(names))

    def narrow(self, v: Val) -> Val:
        """v with null left out of its kind when a test around this place proved it not null."""
        if v.simple and self.narrowed and v.kind.may(NoneType) and any(v.src in level for level in self.narrowed):
            return Val(v.src, v.kind.without_null(), True, v.true_facts, v.false_facts)
        return v

    class _Facts:
        def __init__(self, em, srcs):
            self.em, self.srcs = em, frozenset(srcs)

        def __enter__(self):
            self.em.narrowed.append(self.srcs)

        def __exit__(self, *exc):
            self.em.narrowed.pop()

    def facts(self, srcs):
        """Within: the variables `srcs` are not null (a test that proved it guards the code written)."""
        return Emitter._Facts(self, srcs)

    @staticmethod
    def is_var(src: str) -> bool:
        return src.isidentifier()

    def const(self, value) -> Val:
        src = self.lits.of(value)
        if src is None:
            raise Unsupported(f"constant {type(value).__name__}")
        scalar = value is None or value.__class__ in (bool, str, Decimal, _dt.date, YearsMonthsDuration,
                                                      DaysDuration, Range, Time, DateTime)
        return Val(src, K.const(value), simple=scalar)

    # -- leaves

    def e_Num(self, node, scope):
        return self.const(node.value)

    e_Str = e_Num
    e_Bool = e_Num

    def e_Null(self, node, scope):
        return self.const(None)

    def e_Temporal(self, node, scope):
        return self.const(node.value)

    def e_Name(self, node, scope, where_node=None):
        return self.name(node.name, scope, self.where(where_node or node))

    def name(self, name: str, scope: Frame, where: str, quiet: bool = False) -> Val:
        spec = None if self.functions is None or self.bound_here(name) else self.functions.get(name)
        if spec is None or scope.static(name, mark=False) is not None:
            return scope.lookup(self, name, where, quiet)
        # the name of a function, where no value has it, is the function (functions.builtin_value)
        fallback = f"_builtin_value({self.lits.spec(name)})"
        v = scope.lookup(self, name, where, "absent")
        if v.src == "_ABSENT":
            return Val(fallback, K.of(Function), simple=False)
        t = self.var(v)
        self.w.line(f"if {t} is _ABSENT:")
        self.w.line(f"    {t} = {fallback}")
        return Val(t, K.union(v.kind, K.of(Function)))

    def e_InputValue(self, node, scope):
        return scope.lookup(self, "?", self.where(node), True)

    # -- operators

    def e_Neg(self, node, scope):
        v = self.emit(node.operand, scope)
        k = v.kind
        if k.is_const:
            try:
                return self.const(ops.neg(k.const))
            except (FeelEvalError, ArithmeticError, Unsupported):
                pass
        a = self.atom(v)
        t = self.w.tmp()
        where = self.where(node)
        handlers = (("FeelEvalError", "e.message"),
                    ("ArithmeticError", text("the number is beyond the range of FEEL numbers")))
        if k.only(Decimal, NoneType):
            if k.may(NoneType):
                self.w.line(f"if {a} is None:")
                self.w.line(f"    {t} = None")
                self.w.line("else:")
                self.w.indent()
            self.attempt(t, f"(-{a})" if self.in_context else f"_Cminus({a})", where, handlers[1:])
            if k.may(NoneType):
                self.w.outdent()
            return Val(t, K.NUMBER_OR_NULL)
        self.attempt(t, f"_Cminus({a}) if {a}.__class__ is _D else _neg({a})", where, handlers)
        return Val(t, K.of(Decimal, YearsMonthsDuration, DaysDuration, NoneType))

    def e_Arith(self, node, scope):
        op = node.op
        va, vb = self.emit(node.left, scope), self.emit(node.right, scope)
        ka, kb = va.kind, vb.kind
        if ka.is_const and kb.is_const:
            folded = _fold_arith(op, ka.const, kb.const)
            if folded is not _NOFOLD:
                try:
                    return self.const(folded)
                except Unsupported:
                    pass
        a, b = self.atom(va), self.atom(vb)
        where = self.where(node)
        t = self.w.tmp()
        w = self.w
        numbers = ka.only(Decimal, NoneType) and kb.only(Decimal, NoneType)
        if numbers and (op in _FAST or op == "/"):
            nulls = [f"{x} is not None" for x, k in ((a, ka), (b, kb)) if k.may(NoneType)]
            if nulls:
                w.line(f"if {' and '.join(nulls)}:")
                w.indent()
            if op == "/":
                if kb.is_const and kb.const:
                    self._try_fast(t, self.dec_op("_Cdiv", a, b), op, a, b, where)
                else:
                    w.line(f"if not {b}:")
                    w.line(f"    {t} = None")
                    w.indent()
                    self.fail_static("division by zero", where)
                    w.outdent()
                    w.line("else:")
                    w.indent()
                    self._try_fast(t, self.dec_op("_Cdiv", a, b), op, a, b, where)
                    w.outdent()
            else:
                self._try_fast(t, self.dec_op(_FAST[op], a, b), op, a, b, where)
            if nulls:
                w.outdent()
                w.line("else:")
                w.line(f"    {t} = None")
            return Val(t, K.NUMBER_OR_NULL)
        result = _arith_kind(op, ka, kb)
        if op in ("+", "-") and kb.is_const and kb.const.__class__ in (YearsMonthsDuration, DaysDuration) \
                and ka.may(_dt.date):
            # a date moved by a constant duration: ops.add / ops.sub's own step for it, called directly
            c = kb.const
            days = _whole_days(c) if c.__class__ is DaysDuration else None
            w.line(f"if {a}.__class__ is _date:")
            w.indent()
            if days is not None:
                # ops.add_days of whole days: the date plus a constant timedelta (past year 9999: its error)
                td = self.lits.timedelta_days(days if op == "+" else -days)
                self.attempt(t, f"{a} + {td}", where, (("OverflowError", text("the date is out of range")),))
            else:
                if c.__class__ is YearsMonthsDuration:
                    call = f"_add_months({a}, {c.months if op == '+' else -c.months})"
                else:
                    call = f"_add_days({a}, {b}, {1 if op == '+' else -1})"
                self.attempt(t, call, where, (("FeelEvalError", "e.message"),
                                              ("ArithmeticError", f"_arith_reason({text(op)}, {a}, {b})")))
            w.outdent()
            w.line("else:")
            w.indent()
            self._slow_arith(t, op, a, b, where)
            w.outdent()
            return Val(t, result)
        slow = self._slow_arith if op in _FAST else self._slow_div
        if (op in _FAST or op == "/") and ka.may(Decimal) and kb.may(Decimal):
            # numbers inline (a zero divisor: ops says why), anything else by ops
            tests = [f"{x}.__class__ is _D" for x, k in ((a, ka), (b, kb)) if not k.only(Decimal)]
            if op == "/":
                tests.append(b)
            w.line(f"if {' and '.join(tests) or 'True'}:")
            w.indent()
            self._try_fast(t, self.dec_op(_FAST.get(op, "_Cdiv"), a, b), op, a, b, where)
            w.outdent()
            w.line("else:")
            w.indent()
            self._text_or(slow, t, op, a, b, where, ka, kb)
            w.outdent()
            return Val(t, result)
        self._text_or(slow, t, op, a, b, where, ka, kb)
        return Val(t, result)

    def _text_or(self, slow, t, op, a, b, where, ka, kb):
        """`a + b` of two strings by runtime.add_texts (ops.add's steps for them, without its dispatch);
        anything else by ops, as before."""
        if op != "+" or not (ka.may(str) and kb.may(str)):
            slow(t, op, a, b, where)
            return
        w = self.w
        tests = [f"{x}.__class__ is str" for x, k in ((a, ka), (b, kb)) if not k.only(str)]
        handlers = (("FeelEvalError", "e.message"), ("ArithmeticError", f"_arith_reason({text(op)}, {a}, {b})"))
        if not tests:       # the kinds prove two texts (a literal's among them)
            self._join_texts(t, a, b, ka, kb, where, handlers)
            return
        w.line(f"if {' and '.join(tests)}:")
        w.indent()
        self._join_texts(t, a, b, ka, kb, where, handlers)
        w.outdent()
        w.line("else:")
        w.indent()
        slow(t, op, a, b, where)
        w.outdent()

    def _join_texts(self, t, a, b, ka, kb, where, handlers):
        """t = a + b of two strings: runtime.add_texts's steps inline while the budget has the characters
        and the result is within ops.MAX_STRING; past either, add_texts (ops.add) says which."""
        w = self.w
        n = w.tmp("n")
        # a constant text's length is known (an int, never its text)
        sizes = [str(len(k.const)) if k.is_const and k.const.__class__ is str else f"len({x})"
                 for x, k in ((a, ka), (b, kb))]
        w.line(f"{n} = {' + '.join(sizes)}")
        w.line(f"if {n} <= BG.chars and {n} <= {int(ops.MAX_STRING)}:")
        w.line(f"    BG.chars -= {n}")
        w.line(f"    {t} = {a} + {b}")
        w.line("else:")
        w.indent()
        self.attempt(t, f"_add_texts({a}, {b}, BG)", where, handlers)
        w.outdent()

    def attempt(self, t: str, call: str, where: str, handlers=(("FeelEvalError", "e.message"),)) -> None:
        """t = call; an exception of a handler's class makes t null, its reason (source) recorded."""
        w = self.w
        w.line("try:")
        w.line(f"    {t} = {call}")
        for exc, reason in handlers:
            w.line(f"except {exc} as e:" if reason.startswith("e.") or "e)" in reason else f"except {exc}:")
            w.indent()
            w.line(f"{t} = None")
            self.fail_dynamic(reason, where)
            w.outdent()

    def _slow_arith(self, t, op, a, b, where):
        """By ops (durations, dates, text...), with the evaluation's budget."""
        self.attempt(t, f"{_SLOW[op]}({a}, {b}, BG)", where,
                     (("FeelEvalError", "e.message"), ("ArithmeticError", f"_arith_reason({text(op)}, {a}, {b})")))

    _slow_div = _slow_arith

    def _try_fast(self, t, call, op, a, b, where):
        self.attempt(t, call, where, (("ArithmeticError", f"_arith_reason({text(op)}, {a}, {b})"),))

    def dec_op(self, method: str, a: str, b: str) -> str:
        """Source of the FEEL context's `method` (_Cadd, _Csub, _Cmul, _Cdiv) on two Decimals."""
        if self.in_context:
            return f"({a} {_OPERATOR[method]} {b})"
        return f"{method}({a}, {b})"

    def e_Compare(self, node, scope):
        op = node.op
        count = self._count_compare(node, scope)
        if count is not None:
            return count
        if op in _ORDER and isinstance(node.left, N.Name) and _is_const_node(node.right) \
                and not isinstance(node.right, N.Null):
            va = self.e_Name(node.left, scope, where_node=node)   # `x < 5`: a missing x is this comparison's
        else:
            va = self.emit(node.left, scope)
        return self._compare_values(node, va, scope)

    def _count_compare(self, node, scope):
        """`count(x) = 0` (or < <= > >= != a number) on a list: its length compared, no Decimal made."""
        left, right = node.left, node.right
        if not (isinstance(left, N.Call) and left.name == "count" and len(left.args) == 1 and not left.named
                and isinstance(right, N.Num) and self._is_builtin("count")):
            return None
        v = self.emit(left.args[0], scope)
        if not v.kind.only(list, NoneType) or not v.kind.may(list):
            return self._compare_values(node, self._call_values(left, [v], scope), scope)
        x = self.atom(v)
        k = self.lits.of(right.value)
        op = "==" if node.op == "=" else node.op
        if not v.kind.may(NoneType):
            return Val(f"(len({x}) {op} {k})", K.BOOL, simple=False)
        if_null = {"=": "False", "!=": "True"}.get(node.op, "None")
        kind = K.BOOL if node.op in ("=", "!=") else K.BOOL_OR_NULL
        return Val(f"((len({x}) {op} {k}) if {x} is not None else {if_null})", kind, simple=False)

    def _compare_values(self, node, va, scope):
        """The comparison once its left side is known."""
        op = node.op
        vb = self.emit(node.right, scope)
        if op in ("=", "!="):
            return self._equality(va, vb, op == "!=", self.where(node))
        ka, kb = va.kind, vb.kind
        if ka.is_const and kb.is_const:
            try:
                return self.const(ops.compare(op, ka.const, kb.const))
            except FeelEvalError:
                if ka.const is None or kb.const is None:
                    return self.const(None)
        a, b = self.atom(va), self.atom(vb)
        for cls in _ORDERED:
            if ka.only(cls, NoneType) and kb.only(cls, NoneType):
                nulls = [f"{x} is not None" for x, k in ((a, ka), (b, kb)) if k.may(NoneType)]
                if not nulls:
                    return Val(f"({a} {op} {b})", K.BOOL, simple=False)
                return Val(f"(({a} {op} {b}) if {' and '.join(nulls)} else None)", K.BOOL_OR_NULL, simple=False)
        a, b = self.var(va), self.var(vb)       # `x is 'a'` is not how identity is asked
        t = self.w.tmp()
        w = self.w
        w.line(f"if {a}.__class__ is {b}.__class__ and ({a}.__class__ is _D or {a}.__class__ is str"
               f" or {a}.__class__ is _date):")      # what ops.compare does for two of these
        w.line(f"    {t} = {a} {op} {b}")
        w.line("else:")
        w.indent()
        w.line("try:")
        w.line(f"    {t} = _compare({text(op)}, {a}, {b})")
        w.line("except FeelEvalError as e:")
        w.indent()
        w.line(f"{t} = None")
        if self.diag != "off":
            w.line(f"if {a} is not None and {b} is not None:")
            w.indent()
            self.fail_dynamic("e.message", self.where(node))
            w.outdent()
        w.outdent()
        w.outdent()
        return Val(t, K.BOOL_OR_NULL)

    def _equality(self, va: Val, vb: Val, negate: bool, where: str) -> Val:
        ka, kb = va.kind, vb.kind
        if ka.is_const and kb.is_const:
            r = ops.feel_eq(ka.const, kb.const)
            if r is not None:
                return self.const((not r) if negate else r)
        x, kx, c = (vb, kb, ka.const) if ka.is_const and not kb.is_const else (va, ka, kb.const)
        if ka.is_const or kb.is_const:      # `x = 0` (or `0 = x`)
            a = self.var(x)
            if c is None:
                facts = (a,) if self.is_var(a) else ()
                if negate:
                    return Val(f"({a} is not None)", K.BOOL, simple=False, true_facts=facts)
                return Val(f"({a} is None)", K.BOOL, simple=False, false_facts=facts)
            if c.__class__ is bool and kx.only(bool, NoneType):
                return Val(f"({a} is not {c})" if negate else f"({a} is {c})", K.BOOL, simple=False)
            if c.__class__ in (Decimal, str) and kx.only(c.__class__, NoneType):
                return Val(f"({a} {'!=' if negate else '=='} {self.lits.of(c)})", K.BOOL, simple=False)
            if c.__class__ in (Decimal, str, bool):
                # the constant's class is known: only the other side's is asked at run time
                lit = self.lits.of(c)
                pair = (a, lit) if x is va else (lit, a)
                return self._equal_at_run_time(f"{a}.__class__ is {_CLASS_SRC[c.__class__]}", a, lit, pair, negate,
                                               where, nulls=(a,) if kx.may(NoneType) else (),
                                               null_value=str(negate))
        a, b = self.atom(va), self.atom(vb)
        same = _same_scalar(ka, kb)
        if same is not None and same not in (list, dict):
            # never of different kinds: feel_eq is plain equality (null = null, null != anything else)
            return Val(f"({a} {'!=' if negate else '=='} {b})", K.BOOL, simple=False)
        a, b = self.var(va), self.var(vb)
        same_class = f"{a}.__class__ is {b}.__class__ and ({a}.__class__ is _D or {a}.__class__ is str" \
                     f" or {a}.__class__ is bool)"
        nulls = tuple(x for x, k in ((a, ka), (b, kb)) if k.may(NoneType))
        return self._equal_at_run_time(same_class, a, b, (a, b), negate, where, nulls=nulls)

    def _equal_at_run_time(self, cond: str, a: str, b: str, operands, negate: bool, where: str,
                           nulls=(), null_value=None) -> Val:
        """`a = b` as Python's == when cond (two of one plain class) holds, else by _equal (FEEL's =,
        its null and reason) on the operands in their written order. `nulls`: the operands that may be
        null; null on either side is what ops.feel_eq gives without a call (null = null is true, null =
        anything else false), nothing noted or spent; `null_value` its source when the other side is a
        constant (never null), else `a is b`."""
        t = self.w.tmp()
        w = self.w
        w.line(f"if {cond}:")
        w.line(f"    {t} = {a} {'!=' if negate else '=='} {b}")
        if nulls:
            w.line(f"elif {' or '.join(f'{x} is None' for x in nulls)}:")
            same = null_value or (f"{a} is not {b}" if negate else f"{a} is {b}")
            w.line(f"    {t} = {same}")
        w.line("else:")
        w.indent()
        w.line(f"{t} = _equal({operands[0]}, {operands[1]}, BG, {self.D()}, {self.at(where)})")
        if negate:
            w.line(f"if {t} is not None:")
            w.line(f"    {t} = not {t}")
        w.outdent()
        return Val(t, K.BOOL_OR_NULL)

    def _logic(self, node, scope, short: bool):
        word = "or" if short else "and"
        va = self.emit(node.left, scope)
        ka = va.kind
        if ka.is_const and ka.const is short:
            return self.const(short)
        sub = self.w.block()
        # the right side runs only when the left is not `short`: for a plain boolean left, what it
        # proves when true (for and) or false (for or) holds there
        known = (va.false_facts if short else va.true_facts) if ka.only(bool) else ()
        with self.into(sub), self.facts(known):
            vb = self.emit(node.right, scope)
        kb = vb.kind
        where = self.where(node)
        facts = dict(false_facts=va.false_facts + vb.false_facts) if short else \
            dict(true_facts=va.true_facts + vb.true_facts)
        if ka.is_const and ka.const is (not short) and kb.only(bool):
            self.w.lines.extend(l[4:] for l in sub.lines)
            return vb
        pyop = "or" if short else "and"
        if ka.only(bool) and kb.only(bool, NoneType) and (short is False or kb.only(bool)):
            if not sub.lines:
                return Val(f"({self.atom(va)} {pyop} {vb.src})", K.BOOL if kb.only(bool) else K.BOOL_OR_NULL,
                           simple=False, **facts)
            a = self.atom(va)
            t = self.w.tmp()
            self.w.line(f"{t} = {a}")
            self.w.line(f"if {'not ' if short else ''}{t}:")
            self.w.extend(sub)
            self.w.line(f"    {t} = {vb.src}")
            return Val(t, K.BOOL if kb.only(bool) else K.BOOL_OR_NULL, **facts)
        a = self.var(va)
        with self.into(sub):
            b = self.var(vb)
        t = self.w.tmp()
        w = self.w
        w.line(f"if {a} is {short}:")
        w.line(f"    {t} = {short}")
        w.line("else:")
        w.extend(sub)
        w.indent()
        w.line(f"if {b} is {short}:")
        w.line(f"    {t} = {short}")
        w.line(f"elif {a}.__class__ is bool and {b}.__class__ is bool:")
        w.line(f"    {t} = {not short}")
        w.line("else:")
        w.indent()
        w.line(f"{t} = None")
        if self.diag != "off" and not (ka.only(bool, NoneType) and kb.only(bool, NoneType)):
            w.line(f"for r in _logic_reasons({text(word)}, {a}, {b}):")
            w.indent()
            self._record(f"r + {text(' in ' + where)}")
            w.outdent()
        w.outdent()
        w.outdent()
        return Val(t, K.BOOL_OR_NULL, **facts)

    def e_And(self, node, scope):
        return self._logic(node, scope, False)

    def e_Or(self, node, scope):
        return self._logic(node, scope, True)

    def e_Between(self, node, scope):
        vs = [self.emit(n, scope) for n in (node.value, node.low, node.high)]
        v, lo, hi = (self.atom(x) for x in vs)
        for cls in (Decimal, str):
            if all(x.kind.only(cls) for x in vs):
                return Val(f"({lo} <= {v} <= {hi})", K.BOOL, simple=False)
        t = self.w.tmp()
        self.attempt(t, f"_between({v}, {lo}, {hi})", self.where(node))
        return Val(t, K.BOOL_OR_NULL)

    # -- tests: x in ..., decision-table cells

    def test(self, node: N.Node, v: Val, scope: Frame) -> Val:
        """One test against the value v: true, false or null."""
        x = self.atom(v)
        where = self.where(node)
        w = self.w
        if isinstance(node, N.UnaryCmp):
            vb = self.emit(node.operand, scope)
            b = self.atom(vb)
            op = node.op
            if op in _ORDER:
                for cls in _ORDERED:
                    if v.kind.only(cls, NoneType) and vb.kind.only(cls, NoneType):
                        nulls = [f"{y} is not None" for y, k in ((x, v.kind), (b, vb.kind)) if k.may(NoneType)]
                        if not nulls:
                            return Val(f"({x} {op} {b})", K.BOOL, simple=False)
                        return Val(f"(({x} {op} {b}) if {' and '.join(nulls)} else None)", K.BOOL_OR_NULL,
                                   simple=False)
            elif _same_scalar(v.kind, vb.kind) is not None:
                return Val(f"({x} {'==' if op == '=' else '!='} {b})", K.BOOL, simple=False)
            t = w.tmp()
            if op in ("=", "!="):
                # as the test that is the value b
                w.line(f"{t} = _test_value({x}, {b}, BG)")
                if op == "!=":
                    w.line(f"if {t} is not None:")
                    w.line(f"    {t} = not {t}")
                return Val(t, K.BOOL_OR_NULL)
            w.line("try:")
            w.line(f"    {t} = _compare({text(op)}, {x}, {b})")
            w.line("except FeelEvalError as e:")
            w.indent()
            w.line(f"{t} = None")
            if self.diag != "off":
                w.line(f"if {x} is not None and {b} is not None:")
                w.indent()
                self.fail_dynamic("e.message", where)
                w.outdent()
            w.outdent()
            return Val(t, K.BOOL_OR_NULL)
        if isinstance(node, N.Null):
            x = self.var(v)
            return Val(f"({x} is None)", K.BOOL, simple=False, false_facts=(x,))
        if any(isinstance(n, N.InputValue) for n in N.walk(node)):
            r = self.emit(node, scope)
            if r.kind.only(bool, NoneType):
                return r
            # a boolean decides; any other value is tested as a written value is (ops.test_with_input)
            return Val(f"_test_with_input({x}, {self.atom(r)}, BG)", K.BOOL_OR_NULL, simple=False)
        vt = self.emit(node, scope)
        kt = vt.kind
        if kt.is_const and kt.const.__class__ is Range and v.kind.only(Decimal, NoneType) \
                and kt.const.low.__class__ is Decimal and kt.const.high.__class__ is Decimal:
            r = kt.const
            lo, hi = self.lits.of(r.low), self.lits.of(r.high)
            cmp = f"{lo} {'<=' if r.low_closed else '<'} {x} {'<=' if r.high_closed else '<'} {hi}"
            if not v.kind.may(NoneType):
                return Val(f"({cmp})", K.BOOL, simple=False)
            return Val(f"(({cmp}) if {x} is not None else None)", K.BOOL_OR_NULL, simple=False)
        if kt.is_const and kt.const is not None and kt.const.__class__ in _SCALARS \
                and kt.const.__class__ is not Range and v.kind.only(kt.const.__class__, NoneType):
            return Val(f"({x} == {vt.src})", K.BOOL, simple=False)
        t_ = self.var(vt)
        x = self.var(v)
        t = w.tmp()
        w.line("try:")
        w.line(f"    {t} = _test_value({x}, {t_}, BG)")
        w.line("except FeelEvalError as e:")
        w.indent()
        w.line(f"{t} = None")
        self.fail_dynamic("e.message", where)
        w.outdent()
        if self.diag != "off":
            w.line("else:")
            w.indent()
            w.line(f"if {t} is None and {t_}.__class__ is not _Range:")
            w.indent()
            self.fail_dynamic(f"_cannot_compare({x}, {t_})", where)
            w.outdent()
            w.outdent()
        return Val(t, K.BOOL_OR_NULL)

    def any_of(self, tests, v: Val, scope: Frame) -> Val:
        """True if a test is true, else null if one was null, else false; tests after a true one do not run."""
        self.var(v)      # before the trial below: the tests must not be the ones to assign it
        if len(tests) == 1:
            return self.test(tests[0], v, scope)     # true, false or null already
        trial = self.w.block()
        with self.into(trial):
            results = [self.test(test, v, scope) for test in tests]
        if not trial.lines and all(r.kind.only(bool) for r in results):
            # plain booleans without statements: Python's `or` stops at the first true one as well
            return Val("(" + " or ".join(r.src for r in results) + ")", K.BOOL, simple=False)
        t = self.w.tmp()
        self.w.line(f"{t} = False")
        self._any_rest(list(tests), v, scope, t)
        return Val(t, K.BOOL_OR_NULL)

    def _any_rest(self, tests, v, scope, t):
        w = self.w
        r = self.test(tests[0], v, scope)
        nullable = r.kind.may(NoneType)
        rs = self.atom(r) if nullable else r.src
        w.line(f"if {rs}:" if r.kind.only(bool) else f"if {rs} is True:")
        w.line(f"    {t} = True")
        if len(tests) > 1:
            w.line("else:")
            sub = w.block()
            with self.into(sub):
                if nullable:
                    sub.line(f"if {rs} is None: {t} = None")
                self._any_rest(tests[1:], v, scope, t)
            w.extend(sub)
        elif nullable:
            w.line(f"elif {rs} is None:")
            w.line(f"    {t} = None")

    def e_In(self, node, scope):
        if len(node.tests) == 1 and isinstance(node.tests[0], N.RangeLit) \
                and not any(isinstance(n, N.InputValue) for n in N.walk(node.tests[0])):
            return self._in_range_literal(node, node.tests[0], scope)
        v = self.emit(node.value, scope)
        return self.any_of(node.tests, v, scope)

    def _in_range_literal(self, node, r: N.RangeLit, scope):
        """`x in [a..b]`: compared with the ends, no range built when they are numbers."""
        where = self.where(node)
        const_ends = isinstance(r.low, N.Num) and isinstance(r.high, N.Num)
        if const_ends and isinstance(node.value, N.Name):
            vv = self.e_Name(node.value, scope, where_node=node)
        else:
            vv = self.emit(node.value, scope)
        lo_v, hi_v = self.emit(r.low, scope), self.emit(r.high, scope)
        v, lo, hi = self.atom(vv), self.atom(lo_v), self.atom(hi_v)
        lo_op = "<=" if r.low_closed else "<"
        hi_op = "<=" if r.high_closed else "<"
        cmp = f"{lo} {lo_op} {v} {hi_op} {hi}"
        w = self.w
        t = w.tmp()
        if lo_v.kind.only(Decimal) and hi_v.kind.only(Decimal) and vv.kind.only(Decimal, NoneType):
            if not vv.kind.may(NoneType):
                return Val(f"({cmp})", K.BOOL, simple=False)
            return Val(f"(({cmp}) if {v} is not None else None)", K.BOOL_OR_NULL, simple=False)
        # variables from here on: `'a' is None` on a literal would be a SyntaxWarning on stderr
        v, lo, hi = self.var(vv), self.var(lo_v), self.var(hi_v)
        cmp = f"{lo} {lo_op} {v} {hi_op} {hi}"
        w.line(f"if {v}.__class__ is _D and {lo}.__class__ is _D and {hi}.__class__ is _D:")
        w.line(f"    {t} = {cmp}")
        if not const_ends:
            w.line(f"elif {lo} is None and {hi} is None:")
            w.line(f"    {t} = None")
            w.indent()
            self.fail_static("both ends of the range are null", where)
            w.outdent()
        w.line("else:")
        w.indent()
        w.line(f"{t} = _in_range({v}, _Range({lo}, {r.low_closed}, {hi}, {r.high_closed}))")   # as written
        if self.diag != "off":
            w.line(f"if {t} is None and {v} is not None:")
            w.indent()
            what = "'number'" if const_ends else f"_type_name({lo})"
            self.fail_dynamic(f"'cannot compare ' + _type_name({v}) + \" with the range's \" + {what}", where)
            w.outdent()
        w.outdent()
        return Val(t, K.BOOL_OR_NULL)

    def e_UnaryTests(self, node, scope):
        v = scope.lookup(self, "?", "", True)
        r = self.any_of(node.tests, v, scope)
        if not node.negated:
            return r
        ra = self.atom(r)
        if r.kind.only(bool):
            return Val(f"(not {ra})", K.BOOL, simple=False)
        return Val(f"(None if {ra} is None else not {ra})", K.BOOL_OR_NULL, simple=False)

    def e_AnyInput(self, node, scope):
        return self.const(True)

    def e_InstanceOf(self, node, scope):
        v = self.var(self.emit(node.value, scope))
        t = node.type
        simple = not (t.params or t.fields or t.result)
        cls = _INSTANCE_CLASS.get(t.name) if simple else None
        if cls is not None:
            return Val(f"({v}.__class__ is {cls})", K.BOOL, simple=False)
        if simple and t.name in ("Any", "Null"):
            return Val(f"({v} is not None)" if t.name == "Any" else f"({v} is None)", K.BOOL, simple=False)
        if simple and t.name == "duration":
            return Val(f"({v}.__class__ is _YM or {v}.__class__ is _DT)", K.BOOL, simple=False)
        r = self.w.tmp()
        self.attempt(r, f"_instance_of({v}, {self.type_ref(t)}, BG)", self.where(node))
        return Val(r, K.BOOL_OR_NULL)

    def type_ref(self, t) -> str:
        """A declared type as a module-level constant (made from its parts when the module runs)."""
        def src(x):
            params = "(" + "".join(src(p) + ", " for p in x.params) + ")"
            fields = "(" + "".join(f"({text(k)}, {src(f)}), " for k, f in x.fields) + ")"
            result = src(x.result) if x.result is not None else "None"
            return f"_TypeRef({text(x.name)}, {params}, {fields}, {result})"
        return self.lits._named(("type", N.dump(t) if hasattr(N, "dump") else repr(t)), src(t))

    def e_UnaryCmp(self, node, scope):
        """(< 10) as an expression: the range it describes."""
        v = self.var(self.emit(node.operand, scope))
        t = self.w.tmp()
        w = self.w
        w.line(f"if {v} is None:")
        w.line(f"    {t} = None")
        w.indent()
        self.fail_static("the end point of the range is null", self.where(node))
        w.outdent()
        w.line("else:")
        w.line(f"    {t} = _range_of_test({text(node.op)}, {v})")
        return Val(t, K.of(Range, NoneType))

    def e_FunctionDef(self, node, scope):
        """A function value: its body a module-level function run by engine/feel/functions.py `invoke`,
        over the scope it is made in."""
        return self.function_value([p for p, _ in node.params], [t for _, t in node.params], node.body, scope)

    def function_value(self, params, types, body_node, scope, result=None, name=None) -> Val:
        """Source of a Function(params, body, env, types, name, result): `types` and `result` TypeRef
        nodes or None, the body's names read from `env`, the mapping of what they stand for here."""
        types_src = "(" + "".join((self.type_ref(t) if t is not None else "None") + ", " for t in types) + ")"
        body = self.function_body(body_node, params)
        env = self.capture(body_node, scope, set(params))
        extra = ""
        if name is not None or result is not None:
            extra = f", {text(name) if name is not None else 'None'}, " \
                    f"{self.type_ref(result) if result is not None else 'None'}"
        return Val(f"_Function({self.lits.of(list(params))}, {body}, {env}, {types_src}{extra})", K.of(Function),
                   simple=False)

    def function_body(self, body_node, params) -> str:
        """A module-level function fd(env, st) computing body_node, names read from env."""
        from .writer import Writer
        name = self.lits.names.new("fd")
        w = Writer(self.lits.names)
        w.level = 2
        saved = (self.w, self.memo, self.narrowed, self.diag, self.bound, self.in_context)
        self.w, self.memo, self.narrowed, self.diag, self.in_context = w, None, [], "maybe", False
        self.bound = [set(params)]
        try:
            v = self.emit(body_node, EnvFrame())
            result = v.src
        finally:
            self.w, self.memo, self.narrowed, self.diag, self.bound, self.in_context = saved
        lines = [f"def {name}(env, st):", "    D = st[0]", "    BG = st[1]", "    try:"]
        lines += w.lines + [f"        return {result}", "    except _Stop:", "        return None"]
        self.lits.defs.extend(lines)
        return name

    def capture(self, body_node, scope, params) -> str:
        """The mapping a function value reads its outer names from, as the scopes around it are where it
        is made: innermost first, a context literal's entries as they are when it is called (its dict,
        live), a filter's item, the names bound around, then the expression's mapping or the elements."""
        names = []
        for n in N.walk(body_node):
            if isinstance(n, N.Name) and n.name not in params and n.name not in names:
                names.append(n.name)
            elif isinstance(n, N.Call) and n.name not in params and n.name not in names \
                    and (self.functions.get(n.name) is None or self.bound_here(n.name)):
                names.append(n.name)
        levels = []
        remaining = list(names)
        frame = scope
        while frame is not None and remaining:
            if isinstance(frame, VarsFrame):
                if frame.live is not None:
                    levels.append(frame.live)
                    remaining = [n for n in remaining if n not in frame.bound]
                else:
                    here = [n for n in remaining if n in frame.bound]
                    if here:
                        levels.append("{" + ", ".join(f"{text(n)}: {self.atom(frame.bound[n])}" for n in here) + "}")
                        remaining = [n for n in remaining if n not in here]
            elif isinstance(frame, ItemFrame):
                if any(n == "item" or frame._may_have(n) for n in remaining):
                    levels.append(f"_item_scope({frame.var})")
                    remaining = [n for n in remaining if n != "item"]
            elif isinstance(frame, EnvFrame):
                here = [n for n in remaining if n in frame.bound]
                if here:
                    levels.append("{" + ", ".join(f"{text(n)}: {self.atom(frame.bound[n])}" for n in here) + "}")
                levels.append("env")
                remaining = []
            else:       # a rule set's elements and case fields
                entries = []
                for n in remaining:
                    v = frame.lookup(self, n, "", "absent")
                    if v.src != "_ABSENT":
                        entries.append(f"{text(n)}: {self.atom(v)}")
                levels.append("{" + ", ".join(entries) + "}")
                remaining = []
            frame = frame.parent
        if not levels:
            return "{}"
        if len(levels) == 1:
            return levels[0]
        return f"_Chain({levels[-1]}, ({''.join(x + ', ' for x in levels[:-1])}))"

    def e_Invoke(self, node, scope):
        target = self.emit(node.target, scope)
        return self.invoke(node, self.atom(target), scope)

    def invoke(self, node, target: str, scope) -> Val:
        """A call of a function value: engine/feel/functions.py `invoke` binds and runs it."""
        args = [self.atom(self.emit(a, scope)) for a in node.args]
        named = "{" + "".join(f"{text(k)}: {self.atom(self.emit(v, scope))}, " for k, v in node.named) + "}" \
            if node.named else "None"
        t = self.w.tmp()
        self.attempt(t, f"_invoke({target}, [{', '.join(args)}], {named}, [{self.D()}, BG])", self.where(node))
        return Val(t, K.ANY)

    # -- structure

    def e_If(self, node, scope):
        c = self.emit(node.cond, scope)
        if c.kind.is_const:
            return self.emit(node.then if c.kind.const is True else node.else_, scope)
        test = c.src if c.kind.only(bool) else f"{self.atom(c)} is True"
        then_w, else_w = self.w.block(), self.w.block()
        with self.into(then_w), self.facts(c.true_facts):
            tv = self.emit(node.then, scope)
        with self.into(else_w), self.facts(c.false_facts if c.kind.only(bool) else ()):
            ev = self.emit(node.else_, scope)
        kind = K.union(tv.kind, ev.kind)
        if not then_w.lines and not else_w.lines:
            return Val(f"({tv.src} if {test} else {ev.src})", kind, simple=False)
        t = self.w.tmp()
        self.w.line(f"if {test}:")
        self.w.extend(then_w)
        self.w.line(f"    {t} = {tv.src}")
        self.w.line("else:")
        self.w.extend(else_w)
        self.w.line(f"    {t} = {ev.src}")
        return Val(t, kind)

    def e_ListLit(self, node, scope):
        vs = [self.emit(i, scope) for i in node.items]
        item = K.NEVER
        for v in vs:
            item = K.union(item, v.kind)
        if all(v.kind.is_const for v in vs):
            try:
                return self.const([v.kind.const for v in vs])
            except Unsupported:
                pass
        srcs = [self.atom(v) if not v.simple else v.src for v in vs]
        return Val("[" + ", ".join(srcs) + "]", K.of(list, item=item), simple=False)

    def e_RangeLit(self, node, scope):
        lo_v, hi_v = self.emit(node.low, scope), self.emit(node.high, scope)
        if lo_v.kind.is_const and hi_v.kind.is_const:
            try:
                return self.const(ops.make_range(lo_v.kind.const, node.low_closed, hi_v.kind.const, node.high_closed))
            except (FeelEvalError, Unsupported):
                pass
        lo, hi = self.atom(lo_v), self.atom(hi_v)
        t = self.w.tmp()
        self.attempt(t, f"_make_range({lo}, {node.low_closed}, {hi}, {node.high_closed})", self.where(node))
        return Val(t, K.of(Range, NoneType))

    def _entries_of(self, node, scope) -> dict:
        """A context literal's entries as values (key -> Val), each later one seeing the earlier ones by name."""
        frame = VarsFrame(scope)
        self.bound.append({k for k, _ in node.entries})
        try:
            for key, vnode in node.entries:
                v = self.emit(vnode, frame)
                frame.bound[key] = Val(self.atom(v), v.kind)
        finally:
            self.bound.pop()
        return frame.bound

    def e_ContextLit(self, node, scope):
        if not any(isinstance(n, N.FunctionDef) for n in N.walk(node)):
            # no function value made inside can read the dict as it is being built: the entries are computed
            # in order and the dict made at once from them (the same keys in the same order, a key given
            # twice its last value in its first place)
            entries = self._entries_of(node, scope)
            out = self.w.tmp()
            self.w.line(f"{out} = {{" + ", ".join(f"{text(k)}: {v.src}" for k, v in entries.items()) + "}")
            return Val(out, K.of(dict, fields={k: v.kind for k, v in entries.items()}, closed=True, complete=True))
        out = self.w.tmp()
        self.w.line(f"{out} = {{}}")
        frame = VarsFrame(scope, live=out)
        fields = {}
        self.bound.append({k for k, _ in node.entries})
        try:
            for key, vnode in node.entries:
                v = self.emit(vnode, frame)
                a = self.atom(v)
                self.w.line(f"{out}[{text(key)}] = {a}")
                frame.bound[key] = Val(a, v.kind)      # later entries may refer to earlier ones by name
                fields[key] = v.kind
        finally:
            self.bound.pop()
        return Val(out, K.of(dict, fields=fields, closed=True, complete=True))

    def e_Path(self, node, scope):
        return self._path(node, scope)

    def _path(self, node, scope):
        base = node.base
        if isinstance(base, N.ContextLit) and any(k == node.name for k, _ in base.entries) \
                and not any(isinstance(n, N.FunctionDef) for n in N.walk(base)):
            # `{a: .., b: ..}.b`: every entry computed as the literal computes it (what each spends or notes,
            # in order), the dict itself never made, as nothing but this path sees it (no function value
            # made inside can read it either)
            return self._entries_of(base, scope)[node.name]
        bv = self.emit(node.base, scope)
        kb = bv.kind
        name = node.name
        where = self.where(node.base)      # a missing field is reported where it was looked for: in the base
        if kb.is_const and kb.const.__class__ is dict and name in kb.const:
            try:
                return self.const(kb.const[name])
            except Unsupported:
                pass
        b = self.atom(bv)
        key = text(name)
        fk = kb.field(name) if kb.may(dict) else K.ANY
        w = self.w
        if kb.only(dict, NoneType) and kb.may(dict):
            if self.diag == "off":
                if not kb.may(NoneType):
                    return Val(f"{b}.get({key})", fk, simple=False)
                return Val(f"({b}.get({key}) if {b} is not None else None)", fk, simple=False)
            t = w.tmp()
            if kb.may(NoneType):
                w.line(f"if {b} is None:")
                w.line(f"    {t} = None")
                w.line("else:")
                w.indent()
            w.line(f"{t} = {b}.get({key}, _ABSENT)")
            w.line(f"if {t} is _ABSENT:")
            w.line(f"    {t} = None")
            w.indent()
            self.fail_static(f"there is no field '{name}'", where)
            w.outdent()
            if kb.may(NoneType):
                w.outdent()
            return Val(t, fk)
        if kb.only(list, NoneType) and kb.may(list) and kb.item is not None and kb.item.only(dict) \
                and self.diag == "off":
            # `items.score`: the entry of each item (a missing one is null)
            t = w.tmp()
            item_kind = kb.item.field(name)
            if kb.may(NoneType):
                w.line(f"if {b} is None:")
                w.line(f"    {t} = None")
                w.line("else:")
                w.indent()
            self.spend_else(f"len({b})", where, t)
            w.line(f"{t} = [x.get({key}) for x in {b}]")
            w.outdent()
            if kb.may(NoneType):
                w.outdent()
                return Val(t, K.of(list, NoneType, item=item_kind))
            return Val(t, K.of(list, item=item_kind))
        if self.diag == "off" and kb.only(dict, list, NoneType) and kb.may(dict) and kb.may(list) \
                and kb.item is not None and kb.item.classes == frozenset():
            # a context, null or an empty list (what indexing gives): its entry, null, the empty list of the
            # entries of no items (_fields_of, nothing to spend)
            t = w.tmp()
            w.line(f"if {b}.__class__ is dict:")
            w.line(f"    {t} = {b}.get({key})")
            if kb.may(NoneType):
                w.line(f"elif {b} is None:")
                w.line(f"    {t} = None")
            w.line("else:")
            w.line(f"    {t} = []")
            return Val(t, K.union(fk, _EMPTY_LIST))
        t = w.tmp()
        w.line(f"if {b}.__class__ is dict:")
        w.line(f"    {t} = {b}.get({key}, _ABSENT)")
        w.line(f"    if {t} is _ABSENT:")
        w.line(f"        {t} = None")
        w.level += 2
        self.fail_static(f"there is no field '{name}'", where)
        w.level -= 2
        w.line(f"elif {b}.__class__ is list:")
        w.indent()
        self.spend_else(f"len({b})", where, t)
        w.line(f"{t} = _fields_of({b}, {key}, {self.D()}, {self.at(where)})")
        w.outdent()
        w.outdent()
        w.line("else:")
        w.line(f"    {t} = _field({b}, {key}, {self.D()}, {self.at(where)})")
        return Val(t, K.ANY)

    def spend_else(self, n_src: str, where: str, t: str) -> None:
        """Take n items from the budget; past it, t is null (with the reason). Leaves the writer inside the
        `else:` of that, for the code that runs when it could be spent (the caller outdents)."""
        w = self.w
        # what Budget.spend does, inline while the budget has the items; past it, spend says why
        w.line(f"if BG.items < {n_src}:")
        w.indent()
        w.line(f"{t} = None")
        w.line("try:")
        w.line(f"    BG.spend({n_src})")
        w.line("except FeelLimitError as e:")
        w.indent()
        self.fail_dynamic("e.message", where)
        w.line("pass")
        w.outdent()
        w.outdent()
        w.line("else:")
        w.indent()
        w.line(f"BG.items -= {n_src}")

    def spend(self, n_src: str, where: str, on_limit: str = "raise _Stop") -> None:
        """Take n items from the evaluation's budget; past it, say why and `on_limit` (end the loop
        that is running, or make the value null)."""
        w = self.w
        w.line(f"if BG.items >= {n_src}:")      # what Budget.spend does, inline while it has the items
        w.line(f"    BG.items -= {n_src}")
        w.line("else:")
        w.indent()
        w.line("try:")
        w.line(f"    BG.spend({n_src})")
        w.line("except FeelLimitError as e:")
        w.indent()
        self.fail_dynamic("e.message", where)
        w.line(on_limit)
        w.outdent()
        w.outdent()

    def spend_lists(self, xs, sure) -> None:
        """Take len(x) items for each list x of `xs` (those in `sure` are lists; the others may be) from
        the budget, raising FeelLimitError past it, inline while it has them. Spending the lists' lengths
        one by one or their sum at once ends alike: every item taken, or past the budget its one error
        and nothing left (Budget._over), whatever was taken before."""
        w = self.w

        def take(n_src):
            # what Budget.spend does, inline while the budget has the items; past it, spend raises
            w.line(f"if BG.items >= {n_src}:")
            w.line(f"    BG.items -= {n_src}")
            w.line("else:")
            w.line(f"    BG.spend({n_src})")
        known = [x for x in xs if x in sure]
        if len(known) > 1:
            n = w.tmp("n")
            w.line(f"{n} = {' + '.join(f'len({x})' for x in known)}")
            take(n)
        elif known:
            take(f"len({known[0]})")
        for x in xs:
            if x not in sure:
                w.line(f"if {x}.__class__ is list:")
                w.indent()
                take(f"len({x})")
                w.outdent()

    def e_Filter(self, node, scope):
        bv = self.emit(node.base, scope)
        items = self.atom(bv)
        kb = bv.kind
        where = self.where(node)
        w = self.w
        t = w.tmp()
        if kb.only(list, NoneType):
            ikind = kb.item if kb.item is not None else K.ANY
        else:
            ikind = K.ANY
        nullable = kb.may(NoneType)
        if nullable:
            w.line(f"if {items} is None:")
            w.line(f"    {t} = None")
            w.line("else:")
            w.indent()
        lst = items
        if not kb.only(list, NoneType):
            lst = w.tmp()
            w.line(f"{lst} = {items} if {items}.__class__ is list else [{items}]")
        replay = self._memo_key(node, scope)
        if replay is not None:
            replay = ("filtered", replay)
            for level in reversed(self.memo):
                made = level.get(replay)
                if made is not None:
                    # the same filter of the same list, made before on the way here: its items are spent
                    # again as the filter spends them, and its value is a copy of the list it made (once
                    # past the budget, nothing is left to spend, so that list was made whenever this spend
                    # succeeds)
                    self.spend_else(f"len({lst})", where, t)
                    w.line(f"{t} = list({made[0]})")
                    w.outdent()
                    if nullable:
                        w.outdent()
                    return Val(t, made[1])
        if isinstance(node.cond, N.Num):
            w.line(f"{t} = {_const_index(lst, K.const(node.cond.value))}"
                   f"_index({lst}, {self.lits.of(node.cond.value)}, {self.D()}, {self.at(where)})")
            if nullable:
                w.outdent()
            return Val(t, K.union(ikind, K.NULL))       # an item, or null (the index outside the list)
        self.spend_else(f"len({lst})", where, t)
        it = w.tmp("it")
        once = self._filter_once(node, scope, lst, t, where, ItemFrame(scope, it, ikind))
        if once is not None:
            w.outdent()          # the else of the budget's spend
            if nullable:
                w.outdent()
            return Val(t, K.union(once, K.NULL) if ikind.classes is not None else K.ANY)
        out = w.tmp()
        w.line(f"{out} = []")
        w.line(f"for {it} in {lst}:")
        body = w.block()
        frame = ItemFrame(scope, it, ikind)
        with self.into(body):
            r = self.emit(node.cond, frame)
            rs = r.src
            if r.kind.only(bool):
                body.line(f"if {rs}:")
            else:
                rs = self.atom(r)
                body.line(f"if {rs} is True:")
            body.line(f"    {out}.append({it})")
            index = r.kind.may(Decimal)
            if index:
                body.line(f"elif {rs}.__class__ is _D and not {out}:")
                body.line(f"    {t} = _index({lst}, {rs}, {self.D()}, {self.at(where)})")
                body.line("    break")
        w.extend(body)
        if index:
            w.line("else:")
            w.line(f"    {t} = {out}")
        else:
            w.line(f"{t} = {out}")
        w.outdent()          # the else of the budget's spend
        if nullable:
            w.outdent()
        # null past the budget (spend_else), so never a list the types promise
        kind = K.ANY if index else K.of(list, NoneType, item=ikind)
        if replay is not None and not index and not any(_BG.search(line) for line in body.lines):
            self.memo[-1][replay] = (out, kind)     # a condition that spends nothing: the list can be reused
        return Val(t, kind)

    _ONCE = (N.Name, N.Num, N.Arith, N.Neg)

    def _filter_once(self, node, scope, lst: str, t: str, where: str, frame: ItemFrame):
        """`list[k]`, `list[k + 1]`: a condition that no item can change (names from around the filter,
        numbers, arithmetic) is computed once, not once per item; its value picks what the loop would
        have: every item (true), the item at that index (a number), none (anything else). As in the loop
        it is computed only when the list has items, and a reason it records is recorded as many times
        as the loop would have. The kind of what it gives besides null (an item, the empty list of an empty
        list, for a condition that may not be a number also the whole list); None (nothing written) when
        the condition is not of that sort."""
        cond = node.cond
        for n in N.walk(cond):
            if not isinstance(n, self._ONCE):
                return None
            if isinstance(n, N.Name) and (n.name == "item" or frame._may_have(n.name)
                                          or scope.static(n.name, mark=False) is None):
                return None
        w = self.w
        body = w.block()
        with self.into(body):
            r = self.emit(cond, scope)
            c = self.atom(r)
        text_ = "\n".join(body.lines)
        if re.search(r"\bBG\b", text_):
            return None          # what it spends would be spent once per item
        noted = self.diag != "off" and re.search(r"\bD\b", text_) is not None
        k = r.kind
        w.line(f"if {lst}:")
        w.indent()
        if noted:
            m = w.tmp("m")
            w.line(f"{m} = len(D) if D is not None else 0" if self.diag == "maybe" else f"{m} = len(D)")
        w.extend(body)
        if k.only(Decimal) and c in self.ints:
            # a loop variable: its int indexes the list from 1; anything else, _index says why
            ci = self.ints[c]
            w.line(f"{t} = {lst}[{ci} - 1] if 0 < {ci} <= len({lst}) else _index({lst}, {c}, {self.D()}, {self.at(where)})")
        elif k.only(Decimal):
            w.line(f"{t} = {_const_index(lst, k)}_index({lst}, {c}, {self.D()}, {self.at(where)})")
        else:
            first = True
            if k.may(bool):
                w.line(f"if {c} is True:")
                w.line(f"    {t} = {lst}[:]")
                first = False
            if k.may(Decimal):
                w.line(f"{'if' if first else 'elif'} {c}.__class__ is _D:")
                w.line(f"    {t} = _index({lst}, {c}, {self.D()}, {self.at(where)})")
                first = False
            if first:
                w.line(f"{t} = []")
            else:
                w.line("else:")
                w.line(f"    {t} = []")
        if noted:
            w.line(f"if {c}.__class__ is not _D and D is not None and len(D) > {m}:")
            w.line(f"    D.extend(D[{m}:] * (len({lst}) - 1))     # once per item, as the loop would")
        w.outdent()
        w.line("else:")
        w.line(f"    {t} = []")
        ikind = frame.kind
        got = K.union(ikind, _EMPTY_LIST)
        return got if k.only(Decimal) else K.union(got, K.of(list, item=ikind))

    def _loops(self, iterations, scope, body, stop_flag=None):
        """Nested loops over the iterations' domains; `body(frame)` writes the innermost statements.
        With `stop_flag`, the body's `break` ends every loop: each outer one breaks when the flag is set."""
        w = self.w
        frame = scope
        names: set = set()
        self.bound.append(names)      # the iteration names bound so far (then all, in the body)
        for it in iterations:
            where = self.where(it)
            dv = self.emit(it.domain, frame)
            ev = self.emit(it.end, frame) if it.end is not None else None
            names.add(it.name)
            d = self.atom(dv)
            e = self.atom(ev) if ev is not None else "_ABSENT"
            dom, n = w.tmp("dom"), w.tmp("n")
            lo_c = dv.kind.const if dv.kind.is_const else None
            hi_c = ev.kind.const if ev is not None and ev.kind.is_const else None
            whole = lo_c.__class__ is Decimal and lo_c.is_finite() and lo_c == lo_c.to_integral_value() \
                and abs(lo_c) < 10 ** 15
            small = whole and hi_c.__class__ is Decimal and hi_c.is_finite() and hi_c == hi_c.to_integral_value() \
                and 0 <= lo_c <= hi_c < 1024
            if small:
                # constant ends within runtime.SMALL: what _domain gives them (its very numbers), made once
                dom = self.lits.small_range(int(lo_c), int(hi_c))
                self.spend(str(int(hi_c) - int(lo_c) + 1), where)
            elif ev is None and dv.kind.only(list, NoneType):
                # a list (or null, which _domain refuses): iterated as it is, its length spent
                if dv.kind.may(NoneType):
                    w.line(f"if {d} is None:")
                    w.indent()
                    self.fail_dynamic(text("the list to iterate over is null"), where)
                    w.line("raise _Stop")
                    w.outdent()
                dom = d
                self.spend(f"len({d})", where)
            else:
                w.line("try:")
                w.line(f"    {dom}, {n} = _domain({d}, {e})")
                w.line("except _DomainError as e:")
                w.indent()
                self.fail_dynamic("e.reason", where)
                w.line("raise _Stop")
                w.outdent()
                self.spend(n, where)
            x = w.tmp("x")
            if whole and hi_c.__class__ is Decimal and hi_c.is_finite() and hi_c == hi_c.to_integral_value() \
                    and lo_c <= hi_c:
                # constant whole ends counting up: the number's int alongside it (runtime.domain gives
                # lo, lo + 1, ... hi), for indexes and positions
                xi = w.tmp("xi")
                w.line(f"for {xi}, {x} in enumerate({dom}, {int(lo_c)}):")
                self.ints[x] = xi
            elif whole and ev is not None:
                # a constant whole start, the end known when it runs: past _domain and the spend, the end
                # is a whole number within the budget of the start, so the ints are counted either way
                xi, st = w.tmp("xi"), w.tmp("st")
                a_ = int(lo_c)
                w.line(f"{st} = 1 if {e} >= {a_} else -1")
                w.line(f"{xi} = {a_} - {st}")
                w.line(f"for {x} in {dom}:")
                w.line(f"    {xi} += {st}")
                self.ints[x] = xi
            else:
                w.line(f"for {x} in {dom}:")
            w.indent()
            if ev is not None:
                # a..b runs over numbers or dates (runtime.domain): numbers when either end can only be one
                if dv.kind.only(Decimal, NoneType) or ev.kind.only(Decimal, NoneType):
                    vk = K.of(Decimal)
                elif dv.kind.only(_dt.date, NoneType) or ev.kind.only(_dt.date, NoneType):
                    vk = K.of(_dt.date)
                else:
                    vk = K.of(Decimal, _dt.date)
            elif dv.kind.only(list, NoneType) and dv.kind.item is not None:
                vk = dv.kind.item
            else:
                vk = K.ANY
            frame = VarsFrame(frame, {it.name: Val(x, vk)})
        try:
            body(frame)
        finally:
            self.bound.pop()
        for k in reversed(range(len(iterations))):
            w.outdent()
            if stop_flag is not None and k > 0:
                w.line(f"if {stop_flag}:")
                w.line("    break")

    def e_For(self, node, scope):
        w = self.w
        out = w.tmp()
        w.line(f"{out} = []")
        w.line("try:")
        w.indent()
        kinds_seen = []

        reads_partial = any(isinstance(n, N.Name) and n.name == "partial" for n in N.walk(node.body))
        where = self.where(node)

        def body(frame):
            mark = len(w.lines)
            bound = {}
            if reads_partial:
                # `partial` (the results so far) is a copy each time, paid for from the budget
                self.spend(f"len({out})", where)
                p = w.tmp("pa")
                w.line(f"{p} = list({out})")
                bound["partial"] = Val(p, K.of(list))
            self.bound.append({"partial"})
            try:
                v = self.emit(node.body, VarsFrame(frame, bound))
            finally:
                self.bound.pop()
            kinds_seen.append(v.kind)
            w.line(f"{out}.append({v.src})")
            if any(_BG.search(line) for line in w.lines[mark:]):
                # spent inside the body: the loop has no value. (A body that spends nothing cannot reach
                # the limit; reached before the loop, it left nothing, and the loop's items were not spent.)
                w.line("if BG.reached is not None:")
                w.line("    raise _Stop")
        with self.memo_level(), self.hoist(node.body, node.iterations, scope):
            self._loops(node.iterations, scope, body)
        w.outdent()
        w.line("except _Stop:")
        w.line(f"    {out} = None")
        return Val(out, K.of(list, NoneType, item=kinds_seen[0] if kinds_seen else K.ANY))

    def e_Quantified(self, node, scope):
        w = self.w
        some = node.kind == "some"
        # DMN 1.5 Table 64: `false or e' or e" ...` (some), `true and e' and e" ...` (every): a decisive
        # value ends the loop; otherwise a value that is not true or false (null, a number) makes it null
        t, found, other = w.tmp(), w.tmp(), w.tmp()
        w.line(f"{found} = {other} = False")
        w.line("try:")
        w.indent()
        decisive, neutral = ("True", "False") if some else ("False", "True")

        def body(frame):
            r = self.emit(node.cond, frame)
            v = self.var(r)
            w.line(f"if {v} is {decisive}:")
            w.line(f"    {found} = True")
            w.line("    break")
            if not r.kind.only(bool):
                w.line(f"if {v} is not {neutral}:")
                w.line(f"    {other} = True")
        with self.memo_level(), self.hoist(node.cond, node.iterations, scope):
            self._loops(node.iterations, scope, body, stop_flag=found)
        w.line(f"{t} = {some} if {found} else None if {other} else {not some}")
        w.outdent()
        w.line("except _Stop:")
        w.line(f"    {t} = None")
        return Val(t, K.BOOL_OR_NULL)

    class _Hoist:
        def __init__(self, em, found):
            self.em, self.found = em, found

        def __enter__(self):
            self.saved = self.em.hoisted
            self.em.hoisted = {**self.saved, **self.found}

        def __exit__(self, *exc):
            self.em.hoisted = self.saved

    def hoist(self, body_node, iterations, scope):
        """Without diagnostics, a field of a context read from a name the loop does not bind (`org.id`
        in `for i in 1..n return substring(org.id, i, 1)`) is read once before the loop: a dict's get
        neither fails, notes nor spends, so its value is the one each iteration would read."""
        found, by_text = {}, {}
        if self.diag != "off":
            return Emitter._Hoist(self, found)
        stack = [(body_node, frozenset({it.name for it in iterations} | {"partial", "item"}))]
        while stack:
            n, bound = stack.pop()
            if isinstance(n, N.FunctionDef):
                continue            # its body runs later, in a function of its own
            if isinstance(n, (N.For, N.Quantified)):
                inner = bound | {it.name for it in n.iterations}
                stack.extend((c, inner) for c in N.children(n))
                continue
            if isinstance(n, N.ContextLit):
                inner = bound | {k for k, _ in n.entries}      # entries are names to the later ones
                stack.extend((v, inner) for _, v in n.entries)
                continue
            if isinstance(n, N.Filter):
                stack.append((n.base, bound))     # its condition reads the item's entries
                continue
            if isinstance(n, N.Path) and self._invariant_path(n, bound, scope):
                same = by_text.get(N.dump(n))
                if same is not None:       # the same field read again: the same value
                    found[id(n)] = same
                    continue
                mark = len(self.w.lines)
                v = self.emit(n, scope)
                self.atom(v)
                if not re.search(r"\b(BG|D)\b", "\n".join(self.w.lines[mark:])):
                    # gets of contexts only (a.b.c: one line a step), nothing spent or noted
                    found[id(n)] = by_text[N.dump(n)] = Val(v.src, v.kind)
                    continue
                del self.w.lines[mark:]
            stack.extend((c, bound) for c in N.children(n))
        return Emitter._Hoist(self, found)

    def _invariant_path(self, n, loop_names, scope) -> bool:
        base = n
        while isinstance(base, N.Path):
            base = base.base
        if not isinstance(base, N.Name) or base.name in loop_names or self.bound_here(base.name):
            return False
        b = scope.static(base.name, mark=False)
        if b is None or not b.simple:
            return False
        # every step a context's get (or null): what _path writes as one expression, nothing noted
        k = b.kind
        steps = []
        p = n
        while isinstance(p, N.Path):
            steps.append(p.name)
            p = p.base
        for name in reversed(steps):
            if not (k.only(dict, NoneType) and k.may(dict)):
                return False
            k = k.field(name)
        return True

    class _MemoOff:
        def __init__(self, em):
            self.em = em

        def __enter__(self):
            self.saved = self.em.memo
            self.em.memo = None

        def __exit__(self, *exc):
            self.em.memo = self.saved

    def memo_off(self):
        return Emitter._MemoOff(self)

    class _MemoLevel:
        def __init__(self, em):
            self.em = em

        def __enter__(self):
            if self.em.memo is not None:
                self.em.memo.append({})

        def __exit__(self, *exc):
            if self.em.memo is not None:
                self.em.memo.pop()

    def memo_level(self):
        """Within: what is computed once is reused only here (a loop's statements: an iteration reuses what
        it computed itself, before; nothing computed in the loop is reused after it)."""
        return Emitter._MemoLevel(self)

    # -- calls

    def bound_here(self, name: str) -> bool:
        return any(name in b for b in self.bound)

    def _is_builtin(self, name) -> bool:
        spec = self.functions.get(name)
        return spec is not None and self.builtins is not None and spec is self.builtins.get(name)

    def e_Call(self, node, scope):
        spec = self.functions.get(node.name)
        if spec is None or self.bound_here(node.name):
            # a function value by its name: a parameter, an entry, a rule set's function element
            target = self.name(node.name, scope, self.where(node))
            return self.invoke(node, self.atom(target), scope)
        signature, args = bind_signature(spec, node, self.text)
        if node.name == "is defined" and len(args) == 1 and isinstance(args[0], N.Name):
            v = self.name(args[0].name, scope, self.where(args[0]), quiet=True)
            x = self.var(v)
            return Val(f"({x} is not None)", K.BOOL, simple=False, true_facts=(x,))
        vs = [self.emit(a, scope) for a in args]
        return self._call_values(node, vs, scope, spec, signature, args)

    def _call_values(self, node, vs, scope, spec=None, signature=0, arg_nodes=None):
        """A call of a built-in or registered function with its arguments evaluated: the steps of
        engine/feel/functions.py `apply`, written out (null arguments, the list arguments it walks paid
        for from the budget, min(list) or min(a, b)); the common case of some built-ins inline."""
        spec = spec or self.functions.get(node.name)
        name = node.name
        builtin = self._is_builtin(name)
        if not builtin:
            self.registered_calls = True
        where = self.where(node)
        if signature == 0 and not spec.spends:
            fast = self._fast_call(name, vs) if builtin else None
            if fast is not None:
                return fast
        srcs = [self.atom(v) for v in vs]
        w = self.w
        t = w.tmp()
        n = len(srcs)
        fn = self.lits.function(name, signature)
        handlers = [("FeelEvalError", "e.message")]
        if builtin:     # a built-in's slip is null with its reason; a registered function's own bug is raised
            handlers.append(("_BUILTIN_ERRORS", f"_error_reason({text(name)}, e)"))
        nodes = arg_nodes if arg_nodes is not None else [None] * n
        if spec.spends or n not in (1, 2):
            general = f"_apply({self.lits.spec(name)}, [{', '.join(srcs)}], [{self.D()}, BG], {signature})"
            lists = [x for x, v in zip(srcs, vs) if v.kind.may(list)] if spec.walks else []
            nulls = []
        else:
            walks = spec.walks and any(a is None or not isinstance(a, _NOT_LISTS) for a in nodes)
            lists = [x for x, v in zip(srcs, vs) if v.kind.may(list)] if walks else []
            nulls = [] if spec.nulls else [f"{x} is None" for x, v in zip(srcs, vs) if v.kind.may(NoneType)]
            if n == 1:
                a = srcs[0]
                if spec.list_or_args:
                    general = f"{fn}({a}) if {a}.__class__ is list else {fn}([{a}])"
                else:
                    general = f"{fn}({a})"
            else:
                general = f"{fn}([{', '.join(srcs)}])" if spec.list_or_args else f"{fn}({', '.join(srcs)})"
        if nulls:
            # past the test of null arguments (the built-in is not called with one): their kinds without null
            vs = [Val(v.src, v.kind.without_null(), v.simple) if v.kind.may(NoneType) else v for v in vs]
        guarded = self._guarded_call(name, vs, srcs) if builtin and signature == 0 else None
        if nulls:
            w.line(f"if {' or '.join(nulls)}:")
            w.line(f"    {t} = None")
            w.line("else:")
            w.indent()
        w.line("try:")
        w.indent()
        if not (spec.spends or n not in (1, 2)):
            # what the built-in walks is paid for first (functions.apply)
            self.spend_lists(lists, {x for x in lists if self._kind_of(x, vs, srcs).only(list)})
        if guarded is not None:
            cond, expr, kind, pre = guarded
            for line in pre:
                w.line(line)
            always = cond == "True" and not pre    # the kinds prove the common case: no test, no general call
            if not always:
                w.line(f"if {cond}:")
                w.indent()
            if spec.spends or n not in (1, 2):
                # as apply would, before the built-in
                tested = cond.split(" and ")
                self.spend_lists(lists, {x for x in lists if self._kind_of(x, vs, srcs).only(list)
                                         or f"{x}.__class__ is list" in tested})
            w.line(f"{t} = {expr}")
            if not always:
                w.outdent()
                w.line("else:")
                w.line(f"    {t} = {general}")
        else:
            w.line(f"{t} = {general}")
        w.outdent()
        for exc, reason in handlers:
            w.line(f"except {exc} as e:")
            w.indent()
            w.line(f"{t} = None")
            self.fail_dynamic(reason, where)
            w.outdent()
        if nulls:
            w.outdent()
        result = self._result_kind(name, vs) if builtin else K.ANY
        if guarded is not None:
            result = K.union(result, guarded[2])
        return Val(t, result)

    @staticmethod
    def _kind_of(x, vs, srcs):
        return vs[srcs.index(x)].kind

    def _guarded_call(self, name, vs, srcs):
        """(condition, expression, kind, statements) for a built-in whose common case is a Python
        expression with the same value, tested at run time (after the statements); None when there is
        none. Only for built-ins that spend nothing but what apply spends for them (functions.apply)."""
        n = len(srcs)

        def classes(*pairs):
            # the run-time class tests, less those the kinds prove ("True" when all are)
            tests = [f"{x}.__class__ is {c}" for x, v, c, cls in pairs if not v.kind.only(cls)]
            return " and ".join(tests) or "True"

        if name in ("substring before", "substring after", "starts with", "ends with") and n == 2:
            # builtins.f_before ... f_ends on two strings (an empty match: "" before, all after, true)
            s_, m_ = srcs
            cond = classes((s_, vs[0], "str", str), (m_, vs[1], "str", str))
            expr = {"substring before": f"({s_}[:{s_}.find({m_})] if {m_} in {s_} else '')",
                    "substring after": f"({s_}[{s_}.find({m_}) + len({m_}):] if {m_} in {s_} else '')",
                    "starts with": f"{s_}.startswith({m_})", "ends with": f"{s_}.endswith({m_})"}[name]
            return cond, expr, K.of(str) if name.startswith("substring") else K.BOOL, ()
        if name == "modulo" and n == 2:
            # builtins.f_modulo on two numbers, a divisor not zero: the same steps in the same context
            a_, b_ = srcs
            cond = classes((a_, vs[0], "_D", Decimal), (b_, vs[1], "_D", Decimal))
            cond = f"{b_}" if cond == "True" else f"{cond} and {b_}"
            if self.in_context:
                expr = f"({a_} - {b_} * ({a_} / {b_}).to_integral_value(rounding=_FLOOR))"
            else:
                expr = f"_Csub({a_}, _Cmul({b_}, _Cdiv({a_}, {b_}).to_integral_value(rounding=_FLOOR)))"
            return cond, expr, K.of(Decimal), ()
        if name in ("count", "string length") and n == 1:
            cls = "list" if name == "count" else "str"
            return classes((srcs[0], vs[0], cls, list if cls == "list" else str)), _dec_len_src(srcs[0]), \
                K.of(Decimal), ()
        if name == "list contains" and n == 2:
            # only for a string: `in` would find 1 in [true], which FEEL's = does not
            return (classes((srcs[0], vs[0], "list", list), (srcs[1], vs[1], "str", str)), f"{srcs[1]} in {srcs[0]}",
                    K.BOOL, ())
        if name == "concatenate" and n >= 1:
            # builtins.f_concatenate on lists: what it spends (apply's walk is spent before), then the items
            cond = classes(*((x, v, "list", list) for x, v in zip(srcs, vs)))
            return cond, f"_concat(BG, {', '.join(srcs)})", K.of(list), ()
        if name == "contains" and n == 2:
            return classes((srcs[0], vs[0], "str", str), (srcs[1], vs[1], "str", str)), f"{srcs[1]} in {srcs[0]}", \
                K.BOOL, ()
        if name == "get value" and n == 2:
            return (classes((srcs[0], vs[0], "dict", dict), (srcs[1], vs[1], "str", str)), f"{srcs[0]}.get({srcs[1]})",
                    self._result_kind(name, vs), ())
        if name in ("max", "min") and n == 2:
            op = ">" if name == "max" else "<"
            return (classes((srcs[0], vs[0], "_D", Decimal), (srcs[1], vs[1], "_D", Decimal)),
                    f"({srcs[1]} if {srcs[1]} {op} {srcs[0]} else {srcs[0]})", K.of(Decimal), ())
        if name == "string" and n == 1:
            return classes((srcs[0], vs[0], "str", str)), srcs[0], K.of(str), ()
        if name in ("floor", "ceiling") and (n == 1 or n == 2 and vs[1].kind.is_const and _zero(vs[1].kind.const)):
            # builtins._round to no decimals: quantized to exponent 0 (3E+1 is 30, as the built-in gives it,
            # DMN 1.5 Table 76); within 33 digits before the point (quantize's limit of 34 digits after
            # rounding) and finite, else the built-in says why not
            x = srcs[0]
            cond = classes((x, vs[0], "_D", Decimal))
            cond = ("" if cond == "True" else cond + " and ") + f"{x}.is_finite() and {x}.adjusted() < 33"
            mode = "ROUND_FLOOR" if name == "floor" else "ROUND_CEILING"
            return cond, f"{x}.quantize(_ONE, {text(mode)}, _FEEL)", K.of(Decimal), ()
        if name == "sqrt" and n == 1:
            # builtins.f_sqrt of a number not below zero
            x = srcs[0]
            cond = classes((x, vs[0], "_D", Decimal))
            return ("" if cond == "True" else cond + " and ") + f"{x} >= 0", f"{x}.sqrt(_FEEL)", K.of(Decimal), ()
        if name == "get entries" and n == 1:
            # builtins.f_get_entries of a context: what it spends, then its entries
            x = srcs[0]
            return classes((x, vs[0], "dict", dict)), f"_entries({x}, BG)", \
                K.of(list, item=_entry_kind(vs[0].kind)), ()
        helper = _ONE_PASS.get(name)
        if helper is not None and n == helper[1] and all(v.kind.may(cls) for v, cls in zip(vs, helper[2])):
            # the helper gives the built-in's value for its common case, or NO: then the built-in runs
            fn, _, classes = helper
            if self.in_context:
                fn = _IN_CONTEXT.get(fn, fn)
            t = self.w.tmp("h")
            cond = " and ".join([f"{x}.__class__ is {c.__name__}" for x, v, c in zip(srcs, vs, classes)
                                 if not v.kind.only(c)]) or "True"
            ln = vs[2].kind.const if name == "substring" and vs[2].kind.is_const else None
            if ln.__class__ is Decimal and srcs[1] in self.ints and ln.is_finite() and ln >= 1 \
                    and ln == ln.to_integral_value():
                # start is a loop variable (its int), length a whole constant: substring_at's test
                si, n_ = self.ints[srcs[1]], int(ln)
                s_ = srcs[0]
                return f"{'' if cond == 'True' else cond + ' and '}0 < {si} <= len({s_}) - {n_ - 1}", \
                    f"{s_}[{si} - 1:{si} + {n_ - 1}]", self._result_kind(name, vs).without_null(), ()
            return f"{t} is not _NO", t, self._result_kind(name, vs).without_null(), \
                [f"{t} = {fn}({', '.join(srcs)})" + ("" if cond == "True" else f" if {cond} else _NO")]
        if name in ("upper case", "lower case") and n == 1:
            return classes((srcs[0], vs[0], "str", str)), f"{srcs[0]}.{'upper' if name == 'upper case' else 'lower'}()", \
                K.of(str), ()
        return None

    def _result_kind(self, name, vs) -> K.Kind:
        if name == "get entries" and len(vs) == 1 and vs[0].kind.only(dict, NoneType):
            # of a context, its entries (builtins.f_get_entries); of null, null
            return K.of(list, NoneType, item=_entry_kind(vs[0].kind))
        if name == "sort" and vs and vs[0].kind.only(list, NoneType):
            return K.Kind(frozenset({list, NoneType}), item=vs[0].kind.item)     # the same items, in order
        if name in _NUMBER_FNS:
            return K.NUMBER_OR_NULL
        if name in _STRING_FNS:
            return K.STRING_OR_NULL
        if name in _BOOL_FNS:
            return K.BOOL_OR_NULL
        if name in _LIST_FNS:
            return K.LIST_OR_NULL
        if name in _DICT_FNS:
            return K.DICT_OR_NULL
        if name == "date":
            return K.DATE_OR_NULL
        if name in ("min", "max"):
            if len(vs) == 1:
                k = vs[0].kind
                if k.only(list) and k.item is not None:
                    return k.item.with_null()
                return K.ANY
            out = K.NEVER
            for v in vs:
                if v.kind.may(list):
                    return K.ANY
                out = K.union(out, v.kind)
            return out.with_null()
        if name == "get value" and len(vs) == 2 and vs[0].kind.only(dict, NoneType):
            if vs[1].kind.is_const and isinstance(vs[1].kind.const, str):
                return vs[0].kind.field(vs[1].kind.const)
            k = vs[0].kind
            if k.closed and k.fields is not None:
                out = K.NULL
                for f in k.fields.values():
                    out = K.union(out, f)
                return out
        return K.ANY

    def _fast_call(self, name, vs):
        """Built-ins whose common case is a line of Python with the same result."""
        w = self.w
        if name == "count" and len(vs) == 1 and vs[0].kind.only(list):
            x = self.atom(vs[0])
            return Val(_dec_len_src(x), K.of(Decimal), simple=False)
        if name == "not" and len(vs) == 1:
            k = vs[0].kind
            if k.only(bool):
                return Val(f"(not {self.atom(vs[0])})", K.BOOL, simple=False,
                           true_facts=vs[0].false_facts, false_facts=vs[0].true_facts)
            x = self.atom(vs[0])
            if k.only(bool, NoneType):
                return Val(f"(None if {x} is None else not {x})", K.BOOL_OR_NULL, simple=False)
            return Val(f"((not {x}) if {x}.__class__ is bool else None)", K.BOOL_OR_NULL, simple=False)
        if name in ("max", "min") and len(vs) == 2 and all(v.kind.only(Decimal, NoneType) for v in vs):
            a, b = self.atom(vs[0]), self.atom(vs[1])
            op = ">" if name == "max" else "<"
            nulls = [f"{x} is not None" for x, v in zip((a, b), vs) if v.kind.may(NoneType)]
            pick = f"({b} if {b} {op} {a} else {a})"      # max([a, b]) keeps the first of equals
            if not nulls:
                return Val(pick, K.of(Decimal), simple=False)
            return Val(f"({pick} if {' and '.join(nulls)} else None)", K.NUMBER_OR_NULL, simple=False)
        if name == "get value" and len(vs) == 2 and vs[0].kind.only(dict, NoneType) \
                and vs[1].kind.only(str, NoneType) and vs[0].kind.may(dict) and vs[1].kind.may(str):
            m, key = self.atom(vs[0]), self.atom(vs[1])
            kind = self._result_kind(name, vs)
            nulls = [f"{x} is not None" for x, v in ((m, vs[0]), (key, vs[1])) if v.kind.may(NoneType)]
            if not nulls:
                return Val(f"{m}.get({key})", kind, simple=False)
            return Val(f"({m}.get({key}) if {' and '.join(nulls)} else None)", kind, simple=False)
        return None


# ------------------------------------------------------------------ helpers

_NOFOLD = object()


def _fold_arith(op, a, b):
    """The value of a constant operation, or _NOFOLD when it fails (then it fails when it runs, with its reason)."""
    try:
        if a.__class__ is Decimal and b.__class__ is Decimal and op in _FOLD_FAST:
            return _FOLD_FAST[op](a, b)
        return ops.ARITH[op](a, b)
    except (FeelEvalError, ArithmeticError):
        return _NOFOLD


def _whole_days(dur: DaysDuration) -> int | None:
    """The days of a duration of whole days (that a timedelta holds), else None."""
    secs = dur.seconds
    if secs.__class__ is not Decimal or not secs.is_finite() or secs.copy_abs() > Decimal(86_400 * 999_999_999):
        return None
    days, rest = divmod(int(secs), 86_400) if secs == secs.to_integral_value() else (None, 1)
    return days if rest == 0 else None


def _const_index(lst: str, kind: K.Kind) -> str:
    """For a constant whole index within 1..999 either way, runtime.index's answer for a list long enough
    as an expression followed by ` if ... else ` (the general call follows); else ''."""
    i = kind.const if kind.is_const else None
    if i.__class__ is not Decimal or not i.is_finite() or i != i.to_integral_value() or not 0 < abs(i) < 1000:
        return ""
    n = int(i)
    return f"{lst}[{n - 1 if n > 0 else n}] if len({lst}) >= {abs(n)} else "


def _dec_len_src(x: str) -> str:
    """runtime.dec_len(len(x)) without the call: the length's Decimal from runtime.SMALL, made past it."""
    return f"(_SMALL[len({x})] if len({x}) < 1024 else _D(len({x})))"


def _entry_kind(kind: K.Kind) -> K.Kind:
    """The kind of an item of `get entries(m)` for m of this kind: {key, value}, the value any of the
    context's entries when they are all known."""
    value = K.ANY
    if kind.closed and kind.fields is not None:
        value = K.NEVER
        for f in kind.fields.values():
            value = K.union(value, f)
    return K.of(dict, fields={"key": K.of(str), "value": value}, closed=True, complete=True)


def _zero(value) -> bool:
    return value.__class__ is Decimal and value.is_finite() and value == 0


def _is_const_node(node) -> bool:
    return isinstance(node, (N.Num, N.Str, N.Bool, N.Null, N.Temporal))


def _same_scalar(ka: K.Kind, kb: K.Kind):
    """The one class both values have when not null (and null on either side is fine), else None."""
    if ka.classes is None or kb.classes is None:
        return None
    classes = (ka.classes | kb.classes) - {NoneType}
    if len(classes) != 1:
        return None
    (cls,) = classes
    return cls if cls in _SCALARS else None


def _arith_kind(op, ka: K.Kind, kb: K.Kind) -> K.Kind:
    if ka.classes is None or kb.classes is None:
        return K.ANY
    D, ST, DA, YM, DT = Decimal, str, _dt.date, YearsMonthsDuration, DaysDuration
    # lists, contexts and booleans are no operand of ops' arithmetic (null, its mismatch said)
    if not (ka.classes | kb.classes) <= {D, ST, DA, YM, DT, NoneType, list, dict, bool}:
        return K.ANY        # times, dates and times, ...: whatever ops makes of them
    out = {NoneType}
    for a in ka.classes:
        for b in kb.classes:
            if a is D and b is D:
                out.add(D)
            elif op == "+":
                if a is ST and b is ST:
                    out.add(ST)
                elif (a is DA and b in (YM, DT)) or (b is DA and a in (YM, DT)):
                    out.add(DA)
                elif a is b and a in (YM, DT):
                    out.add(a)
            elif op == "-":
                if a is DA and b is DA:
                    out.add(DT)
                elif a is DA and b in (YM, DT):
                    out.add(DA)
                elif a is b and a in (YM, DT):
                    out.add(a)
            elif op == "*":
                if (a is D and b in (YM, DT)) or (b is D and a in (YM, DT)):
                    out.add(a if a is not D else b)
            elif op == "/":
                if a in (YM, DT) and b is D:
                    out.add(a)
                elif a is b and a in (YM, DT):
                    out.add(D)
    return K.Kind(frozenset(out))
