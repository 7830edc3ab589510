"""A generator profile's field specifications, compiled once into drawing functions.

A spec is a mapping with one *source* (how a value is drawn) and optional modifiers (whether it is
present, bounds, rounding). `compile_spec` turns it into a function of a drawing context that returns
the value or MISSING (the field is left out). Specs nest: a list's items, an object's fields, a
template's parts and a switch's cases are specs too. The README's "Generator profiles" lists every
key; `SOURCES` below is the authoritative list.

Random reals are binary floats (the sampling of `random`); every value that reaches a case is
quantised first: to an integer, to a multiple of `step` rounded to the step's decimal places (whose
shortest float text is exactly that decimal, so the JSON written is the intended number), or to a
whole day.
"""
from __future__ import annotations

import bisect
import calendar
import math
import operator
import re
from datetime import date, timedelta
from decimal import Decimal

MISSING = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SpecError(Exception):
    """A mistake in a profile, at `path` (a tuple into the profile document)."""

    def __init__(self, message: str, path=()):
        super().__init__(message)
        self.message = message
        self.path = tuple(path)


# what a value of the wrong kind raises when drawn (a list as a mean, a text times a number)
DRAW_FAILURES = (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError)


class DrawError(Exception):
    """A value drawn that does not fit how the profile uses it (a variable of another kind than its
    uses take, a choice naming no case), found only when drawing: `path` is where, from the field
    or variable drawn inward."""

    def __init__(self, reason: str, path=()):
        super().__init__(reason)
        self.reason = reason
        self.path = tuple(path)


class Ctx:
    """What a drawing function sees: the random source, the case drawn so far, the profile's
    variables, and the list items being built (innermost last)."""
    __slots__ = ("rnd", "case", "vars", "items", "prev", "pos", "index", "seed")

    def __init__(self, rnd):
        self.rnd = rnd
        self.case = {}
        self.vars = {}
        self.items = []
        self.prev = []
        self.pos = []
        self.index = 0
        self.seed = 0


def real(x):
    """A YAML number (exact Decimal) as a binary real for sampling; ints stay ints."""
    if isinstance(x, Decimal):
        n, d = x.as_integer_ratio()
        return n if d == 1 else n / d
    return x


# ------------------------------------------------------------------ references

def _segments(text: str, path):
    out = []
    for part in text.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[-?\d+\])*)", part)
        if not m:
            raise SpecError(f"'{text}' is not a reference (names separated by dots, optionally [n] or [-1])", path)
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(-?\d+)\]", m.group(2)))
    return out


def _walk(node, segs):
    for s in segs:
        if node is None:
            return None
        if isinstance(s, int):
            if not isinstance(node, list) or not node:
                return None
            try:
                node = node[s - 1 if s > 0 else s]
            except IndexError:
                return None
        elif isinstance(node, dict):
            node = node.get(s)
        elif isinstance(node, list):   # a list of records: the list of their fields (FEEL's projection)
            node = [x.get(s) for x in node if isinstance(x, dict) and x.get(s) is not None]
        else:
            return None
    return node


_COLLECTOR: list | None = None


def collect_refs(into, token=None):
    """While a profile compiles, every reference is recorded (text, path) so the profile can check them."""
    global _COLLECTOR
    previous = _COLLECTOR
    _COLLECTOR = into if into is not None else token
    return previous


def ref_segments(text: str):
    return _segments(text, ())


def ref_head(text: str) -> str:
    return _segments(text, ())[0]


