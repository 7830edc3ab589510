"""The FEEL built-in functions (DMN 1.5 names and semantics), registered in BUILTINS.

Each function takes FEEL values and returns one, raising FeelEvalError with a plain
reason when it cannot (the caller turns that into null + diagnostic). No float:
sqrt, exp and log use Decimal's own methods under FEEL_CONTEXT. Functions that build
lists or strings take the evaluation's Budget (`budget=`) and spend from it before
building; a number becomes an int only through values.to_int, which refuses magnitudes
no position or count can have. The regular expressions are in regex.py, the time values
in temporal.py.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import (Decimal, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN,
                     ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP)

from . import regex
from .errors import FeelEvalError
from .ops import ORDERED, MAX_STRING, _same_kind, compare, feel_eq, order_key
from .registry import FunctionRegistry
from .temporal import MAX_OFFSET, DateTime, Time, parse_date_time, parse_time
from .values import (FEEL_CONTEXT, DaysDuration, Function, Range, YearsMonthsDuration, _plain_decimal,
                     feel_repr, parse_date, parse_duration, to_int, type_name)

_C = FEEL_CONTEXT
BUILTINS = FunctionRegistry()


def builtin(name, params, returns=None, nulls=False, list_or_args=False, spends=False, walks=True):
    """Register the decorated function in BUILTINS under its FEEL name."""
    def deco(fn):
        BUILTINS.register(name, fn, params=params, doc=(fn.__doc__ or "").strip(),
                          returns=returns, nulls=nulls, list_or_args=list_or_args, spends=spends, walks=walks)
        return fn
    return deco


def _need(value, kind, what: str):
    # FEEL's implicit conversions: a one-item list stands for its item, and a single
    # value stands for a one-item list.
    if kind is list:
        return value if value.__class__ is list else [value]
    if value.__class__ is list and len(value) == 1:
        value = value[0]
    if value.__class__ is not kind and not (kind is _dt.date and isinstance(value, _dt.date)):
        raise FeelEvalError(f"{what} must be a {_KIND_NAMES[kind]}, not {type_name(value)}")
    return value


_KIND_NAMES = {Decimal: "number", str: "string", list: "list", dict: "context", _dt.date: "date",
               bool: "boolean"}


def _int(value, what: str) -> int:
    value = _need(value, Decimal, what)
    if value != value.to_integral_value():
        raise FeelEvalError(f"{what} must be a whole number, not {_plain_decimal(value)}")
    return to_int(value, what)


def _scale(value) -> int:
    value = _need(value, Decimal, "the scale")
    if value.copy_abs() > 6176:
        raise FeelEvalError("the scale must be between -6111 and 6176")
    s = int(value.to_integral_value(rounding=ROUND_DOWN))
    if not -6111 <= s <= 6176:
        raise FeelEvalError("the scale must be between -6111 and 6176")
    return s


def _round(n, scale, mode):
    n = _need(n, Decimal, "the number")
    s = _scale(scale)
    # "return n with given scale" (DMN 1.5, Table 76): decimal(1, 2) is 1.00, as string() shows
    try:
        return n.quantize(Decimal(1).scaleb(-s), rounding=mode, context=_C)
    except ArithmeticError:
        if n.as_tuple().exponent >= -s and n.is_finite():
            return n              # fewer decimals than asked, and more zeros than 34 digits hold: exact as it is
        raise FeelEvalError("the number cannot be rounded to that scale") from None


# ------------------------------------------------------------------ conversion

@builtin("date", [["from"], ["year", "month", "day"]], returns="date")
def f_date(*args):
    """date("2026-01-31"), date(a date and time) or date(year, month, day)."""
    if len(args) == 3:
        try:
            return _dt.date(*(_int(a, "year, month and day") for a in args))
        except ValueError:
            raise FeelEvalError("there is no such date (years 1 to 9999)") from None
    value = args[0]
    if value.__class__ is list and len(value) == 1:
        value = value[0]
    if value.__class__ is _dt.date:
        return value
    if value.__class__ is DateTime:
        return value.date
    d = parse_date(_need(value, str, "the argument"))
    if d is None:
        raise FeelEvalError(f"{feel_repr(value)} is not a date (expected YYYY-MM-DD, years 1 to 9999)")
    return d


def _offset_of(offset) -> int | None:
    if offset is None:
        return None
    if offset.__class__ is not DaysDuration:
        raise FeelEvalError(f"the offset must be a days and time duration, not {type_name(offset)}")
    secs = offset.seconds
    if secs != secs.to_integral_value() or secs.copy_abs() > MAX_OFFSET:
        raise FeelEvalError("the offset must be whole seconds between -14 and +14 hours")
    return int(secs)


def _clock(hour, minute, second) -> tuple[int, int, Decimal]:
    h, m = _int(hour, "the hour"), _int(minute, "the minute")
    sec = _need(second, Decimal, "the second")
    if not (0 <= h <= 23 and 0 <= m <= 59 and 0 <= sec < 60):
        raise FeelEvalError("the hour, minute or second is out of range")
    return h, m, sec


@builtin("time", [["from"], ["hour", "minute", "second", "offset?"]], returns="time", nulls=True)
def f_time(*args):
    """time("10:30:00"), time("10:30:00+08:00"), time(a date and time), or time(hour, minute,
    second, offset) with the offset a days and time duration (null: a local time)."""
    if len(args) >= 3:
        if None in args[:3]:
            return None
        h, m, sec = _clock(*args[:3])
        return Time(h, m, sec, _offset_of(args[3]) if len(args) > 3 else None)
    value = args[0]
    if value is None:
        return None
    if value.__class__ is list and len(value) == 1:
        value = value[0]
    if value.__class__ is Time:
        return value
    if value.__class__ is DateTime:
        return value.time
    if value.__class__ is _dt.date:
        return Time(0, 0, Decimal(0), 0)     # a date is its midnight, UTC (DMN 1.5, 10.3.4.1)
    t = parse_time(_need(value, str, "the argument"))
    if t is None:
        raise FeelEvalError(f"{feel_repr(value)} is not a time (expected hh:mm:ss, with an optional "
                            f"fraction and offset or @zone)")
    return t


@builtin("date and time", [["from"], ["date", "time"]], returns="date and time")
def f_date_and_time(*args):
    """date and time("2026-01-31T10:30:00"), or date and time(date, time)."""
    if len(args) == 2:
        d, t = args
        if d.__class__ is DateTime:
            d = d.date
        if d.__class__ is not _dt.date:
            raise FeelEvalError(f"the date must be a date or a date and time, not {type_name(d)}")
        if t.__class__ is not Time:
            raise FeelEvalError(f"the time must be a time, not {type_name(t)}")
        return DateTime(d, t.hour, t.minute, t.second, t.offset, t.zone)
    value = args[0]
    if value.__class__ is list and len(value) == 1:
        value = value[0]
    if value.__class__ is DateTime:
        return value
    if value.__class__ is _dt.date:
        return DateTime(value, 0, 0, Decimal(0))
    text = _need(value, str, "the argument")
    v = parse_date_time(text)
    if v is None:
        d = parse_date(text)
        if d is not None:
            return DateTime(d, 0, 0, Decimal(0))
        raise FeelEvalError(f"{feel_repr(value)} is not a date and time (expected YYYY-MM-DDThh:mm:ss)")
    return v


@builtin("duration", ["from"], returns="duration")
def f_duration(text):
    """duration("P3Y"), duration("P10D"): an ISO 8601 duration."""
    d = parse_duration(_need(text, str, "the argument"))
    if d is None:
        raise FeelEvalError(f"{feel_repr(text)} is not a duration (e.g. P3Y, P2M, P10D, PT1H)")
    return d


def _moment(v, what):
    """A date, or a date and time (as its wall time), for the date functions."""
    if v.__class__ is list and len(v) == 1:
        v = v[0]
    if v.__class__ is _dt.date or v.__class__ is DateTime:
        return v
    raise FeelEvalError(f"{what} must be a date or a date and time, not {type_name(v)}")


@builtin("years and months duration", ["from", "to"], returns="years and months duration")
def f_ym_duration(start, end):
    """The whole years and months from one date (or date and time) to another."""
    a, b = _moment(start, "from"), _moment(end, "to")
    # whole months between the dates; the time of day does not count (DMN 1.5, 10.3.4.11)
    a = a.date if a.__class__ is DateTime else a
    b = b.date if b.__class__ is DateTime else b
    months = (b.year - a.year) * 12 + b.month - a.month
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return YearsMonthsDuration(months)


@builtin("number", ["from", "grouping separator?", "decimal separator?"], returns="number", nulls=True)
def f_number(text, grouping=None, decimal_sep=None):
    """number("1,000.5", ",", "."): a number from text."""
    if text is None:
        return None
    _need(text, str, "from")
    if grouping not in (None, " ", ",", ".") or decimal_sep not in (None, ",", "."):
        raise FeelEvalError("grouping separator must be ' ', ',' or '.', decimal separator ',' or '.'")
    if grouping is not None and grouping == decimal_sep:
        raise FeelEvalError("the grouping and decimal separators must differ")
    if grouping:
        text = text.replace(grouping, "")
    if decimal_sep:
        text = text.replace(decimal_sep, ".")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        raise FeelEvalError(f"{feel_repr(text)} is not a number")
    return _C.create_decimal(text)


@builtin("string", ["from"], returns="string", spends=True)
def f_string(value, budget=None):
    """The text of a value: string(1.5) = "1.5", every digit it holds."""
    out = _text(value, budget)
    return out


def _text(value, budget, top=True):
    cls = value.__class__
    if cls is str:
        out = value if top else feel_repr(value)
    elif cls is Decimal:
        out = _plain_decimal(value)
    elif cls is _dt.date:
        out = value.isoformat()
    elif cls is bool:
        out = "true" if value else "false"
    elif value is None:
        out = "null"
    elif cls is list:
        if budget is not None:
            budget.spend(len(value))
        out = "[" + ", ".join(_text(v, budget, False) for v in value) + "]"
    elif cls is dict:
        if budget is not None:
            budget.spend(len(value))
        out = "{" + ", ".join(f"{_key_text(k)}: {_text(v, budget, False)}" for k, v in value.items()) + "}"
    elif cls is Range:
        lo = "null" if value.low is None else _text(value.low, budget, False)
        hi = "null" if value.high is None else _text(value.high, budget, False)
        out = ("[" if value.low_closed else "(") + lo + ".." + hi + ("]" if value.high_closed else ")")
    elif cls in (YearsMonthsDuration, DaysDuration, Time, DateTime):
        out = str(value)
        if not top:
            out = feel_repr(value)
    else:
        out = str(value)
    if len(out) > MAX_STRING:
        raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
    if budget is not None and top:
        budget.spend_chars(len(out))
    return out


def _key_text(k: str) -> str:
    return k if k.isidentifier() else feel_repr(k)


# ------------------------------------------------------------------ numbers

@builtin("decimal", ["n", "scale"], returns="number")
def f_decimal(n, scale):
    """n rounded to `scale` decimal places, half to even."""
    return _round(n, scale, ROUND_HALF_EVEN)


def _rounder(name, mode, doc, default_scale=None):
    params = ["n", "scale?"] if default_scale is not None else ["n", "scale"]

    def fn(n, scale=Decimal(default_scale or 0)):
        return _round(n, scale, mode)
    fn.__doc__ = doc
    builtin(name, params, returns="number")(fn)


_rounder("floor", ROUND_FLOOR, "The largest number with `scale` decimals not above n.", 0)
_rounder("ceiling", ROUND_CEILING, "The smallest number with `scale` decimals not below n.", 0)
_rounder("round up", ROUND_UP, "n rounded away from zero to `scale` decimals.")
_rounder("round down", ROUND_DOWN, "n rounded towards zero to `scale` decimals.")
_rounder("round half up", ROUND_HALF_UP, "n rounded to `scale` decimals, halves away from zero.")
_rounder("round half down", ROUND_HALF_DOWN, "n rounded to `scale` decimals, halves towards zero.")


@builtin("abs", ["n"])
def f_abs(n):
    """The absolute value of a number or duration."""
    if isinstance(n, YearsMonthsDuration):
        return YearsMonthsDuration(abs(n.months))
    if isinstance(n, DaysDuration):
        return DaysDuration(abs(n.seconds))
    return _C.abs(_need(n, Decimal, "n"))


@builtin("modulo", ["dividend", "divisor"], returns="number")
def f_modulo(a, b):
    """The remainder of dividend / divisor, with the sign of the divisor."""
    _need(a, Decimal, "dividend")
    _need(b, Decimal, "divisor")
    if not b:
        raise FeelEvalError("division by zero")
    q = _C.divide(a, b).to_integral_value(rounding=ROUND_FLOOR)
    return _C.subtract(a, _C.multiply(b, q))


@builtin("sqrt", ["number"], returns="number")
def f_sqrt(n):
    """The square root (null for a negative number)."""
    if _need(n, Decimal, "number") < 0:
        raise FeelEvalError("the square root of a negative number is not a number")
    return n.sqrt(context=_C)


@builtin("log", ["number"], returns="number")
def f_log(n):
    """The natural logarithm (null for zero or less)."""
    if _need(n, Decimal, "number") <= 0:
        raise FeelEvalError("the logarithm needs a number above zero")
    return n.ln(context=_C)


@builtin("exp", ["number"], returns="number")
def f_exp(n):
    """e raised to the number."""
    return _need(n, Decimal, "number").exp(context=_C)


@builtin("odd", ["number"], returns="boolean")
def f_odd(n):
    """Whether a whole number is odd."""
    return _parity(n) == 1


@builtin("even", ["number"], returns="boolean")
def f_even(n):
    """Whether a whole number is even."""
    return _parity(n) == 0


def _parity(n) -> int:
    """A whole number's remainder by 2, of any size (1e34 is even), without making an int of it."""
    n = _need(n, Decimal, "number")
    if not n.is_finite() or n != n.to_integral_value():
        raise FeelEvalError(f"number must be a whole number, not {_plain_decimal(n)[:30]}")
    if n.adjusted() >= 34:
        return 0                  # a whole decimal128 beyond 34 digits ends in zeros
    return int(_C.remainder(_C.abs(n), Decimal(2)))


