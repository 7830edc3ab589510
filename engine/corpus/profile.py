"""A rule set's generator profile (`generate.yaml` beside its case schema), read, checked and compiled.

    description: what the corpus stands for
    vars:   {name: spec}         drawn first, in order; referred to as $name
    fields: {path: spec}         the case's fields, drawn in order (dotted paths nest)
    derive:                      optional: fields set from the rule set's own evaluation of the case
      when: {reference: values}  only for cases that match
      outputs: [id, ...]         the rule set's values computed (and what they need, nothing more)
      vars: [name, ...]          profile variables the expressions may name (a value drawn for a
                                 field that only the evaluation decides, e.g. a date of a decision)
      fields: {path: FEEL}       an expression over the case, those outputs and variables; null removes the
                                 field (a field inside a section the case lacks is not created)

Without a profile, every field of the case schema is drawn from its type, refined by `x-generate`
hints in the schema where there are any (see _hinted). A field the schema requires and the profile
does not name is drawn from its type too.
"""
from __future__ import annotations

import os

import json
import random
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson

from ..errors import Problem, RuleSetError
from . import spec as S

PROFILE = "generate.yaml"
TOP_KEYS = {"description", "vars", "fields", "derive"}
SELECTORS = ("revision", "family")     # a case's choice of rule set (registry.select_ruleset)
_CACHE: dict = {}


class Profile:
    def __init__(self, ruleset, doc=None):
        self.ruleset = ruleset
        self.schema = ruleset.case_schema
        self.rel = PROFILE if doc is not None else None
        data = doc.data if doc is not None else None
        self.doc = doc
        problems: list[Problem] = []
        self.vars, self.fields, self.derive = [], [], None
        self._specs: list = []        # (name, spec) of the variables, as written
        self._field_specs: dict = {}  # the fields' specs, as written (or made from the case schema)
        self._declared: set = set()
        refs: list = []
        token = S.collect_refs(refs)
        try:
            if data is None:
                self._field_specs = _schema_field_specs(self.schema)
                self.fields = S.compile_fields(self._field_specs, ("(case schema)",), self.schema)
            else:
                self._compile(data, problems)
        finally:
            S.collect_refs(None, token)
        if data is not None:
            self._check_refs(refs, problems)
        if problems:
            raise self._errors(problems)
        fallback = _required_fallback(self.schema, {name for name, _ in self.fields})
        self.fallback = S.compile_fields(fallback, ("(case schema)",), self.schema)
        self._vars_plan = S.fill_plan(self.vars)
        self._fields_plan = S.fill_plan(self.fields + self.fallback)
        from .compiled import compile_profile
        self._draw = compile_profile(self._specs, [(S.field_tree(f, ()), self.schema)
                                                   for f in (self._field_specs, fallback)])

    # ---------------------------------------------------------------- reading

    def _errors(self, problems) -> RuleSetError:
        return RuleSetError(f"the generator profile of {getattr(self.ruleset, 'name', 'the rule set')} has errors:", problems)

    def _problem(self, message, path):
        line, col = self.doc.mark(path) if self.doc is not None else (None, None)
        from ..loader import format_path
        return Problem(message, file=self.rel, line=line, col=col, path=format_path(path) or None)

    def _compile(self, data, problems):
        if not isinstance(data, dict):
            problems.append(self._problem("a generator profile is a mapping (description, vars, fields, derive)", ()))
            return
        for key in data:
            if key not in TOP_KEYS:
                problems.append(self._problem(f"unknown key '{key}' (a profile has {', '.join(sorted(TOP_KEYS))})", (key,)))
        try:
            if not isinstance(data.get("vars") or {}, dict):
                raise S.SpecError("'vars' maps each variable's name to how it is drawn", ("vars",))
            for name, spec in (data.get("vars") or {}).items():
                self.vars.append((str(name), S.compile_spec(spec, ("vars", name))))
                self._specs.append((str(name), spec))
                self._declared.add(str(name))
            self._field_specs = data.get("fields") or {}
            self.fields = S.compile_fields(self._field_specs, ("fields",), self.schema)
            if "derive" in data:
                self.derive = _Derive(self, data["derive"], problems)
        except S.SpecError as exc:
            problems.append(self._problem(exc.message, exc.path))

    def _check_refs(self, refs, problems):
        """Every reference names a declared variable or a field of the case schema."""
        for text, path in refs:
            variable = text.startswith("$")
            try:
                head = S.ref_head(text[1:] if variable else text)
            except S.SpecError as exc:
                problem = self._problem(exc.message, path)
                if problem not in problems:      # a reference the profile reads twice is one mistake
                    problems.append(problem)
                continue
            if variable:
                if head not in self._declared:
                    problems.append(self._problem(f"'{text}' names no variable of the profile (vars: "
                                                  f"{', '.join(sorted(self._declared)) or 'none'})", path))
            elif head not in ("item", "prev", "position") and not _schema_has(self.schema, text):
                problems.append(self._problem(f"'{text}' is not a field of the case schema", path))

    # ---------------------------------------------------------------- drawing

    def draw(self, ctx) -> dict:
        """One case (Python values: dates as date, numbers as int or exact-text reals), drawn by the
        profile's compiled function (compiled.py)."""
        try:
            case = self._draw(ctx)
        except (S.SpecError, *S.DRAW_FAILURES) as exc:
            self._locate(ctx, exc)
        if self.derive is not None:
            self.derive.apply(ctx, case)
        return case

    def _locate(self, ctx, exc):
        """A value of the wrong kind failed the compiled function, which does not say where: the same
        case drawn again (each case has its own seed) by the interpreted functions names the field."""
        from .generate import case_seed
        ctx.rnd.seed(case_seed(ctx.seed, ctx.index - 1))
        ctx.items, ctx.prev, ctx.pos = [], [], []
        self.draw_interpreted(ctx)
        raise self._errors([self._problem(f"a value drawn does not fit how the profile uses it ({exc})", ())]) from None

    def draw_interpreted(self, ctx) -> dict:
        """The same case drawn by spec.py's drawing functions, one call per spec (the definition
        the compiled function is held to by the tests)."""
        ctx.case = case = {}
        ctx.vars = {}
        part = "vars"
        try:
            S.fill_fields(ctx, ctx.vars, self._vars_plan)
            part = "fields"
            S.fill_fields(ctx, case, self._fields_plan)
        except S.DrawError as exc:
            raise self._errors([self._problem(f"a value drawn here does not fit how the profile uses it ({exc.reason})",
                                              (part,) + exc.path)]) from None
        if self.derive is not None:
            self.derive.apply(ctx, case)
        return case