def compile_ref(text, path=()):
    """A reference as a getter: `$name[.field]` (a variable), `item.field` (the list item being
    built), `prev.field` (the item before it in its list), `position` (the item's place in its
    list, from 1), or a dotted path from the case's root."""
    if not isinstance(text, str) or not text:
        raise SpecError(f"expected a reference, found {text!r}", path)
    if _COLLECTOR is not None:
        _COLLECTOR.append((text, tuple(path)))
    if text.startswith("$"):
        segs = _segments(text[1:], path)
        name, rest = segs[0], segs[1:]
        if not rest:
            def var(ctx):
                return ctx.vars.get(name)
            var.var = name      # what copy, switch and when read without calling it
            return var
        if len(rest) == 1 and isinstance(rest[0], str):
            field = rest[0]

            def var_field(ctx):
                v = ctx.vars.get(name)
                return v.get(field) if isinstance(v, dict) else _walk(v, rest)
            return var_field
        return lambda ctx: _walk(ctx.vars.get(name), rest)
    segs = _segments(text, path)
    if segs == ["position"]:
        return lambda ctx: ctx.pos[-1] if ctx.pos else None
    if segs[0] == "item":
        rest = segs[1:]
        if len(rest) == 1 and isinstance(rest[0], str):
            field = rest[0]

            def item_field(ctx):
                return ctx.items[-1].get(field) if ctx.items else None
            item_field.item_field = field
            return item_field
        return lambda ctx: _walk(ctx.items[-1], rest) if ctx.items else None
    if segs[0] == "prev":
        rest = segs[1:]
        return lambda ctx: _walk(ctx.prev[-1], rest) if ctx.prev and ctx.prev[-1] is not None else None
    if len(segs) == 2 and all(isinstance(x, str) for x in segs):
        a, b = segs

        def two(ctx):
            v = ctx.case.get(a)
            if isinstance(v, dict):
                return v.get(b)
            return _walk(v, [b]) if isinstance(v, list) else None
        return two
    if len(segs) == 3 and all(isinstance(x, str) for x in segs):
        a, b, c = segs

        def three(ctx):     # order.lines.count: often read in every item of a list
            v = ctx.case.get(a)
            if v.__class__ is dict:
                v = v.get(b)
                return v.get(c) if v.__class__ is dict else _walk(v, [c])
            return _walk(v, [b, c])
        return three
    return lambda ctx: _walk(ctx.case, segs)


def _value_or_ref(v, path, as_date=False):
    """A parameter: a literal, a reference (text), or a nested spec (a mapping)."""
    if isinstance(v, dict):
        draw = _draw(compile_spec(v, path))

        def nested(ctx):
            x = draw(ctx)
            return None if x is MISSING else x
        return nested
    if isinstance(v, str):
        if _DATE.match(v):
            return _const(date.fromisoformat(v))
        get = compile_ref(v, path)
        if as_date:
            return lambda ctx: _as_date(get(ctx))
        return get
    return _const(real(v))


def _const(c):
    """A literal parameter as a getter that also says its value (`.const`), so a drawing function
    can take it once, when compiled, rather than call it for every value."""
    def get(ctx):
        return c
    get.const = c
    return get


def _arg(get):
    """(None, value) for a literal parameter, (getter, None) otherwise."""
    return (None, get.const) if hasattr(get, "const") else (get, None)


def _as_date(v):
    if isinstance(v, date):
        return v
    if isinstance(v, str) and _DATE.match(v):
        return date.fromisoformat(v)
    return None


# ------------------------------------------------------------------ numbers

def _places(step) -> int:
    return max(0, -Decimal(str(step)).normalize().as_tuple().exponent) if step is not None else 0


def _quantiser(step, integer: bool):
    """x -> the nearest multiple of step (an int when the step is whole), or x unchanged without a step."""
    if step is None:
        return (lambda x: int(round(x))) if integer else (lambda x: x)
    places = _places(step)
    s = real(step)
    if places == 0:
        s = int(s)
        return lambda x: int(round(x / s)) * s
    def q(x):
        v = round(round(x / s) * s, places)
        return int(v) if v == int(v) else v      # 9, not 9.0
    return q


def _bounded(draw, spec, path, integer):
    q = _quantiser(spec.get("step", 1 if integer else None), integer)
    lo, lo_v = _arg(_value_or_ref(spec["min"], path + ("min",))) if "min" in spec else (None, None)
    hi, hi_v = _arg(_value_or_ref(spec["max"], path + ("max",))) if "max" in spec else (None, None)
    times = _value_or_ref(spec["times"], path + ("times",)) if "times" in spec else None

    def fn(ctx):
        x = draw(ctx)
        if x is None:
            return MISSING
        if times is not None:
            t = times(ctx)
            if t is None:
                return MISSING
            x = x * t
        m = lo_v if lo is None else lo(ctx)
        if m is not None and x < m:
            x = m
        m = hi_v if hi is None else hi(ctx)
        if m is not None and x > m:
            x = m
        return q(x)
    return fn


def _pair(spec, key, path):
    v = spec[key]
    if not isinstance(v, list) or len(v) != 2:
        raise SpecError(f"'{key}' takes two values, [{'mean, sd' if key == 'normal' else 'low, high'}]", path + (key,))
    return _value_or_ref(v[0], path + (key, 0)), _value_or_ref(v[1], path + (key, 1))


def _normal(spec, path, integer):
    (mean, mean_v), (sd, sd_v) = map(_arg, _pair(spec, "normal", path))

    def draw(ctx):
        m = mean_v if mean is None else mean(ctx)
        s = sd_v if sd is None else sd(ctx)
        return None if m is None or s is None else ctx.rnd.gauss(m, s)
    return _bounded(draw, spec, path, integer)