# ------------------------------------------------------------------ strings

def _s(x, what="string"):
    return _need(x, str, what)


def _pos_slice(length: int, start, size=None, what="start position") -> tuple[int, int]:
    """FEEL's 1-based (negative: from the end) start plus optional length -> a slice. DMN 1.5, the
    footnotes of Tables 74 and 75: the start is a non-zero whole number in [-L..L], the length in
    [1..E] (E the items from the start to the end; a length between whole numbers counts its whole
    part, as the TCK's substring("foobar", 3, 3.8) = "oba"). Compared before becoming ints."""
    start = _need(start, Decimal, what)
    if start.copy_abs() > length:
        raise FeelEvalError(f"{what} {_plain_decimal(start)[:30]} is outside the {length} items")
    s = _int(start, what)
    if s == 0:
        raise FeelEvalError(f"{what} 0 is outside 1..{length}")
    begin = s - 1 if s > 0 else length + s
    if size is None:
        return begin, length
    size = _need(size, Decimal, "length")
    if size < 1 or size > length - begin:
        raise FeelEvalError(f"the length must be between 1 and the {length - begin} items from the start")
    return begin, begin + int(size.to_integral_value(rounding=ROUND_DOWN))


@builtin("substring", ["string", "start position", "length?"], returns="string")
def f_substring(s, start, length=None):
    """Characters from a 1-based start position (negative: from the end)."""
    _s(s)
    a, b = _pos_slice(len(s), start, length)
    return s[a:b]


