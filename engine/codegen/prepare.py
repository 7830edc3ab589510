"""Emit the case check and conversion: the case schema as one function that validates a case and
converts it to FEEL values in a single walk (what engine/case.py `prepare` runs).

The function returns the environment (every top-level field of the schema present), or INVALID when
a value of a plain JSON class (dict, list, str, int, Decimal, bool, None) breaks a rule of the
schema, or None when it cannot tell (a float, a subclass...). On anything but an environment, the
caller runs jsonschema, which words the problems (or accepts the case, and the general conversion
runs). So the generated check only ever decides alone when it is sure; the keywords it knows are
those a case schema uses; a schema with any other validation keyword gets no generated check.
"""
from __future__ import annotations

from decimal import Decimal

from .writer import Literals, Names, Writer, text

_DATES_KEPT = 4096      # dates converted once each, in a process that sees many cases

# Draft 2020-12 validation keywords; the ones the generated check knows are SUPPORTED.
KEYWORDS = frozenset({"$dynamicRef", "$ref", "additionalProperties", "allOf", "anyOf", "const", "contains",
                      "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum", "exclusiveMinimum",
                      "format", "if", "items", "maxItems", "maxLength", "maxProperties", "maximum", "minItems",
                      "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern",
                      "patternProperties", "prefixItems", "properties", "propertyNames", "required", "type",
                      "unevaluatedItems", "unevaluatedProperties", "uniqueItems", "then", "else"})
SUPPORTED = frozenset({"type", "enum", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                       "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "items",
                       "required", "properties", "additionalProperties", "allOf", "anyOf", "oneOf", "not"})

_TYPE_CLASSES = {"null": ("None",), "boolean": ("bool",), "integer": ("int",), "number": ("int", "_D"),
                 "string": ("str",), "array": ("list",), "object": ("dict",)}
_ALL = ("None", "bool", "int", "_D", "str", "list", "dict")


class Unsupported(Exception):
    pass


def _text_enum(schema) -> bool:
    """An enum of texts only: a set's membership is JSON Schema's equality for them."""
    return "enum" in schema and all(isinstance(m, str) for m in schema["enum"])