def _encode_default(v):
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return S.real(v)
    raise TypeError(f"{type(v).__name__} in a generated case")


_EXPONENT = re.compile(rb"e[-0-9]")     # orjson's exponents: 1e-6, 1e16 (a literal first: a quick scan)


def _unlike_python(text: bytes) -> bool:
    """Whether a real in orjson's text may be written otherwise by Python: with an exponent (1e-6,
    Python 1e-06) or between 1e-5 and 1e-4 (0.00001, Python 1e-05). A string that only looks like
    one sends the case to json.dumps too: the same bytes either way."""
    if b"0.0000" in text:
        return True
    for m in _EXPONENT.finditer(text):
        if 48 <= text[m.start() - 1] <= 57:
            return True
    return False


def case_json(cid: str, case: dict) -> str:
    """One JSON line {"case": ..., "id": ...}, keys sorted: the same bytes for the same case.

    orjson writes it (with the check, under half the CPU of json.dumps), and json.dumps where the
    two could differ: a very small or large real (_unlike_python), or what orjson refuses (keys that
    are not text, integers beyond 64 bits)."""
    line = _orjson_line(cid, case)
    return line.decode("utf-8") if line is not None else _json_line(cid, case)


def case_json_bytes(cid: str, case: dict) -> bytes:
    """case_json's line as UTF-8 (what a worker sends and the corpus file holds: never decoded and
    encoded again on the way)."""
    line = _orjson_line(cid, case)
    return line if line is not None else _json_line(cid, case).encode("utf-8")


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def _orjson_line(cid, case):
    try:
        text = orjson.dumps({"case": case, "id": cid}, default=_encode_default, option=_ORJSON_OPTIONS)
    except TypeError:
        return None
    return None if _unlike_python(text) else text


def _json_line(cid, case) -> str:
    return json.dumps({"case": case, "id": cid}, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=_encode_default) + "\n"