@builtin("string length", ["string"], returns="number")
def f_string_length(s):
    """The number of characters."""
    return Decimal(len(_s(s)))


@builtin("upper case", ["string"], returns="string")
def f_upper(s):
    """The string in upper case."""
    return _s(s).upper()


@builtin("lower case", ["string"], returns="string")
def f_lower(s):
    """The string in lower case."""
    return _s(s).lower()


@builtin("substring before", ["string", "match"], returns="string")
def f_before(s, m):
    """The part before the first match ("" if none)."""
    i = _s(s).find(_s(m, "match"))
    return "" if i < 0 else s[:i]


@builtin("substring after", ["string", "match"], returns="string")
def f_after(s, m):
    """The part after the first match ("" if none)."""
    i = _s(s).find(_s(m, "match"))
    return "" if i < 0 else s[i + len(m):]


@builtin("contains", ["string", "match"], returns="boolean")
def f_contains(s, m):
    """Whether the string contains the match."""
    return _s(m, "match") in _s(s)


@builtin("starts with", ["string", "match"], returns="boolean")
def f_starts(s, m):
    """Whether the string starts with the match."""
    return _s(s).startswith(_s(m, "match"))


@builtin("ends with", ["string", "match"], returns="boolean")
def f_ends(s, m):
    """Whether the string ends with the match."""
    return _s(s).endswith(_s(m, "match"))


