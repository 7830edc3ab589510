"""A generator profile compiled to one Python function: `draw(ctx)` draws a case's variables and fields
in straight-line code, the same values from the same random stream as the drawing functions of
spec.py (which stay the definition, check the profile first, and draw the rare kinds of spec this
module hands back to them).

The interpreter calls a function per spec, parameter and reference (~2,000 calls a case); here a
spec becomes a few statements, a literal parameter a constant, a reference a dictionary look-up.

The source is made from the checked spec tree only. A profile's text (field names, options, keys)
reaches it as an escaped literal (codegen.writer.text) or as a constant bound to a mangled name
(`kN`) in the module's namespace; every identifier is made here. The namespace has no built-in
beyond the few the code uses.
"""
from __future__ import annotations

import bisect
import math
from datetime import date, timedelta

from ..codegen.writer import text
from . import spec as S

_BUILTINS = ("int", "round", "str", "isinstance", "max", "dict", "list", "range", "type", "len", "any", "set", "format")


class _Out:
    """Lines at an indentation level."""

    def __init__(self):
        self.lines: list[str] = []
        self.level = 1

    def line(self, code: str) -> None:
        self.lines.append("    " * self.level + code)


class _Gen:
    def __init__(self):
        self.ns: dict = {
            "_M": S.MISSING, "_walk": S._walk, "_as_date": S._as_date, "_text": S._text, "_copy": S._copy,
            "_IMM": S._IMMUTABLE, "_add_months": S.add_months, "_td": timedelta, "_bisect": bisect.bisect_right,
            "_exp": math.exp, "_log": math.log, "_date": date, "_fromord": date.fromordinal, "_sqrt": math.sqrt, "_cos": math.cos,
            "_sin": math.sin, "_TWOPI": 2.0 * math.pi, "_rb": _randbelow_again,
            "_any_in": lambda v, allowed: any(a in v for a in allowed),
            # called from here, so that the `time` module strftime imports is found with the builtins
            # of this module, not the generated code's
            "_strftime": lambda d, fmt: d.strftime(fmt),
            "__builtins__": {n: __builtins__[n] if isinstance(__builtins__, dict) else getattr(__builtins__, n)
                             for n in _BUILTINS},
        }
        self.count = 0          # constants
        self.temps = 0          # temporaries of the current top-level entry
        self.out = _Out()
        self.var_local: dict = {}   # variable -> the local holding its value (None while unset)
        self.var_kind: dict = {}    # variable -> "str" / "date" when every value it can have is one
        self.item_local: list = []  # the local of each list item being made (None: read ctx.items)

    # ------------------------------------------------------------ names and constants

    def tmp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def glob(self, value) -> str:
        self.count += 1
        name = f"k{self.count}"
        self.ns[name] = value
        return name

    def const(self, value) -> str:
        """An expression for a constant of the profile (never changed by the code that reads it)."""
        c = value.__class__
        if c is str:
            return text(value)
        if value is None or value is True or value is False:
            return repr(value)
        if c is int:
            return repr(int(value))
        if c is float and math.isfinite(value):
            return repr(float(value))
        return self.glob(value)

    def line(self, code: str) -> None:
        self.out.line(code)

    def indent(self) -> None:
        self.out.level += 1

    def outdent(self, n: int = 1) -> None:
        self.out.level -= n

    # ------------------------------------------------------------ references

    def ref(self, text_: str) -> str:
        """An expression for a reference's value (statements before it where needed)."""
        if text_.startswith("$"):
            segs = S.ref_segments(text_[1:])
            name, rest = segs[0], segs[1:]
            get = self.var_local.get(name) or f"V.get({self.const(name)})"
            if not rest:
                return get
            t = self.tmp()
            self.line(f"{t} = {get}")
            if len(rest) == 1 and isinstance(rest[0], str):
                self.line(f"{t} = {t}.get({self.const(rest[0])}) if isinstance({t}, dict) else "
                          f"_walk({t}, {self.glob(rest)})")
            else:
                self.line(f"{t} = _walk({t}, {self.glob(rest)})")
            return t
        segs = S.ref_segments(text_)
        if segs == ["position"]:
            return "(pos[-1] if pos else None)"
        if segs[0] == "item":
            rest = segs[1:]
            local = self.item_local[-1] if self.item_local else None
            if local is not None and len(rest) == 1 and isinstance(rest[0], str):
                return f"{local}.get({self.const(rest[0])})"
            if len(rest) == 1 and isinstance(rest[0], str):
                return f"(items[-1].get({self.const(rest[0])}) if items else None)"
            return f"(_walk(items[-1], {self.glob(rest)}) if items else None)"
        if segs[0] == "prev":
            return f"(_walk(prev[-1], {self.glob(segs[1:])}) if prev and prev[-1] is not None else None)"
        t = self.tmp()
        if all(isinstance(x, str) for x in segs) and len(segs) in (2, 3):
            self.line(f"{t} = C.get({self.const(segs[0])})")
            self.line(f"if {t}.__class__ is dict:")
            self.indent()
            for seg in segs[1:-1]:
                self.line(f"{t} = {t}.get({self.const(seg)})")
            self.line(f"{t} = {t}.get({self.const(segs[-1])}) if {t}.__class__ is dict else _walk({t}, {self.glob(segs[-1:])})")
            self.outdent()
            self.line("else:")
            self.line(f"    {t} = _walk({t}, {self.glob(segs[1:])})")
            return t
        self.line(f"{t} = _walk(C, {self.glob(segs)})")
        return t

    def ref_kind(self, text_) -> str | None:
        """"str", "date" or "int" when every value the reference can have (None aside) is one."""
        if not isinstance(text_, str):
            return None
        if text_.startswith("$"):
            segs = S.ref_segments(text_[1:])
            return self.var_kind.get(segs[0]) if len(segs) == 1 else None
        return "int" if S.ref_segments(text_) == ["position"] else None

    def date_of(self, text_) -> str:
        """An expression for a reference's value as a date (spec._as_date), or None."""
        e = self.ref(text_)
        return e if self.ref_kind(text_) == "date" else f"_as_date({e})"

    def kind_of(self, spec) -> str | None:
        """"str" or "date" when every value the spec draws is one (when it draws any): what lets a
        variable's readers skip the tests of its kind."""
        if not isinstance(spec, dict):
            v = S._plain(spec)
            if v.__class__ is str:
                return "date" if S._DATE.match(v) else "str"
            return None
        source = next((k for k in S.SOURCES if k in spec), None)
        if source in ("date", "after"):
            return "date"
        if source in ("template", "chars", "digits", "date_text"):
            return "str"
        if source == "value":
            return self.kind_of(spec["value"])
        if source == "choice" and self.total(spec):
            options = self.choice_table(spec)[0]
            return "str" if options and all(o.__class__ is str for o in options) else None
        if source == "copy":
            kind = self.ref_kind(spec["copy"])
            return kind if kind in ("str", "date") else None
        if source == "switch":
            subs = list(spec["cases"].values()) + ([spec["default"]] if "default" in spec else [])
            kinds = {self.kind_of(sub) for sub in subs}
            return kinds.pop() if len(kinds) == 1 else None
        return None

    def param(self, v, as_date=False):
        """(constant, None) for a literal parameter, (None, expression) otherwise (spec._value_or_ref)."""
        if isinstance(v, dict):
            t = self.value_of(v)
            self.line(f"if {t} is _M:")
            self.line(f"    {t} = None")
            return None, t
        if isinstance(v, str):
            if S._DATE.match(v):
                return (date.fromisoformat(v),), None
            if as_date:
                return None, self.date_of(v)
            return None, self.ref(v)
        return (S.real(v),), None

    def param_expr(self, v, as_date=False) -> str:
        """A constant, or a temporary holding the parameter's value."""
        c, e = self.param(v, as_date)
        if c is not None:
            return self.const(c[0])
        if e.isidentifier():
            return e
        t = self.tmp()
        self.line(f"{t} = {e}")
        return t

    # ------------------------------------------------------------ conditions and presence

    def when(self, when) -> str:
        """A temporary holding whether `when` holds (spec.compile_when)."""
        ok = self.tmp()
        first = True
        n = 0
        for ref, want in when.items():
            allowed = [S._plain(w) for w in S._listify(want)] if want is not None else [None]
            allowed = [S._as_date(a) or a if isinstance(a, str) and S._DATE.match(a) else a for a in allowed]
            none_ok = None in allowed
            if not first:
                self.line(f"if {ok}:")
                self.indent()
                n += 1
            first = False
            w = self.tmp()
            self.line(f"{w} = {self.ref(str(ref))}")
            k = self.glob(allowed)
            if none_ok:
                self.line(f"{ok} = {w} in {k}")
            else:
                self.line(f"{ok} = _any_in({w}, {k}) if isinstance({w}, list) else {w} in {k}")
        self.outdent(n)
        return ok

    def gate(self, spec) -> int:
        """Open the blocks of a spec's `when` and `p`; returns how many to close."""
        n = 0
        if "when" in spec:
            n += self.open(self.when(spec["when"]))
        if "p" in spec:
            n += self.open(f"R() < {self.const(S.real(spec['p']))}")
        return n

    def open(self, condition: str) -> int:
        """Open an `if` block (one to close)."""
        self.line(f"if {condition}:")
        self.indent()
        return 1

    # ------------------------------------------------------------ values and fills

    def value_of(self, spec, schema=None) -> str:
        """A temporary holding the spec's value or _M (spec._draw of compile_spec)."""
        t = self.tmp()
        if is_value(spec):
            self.line(f"{t} = _M")
            self.value_into(t, spec, schema)
        else:
            self.line(f"{t} = {{}}")
            self.fill(spec, t, "'v'", fresh=True, schema=schema)
            self.line(f"{t} = {t}.get('v', _M)")
        return t

    def value_into(self, t, spec, schema=None) -> None:
        """Statements that set `t` to the spec's value, or leave it _M (t is _M before)."""
        if not isinstance(spec, dict):
            self.plain_value(t, spec)
            return
        n = self.gate(spec)
        source = next(k for k in S.SOURCES if k in spec)
        integer = isinstance(schema, dict) and schema.get("type") == "integer"
        if self.total(spec):
            self.line(f"{t} = {self.total_expr(spec)}")
        elif source == "switch":
            self.switch(spec, schema, lambda sub: self.value_into(t, sub, schema))
        else:
            getattr(self, "v_" + source)(t, spec, integer)
        self.outdent(n)

    def fill(self, spec, parent, key, fresh, schema=None) -> None:
        """Statements that set parent[key] from the spec (or leave it unset); `fresh`: parent has no key yet."""
        if is_value(spec):
            if self.total(spec):
                # a value there always is once its `when` and `p` hold: set in place, no marker
                n = self.gate(spec) if isinstance(spec, dict) else 0
                self.line(f"{parent}[{key}] = {self.total_expr(spec)}")
                self.outdent(n)
                return
            t = self.tmp()
            self.line(f"{t} = _M")
            self.value_into(t, spec, schema)
            self.line(f"if {t} is not _M:")
            self.line(f"    {parent}[{key}] = {t}")
            return
        n = self.gate(spec)
        if "fields" in spec:
            self.object_fill(S.field_tree(spec["fields"], ()), parent, key, fresh, schema)
        elif "list" in spec:
            self.list_fill(spec, parent, key, schema)
        else:
            self.switch(spec, schema, lambda sub: self.fill(sub, parent, key, fresh, schema))
        self.outdent(n)

    def fields(self, tree, obj, fresh, schema) -> None:
        """spec.fill_fields over a field tree (spec.field_tree)."""
        props = (schema or {}).get("properties") if isinstance(schema, dict) else None
        props = props if isinstance(props, dict) else {}
        for name, node in tree.items():
            key = self.const(name)
            sub = props.get(name)
            n = 0
            if not fresh:
                self.line(f"if {key} not in {obj}:")
                self.indent()
                n = 1
            if "__spec__" in node:
                self.fill(node["__spec__"], obj, key, fresh, sub)
            else:
                self.object_fill(node["__fields__"], obj, key, fresh, sub)
            self.outdent(n)

    def object_fill(self, tree, parent, key, fresh, schema) -> None:
        o = self.tmp()
        if fresh:
            self.line(f"{o} = {parent}[{key}] = {{}}")
        else:
            self.line(f"{o} = {parent}.get({key})")
            self.line(f"if not isinstance({o}, dict):")
            self.line(f"    {o} = {parent}[{key}] = {{}}")
        self.fields(tree, o, fresh, schema)
        self.line(f"if not {o}:")
        self.line(f"    del {parent}[{key}]")

    def switch(self, spec, schema, branch) -> None:
        cases = spec["cases"]
        table = {}
        for k, v in cases.items():
            table[S._text(S._plain(k))] = v
        default = spec.get("default", S.MISSING)
        v = self.tmp()
        self.line(f"{v} = {self.ref(spec['switch'])}")
        kind = self.ref_kind(spec["switch"])
        if kind == "int":
            self.line(f"{v} = None if {v} is None else str({v})")
        elif kind != "str":
            self.line(f"{v} = None if {v} is None else {v} if {v}.__class__ is str else _text({v})")
        word = "if"
        for k, sub in table.items():
            self.line(f"{word} {v} == {self.const(k)}:")
            self.indent()
            branch(sub)
            self.outdent()
            word = "elif"
        if default is not S.MISSING:
            self.line("else:")
            self.indent()
            branch(default)
            self.outdent()

    def list_fill(self, spec, parent, key, schema) -> None:
        body = spec["list"]
        item_schema = schema.get("items") if isinstance(schema, dict) else None
        item = body.get("item")
        item_is_object = isinstance(item, dict) and "fields" in item
        plan = item_is_object and "p" not in item and "when" not in item
        value = item is not None and is_value(item)
        general = None
        stubs = self.tmp()
        n = 0
        if "stories" in body:
            stories = [[S._plain(x) for x in s["items"]] for s in body["stories"]]
            cum = S._weights(stories, [s.get("weight", 1) for s in body["stories"]], ())
            self.line(f"{stubs} = {self.glob(stories)}[_bisect({self.glob(cum)}, R() * {self.const(cum[-1])})]")
        else:
            c = self.count_expr(body)
            self.line(f"if not ({none(c)} or {c} is _M):" if c.isidentifier() else f"if not {none(c)}:")
            self.indent()
            n = 1
            self.line(f"{stubs} = [None] * max(0, int({c}))")
        out = self.tmp()
        self.line(f"{out} = {parent}[{key}] = []")
        self.line("prev.append(None)")
        self.line("pos.append(0)")
        stub = self.tmp()
        self.line(f"for {stub} in {stubs}:")
        self.indent()
        self.line("pos[-1] += 1")
        if plan:
            self.line(f"if {stub} is None or {stub}.__class__ is dict:")
            self.indent()
            o = self.tmp()
            self.line(f"{o} = {{}} if {stub} is None else dict({stub})")
            self.line(f"{out}.append({o})")
            self.line(f"items.append({o})")
            self.item_local.append(o)       # `item.x` reads this item's local, not ctx.items
            if "stories" in body:      # an item may hold fields of its story
                self.fields(S.field_tree(item["fields"], ()), o, False, item_schema)
            else:
                self.fields(S.field_tree(item["fields"], ()), o, True, item_schema)
            self.item_local.pop()
            self.line("items.pop()")
            self.line(f"if {o}:")
            self.line(f"    prev[-1] = {o}")
            self.line("else:")
            self.line(f"    {out}.pop()")
            self.line("continue")
            self.outdent()
        elif value:
            self.line(f"if {stub} is None:")
            self.indent()
            t = self.tmp()
            self.line("items.append({})")
            self.line(f"{t} = _M")
            self.item_local.append(None)
            self.value_into(t, item, item_schema)
            self.item_local.pop()
            self.line("items.pop()")
            self.line(f"if {t} is not _M:")
            self.line(f"    {out}.append({t})")
            self.line(f"    prev[-1] = {t}")
            self.line("continue")
            self.outdent()
        if not (plan and "stories" not in body) and not (value and "stories" not in body):
            # the general way (spec._list), with the item drawn by spec.py's own function
            general = S.compile_spec(item, (), item_schema) if item is not None else None
            h, o, v, isd = self.tmp(), self.tmp(), self.tmp(), self.tmp()
            self.line(f"if {stub} is None:")
            self.line(f"    {h} = {{'v': {{}}}}" if item_is_object else f"    {h} = {{}}")
            self.line("else:")
            self.line(f"    {h} = {{'v': dict({stub}) if isinstance({stub}, dict) else {stub}}}")
            self.line(f"{o} = {h}.get('v')")
            self.line(f"{isd} = isinstance({o}, dict)")
            self.line(f"if {isd}:")
            self.line(f"    {out}.append({o})")
            self.line(f"items.append({o} if {isd} else {{}})")
            if general is not None:
                self.line("rnd.gauss_next = GN")
                self.line(f"{self.glob(general)}(ctx, {h}, 'v')")
                self.line("GN = rnd.gauss_next")
            self.line("items.pop()")
            self.line(f"{v} = {h}.get('v', _M)")
            self.line(f"if {isd}:")
            self.line(f"    if {v} is _M or {v} == {{}}:")
            self.line(f"        {out}.pop()")
            self.line("        continue")
            self.line(f"elif {v} is _M:")
            self.line("    continue")
            self.line("else:")
            self.line(f"    {out}.append({v})")
            self.line(f"prev[-1] = {v}")
        self.outdent()
        self.line("prev.pop()")
        self.line("pos.pop()")
        order = body.get("order_by")
        if order:
            self.line(f"{out}.sort(key={self.glob(_order_key(order))})")
        self.outdent(n)

    def count_expr(self, body) -> str:
        v = body["count"]
        if isinstance(v, list):
            return self.randint_pair(v)
        return self.param_expr(v)

    @staticmethod
    def below(n) -> str:
        """An expression for rnd._randbelow(n) (random's, with getrandbits) for a constant n >= 1: one
        getrandbits call inline, _rb for a draw rejected."""
        n = int(n)
        if n < 1:
            return f"B({n})"
        k = n.bit_length()
        return f"(rb if (rb := GB({k})) < {n} else _rb(GB, {n}, {k}))"

    def randint_pair(self, pair) -> str:
        """spec._offset of [low, high]: randint(int(low), int(high)), None when either is None."""
        a, b, t = self.param_expr(pair[0]), self.param_expr(pair[1]), self.tmp()
        ca, cb = _int_literal(a), _int_literal(b)
        if ca is not None and cb is not None and cb >= ca:
            self.line(f"{t} = {ca} + {self.below(cb - ca + 1)}")
            return t
        self.line(f"if {none(a)} or {none(b)}:")
        self.line(f"    {t} = None")
        self.line("else:")
        self.line(f"    {t} = _randint(rnd, int({a}), int({b}))")
        self.ns["_randint"] = S.randint
        return t

    # ------------------------------------------------------------ sources (spec._DRAWS)

    # a value there always is (its `when` and `p` aside), drawn by one expression: no marker for
    # "missing", the value set where it goes

    TOTAL = ("value", "bool", "choice", "chars", "digits", "range", "template")

    def total(self, spec) -> bool:
        if not isinstance(spec, dict):
            return True
        source = next((k for k in S.SOURCES if k in spec), None)
        if source not in self.TOTAL:
            return False
        if source == "choice":
            return not S._listify(spec.get("not_in"))
        if source == "range":
            return self.whole_range(spec) is not None
        if source == "template":
            return self.template_plan(spec) is not None
        return True

    @staticmethod
    def whole_range(spec):
        """(low, high) of `range: [low, high]` with whole literal ends (low <= high, within a float's
        exact integers) and no modifier: its value is low + randbelow(high - low + 1), always."""
        if set(spec) - {"range", "p", "when", "note"}:
            return None
        pair = spec["range"]
        if not isinstance(pair, list) or len(pair) != 2:
            return None
        lo, hi = (S.real(v) if not isinstance(v, (bool, str, dict, list)) else None for v in pair)
        if lo.__class__ is not int or hi.__class__ is not int or hi < lo or max(abs(lo), abs(hi)) >= 2 ** 53:
            return None
        return lo, hi

    def template_plan(self, spec):
        """For a template none of whose parts can be missing or other than text or a whole number,
        and without a check character: [(literal text, None) or (None, part spec, 'str' or 'int')]."""
        import re
        if "check" in spec or not isinstance(spec.get("template"), str):
            return None
        parts = spec.get("parts") or {}
        if not isinstance(parts, dict):
            return None
        plan = []
        for i, piece in enumerate(re.split(r"\{([^{}]+)\}", spec["template"])):
            if i % 2 == 0:
                if piece:
                    plan.append((piece, None, None))
                continue
            sub = parts.get(piece)
            if sub is None or not self.total(sub) or (isinstance(sub, dict) and ("p" in sub or "when" in sub)):
                return None
            kind = "str" if self.known_str(sub) else "int" if self.known_int(sub) else None
            if kind is None:
                return None
            plan.append((None, sub, kind))
        return plan

    def total_expr(self, spec) -> str:
        """The expression of a total spec's value (statements before it where needed)."""
        if not isinstance(spec, dict):
            return self.plain_expr(spec)
        source = next(k for k in S.SOURCES if k in spec)
        if source == "value":
            return self.plain_expr(spec["value"])
        if source == "bool":
            return f"R() < {self.const(S.real(spec['bool']))}"
        if source == "choice":
            options, cum = self.choice_table(spec)
            k = self.glob(options)
            if cum is None:
                return f"{k}[int(R() * {len(options)})]"
            return f"{k}[_bisect({self.glob(cum)}, R() * {self.const(cum[-1])})]"
        if source == "range":
            lo, hi = self.whole_range(spec)
            return f"{lo} + {self.below(hi - lo + 1)}"
        if source == "template":
            # each part drawn in order into a temporary, the text joined after (as v_template)
            exprs = []
            for literal, sub, kind in self.template_plan(spec):
                if sub is None:
                    exprs.append(self.const(literal))
                    continue
                v = self.tmp()
                e = self.total_expr(sub)
                self.line(f"{v} = {e}" if kind == "str" else f"{v} = str({e})")
                exprs.append(v)
            if not exprs:
                return "''"
            return " + ".join(exprs) if len(exprs) > 1 else f"str({exprs[0]})"
        return self.chars_expr(spec)

    def known_int(self, spec) -> bool:
        """Whether a total spec's value is always a whole number (not a truth value)."""
        if not isinstance(spec, dict):
            return S._plain(spec).__class__ is int
        source = next((k for k in S.SOURCES if k in spec), None)
        if source == "range":
            return self.whole_range(spec) is not None
        if source == "value":
            return self.known_int(spec["value"])
        if source == "choice" and self.total(spec):
            return all(o.__class__ is int for o in self.choice_table(spec)[0])
        return False

    def known_str(self, spec) -> bool:
        """Whether a total spec's value is always text (a template part then needs no test)."""
        if not isinstance(spec, dict):
            return S._plain(spec).__class__ is str and not S._DATE.match(S._plain(spec))
        source = next((k for k in S.SOURCES if k in spec), None)
        if source in ("chars", "digits"):
            return True
        if source == "value":
            return self.known_str(spec["value"])
        if source == "choice" and self.total(spec):
            return all(o.__class__ is str and not S._DATE.match(o) for o in self.choice_table(spec)[0])
        return False

    @staticmethod
    def choice_table(spec):
        return S.choice_table(spec, ())

    def plain_expr(self, v) -> str:
        value = S._plain(v)
        if isinstance(value, str) and S._DATE.match(value):
            value = date.fromisoformat(value)
        if isinstance(value, (list, dict)):
            return f"_copy({self.glob(value)})"
        return self.const(value)

    def chars_expr(self, spec) -> str:
        n = spec.get("chars", spec.get("digits"))
        alphabet = "0123456789" if "digits" in spec else spec.get("from")
        a, k = self.const(alphabet), len(alphabet)
        if n <= 16:
            return " + ".join([f"{a}[int(R() * {k})]"] * n)
        return f"''.join([{a}[int(R() * {k})] for _ in range({int(n)})])"

    def plain_value(self, t, v) -> None:
        value = S._plain(v)
        if isinstance(value, str) and S._DATE.match(value):
            value = date.fromisoformat(value)
        if isinstance(value, (list, dict)):
            self.line(f"{t} = _copy({self.glob(value)})")
        else:
            self.line(f"{t} = {self.const(value)}")

    def v_value(self, t, spec, integer) -> None:
        self.plain_value(t, spec["value"])

    def v_bool(self, t, spec, integer) -> None:
        self.line(f"{t} = R() < {self.const(S.real(spec['bool']))}")

    def v_choice(self, t, spec, integer) -> None:
        if S._listify(spec.get("not_in")):
            self.choice_not_in(t, spec)
        else:
            self.line(f"{t} = {self.total_expr(spec)}")

    def choice_not_in(self, t, spec) -> None:
        """spec._choice with `not_in`: the options found in the references left out."""
        options, cum = self.choice_table(spec)
        n = len(options)
        taken, out, free = self.tmp(), self.tmp(), self.tmp()
        self.line(f"{taken} = set()")
        for r in S._listify(spec.get("not_in")):
            v = self.tmp()
            self.line(f"{v} = {self.ref(str(r))}")
            self.line(f"if isinstance({v}, list):")
            self.line(f"    {taken}.update([x for x in {v} if isinstance(x, (str, int))])")
            self.line(f"elif isinstance({v}, (str, int)):")
            self.line(f"    {taken}.add({v})")
        everyone = self.glob(list(range(n)))
        takeable = self.glob([(i, o) for i, o in enumerate(options) if isinstance(o, (str, int))])
        self.line(f"if {taken}:")
        self.line(f"    {out} = {{i for i, o in {takeable} if o in {taken}}}")
        self.line(f"    {free} = [i for i in {everyone} if i not in {out}] if {out} else {everyone}")
        self.line("else:")
        self.line(f"    {free} = {everyone}")
        k = self.glob(options)
        self.line(f"if {free}:")
        if cum is None:
            self.line(f"    {t} = {k}[{free}[int(R() * len({free}))]]")
        else:
            c = self.glob(cum)
            self.line(f"    {t} = {k}[{free}[rnd.choices(range(len({free})), "
                      f"weights=[{c}[i] - ({c}[i - 1] if i else 0) for i in {free}])[0]]]")

    def v_copy(self, t, spec, integer) -> None:
        e = self.ref(spec["copy"])
        self.line(f"{t} = {e}")
        self.line(f"if {t} is None:")
        self.line(f"    {t} = _M")
        self.line(f"elif type({t}) not in _IMM:")
        self.line(f"    {t} = _copy({t})")

    def v_chars(self, t, spec, integer) -> None:
        n = spec.get("chars", spec.get("digits"))
        alphabet = "0123456789" if "digits" in spec else spec.get("from")
        a, k = self.const(alphabet), len(alphabet)
        if n <= 16:
            self.line(f"{t} = " + " + ".join([f"{a}[int(R() * {k})]"] * n))
        else:
            self.line(f"{t} = ''.join([{a}[int(R() * {k})] for _ in range({int(n)})])")

    v_digits = v_chars

    def v_date_text(self, t, spec, integer) -> None:
        self.line(f"{t} = {self.date_of(spec['date_text'])}")
        fmt = spec.get("format", "%Y-%m-%d")
        fast = _date_format(fmt) if isinstance(fmt, str) else None
        if fast is not None:
            self.line(f"if {t} is None:")
            self.line(f"    {t} = _M")
            self.line("else:")
            self.line(f"    {t} = {fast(t, self.const)}")
        else:
            self.line(f"{t} = _M if {t} is None else _strftime({t}, {self.const(fmt)})")

    def v_template(self, t, spec, integer) -> None:
        import re
        parts = spec.get("parts") or {}
        pieces = re.split(r"\{([^{}]+)\}", spec["template"])
        missing = self.tmp()
        self.line(f"{missing} = False")
        exprs = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                if piece:
                    exprs.append(self.const(piece))
                continue
            sub = parts.get(piece)
            if sub is not None and self.total(sub) and not (isinstance(sub, dict) and ("p" in sub or "when" in sub)) \
                    and (self.known_str(sub) or self.known_int(sub)):
                v = self.tmp()
                e = self.total_expr(sub)
                self.line(f"{v} = {e}" if self.known_str(sub) else f"{v} = str({e})")
                exprs.append(v)
                continue
            if piece in parts:
                v = self.value_of(parts[piece])
            else:
                v = self.tmp()
                self.line(f"{v} = ctx.{'index' if piece == 'index' else 'seed'}")
            self.line(f"if {v}.__class__ is not str:")
            self.line(f"    if {v}.__class__ is int:")
            self.line(f"        {v} = str({v})")
            self.line(f"    elif {v} is _M or {v} is None:")
            self.line(f"        {missing} = True")
            self.line("    else:")
            self.line(f"        {v} = _text({v})")
            exprs.append(v)
        self.line(f"if not {missing}:")
        self.indent()
        joined = " + ".join(exprs) if len(exprs) > 1 else (f"str({exprs[0]})" if exprs else "''")
        check = S._check(spec, ())
        if check is None:
            self.line(f"{t} = {joined}")
        else:
            s, c = self.tmp(), self.tmp()
            self.line(f"{s} = {joined}")
            self.line(f"{c} = {self.glob(check)}({s})")
            self.line(f"if {c} is not None:")
            self.line(f"    {t} = {s} + {c}")
        self.outdent()

    # numbers

    def bounded(self, t, x, spec, integer) -> None:
        """spec._bounded after the draw in `x` (None: missing)."""
        step = spec.get("step", 1 if integer else None)
        n = self.open(f"{x} is not None")
        if "times" in spec:
            m = self.param_expr(spec["times"])
            n += self.open(f"not {none(m)}")
            self.line(f"{x} = {x} * {m}")
        for key, op in (("min", "<"), ("max", ">")):
            if key in spec:
                c, e = self.param(spec[key])
                if c is not None:
                    if c[0] is not None:
                        self.line(f"if {x} {op} {self.const(c[0])}:")
                        self.line(f"    {x} = {self.const(c[0])}")
                else:
                    m = self.tmp()
                    self.line(f"{m} = {e}")
                    self.line(f"if {m} is not None and {x} {op} {m}:")
                    self.line(f"    {x} = {m}")
        if step is None:
            self.line(f"{t} = int(round({x}))" if integer else f"{t} = {x}")
        else:
            places = S._places(step)
            s = S.real(step)
            if places == 0:
                s = self.const(int(s))
                self.line(f"{t} = int(round({x} / {s})) * {s}")
            else:
                s = self.const(s)
                self.line(f"{t} = round(round({x} / {s}) * {s}, {int(places)})")
                self.line(f"{t} = int({t}) if {t} == int({t}) else {t}")
        self.outdent(n)

    def pair(self, spec, key):
        v = spec[key]
        return self.param_expr(v[0]), self.param_expr(v[1])

    def gauss(self, x, mu, sigma) -> None:
        """`x = rnd.gauss(mu, sigma)` as random.Random.gauss computes it, its second value kept in the
        local GN (put back in rnd.gauss_next before spec.py's functions draw, and at the end)."""
        z, g = self.tmp(), self.tmp()
        self.line("if GN is None:")
        self.line(f"    {z} = R() * _TWOPI")
        self.line(f"    {g} = _sqrt(-2.0 * _log(1.0 - R()))")
        self.line(f"    GN = _sin({z}) * {g}")
        self.line(f"    {z} = _cos({z}) * {g}")
        self.line("else:")
        self.line(f"    {z} = GN")
        self.line("    GN = None")
        self.line(f"{x} = {mu} + {z} * {sigma}")

    def v_normal(self, t, spec, integer) -> None:
        m, s = self.pair(spec, "normal")
        x = self.tmp()
        if none(m) == "False" and none(s) == "False":
            self.gauss(x, m, s)
        else:
            self.line(f"if {none(m)} or {none(s)}:")
            self.line(f"    {x} = None")
            self.line("else:")
            self.indent()
            self.gauss(x, m, s)
            self.outdent()
        self.bounded(t, x, spec, integer)

    def v_lognormal(self, t, spec, integer) -> None:
        m, s = self.pair(spec, "lognormal")
        x = self.tmp()
        self.line(f"if not {m} or {none(s)}:")
        self.line(f"    {x} = None")
        self.line("else:")
        self.indent()
        self.gauss(x, "0", s)
        self.line(f"{x} = {m} * _exp({x})")
        self.outdent()
        self.bounded(t, x, spec, integer)

    def v_range(self, t, spec, integer) -> None:
        a, b = self.pair(spec, "range")
        step = spec.get("step")
        whole = integer or (step is None and all(isinstance(v, int) for v in spec["range"]))
        log = bool(spec.get("log"))
        x = self.tmp()
        self.line(f"if {none(a)} or {none(b)} or {b} < {a}:")
        self.line(f"    {x} = None")
        self.line("else:")
        self.indent()
        if whole and step is None and not log:
            self.line(f"{x} = int({a})")
            self.line(f"{x} = {x} + B(int({b}) - {x} + 1)")
            self.outdent()
            self.bounded(t, x, dict(spec, step=1), True)
            return
        if log:
            self.line(f"if {a} > 0:")
            self.line(f"    {x} = _exp(rnd.uniform(_log({a}), _log({b})))")
            self.line("else:")
            self.line(f"    {x} = rnd.uniform({a}, {b})")
        else:
            self.line(f"{x} = rnd.uniform({a}, {b})")
        self.outdent()
        s = dict(spec)
        if whole and step is None:
            s["step"] = 1
        self.bounded(t, x, s, whole)

    # dates

    def offset(self, spec, key):
        """(constant, expression-maker) for spec._offset: a literal taken once, or drawn in order."""
        if key not in spec:
            return None
        v = spec[key]
        if isinstance(v, list):
            return ("pair", v)
        if isinstance(v, dict) or (isinstance(v, str) and not S._DATE.match(v)):
            return ("param", v)
        return ("const", date.fromisoformat(v) if isinstance(v, str) else S.real(v))

    def v_date(self, t, spec, integer) -> None:
        years, months, days = (self.offset(spec, k) for k in ("years", "months", "days"))
        d = self.tmp()
        if "after" in spec:
            anchors = S._listify(spec["after"])
            n = 0
            for i, a in enumerate(anchors):
                if i:
                    self.line(f"if {d} is None:")
                    self.indent()
                    n += 1
                self.line(f"{d} = {self.date_of(a)}")
            self.outdent(n)
        elif self.date_constants(spec["date"]) is not None:
            # both ends known now: the day drawn is the first plus randbelow(the days between + 1)
            first, last = self.date_constants(spec["date"])
            self.line(f"{d} = _fromord({first.toordinal()} + {self.below((last - first).days + 1)})")
        else:
            a = self.param_expr(spec["date"][0], as_date=True)
            ta = self.tmp()
            self.line(f"{ta} = {a}")
            b = self.param_expr(spec["date"][1], as_date=True)
            if not b.isidentifier():
                self.line(f"{d} = {b}")
                b = d
            self.line(f"if {ta} is None or {none(b)} or {b} < {ta}:")
            self.line(f"    {d} = None")
            self.line("else:")
            self.line(f"    {d} = {ta} + _td(days=B(({b} - {ta}).days + 1))")
        self.line(f"if {d} is not None:")
        self.indent()
        shift = None
        if years is None or years[0] == "const":
            if months is None or months[0] == "const":
                if years is not None or months is not None:
                    k = (years[1] or 0) * 12 if years is not None else 0
                    k += (months[1] or 0) if months is not None else 0
                    shift = int(k)
                    years = months = None
        if shift is not None:
            self.line(f"{d} = _add_months({d}, {shift})")
        elif years is not None or months is not None:
            k = self.tmp()
            self.line(f"{k} = ({self.offset_expr(years)} or 0) * 12" if years is not None else f"{k} = 0")
            if months is not None:
                self.line(f"{k} += {self.offset_expr(months)} or 0")
            self.line(f"{d} = _add_months({d}, int({k}))")
        if days is not None and days[0] == "const":
            self.line(f"{d} += {self.glob(timedelta(days=int(days[1] or 0)))}")
        elif days is not None:
            self.line(f"{d} += _td(days=int({self.offset_expr(days)} or 0))")
        for key, op in (("min", "<"), ("max", ">")):
            if key in spec:
                m = self.tmp()
                self.line(f"{m} = {self.param_expr(spec[key], as_date=True)}")
                self.line(f"if {m} is not None and {d} {op} {m}:")
                self.line(f"    {d} = {m}")
        self.line(f"{t} = {d}")
        self.outdent()

    v_after = v_date

    @staticmethod
    def date_constants(pair):
        """(first, last) of `date: [first, last]` with literal dates, first <= last; else None."""
        if not isinstance(pair, list) or len(pair) != 2:
            return None
        ends = []
        for v in pair:
            if isinstance(v, str) and S._DATE.match(v):
                v = date.fromisoformat(v)
            if v.__class__ is not date:
                return None
            ends.append(v)
        return tuple(ends) if ends[0] <= ends[1] else None

    def offset_expr(self, off) -> str:
        kind, v = off
        if kind == "pair":
            return self.randint_pair(v)
        if kind == "param":
            t = self.tmp()
            self.line(f"{t} = {self.param_expr(v)}")
            return t
        return self.const(v)