class _Derive:
    def __init__(self, profile, data, problems):
        from ..expressions import Compiler, Scope
        from ..loader import SourceFile
        from ..ruleset import case_names, function_registry
        self.ruleset = rs = profile.ruleset
        path = ("derive",)
        if not isinstance(data, dict) or set(data) - {"when", "outputs", "vars", "fields"} or "fields" not in data:
            raise S.SpecError("'derive' takes fields (and optionally when, outputs, vars)", path)
        self.when = S.compile_when(data["when"], path + ("when",)) if "when" in data else None
        outputs = data.get("outputs") or []
        unknown = [o for o in outputs if o not in rs.elements]
        if unknown:
            raise S.SpecError(f"'outputs' names no element of {rs.name}: {', '.join(map(str, unknown))}", path + ("outputs",))
        self.outputs = [str(o) for o in outputs]
        names = case_names(rs.case_schema)
        names.update({o: None for o in self.outputs})
        if not isinstance(data.get("vars") or [], list):
            raise S.SpecError("'vars' is a list of the profile's variable names", path + ("vars",))
        self.vars = [str(v) for v in data.get("vars") or []]
        for v in self.vars:
            if v not in profile._declared:
                raise S.SpecError(f"'{v}' names no variable of the profile", path + ("vars",))
            if v in names:
                raise S.SpecError(f"the variable '{v}' has the name of a case field or an output: rename it", path + ("vars",))
            names[v] = None
        scope = Scope(names, function_registry())
        compiler = Compiler(_Sink(problems))
        sf = SourceFile(PROFILE, profile.doc)
        self.fields = []
        for field, text in (data["fields"] or {}).items():
            if not _schema_has(rs.case_schema, str(field)):
                raise S.SpecError(f"'{field}' is not a field of the case schema", path + ("fields", field))
            ce = compiler.expr(sf, path + ("fields", field), text, scope)
            if ce is not None:
                self.fields.append((str(field).split("."), ce))
        from ..evaluation import needed_order
        from ..expressions import read_paths
        self.program = rs.program
        self.order = needed_order(rs, self.outputs) if self.outputs else []
        case_fields = set(rs.case_schema.get("properties") or {})
        read = {n.split(".")[0] for eid in self.order for n in rs.elements[eid].reads}
        for _, ce in self.fields:
            read |= set(ce.free_names)
        read |= {parts[0] for parts, _ in self.fields}
        written = {parts[0] for parts, _ in self.fields}
        readers = [(rs.elements[eid].reads, rs.elements[eid].paths) for eid in self.order]
        readers += [(ce.free_names, read_paths(ce)) for _, ce in self.fields]
        self.sections = [(name, None if name in written else _fields_read(name, readers, rs.case_schema))
                         for name in sorted(read & case_fields)]
        self.names = sorted(case_fields)
        self._lazy_plan(rs, case_fields, written, needed_order, read_paths)

    def _lazy_plan(self, rs, case_fields, written, needed_order, read_paths):
        """What the lazy derive (apply) converts and computes, and when.

        The expressions read the case and the outputs by name, and FEEL's `and`, `or` and `if` read
        what they need only: `order.kind = "return" and refund_decision != "paid"` reads the
        decision only for a return. So an output is computed when an expression first reads
        it (from the case as drawn, by the run function over what that output needs alone), and a
        section of the case is made FEEL values when first read, with only the fields its reader
        reads (_fields_read, for the expressions and for each output's elements apart). An output
        whose elements read nothing of the case is computed once. The values are those the eager
        derive (_apply_eager, the definition) computes: the same elements run on the same input.
        Where an expression makes a function value (which captures the whole environment, not
        name by name), the derive stays eager."""
        self.lazy = not any(_defines_function(ce.ast) for _, ce in self.fields)
        x_readers = [(ce.free_names, read_paths(ce)) for _, ce in self.fields]
        x_read = {n for _, ce in self.fields for n in ce.free_names} | written
        self._x_sections = {name: (name, None if name in written else _fields_read(name, x_readers, rs.case_schema))
                            for name in x_read & case_fields}
        self._case_fields = frozenset(case_fields)
        self._cones = {}              # output -> [(section, keep)] its elements read
        self._constant_outputs = []   # outputs whose elements read nothing of the case
        self._readers_of: dict = {}   # section -> outputs whose elements read it
        for o in self.outputs:
            els = [rs.elements[eid] for eid in needed_order(rs, [o])]
            read = {n.split(".")[0] for el in els for n in el.reads} & case_fields
            readers = [(el.reads, el.paths) for el in els]
            self._cones[o] = [(name, _fields_read(name, readers, rs.case_schema)) for name in sorted(read)]
            if not read and not any(el.kind == "state_machine" for el in els):
                self._constant_outputs.append(o)
            for name in sorted(read):
                self._readers_of.setdefault(name, []).append(o)
        self._constants = None

    def apply(self, ctx, case):
        if self.when is not None and not self.when(ctx):
            return
        if not self.lazy:
            self._apply_eager(ctx, case)
            return
        import decimal
        from ..feel import FEEL_CONTEXT
        env = _LazyEnv()
        env.derive, env.case, env.made = self, case, {}
        if self._constants is None:
            constants = {}
            for o in self._constant_outputs:
                if o not in constants:
                    self._compute(constants, None, {}, o)
            self._constants = constants
        env.update(self._constants)
        for name in self.vars:
            v = ctx.vars.get(name)
            env[name] = None if v is None else _feel(v)
        readers_of = self._readers_of
        with decimal.localcontext(FEEL_CONTEXT):
            for parts, ce in self.fields:
                value = ce.evaluate(env)
                head = parts[0]
                # before the case's section changes, whatever may still read it as drawn takes it
                if len(parts) > 1 and head not in env:
                    env.__missing__(head)
                for o in readers_of.get(head, ()):
                    if o not in env:
                        for name, keep in self._cones[o]:
                            if name == head:
                                self._section(env.made, case, name, keep)
                _set_path(case, parts, _case_value(value))
                _set_path(env, parts, value, create_top=True)   # later expressions see the derived value

    @staticmethod
    def _section(made, case, name, keep):
        """The case's section `name` as FEEL values, only the fields in `keep` (None: all); made once a case."""
        key = (name, keep)
        v = made.get(key, _UNMADE)
        if v is _UNMADE:
            v = case.get(name)
            if v is not None:
                if keep is not None and v.__class__ is dict:
                    v = {k: x for k, x in v.items() if k in keep}
                v = _feel(v)
            made[key] = v
        return v

    def _compute(self, env, case, made, output):
        """The output, and the other outputs its run computes, into env: from the case as drawn."""
        given = {name: self._section(made, case, name, keep) for name, keep in self._cones[output]}
        values = self.program.derive(given, (output,))
        for o in self.outputs:
            if o in values and o not in env:
                env[o] = values[o]

    def _apply_eager(self, ctx, case):
        """The derive as defined: every section any reader reads made FEEL values, every output computed,
        then the expressions in order."""
        import decimal
        from ..feel import FEEL_CONTEXT, to_plain
        # Only the sections the outputs and the expressions read, as FEEL values; unvalidated: the
        # profile's cases are held to the case schema by the corpus tests.
        env = dict.fromkeys(self.names)
        for name, keep in self.sections:
            v = case.get(name)
            if v is not None:
                if keep is not None and v.__class__ is dict:
                    v = {k: x for k, x in v.items() if k in keep}
                env[name] = _feel(v)
        if self.order:
            env.update(self.program.derive(env, self.outputs))
        for name in self.vars:
            v = ctx.vars.get(name)
            env[name] = None if v is None else _feel(v)
        with decimal.localcontext(FEEL_CONTEXT):
            for parts, ce in self.fields:
                value = ce.evaluate(env)
                _set_path(case, parts, _from_feel(to_plain(value)))
                _set_path(env, parts, value, create_top=True)   # later expressions see the derived value


