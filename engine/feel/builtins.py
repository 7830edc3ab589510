"""The FEEL built-in functions (DMN 1.5 names and semantics), registered in BUILTINS.

Each function takes FEEL values and returns one, raising FeelEvalError with a plain
reason when it cannot (the caller turns that into null + diagnostic). No float:
sqrt, exp and log use Decimal's own methods under FEEL_CONTEXT.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import (Decimal, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN,
                     ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP)
from functools import lru_cache

from .errors import FeelEvalError
from .ops import ORDERED, MAX_STRING, _same_kind, feel_eq
from .registry import FunctionRegistry
from .values import (FEEL_CONTEXT, DaysDuration, Range, YearsMonthsDuration, _plain_decimal,
                     feel_repr, parse_date, parse_duration, type_name)

_C = FEEL_CONTEXT
BUILTINS = FunctionRegistry()


def builtin(name, params, returns=None, nulls=False, list_or_args=False):
    """Register the decorated function in BUILTINS under its FEEL name."""
    def deco(fn):
        BUILTINS.register(name, fn, params=params, doc=(fn.__doc__ or "").strip(),
                          returns=returns, nulls=nulls, list_or_args=list_or_args)
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
    _need(value, Decimal, what)
    if value != value.to_integral_value():
        raise FeelEvalError(f"{what} must be a whole number, not {_plain_decimal(value)}")
    return int(value)


def _scale(value) -> int:
    _need(value, Decimal, "the scale")
    s = int(value.to_integral_value(rounding=ROUND_DOWN))
    if not -6111 <= s <= 6176:
        raise FeelEvalError("the scale must be between -6111 and 6176")
    return s


def _round(n, scale, mode):
    n = _need(n, Decimal, "the number")
    s = _scale(scale)
    if n.as_tuple().exponent >= -s and n.is_finite():
        return n                  # already has no more decimals than asked: nothing to round
    try:
        return n.quantize(Decimal(1).scaleb(-s), rounding=mode, context=_C)
    except ArithmeticError:
        raise FeelEvalError("the number cannot be rounded to that scale") from None


# ------------------------------------------------------------------ conversion

@builtin("date", [["from"], ["year", "month", "day"]], returns="date")
def f_date(*args):
    """date("2026-01-31") or date(year, month, day)."""
    if len(args) == 3:
        try:
            return _dt.date(*(_int(a, "year, month and day") for a in args))
        except ValueError:
            raise FeelEvalError("there is no such date") from None
    value = args[0]
    if isinstance(value, _dt.date):
        return value
    d = parse_date(_need(value, str, "the argument"))
    if d is None:
        raise FeelEvalError(f"{feel_repr(value)} is not a date (expected YYYY-MM-DD)")
    return d


@builtin("duration", ["from"], returns="duration")
def f_duration(text):
    """duration("P3Y"), duration("P10D"): an ISO 8601 duration."""
    d = parse_duration(_need(text, str, "the argument"))
    if d is None:
        raise FeelEvalError(f"{feel_repr(text)} is not a duration (e.g. P3Y, P2M, P10D, PT1H)")
    return d


@builtin("years and months duration", ["from", "to"], returns="years and months duration")
def f_ym_duration(start, end):
    """The whole years and months from one date to another."""
    _need(start, _dt.date, "from")
    _need(end, _dt.date, "to")
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
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


@builtin("string", ["from"], returns="string")
def f_string(value):
    """The text of a value: string(1.5) = "1.5"."""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (YearsMonthsDuration, DaysDuration, Range)):
        return str(value)
    return feel_repr(value)


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
    return _int(n, "number") % 2 == 1


@builtin("even", ["number"], returns="boolean")
def f_even(n):
    """Whether a whole number is even."""
    return _int(n, "number") % 2 == 0


# ------------------------------------------------------------------ strings

def _s(x, what="string"):
    return _need(x, str, what)


def _pos_slice(length: int, start, size=None, what="start position") -> tuple[int, int]:
    """FEEL's 1-based (negative: from the end) start plus optional length -> a slice."""
    s = _int(start, what) if not isinstance(start, Decimal) or start == start.to_integral_value() \
        else int(start.to_integral_value(rounding=ROUND_HALF_EVEN))
    if s == 0 or abs(s) > length + (1 if s > 0 else 0):
        if s == 0 or s < 0:
            raise FeelEvalError(f"{what} {s} is outside 1..{length}")
    begin = s - 1 if s > 0 else length + s
    if size is None:
        return begin, length
    n = int(_need(size, Decimal, "length").to_integral_value(rounding=ROUND_DOWN))
    if n < 0:
        raise FeelEvalError("the length cannot be negative")
    return begin, min(begin + n, length)


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


