"""Calling functions: the built-ins and registered functions (FunctionSpec), and function values
(user-defined functions, lambdas, a rule set's named functions).

`apply(spec, values, st)` calls a built-in with FEEL's conventions: null arguments give null
unless the function takes them, `min(list)` or `min(a, b, c)`, the list arguments walked count
against the evaluation's budget (count() does not walk its list), and a built-in that builds lists or strings receives the
budget itself. `invoke(fn, args, named, st)` calls a function value: it binds the arguments to
the parameters (positional or by name; a missing one is null), converts each to its declared
type (10.3.2.9.4; one that does not conform is null), and evaluates the body in a
scope over the one the function was defined in. `st` is the evaluation state
[diagnostics, budget] that compiled expressions carry.
"""
from __future__ import annotations

from .errors import FeelEvalError, FeelLimitError
from .values import Function, type_name


class Scope(dict):
    """A local scope: its own names (a function's parameters), falling back to the enclosing env for the rest."""
    __slots__ = ("parent",)

    def __missing__(self, key):
        return self.parent[key]


def new_scope(parent, names=None) -> Scope:
    s = Scope(names) if names else Scope()
    s.parent = parent
    return s


def apply(spec, values: list, st, signature: int = 0):
    """A built-in call with its arguments already evaluated (in parameter order of `signature`)."""
    if not spec.nulls and None in values:
        return None
    budget = st[1]
    if spec.walks:
        for v in values:
            if v.__class__ is list:
                budget.spend(len(v))
    fn = spec.function_for(signature)
    if spec.list_or_args:
        if not values:
            raise FeelEvalError(f"'{spec.name}' needs a list or at least one value")
        values = [values[0]] if len(values) == 1 and values[0].__class__ is list else [values]
    if spec.spends:
        return fn(*values, budget=budget)
    return fn(*values)


def builtin_value(spec) -> Function:
    """A built-in (or registered) function as a value: the name of a function, written where a value
    is expected, is that function (DMN 1.5, 10.3.2.13: functions are values; `sort(xs, max)` passes
    one). Its parameters are those of its longest signature; a call picks the signature that fits."""
    fn = _BUILTIN_VALUES.get(id(spec))
    if fn is None or fn.builtin is not spec:
        widest = max(spec.signatures, key=lambda s: len(s.params))
        fn = _BUILTIN_VALUES[id(spec)] = Function(widest.params, None, None, None, spec.name, None, spec)
    return fn


_BUILTIN_VALUES: dict = {}


def _call_builtin(spec, args, named, st):
    if named:
        for i, sig in enumerate(spec.signatures):
            if set(named) <= set(sig.params) and all(p in named for p in sig.params[:sig.required]):
                values = [named.get(p) for p in sig.params]
                while len(values) > sig.required and values[-1] is None and sig.params[len(values) - 1] not in named:
                    values.pop()
                return apply(spec, values, st, i)
        raise FeelEvalError(f"'{spec.name}' has no parameters named {', '.join(sorted(named))}")
    for i, sig in enumerate(spec.signatures):
        if sig.accepts(len(args)):
            return apply(spec, list(args), st, i)
    raise FeelEvalError(f"'{spec.name}' cannot take {len(args)} argument{'s' if len(args) != 1 else ''} "
                        f"(it takes {spec.arity_text()})")


def invoke(fn, args, named, st):
    """Call the function value `fn` with positional `args` or `named` (a dict)."""
    from .types import conform      # the type rules (and the syntax tree) only when a function is called
    if fn is None:
        return None
    if fn.__class__ is not Function:
        raise FeelEvalError(f"a {type_name(fn)} is not a function")
    if fn.builtin is not None:
        return _call_builtin(fn.builtin, args, named, st)
    params = fn.params
    if named:
        unknown = [k for k in named if k not in params]
        if unknown:
            raise FeelEvalError(f"the function has no parameter named '{unknown[0]}'")
        values = [named.get(p) for p in params]
    else:
        if len(args) != len(params):
            raise FeelEvalError(f"the function takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                                f"not {len(args)}")
        values = list(args)
    local = {}
    for p, t, v in zip(params, fn.types, values):
        if t is not None:
            try:
                v = conform(v, t, st[1])
            except TypeError as e:
                # a value that does not conform to the parameter's type is null inside the body (10.3.2.9.4)
                if st[0] is not None:
                    st[0].append(f"the argument '{p}' does not conform to its declared type ({e}), so it is null")
                v = None
        local[p] = v
    scope = new_scope(fn.env if fn.env is not None else {}, local)
    budget = st[1]
    budget.enter()
    try:
        result = fn.body(scope, st)
    except RecursionError:
        raise FeelLimitError("the function calls go too deep") from None
    finally:
        budget.leave()
    if fn.result is not None and result is not None:
        try:
            result = conform(result, fn.result, budget)
        except TypeError as e:
            raise FeelEvalError(f"the function's result does not conform to its declared type: {e}") from None
    return result

