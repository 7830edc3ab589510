"""A case: read from YAML or JSON, validated against the rule set's case schema, made FEEL values.

Numbers are exact (from their text), dates are ISO strings in the file and become dates where the
schema says `format: date`. Every problem names the field path in plain words.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from .errors import CaseError
from .feel import to_feel
from .schemas import case_problems, describe
from .yamlio import YamlError, load_file


def read_case_file(path) -> dict:
    """A case file named by the user: one sentence naming the file (and line, and field path) if it
    cannot be read, exit code 4."""
    path = Path(path)
    if path.is_dir():
        raise CaseError(f"{path}: this is a folder, not a case file (give a .yaml or .json file)")
    if not path.exists():
        raise CaseError(f"{path}: no such case file")
    try:
        doc = load_file(path)
    except YamlError as exc:
        where = f"{path}:{exc.line}" + (f":{exc.col}" if exc.col else "") if exc.line else str(path)
        field = exc.where_in_document()
        raise CaseError(f"{where}: {field + ': ' if field else ''}{exc.message}") from None
    if not isinstance(doc.data, dict):
        raise CaseError(f"{path}: a case must be a mapping of fields (as_of, ...), not {_kind(doc.data)}")
    as_of = doc.data.get("as_of")
    if as_of is not None and not _iso_date(as_of):
        line, col = doc.mark(("as_of",))
        where = f"{path}:{line}:{col}" if line else str(path)
        raise CaseError(f"{where}: as_of: {describe(as_of)} is not a valid date (write YYYY-MM-DD, e.g. 2026-01-31)")
    return doc.data


def _kind(value) -> str:
    return {list: "a list", str: "a text", int: "a number", Decimal: "a number", bool: "true or false",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def _iso_date(value) -> bool:
    """as_of chooses the revision, so it is checked as soon as the file is read (with its line)."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_case(ruleset, data: dict, label: str = "the case") -> None:
    from .registry import SELECTION_FIELDS
    props = ruleset.case_schema.get("properties") or {}
    if any(k in data and k not in props for k in SELECTION_FIELDS):
        # `revision` and `family` choose the rule set (registry.py): the engine's, not the rule set's,
        # so a case may name them whether or not its schema declares them
        data = {k: v for k, v in data.items() if k in props or k not in SELECTION_FIELDS}
    check = fast_check(ruleset.case_schema)
    if check is not None and check(data):
        return   # valid: jsonschema (below) only runs to say what is wrong with an invalid case
    problems = case_problems(ruleset.case_validator, data)
    if problems:
        lines = [f"{label} does not fit the case schema of {ruleset.name}:"]
        lines += [f"  {p.path}: {p.message}" for p in problems]
        raise CaseError("\n".join(lines))  # the lines say it all: with problems= str() would list them twice


# ------------------------------------------------------------------ a fast validity check
# jsonschema walks a case by building a validator object per node (~60 % of an evaluation's time on
# the A/2 schema). Cases are nearly always valid, so a case schema is compiled once into closures
# that answer exactly "valid or not" for the keywords case schemas use; jsonschema runs only on a
# "not valid" to word the problems. A schema with any other validation keyword ($ref, if/then,
# patternProperties, ...) gets no fast check. Annotations and x-* keys are ignored, as jsonschema does.

_FAST: dict = {}


class _Unsupported(Exception):
    pass


def fast_check(schema):
    """A function data -> bool (exactly jsonschema's verdict), or None when the schema is not covered."""
    key = id(schema)
    hit = _FAST.get(key)
    if hit is None or hit[0] is not schema:
        try:
            fn = _compile_check(schema)
        except _Unsupported:
            fn = None
        hit = _FAST[key] = (schema, fn)   # the schema is kept so that its id stays unique
    return hit[1]