# Regular expressions: the XML Schema dialect, in linear time (regex.py).

def _flags(flags):
    return "" if flags is None else _s(flags, "flags")


@builtin("matches", ["input", "pattern", "flags?"], returns="boolean", nulls=True)
def f_matches(s, pattern, flags=""):
    """Whether the pattern (an XML Schema regular expression; flags s m i x q) matches somewhere in the input."""
    if s is None or pattern is None:
        return None
    return regex.matches(_s(s, "input"), _s(pattern, "pattern"), _flags(flags))


@builtin("replace", ["input", "pattern", "replacement", "flags?"], returns="string", nulls=True, spends=True)
def f_replace(s, pattern, replacement, flags="", budget=None):
    """The input with every match of the pattern replaced ($1 names a group)."""
    if s is None or pattern is None or replacement is None:
        return None
    return regex.replace(_s(s, "input"), _s(pattern, "pattern"), _s(replacement, "replacement"), _flags(flags),
                         budget, MAX_STRING)


@builtin("split", ["string", "delimiter"], returns=("list", "string"), spends=True)
def f_split(s, delim, budget=None):
    """The parts of the string between matches of the delimiter pattern."""
    return regex.split(_s(s), _s(delim, "delimiter"), "", budget)


@builtin("string join", ["list", "delimiter?"], returns="string", nulls=True, spends=True)
def f_string_join(items, delim="", budget=None):
    """The strings of the list joined by the delimiter (nulls are skipped)."""
    if items is None:
        return None
    items = _need(items, list, "list")
    parts = [x for x in items if x is not None]
    if any(not isinstance(x, str) for x in parts):
        raise FeelEvalError("string join needs a list of strings")
    sep = _s(delim if delim is not None else "", "delimiter")
    size = sum(len(x) for x in parts) + len(sep) * max(len(parts) - 1, 0)
    if size > MAX_STRING:
        raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
    if budget is not None:
        budget.spend_chars(size)
    return sep.join(parts)


# ------------------------------------------------------------------ lists

def _l(x, what="list"):
    """A list parameter's argument: a single value stands for a one-item list (DMN 1.5, 10.3.2.9.4, "to
    singleton list"), as in every other list built-in."""
    return _need(x, list, what)


def _numbers(items, fname):
    for x in items:
        if x.__class__ is not Decimal:
            raise FeelEvalError(f"{fname} needs numbers, but the list holds a {type_name(x)}")
    return items


def _extreme(items, pick):
    if not items:
        return None
    first = items[0]
    for x in items:
        if x is None or not (_same_kind(x, first) and isinstance(x, ORDERED)) or isinstance(x, bool):
            raise FeelEvalError(f"cannot compare {type_name(first)} with {type_name(x)}")
    return pick(items, key=order_key(items))


@builtin("min", ["*list"], list_or_args=True)
def f_min(items):
    """The smallest item (null for an empty list)."""
    return _extreme(items, min)


@builtin("max", ["*list"], list_or_args=True)
def f_max(items):
    """The largest item (null for an empty list)."""
    return _extreme(items, max)


def _fold(items, start, op, fname):
    if not items:
        return None
    total = start
    for x in _numbers(items, fname):
        total = op(total, x)
    return total


@builtin("sum", ["*list"], returns="number", list_or_args=True)
def f_sum(items):
    """The sum of the numbers (null for an empty list)."""
    return _fold(items, Decimal(0), _C.add, "sum")


@builtin("product", ["*list"], returns="number", list_or_args=True)
def f_product(items):
    """The product of the numbers (null for an empty list)."""
    return _fold(items, Decimal(1), _C.multiply, "product")