# strftime's codes whose text is the same on every platform and for every year (zero-padded numbers;
# not %Y, which glibc does not pad below 1000): as Python, without strftime's time tuple (~20x the cost)
_FAST_CODES = {"y": "{0}.year % 100:02d", "m": "{0}.month:02d", "d": "{0}.day:02d",
               "j": "{0}.toordinal() - _date({0}.year, 1, 1).toordinal() + 1:03d"}


def _date_format(fmt: str):
    """A maker of the expression formatting a date as strftime(fmt) does, or None when fmt has
    other codes. The literal text between codes is a constant of the profile."""
    import re
    pieces = re.split(r"(%.)", fmt)
    if any(p.startswith("%") and len(p) == 2 and p[1] not in _FAST_CODES for p in pieces if p) \
            or any("%" in p for p in pieces if not (len(p) == 2 and p.startswith("%"))):
        return None

    def make(var, const):
        out = []
        for p in pieces:
            if not p:
                continue
            if len(p) == 2 and p.startswith("%"):
                out.append(f"format({_FAST_CODES[p[1]].split(':')[0].format(var)}, '{_FAST_CODES[p[1]].split(':')[1]}')")
            else:
                out.append(const(p))
        return " + ".join(out) if out else "''"
    return make


def _randbelow_again(getrandbits, n: int, k: int) -> int:
    """The rest of random's _randbelow_with_getrandbits after a first draw of k bits was n or more."""
    r = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def _int_literal(e: str):
    """The int an expression of the generated code is when it is a plain (signed) integer literal."""
    body = e[1:] if e[:1] == "-" else e
    return int(e) if body.isdigit() and body.isascii() else None


