"""FEEL values as Python objects, and conversions to and from plain data.

| FEEL type                | Python                                   |
|--------------------------|------------------------------------------|
| number                   | decimal.Decimal (decimal128: 34 digits)  |
| string                   | str                                      |
| boolean                  | bool                                     |
| null                     | None                                     |
| date                     | datetime.date                            |
| years and months duration| YearsMonthsDuration (whole months)       |
| days and time duration   | DaysDuration (seconds, a Decimal)        |
| time                     | temporal.Time                            |
| date and time            | temporal.DateTime                        |
| range                    | Range                                    |
| list                     | list                                     |
| context                  | dict (insertion order kept)              |
| function                 | Function                                 |

No float anywhere: a float has already lost the digits the rule author wrote, so
`to_feel` refuses one and the loader converts numbers from their source text.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal

from .errors import FeelEvalError
from .temporal import FEEL_CONTEXT, DateTime, Time, parse_date_time, parse_time
from ..record import Frozen, Ordered

# FEEL_CONTEXT (decimal128, defined in temporal.py, which this module imports): every arithmetic
# operation of the evaluator calls its methods directly, so results do not depend on the caller's
# current decimal context.

_SECONDS_PER_DAY = 86400
# The largest duration: 999,999,999 days (as Python's timedelta), or as many years in months.
MAX_DURATION_SECONDS = Decimal(999_999_999 * _SECONDS_PER_DAY)
MAX_DURATION_MONTHS = 999_999_999 * 12
MAX_INT_DIGITS = 18          # a number turned into a count, position, scale or year has at most this many digits


def to_int(value: Decimal, what: str = "the number") -> int:
    """A whole Decimal as an int, refusing magnitudes no position, count or year can have before
    converting (int() of 1e999999999 would build a billion-digit integer)."""
    if not value.is_finite() or (value and value.adjusted() >= MAX_INT_DIGITS):
        raise FeelEvalError(f"{what} is too large")
    return int(value)


def check_months(months: int) -> int:
    if abs(months) > MAX_DURATION_MONTHS:
        raise FeelEvalError("the duration is too long")
    return months


def check_seconds(seconds: Decimal) -> Decimal:
    if not seconds.is_finite() or seconds.copy_abs() > MAX_DURATION_SECONDS:
        raise FeelEvalError("the duration is too long")
    return seconds


class YearsMonthsDuration(Ordered):
    """A FEEL years-and-months duration, e.g. P1Y2M, kept as a whole number of months."""
    __slots__ = __match_args__ = ("months",)

    def __init__(self, months: int):
        object.__setattr__(self, "months", months)

    @property
    def years_part(self) -> int:
        return _trunc_div(self.months, 12)

    @property
    def months_part(self) -> int:
        return self.months - 12 * self.years_part

    def __str__(self) -> str:
        m = abs(self.months)
        y, mm = divmod(m, 12)
        sign = "-" if self.months < 0 else ""
        if m == 0:
            return "P0M"
        return sign + "P" + (f"{y}Y" if y else "") + (f"{mm}M" if mm else "")


class DaysDuration(Ordered):
    """A FEEL days-and-time duration, e.g. P10D or PT1H30M, kept as seconds (a Decimal)."""
    __slots__ = __match_args__ = ("seconds",)

    def __init__(self, seconds: Decimal):
        object.__setattr__(self, "seconds", seconds)

    def parts(self) -> tuple[int, int, int, Decimal]:
        """(days, hours, minutes, seconds) of the absolute value."""
        s = self.seconds.copy_abs()
        whole = int(s)
        frac = FEEL_CONTEXT.subtract(s, whole)       # in decimal128 whatever the caller's context
        d, rest = divmod(whole, _SECONDS_PER_DAY)
        h, rest = divmod(rest, 3600)
        mi, sec = divmod(rest, 60)
        return d, h, mi, FEEL_CONTEXT.add(sec, frac)

    def signed(self, part: int) -> int | Decimal:
        value = self.parts()[part]
        return -value if self.seconds < 0 else value

    def __str__(self) -> str:
        d, h, mi, sec = self.parts()
        if self.seconds == 0:
            return "PT0S"
        out = "-P" if self.seconds < 0 else "P"
        if d:
            out += f"{d}D"
        if h or mi or sec:
            out += "T" + (f"{h}H" if h else "") + (f"{mi}M" if mi else "")
            if sec:
                out += f"{_plain_decimal(Decimal(sec))}S"
        return out


class Range(Frozen):
    """A FEEL range such as [1..5): None as an end means unbounded (`< 5` is (null..5)).
    An unbounded end is never included (DMN 1.5, 10.3.2.7)."""
    __slots__ = __match_args__ = ("low", "low_closed", "high", "high_closed")

    def __init__(self, low: object, low_closed: bool, high: object, high_closed: bool):
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "low_closed", low_closed)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "high_closed", high_closed)

    def __str__(self) -> str:
        lo = "null" if self.low is None else feel_repr(self.low)
        hi = "null" if self.high is None else feel_repr(self.high)
        return ("[" if self.low_closed else "(") + lo + ".." + hi + ("]" if self.high_closed else ")")


class Function:
    """A FEEL function value: a function definition (`function(x) x * 2`, a lambda), or a
    function a rule set declares once and its elements call (as a DMN business knowledge model).

    `body(env, st)` is the compiled body; `env` the scope it was defined in (a closure);
    `params` the parameter names, `types` their declared types and `result` the declared result
    type (TypeRef nodes, or None for any). A built-in function used as a value (`sort(xs, max)`)
    has no body but its registry entry, `builtin` (functions.builtin_value)."""
    __slots__ = ("params", "types", "body", "env", "name", "result", "builtin")

    def __init__(self, params, body, env=None, types=None, name=None, result=None, builtin=None):
        self.params = tuple(params)
        self.types = tuple(types) if types is not None else (None,) * len(self.params)
        self.body = body
        self.env = env
        self.name = name
        self.result = result
        self.builtin = builtin

    def __repr__(self):
        return f"function({', '.join(self.params)})" if self.name is None else f"function {self.name}"


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


MAX_PLAIN_DIGITS = 6200      # positional text of any decimal128 number fits (exponents -6143..6144)


def _plain_decimal(d: Decimal) -> str:
    """A Decimal as positional text, every digit it holds (no exponent): 1E+2 -> '100', 2.50 stays
    '2.50', 1/3*3 -> '0.9999999999999999999999999999999999'. A number beyond the FEEL range (it can
    only come from outside an expression) is refused rather than written out in a billion digits."""
    if d.is_finite() and d and not -MAX_PLAIN_DIGITS < d.adjusted() < MAX_PLAIN_DIGITS:
        raise FeelEvalError("the number is beyond the range of FEEL numbers")
    if not d and d.is_signed():
        d = d.copy_abs()          # FEEL has no -0 (DMN 1.5, 10.3.2.3.1): 0 * -1 is "0"
    return format(d, "f")       # 1E+2 -> '100' and 3E+40 in all its digits (quantize refused past 34)


# ---------------------------------------------------------------- parsing text

# A year has four digits, or more without a leading zero (as in XML Schema).
_DATE_RE = re.compile(r"(-?(?:[1-9]\d{4,8}|\d{4}))-(\d{2})-(\d{2})\Z")
_DURATION_RE = re.compile(
    r"(-)?P(?!\Z)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?\Z")


def parse_date(text: str) -> _dt.date | None:
    """An ISO date 'YYYY-MM-DD', or None when the text is not a valid date."""
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_duration(text: str) -> YearsMonthsDuration | DaysDuration | None:
    """An ISO 8601 duration: years/months (P1Y2M) or days/time (P3DT4H); else None.

    FEEL keeps the two kinds apart; mixing them (P1Y2D) is not a FEEL duration.
    """
    m = _DURATION_RE.match(text)
    if not m or text.endswith("T"):
        return None
    neg, y, mo, d, h, mi, s = m.groups()
    if any(part and len(part.split(".")[0].lstrip("0")) > MAX_INT_DIGITS for part in (y, mo, d, h, mi, s)):
        return None
    sign = -1 if neg else 1
    if (y or mo) and not (d or h or mi or s):
        months = sign * (int(y or 0) * 12 + int(mo or 0))
        return YearsMonthsDuration(months) if abs(months) <= MAX_DURATION_MONTHS else None
    if y or mo:
        return None
    secs = FEEL_CONTEXT.add(int(d or 0) * _SECONDS_PER_DAY + int(h or 0) * 3600 + int(mi or 0) * 60,
                            Decimal(s or 0))
    if secs > MAX_DURATION_SECONDS:
        return None
    return DaysDuration(FEEL_CONTEXT.minus(secs) if neg and secs else secs if secs else Decimal(0))


_DATE_TIME_START = re.compile(r"-?\d{4,}-\d\d-\d\dT")


def parse_temporal(text: str):
    """The value of an @"..." literal: a date, time, date and time or duration; None if none."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if _DATE_TIME_START.match(text):
        return parse_date_time(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


# ------------------------------------------------------------- conversions

def to_feel(value: object) -> object:
    """Convert plain Python data (from YAML/JSON) to FEEL values.

    int -> Decimal; Decimal, str, bool, None, date, durations and ranges stay;
    dicts and lists are converted recursively. A float is refused (TypeError):
    convert numbers from their source text instead.
    """
    if value is None or isinstance(value, (bool, str, Decimal, YearsMonthsDuration,
                                           DaysDuration, Range, Time, DateTime, Function)):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"float {value!r} cannot become a FEEL number: convert it from its source text")
    if isinstance(value, _dt.datetime):
        raise TypeError("give a date and time as FEEL text (date and time(\"2026-01-31T10:00:00\"))")
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, dict):
        return {str(k): to_feel(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_feel(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not a FEEL value")


def to_plain(value: object) -> object:
    """FEEL value -> JSON-friendly data: Decimals stay Decimals (as computed),
    dates/durations/ranges become their ISO/FEEL text, lists and dicts recurse."""
    if value is None or isinstance(value, (bool, str, Decimal)):
        return value
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def feel_repr(value: object) -> str:
    """FEEL literal text of a value (for messages and ranges)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        try:
            return _plain_decimal(value)
        except FeelEvalError:
            return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, _dt.date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, (YearsMonthsDuration, DaysDuration)):
        return f'duration("{value}")'
    if isinstance(value, Time):
        return f'time("{value}")'
    if isinstance(value, DateTime):
        return f'date and time("{value}")'
    if isinstance(value, list):
        return "[" + ", ".join(feel_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {feel_repr(v)}' for k, v in value.items()) + "}"
    return str(value)


def type_name(value: object) -> str:
    """The FEEL type name of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


_TYPE_NAMES = {
    Decimal: "number", str: "string", _dt.date: "date", list: "list", dict: "context",
    YearsMonthsDuration: "years and months duration", DaysDuration: "days and time duration",
    Range: "range", Time: "time", DateTime: "date and time", Function: "function",
}