@builtin("mean", ["*list"], returns="number", list_or_args=True)
def f_mean(items):
    """The arithmetic mean (null for an empty list)."""
    if not items:
        return None
    return _C.divide(f_sum(items), Decimal(len(items)))


@builtin("median", ["*list"], returns="number", list_or_args=True)
def f_median(items):
    """The middle number, or the mean of the two middle ones."""
    if not items:
        return None
    xs = sorted(_numbers(items, "median"))
    mid = len(xs) // 2
    if len(xs) % 2:
        return xs[mid]
    return _C.divide(_C.add(xs[mid - 1], xs[mid]), Decimal(2))


@builtin("stddev", ["*list"], returns="number", list_or_args=True)
def f_stddev(items):
    """The sample standard deviation (null for fewer than two numbers)."""
    if len(items) < 2:
        return None
    mean = f_mean(_numbers(items, "stddev"))
    sq = Decimal(0)
    for x in items:
        d = _C.subtract(x, mean)
        sq = _C.add(sq, _C.multiply(d, d))
    return _C.divide(sq, Decimal(len(items) - 1)).sqrt(context=_C)


@builtin("mode", ["*list"], returns=("list", "number"), list_or_args=True)
def f_mode(items):
    """The most frequent numbers, ascending ([] for an empty list)."""
    counts: dict = {}
    for x in _numbers(items, "mode"):
        counts[x] = counts.get(x, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(x for x, c in counts.items() if c == top)


@builtin("count", ["list"], returns="number", walks=False)
def f_count(items):
    """The number of items."""
    return Decimal(len(_l(items)))


def _bools(items, fname):
    for x in items:
        if x is not None and x.__class__ is not bool:
            raise FeelEvalError(f"{fname} needs booleans, but the list holds a {type_name(x)}")
    return items


@builtin("all", ["*list"], returns="boolean", list_or_args=True)
def f_all(items):
    """true if every item is true; false if any is false; else null."""
    items = _bools(items, "all")
    if False in items:
        return False
    return None if None in items else True


@builtin("any", ["*list"], returns="boolean", list_or_args=True)
def f_any(items):
    """true if any item is true; false if all are false; else null."""
    items = _bools(items, "any")
    if True in items:
        return True
    return None if None in items else False


@builtin("list contains", ["list", "element"], returns="boolean", nulls=True, spends=True)
def f_list_contains(items, element, budget=None):
    """Whether the list holds the element."""
    if items is None:
        return None
    return any(feel_eq(x, element, budget) for x in _need(items, list, "list"))


@builtin("sublist", ["list", "start position", "length?"], returns="list")
def f_sublist(items, start, length=None):
    """Items from a 1-based start position (negative: from the end)."""
    items = _l(items)
    a, b = _pos_slice(len(items), start, length)
    return items[a:b]


@builtin("append", ["list", "*item"], returns="list", nulls=True, spends=True)
def f_append(items, *more, budget=None):
    """The list with the items added at the end."""
    if items is None:
        return None
    items = _need(items, list, "list")
    if budget is not None:
        budget.spend(len(items) + len(more))
    return items + list(more)


@builtin("concatenate", ["*list"], returns="list", spends=True)
def f_concatenate(*lists, budget=None):
    """The lists joined into one."""
    out = []
    for x in lists:
        x = _need(x, list, "each argument")
        if budget is not None:
            budget.spend(len(x))
        out.extend(x)
    return out


def _position(items, pos, extra=0) -> int:
    n = len(items)
    pos = _need(pos, Decimal, "position")
    if pos.copy_abs() > n + extra:
        raise FeelEvalError(f"position {_plain_decimal(pos)[:30]} is outside the list of {n} items")
    p = _int(pos, "position")
    if p == 0:
        raise FeelEvalError(f"position 0 is outside the list of {n} items")
    return p - 1 if p > 0 else n + p


@builtin("insert before", ["list", "position", "newItem"], returns="list", nulls=True)
def f_insert_before(items, pos, item):
    """The list with newItem inserted before the 1-based position."""
    if items is None or pos is None:
        return None
    items = _l(items)
    out = list(items)
    out.insert(_position(items, pos), item)
    return out


@builtin("remove", ["list", "position"], returns="list")
def f_remove(items, pos):
    """The list without the item at the 1-based position."""
    items = _l(items)
    out = list(items)
    del out[_position(items, pos)]
    return out


@builtin("list replace", [["list", "position", "newItem"], ["list", "match", "newItem"]], returns="list",
         nulls=True, spends=True)
def f_list_replace(items, pos, item, budget=None):
    """The list with the item at the 1-based position replaced by newItem, or every item for which
    match(item, newItem) is true replaced."""
    if items is None or pos is None:
        return None
    items = _need(items, list, "list")
    out = list(items)
    if pos.__class__ is Function:
        if len(pos.params) != 2:
            raise FeelEvalError("the match function must take two parameters (item, newItem)")
        from .functions import invoke
        st = [None, budget]
        for i, x in enumerate(items):
            r = invoke(pos, [x, item], None, st)
            if r is True:
                out[i] = item
            elif r is not False:
                raise FeelEvalError("the match function must give true or false")
        return out
    pos = _need(pos, Decimal, "position")
    out[_position(items, pos.to_integral_value(rounding=ROUND_DOWN))] = item
    return out


@builtin("reverse", ["list"], returns="list")
def f_reverse(items):
    """The list backwards."""
    return _l(items)[::-1]


@builtin("index of", ["list", "match"], returns=("list", "number"), nulls=True, spends=True)
def f_index_of(items, match, budget=None):
    """The 1-based positions of the items equal to match."""
    if items is None:
        return None
    return [Decimal(i) for i, x in enumerate(_need(items, list, "list"), 1) if feel_eq(x, match, budget)]


_HASHABLE = (Decimal, str, bool, _dt.date)


def _distinct(items, budget):
    """Each item once, in first-seen order: numbers, strings, booleans and dates by hashing (equal
    numbers hash alike: 1 and 1.0), other values by FEEL equality, each comparison paid for."""
    out, seen = [], set()
    for x in items:
        if x.__class__ in _HASHABLE:
            k = (x.__class__, x)
            if k in seen:
                continue
            seen.add(k)
        else:
            if budget is not None:
                budget.spend(len(out))
            if any(feel_eq(x, y, budget) is True for y in out):
                continue
        out.append(x)
    return out


@builtin("union", ["*list"], returns="list", spends=True)
def f_union(*lists, budget=None):
    """The items of all lists, each once."""
    return _distinct([x for lst in lists for x in _need(lst, list, "each argument")], budget)


@builtin("distinct values", ["list"], returns="list", spends=True)
def f_distinct(items, budget=None):
    """The items, each once, in first-seen order."""
    return _distinct(_need(items, list, "list"), budget)


@builtin("flatten", ["list"], returns="list", spends=True)
def f_flatten(items, budget=None):
    """Nested lists spliced into one flat list (each item placed is paid for from the budget:
    a list that repeats one big list is as costly as its flat size)."""
    out, stack = [], [iter(_need(items, list, "list"))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            if budget is not None:
                budget.spend(1)
            out.append(x)
        else:
            stack.pop()
    return out


@builtin("sort", ["list", "precedes?"], returns="list", spends=True)
def f_sort(items, precedes=None, budget=None):
    """The items in ascending order (numbers, strings, dates, times or durations of one kind), or in
    the order given by precedes(x, y), a function true when x comes before y."""
    items = _need(items, list, "list")
    if precedes is None:
        if items:
            _extreme(items, min)
        return sorted(items, key=order_key(items))
    if precedes.__class__ is not Function or len(precedes.params) != 2:
        raise FeelEvalError("precedes must be a function of two parameters")
    import functools
    from .functions import invoke
    st = [None, budget]

    def cmp(x, y):
        if budget is not None:
            budget.spend(1)
        if invoke(precedes, [x, y], None, st) is True:
            return -1
        if invoke(precedes, [y, x], None, st) is True:
            return 1
        return 0
    return sorted(items, key=functools.cmp_to_key(cmp))


# ------------------------------------------------------------------ contexts

@builtin("get value", ["m", "key"])
def f_get_value(m, key):
    """The value of a context's entry (null if there is none)."""
    return _need(m, dict, "m").get(_s(key, "key"))


@builtin("get entries", ["m"], returns="list", spends=True)
def f_get_entries(m, budget=None):
    """The context's entries as a list of {key, value}."""
    m = _need(m, dict, "m")
    if budget is not None:
        budget.spend(len(m))
    return [{"key": k, "value": v} for k, v in m.items()]


def f_context_put(ctx, key, value, budget=None, one_key=False):
    """The context with an entry added or replaced; a list of keys reaches into nested contexts
    (each but the last must name a context that is there)."""
    if ctx is None or key is None:
        return None
    ctx = _need(ctx, dict, "context")
    if one_key and key.__class__ is list:
        raise FeelEvalError("'key' is one key; give a list of keys as 'keys'")
    keys = key if key.__class__ is list else [key]
    if not keys or any(k.__class__ is not str for k in keys):
        raise FeelEvalError("the key must be a string, or a non-empty list of strings")
    if budget is not None:
        budget.spend(len(keys) + len(ctx))
    path = [ctx]
    for k in keys[:-1]:                       # walk down without recursion: a long key list is no risk
        inner = path[-1].get(k)
        if inner.__class__ is not dict:
            raise FeelEvalError(f"the key '{k}' does not name a context to put into")
        path.append(inner)
    out = value
    for k, level in zip(reversed(keys), reversed(path)):
        out = {**level, k: out}
    return out


def _context_put_key(ctx, key, value, budget=None):
    return f_context_put(ctx, key, value, budget, one_key=True)


# Positional calls take the first signature, which accepts a key or a list of keys; a call naming
# `key:` takes the second, which refuses a list (that is what `keys:` is for).
BUILTINS.register("context put", [f_context_put, _context_put_key],
                  params=[["context", "keys", "value"], ["context", "key", "value"]],
                  doc=(f_context_put.__doc__ or "").strip(), returns="context", nulls=True, spends=True)


@builtin("context merge", ["contexts"], returns="context", spends=True)
def f_context_merge(ctxs, budget=None):
    """The contexts merged; later entries win."""
    out = {}
    for c in _need(ctxs, list, "contexts"):
        c = _need(c, dict, "each item")
        if budget is not None:
            budget.spend(len(c))
        out.update(c)
    return out


@builtin("context", ["entries"], returns="context")
def f_context(entries):
    """A context from a list of {key, value}."""
    out = {}
    for e in _need(entries, list, "entries"):
        if not isinstance(e, dict) or not isinstance(e.get("key"), str) or "value" not in e:
            raise FeelEvalError("each entry must be a context with a string key and a value")
        if e["key"] in out:
            raise FeelEvalError(f"duplicate key {e['key']!r}")
        out[e["key"]] = e["value"]
    return out


# ------------------------------------------------------------------ dates

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def _d(x):
    v = _moment(x, "the argument")
    return v.date if v.__class__ is DateTime else v


@builtin("day of year", ["date"], returns="number")
def f_day_of_year(d):
    """1 for January 1st."""
    return Decimal(_d(d).timetuple().tm_yday)


@builtin("day of week", ["date"], returns="string")
def f_day_of_week(d):
    """The English day name, e.g. "Monday"."""
    return _DAYS[_d(d).weekday()]


@builtin("month of year", ["date"], returns="string")
def f_month_of_year(d):
    """The English month name, e.g. "January"."""
    return _MONTHS[_d(d).month - 1]


@builtin("week of year", ["date"], returns="number")
def f_week_of_year(d):
    """The ISO 8601 week number."""
    return Decimal(_d(d).isocalendar()[1])


# ------------------------------------------------------------------ logic, misc

@builtin("not", ["negand"], returns="boolean", nulls=True)
def f_not(b):
    """true for false, false for true, null otherwise."""
    return (not b) if b.__class__ is bool else None


@builtin("is defined", ["value"], returns="boolean", nulls=True)
def f_is_defined(value):
    """Whether the value is not null (a missing name is null)."""
    return value is not None


@builtin("is", ["value1", "value2"], returns="boolean", nulls=True)
def f_is(a, b):
    """Whether two values are the same value of the same type: times and dates and times also with the
    same offset or zone (12:00:00Z is not 13:00:00+01:00, though they are equal)."""
    if a is None or b is None:
        return a is b
    if a.__class__ in (Time, DateTime):
        return a.__class__ is b.__class__ and a == b
    return _same_kind(a, b) and feel_eq(a, b) is True



# ------------------------------------------------------------------ ranges (DMN 1.5, 10.3.4.9)

_LITERAL_CALLS = {"date", "time", "date and time", "duration"}


def _literal_end(node) -> bool:
    from . import nodes as N
    if isinstance(node, (N.Num, N.Str, N.Temporal, N.Null)):
        return True
    if isinstance(node, N.Neg):
        return isinstance(node.operand, N.Num)
    return isinstance(node, N.Call) and node.name in _LITERAL_CALLS and not node.named \
        and len(node.args) == 1 and isinstance(node.args[0], N.Str)


@builtin("range", ["from"], returns="range")
def f_range(text):
    """The range a text writes: range("[18..21)"). The ends must be literal values (numbers, strings,
    @"..." or date/time/duration of a string), the start not after the end."""
    from . import nodes as N
    from .errors import FeelError
    from .parser import parse
    text = _need(text, str, "from")
    try:
        node = parse(text, "expr", BUILTINS.multiword_names())
    except FeelError:
        raise FeelEvalError(f"{feel_repr(text)[:60]} is not a range") from None
    if not isinstance(node, N.RangeLit) or not (_literal_end(node.low) and _literal_end(node.high)):
        raise FeelEvalError(f"{feel_repr(text)[:60]} is not a range of literal values such as [1..10)")
    diags: list = []
    from ..codegen.module import expression_function
    r = expression_function(node, text, BUILTINS, "expr")({}, diags)
    if r is None:
        raise FeelEvalError(diags[0] if diags else f"{feel_repr(text)[:60]} is not a range")
    if r.low is not None and r.high is not None and compare(">", r.low, r.high):
        raise FeelEvalError("the range's start is after its end")
    return r


class _End:
    """One end of a range, or a point: comparisons with an unbounded end are decided by its side."""
    __slots__ = ("v", "side")

    def __init__(self, v, side=0):
        self.v, self.side = v, side       # side -1: unbounded start, +1: unbounded end, 0: a value

    def cmp(self, other: "_End") -> int:
        if self.v is None or other.v is None:
            a = self.side if self.v is None else 0
            b = other.side if other.v is None else 0
            return (a > b) - (a < b) if (a or b) else 0
        if compare("<", self.v, other.v):
            return -1
        return 1 if compare(">", self.v, other.v) else 0


def _parts(r):
    return _End(r.low, -1), r.low_closed, _End(r.high, 1), r.high_closed


def _interval(fname, point_point, point_range, range_point, range_range):
    def fn(a, b):
        ra, rb = a.__class__ is Range, b.__class__ is Range
        if ra and rb:
            return range_range(*_parts(a), *_parts(b))
        if ra:
            if range_point is None:
                raise FeelEvalError(f"'{fname}' does not take a range and then a point")
            return range_point(*_parts(a), _End(b))
        if rb:
            if point_range is None:
                raise FeelEvalError(f"'{fname}' does not take a point and then a range")
            return point_range(_End(a), *_parts(b))
        if point_point is None:
            raise FeelEvalError(f"'{fname}' needs at least one range")
        return point_point(_End(a), _End(b))
    return fn


def _register_interval(name, params, *impl):
    fn = _interval(name, *impl)
    fn.__doc__ = f"The interval relation '{name}' (DMN 1.5, 10.3.4.9)."
    BUILTINS.register(name, fn, params=params, doc=fn.__doc__, returns="boolean")


_PP = ["point1", "point2"]
_PR = ["point", "range"]
_RP = ["range", "point"]
_RR = ["range1", "range2"]

_register_interval(
    "before", [_PP, _PR, _RP, _RR],
    lambda p1, p2: p1.cmp(p2) < 0,
    lambda p, s, si, e, ei: p.cmp(s) < 0 or (p.cmp(s) == 0 and not si),
    lambda s, si, e, ei, p: e.cmp(p) < 0 or (e.cmp(p) == 0 and not ei),
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: e1.cmp(s2) < 0 or ((not e1i or not s2i) and e1.cmp(s2) == 0))
_register_interval(
    "after", [_PP, _PR, _RP, _RR],
    lambda p1, p2: p1.cmp(p2) > 0,
    lambda p, s, si, e, ei: p.cmp(e) > 0 or (p.cmp(e) == 0 and not ei),
    lambda s, si, e, ei, p: s.cmp(p) > 0 or (s.cmp(p) == 0 and not si),
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: s1.cmp(e2) > 0 or ((not s1i or not e2i) and s1.cmp(e2) == 0))
_register_interval(
    "meets", [_RR], None, None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: e1i and s2i and e1.cmp(s2) == 0)
_register_interval(
    "met by", [_RR], None, None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: s1i and e2i and s1.cmp(e2) == 0)
_register_interval(
    "overlaps", [_RR], None, None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        (e1.cmp(s2) > 0 or (e1.cmp(s2) == 0 and e1i and s2i))
        and (s1.cmp(e2) < 0 or (s1.cmp(e2) == 0 and s1i and e2i)))
_register_interval(
    "overlaps before", [_RR], None, None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        (s1.cmp(s2) < 0 or (s1.cmp(s2) == 0 and s1i and not s2i))
        and (e1.cmp(s2) > 0 or (e1.cmp(s2) == 0 and e1i and s2i))
        and (e1.cmp(e2) < 0 or (e1.cmp(e2) == 0 and (not e1i or e2i))))
_register_interval(
    "overlaps after", [_RR], None, None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        (s2.cmp(s1) < 0 or (s2.cmp(s1) == 0 and s2i and not s1i))
        and (e2.cmp(s1) > 0 or (e2.cmp(s1) == 0 and e2i and s1i))
        and (e2.cmp(e1) < 0 or (e2.cmp(e1) == 0 and (not e2i or e1i))))
_register_interval(
    "finishes", [_PR, _RR], None,
    lambda p, s, si, e, ei: ei and e.cmp(p) == 0,
    None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        e1i == e2i and e1.cmp(e2) == 0 and (s1.cmp(s2) > 0 or (s1.cmp(s2) == 0 and (not s1i or s2i))))
_register_interval(
    "finished by", [_RP, _RR], None, None,
    lambda s, si, e, ei, p: ei and e.cmp(p) == 0,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        e1i == e2i and e1.cmp(e2) == 0 and (s1.cmp(s2) < 0 or (s1.cmp(s2) == 0 and (s1i or not s2i))))


def _includes_point(s, si, e, ei, p):
    return (s.cmp(p) < 0 and e.cmp(p) > 0) or (s.cmp(p) == 0 and si) or (e.cmp(p) == 0 and ei)


def _includes_range(s1, s1i, e1, e1i, s2, s2i, e2, e2i):
    return (s1.cmp(s2) < 0 or (s1.cmp(s2) == 0 and (s1i or not s2i))) \
        and (e1.cmp(e2) > 0 or (e1.cmp(e2) == 0 and (e1i or not e2i)))


_register_interval("includes", [_RP, _RR], None, None, _includes_point, _includes_range)
_register_interval(
    "during", [_PR, _RR], None,
    lambda p, s, si, e, ei: _includes_point(s, si, e, ei, p),
    None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: _includes_range(s2, s2i, e2, e2i, s1, s1i, e1, e1i))
_register_interval(
    "starts", [_PR, _RR], None,
    lambda p, s, si, e, ei: si and s.cmp(p) == 0,
    None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        s1.cmp(s2) == 0 and s1i == s2i and (e1.cmp(e2) < 0 or (e1.cmp(e2) == 0 and (not e1i or e2i))))
_register_interval(
    "started by", [_RP, _RR], None, None,
    lambda s, si, e, ei, p: si and s.cmp(p) == 0,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i:
        s1.cmp(s2) == 0 and s1i == s2i and (e2.cmp(e1) < 0 or (e2.cmp(e1) == 0 and (not e2i or e1i))))
_register_interval(
    "coincides", [_PP, _RR],
    lambda p1, p2: p1.cmp(p2) == 0,
    None, None,
    lambda s1, s1i, e1, e1i, s2, s2i, e2, e2i: s1.cmp(s2) == 0 and s1i == s2i and e1.cmp(e2) == 0 and e1i == e2i)


BUILTINS._frozen = True    # extensions go to default_registry(), never into the shared built-ins