# Regular expressions (XPath-style, as FEEL uses) run on Python's `re`. To keep a
# rule from hanging the engine, patterns are short and may not nest quantifiers
# ("(a+)+", the classic catastrophic-backtracking shape), and inputs are bounded.
MAX_PATTERN = 1000
MAX_REGEX_INPUT = 100_000
_NESTED_QUANT = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: str) -> re.Pattern:
    if len(pattern) > MAX_PATTERN:
        raise FeelEvalError(f"the pattern is longer than {MAX_PATTERN} characters")
    if _NESTED_QUANT.search(pattern):
        raise FeelEvalError("the pattern repeats a repeated group, which can take too long to match")
    bad = set(flags) - set("smixq")
    if bad:
        raise FeelEvalError(f"unknown regular expression flag(s) {''.join(sorted(bad))!r}")
    f = 0
    f |= re.S if "s" in flags else 0
    f |= re.M if "m" in flags else 0
    f |= re.I if "i" in flags else 0
    f |= re.X if "x" in flags else 0
    if "q" in flags:
        pattern = re.escape(pattern)
    try:
        return re.compile(pattern, f)
    except re.error as e:
        raise FeelEvalError(f"the pattern is not a valid regular expression ({e.msg})") from None


def _regex_input(s: str) -> str:
    if len(_s(s, "input")) > MAX_REGEX_INPUT:
        raise FeelEvalError(f"regular expressions apply to at most {MAX_REGEX_INPUT} characters")
    return s


@builtin("matches", ["input", "pattern", "flags?"], returns="boolean", nulls=True)
def f_matches(s, pattern, flags=""):
    """Whether the pattern (a regular expression) matches somewhere in the input."""
    if s is None or pattern is None:
        return None
    flags = flags or ""
    return _regex(_s(pattern, "pattern"), _s(flags, "flags")).search(_regex_input(s)) is not None


@builtin("replace", ["input", "pattern", "replacement", "flags?"], returns="string", nulls=True)
def f_replace(s, pattern, replacement, flags=""):
    """The input with every match of the pattern replaced ($1 names a group)."""
    if s is None or pattern is None or replacement is None:
        return None
    flags = flags or ""
    rx = _regex(_s(pattern, "pattern"), _s(flags, "flags"))
    repl = _s(replacement, "replacement")
    if "q" in flags:
        template = repl.replace("\\", "\\\\")
    else:
        template = re.sub(r"\\(.)|\$(\d+)", lambda m: (m.group(1).replace("\\", "\\\\") if m.group(1)
                                                       else f"\\g<{m.group(2)}>"), repl.replace("\\\\", "\x00"))
        template = template.replace("\x00", "\\\\")
    try:
        out = rx.sub(template, _regex_input(s))
    except (re.error, IndexError) as e:
        raise FeelEvalError(f"the replacement is not valid ({e})") from None
    if len(out) > MAX_STRING:
        raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
    return out


@builtin("split", ["string", "delimiter"], returns=("list", "string"))
def f_split(s, delim):
    """The parts of the string between matches of the delimiter pattern."""
    return _regex(_s(delim, "delimiter"), "").split(_regex_input(s))


@builtin("string join", ["list", "delimiter?"], returns="string", nulls=True)
def f_string_join(items, delim=""):
    """The strings of the list joined by the delimiter (nulls are skipped)."""
    if items is None:
        return None
    items = _need(items, list, "list")
    parts = [x for x in items if x is not None]
    if any(not isinstance(x, str) for x in parts):
        raise FeelEvalError("string join needs a list of strings")
    out = _s(delim if delim is not None else "", "delimiter").join(parts)
    if len(out) > MAX_STRING:
        raise FeelEvalError(f"the string would be longer than {MAX_STRING} characters")
    return out


# ------------------------------------------------------------------ lists

def _l(x, what="list"):
    if x.__class__ is not list:
        raise FeelEvalError(f"{what} must be a list, not {type_name(x)}")
    return x


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
    return pick(items)


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


@builtin("count", ["list"], returns="number")
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


@builtin("list contains", ["list", "element"], returns="boolean", nulls=True)
def f_list_contains(items, element):
    """Whether the list holds the element."""
    if items is None:
        return None
    return any(feel_eq(x, element) for x in _l(items))


@builtin("sublist", ["list", "start position", "length?"], returns="list")
def f_sublist(items, start, length=None):
    """Items from a 1-based start position (negative: from the end)."""
    a, b = _pos_slice(len(_l(items)), start, length)
    return items[a:b]


