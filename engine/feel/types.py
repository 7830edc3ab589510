"""Type conformance (DMN 1.5, 10.3.2.9): `instance of`, declared parameter types, and a
decision's declared result type with the singleton-list conversions of 10.3.2.9.4.

A type is a nodes.TypeRef (parsed from `list<number>`, `context<a: string>`, `function<number>
-> boolean`, ...) or the plain name of one. Inside a list or a context a null conforms to any
type; `null instance of T` itself is false (there is no value to be of T), except for Null.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from . import nodes as N
from .temporal import DateTime, Time
from .values import DaysDuration, Function, Range, YearsMonthsDuration, type_name

_SIMPLE = {
    "number": lambda v: v.__class__ is Decimal,
    "string": lambda v: v.__class__ is str,
    "boolean": lambda v: v.__class__ is bool,
    "date": lambda v: v.__class__ is _dt.date,
    "time": lambda v: v.__class__ is Time,
    "date and time": lambda v: v.__class__ is DateTime,
    "years and months duration": lambda v: v.__class__ is YearsMonthsDuration,
    "days and time duration": lambda v: v.__class__ is DaysDuration,
    "duration": lambda v: v.__class__ in (YearsMonthsDuration, DaysDuration),
    "list": lambda v: v.__class__ is list,
    "context": lambda v: v.__class__ is dict,
    "range": lambda v: v.__class__ is Range,
    "function": lambda v: v.__class__ is Function,
    "Any": lambda v: v is not None,
    "Null": lambda v: v is None,
}


def type_ref(t) -> N.TypeRef:
    return t if isinstance(t, N.TypeRef) else N.TypeRef(t)


def instance_of(value, t, budget=None) -> bool:
    """`value instance of t`."""
    t = type_ref(t)
    if value is None:
        return t.name == "Null"
    return _conforms(value, t, budget)


def _conforms(value, t: N.TypeRef, budget) -> bool:
    if value is None:
        return True
    if t.result is not None:                       # function<T, ...> -> R
        if value.__class__ is not Function:
            return False
        if len(value.params) != len(t.params):
            return False
        for declared, wanted in zip(value.types, t.params):
            # a parameter accepts what the type promises to pass: Any, or the same type
            if declared is not None and declared.name != "Any" and N.dump(declared) != N.dump(wanted):
                return False
        r = value.result
        return r is None or t.result.name == "Any" or N.dump(r) == N.dump(t.result)
    if t.fields:                                   # context<k: T, ...>
        if value.__class__ is not dict:
            return False
        for k, ft in t.fields:
            if k not in value or not _conforms(value[k], ft, budget):
                return False
        return True
    if t.params:                                   # list<T>, range<T>
        if t.name == "list":
            if value.__class__ is not list:
                return False
            if budget is not None:
                budget.spend(len(value))
            return all(_conforms(x, t.params[0], budget) for x in value)
        if t.name == "range":
            return value.__class__ is Range and all(
                e is None or _conforms(e, t.params[0], budget) for e in (value.low, value.high))
        return False
    check = _SIMPLE.get(t.name)
    return bool(check and check(value))


def conform(value, t, budget=None):
    """A value as a declared type expects it (10.3.2.9.4), or raise TypeError with the reason:
    a one-item list stands for its item where a non-list is declared; a single value becomes a
    one-item list where a list is declared; a date becomes the date and time of its midnight UTC
    where a date and time is declared (date to date and time conversion); anything else of
    another type does not conform."""
    if value is None or t is None:
        return value
    t = type_ref(t)
    if t.name == "Any" and not t.params:
        return value
    if _conforms(value, t, budget):
        return value
    if t.name == "list" and value.__class__ is not list and (not t.params or _conforms(value, t.params[0], budget)):
        return [value]
    if value.__class__ is list and len(value) == 1 and t.name != "list" and _conforms(value[0], t, budget):
        return value[0]
    if value.__class__ is _dt.date and t.name == "date and time" and not t.params:
        return DateTime(value, 0, 0, Decimal(0), 0)
    raise TypeError(f"a {type_name(value)} is not a {N.dump(t)}")
