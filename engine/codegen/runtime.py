"""What generated code calls besides the FEEL runtime (engine/feel ops, builtins, values).

Generated code does the common cases itself (Decimal arithmetic, comparisons of numbers and strings,
a context's field); everything else goes through `engine.feel.ops` and the built-ins, so the rules of
the language live in one place. This module holds the few helpers the generated code needs around them:
the properties a path may read, `instance of`, the reasons given when an operation yields null, the
domain of an iteration, and the small-number table.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from operator import truediv as _truediv

from ..feel import ops
from ..feel.budget import MAX_ITEMS
from ..feel.errors import FeelEvalError, FeelLimitError
from ..feel.temporal import DateTime, Time
from ..feel.values import FEEL_CONTEXT, DaysDuration, Range, YearsMonthsDuration, type_name

# Errors a built-in may raise on odd input: each becomes null with a reason, as FeelEvalError does.
BUILTIN_ERRORS = (ArithmeticError, ValueError, TypeError, OverflowError, IndexError)

ABSENT = object()        # a missing key, told apart from a key whose value is null

SMALL = tuple(Decimal(i) for i in range(1024))   # Decimal(len(x)) without building one each time


def dec_len(n: int) -> Decimal:
    return SMALL[n] if n < 1024 else Decimal(n)


class Stop(Exception):
    """Ends the loop (for, some/every) whose domain turned out null or too big; already reported."""


class DomainError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def domain(v, end):
    """The values an iteration `x in v` (or `x in v..end`) runs over, and how many items that spends:
    (iterable, count). Raises DomainError with the reason when there is nothing to iterate over."""
    if end is not ABSENT:
        if v.__class__ is _dt.date and end.__class__ is _dt.date:
            days = (end - v).days
            step = 1 if days >= 0 else -1
            return (v + _dt.timedelta(days=i) for i in range(0, days + step, step)), abs(days) + 1
        if v.__class__ is not Decimal or end.__class__ is not Decimal:
            raise DomainError("a range 'a..b' to iterate over needs numbers or dates at both ends")
        if v != v.to_integral_value() or end != end.to_integral_value():
            raise DomainError("a numeric range 'a..b' needs whole numbers")
        # before converting anything to int: 1..1e999999999 is too much for the budget
        if v.adjusted() > 15 or end.adjusted() > 15 or FEEL_CONTEXT.subtract(end, v).copy_abs() >= MAX_ITEMS:
            return (), MAX_ITEMS + 1
        a, b = int(v), int(end)
        if 0 <= a <= b < 1024:
            return SMALL[a:b + 1], b - a + 1      # the common 1..n: numbers made once, no generator
        step = 1 if b >= a else -1
        return (Decimal(i) for i in range(a, b + step, step)), abs(b - a) + 1
    if v is None:
        raise DomainError("the list to iterate over is null")
    if v.__class__ is Range:
        lo, hi = v.low, v.high
        if lo.__class__ is Decimal and hi.__class__ is Decimal and lo <= hi \
                and lo == lo.to_integral_value() and hi == hi.to_integral_value():
            lo = lo if v.low_closed else lo + 1
            hi = hi if v.high_closed else hi - 1
            if lo > hi:
                return (), 0
            return domain(lo, hi)
        raise DomainError("only ranges of whole numbers, from the smaller to the larger, can be iterated over")
    items = v if v.__class__ is list else [v]
    return items, len(items)


def note(D, reason: str, where: str):
    """Record why a value became null (when diagnostics are kept) and give null."""
    if D is not None:
        D.append(reason + where)
    return None


def index(items: list, i, D, where):
    """items[i] with FEEL's 1-based (negative: from the end) index."""
    if i.__class__ is Decimal and i.is_finite() and 0 < i <= len(items):
        n = int(i)
        if n == i:        # the common case: a whole index within the list
            return items[n - 1]
    if i != i.to_integral_value():
        return note(D, f"index {i} is not a whole number", where)
    if i.copy_abs() > len(items):
        return note(D, f"index {i} is outside the list of {len(items)} items", where)
    n = int(i)
    if n == 0 or abs(n) > len(items):
        return note(D, f"index {n} is outside the list of {len(items)} items", where)
    return items[n - 1] if n > 0 else items[n]


