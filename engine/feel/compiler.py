"""Typed AST -> a tree of Python closures, each `f(env, st) -> FEEL value`.

No source is generated and nothing is eval'd: every node becomes a small closure
over its children's closures. `env` is the name -> value mapping (a `Scope` inside
filters and loops); `st` is a two-item list made once per evaluation:
st[0] the caller's diagnostics list (or None), st[1] the remaining item budget.

Common shapes get their own closures (a name compared with a constant, number
arithmetic), because a rule set evaluates the same expressions millions of times.
Every arithmetic operation calls FEEL_CONTEXT's methods, so a result never depends
on the caller's decimal context and no context has to be entered per call.
"""
from __future__ import annotations

import datetime as _dt
import operator
from decimal import Decimal

from . import nodes as N
from . import ops
from .checker import bind_call
from .errors import FeelEvalError, FeelLimitError
from .registry import FunctionRegistry
from .values import FEEL_CONTEXT, DaysDuration, Range, YearsMonthsDuration, type_name

MAX_ITEMS = 1_000_000    # items built or visited by loops, filters and ranges, per evaluation

_C = FEEL_CONTEXT
_ORDER_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_FAST_ARITH = {"+": _C.add, "-": _C.subtract, "*": _C.multiply}
_BUILTIN_ERRORS = (FeelEvalError, ArithmeticError, ValueError, TypeError, OverflowError, IndexError)


class Scope(dict):
    """A local scope: its own names (loop variable, filter item and item fields),
    falling back to the enclosing env for the rest."""
    __slots__ = ("parent",)

    def __missing__(self, key):
        return self.parent[key]


def new_scope(parent, names=None) -> Scope:
    s = Scope(names) if names else Scope()
    s.parent = parent
    return s