_UNMADE = object()


class _LazyEnv(dict):
    """The expressions' environment: a case section or an output is made when first read by name
    (a generated expression reads `env[name]`, which comes here for a name not there yet)."""
    __slots__ = ("derive", "case", "made")

    def __missing__(self, name):
        d = self.derive
        x = d._x_sections.get(name)
        if x is not None:
            v = self[name] = d._section(self.made, self.case, *x)
            return v
        if name in d._cones:
            d._compute(self, self.case, self.made, name)
            return self[name]
        if name in d._case_fields:
            self[name] = None
            return None
        raise KeyError(name)


def _defines_function(ast) -> bool:
    """Whether an expression makes a function value anywhere in it."""
    from ..feel.nodes import FunctionDef, walk
    return any(isinstance(node, FunctionDef) for node in walk(ast))


def _fields_read(section, readers, schema):
    """The fields of `section` that the outputs and expressions read (order.kind, order.paid),
    when they read it only by such paths; None (all of it) when one reads it whole, or otherwise than by
    a path we see, or by a name that is not one of the section's fields in the case schema. The derive
    converts only those fields to FEEL values: a section's lists of records can cost more
    to convert than all the rest, for fields nothing reads."""
    props = ((schema.get("properties") or {}).get(section) or {}).get("properties")
    if not isinstance(props, dict):
        return None
    keep = set()
    for names, paths in readers:
        if section not in names:
            continue
        mine = [p.split(".") for p in paths if p == section or p.startswith(section + ".")]
        if not mine:
            return None
        for segs in mine:
            if len(segs) < 2 or segs[1] not in props:
                return None
            keep.add(segs[1])
    return frozenset(keep)