def error_reason(fname: str, e: Exception) -> str:
    if isinstance(e, FeelEvalError):
        return e.message
    if isinstance(e, ArithmeticError):
        kind = type(e).__name__
        what = {"DivisionByZero": "division by zero", "Overflow": "the result is too large"}.get(
            kind, "an invalid arithmetic operation")
        return f"'{fname}' failed: {what}"
    return f"'{fname}' failed: {e}"


def arith_reason(op, a, b) -> str:
    if op == "/" and b.__class__ is Decimal and not b:
        return "division by zero"
    return f"the result of {op!r} on {type_name(a)} and {type_name(b)} is out of range"


def cannot_compare(a, b) -> str:
    return f"cannot compare {type_name(a)} with {type_name(b)}"


def logic_reasons(word: str, a, b) -> list:
    """Why `a and b` / `a or b` is null: the operands that are neither boolean nor null."""
    return [f"'{word}' needs true or false, not a {type_name(v)}" for v in (a, b)
            if v is not None and v.__class__ is not bool]


def _properties():
    def offset(v):
        o = v.effective_offset()
        return None if o is None else DaysDuration(Decimal(o))
    moments = {
        "hour": lambda v: Decimal(v.hour), "minute": lambda v: Decimal(v.minute),
        "second": lambda v: v.second, "time offset": offset,
        "timezone": lambda v: v.zone,
    }
    props = {(Time, k): f for k, f in moments.items()}
    props.update({(DateTime, k): f for k, f in moments.items()})
    props.update({
        (DateTime, "year"): lambda d: Decimal(d.date.year),
        (DateTime, "month"): lambda d: Decimal(d.date.month),
        (DateTime, "day"): lambda d: Decimal(d.date.day),
        (DateTime, "weekday"): lambda d: Decimal(d.date.isoweekday()),
    })
    return props | {
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
_PROPERTIES = _properties()


def field(v, name: str, D, where):
    """`v.name` for anything but a context (the generated code reads a context's key itself):
    null stays null, a list gives the field of each item, a date or duration its property."""
    if v.__class__ is dict:
        r = v.get(name, ABSENT)
        return note(D, f"there is no field '{name}'", where) if r is ABSENT else r
    if v is None:
        return None
    prop = _PROPERTIES.get((v.__class__, name))
    if prop is not None:
        return prop(v)
    return note(D, f"a {type_name(v)} has no field '{name}'", where)


def fields_of(items: list, name: str, D, where):
    """`items.name` on a list: the field of each item."""
    return [x[name] if x.__class__ is dict and name in x else field(x, name, D, where) for x in items]


def equal(a, b, budget, D, where):
    """FEEL `=` with the evaluation's budget: None (with the reason) when the types differ or the
    budget is spent."""
    try:
        r = ops.feel_eq(a, b, budget)
    except FeelLimitError as e:
        return note(D, e.message, where)
    if r is None and not (a.__class__ in (Time, DateTime) and a.__class__ is b.__class__):
        return note(D, f"cannot compare {type_name(a)} with {type_name(b)}", where)
    if r is None:
        return note(D, f"cannot compare a {type_name(a)} with a time zone and one without", where)
    return r


class Chain:
    """What a function value defined inside a context literal sees: the context's entries (those made
    after the function too, as FEEL's scope does), then the names around, as they were."""
    __slots__ = ("dicts", "rest")

    def __init__(self, rest: dict, dicts: tuple):
        self.rest, self.dicts = rest, dicts

    def __getitem__(self, key):
        for d in self.dicts:
            if key in d:
                return d[key]
        return self.rest[key]

    def __contains__(self, key):
        return any(key in d for d in self.dicts) or key in self.rest


# The syntax tree and the type rules (engine/feel/nodes.py, types.py) are imported only when a value
# needs them: a rule set read from the cache whose values have their declared types never does.

def type_ref(name, params=(), fields=(), result=None):
    from ..feel.nodes import TypeRef
    return TypeRef(name, params, fields, result)


def instance_of(value, t, budget=None):
    from ..feel.types import instance_of
    return instance_of(value, t, budget)


# a value already of a simple declared type is itself (conform gives it back): no type rules imported
_OF_TYPE = {"number": Decimal, "string": str, "boolean": bool, "date": _dt.date, "list": list, "context": dict}


def typed(value, t, budget, D):
    """An element's value as its declared type (engine/feel/types.py conform), or null with the reason.
    `t` is a TypeRef, or the name of a simple type."""
    if value is None or (t.__class__ is str and value.__class__ is _OF_TYPE.get(t)):
        return value
    from ..feel.types import conform
    try:
        return conform(value, t, budget)
    except TypeError as exc:
        if D is not None:
            D.append(f"the value is not of the declared type ({exc}), so it is null")
        return None
    except FeelLimitError as exc:
        if D is not None:
            D.append(exc.message)
        return None


def limit_message(reached: str) -> dict:
    """The finding of the element after which an evaluation's budget is spent."""
    return {"zh": f"本次评估已达资源上限（{reached}），其后的值为空",
            "en": f"The evaluation reached its limit ({reached}); values from here on that needed more are null"}


def _nested(v) -> int:
    """The items of the lists and contexts in v, nested ones included (what budget.size_within counts)."""
    n = 0
    stack = [v]
    while stack:
        x = stack.pop()
        if x.__class__ is list:
            n += len(x)
            stack.extend(x)
        elif x.__class__ is dict:
            n += len(x)
            stack.extend(x.values())
    return n


def machine_extra(history: int, ignored: list) -> int:
    """What a state machine's value would count in its history and ignored events, made without them
    (nobody reads them): two entries, the history's items of six entries each, the ignored events."""
    return 2 + 7 * history + _nested(ignored)


def item_scope(it) -> dict:
    """What names a filter's condition sees in the item (as a function made there keeps): its entries
    when it is a context, and `item` (unless the context has an entry of that name)."""
    if it.__class__ is dict:
        if "item" in it:
            return it
        out = dict(it)
        out["item"] = it
        return out
    return {"item": it}


# ------------------------------------------------------------------ elements: findings, trace, hit policies

_AS_IS = frozenset({str, Decimal, bool, type(None), int})     # what the result document shows as it is


def plain(value):
    """A value as the result document shows it (jsonout.plain), the common cases inline: the items
    and entries that are shown as they are without a call each."""
    cls = value.__class__
    if cls in _AS_IS:
        return value
    if cls is _dt.date:
        return value.isoformat()
    if cls is list or cls is tuple:
        return [v if v.__class__ in _AS_IS else plain(v) for v in value]
    if cls is dict:
        return {k: v if v.__class__ in _AS_IS else plain(v) for k, v in value.items()}
    if cls is YearsMonthsDuration or cls is DaysDuration:
        return str(value)        # as jsonout.plain gives it (values.to_plain)
    from ..jsonout import plain as general
    return general(value)


def machine_value(value):
    """A state machine's value in the result: its history and ignored events are for the trace only."""
    if value.__class__ is dict:
        # plain() of the rest, in one pass: its entries are texts, dates and null (a date as plain gives it)
        out = {}
        for k, v in value.items():
            if k != "history" and k != "ignored":
                c = v.__class__
                out[k] = v if c in _AS_IS else v.isoformat() if c is _dt.date else plain(v)
        return out
    return plain(value)


def shown(value, parts, summarize: bool):
    """What the trace shows for a dotted path the element read: the value there (through contexts, and
    lists of contexts, as FEEL does); a whole structure of the case given by its size when it is long."""
    node = value
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list):
            node = [x.get(part) if isinstance(x, dict) else None for x in node]
        else:
            node = None
            break
    if summarize and isinstance(node, (dict, list)) and _longer_than(node, 200):
        return f"({len(node)} items)" if isinstance(node, list) else "(a group of fields)"
    return plain(node)