class Compiler:
    def __init__(self, text: str, functions: FunctionRegistry):
        self.text = text
        self.functions = functions

    # -- diagnostics

    def where(self, node: N.Node) -> str:
        p = node.pos
        snippet = " ".join(self.text[p.start:p.end].split())
        if len(snippet) > 60:
            snippet = snippet[:57] + "..."
        return f"'{snippet}' at {p.line}:{p.col}"

    def failer(self, node: N.Node):
        """A function (st, reason) -> None that records why `node` became null."""
        where = self.where(node)

        def fail(st, reason):
            if st[0] is not None:
                st[0].append(f"{reason} in {where}")
            return None
        return fail

    def compile(self, node: N.Node):
        return getattr(self, "k_" + type(node).__name__)(node)

    # -- leaves

    def _const(self, value):
        def f(env, st):
            return value
        f.const = value
        return f

    def k_Num(self, node):
        return self._const(node.value)

    k_Str = k_Num
    k_Bool = k_Num

    def k_Null(self, node):
        return self._const(None)

    def k_Temporal(self, node):
        return self._const(node.value)

    def k_Name(self, node):
        name, fail = node.name, self.failer(node)
        msg = f"name '{name}' has no value"

        def f(env, st):
            try:
                return env[name]
            except KeyError:
                return fail(st, msg)
        f.name = name
        f.fail = fail
        return f

    def k_InputValue(self, node):
        def f(env, st):
            return env["?"]
        return f

    # -- operators

    def k_Neg(self, node):
        of, fail = self.compile(node.operand), self.failer(node)
        minus, neg = _C.minus, ops.neg

        def f(env, st):
            v = of(env, st)
            if v.__class__ is Decimal:
                return minus(v)
            try:
                return neg(v)
            except FeelEvalError as e:
                return fail(st, e.message)
        return f

    def k_Arith(self, node):
        lf, rf, fail = self.compile(node.left), self.compile(node.right), self.failer(node)
        slow = ops.ARITH[node.op]
        fast = _FAST_ARITH.get(node.op)

        def generic(env, st):
            a = lf(env, st)
            b = rf(env, st)
            try:
                return slow(a, b)
            except FeelEvalError as e:
                return fail(st, e.message)
            except ArithmeticError:
                return fail(st, _arith_reason(node.op, a, b))

        if fast is None:
            return generic

        def f(env, st):
            a = lf(env, st)
            b = rf(env, st)
            if a.__class__ is Decimal and b.__class__ is Decimal:
                try:
                    return fast(a, b)
                except ArithmeticError:
                    return fail(st, _arith_reason(node.op, a, b))
            try:
                return slow(a, b)
            except FeelEvalError as e:
                return fail(st, e.message)
        return f

    def k_Compare(self, node):
        lf, rf, fail, op = self.compile(node.left), self.compile(node.right), self.failer(node), node.op
        if op in ("=", "!="):
            return self._equality(lf, rf, fail, op == "!=")
        cmp = _ORDER_OPS[op]

        def slow(a, b, st):
            try:
                return ops.compare(op, a, b)
            except FeelEvalError as e:
                return None if (a is None or b is None) else fail(st, e.message)

        const = getattr(rf, "const", None)
        name = getattr(lf, "name", None)
        if const is not None and name is not None:
            # `score >= 95`: the most common rule shape, one closure, no calls on the fast path
            kind = const.__class__
            missing = f"name '{name}' has no value"

            def f(env, st):
                try:
                    v = env[name]
                except KeyError:
                    return fail(st, missing)
                if v.__class__ is kind:
                    return cmp(v, const)
                return slow(v, const, st)
            f.name_cmp = (name, cmp, const)      # lets `if` inline this test
            return f

        def g(env, st):
            a = lf(env, st)
            b = rf(env, st)
            if a.__class__ is b.__class__ and a.__class__ in (Decimal, str):
                return cmp(a, b)
            return slow(a, b, st)
        return g

    def _equality(self, lf, rf, fail, negate):
        name = getattr(lf, "name", None)
        if name is not None and hasattr(rf, "const"):
            # `status = "active"`: the name's lookup inlined (the same steps as k_Name's closure)
            c = rf.const
            kind = c.__class__ if c.__class__ in (Decimal, str, bool) else None
            name_fail = lf.fail
            missing = f"name '{name}' has no value"

            def name_const(env, st):
                try:
                    a = env[name]
                except KeyError:
                    a = name_fail(st, missing)
                if a.__class__ is kind:
                    return (a != c) if negate else (a == c)
                r = ops.feel_eq(a, c)
                if r is None:
                    return fail(st, f"cannot compare {type_name(a)} with {type_name(c)}")
                return (not r) if negate else r
            return name_const
        if hasattr(rf, "const"):
            c = rf.const
            if c is None:
                # `x.y = null`: feel_eq with a null is identity with null
                def is_null(env, st):
                    a = lf(env, st)
                    return (a is not None) if negate else (a is None)
                return is_null
            kind = c.__class__ if c.__class__ in (Decimal, str, bool) else None

            def to_const(env, st):
                a = lf(env, st)
                if a.__class__ is kind:
                    return (a != c) if negate else (a == c)
                r = ops.feel_eq(a, c)
                if r is None:
                    return fail(st, f"cannot compare {type_name(a)} with {type_name(c)}")
                return (not r) if negate else r
            return to_const

        def f(env, st):
            a = lf(env, st)
            b = rf(env, st)
            if a.__class__ is b.__class__ and a.__class__ in (Decimal, str, bool):
                return (a != b) if negate else (a == b)
            r = ops.feel_eq(a, b)
            if r is None:
                return fail(st, f"cannot compare {type_name(a)} with {type_name(b)}")
            return (not r) if negate else r
        return f

    def _logic(self, node, short: bool):
        """and (short=False: false wins) / or (short=True: true wins), three-valued."""
        lf, rf, fail = self.compile(node.left), self.compile(node.right), self.failer(node)
        word = "or" if short else "and"

        def f(env, st):
            a = lf(env, st)
            if a is short:
                return short
            b = rf(env, st)
            if b is short:
                return short
            if a is not short and a.__class__ is bool and b.__class__ is bool:
                return not short
            for v in (a, b):
                if v is not None and v.__class__ is not bool:
                    fail(st, f"'{word}' needs true or false, not a {type_name(v)}")
            return None
        return f

    def k_And(self, node):
        return self._logic(node, False)

    def k_Or(self, node):
        return self._logic(node, True)

    def k_Between(self, node):
        vf, lof, hif, fail = (self.compile(node.value), self.compile(node.low), self.compile(node.high),
                              self.failer(node))

        def f(env, st):
            v, lo, hi = vf(env, st), lof(env, st), hif(env, st)
            if v is None or lo is None or hi is None:
                return None
            try:
                return ops.compare(">=", v, lo) and ops.compare("<=", v, hi)
            except FeelEvalError as e:
                return fail(st, e.message)
        return f

    # -- tests (x in ..., decision-table cells)

    def test(self, node: N.Node):
        """A test node -> m(value, env, st) -> True / False / None."""
        fail = self.failer(node)
        if isinstance(node, N.UnaryCmp):
            of, op = self.compile(node.operand), node.op

            def m(v, env, st):
                b = of(env, st)
                try:
                    return ops.compare(op, v, b)
                except FeelEvalError as e:
                    return None if (v is None or b is None) else fail(st, e.message)
            return m
        if isinstance(node, N.Null):
            return lambda v, env, st: v is None
        if any(isinstance(n, N.InputValue) for n in N.walk(node)):
            ef = self.compile(node)

            def m(v, env, st):
                r = ef(env, st)
                return r if r.__class__ is bool else None
            return m
        ef = self.compile(node)

        def m(v, env, st):
            t = ef(env, st)
            if t.__class__ is Range:
                return ops.in_range(v, t)
            if t.__class__ is list:
                if any(ops.feel_eq(v, x) is True for x in t):
                    return True
                return ops.feel_eq(v, t) or False
            if v is None or t is None:
                return v is t
            r = ops.feel_eq(v, t)
            if r is None:
                return fail(st, f"cannot compare {type_name(v)} with {type_name(t)}")
            return r
        return m

    def _any_of(self, tests):
        matchers = [self.test(t) for t in tests]

        def any_of(v, env, st):
            result = False
            for m in matchers:
                r = m(v, env, st)
                if r is True:
                    return True
                if r is None:
                    result = None
            return result
        return any_of

    def k_In(self, node):
        vf = self.compile(node.value)
        if len(node.tests) == 1 and isinstance(node.tests[0], N.RangeLit) \
                and not any(isinstance(n, N.InputValue) for n in N.walk(node.tests[0])):
            return self._in_range_literal(vf, node.tests[0], self.failer(node))
        any_of = self._any_of(node.tests)
        return lambda env, st: any_of(vf(env, st), env, st)

    def _in_range_literal(self, vf, r: N.RangeLit, fail):
        """`score in [90..95)` with number ends: two comparisons, no Range built."""
        lof, hif = self.compile(r.low), self.compile(r.high)
        lo_ok = operator.ge if r.low_closed else operator.gt
        hi_ok = operator.le if r.high_closed else operator.lt
        lc, hc = r.low_closed, r.high_closed
        lo_c, hi_c = getattr(lof, "const", None), getattr(hif, "const", None)
        if lo_c.__class__ is Decimal and hi_c.__class__ is Decimal and hasattr(vf, "name"):
            name = vf.name
            missing = f"name '{name}' has no value"

            # Deliberately the same lookup as the `score >= 95` closure, written out
            # again: sharing it would cost a call on the hottest path.
            def fast(env, st):
                # `score in [90..95)`: one lookup, two comparisons
                try:
                    v = env[name]
                except KeyError:
                    return fail(st, missing)
                if v.__class__ is Decimal:
                    return lo_ok(v, lo_c) and hi_ok(v, hi_c)
                r_ = ops.in_range(v, Range(lo_c, lc, hi_c, hc))
                if r_ is None and v is not None:
                    return fail(st, f"cannot compare {type_name(v)} with the range's number")
                return r_
            return fast

        def f(env, st):
            v = vf(env, st)
            lo = lof(env, st)
            hi = hif(env, st)
            if v.__class__ is Decimal and lo.__class__ is Decimal and hi.__class__ is Decimal:
                return lo_ok(v, lo) and hi_ok(v, hi)
            if lo is None or hi is None:
                return fail(st, "a range end is null")
            r_ = ops.in_range(v, Range(lo, lc, hi, hc))
            if r_ is None and v is not None:
                return fail(st, f"cannot compare {type_name(v)} with the range's {type_name(lo)}")
            return r_
        return f

    def k_UnaryTests(self, node):
        any_of = self._any_of(node.tests)
        negated = node.negated

        def m(v, env, st):
            r = any_of(v, env, st)
            if negated:
                return None if r is None else not r
            return r
        return m

    def k_AnyInput(self, node):
        return lambda v, env, st: True

    def k_InstanceOf(self, node):
        vf = self.compile(node.value)
        check = _INSTANCE_CHECKS.get(node.type_name, lambda v: False)
        return lambda env, st: check(vf(env, st))

    # -- structure

    def k_If(self, node):
        cf, tf, ef = self.compile(node.cond), self.compile(node.then), self.compile(node.else_)
        if hasattr(tf, "const"):
            # a band lookup (if s >= 95 then "A" else if ...): no call for the constant branch
            tv = tf.const
            inline = getattr(cf, "name_cmp", None)
            if inline is not None:
                name, cmp, c = inline
                kind = c.__class__

                def band_inline(env, st):
                    v = env.get(name) if env.__class__ is dict else None
                    if v.__class__ is kind:
                        return tv if cmp(v, c) else ef(env, st)
                    return tv if cf(env, st) is True else ef(env, st)
                return band_inline

            def band(env, st):
                return tv if cf(env, st) is True else ef(env, st)
            return band

        def f(env, st):
            return tf(env, st) if cf(env, st) is True else ef(env, st)
        return f

    def k_ListLit(self, node):
        fs = [self.compile(i) for i in node.items]
        if all(hasattr(f, "const") for f in fs):
            values = [f.const for f in fs]
            return lambda env, st: list(values)
        return lambda env, st: [f(env, st) for f in fs]

    def k_RangeLit(self, node):
        lof, hif, fail = self.compile(node.low), self.compile(node.high), self.failer(node)
        lc, hc = node.low_closed, node.high_closed

        def f(env, st):
            lo, hi = lof(env, st), hif(env, st)
            if lo is None or hi is None:
                return fail(st, "a range end is null")
            return Range(lo, lc, hi, hc)
        return f

    def k_ContextLit(self, node):
        keys = [k for k, _ in node.entries]
        fs = [self.compile(v) for _, v in node.entries]

        def f(env, st):
            # later entries may refer to earlier ones by name, as in FEEL
            out = {}
            scope = new_scope(env, None)
            for k, vf in zip(keys, fs):
                out[k] = scope[k] = vf(scope, st)
            return out
        return f

    def k_Path(self, node):
        # a missing field is reported where it was looked for: in the base ('evaluation'), not in the
        # whole path ('evaluation.customer_survey')
        bf, fail, name = self.compile(node.base), self.failer(node.base), node.name

        def get(v, st):
            if v.__class__ is dict:
                try:
                    return v[name]
                except KeyError:
                    return fail(st, f"there is no field '{name}'")
            if v is None:
                return None
            prop = _PROPERTIES.get((v.__class__, name))
            if prop is None and isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
                prop = _PROPERTIES.get((_dt.date, name))
            if prop is not None:
                return prop(v)
            return fail(st, f"a {type_name(v)} has no field '{name}'")

        def f(env, st):
            v = bf(env, st)
            if v.__class__ is dict:      # the common case, without the call to get
                try:
                    return v[name]
                except KeyError:
                    return fail(st, f"there is no field '{name}'")
            if v.__class__ is list:
                _spend(st, len(v), fail)
                return [x[name] if x.__class__ is dict and name in x else get(x, st) for x in v]
            return get(v, st)
        return f

    def k_Filter(self, node):
        bf, cf, fail = self.compile(node.base), self.compile(node.cond), self.failer(node)
        const = getattr(cf, "const", None)

        def index(items, i, st):
            if i != i.to_integral_value():
                return fail(st, f"index {i} is not a whole number")
            n = int(i)
            if n == 0 or abs(n) > len(items):
                return fail(st, f"index {n} is outside the list of {len(items)} items")
            return items[n - 1] if n > 0 else items[n]

        field = node.cond.left.name if (isinstance(node.cond, N.Compare) and node.cond.op in _ORDER_OPS
                                        and isinstance(node.cond.left, N.Name)
                                        and isinstance(node.cond.right, (N.Num, N.Str))) else None
        fcmp = _ORDER_OPS[node.cond.op] if field else None
        fconst = node.cond.right.value if field else None
        # `items[item.part = "x"]` (= != < <= > >= against a number, string or boolean constant):
        # an item's field of the constant's type is compared directly, no scope built
        c = node.cond
        ifield = c.left.name if (isinstance(c, N.Compare) and isinstance(c.left, N.Path)
                                 and isinstance(c.left.base, N.Name) and c.left.base.name == "item"
                                 and (isinstance(c.right, (N.Num, N.Str)) or (isinstance(c.right, N.Bool)
                                                                             and c.op in ("=", "!=")))) else None
        if ifield is not None:
            icmp = {"=": operator.eq, "!=": operator.ne}.get(c.op) or _ORDER_OPS[c.op]
            iconst = c.right.value
            ikind = iconst.__class__

        def f(env, st):
            items = bf(env, st)
            if items is None:
                return None
            if items.__class__ is not list:
                items = [items]          # FEEL: a single value filters like a one-item list
            if const.__class__ is Decimal:
                return index(items, const, st)
            _spend(st, len(items), fail)
            out = []
            for it in items:
                if ifield is not None and it.__class__ is dict and "item" not in it:
                    v = it.get(ifield, _ABSENT)
                    if v.__class__ is ikind:
                        if icmp(v, iconst):
                            out.append(it)
                        continue
                if field is not None and it.__class__ is dict:
                    # `items[score > 90]`: compare the item's field directly, no scope built
                    v = it.get(field, _ABSENT)
                    if v.__class__ is fconst.__class__:
                        if fcmp(v, fconst):
                            out.append(it)
                        continue
                scope = new_scope(env, it if it.__class__ is dict else None)
                if it.__class__ is not dict or "item" not in it:   # a field named item wins
                    scope["item"] = it
                r = cf(scope, st)
                if r is True:
                    out.append(it)
                elif r.__class__ is Decimal and not out:
                    return index(items, r, st)
            return out
        return f

    def _iterate(self, iterations):
        """Compile `x in a, y in b` into gen(env, st) yielding the scope of each combination."""
        compiled = []
        for it in iterations:
            df = self.compile(it.domain)
            ef = self.compile(it.end) if it.end is not None else None
            compiled.append((it.name, df, ef, self.failer(it)))

        def domain(df, ef, fail, env, st):
            v = df(env, st)
            if ef is not None:
                end = ef(env, st)
                if v.__class__ is _dt.date and end.__class__ is _dt.date:
                    days = (end - v).days
                    step = 1 if days >= 0 else -1
                    _spend(st, abs(days) + 1, fail)
                    return (v + _dt.timedelta(days=i) for i in range(0, days + step, step))
                if v.__class__ is not Decimal or end.__class__ is not Decimal:
                    raise _Stop(fail(st, "a range 'a..b' to iterate over needs numbers or dates at both ends"))
                if v != v.to_integral_value() or end != end.to_integral_value():
                    raise _Stop(fail(st, "a numeric range 'a..b' needs whole numbers"))
                a, b = int(v), int(end)
                step = 1 if b >= a else -1
                _spend(st, abs(b - a) + 1, fail)     # before iterating: 1..10**12 stops here
                return (Decimal(i) for i in range(a, b + step, step))
            if v is None:
                raise _Stop(fail(st, "the list to iterate over is null"))
            if v.__class__ is Range:
                lo, hi = v.low, v.high
                if lo.__class__ is Decimal and hi.__class__ is Decimal and lo <= hi:
                    lo = lo if v.low_closed else lo + 1
                    hi = hi if v.high_closed else hi - 1
                    if lo > hi:
                        return ()
                    return domain(lambda e, s: lo, lambda e, s: hi, fail, env, st)
                raise _Stop(fail(st, "only ascending ranges of numbers can be iterated over"))
            items = v if v.__class__ is list else [v]
            _spend(st, len(items), fail)
            return items

        def gen(env, st, level=0):
            name, df, ef, fail = compiled[level]
            for value in domain(df, ef, fail, env, st):
                scope = new_scope(env)
                scope[name] = value
                if level + 1 == len(compiled):
                    yield scope
                else:
                    yield from gen(scope, st, level + 1)
        return gen

    def k_For(self, node):
        gen, bf = self._iterate(node.iterations), self.compile(node.body)

        def f(env, st):
            out = []
            try:
                for scope in gen(env, st):
                    scope["partial"] = out        # FEEL: the results so far
                    out.append(bf(scope, st))
            except _Stop:
                return None
            return out
        return f

    def k_Quantified(self, node):
        gen, cf = self._iterate(node.iterations), self.compile(node.cond)
        some = node.kind == "some"

        def f(env, st):
            try:
                for scope in gen(env, st):
                    r = cf(scope, st) is True
                    if r is some:
                        return some
                return not some
            except _Stop:
                return None
        return f

    # -- calls

    def k_Call(self, node: N.Call):
        spec = self.functions.get(node.name)
        args = bind_call(spec, node, self.text)
        fail = self.failer(node)
        if node.name == "is defined" and len(args) == 1 and isinstance(args[0], N.Name):
            name = args[0].name

            def defined(env, st):
                try:
                    return env[name] is not None
                except KeyError:
                    return False
            return defined
        fs = [self.compile(a) for a in args]
        fn, nulls, list_or_args = spec.fn, spec.nulls, spec.list_or_args
        # Built-ins are ours: any slip becomes null + diagnostic. A registered function's
        # own bug (anything but FeelEvalError) propagates, so the engine sees it.
        catch = _BUILTIN_ERRORS if spec is _builtin_spec(node.name) else FeelEvalError

        name = node.name
        if len(fs) == 1:
            g0 = fs[0]

            def f1(env, st):
                a = g0(env, st)
                if a is None and not nulls:
                    return None
                try:
                    if list_or_args:
                        return fn(a) if a.__class__ is list else fn([a])
                    return fn(a)
                except catch as e:
                    return fail(st, e.message if isinstance(e, FeelEvalError) else _error_reason(name, e))
            return f1
        if len(fs) == 2:
            g0, g1 = fs

            def f2(env, st):
                a = g0(env, st)
                b = g1(env, st)
                if not nulls and (a is None or b is None):
                    return None
                try:
                    if list_or_args:
                        return fn([a, b])
                    return fn(a, b)
                except catch as e:
                    return fail(st, e.message if isinstance(e, FeelEvalError) else _error_reason(name, e))
            return f2

        def f(env, st):
            values = [g(env, st) for g in fs]
            if not nulls and None in values:
                return None
            try:
                if list_or_args:
                    if not values:
                        return fail(st, f"'{node.name}' needs a list or at least one value")
                    if len(values) == 1 and values[0].__class__ is list:
                        return fn(values[0])
                    return fn(values)
                return fn(*values)
            except catch as e:
                return fail(st, e.message if isinstance(e, FeelEvalError) else _error_reason(node.name, e))
        return f


