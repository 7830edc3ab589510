"""Static checks, run once when an expression is compiled.

Finds, before anything runs: names starting with "_" (reserved: they could reach
Python internals), unknown names (with a did-you-mean), calls of unknown functions,
wrong argument counts or parameter names, invalid date/duration literals, and type
errors where both types are known ("a" * 2, date("2026-01-31") > 5). Each problem
is a FeelCheckError whose message is one sentence naming line:col.

Type hints (the `names` mapping of compile_expr) are: "number", "string",
"boolean", "date", "duration", "years and months duration", "days and time
duration", "range", "list", "context", "any" or None; a Mapping for a context with
known fields ({"kind": "string"}); ["list", hint] for a list of such values.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from . import nodes as N
from .errors import FeelCheckError
from .registry import FunctionRegistry, FunctionSpec
from .values import parse_date, parse_duration

YM, DT = "years and months duration", "days and time duration"
SIMPLE = {"number", "string", "boolean", "date", "time", "date and time", YM, DT, "duration", "range", "null"}
# The type names of DMN 1.5 (10.3.2.9): `instance of`, declared parameter and result types.
INSTANCE_TYPES = {"number", "string", "boolean", "date", YM, DT, "list", "context", "range", "Any",
                  "function", "time", "date and time", "Null"}
GENERIC_TYPES = {"list", "range"}


@dataclass(frozen=True)
class ListT:
    item: object = None            # type of the items; None = unknown


@dataclass(frozen=True)
class FuncT:
    params: tuple | None = None    # parameter names, when known


@dataclass(frozen=True)
class CtxT:
    fields: Mapping | None = None  # name -> type; None = unknown fields

    def __hash__(self):
        return id(self)


def normalize(hint):
    """A caller's type hint -> the checker's type (see module doc)."""
    if hint is None or hint == "any":
        return None
    if isinstance(hint, FuncT):
        return hint
    if isinstance(hint, str):
        if hint == "list":
            return ListT()
        if hint == "context":
            return CtxT()
        if hint == "function":
            return FuncT()
        if hint in SIMPLE:
            return hint
        raise ValueError(f"unknown type hint {hint!r}")
    if isinstance(hint, Mapping):
        return CtxT({k: normalize(v) for k, v in hint.items()})
    if isinstance(hint, (list, tuple)) and len(hint) == 2 and hint[0] == "list":
        return ListT(normalize(hint[1]))
    if isinstance(hint, (list, tuple)) and len(hint) == 2 and hint[0] == "function":
        return FuncT(tuple(hint[1]))
    raise ValueError(f"unknown type hint {hint!r}")


def describe(t) -> str:
    if isinstance(t, ListT):
        return "a list"
    if isinstance(t, CtxT):
        return "a context"
    if isinstance(t, FuncT):
        return "a function"
    return {"number": "a number", "string": "a string", "boolean": "a boolean", "date": "a date",
            "range": "a range", "null": "null"}.get(t, f"a {t}")


_PROPS = {
    "date": {"year": "number", "month": "number", "day": "number", "weekday": "number"},
    "time": {"hour": "number", "minute": "number", "second": "number", "time offset": DT,
             "timezone": "string"},
    "date and time": {"year": "number", "month": "number", "day": "number", "weekday": "number",
                      "hour": "number", "minute": "number", "second": "number", "time offset": DT,
                      "timezone": "string"},
    YM: {"years": "number", "months": "number"},
    DT: {"days": "number", "hours": "number", "minutes": "number", "seconds": "number"},
    "duration": {"years": "number", "months": "number", "days": "number", "hours": "number",
                 "minutes": "number", "seconds": "number"},
    "range": {"start": None, "end": None, "start included": "boolean", "end included": "boolean"},
}


def _is_dur(t):
    return t in (YM, DT, "duration")


def arith_type(op: str, a, b):
    """Result type of `a op b`, None if unknown, or False if the operation is invalid."""
    if a is None or b is None or a == "null" or b == "null":
        return None
    if isinstance(a, (ListT, CtxT, FuncT)) or isinstance(b, (ListT, CtxT, FuncT)) or "range" in (a, b) \
            or "boolean" in (a, b):
        return False
    if a == b == "number":
        return "number"
    moments = ("date", "date and time", "time")
    if op == "+":
        if a == b == "string":
            return "string"
        if a in moments and _is_dur(b):
            return a if not (a == "time" and b == YM) else False
        if b in moments and _is_dur(a):
            return b if not (b == "time" and a == YM) else False
        if _is_dur(a) and _is_dur(b):
            return a if a == b else None
    if op == "-":
        if a == b and a in moments or {a, b} == {"date", "date and time"}:
            return DT
        if a in moments and _is_dur(b):
            return a if not (a == "time" and b == YM) else False
        if _is_dur(a) and _is_dur(b):
            return a if a == b else None
    if op == "*" and ((_is_dur(a) and b == "number") or (a == "number" and _is_dur(b))):
        return a if _is_dur(a) else b
    if op == "/":
        if _is_dur(a) and b == "number":
            return a
        if _is_dur(a) and _is_dur(b):
            return "number"
    return False


def comparable(a, b) -> bool:
    if a is None or b is None or "null" in (a, b):
        return True
    if isinstance(a, (ListT, CtxT, FuncT)) or isinstance(b, (ListT, CtxT, FuncT)) or "boolean" in (a, b) \
            or "range" in (a, b):
        return False
    if _is_dur(a) and _is_dur(b):
        return a == b or "duration" in (a, b)
    # a date beside a date and time stands for its midnight UTC (10.3.2.3.6)
    return a == b or {a, b} == {"date", "date and time"}


_VERB = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise"}


def bind_call(spec: FunctionSpec, node: N.Call, text: str) -> list:
    """The call's argument nodes in parameter order (named arguments placed by name)."""
    return bind_signature(spec, node, text)[1]