def _longer_than(value, limit: int) -> bool:
    """len(str(value)) > limit, without making the whole text of a large structure."""
    return _repr_len(value, limit) > limit


def _repr_len(value, limit: int) -> int:
    """len(repr(value)) for lists and dicts of anything, or some number above limit once it is sure."""
    cls = value.__class__
    if cls is list:
        if not value:
            return 2
        n = 2 * len(value)
        for x in value:
            n += _repr_len(x, limit)
            if n > limit:
                return n
        return n
    if cls is dict:
        if not value:
            return 2
        n = 4 * len(value) - 2 + 2
        for k, x in value.items():
            n += len(repr(k)) + _repr_len(x, limit)
            if n > limit:
                return n
        return n
    return len(repr(value))


def function_findings(findings: list, notes: list, eid: str, clause: str, tags: list, interpretation) -> None:
    """Notes a registered function made while the element ran (a calendar fallback) become its findings."""
    for msg in notes:
        f = {"id": f"{eid}.function_note", "clause": clause, "severity": "note", "message": msg}
        if tags:
            f["tags"] = list(tags)
        if interpretation:
            f["interpretation"] = interpretation
        findings.append(f)
    notes.clear()


def hit_result(policy: str, aggregation, results: list, rows: list, names: list, priority: list, D):
    """A decision table's value from the outputs of its matching rows (ANY, PRIORITY, COLLECT, RULE ORDER)."""
    if policy == "ANY":
        if any(r != results[0] for r in results[1:]):
            if D is not None:
                D.append(f"hit policy ANY but rows {', '.join(str(r) for r in rows)} give different outputs")
            return None
        return results[0]
    if policy == "PRIORITY":
        def rank(res):
            key = res if len(names) == 1 else res[names[0]]
            return priority.index(key) if key in priority else len(priority)
        return min(results, key=rank)
    if policy == "RULE ORDER" or (policy == "COLLECT" and not aggregation):
        return results
    if aggregation == "COUNT":
        return Decimal(len(results))
    if aggregation != "SUM":       # DMN defines C< and C> by FEEL's min and max: any ordered values of one kind
        from ..feel.builtins import f_max, f_min
        try:
            return (f_min if aggregation == "MIN" else f_max)(results)
        except FeelEvalError as exc:
            if D is not None:
                D.append(f"COLLECT {aggregation}: {exc}")
            return None
    nums = [r for r in results if isinstance(r, Decimal)]
    if len(nums) != len(results):
        if D is not None:
            D.append(f"COLLECT {aggregation} needs numbers, got {results}")
        return None
    return sum(nums, Decimal(0))


