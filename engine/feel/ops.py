"""The FEEL operators on values: equality, ordering, ranges, arithmetic (DMN 1.5, 10.3.2).

Each either returns a FEEL value or raises FeelEvalError with a plain reason; the
compiled expression turns that into null plus a diagnostic naming the place.
The compiler inlines the number-number fast paths and calls these otherwise.
Operations that build or walk lists and strings take the evaluation's Budget.
"""
from __future__ import annotations

import calendar
import datetime as _dt
from decimal import Decimal

from .errors import FeelEvalError
from .temporal import DateTime, Time, comparable as _tz_comparable, shift as _shift, time_shift as _time_shift
from .values import (FEEL_CONTEXT, DaysDuration, Function, Range, YearsMonthsDuration, check_months,
                     check_seconds, to_int, type_name)

MAX_STRING = 10_000_000      # characters in one string result

_DAY = 86400
_C = FEEL_CONTEXT
_DATE = _dt.date

# Types that can be ordered with < <= > >=, each only against itself.
ORDERED = (Decimal, str, _dt.date, YearsMonthsDuration, DaysDuration, Time, DateTime)


def _same_kind(a, b) -> bool:
    return a.__class__ is b.__class__


# ------------------------------------------------------------------ equality

def feel_eq(a, b, budget=None):
    """FEEL `=` (10.3.2.2): true/false, or None when the two values are of different types.

    Lists are equal when they have the same length and equal items in order, contexts when
    they have the same keys with equal values, ranges when their ends and inclusions are
    equal; times and date-and-times when they denote the same instant, and a value with an
    offset or zone never equals a local one (they are different values of the XML Schema value
    space, which FEEL's time types are: neither stands for the other); a date beside a date and
    time is its midnight UTC (10.3.2.3.6); functions only when they are the same function."""
    if a is None or b is None:
        return a is b
    ca = a.__class__
    if ca is not b.__class__:
        if (ca is _DATE and b.__class__ is DateTime) or (ca is DateTime and b.__class__ is _DATE):
            a, b = _midnight_utc(a), _midnight_utc(b)
            return a.has_offset() and b.has_offset() and a.instant() == b.instant()
        return None
    if ca is list:
        if len(a) != len(b):
            return False
        if budget is not None:
            budget.spend(len(a))
        result = True
        for x, y in zip(a, b):
            r = feel_eq(x, y, budget)
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if ca is dict:
        if a.keys() != b.keys():
            return False
        if budget is not None:
            budget.spend(len(a))
        result = True
        for k in a:
            r = feel_eq(a[k], b[k], budget)
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if ca is Range:
        if a.low_closed != b.low_closed or a.high_closed != b.high_closed:
            return False
        lo = feel_eq(a.low, b.low, budget)
        hi = feel_eq(a.high, b.high, budget)
        if lo is False or hi is False:
            return False
        return None if (lo is None or hi is None) else True
    if ca is Time or ca is DateTime:
        return _tz_comparable(a, b) and a.instant() == b.instant()
    if ca is Function:
        return a is b
    return a == b


def check_order(a, b, op: str) -> None:
    """Raise unless a and b can be compared with `op` (both non-null, same ordered type)."""
    if a is None or b is None:
        raise FeelEvalError(f"cannot compare null with '{op}'")
    if not (_same_kind(a, b) and isinstance(a, ORDERED) and a.__class__ is not bool):
        raise FeelEvalError(f"cannot compare {type_name(a)} with {type_name(b)} using '{op}'")


def _key(v):
    return v.instant() if v.__class__ in (Time, DateTime) else v


def order_key(items):
    """A sort key for items of one ordered type: the value, or a time's instant; for times or
    date-and-times some local and some not, the pairwise order of compare (a local one takes the
    other's offset)."""
    first = items[0] if items else None
    if first.__class__ in (Time, DateTime) and any(not _tz_comparable(first, x) for x in items):
        import functools
        return functools.cmp_to_key(lambda x, y: -1 if compare("<", x, y) else 1 if compare(">", x, y) else 0)
    return _key