@builtin("append", ["list", "*items"], returns="list", nulls=True)
def f_append(items, *more):
    """The list with the items added at the end."""
    if items is None:
        return None
    return _l(items) + list(more)


@builtin("concatenate", ["*lists"], returns="list")
def f_concatenate(*lists):
    """The lists joined into one."""
    out = []
    for x in lists:
        out.extend(_l(x))
    return out


def _position(items, pos, extra=0) -> int:
    n = len(items)
    p = _int(pos, "position")
    if p == 0 or abs(p) > n + extra:
        raise FeelEvalError(f"position {p} is outside the list of {n} items")
    return p - 1 if p > 0 else n + p


@builtin("insert before", ["list", "position", "newItem"], returns="list", nulls=True)
def f_insert_before(items, pos, item):
    """The list with newItem inserted before the 1-based position."""
    if items is None or pos is None:
        return None
    out = list(_l(items))
    out.insert(_position(items, pos), item)
    return out


@builtin("remove", ["list", "position"], returns="list")
def f_remove(items, pos):
    """The list without the item at the 1-based position."""
    out = list(_l(items))
    del out[_position(items, pos)]
    return out


@builtin("list replace", ["list", "position", "newItem"], returns="list", nulls=True)
def f_list_replace(items, pos, item):
    """The list with the item at the 1-based position replaced by newItem."""
    if items is None or pos is None:
        return None
    items = _need(items, list, "list")
    out = list(items)
    out[_position(items, _need(pos, Decimal, "position").to_integral_value(rounding=ROUND_DOWN))] = item
    return out


@builtin("reverse", ["list"], returns="list")
def f_reverse(items):
    """The list backwards."""
    return _l(items)[::-1]


@builtin("index of", ["list", "match"], returns=("list", "number"), nulls=True)
def f_index_of(items, match):
    """The 1-based positions of the items equal to match."""
    if items is None:
        return None
    return [Decimal(i) for i, x in enumerate(_l(items), 1) if feel_eq(x, match)]


def _distinct(items):
    out = []
    for x in items:
        if not any(feel_eq(x, y) for y in out):
            out.append(x)
    return out


@builtin("union", ["*lists"], returns="list")
def f_union(*lists):
    """The items of all lists, each once."""
    return _distinct([x for lst in lists for x in _l(lst)])


@builtin("distinct values", ["list"], returns="list")
def f_distinct(items):
    """The items, each once, in first-seen order."""
    return _distinct(_l(items))


@builtin("flatten", ["list"], returns="list")
def f_flatten(items):
    """Nested lists spliced into one flat list."""
    out, stack = [], [iter(_l(items))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return out


@builtin("sort", ["list"], returns="list")
def f_sort(items):
    """The items in ascending order (numbers, strings, dates or durations of one kind)."""
    _l(items)
    if items:
        _extreme(items, min)
    return sorted(items)


# ------------------------------------------------------------------ contexts

@builtin("get value", ["m", "key"])
def f_get_value(m, key):
    """The value of a context's entry (null if there is none)."""
    return _need(m, dict, "m").get(_s(key, "key"))


@builtin("get entries", ["m"], returns="list")
def f_get_entries(m):
    """The context's entries as a list of {key, value}."""
    return [{"key": k, "value": v} for k, v in _need(m, dict, "m").items()]


@builtin("context put", [["context", "key", "value"], ["context", "keys", "value"]], returns="context",
         nulls=True)
def f_context_put(ctx, key, value):
    """The context with an entry added or replaced; a list of keys reaches into nested contexts."""
    if ctx is None or key is None:
        return None
    out = dict(_need(ctx, dict, "context"))
    if key.__class__ is list:
        if not key:
            raise FeelEvalError("the list of keys is empty")
        if len(key) > 1:
            inner = out.get(_s(key[0], "key"))
            out[key[0]] = f_context_put(inner if inner.__class__ is dict else {}, key[1:], value)
            return out
        key = key[0]
    out[_s(key, "key")] = value
    return out


@builtin("context merge", ["contexts"], returns="context")
def f_context_merge(ctxs):
    """The contexts merged; later entries win."""
    out = {}
    for c in _need(ctxs, list, "contexts"):
        out.update(_need(c, dict, "each item"))
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
    return _need(x, _dt.date, "the argument")


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
    """Whether two values are the same value of the same type."""
    if a is None or b is None:
        return a is b
    return _same_kind(a, b) and feel_eq(a, b) is True



BUILTINS._frozen = True    # extensions go to default_registry(), never into the shared built-ins