def display_env(env, name: str, placeholder: str, sep: str) -> str:
    """A message's {name} for a top-level field of the case the schema does not describe."""
    if name in env:
        from ..elements import display
        return display(env[name], sep)
    return placeholder


# ------------------------------------------------------------------ built-ins: the common case in one pass
# Each gives the built-in's value for its common case, or NO to say "not this case: call the built-in"
# (which then gives the value, or the reason it cannot). The built-ins stay the definition.

NO = object()
# Anything odd on the way (an overflow, a NaN) is not the common case either: each helper catches
# (ArithmeticError, ValueError, TypeError) itself, as one Python call less per built-in call counts.
_ODD = (ArithmeticError, ValueError, TypeError)


def add_texts(a: str, b: str, budget):
    """`a + b` of two strings: ops.add's result and spend; past a limit, ops.add says which."""
    n = len(a) + len(b)
    if n > budget.chars or n > ops.MAX_STRING:
        return ops.add(a, b, budget)
    budget.chars -= n
    return a + b


def concat_lists(budget, *lists):
    """concatenate(lists...) of lists: one spend of what builtins.f_concatenate spends list by list
    (past the budget either way: the same error, nothing made)."""
    n = 0
    for x in lists:
        n += len(x)
    budget.spend(n)
    out = []
    for x in lists:
        out += x
    return out