def _order_keys(a, b):
    """What a < b compares. Times and date-and-times by their instants; when only one of the two has a
    time offset, the other uses its offset (DMN 1.5, Table 69): 10:00 local is before 11:00+01:00
    exactly when 10:00+01:00 is."""
    if a.__class__ in (Time, DateTime):
        if not _tz_comparable(a, b):
            if a.__class__ is Time:
                return _local_instant(a, b.effective_offset()), _local_instant(b, a.effective_offset())
            off_a, off_b = a.effective_offset(), b.effective_offset()
            return _C.subtract(a.local_seconds(), off_a if off_a is not None else off_b), \
                _C.subtract(b.local_seconds(), off_b if off_b is not None else off_a)
        return a.instant(), b.instant()
    return a, b


def _local_instant(t, borrowed):
    """A time's instant, a local one's taken at the other value's offset."""
    if t.offset is not None or t.zone is not None:
        return t.instant()
    return Time(t.hour, t.minute, t.second, borrowed).instant()


def _midnight_utc(v):
    """A date as the date and time it stands for beside one (DMN 1.5, 10.3.2.3.6: its midnight UTC)."""
    return DateTime(v, 0, 0, Decimal(0), 0) if v.__class__ is _DATE else v


def _date_beside_date_time(a, b):
    ca, cb = a.__class__, b.__class__
    return (ca is _DATE and cb is DateTime) or (ca is DateTime and cb is _DATE)


def compare(op: str, a, b):
    """FEEL < <= > >= (and = != through feel_eq)."""
    if op == "=":
        return feel_eq(a, b)
    if op == "!=":
        r = feel_eq(a, b)
        return None if r is None else not r
    if a.__class__ is not b.__class__ and _date_beside_date_time(a, b):
        a, b = _midnight_utc(a), _midnight_utc(b)
    check_order(a, b, op)
    a, b = _order_keys(a, b)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def between(v, low, high):
    """`v between low and high` is `v >= low and v <= high` (DMN 1.5, 10.3.2.6), with FEEL's
    three-valued `and`: 1 between 2 and null is false. Raises when a side compares different types."""
    def side(op, a, b):
        if a is None or b is None:
            return None
        return compare(op, a, b)
    lo = side(">=", v, low)
    if lo is False:
        return False
    hi = side("<=", v, high)
    if hi is False:
        return False
    return None if lo is None or hi is None else True


def in_range(v, r: Range):
    """Is v inside the range? None when v cannot be compared with its ends.

    `v in [a..b]` is `v >= a and v <= b` (10.3.2.7, Table 49), joined with FEEL's three-valued
    `and`: an end written open and null leaves that side unbounded, but a null end written
    closed (`[1..null]`) is a comparison with null, so the test is undecided unless the other
    end already rules v out."""
    if v is None:
        return None
    undecided = False
    if r.low is not None:
        if not (_same_kind(v, r.low) and isinstance(v, ORDERED)):
            return None
        kv, kl = _order_keys(v, r.low)
        if kv < kl or (kv == kl and not r.low_closed):
            return False
    elif r.low_closed:
        undecided = True
    if r.high is not None:
        if not (_same_kind(v, r.high) and isinstance(v, ORDERED)):
            return None
        kv, kh = _order_keys(v, r.high)
        if kv > kh or (kv == kh and not r.high_closed):
            return False
    elif r.high_closed:
        return None
    return None if undecided else True


def make_range(low, low_closed: bool, high, high_closed: bool) -> Range:
    """A range from its written ends (10.3.2.7), inclusions as written: a null end written open
    leaves that side unbounded, one written closed makes membership undecided (see in_range);
    both null, or ends that cannot be ordered against each other, are an error."""
    if low is None and high is None:
        raise FeelEvalError("both ends of the range are null")
    for e in (low, high):
        if e is not None and not isinstance(e, ORDERED) or e.__class__ is bool:
            raise FeelEvalError(f"a range cannot have a {type_name(e)} as an end")
    if low is not None and high is not None:
        if low.__class__ is not high.__class__:
            raise FeelEvalError(f"a range from a {type_name(low)} to a {type_name(high)} mixes types")
        if low.__class__ in (Time, DateTime) and not _tz_comparable(low, high):
            raise FeelEvalError("a range cannot go from a value with a time zone to one without")
    return Range(low, low_closed, high, high_closed)