_ABSENT = object()


class _Stop(Exception):
    """Ends a loop whose domain turned out null or too big (already reported)."""


def _spend(st, n, fail):
    """Take n items from the evaluation's budget, or stop the evaluation's loop."""
    left = st[1] - n
    if left < 0:
        fail(st, f"the expression would handle more than {MAX_ITEMS} items")
        raise _Stop()
    st[1] = left


def _builtin_spec(name):
    from .builtins import BUILTINS
    return BUILTINS.get(name)


def _error_reason(fname: str, e: Exception) -> str:
    if isinstance(e, ArithmeticError):
        kind = type(e).__name__
        what = {"DivisionByZero": "division by zero", "Overflow": "the result is too large"}.get(
            kind, "an invalid arithmetic operation")
        return f"'{fname}' failed: {what}"
    return f"'{fname}' failed: {e}"


def _arith_reason(op, a, b) -> str:
    if op == "/" and b.__class__ is Decimal and not b:
        return "division by zero"
    return f"the result of {op!r} on {type_name(a)} and {type_name(b)} is out of range"


def _date_props():
    return {
        (_dt.date, "year"): lambda d: Decimal(d.year),
        (_dt.date, "month"): lambda d: Decimal(d.month),
        (_dt.date, "day"): lambda d: Decimal(d.day),
        (_dt.date, "weekday"): lambda d: Decimal(d.isoweekday()),
        (YearsMonthsDuration, "years"): lambda v: Decimal(v.years_part),
        (YearsMonthsDuration, "months"): lambda v: Decimal(v.months_part),
        (DaysDuration, "days"): lambda v: Decimal(v.signed(0)),
        (DaysDuration, "hours"): lambda v: Decimal(v.signed(1)),
        (DaysDuration, "minutes"): lambda v: Decimal(v.signed(2)),
        (DaysDuration, "seconds"): lambda v: Decimal(v.signed(3)),
        (Range, "start"): lambda r: r.low,
        (Range, "end"): lambda r: r.high,
        (Range, "start included"): lambda r: r.low_closed,
        (Range, "end included"): lambda r: r.high_closed,
    }


# The only properties a path can read besides context keys: never getattr.
_PROPERTIES = _date_props()

_INSTANCE_CHECKS = {
    "number": lambda v: v.__class__ is Decimal,
    "string": lambda v: v.__class__ is str,
    "boolean": lambda v: v.__class__ is bool,
    "date": lambda v: v.__class__ is _dt.date,
    "years and months duration": lambda v: v.__class__ is YearsMonthsDuration,
    "days and time duration": lambda v: v.__class__ is DaysDuration,
    "list": lambda v: v.__class__ is list,
    "context": lambda v: v.__class__ is dict,
    "range": lambda v: v.__class__ is Range,
    "Any": lambda v: v is not None,
}


def compile_node(node: N.Node, text: str, functions: FunctionRegistry):
    return Compiler(text, functions).compile(node)


_SPENDS = (N.For, N.Quantified, N.Filter, N.Path)


def spends_budget(node: N.Node) -> bool:
    """Whether evaluating `node` may take from the item budget (st[1])."""
    return any(isinstance(n, _SPENDS) for n in N.walk(node))


__all__ = ["compile_node", "Scope", "new_scope", "MAX_ITEMS", "FeelLimitError"]