def sum_numbers(items):
    """sum(list) of numbers."""
    if not items:
        return NO
    try:
        add = FEEL_ADD
        total = ZERO
        for x in items:
            if x.__class__ is not Decimal:
                return NO
            total = add(total, x)
        return total
    except _ODD:
        return NO


def mean_numbers(items, total_of=None, divide=None):
    """mean(list) of numbers (in the FEEL context's methods, or by `total_of` and `divide`)."""
    total = (total_of or sum_numbers)(items)
    if total is NO:
        return NO
    try:
        return (divide or FEEL_DIVIDE)(total, dec_len(len(items)))
    except _ODD:
        return NO


def sum_in_context(items):
    """sum_numbers where FEEL_CONTEXT is decimal's current context (a rule set's run function): the same
    additions in the same order, by the operator (Python's sum) rather than a method call each."""
    if not items:
        return NO
    for x in items:
        if x.__class__ is not Decimal:
            return NO
    try:
        return sum(items, ZERO)
    except _ODD:
        return NO


def mean_in_context(items):
    """mean_numbers where FEEL_CONTEXT is the current context."""
    return mean_numbers(items, sum_in_context, _truediv)


def distinct_strings(items):
    """distinct values(list) of strings: each once, in first-seen order."""
    for x in items:
        if x.__class__ is not str:
            return NO
    return list(dict.fromkeys(items))


def substring_at(s, start, length):
    """substring(s, start, length) for a whole start from 1 and a whole length from 1 that stay within
    s; anything else (NO) is the general function's (its null and its reason)."""
    if start.__class__ is not Decimal or length.__class__ is not Decimal or not start.is_finite() \
            or not length.is_finite():
        return NO
    if start < 1 or length < 1 or start + length > len(s) + 1:
        return NO
    begin = int(start)
    n = int(length)
    if begin != start or n != length:
        return NO
    return s[begin - 1:begin - 1 + n]


ZERO = Decimal(0)
FEEL_ADD, FEEL_DIVIDE = FEEL_CONTEXT.add, FEEL_CONTEXT.divide


# values of one class that Python orders as FEEL does (ops.ORDERED less times and dates and times,
# whose order is by their instant)
_PLAIN_ORDERED = frozenset({Decimal, str, _dt.date, YearsMonthsDuration, DaysDuration})


def _one_plain_class(items) -> bool:
    c = items[0].__class__
    if c not in _PLAIN_ORDERED:
        return False
    for x in items:
        if x.__class__ is not c:
            return False
    return True


def max_plain(items):
    """max(list) of a non-empty list of numbers, strings, dates or durations of one kind, else NO
    (builtins.f_max: the first of equals)."""
    return max(items) if items and _one_plain_class(items) else NO


def min_plain(items):
    """min(list), as max_plain."""
    return min(items) if items and _one_plain_class(items) else NO


def sorted_plain(items):
    """sort(list) without a function: builtins.f_sort's order for items of one such kind, else NO."""
    if not items:
        return []
    return sorted(items) if _one_plain_class(items) else NO


def entries(m: dict, budget) -> list:
    """get entries(m) of a context: builtins.f_get_entries's spending and list."""
    budget.spend(len(m))
    return [{"key": k, "value": v} for k, v in m.items()]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(d: _dt.date, months: int) -> _dt.date:
    """ops.add_months (the same date, the same error) without calendar.monthrange."""
    y, m = divmod(d.year * 12 + (d.month - 1) + months, 12)
    if not 1 <= y <= 9999:
        raise FeelEvalError("the date is out of range")
    day = d.day
    if day > 28:
        last = (29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28) if m == 1 else _MONTH_DAYS[m]
        if day > last:
            day = last
    return _dt.date(y, m + 1, day)