class SchemaEmitter:
    def __init__(self, names: Names, lits: Literals):
        self.names = names
        self.lits = lits
        self.functions: list[list[str]] = []     # check-only sub-validators (allOf, anyOf, ...)

    def tmp(self, prefix="v"):
        return self.names.new(prefix)

    def check_supported(self, schema) -> None:
        if isinstance(schema, bool):
            return
        if not isinstance(schema, dict):
            raise Unsupported
        for k in schema:
            if k in KEYWORDS and k not in SUPPORTED:
                raise Unsupported
        if "enum" in schema and not (isinstance(schema["enum"], list) and schema["enum"]):
            raise Unsupported
        t = schema.get("type")
        types = [t] if isinstance(t, str) else t
        if t is not None and not (isinstance(types, list) and all(x in _TYPE_CLASSES for x in types)):
            raise Unsupported
        if "properties" in schema and not isinstance(schema["properties"], dict):
            raise Unsupported
        if "required" in schema and not isinstance(schema["required"], list):
            raise Unsupported
        for kw in ("allOf", "anyOf", "oneOf"):
            if kw in schema and not (isinstance(schema[kw], list) and schema[kw]):
                raise Unsupported
        if "pattern" in schema:
            if not isinstance(schema["pattern"], str):
                raise Unsupported
            from ..schemas import regex
            try:
                regex(schema["pattern"])   # what RE2 (linear time, as the validator) cannot run is not checked here
            except ValueError:
                raise Unsupported from None
        for sub in _subschemas(schema):
            self.check_supported(sub)

    # -- one value

    def value(self, w: Writer, schema, x: str, convert: bool, fail: str) -> str:
        """Check the value in local x against schema; return the source of its converted value.
        `fail` is the statement that ends the check (return INVALID, or return False in a sub-check);
        a value of a class the check does not know ends it with None (cannot tell). `convert`: True
        (the whole value made FEEL values), False (checked only) or, for an object, a need (need_tree:
        which of its fields are converted; the others are checked only)."""
        if convert.__class__ is dict and not (isinstance(schema, dict) and schema.get("type") == "object"):
            convert = True      # a need is followed into objects only; anything else is converted whole
        if schema is True or schema == {}:
            return self._convert_any(w, x) if convert else x
        if schema is False:
            w.line(fail)
            return x
        refuse = "_refuse" if fail.startswith("return _INVALID") else "_refuse_check"
        t = schema.get("type")
        types = [t] if isinstance(t, str) else (list(t) if t is not None else None)
        allowed = []
        for ty in types if types is not None else list(_TYPE_CLASSES):
            for cls in _TYPE_CLASSES[ty]:
                if cls not in allowed:
                    allowed.append(cls)
        for kw in ("allOf", "anyOf", "oneOf", "not"):
            if kw in schema:
                self._combinator(w, kw, schema[kw], x, fail)
        if "enum" in schema and not _text_enum(schema):
            # members of any kind: hashed by JSON Schema's equality (schemas.canonical), never compared
            # one by one
            members = self.lits.of(list(schema["enum"]))
            if members is None:
                raise Unsupported
            keys = self.lits._named(("enum", members), f"_enum_keys({members})")
            w.line(f"if _canonical({x}) not in {keys}:")
            w.line(f"    {fail}")
        if _text_enum(schema) and "str" in allowed:
            # only a text can be a member: every other plain value fails, which `refuse` says
            allowed = ["str"]
        if convert.__class__ is dict and allowed != ["dict"]:
            convert = True
        if len(allowed) == 1 and allowed[0] != "None":
            # one class (the common case): anything else is refused, and the checks follow at this level
            w.line(f"if {x}.__class__ is not {allowed[0]}:")
            w.line(f"    return {refuse}({x})")
            return self._for_class(w, schema, allowed[0], x, convert, fail)
        if types is not None and set(allowed) == {"int", "_D"}:
            # each class compared with a bound of its own class: an int with a Decimal would make one
            c = self.tmp("c")
            w.line(f"{c} = {x}.__class__")
            w.line(f"if {c} is int:")
            w.indent()
            mark = len(w.lines)
            y = self._for_class(w, schema, "int", x, convert, fail)
            out = self.tmp("y")
            if convert:
                w.line(f"{out} = {y}")
            elif len(w.lines) == mark:
                w.line("pass")
            w.outdent()
            w.line(f"elif {c} is _D:")
            w.indent()
            mark = len(w.lines)
            self._for_class(w, schema, "_D", x, False, fail)
            if convert:
                w.line(f"{out} = {x}")
            elif len(w.lines) == mark:
                w.line("pass")
            w.outdent()
            w.line("else:")
            w.line(f"    return {refuse}({x})")
            return out if convert else x
        out = self.tmp("y")
        c = self.tmp("c")
        w.line(f"{c} = {x}.__class__")
        converted = False
        for n, cls in enumerate(allowed):
            cond = f"{x} is None" if cls == "None" else f"{c} is {cls}"
            w.line(f"{'if' if n == 0 else 'elif'} {cond}:")
            w.indent()
            mark = len(w.lines)
            src = self._for_class(w, schema, cls, x, convert, fail)
            if convert:
                w.line(f"{out} = {src}")
                converted = converted or src != x
            if len(w.lines) == mark:
                w.line("pass")
            w.outdent()
        w.line("else:")
        w.line(f"    return {refuse}({x})")
        return out if converted else x

    def _for_class(self, w, schema, cls, x, convert, fail) -> str:
        """Checks and conversion for a value known to be of one class."""
        if _text_enum(schema):
            members = self.lits.frozenset_of(schema["enum"])
            if cls == "str":
                w.line(f"if {x} not in {members}:")
                w.line(f"    {fail}")
            else:
                w.line(fail)
                return x
        if cls == "str":
            for kw, op in (("minLength", "<"), ("maxLength", ">")):
                if kw in schema:
                    w.line(f"if len({x}) {op} {self.lits.of(schema[kw])}:")
                    w.line(f"    {fail}")
            if "pattern" in schema:
                rx = self.lits._named(("rx", schema["pattern"]), f"_regex({text(schema['pattern'])})")
                w.line(f"if {rx}.search({x}) is None:")
                w.line(f"    {fail}")
            if schema.get("format") == "date":
                # the dates of a case recur (and a date made once keeps its hash for the elements):
                # each valid text is converted once, up to _DATES_KEPT of them
                cache = self.lits._named(("date cache",), "{}")
                d = self.tmp("d")
                w.line(f"{d} = {cache}.get({x})")
                w.line(f"if {d} is None:")
                w.indent()
                w.line(f"if len({x}) != 10:")
                w.line(f"    {fail}")
                w.line("try:")
                w.line(f"    {d} = _fromiso({x})")
                w.line("except ValueError:")
                w.line(f"    {fail}")
                w.line(f"if len({cache}) < {_DATES_KEPT}:")
                w.line(f"    {cache}[{x}] = {d}")
                w.outdent()
                return d if convert else x
            return x
        if cls in ("int", "_D"):
            non_negative = False
            for kw, op in (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="), ("exclusiveMaximum", ">=")):
                if kw in schema:
                    bound = schema[kw]
                    if bound.__class__ not in (int,) and bound.__class__.__name__ != "Decimal":
                        raise Unsupported
                    if cls == "_D" and bound.__class__ is int:
                        bound = Decimal(bound)     # a Decimal compared with an int converts the int each time
                    w.line(f"if {x} {op} {self.lits.of(bound)}:")
                    w.line(f"    {fail}")
                    if kw == "minimum" and bound >= 0 or kw == "exclusiveMinimum" and bound >= -1:
                        non_negative = True
            if not convert:
                return x
            if cls == "int":
                if non_negative:
                    return f"(_SMALL[{x}] if {x} < 1024 else _D({x}))"
                return f"(_SMALL[{x}] if 0 <= {x} < 1024 else _D({x}))"
            return x
        if cls in ("None", "bool"):
            return x
        if cls == "list":
            return self._array(w, schema, x, convert, fail)
        if cls == "dict":
            return self._object(w, schema, x, convert, fail)
        raise AssertionError(cls)

    def _array(self, w, schema, x, convert, fail) -> str:
        for kw, op in (("minItems", "<"), ("maxItems", ">")):
            if kw in schema:
                w.line(f"if len({x}) {op} {self.lits.of(schema[kw])}:")
                w.line(f"    {fail}")
        items = schema.get("items", True) if isinstance(schema, dict) else True
        if not convert and (items is True or items == {}):
            self._unique(w, schema, x, fail)
            return x
        item = self.tmp("i")
        body = Writer(self.names)
        body.level = w.level + 1
        y = self.value(body, items, item, convert, fail)
        out = x
        if convert and y != item:
            out = self.tmp("l")
            w.line(f"{out} = []")
            body.line(f"{out}.append({y})")
        if body.lines:
            w.line(f"for {item} in {x}:")
            w.extend(body)
        if convert and out == x:
            out = self.tmp("l")
            w.line(f"{out} = {x}[:]")     # items unchanged: a copy, as the conversion makes a new list
        texts = isinstance(items, dict) and (items.get("type") == "string" or _text_enum(items))
        self._unique(w, schema, x, fail, texts=texts and bool(body.lines))
        return out

    def _unique(self, w, schema, x, fail, texts=False):
        """uniqueItems; `texts`: every item is known to be a text (the items' own check, already run,
        refuses anything else)."""
        if schema.get("uniqueItems") is True:
            # jsonschema compares items by value; for strings that is a set's
            if not texts:
                w.line(f"for u in {x}:")
                w.line("    if u.__class__ is not str:")
                w.line("        return None")
            w.line(f"if len(set({x})) != len({x}):")
            w.line(f"    {fail}")

    def _object(self, w, schema, x, convert, fail, free=()) -> str:
        """A context; `free` names keys allowed whatever the schema says (a case's revision and family,
        which choose the rule set), converted as plain data. `convert` may be a need (need_tree): the
        fields it names are converted, the others only checked (left as they are in the copy)."""
        need = convert if convert.__class__ is dict else None
        convert = need is not None or convert is True
        props = schema.get("properties") or {}
        required = list(schema.get("required") or [])
        extra = schema.get("additionalProperties", True)
        out = self.tmp("o") if convert else x
        if convert:
            w.line(f"{out} = {x}.copy()")
        for name, sub in props.items():
            sub_convert = convert if need is None else need.get(name, False)
            default = _unchanged_default(sub) if name not in required and fail.startswith("return _INVALID") else None
            if default is not None:
                # a value whose class is all its schema says, never converted: one test, absent or not
                # (the default is of that class); what fails is there, and of a plain class (invalid)
                # or not (a subclass of str, which jsonschema takes for a text: cannot tell)
                w.line(f"if {x}.get({text(name)}, {default}).__class__ is not {_TYPE_CLASSES[sub['type']][0]}:")
                w.line(f"    return _refuse({x}[{text(name)}])")
                continue
            v = self.tmp("f")
            no_null = _refuses_null(sub)
            if no_null:
                # null is refused here as absence is where the field is required: one test against None
                # (the cheapest), the key looked for only when the value is None
                w.line(f"{v} = {x}.get({text(name)})")
                w.line(f"if {v} is not None:")
            else:
                w.line(f"{v} = {x}.get({text(name)}, _ABSENT)")
                w.line(f"if {v} is not _ABSENT:")
            w.indent()
            n = len(w.lines)
            y = self.value(w, sub, v, sub_convert, fail)
            if sub_convert is not False and y != v:
                w.line(f"{out}[{text(name)}] = {y}")   # converted; an unchanged value is in the copy already
            if len(w.lines) == n:
                w.line("pass")
            w.outdent()
            if name in required:
                w.line("else:")
                w.line(f"    {fail}")
            elif no_null:
                w.line(f"elif {text(name)} in {x}:")     # a null the schema refuses
                w.line(f"    {fail}")
        for name in free:
            if name in props:
                continue
            v = self.tmp("f")
            if convert and (need is None or name in need):
                w.line(f"{v} = {x}.get({text(name)}, _ABSENT)")
                w.line(f"if {v} is not _ABSENT:")
                w.line(f"    {out}[{text(name)}] = _to_values(_EMPTY, {v})")
        for name in required:
            if name not in props:
                w.line(f"if {text(name)} not in {x}:")
                w.line(f"    {fail}")
        # the keys the schema does not describe: converted when the need names one (or is everything)
        convert_extra = convert and (need is None or any(k not in props for k in need))
        if extra is False:
            known = self.lits.frozenset_of(list(props) + [f for f in free if f not in props])
            w.line(f"if not {self._superset(known)}({x}):")   # a key the schema does not allow
            w.line(f"    {fail}")
        elif props or extra is not True or free:
            known = self.lits.frozenset_of(list(props) + [f for f in free if f not in props])
            if extra is not True or convert_extra:
                w.line(f"if not {self._superset(known)}({x}):")
                w.indent()
                k = self.tmp("k")
                w.line(f"for {k} in {x}:")
                w.indent()
                w.line(f"if {k} in {known}:")
                w.line("    continue")
                e = self.tmp("x")
                w.line(f"{e} = {x}[{k}]")
                if extra is not True:
                    self.value(w, extra, e, False, fail)
                if convert_extra:
                    w.line(f"{out}[{k}] = _to_values({self.lits.shared(extra if isinstance(extra, dict) else {})}, {e})")
                else:
                    w.line("pass")
                w.outdent()
                w.outdent()
        elif convert_extra:
            # any key, none described: each value converted as plain data
            k = self.tmp("k")
            w.line(f"for {k} in {x}:")
            w.line(f"    {out}[{k}] = _to_values(_EMPTY, {x}[{k}])")
        return out

    def _superset(self, known: str) -> str:
        """The bound `issuperset` of a module-level frozenset: a dict's keys tested against it without
        a keys view (faster than `d.keys() <= known`)."""
        return self.lits._named(("superset", known), f"{known}.issuperset")

    def _convert_any(self, w, x) -> str:
        return f"_to_values(_EMPTY, {x})"

    def _combinator(self, w, kw, subs, x, fail):
        """allOf / anyOf / oneOf / not: check-only sub-validators, each True, False or None (cannot tell)."""
        subs = subs if isinstance(subs, list) else [subs]
        fns = [self.sub_validator(s) for s in subs]
        r = self.tmp("r")
        w.line(f"{r} = [{', '.join(f'{f}({x})' for f in fns)}]")
        if kw == "allOf":
            w.line(f"if False in {r}:")
            w.line(f"    {fail}")
            w.line(f"if None in {r}:")
            w.line("    return None")
        elif kw == "anyOf":
            w.line(f"if True not in {r}:")
            w.line(f"    if None in {r}:")
            w.line("        return None")
            w.line(f"    {fail}")
        elif kw == "oneOf":
            w.line(f"if None in {r}:")
            w.line("    return None")
            w.line(f"if {r}.count(True) != 1:")
            w.line(f"    {fail}")
        else:  # not
            w.line(f"if {r}[0] is None:")
            w.line("    return None")
            w.line(f"if {r}[0]:")
            w.line(f"    {fail}")

    def sub_validator(self, schema) -> str:
        name = self.names.new("s")
        w = Writer(self.names)
        w.line(f"def {name}(v):")
        w.indent()
        self.value(w, schema, "v", False, "return False")
        w.line("return True")
        self.functions.append(w.lines)
        return name


def _refuses_null(schema) -> bool:
    """Whether the value check refuses null whatever else the schema says (its type, or an enum of
    texts, admits no null, and no combinator runs before the class test): then an absent field and a
    null one can share one test against None. False when unsure."""
    if not isinstance(schema, dict) or any(kw in schema for kw in ("allOf", "anyOf", "oneOf", "not")):
        return False
    if _text_enum(schema):
        return True
    t = schema.get("type")
    if isinstance(t, str):
        return t != "null"
    return isinstance(t, list) and bool(t) and "null" not in t


_DEFAULTS = {"string": "''", "boolean": "False"}


def _unchanged_default(schema) -> str | None:
    """For a schema that says only which class its value is (text or boolean, no other validation
    keyword), a literal of that class: the check of an absent value may then test the default."""
    if not isinstance(schema, dict) or not isinstance(schema.get("type"), str) or schema["type"] not in _DEFAULTS:
        return None
    if any(k in KEYWORDS for k in schema if k != "type"):
        return None
    return _DEFAULTS[schema["type"]]


def need_tree(paths, always=()) -> dict:
    """Which fields of a case an evaluation reads, from the dotted paths its expressions read
    (`member.address.city`): {field: True (the whole value) or {sub-field: ...}}. A path through a list
    needs the whole list (need_tree is followed into objects only)."""
    tree: dict = {}
    for dotted in sorted(set(paths) | set(always)):
        node = tree
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            sub = node.get(part)
            if sub is True:
                break
            if i == len(parts) - 1:
                node[part] = True
            else:
                node = node.setdefault(part, {})
    return tree


def case_need(ruleset, order, always=()) -> dict:
    """need_tree for an evaluation of the elements in `order`: the paths their expressions read (an
    element reads the case through its expressions only: elements.Element._expr)."""
    paths = set()
    for eid in order:
        paths |= ruleset.elements[eid].paths
    return need_tree(paths, always)


def _subschemas(schema):
    if not isinstance(schema, dict):
        return
    for name in ("items", "additionalProperties", "not"):
        sub = schema.get(name)
        if isinstance(sub, (dict, bool)):
            yield sub
    for sub in (schema.get("properties") or {}).values():
        yield sub
    for kw in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(kw) or []:
            yield sub


def emit_prepare(schema, names: Names, lits: Literals, free=(), need=None) -> list[str] | None:
    """Lines defining `prepare(case)` for the case schema, or None when the schema uses a keyword the
    generated check does not know (then every case takes jsonschema and the general conversion).
    `need` (need_tree), for an evaluation of some elements only: the whole case is checked, but only
    the fields it names are made FEEL values (the others stay as given, in the copy)."""
    em = SchemaEmitter(names, lits)
    try:
        em.check_supported(schema)
        if not isinstance(schema, dict) or schema.get("type", "object") != "object":
            raise Unsupported
        w = Writer(names)
        w.line("def prepare(case):")
        w.indent()
        w.line("if case.__class__ is not dict:")
        w.line("    return None")
        out = em._object(w, schema, "case", True if need is None else need, "return _INVALID", free=tuple(free))
        for name in schema.get("properties") or {}:
            w.line(f"if {text(name)} not in {out}:")
            w.line(f"    {out}[{text(name)}] = None")
        w.line(f"return {out}")
    except Unsupported:
        return None
    lines = []
    for fn in em.functions:
        lines.extend(fn)
    lines.extend(w.lines)
    return lines