_AS_IS = frozenset({str, bool, date, type(None)})     # values FEEL takes as they are


def _feel(v):
    """A drawn value as a FEEL value: exact decimals from the numbers' text, dates as they are.
    (Leaves are tested inline: a case has a few hundred values, converted for every derive.)"""
    t = type(v)
    if t is dict:
        return {k: x if type(x) in _AS_IS else _feel(x) for k, x in v.items()}
    if t is list:
        return [x if type(x) in _AS_IS else _feel(x) for x in v]
    if t is float:
        d = _FLOATS.get(v)
        if d is None:
            d = Decimal(repr(v))
            if v and v == v and len(_FLOATS) < _KEEP:   # not 0.0 (equal to -0.0, another text), not NaN
                _FLOATS[v] = d
        return d
    if t is int:
        d = _INTS.get(v)
        if d is None:
            d = Decimal(v)
            if -_SMALL < v < _SMALL:
                _INTS[v] = d
        return d
    return v


# The decimals of the numbers drawn, made once (a case holds dozens, mostly the same few: scores, maxima);
# a Decimal never changes, so one can stand for every equal number of its type. Separate by type: 7 and
# 7.0 are equal keys but become Decimal('7') and Decimal('7.0').
# Only small integers are kept: those repeat. Large ones (amounts, totals) rarely do, and keeping
# the first 65,536 of them grew a worker by 12 MB over a million cases (peak RSS 33 -> 45 MB), while
# the small ones are all seen within the first few thousand cases.
_INTS: dict = {}
_FLOATS: dict = {}
_KEEP = 1 << 12       # the most distinct reals kept
_SMALL = 1 << 12      # integers kept: -_SMALL < v < _SMALL


class _Sink:
    """The problem list the expression compiler writes into."""

    def __init__(self, problems):
        self.items = problems