def bind_signature(spec: FunctionSpec, node: N.Call, text: str) -> tuple[int, list]:
    """Which of the function's signatures the call uses, and its argument nodes in parameter order
    (named arguments placed by name; for a function that takes nulls, a parameter left out of a
    call by name is null).

    Raises FeelCheckError for a wrong count or an unknown / missing parameter name.
    """
    p = node.pos
    if not node.named:
        n = len(node.args)
        for i, sig in enumerate(spec.signatures):
            if sig.accepts(n):
                return i, list(node.args)
        word = "argument" if n == 1 else "arguments"
        raise FeelCheckError(f"'{spec.name}' cannot take {n} {word} at {p.line}:{p.col} "
                             f"(it takes {spec.arity_text()})", p.line, p.col, text)
    given = [k for k, _ in node.named]
    values = dict(node.named)
    if len(values) != len(given):
        raise FeelCheckError(f"a parameter of '{spec.name}' is named twice at {p.line}:{p.col}",
                             p.line, p.col, text)
    for i, sig in enumerate(spec.signatures):
        if set(given) <= set(sig.params) and (spec.nulls or all(q in values for q in sig.params[:sig.required])):
            ordered = [values.get(q) for q in sig.params]
            while ordered and ordered[-1] is None and len(ordered) > sig.required:
                ordered.pop()
            if None in ordered:
                if spec.nulls:
                    return i, [x if x is not None else N.Null(pos=node.pos) for x in ordered]
                missing = sig.params[ordered.index(None)]
                raise FeelCheckError(f"'{spec.name}' needs '{missing}' when later parameters are named "
                                     f"at {p.line}:{p.col}", p.line, p.col, text)
            return i, ordered
    known = sorted({q for sig in spec.signatures for q in sig.params})
    bad = [g for g in given if g not in known]
    if bad:
        hint = difflib.get_close_matches(bad[0], known, n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else f" (it takes {spec.arity_text()})"
        raise FeelCheckError(f"'{spec.name}' has no parameter named '{bad[0]}' at {p.line}:{p.col}{extra}",
                             p.line, p.col, text)
    raise FeelCheckError(f"'{spec.name}' is missing a required parameter at {p.line}:{p.col} "
                         f"(it takes {spec.arity_text()})", p.line, p.col, text)


class _Frame:
    """A local scope: iteration variables, context entries, function parameters (`lexical`:
    names bound by the expression's own text, which may hold functions to call), or a filter's
    item (whose fields may be unknown, in which case any name might be one: `open`)."""
    __slots__ = ("names", "open", "lexical")

    def __init__(self, names: dict, open_: bool = False, lexical: bool = True):
        self.names = names
        self.open = open_
        self.lexical = lexical


class Checker:
    def __init__(self, text: str, names: Mapping | None, functions: FunctionRegistry, mode: str):
        self.text = text
        self.names = None if names is None else {k: normalize(v) for k, v in names.items()}
        self.functions = functions
        self.mode = mode
        self.frames: list[_Frame] = []
        self.free: set[str] = set()

    def fail(self, msg: str, node: N.Node, key: str | None = None, **values):
        p = node.pos
        at = f"{p.line}:{p.col}"
        # replace, not str.format: the message quotes rule text, which may hold braces
        exc = FeelCheckError(msg.replace("{at}", at), p.line, p.col, self.text)
        if key:
            exc.key, exc.values = key, {**values, "at": at}
        raise exc

    def check(self, node: N.Node):
        return getattr(self, "c_" + type(node).__name__)(node)

    # -- names

    def _reserved(self, name: str, node: N.Node):
        if name.startswith("_"):
            self.fail(f"name '{name}' at {{at}} is not allowed (names starting with '_' are reserved)", node)

    def c_Name(self, node: N.Name):
        name = node.name
        self._reserved(name, node)
        maybe_item = False
        for frame in reversed(self.frames):
            if name in frame.names:
                return frame.names[name]
            maybe_item = maybe_item or frame.open
        if self.names is None:
            self.free.add(name)
            return None
        if name in self.names:
            self.free.add(name)
            return None if maybe_item else self.names[name]
        if maybe_item:
            return None
        spec = self.functions.get(name)
        if spec is not None:       # a function's name is the function (10.3.2.13)
            return FuncT()
        self._unknown_name(node)

    def _unknown_name(self, node: N.Name):
        name = node.name
        pool = list(self.names or ()) + [n for f in self.frames for n in f.names]
        hint = difflib.get_close_matches(name, pool, n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        if " " in name:
            words = name.split(" ")
            extra = (f" (a name cannot contain spaces; is an operator missing between "
                     f"'{words[0]}' and '{words[1]}'?)")
        if " " in name:
            self.fail(f"unknown name '{name}' at {{at}}{extra}", node)
        if hint:
            self.fail(f"unknown name '{name}' at {{at}}{extra}", node, key="feel_unknown_name_hint", name=name, hint=hint[0])
        self.fail(f"unknown name '{name}' at {{at}}{extra}", node, key="feel_unknown_name", name=name)

    def c_InputValue(self, node):
        if self.mode != "unary":
            self.fail("'?' at {at} stands for the tested value and is only allowed in decision-table tests",
                      node)
        return None

    # -- literals

    def c_Num(self, node):
        return "number"

    def c_Str(self, node):
        return "string"

    def c_Bool(self, node):
        return "boolean"

    def c_Null(self, node):
        return "null"

    def c_Temporal(self, node):
        return _TEMPORAL_TYPES.get(type(node.value).__name__, "date")

    def c_ListLit(self, node):
        types = {self._key(self.check(i)) for i in node.items}
        return ListT(types.pop() if len(types) == 1 else None)

    @staticmethod
    def _key(t):
        return t if not isinstance(t, (ListT, CtxT)) else None

    def c_ContextLit(self, node):
        fields = {}
        self.frames.append(_Frame(fields))       # later entries may use earlier ones
        try:
            for key, value in node.entries:
                self._reserved(key, node)
                if key in fields:
                    self.fail(f"the context repeats the key '{key}' at {{at}}", node)
                if isinstance(value, N.FunctionDef):     # a function entry may call itself
                    fields[key] = FuncT(tuple(p for p, _ in value.params))
                fields[key] = self.check(value)
        finally:
            self.frames.pop()
        return CtxT(dict(fields))

    def c_RangeLit(self, node):
        lo, hi = self.check(node.low), self.check(node.high)
        if not comparable(lo, hi):
            self.fail(f"a range from {describe(lo)} to {describe(hi)} at {{at}} mixes types", node)
        return "range"

    # -- operators

    def c_Neg(self, node):
        t = self.check(node.operand)
        if t is not None and t != "null" and t != "number" and not _is_dur(t):
            self.fail(f"cannot negate {describe(t)} at {{at}}", node)
        return t

    def c_Arith(self, node):
        a, b = self.check(node.left), self.check(node.right)
        if node.op == "**":
            r = "number" if a in ("number", None, "null") and b in ("number", None, "null") else False
            r = None if r == "number" and (a is None or b is None) else r
        else:
            r = arith_type(node.op, a, b)
        if r is False:
            self.fail(f"cannot {_VERB[node.op]} {describe(a)} and {describe(b)} with '{node.op}' at {{at}}",
                      node, key="feel_cannot_combine", verb=_VERB[node.op], a=a, b=b, op=node.op)
        return r

    def c_Compare(self, node):
        a, b = self.check(node.left), self.check(node.right)
        if node.op not in ("=", "!=") and not comparable(a, b):
            self.fail(f"cannot compare {describe(a)} with {describe(b)} using '{node.op}' at {{at}}", node)
        return "boolean"

    def _logic(self, node, word):
        # No type error here: FEEL treats a non-boolean operand as null, and
        # `false and 123` is a valid expression whose value is false.
        self.check(node.left)
        self.check(node.right)
        return "boolean"

    def c_And(self, node):
        return self._logic(node, "and")

    def c_Or(self, node):
        return self._logic(node, "or")

    def c_Between(self, node):
        v, lo, hi = self.check(node.value), self.check(node.low), self.check(node.high)
        if not (comparable(v, lo) and comparable(v, hi)):
            self.fail(f"'between' at {{at}} compares {describe(v)} with {describe(lo)} and {describe(hi)}",
                      node)
        return "boolean"

    def c_UnaryCmp(self, node):
        """(< 10) as an expression: the range it describes."""
        t = self.check(node.operand)
        if node.op == "!=":
            self.fail(f"'(!= ...)' at {{at}} is a test, not a value: no range holds every value but one "
                      f"(write it after 'in' or in a decision-table cell)", node)
        if node.op != "=" and t is not None and t != "null" and not comparable(t, t):
            self.fail(f"a range of {describe(t)} at {{at}} cannot be ordered", node)
        return "range"

    def _test(self, test, v):
        """A positive unary test applied to a value of type v."""
        if isinstance(test, N.UnaryCmp):
            t = self.check(test.operand)
            if test.op not in ("=", "!=") and not comparable(v, t):
                self.fail(f"cannot compare {describe(v)} with {describe(t)} using '{test.op}' at {{at}}", test)
            return t
        return self.check(test)

    def c_In(self, node):
        v = self.check(node.value)
        for test in node.tests:
            self._test(test, v)
        return "boolean"

    def c_InstanceOf(self, node):
        self.check(node.value)
        self.check_type(node.type)
        return "boolean"

    def check_type(self, t: N.TypeRef):
        """Refuse a type name that DMN 1.5 does not define (a load error, never a quiet false)."""
        if t.result is not None:
            for x in t.params:
                self.check_type(x)
            self.check_type(t.result)
            return
        if t.fields:
            if t.name != "context":
                self.fail(f"only context<...> lists fields, not '{t.name}<...>', at {{at}}", t)
            for _, x in t.fields:
                self.check_type(x)
            return
        if t.params:
            if t.name not in GENERIC_TYPES:
                self.fail(f"'{t.name}<...>' at {{at}} is not a type (list<T>, range<T>, context<k: T>, "
                          f"function<T> -> T are)", t)
            self.check_type(t.params[0])
            return
        if t.name not in INSTANCE_TYPES:
            hint = difflib.get_close_matches(t.name, sorted(INSTANCE_TYPES), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.fail(f"unknown type '{t.name}' at {{at}}{extra}", t)

    def c_If(self, node):
        c = self.check(node.cond)
        if c is not None and c not in ("boolean", "null"):
            self.fail(f"the condition of 'if' at {{at}} is {describe(c)}, not true or false", node.cond)
        a, b = self.check(node.then), self.check(node.else_)
        return a if a == b else (b if a == "null" else a if b == "null" else None)

    # -- iteration, filters, paths

    def _iterations(self, iterations) -> dict:
        scope = {}
        for it in iterations:
            self._reserved(it.name, it)
            self.frames.append(_Frame(dict(scope)))
            try:
                t = self.check(it.domain)
                if it.end is not None:
                    t2 = self.check(it.end)
                    for tt, n in ((t, it.domain), (t2, it.end)):
                        if tt not in (None, "number", "date", "null"):
                            self.fail(f"a range 'a..b' to iterate over at {{at}} needs numbers or dates, "
                                      f"not {describe(tt)}", n)
                    scope[it.name] = t if t in ("number", "date") else None
                else:
                    scope[it.name] = t.item if isinstance(t, ListT) else None
            finally:
                self.frames.pop()
        return scope

    def c_FunctionDef(self, node: N.FunctionDef):
        if node.external:
            self.fail("external functions (Java classes, PMML models) at {at} are not supported: a rule set's "
                      "functions are written in FEEL", node)
        names: dict = {}
        for pname, ptype in node.params:
            self._reserved(pname, node)
            if pname in names:
                self.fail(f"the parameter '{pname}' is named twice at {{at}}", node)
            if ptype is not None:
                self.check_type(ptype)
            names[pname] = type_of(ptype)
        self.frames.append(_Frame(names))
        try:
            self.check(node.body)
        finally:
            self.frames.pop()
        return FuncT(tuple(names))

    def c_Invoke(self, node: N.Invoke):
        t = self.check(node.target)
        if t is not None and t != "null" and not isinstance(t, FuncT):
            self.fail(f"{describe(t)} at {{at}} is not a function and cannot be called", node)
        return self._arguments(t, node)

    def _arguments(self, t, node):
        """The arguments of a call of a function value of type t."""
        for a in node.args:
            self.check(a)
        for _, a in node.named:
            self.check(a)
        self._arity(t, node)
        return None

    def _arity(self, t, node):
        """A call of a function whose parameters are known: the same checks as for a built-in."""
        if not isinstance(t, FuncT) or t.params is None:
            return
        n = len(t.params)
        if node.named:
            for k, _ in node.named:
                if k not in t.params:
                    self.fail(f"the function has no parameter named '{k}' at {{at}} "
                              f"(it takes {', '.join(t.params) or 'none'})", node)
        elif len(node.args) != n:
            self.fail(f"the function takes {n} argument{'s' if n != 1 else ''}, not {len(node.args)}, at {{at}}",
                      node)

    def bound_lexically(self, name: str) -> bool:
        return any(name in f.names for f in self.frames if f.lexical)

    def c_For(self, node):
        # `partial` is the list of the results so far (FEEL)
        self.frames.append(_Frame({**self._iterations(node.iterations), "partial": ListT()}))
        try:
            return ListT(self._key(self.check(node.body)))
        finally:
            self.frames.pop()

    def c_Quantified(self, node):
        self.frames.append(_Frame(self._iterations(node.iterations)))
        try:
            self.check(node.cond)
        finally:
            self.frames.pop()
        return "boolean"

    def c_Filter(self, node):
        base = self.check(node.base)
        item = base.item if isinstance(base, ListT) else None
        if isinstance(item, CtxT) and item.fields is not None:
            frame = _Frame({**item.fields, "item": item}, lexical=False)
        else:
            frame = _Frame({"item": item}, open_=True, lexical=False)
        self.frames.append(frame)
        try:
            cond = self.check(node.cond)
        finally:
            self.frames.pop()
        if cond == "number":
            return item
        if cond not in (None, "boolean", "null"):
            self.fail(f"a filter at {{at}} needs a condition or an index, not {describe(cond)}", node.cond)
        return ListT(item) if isinstance(base, ListT) else None

    def c_Path(self, node):
        at = self._name_pos(node)
        self._reserved(node.name, at)
        base = self.check(node.base)
        return self._field(base, node, at)

    def _name_pos(self, node: N.Path) -> N.Node:
        """A stand-in node placed at the field name of `a.b`, for error carets."""
        p = node.pos
        start = self.text.rfind(node.name.split(" ")[0], p.start, p.end)
        if start < 0:
            return node
        line = self.text.count("\n", 0, start) + 1
        col = start - (self.text.rfind("\n", 0, start) + 1) + 1
        return N.Name(node.name, pos=N.Pos(line, col, start, p.end))

    def _field(self, base, node, at):
        name = node.name
        if base is None or base == "null":
            return None
        if isinstance(base, ListT):
            t = self._field(base.item, node, at)
            return ListT(self._key(t))
        if isinstance(base, CtxT):
            if base.fields is None:
                return None
            if name in base.fields:
                return base.fields[name]
            hint = difflib.get_close_matches(name, list(base.fields), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.fail(f"there is no field '{name}' at {{at}}{extra}", at)
        props = _PROPS.get(base)
        if props is None:
            self.fail(f"{describe(base)} has no field '{name}' at {{at}}", at)
        if name not in props:
            self.fail(f"{describe(base)} has no property '{name}' at {{at}} "
                      f"(it has {', '.join(props)})", at)
        return props[name]

    # -- calls

    def c_Call(self, node: N.Call):
        spec = self.functions.get(node.name)
        if spec is None or self.bound_lexically(node.name):
            return self._value_call(node)
        args = bind_call(spec, node, self.text)
        for a in args:
            self.check(a)
        literal = _LITERAL_CHECKS.get(node.name)
        if literal is not None and len(args) == 1 and isinstance(args[0], N.Str):
            parse, what, type_ = literal
            ok = parse(args[0].value)
            if ok is None:
                self.fail(f'"{args[0].value}" at {{at}} is not {what}', args[0])
            return type_ or (YM if hasattr(ok, "months") else DT)
        if node.name in ("matches", "replace", "split") and len(args) >= 2 and isinstance(args[1], N.Str):
            flags = args[-1].value if len(args) == (4 if node.name == "replace" else 3) and \
                isinstance(args[-1], N.Str) else ""
            from .regex import pattern_problem
            problem = pattern_problem(args[1].value, flags)
            if problem:
                self.fail(f"the pattern at {{at}} {problem}", args[1])
        return normalize(spec.returns) if spec.returns is not None else None

    def _value_call(self, node: N.Call):
        """name(..) where the name is not a registered function (or is bound by the expression):
        the function value the name holds is called."""
        known = self.bound_lexically(node.name) or (self.names is not None and node.name in self.names)
        if not known:
            self._reserved(node.name, node)
            hint = difflib.get_close_matches(node.name, self.functions.names() + list(self.names or ()), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.fail(f"unknown function '{node.name}' at {{at}}{extra}", node)
        t = self.c_Name(N.Name(node.name, pos=node.pos))
        if t is not None and t != "null" and not isinstance(t, FuncT):
            self.fail(f"'{node.name}' at {{at}} is {describe(t)}, not a function", node)
        return self._arguments(t, node)

    # -- decision-table tests

    def c_UnaryTests(self, node):
        for t in node.tests:
            self._test(t, None)
        return "boolean"

    def c_AnyInput(self, node):
        return "boolean"


_TEMPORAL_TYPES = {"date": "date", "Time": "time", "DateTime": "date and time",
                   "YearsMonthsDuration": YM, "DaysDuration": DT}


def _literals():
    from .temporal import parse_date_time, parse_time
    return {
        "date": (parse_date, "an ISO date such as 2026-01-31", "date"),
        "duration": (parse_duration, "an ISO duration such as P3Y, P10D or PT2H", None),
        "time": (parse_time, "a time such as 10:30:00 or 10:30:00+08:00", "time"),
        "date and time": (lambda t: parse_date_time(t) or parse_date(t),
                          "a date and time such as 2026-01-31T10:30:00", "date and time"),
    }


_LITERAL_CHECKS = _literals()


def type_of(t: N.TypeRef | None):
    """A declared type as the checker's type (None: any)."""
    if t is None or t.name == "Any":
        return None
    if t.result is not None or t.name == "function":
        return FuncT()
    if t.name == "list":
        return ListT(type_of(t.params[0]) if t.params else None)
    if t.name == "context":
        return CtxT({k: type_of(v) for k, v in t.fields}) if t.fields else CtxT()
    if t.name == "range":
        return "range"
    return t.name if t.name in SIMPLE else None


def check(node: N.Node, text: str, names, functions: FunctionRegistry, mode: str = "expr"):
    """Check `node`; returns (static type, free names). Raises FeelCheckError."""
    c = Checker(text, names, functions, mode)
    t = c.check(node)
    return t, frozenset(c.free)