def _lognormal(spec, path, integer):
    (median, median_v), (sigma, sigma_v) = map(_arg, _pair(spec, "lognormal", path))

    def draw(ctx):
        m = median_v if median is None else median(ctx)
        s = sigma_v if sigma is None else sigma(ctx)
        return None if not m or s is None else m * math.exp(ctx.rnd.gauss(0, s))
    return _bounded(draw, spec, path, integer)


def randint(rnd, a: int, b: int) -> int:
    """rnd.randint(a, b), the same numbers drawn the same way (randint is randrange(a, b + 1), which
    for a non-empty range is a + _randbelow(width)), without its two layers of argument checks: a
    profile draws a dozen of these per case."""
    if b < a:
        return rnd.randint(a, b)     # its error
    return a + rnd._randbelow(b - a + 1)


def _range(spec, path, integer):
    (lo, lo_v), (hi, hi_v) = map(_arg, _pair(spec, "range", path))
    step = spec.get("step")
    whole = integer or (step is None and all(isinstance(v, int) for v in spec["range"]))
    log = bool(spec.get("log"))
    if whole and step is None and not log:
        def draw_int(ctx):
            a = lo_v if lo is None else lo(ctx)
            b = hi_v if hi is None else hi(ctx)
            if a is None or b is None or b < a:
                return None
            a = int(a)
            return a + ctx.rnd._randbelow(int(b) - a + 1)     # randint(a, b): see randint
        return _bounded(draw_int, dict(spec, step=1), path, True)

    def draw(ctx):
        a = lo_v if lo is None else lo(ctx)
        b = hi_v if hi is None else hi(ctx)
        if a is None or b is None or b < a:
            return None
        if log and a > 0:
            return math.exp(ctx.rnd.uniform(math.log(a), math.log(b)))
        return ctx.rnd.uniform(a, b)
    s = dict(spec)
    if whole and step is None:
        s["step"] = 1
    return _bounded(draw, s, path, whole)


# ------------------------------------------------------------------ choices

def _weights(options, weights, path):
    if weights is None:
        return None
    if not isinstance(weights, list) or len(weights) != len(options) or not all(isinstance(w, (int, Decimal)) and w >= 0 for w in weights):
        raise SpecError(f"'weights' needs one number >= 0 per option ({len(options)})", path + ("weights",))
    cum, total = [], 0
    for w in weights:
        total += real(w)
        cum.append(total)
    if total <= 0:
        raise SpecError("'weights' add up to 0", path + ("weights",))
    return cum


def choice_table(spec, path):
    """A choice's options as they appear in a case, and their cumulative weights (None: equal)."""
    options = spec["choice"]
    weights = spec.get("weights")
    if isinstance(options, dict):
        options, weights = list(options), list(options.values())
    if not isinstance(options, list) or not options:
        raise SpecError("'choice' needs a non-empty list of options (or a mapping of option: weight)", path + ("choice",))
    options = [_plain(o) for o in options]
    return options, _weights(options, weights, path)


def _choice(spec, path):
    options, cum = choice_table(spec, path)
    excluded = [compile_ref(r, path + ("not_in",)) for r in _listify(spec.get("not_in"))]
    n = len(options)
    if not excluded:
        if cum is None:
            return lambda ctx: options[int(ctx.rnd.random() * n)]
        total = cum[-1]
        return lambda ctx: options[bisect.bisect_right(cum, ctx.rnd.random() * total)]

    everyone = list(range(n))
    can_be_taken = [i for i, o in enumerate(options) if isinstance(o, (str, int))]

    def fn(ctx):
        taken = set()
        for get in excluded:
            v = get(ctx)
            if isinstance(v, list):
                taken.update([x for x in v if isinstance(x, (str, int))])
            elif isinstance(v, (str, int)):
                taken.add(v)
        if taken:
            out = {i for i in can_be_taken if options[i] in taken}
            free = [i for i in everyone if i not in out] if out else everyone
        else:
            free = everyone
        if not free:
            return MISSING
        if cum is None:
            return options[free[int(ctx.rnd.random() * len(free))]]
        ws = [cum[i] - (cum[i - 1] if i else 0) for i in free]
        return options[free[ctx.rnd.choices(range(len(free)), weights=ws)[0]]]
    return fn