def _from_feel(v):
    if isinstance(v, Decimal):
        return S.real(v) if v != v.to_integral_value() else int(v)
    if isinstance(v, dict):
        return {k: _from_feel(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_feel(x) for x in v]
    return v


def _case_value(v):
    """_from_feel(to_plain(v)) in one walk: a FEEL value as a case holds it (a whole number as int,
    another as a binary real, a date as its ISO text)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, Decimal):
        return S.real(v) if v != v.to_integral_value() else int(v)
    if isinstance(v, list):
        return [_case_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _case_value(x) for k, x in v.items()}
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _set_path(case, parts, value, create_top=False):
    """Set (or, for null, remove) a field; a field inside a section the case lacks is left alone.
    (In an environment, `create_top` keeps a removed top-level name as null, and copies the
    section it changes, which may be shared with the evaluation's own values.)"""
    if create_top and len(parts) == 1:
        case[parts[0]] = value
        return
    node = case
    for i, p in enumerate(parts[:-1]):
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            return
        if create_top:
            nxt = node[p] = dict(nxt)
        node = nxt
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


# ---------------------------------------------------------------- the case schema

def _schema_has(schema, dotted: str) -> bool:
    node = schema
    for seg in S.ref_segments(dotted):
        if isinstance(seg, int):
            if not isinstance(node, dict) or node.get("type") != "array":
                return False
            node = node.get("items") or {}
            continue
        while isinstance(node, dict) and node.get("type") == "array" and "properties" not in node:
            node = node.get("items") or {}   # a list of records: its items' fields
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or seg not in props:
            return False
        node = props[seg]
    return True


def _type_spec(schema: dict, depth: int = 0):
    """A spec that draws a plausible value from a schema node's type, refined by an `x-generate`
    hint on the node (a rule set without a generate.yaml may annotate its case schema so)."""
    if not isinstance(schema, dict) or depth > 8:
        return {"value": None}
    hint = schema.get("x-generate")
    base = _type_spec({k: v for k, v in schema.items() if k != "x-generate"}, depth) if isinstance(hint, dict) else None
    if base is not None:
        return _hinted(schema, hint, base, depth)
    if "const" in schema:
        return {"value": schema["const"]}
    if "enum" in schema:
        return {"choice": list(schema["enum"])}
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t == "object" or "properties" in schema:
        required = set(schema.get("required") or [])
        fields = {}
        for name, sub in (schema.get("properties") or {}).items():
            if depth == 0 and name in SELECTORS and name not in required:
                continue      # which revision judges a case is not a fact to make up
            s = _type_spec(sub, depth + 1)
            if name not in required and isinstance(s, dict):
                s = dict(s, p=0.8)
            fields[name] = s
        return {"fields": fields} if fields else {"value": {}}
    if t == "array":
        lo = schema.get("minItems", 0)
        return {"list": {"count": [lo, max(lo, min(schema.get("maxItems", 3), 3))],
                         "item": _type_spec(schema.get("items") or {}, depth + 1)}}
    if t == "integer":
        lo = schema.get("minimum", 0)
        return {"range": [lo, schema.get("maximum", max(lo, 0) + 100)]}
    if t == "number":
        lo = schema.get("minimum", 0)
        return {"range": [lo, schema.get("maximum", lo + 100)], "step": Decimal("0.01")}
    if t == "boolean":
        return {"bool": Decimal("0.85")}
    if schema.get("format") == "date":
        return {"date": ["2025-01-01", "2027-12-31"]}
    return {"template": "{n}", "parts": {"n": {"digits": 4}}}


def _hinted(schema, hint, base, depth):
    """A schema hint in the spec language: `samples` (options), `weights` (of the enum's values),
    `true` (the chance of true), `items: [lo, hi]` (a list's length), `range`/`step`/`log`, `from`/`to`
    (a date between), `after`/`days` (a date after another field), `const`, `p`, `skip`."""
    if hint.get("skip"):
        return {"value": None, "p": 0}
    spec = dict(base)
    if "const" in hint:
        spec = {"value": hint["const"]}
    elif "samples" in hint or "choice" in hint:
        spec = {"choice": list(hint.get("samples") or hint.get("choice"))}
    elif "weights" in hint and "choice" in base:
        spec = {"choice": base["choice"], "weights": list(hint["weights"])}
    elif "true" in hint:
        spec = {"bool": hint["true"]}
    elif "items" in hint and "list" in base:
        spec = {"list": dict(base["list"], count=list(hint["items"]))}
    elif "range" in hint:
        spec = {"range": list(hint["range"])}
        spec.update({k: hint[k] for k in ("step", "log") if k in hint})
        if "step" not in spec and "step" in base and not all(isinstance(v, int) for v in hint["range"]):
            spec["step"] = base["step"]
    elif "after" in hint:
        spec = {"after": hint["after"], "days": list(hint.get("days", [1, 60]))}
    elif "from" in hint or "to" in hint:
        spec = {"date": [str(hint.get("from", "2025-01-01")), str(hint.get("to", "2027-12-31"))]}
    if "p" in hint:
        spec["p"] = hint["p"]
    return spec


def _schema_field_specs(schema):
    spec = _type_spec(schema)
    return spec.get("fields") or {}


def _required_fallback(schema, given: set):
    required = [n for n in (schema.get("required") or []) if n not in given]
    props = schema.get("properties") or {}
    return {n: _type_spec(props.get(n) or {}) for n in required}


# ---------------------------------------------------------------- loading

def load_profile(ruleset) -> Profile:
    """The rule set's profile, compiled once per rule-set digest (per process). Anything with a
    `case_schema` will do: without a folder (`root`) the case schema alone is the profile."""
    root = getattr(ruleset, "root", None)
    key = (str(root), getattr(ruleset, "digest", None)) if root is not None else None
    prof = _CACHE.get(key) if key else None
    if prof is None:
        from ..yamlio import YamlError, load_member
        doc = None
        # read through folder.member like every file a rule set contributes: a link out is refused
        if root is not None and os.path.lexists(Path(root) / PROFILE):
            try:
                doc = load_member(Path(root), PROFILE)
            except YamlError as exc:
                raise RuleSetError(f"the generator profile of {ruleset.name} cannot be read:",
                                   [Problem(exc.message, file=PROFILE, line=exc.line, col=exc.col)]) from None
        prof = Profile(ruleset, doc)
        if key:
            _CACHE.clear()
            _CACHE[key] = prof
    return prof


def new_context(seed: int):
    return S.Ctx(random.Random(seed))