def none(e: str) -> str:
    """`e is None` for an expression that may be a literal (whose test is known now)."""
    if e.isidentifier() and e not in ("None", "True", "False"):
        return f"{e} is None"
    return "True" if e == "None" else "False"


def is_value(spec) -> bool:
    """Whether the spec's compiled fill has a draw function (spec.compile_spec): a value, not an object
    or a list built in place; a switch between values is a value."""
    if not isinstance(spec, dict):
        return True
    if "list" in spec or "fields" in spec:
        return False
    if "switch" in spec:
        subs = list(spec["cases"].values()) + ([spec["default"]] if "default" in spec else [])
        return all(is_value(s) for s in subs)
    return True


def _order_key(order):
    return lambda x: (x.get(order) is None, x.get(order) or date.min) if isinstance(x, dict) else (True, date.min)


def compile_profile(vars_specs, field_trees):
    """The function draw(ctx) -> case: `vars_specs` is [(name, spec)], `field_trees` [(tree, schema)] in
    order (spec.field_tree). The profile was checked by compiling it with spec.py first."""
    g = _Gen()
    g.line("rnd = ctx.rnd")
    g.line("R = rnd.random")
    g.line("B = rnd._randbelow")
    g.line("GB = rnd.getrandbits")
    g.line("GN = rnd.gauss_next")     # random.gauss's second value, kept here (see v_normal)
    g.line("items = ctx.items")
    g.line("prev = ctx.prev")
    g.line("pos = ctx.pos")
    g.line("C = ctx.case = {}")
    g.line("V = ctx.vars = {}")
    # each variable also in a local of its own (vN), read by the code instead of ctx.vars, which
    # stays filled for spec.py's functions and the derive
    names = list(dict.fromkeys(name for name, _ in vars_specs))
    if names:
        g.line(" = ".join(f"v{i}" for i in range(1, len(names) + 1)) + " = None")
    for name, spec in vars_specs:
        g.temps = 0
        key = g.const(name)
        local = f"v{names.index(name) + 1}"
        g.fill(spec, "V", key, fresh=True)
        last, head = g.out.lines[-1], f"    V[{key}] = "
        if last.startswith(head):      # set unconditionally, by one expression
            g.out.lines[-1] = f"    {local} = " + last[4:]
        else:
            g.line(f"{local} = V.get({key})")
        g.var_local[name] = local
        g.var_kind[name] = g.kind_of(spec)
    for tree, schema in field_trees:
        for name, node in tree.items():
            g.temps = 0
            g.fields({name: node}, "C", True, schema)
    g.line("rnd.gauss_next = GN")
    g.line("return C")
    source = "def draw(ctx):\n" + "\n".join(g.out.lines) + "\n"
    exec(compile(source, "<certrules generator profile>", "exec"), g.ns)
    fn = g.ns["draw"]
    fn.source = source
    return fn