def range_of_test(op: str, v) -> Range:
    """The range a simple positive unary test describes: `< 10` is (null..10), `= 10` is [10..10]."""
    if op == "=":
        return make_range(v, True, v, True)
    if op == "<":
        return make_range(None, False, v, False)
    if op == "<=":
        return make_range(None, False, v, True)
    if op == ">":
        return make_range(v, False, None, False)
    if op == ">=":
        return make_range(v, True, None, False)
    raise FeelEvalError("'!= x' is a test, not a range")


def test_value(v, t, budget=None):
    """A positive unary test that is a value `t`, applied to the input `v` (10.3.2.9): a range
    tests membership, a list tests each item (an item that is a range, membership; else
    equality) and then the list as a whole, anything else equality. None when undecided."""
    if t.__class__ is Range:
        return in_range(v, t)
    if t.__class__ is list:
        if budget is not None:
            budget.spend(len(t))
        undecided = False
        for x in t:
            r = in_range(v, x) if x.__class__ is Range else feel_eq(v, x, budget)
            if r is True:
                return True
            undecided = undecided or r is None
        if v.__class__ is list and feel_eq(v, t, budget) is True:
            return True
        return False
    if v is None or t is None:
        return v is t
    return feel_eq(v, t, budget)


def test_with_input(v, r, budget=None):
    """A positive unary test that reads the input as `?`, whose value (with `?` bound to `v`) is `r`:
    a boolean decides (`? > 3`); any other value is a test of `v` as a written value is (10.3.2.9:
    `?` alone tests equality with itself, `[?, 5]` membership)."""
    if r.__class__ is bool:
        return r
    return None if r is None else test_value(v, r, budget)


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
    days = to_int((secs / _DAY).to_integral_value(rounding="ROUND_FLOOR"), "the number of days")
    try:
        return d + _dt.timedelta(days=days)
    except OverflowError:
        raise FeelEvalError("the date is out of range") from None


def _dt_months(v: DateTime, months: int) -> DateTime:
    return DateTime(add_months(v.date, months), v.hour, v.minute, v.second, v.offset, v.zone)


def _dt_seconds(v: DateTime, seconds: Decimal) -> DateTime:
    out = _shift(v, seconds)
    if out is None:
        raise FeelEvalError("the date and time is out of range")
    return out


def _months_of(n: Decimal) -> int:
    return check_months(to_int(n.to_integral_value(rounding="ROUND_DOWN"), "the number of months"))


def _ym(months: int) -> YearsMonthsDuration:
    return YearsMonthsDuration(check_months(months))


def _dtd(seconds: Decimal) -> DaysDuration:
    return DaysDuration(check_seconds(seconds))


# ------------------------------------------------------------------ arithmetic

def _mismatch(op: str, a, b):
    if a is None or b is None:
        return None          # null propagates silently: its cause was reported where it arose
    verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise"}[op]
    raise FeelEvalError(f"cannot {verb} {type_name(a)} and {type_name(b)} with '{op}'")


def add(a, b, budget=None):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.add(a, b)
    if ca is str and cb is str:
        n = len(a) + len(b)
        if n > MAX_STRING:
            raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
        if budget is not None:
            budget.spend_chars(n)
        return a + b
    if ca is _DATE:
        if cb is YearsMonthsDuration:
            return add_months(a, b.months)
        if cb is DaysDuration:
            return add_days(a, b, 1)
    if ca is DateTime:
        if cb is YearsMonthsDuration:
            return _dt_months(a, b.months)
        if cb is DaysDuration:
            return _dt_seconds(a, b.seconds)
    if ca is Time and cb is DaysDuration:
        return _time_shift(a, b.seconds)
    if cb in (_DATE, DateTime, Time) and ca in (YearsMonthsDuration, DaysDuration):
        return add(b, a)
    return _durations(a, b, 1, "+")


