"""The FEEL operators on values: equality, ordering, arithmetic.

Each either returns a FEEL value or raises FeelEvalError with a plain reason; the
compiled expression turns that into null plus a diagnostic naming the place.
The compiler inlines the number-number fast paths and calls these otherwise.
"""
from __future__ import annotations

import calendar
import datetime as _dt
from decimal import Decimal

from .errors import FeelEvalError
from .values import FEEL_CONTEXT, DaysDuration, Range, YearsMonthsDuration, type_name

MAX_STRING = 10_000_000      # characters in one string result

_DAY = 86400
_C = FEEL_CONTEXT

# Types that can be ordered with < <= > >=, each only against itself.
ORDERED = (Decimal, str, _dt.date, YearsMonthsDuration, DaysDuration)


def _same_kind(a, b) -> bool:
    return a.__class__ is b.__class__ or (isinstance(a, _dt.date) and isinstance(b, _dt.date))


def feel_eq(a, b):
    """FEEL `=`: true/false, or None when the two values are of different types."""
    if a is None or b is None:
        return a is b
    if not _same_kind(a, b):
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        result = True
        for x, y in zip(a, b):
            r = feel_eq(x, y)
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return False
        result = True
        for k in a:
            r = feel_eq(a[k], b[k])
            if r is False:
                return False
            if r is None:
                result = None
        return result
    return a == b


def check_order(a, b, op: str) -> None:
    """Raise unless a and b can be compared with `op` (both non-null, same ordered type)."""
    if a is None or b is None:
        raise FeelEvalError(f"cannot compare null with '{op}'")
    if not (_same_kind(a, b) and isinstance(a, ORDERED) and not isinstance(a, bool)):
        raise FeelEvalError(f"cannot compare {type_name(a)} with {type_name(b)} using '{op}'")


def compare(op: str, a, b):
    """FEEL < <= > >= (and = != through feel_eq)."""
    if op == "=":
        return feel_eq(a, b)
    if op == "!=":
        r = feel_eq(a, b)
        return None if r is None else not r
    check_order(a, b, op)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def in_range(v, r: Range):
    """Is v inside the range? None when v cannot be compared with its ends."""
    if v is None:
        return None
    if r.low is not None:
        if not (_same_kind(v, r.low) and isinstance(v, ORDERED)):
            return None
        if v < r.low or (v == r.low and not r.low_closed):
            return False
    if r.high is not None:
        if not (_same_kind(v, r.high) and isinstance(v, ORDERED)):
            return None
        if v > r.high or (v == r.high and not r.high_closed):
            return False
    return True


# ------------------------------------------------------------------ dates

def add_months(d: _dt.date, months: int) -> _dt.date:
    """d plus whole months; a day past the end of the target month becomes its last day
    (2024-01-31 + P1M = 2024-02-29)."""
    total = d.year * 12 + (d.month - 1) + months
    y, m = divmod(total, 12)
    if not 1 <= y <= 9999:
        raise FeelEvalError("the date is out of range")
    return _dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def add_days(d: _dt.date, dur: DaysDuration, sign: int) -> _dt.date:
    """FEEL: the date is taken as midnight, moved by the duration, and the date part
    kept - so 2021-01-02 - PT1H is 2021-01-01."""
    secs = dur.seconds * sign
    days = int((secs / _DAY).to_integral_value(rounding="ROUND_FLOOR"))
    try:
        return d + _dt.timedelta(days=days)
    except OverflowError:
        raise FeelEvalError("the date is out of range") from None


def _months_of(n: Decimal) -> int:
    return int(n.to_integral_value(rounding="ROUND_DOWN"))


# ------------------------------------------------------------------ arithmetic

def _mismatch(op: str, a, b):
    if a is None or b is None:
        return None          # null propagates silently: its cause was reported where it arose
    verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise"}[op]
    raise FeelEvalError(f"cannot {verb} {type_name(a)} and {type_name(b)} with '{op}'")


def add(a, b):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.add(a, b)
    if ca is str and cb is str:
        if len(a) + len(b) > MAX_STRING:
            raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
        return a + b
    if ca is _dt.date:
        if cb is YearsMonthsDuration:
            return add_months(a, b.months)
        if cb is DaysDuration:
            return add_days(a, b, 1)
    if cb is _dt.date and ca in (YearsMonthsDuration, DaysDuration):
        return add(b, a)
    return _durations(a, b, 1, "+")


def _durations(a, b, sign: int, op: str):
    """Duration op duration, both of one kind; anything else is a mismatch."""
    if a.__class__ is b.__class__ is YearsMonthsDuration:
        return YearsMonthsDuration(a.months + sign * b.months)
    if a.__class__ is b.__class__ is DaysDuration:
        return DaysDuration(_C.add(a.seconds, b.seconds) if sign > 0 else _C.subtract(a.seconds, b.seconds))
    return _mismatch(op, a, b)


def sub(a, b):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.subtract(a, b)
    if ca is _dt.date:
        if cb is _dt.date:
            return DaysDuration(Decimal((a - b).days * _DAY))
        if cb is YearsMonthsDuration:
            return add_months(a, -b.months)
        if cb is DaysDuration:
            return add_days(a, b, -1)
    return _durations(a, b, -1, "-")


def mul(a, b):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.multiply(a, b)
    if ca is Decimal and cb in (YearsMonthsDuration, DaysDuration):
        return mul(b, a)
    if cb is Decimal:
        if ca is YearsMonthsDuration:
            return YearsMonthsDuration(_months_of(_C.multiply(Decimal(a.months), b)))
        if ca is DaysDuration:
            return DaysDuration(_C.multiply(a.seconds, b))
    return _mismatch("*", a, b)


def div(a, b):
    ca, cb = a.__class__, b.__class__
    if cb is Decimal and not b and ca in (Decimal, YearsMonthsDuration, DaysDuration):
        raise FeelEvalError("division by zero")
    if ca is Decimal and cb is Decimal:
        return _C.divide(a, b)
    if cb is Decimal:
        if ca is YearsMonthsDuration:
            return YearsMonthsDuration(_months_of(_C.divide(Decimal(a.months), b)))
        if ca is DaysDuration:
            return DaysDuration(_C.divide(a.seconds, b))
    if ca is cb is YearsMonthsDuration:
        if not b.months:
            raise FeelEvalError("division by zero")
        return _C.divide(Decimal(a.months), Decimal(b.months))
    if ca is cb is DaysDuration:
        if not b.seconds:
            raise FeelEvalError("division by zero")
        return _C.divide(a.seconds, b.seconds)
    return _mismatch("/", a, b)


def power(a, b):
    if a.__class__ is Decimal and b.__class__ is Decimal:
        if not a and b < 0:
            raise FeelEvalError("division by zero (zero to a negative power)")
        if abs(b) > 999_999_999:
            raise FeelEvalError("the exponent is too large")
        return _C.power(a, b)
    return _mismatch("**", a, b)


def neg(a):
    c = a.__class__
    if c is Decimal:
        return _C.minus(a)
    if c is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    if c is DaysDuration:
        return DaysDuration(_C.minus(a.seconds))
    if a is None:
        return None
    raise FeelEvalError(f"cannot negate a {type_name(a)}")


ARITH = {"+": add, "-": sub, "*": mul, "/": div, "**": power}