def _compile_check(schema):
    import numbers
    from jsonschema import Draft202012Validator
    from jsonschema._utils import equal
    from .schemas import FORMATS, canonical, regex, unique
    known = Draft202012Validator.VALIDATORS

    type_tests = {
        "null": lambda v: v is None,
        "boolean": lambda v: v is True or v is False,
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    is_number = type_tests["number"]

    def comp(s):
        if s is True:
            return lambda v: True
        if s is False:
            return lambda v: False
        if not isinstance(s, dict):
            raise _Unsupported
        tests = []
        for k in s:
            if k in known and k not in _COVERED:
                raise _Unsupported
        if "type" in s:
            names = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not all(n in type_tests for n in names):
                raise _Unsupported
            fns = [type_tests[n] for n in names]
            tests.append(fns[0] if len(fns) == 1 else (lambda v, fns=fns: any(f(v) for f in fns)))
        if "enum" in s:
            members = list(s["enum"])
            if all(isinstance(m, str) for m in members):
                strs = frozenset(members)
                tests.append(lambda v: isinstance(v, str) and v in strs)
            elif len(members) <= 8:
                tests.append(lambda v: any(equal(m, v) for m in members))
            else:   # hashed: a long enum is not compared member by member for every value
                keys = frozenset(canonical(m) for m in members)
                tests.append(lambda v: canonical(v) in keys)
        if "const" in s:
            c = s["const"]
            tests.append(lambda v: equal(c, v))
        if s.get("format") is not None:
            fmt = s["format"]
            tests.append(lambda v: FORMATS.conforms(v, fmt))
        for kw, ok in (("minimum", lambda v, b: v >= b), ("maximum", lambda v, b: v <= b),
                       ("exclusiveMinimum", lambda v, b: v > b), ("exclusiveMaximum", lambda v, b: v < b)):
            if kw in s:
                tests.append(lambda v, b=s[kw], ok=ok: not is_number(v) or ok(v, b))
        for kw, ok in (("minLength", lambda n, b: n >= b), ("maxLength", lambda n, b: n <= b)):
            if kw in s:
                tests.append(lambda v, b=s[kw], ok=ok: not isinstance(v, str) or ok(len(v), b))
        if "pattern" in s:
            try:
                rx = regex(s["pattern"])   # RE2: linear time whatever the pattern
            except ValueError:
                raise _Unsupported from None
            tests.append(lambda v: not isinstance(v, str) or rx.search(v) is not None)
        for kw, ok in (("minItems", lambda n, b: n >= b), ("maxItems", lambda n, b: n <= b)):
            if kw in s:
                tests.append(lambda v, b=s[kw], ok=ok: not isinstance(v, list) or ok(len(v), b))
        if s.get("uniqueItems") is True:
            tests.append(lambda v: not isinstance(v, list) or unique(v))
        if "items" in s:
            item = comp(s["items"])
            def items_ok(v, item=item):
                if not isinstance(v, list):
                    return True
                for x in v:
                    if not item(x):
                        return False
                return True
            tests.append(items_ok)
        if "required" in s:
            req = list(s["required"])
            tests.append(lambda v: not isinstance(v, dict) or all(r in v for r in req))
        props = s.get("properties")
        if props is not None or "additionalProperties" in s:
            if props is not None and not isinstance(props, dict):
                raise _Unsupported
            subs = {name: comp(sub) for name, sub in (props or {}).items()}
            extra = comp(s["additionalProperties"]) if "additionalProperties" in s else None

            def obj(v, subs=subs, extra=extra):
                if not isinstance(v, dict):
                    return True
                for name, x in v.items():
                    f = subs.get(name, extra)
                    if f is not None and not f(x):
                        return False
                return True
            tests.append(obj)
        for kw in ("allOf", "anyOf", "oneOf"):
            if kw in s:
                if not isinstance(s[kw], list) or not s[kw]:
                    raise _Unsupported
                fns = [comp(x) for x in s[kw]]
                if kw == "allOf":
                    tests.append(lambda v, fns=fns: all(f(v) for f in fns))
                elif kw == "anyOf":
                    tests.append(lambda v, fns=fns: any(f(v) for f in fns))
                else:
                    tests.append(lambda v, fns=fns: sum(1 for f in fns if f(v)) == 1)
        if "not" in s:
            neg = comp(s["not"])
            tests.append(lambda v: not neg(v))
        if not tests:
            return lambda v: True
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            t0, t1 = tests
            return lambda v: bool(t0(v)) and bool(t1(v))
        tests = tuple(tests)

        def every(v):   # a loop, not all(genexpr): no generator per node
            for t in tests:
                if not t(v):
                    return False
            return True
        return every

    return comp(schema)


_COVERED = frozenset({"type", "enum", "const", "format", "minimum", "maximum", "exclusiveMinimum",
                      "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
                      "uniqueItems", "items", "required", "properties", "additionalProperties",
                      "allOf", "anyOf", "oneOf", "not"})


def to_values(schema: dict, data):
    """Convert a validated case to FEEL values, guided by the schema (strings with format date -> dates)."""
    if isinstance(data, dict):
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        extra = schema.get("additionalProperties") if isinstance(schema, dict) else None
        return {k: to_values(props.get(k, extra if isinstance(extra, dict) else {}), v) for k, v in data.items()}
    if isinstance(data, list):
        items = schema.get("items", {}) if isinstance(schema, dict) else {}
        return [to_values(items, v) for v in data]
    if isinstance(data, str) and isinstance(schema, dict) and schema.get("format") == "date":
        return date.fromisoformat(data)
    if isinstance(data, float):  # never from our readers; a Python caller passing floats gets exact text
        return Decimal(repr(data))
    return to_feel(data)


_CONVERTERS: dict = {}


def converter(schema):
    """to_values(schema, .) compiled once per schema into closures (same results, no schema walk per case)."""
    key = id(schema)
    hit = _CONVERTERS.get(key)
    if hit is None or hit[0] is not schema:
        hit = _CONVERTERS[key] = (schema, _compile_converter(schema, {}))
    return hit[1]


_EMPTY: dict = {}   # the schema of a field the schema does not describe (read-only)


def _compile_converter(schema, done: dict):
    key = id(schema)
    if key in done:
        return done[key][1]
    if not isinstance(schema, dict) or not isinstance(schema.get("properties", _EMPTY), dict):
        fn = lambda data: to_values(schema, data)   # noqa: E731 - unusual shapes: the general path
        done[key] = (schema, fn)
        return fn
    props = schema.get("properties", _EMPTY)
    extra = schema.get("additionalProperties")
    items = schema.get("items", _EMPTY)
    is_date = schema.get("format") == "date"
    conv: dict = {}
    sub: list = [None, None]    # (extra's converter, items' converter), filled below (after done[key])

    def fn(data):
        c = data.__class__
        if c is str:
            return date.fromisoformat(data) if is_date else data
        if c is Decimal or c is bool or data is None:
            return data
        if c is int:
            return Decimal(data)
        if c is dict:
            other = sub[0]
            get = conv.get
            return {k: get(k, other)(v) for k, v in data.items()}
        if c is list:
            item = sub[1]
            return [item(v) for v in data]
        return to_values(schema, data)   # anything else: the general path
    done[key] = (schema, fn)
    for name, s in props.items():
        conv[name] = _compile_converter(s, done)
    sub[0] = _compile_converter(extra if isinstance(extra, dict) else _EMPTY, done)
    sub[1] = _compile_converter(items, done)
    return fn


def prepare(ruleset, data: dict, label: str = "the case") -> dict:
    """Validate and convert: the environment an evaluation starts from, every schema field present."""
    validate_case(ruleset, data, label)
    env = converter(ruleset.case_schema)(data)
    props = ruleset.case_schema.get("properties", {})
    for name in props:
        env.setdefault(name, None)
    if "ruleset" not in props:   # the rule set's own identity (ruleset.RULESET_NAME)
        env["ruleset"] = ruleset.own_identity
    return env