def _durations(a, b, sign: int, op: str):
    """Duration op duration, both of one kind; anything else is a mismatch."""
    if a.__class__ is b.__class__ is YearsMonthsDuration:
        return _ym(a.months + sign * b.months)
    if a.__class__ is b.__class__ is DaysDuration:
        return _dtd(_C.add(a.seconds, b.seconds) if sign > 0 else _C.subtract(a.seconds, b.seconds))
    return _mismatch(op, a, b)


def sub(a, b, budget=None):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.subtract(a, b)
    if ca is _DATE and cb is DateTime or ca is DateTime and cb is _DATE:
        # a date stands for its midnight UTC (DMN 1.5, 10.3.2.3.6): beside a local date and time, null
        def as_dt(d):
            return DateTime(d, 0, 0, Decimal(0), 0)
        return sub(as_dt(a) if ca is _DATE else a, as_dt(b) if cb is _DATE else b)
    if ca is _DATE:
        if cb is _DATE:
            return DaysDuration(Decimal((a - b).days * _DAY))
        if cb is YearsMonthsDuration:
            return add_months(a, -b.months)
        if cb is DaysDuration:
            return add_days(a, b, -1)
    if ca is DateTime:
        if cb is DateTime:
            if not _tz_comparable(a, b):
                raise FeelEvalError("cannot subtract a date and time with a time zone and one without")
            return _dtd(_C.subtract(a.instant(), b.instant()))
        if cb is YearsMonthsDuration:
            return _dt_months(a, -b.months)
        if cb is DaysDuration:
            return _dt_seconds(a, -b.seconds)
    if ca is Time:
        if cb is Time:
            if not _tz_comparable(a, b):
                raise FeelEvalError("cannot subtract a time with a time zone and one without")
            diff = _C.subtract(_C.subtract(a.seconds(), a.effective_offset() or 0),
                               _C.subtract(b.seconds(), b.effective_offset() or 0))
            return _dtd(diff)
        if cb is DaysDuration:
            return _time_shift(a, -b.seconds)
    return _durations(a, b, -1, "-")


def mul(a, b, budget=None):
    ca, cb = a.__class__, b.__class__
    if ca is Decimal and cb is Decimal:
        return _C.multiply(a, b)
    if ca is Decimal and cb in (YearsMonthsDuration, DaysDuration):
        return mul(b, a)
    if cb is Decimal:
        if ca is YearsMonthsDuration:
            return YearsMonthsDuration(_months_of(_C.multiply(Decimal(a.months), b)))
        if ca is DaysDuration:
            return _dtd(_C.multiply(a.seconds, b))
    return _mismatch("*", a, b)


def div(a, b, budget=None):
    ca, cb = a.__class__, b.__class__
    if cb is Decimal and not b and ca in (Decimal, YearsMonthsDuration, DaysDuration):
        raise FeelEvalError("division by zero")
    if ca is Decimal and cb is Decimal:
        return _C.divide(a, b)
    if cb is Decimal:
        if ca is YearsMonthsDuration:
            return YearsMonthsDuration(_months_of(_C.divide(Decimal(a.months), b)))
        if ca is DaysDuration:
            return _dtd(_C.divide(a.seconds, b))
    if ca is cb is YearsMonthsDuration:
        if not b.months:
            raise FeelEvalError("division by zero")
        return _C.divide(Decimal(a.months), Decimal(b.months))
    if ca is cb is DaysDuration:
        if not b.seconds:
            raise FeelEvalError("division by zero")
        return _C.divide(a.seconds, b.seconds)
    return _mismatch("/", a, b)


def power(a, b, budget=None):
    if a.__class__ is Decimal and b.__class__ is Decimal:
        if not a and b < 0:
            raise FeelEvalError("division by zero (zero to a negative power)")
        if b.copy_abs() > 999_999_999:
            raise FeelEvalError("the exponent is too large")
        if not a and not b:
            return Decimal(1)    # 0 ** 0 is 1 (as decimal128 and BigDecimal.pow give; decimal's power refuses it)
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