def _plain(v):
    """A YAML value as it will appear in a case: exact numbers become int or (rounded) real."""
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return int(v)
        return real(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _listify(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


# ------------------------------------------------------------------ dates

def add_months(d: date, months: int) -> date:
    """Calendar months, the day clamped to the month's end (as FEEL's date + duration)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = d.day
    if day > 28:        # every month has 28 days: only a later day may need clamping
        day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _offset(spec, key, path):
    if key not in spec:
        return None
    v = spec[key]
    if isinstance(v, list):
        (lo, lo_v), (hi, hi_v) = map(_arg, _pair(spec, key, path))

        def offset(ctx):
            a = lo_v if lo is None else lo(ctx)
            b = hi_v if hi is None else hi(ctx)
            return None if a is None or b is None else randint(ctx.rnd, int(a), int(b))
        return offset
    return _value_or_ref(v, path + (key,))


def _date(spec, path):
    years, months, days = (_offset(spec, k, path) for k in ("years", "months", "days"))
    lo = _value_or_ref(spec["min"], path + ("min",), as_date=True) if "min" in spec else None
    hi = _value_or_ref(spec["max"], path + ("max",), as_date=True) if "max" in spec else None
    if "after" in spec:
        anchors = [compile_ref(r, path + ("after",)) for r in _listify(spec["after"])]
        var = getattr(anchors[0], "var", None) if len(anchors) == 1 else None

        def base(ctx):
            if var is not None:     # after: $issued, the usual kind
                d = ctx.vars.get(var)
                return d if d.__class__ is date else _as_date(d)
            for a in anchors:
                d = _as_date(a(ctx))
                if d is not None:
                    return d
            return None
    else:
        if not isinstance(spec["date"], list) or len(spec["date"]) != 2:
            raise SpecError("'date' takes [first, last] (dates or references)", path + ("date",))
        first = _value_or_ref(spec["date"][0], path + ("date", 0), as_date=True)
        last = _value_or_ref(spec["date"][1], path + ("date", 1), as_date=True)

        def base(ctx):
            a, b = first(ctx), last(ctx)
            if a is None or b is None or b < a:
                return None
            return a + timedelta(days=ctx.rnd._randbelow((b - a).days + 1))     # randint(0, days)

    # literal offsets (years: 3, days: -1) taken once; those drawn are drawn in the order years,
    # months, days, as written
    shift = None
    if years is None or hasattr(years, "const"):
        if months is None or hasattr(months, "const"):
            if years is not None or months is not None:
                n = (years.const or 0) * 12 if years is not None else 0
                n += (months.const or 0) if months is not None else 0
                shift = int(n)
                years = months = None
    step = None
    if days is not None and hasattr(days, "const"):
        step = timedelta(days=int(days.const or 0))
        days = None

    def fn(ctx):
        d = base(ctx)
        if d is None:
            return MISSING
        if shift is not None:
            d = add_months(d, shift)
        elif years is not None or months is not None:
            n = (years(ctx) or 0) * 12 if years is not None else 0
            n += (months(ctx) or 0) if months is not None else 0
            d = add_months(d, int(n))
        if step is not None:
            d += step
        elif days is not None:
            d += timedelta(days=int(days(ctx) or 0))
        if lo is not None:
            m = lo(ctx)
            if m is not None and d < m:
                d = m
        if hi is not None:
            m = hi(ctx)
            if m is not None and d > m:
                d = m
        return d
    return fn


def _date_text(spec, path):
    get = compile_ref(spec["date_text"], path + ("date_text",))
    fmt = spec.get("format", "%Y-%m-%d")
    if not isinstance(fmt, str) or not re.fullmatch(r"(?:[^%]|%[YmdyjU%])*", fmt):
        raise SpecError("'format' may use %Y %y %m %d %j %U (and %%) only", path + ("format",))

    def fn(ctx):
        d = _as_date(get(ctx))
        return MISSING if d is None else d.strftime(fmt)
    return fn


# ------------------------------------------------------------------ text

def check_character(alphabet: str, weights, modulus: int, complement: bool = True, symbols: str | None = None):
    """A weighted-sum check character: each character's position in `alphabet` times its weight,
    summed modulo `modulus`; with `complement`, (modulus - sum) mod modulus; the result indexes
    `symbols` (default: the alphabet). Covers GB 32100-style codes and ISO 7064-style ones."""
    symbols = symbols or alphabet
    index = {c: i for i, c in enumerate(alphabet)}
    w = list(weights)
    n = len(w)
    at = index.__getitem__

    def fn(text: str):
        if len(text) != n:
            return None
        try:
            s = sum(map(operator.mul, map(at, text), w)) % modulus
        except KeyError:        # a character not in the alphabet
            return None
        r = (modulus - s) % modulus if complement else s
        return symbols[r] if r < len(symbols) else None
    return fn


def _check(spec, path):
    c = spec.get("check")
    if c is None:
        return None
    p = path + ("check",)
    if not isinstance(c, dict) or not {"alphabet", "weights", "modulus"} <= set(c) or set(c) - {"alphabet", "weights", "modulus", "complement", "symbols"}:
        raise SpecError("'check' takes alphabet, weights and modulus (and optionally complement, symbols)", p)
    if not isinstance(c["weights"], list) or not all(isinstance(x, (int, Decimal)) for x in c["weights"]):
        raise SpecError("'weights' is a list of whole numbers, one per character", p + ("weights",))
    return check_character(str(c["alphabet"]), [int(x) for x in c["weights"]], int(c["modulus"]),
                           bool(c.get("complement", True)), c.get("symbols"))


def _template(spec, path):
    text = spec["template"]
    if not isinstance(text, str):
        raise SpecError("'template' is text with {part} placeholders", path + ("template",))
    parts = spec.get("parts") or {}
    if not isinstance(parts, dict):
        raise SpecError("'parts' maps each placeholder to a spec", path + ("parts",))
    pieces = re.split(r"\{([^{}]+)\}", text)
    fns = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            if piece:
                fns.append(piece)
        elif piece in parts:
            fns.append(_draw(compile_spec(parts[piece], path + ("parts", piece))))
        elif piece in ("index", "seed"):
            fns.append(piece)
        else:
            raise SpecError(f"the placeholder {{{piece}}} has no entry in 'parts'", path + ("template",))
    unused = set(parts) - set(pieces[1::2])
    if unused:
        raise SpecError(f"'parts' has entries the template does not use: {', '.join(sorted(unused))}", path + ("parts",))
    check = _check(spec, path)
    # literal text as itself, every other piece as a function of the context; each piece is drawn
    # even after one is missing, so the random stream does not depend on which
    plan = []
    for f in fns:
        if f == "index":
            plan.append(lambda ctx: ctx.index)
        elif f == "seed":
            plan.append(lambda ctx: ctx.seed)
        else:
            plan.append(f)
    plan = tuple(plan)

    def fn(ctx):
        out = []
        missing = False
        for f in plan:
            if f.__class__ is str:
                out.append(f)
                continue
            v = f(ctx)
            c = v.__class__
            if c is not str:
                if c is int:
                    v = str(v)
                elif v is MISSING or v is None:
                    missing = True
                    continue
                else:
                    v = _text(v)
            out.append(v)
        if missing:
            return MISSING
        s = "".join(out)
        if check is not None:
            c = check(s)
            if c is None:
                return MISSING
            s += c
        return s
    return fn


def _text(v) -> str:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _chars(spec, path):
    n = spec.get("chars", spec.get("digits"))
    alphabet = "0123456789" if "digits" in spec else spec.get("from")
    if not isinstance(n, int) or n < 1 or not isinstance(alphabet, str) or not alphabet:
        raise SpecError("'chars: N' needs 'from: ALPHABET' ('digits: N' draws from 0-9)", path)
    k = len(alphabet)
    return lambda ctx: "".join(alphabet[int(ctx.rnd.random() * k)] for _ in range(n))


# ------------------------------------------------------------------ structures
#
# Every compiled spec is `fill(ctx, parent, key)`: it sets parent[key] when the value is present and
# leaves it unset otherwise. Containers (objects, lists) are put in place *before* their contents are
# drawn, so a later field can refer to an earlier one (`crew.name` while the crew is built).

def compile_fields(fields: dict, path, schema=None):
    """An object's fields as (name, fill) pairs, drawn in the order written; dotted names nest."""
    return _compile_tree(field_tree(fields, path), schema)


def field_tree(fields: dict, path):
    """An object's fields as a tree, in the order written: {name: {"__spec__", "__path__"} or
    {"__fields__": tree}} (a dotted name is a path of nested objects)."""
    if not isinstance(fields, dict):
        raise SpecError("'fields' maps field names to specs", path)
    tree: dict = {}
    for name, spec in fields.items():
        node = tree
        parts = str(name).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {"__fields__": {}})
            if "__fields__" not in node:
                raise SpecError(f"'{name}': '{part}' already has a spec of its own", path + (name,))
            node = node["__fields__"]
        if parts[-1] in node:
            raise SpecError(f"'{name}' is given twice", path + (name,))
        node[parts[-1]] = {"__spec__": spec, "__path__": path + (name,)}
    return tree


def _compile_tree(tree, schema):
    props = (schema or {}).get("properties") if isinstance(schema, dict) else None
    closed = isinstance(schema, dict) and schema.get("additionalProperties") is False
    props = props if isinstance(props, dict) else {}
    compiled = []
    for name, node in tree.items():
        sub = props.get(name)
        if sub is None and closed:
            where = node.get("__path__") or _first_path(node)
            raise SpecError(f"the case schema has no field '{name}' here (it has {', '.join(props) or 'none'})", where)
        if "__spec__" in node:
            compiled.append((name, compile_spec(node["__spec__"], node["__path__"], sub)))
        else:
            compiled.append((name, _object_fill(_compile_tree(node["__fields__"], sub))))
    return compiled


def _first_path(node):
    while "__path__" not in node:
        node = next(iter(node["__fields__"].values()))
    return node["__path__"]


def fill_plan(compiled):
    """(name, fill, draw) for `fill_fields`: a field that is a value (not an object or a list built
    in place) is drawn by its draw function directly, one call per field rather than two."""
    return tuple((name, f, getattr(f, "draw", None)) for name, f in compiled)


def fill_fields(ctx, obj, plan):
    """Draw the fields of `plan` that `obj` does not have yet into it, in order."""
    for name, f, draw in plan:
        if name not in obj:
            try:
                if draw is None:
                    f(ctx, obj, name)
                else:
                    v = draw(ctx)
                    if v is not MISSING:
                        obj[name] = v
            except DrawError as exc:
                exc.path = (name,) + exc.path
                raise
            except SpecError as exc:
                raise DrawError(exc.message, (name,)) from None
            except DRAW_FAILURES as exc:
                raise DrawError(str(exc), (name,)) from None


def _object_fill(compiled):
    """Fill the object at parent[key] (kept if given, e.g. by a story) field by field; empty: removed."""
    plan = fill_plan(compiled)

    def fill(ctx, parent, key):
        obj = parent.get(key)
        if not isinstance(obj, dict):
            obj = parent[key] = {}
        fill_fields(ctx, obj, plan)
        if not obj:
            del parent[key]
    fill.plan = plan    # a list fills its items with it directly
    return fill


def _draw(fill):
    """A fill used where a value is needed (a parameter given as a nested spec)."""
    if getattr(fill, "draw", None) is not None:
        return fill.draw

    def draw(ctx):
        holder = {}
        fill(ctx, holder, "v")
        return holder.get("v", MISSING)
    return draw


def _setter(draw):
    def fill(ctx, parent, key):
        v = draw(ctx)
        if v is not MISSING:
            parent[key] = v
    fill.draw = draw
    return fill


def _list(spec, path, schema):
    p = path + ("list",)
    body = spec["list"]
    if not isinstance(body, dict):
        raise SpecError("'list' takes count and item (or stories)", p)
    unknown = set(body) - {"count", "item", "stories", "order_by"}
    if unknown:
        raise SpecError(f"unknown key(s) in 'list': {', '.join(sorted(map(str, unknown)))} (count, item, stories, order_by)", p)
    item_schema = schema.get("items") if isinstance(schema, dict) else None
    item = compile_spec(body["item"], p + ("item",), item_schema) if "item" in body else None
    item_is_object = isinstance(body.get("item"), dict) and "fields" in body["item"]
    stories = cum = None
    if "stories" in body:
        st = body["stories"]
        if not isinstance(st, list) or not st or not all(isinstance(s, dict) and isinstance(s.get("items"), list) for s in st):
            raise SpecError("'stories' is a list of {weight, items: [item, ...]}", p + ("stories",))
        stories = [[_plain(x) for x in s["items"]] for s in st]
        cum = _weights(stories, [s.get("weight", 1) for s in st], p + ("stories",))
        if "count" in body:
            raise SpecError("'list' takes 'count' or 'stories', not both", p)
    elif "count" not in body:
        raise SpecError("'list' needs 'count' (or 'stories')", p)
    count = _offset(body, "count", p) if "count" in body else None
    order = body.get("order_by")
    plan = getattr(item, "plan", None)      # an object item (without a condition of its own)
    draw = getattr(item, "draw", None)      # a value item

    def fill(ctx, parent, key):
        if stories is not None:
            stubs = stories[bisect.bisect_right(cum, ctx.rnd.random() * cum[-1])]
        else:
            n = count(ctx)
            if n is None or n is MISSING:
                return
            stubs = [None] * max(0, int(n))
        out = parent[key] = []
        items, prev, pos = ctx.items, ctx.prev, ctx.pos
        prev.append(None)
        pos.append(0)
        for stub in stubs:
            pos[-1] += 1
            # the two usual kinds of item, as the general way below would make them, in fewer steps
            if plan is not None and (stub is None or stub.__class__ is dict):
                obj = {} if stub is None else dict(stub)
                out.append(obj)
                items.append(obj)
                fill_fields(ctx, obj, plan)
                items.pop()
                if obj:
                    prev[-1] = obj
                else:
                    out.pop()
                continue
            if draw is not None and stub is None:
                items.append({})
                v = draw(ctx)
                items.pop()
                if v is not MISSING:
                    out.append(v)
                    prev[-1] = v
                continue
            if stub is None:
                holder = {"v": {}} if item_is_object else {}
            else:
                holder = {"v": dict(stub) if isinstance(stub, dict) else stub}
            obj = holder.get("v")
            if isinstance(obj, dict):
                out.append(obj)
            ctx.items.append(obj if isinstance(obj, dict) else {})
            if item is not None:
                item(ctx, holder, "v")
            ctx.items.pop()
            v = holder.get("v", MISSING)
            if isinstance(obj, dict):
                if v is MISSING or v == {}:
                    out.pop()
                    continue
            elif v is MISSING:
                continue
            else:
                out.append(v)
            ctx.prev[-1] = v
        ctx.prev.pop()
        ctx.pos.pop()
        if order:
            out.sort(key=lambda x: (x.get(order) is None, x.get(order) or date.min) if isinstance(x, dict) else (True, date.min))
    return fill


def _item_fields(spec, path, schema):
    """An object whose fields are drawn into it (a list item, a variable that is a record)."""
    compiled = compile_fields(spec["fields"], path + ("fields",), schema)
    return _object_fill(compiled)


def _switch(spec, path, schema):
    get = compile_ref(spec["switch"], path + ("switch",))
    cases = spec.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise SpecError("'switch' needs 'cases' (value: spec)", path)
    table = {_text(_plain(k)): compile_spec(v, path + ("cases", k), schema) for k, v in cases.items()}
    default = compile_spec(spec["default"], path + ("default",), schema) if "default" in spec else None

    def fill(ctx, parent, key):
        v = get(ctx)
        f = None if v is None else table.get(v if isinstance(v, str) else _text(v))
        f = f or default
        if f is not None:
            f(ctx, parent, key)
    # a switch between values (not objects or lists built in place) is a value too
    fills = list(table.values()) + ([default] if default is not None else [])
    if all(getattr(f, "draw", None) is not None for f in fills):
        draws = {k: f.draw for k, f in table.items()}
        default_draw = default.draw if default is not None else None
        var = getattr(get, "var", None)
        field = getattr(get, "item_field", None)

        def draw(ctx):
            if var is not None:
                v = ctx.vars.get(var)
            elif field is not None:
                v = ctx.items[-1].get(field) if ctx.items else None
            else:
                v = get(ctx)
            if v is None:
                d = default_draw
            else:
                c = v.__class__
                d = draws.get(v if c is str else str(v) if c is int else _text(v)) or default_draw
            return MISSING if d is None else d(ctx)
        fill.draw = draw
    return fill


# ------------------------------------------------------------------ conditions and presence

def compile_when(when, path):
    """{reference: value or [values]}: every reference must hold one of its values (null: absent)."""
    if not isinstance(when, dict) or not when:
        raise SpecError("'when' maps references to the value (or list of values) they must have", path)
    tests = []
    for ref, want in when.items():
        get = compile_ref(str(ref), path + (ref,))
        allowed = [_plain(w) for w in _listify(want)] if want is not None else [None]
        allowed = [_as_date(a) or a if isinstance(a, str) and _DATE.match(a) else a for a in allowed]
        tests.append((get, allowed, None in allowed))

    def fn(ctx):
        for get, allowed, none_ok in tests:
            v = get(ctx)
            if isinstance(v, list) and not none_ok:
                if not any(a in v for a in allowed):   # a list holds the value
                    return False
            elif v not in allowed:
                return False
        return True
    if len(tests) == 1:
        get, allowed, none_ok = tests[0]
        name = getattr(get, "var", None)

        def one(ctx):      # when: {$scenario: [...]}, the usual kind
            v = get(ctx) if name is None else ctx.vars.get(name)
            if isinstance(v, list) and not none_ok:
                return any(a in v for a in allowed)
            return v in allowed
        return one
    return fn


SOURCES = ("value", "choice", "range", "normal", "lognormal", "bool", "date", "after", "template", "chars",
           "digits", "copy", "list", "fields", "switch", "date_text")
MODIFIERS = {
    "value": set(), "choice": {"weights", "not_in"}, "range": {"step", "log", "min", "max", "times"},
    "normal": {"step", "min", "max", "times"}, "lognormal": {"step", "min", "max", "times"}, "bool": set(),
    "date": {"years", "months", "days", "min", "max"}, "after": {"years", "months", "days", "min", "max"},
    "template": {"parts", "check"}, "chars": {"from"}, "digits": set(), "copy": set(), "list": set(),
    "fields": set(), "switch": {"cases", "default"}, "date_text": {"format"},
}
PRESENCE = {"p", "when", "note"}


def compile_spec(spec, path=(), schema=None):
    """A spec (or a plain value, meaning itself) as a fill function."""
    if not isinstance(spec, dict):
        value = _plain(spec)
        if isinstance(value, str) and _DATE.match(value):
            value = date.fromisoformat(value)
        if isinstance(value, (list, dict)):
            return _setter(lambda ctx: _copy(value))
        return _setter(lambda ctx: value)
    sources = [k for k in SOURCES if k in spec]
    if len(sources) != 1:
        what = "none" if not sources else ", ".join(sources)
        raise SpecError(f"a spec has exactly one of {', '.join(SOURCES)} (found {what})", path)
    source = sources[0]
    unknown = set(spec) - {source} - MODIFIERS[source] - PRESENCE
    if unknown:
        raise SpecError(f"'{source}' does not take {', '.join(sorted(map(str, unknown)))} "
                        f"(it takes {', '.join(sorted(MODIFIERS[source] | PRESENCE))})", path)
    integer = isinstance(schema, dict) and schema.get("type") == "integer"
    if source == "list":
        fill = _list(spec, path, schema)
    elif source == "fields":
        fill = _item_fields(spec, path, schema)
    elif source == "switch":
        fill = _switch(spec, path, schema)
    else:
        fill = _setter(_DRAWS[source](spec, path, integer))
    return _presence(fill, spec, path)


_IMMUTABLE = frozenset({str, int, float, bool, date, type(None)})


def _copy(v):
    """A drawn value that may be shared (an option, a variable) copied where it is mutable."""
    t = type(v)
    if t is dict:
        return {k: x if type(x) in _IMMUTABLE else _copy(x) for k, x in v.items()}
    if t is list:
        return [x if type(x) in _IMMUTABLE else _copy(x) for x in v]
    return v


def _value(spec, path, integer):
    v = _plain(spec["value"])
    if isinstance(v, str) and _DATE.match(v):
        v = date.fromisoformat(v)
    return (lambda ctx: _copy(v)) if isinstance(v, (list, dict)) else (lambda ctx: v)


def _bool(spec, path, integer):
    p = real(spec["bool"])
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
        raise SpecError("'bool' is the chance of true, between 0 and 1", path + ("bool",))
    return lambda ctx: ctx.rnd.random() < p


def _copy_ref(spec, path, integer):
    get = compile_ref(spec["copy"], path + ("copy",))

    var = getattr(get, "var", None)

    def copy(ctx):
        v = get(ctx) if var is None else ctx.vars.get(var)
        if v is None:
            return MISSING
        return v if type(v) in _IMMUTABLE else _copy(v)
    return copy


_DRAWS = {
    "value": _value, "choice": lambda s, p, i: _choice(s, p), "range": _range, "normal": _normal,
    "lognormal": _lognormal, "bool": _bool, "date": lambda s, p, i: _date(s, p), "after": lambda s, p, i: _date(s, p),
    "template": lambda s, p, i: _template(s, p), "chars": lambda s, p, i: _chars(s, p),
    "digits": lambda s, p, i: _chars(s, p), "copy": _copy_ref, "date_text": lambda s, p, i: _date_text(s, p),
}


def _presence(fill, spec, path):
    p = real(spec["p"]) if "p" in spec else None
    if p is not None and (not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1):
        raise SpecError("'p' is the chance the field is present, between 0 and 1", path + ("p",))
    when = compile_when(spec["when"], path + ("when",)) if "when" in spec else None
    if p is None and when is None:
        return fill

    def gated(ctx, parent, key):
        if when is not None and not when(ctx):
            return
        if p is not None and ctx.rnd.random() >= p:
            return
        fill(ctx, parent, key)
    draw = getattr(fill, "draw", None)
    if draw is not None:
        def gated_draw(ctx):
            if when is not None and not when(ctx):
                return MISSING
            if p is not None and ctx.rnd.random() >= p:
                return MISSING
            return draw(ctx)
        gated.draw = gated_draw
    return gated
