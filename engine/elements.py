"""Rule elements: what each kind of element is and how it is compiled.

The kinds are parameters, functions, rules and checks (here), tables (tables.py), decision tables
(decisions.py) and state machines (machines.py). An element knows its id, its clause, the names it
reads and its compiled expressions; how it makes its value is generated from them (engine/codegen/
elements.py). It knows nothing of any domain.

A rule's value is its `expr` when its `when` is true (null otherwise), converted to its declared
`type` (a value of another type is null, with a diagnostic). A function's value is a FEEL function of
its params over the evaluation's values. A check is true when its `assert` is, null when that is null
(undecided), and otherwise false with a finding: its message with each {name} replaced by the value of
the let, or element, or case field so named (a number to the `display: {places}` of the element named).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .expressions import Compiler, Scope, read_paths
from .feel import to_feel, to_plain
from .i18n import Msg, file_text, messages
from .record import Record

# An element's declared `type` (the schema's names) as a FEEL type; "any" declares nothing.
_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "date": "date", "time": "time",
          "date and time": "date and time", "duration": "duration", "list": "list", "context": "context",
          "range": "range"}


def declared_type(raw) -> "TypeRef | None":
    name = _TYPES.get(raw.get("type"))
    if not name:
        return None
    from .feel.nodes import TypeRef     # the syntax tree only when a type is asked for (not from the cache)
    return TypeRef(name)


def text2(value, language: str = "en") -> dict | None:
    """A title/interpretation/message given as one string (in the rule set's primary `language`) or as
    a mapping from language to text."""
    return file_text(value, language)


class Element(Record):
    kind = "element"
    __match_args__ = ("id", "clause", "sf", "path", "raw", "title", "text", "interpretation", "reads", "paths",
                      "places")

    def __init__(self, id: str, clause: str, sf: object, path: tuple, raw: dict, title: dict | None = None,
                 text: str | None = None, interpretation: dict | None = None, reads: set | None = None,
                 paths: set | None = None, places: int | None = None):
        self.id = id
        self.clause = clause
        self.sf = sf                # loader.SourceFile it was written in
        self.path = path            # its path inside that file
        self.raw = raw
        self.title = title
        self.text = text
        self.interpretation = interpretation
        self.reads = set() if reads is None else reads      # names this element reads (element ids and case fields)
        self.paths = set() if paths is None else paths      # the dotted paths it reads, for the trace
        self.places = places        # `display: {places: N}`: how people read the value

    @classmethod
    def build(cls, sf, path, raw, compiler: Compiler, scope: Scope):
        el = cls(id=raw["id"], clause=str(raw["clause"]), sf=sf, path=path, raw=raw,
                 title=text2(raw.get("title"), compiler.language), text=raw.get("text"),
                 interpretation=text2(raw.get("interpretation"), compiler.language),
                 places=(raw.get("display") or {}).get("places"))
        el.compile(compiler, scope)
        return el

    def compile(self, compiler: Compiler, scope: Scope) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _expr(self, compiler, key, scope, value=None, path=None):
        ce = compiler.expr(self.sf, path or (self.path + (key,)), self.raw[key] if value is None else value, scope)
        if ce is not None:
            self.reads |= set(ce.free_names)
            self.paths |= read_paths(ce)
        return ce

    def _unary(self, compiler, value, path, scope):
        """Unary tests (a band, a decision cell): the names they use are read like any expression's."""
        ct = compiler.unary(self.sf, path, value, scope)
        if ct is not None:
            self.reads |= set(ct.free_names)
            self.paths |= read_paths(ct)
        return ct

    def location(self) -> str:
        loc = self.__dict__.get("_location")
        if loc is None:   # asked for every traced evaluation: worked out once
            line, _ = self.sf.doc.mark(self.path)
            loc = self._location = f"{self.sf.rel}:{line}" if line else self.sf.rel
        return loc

    @staticmethod
    def hint_of(raw):
        """The FEEL type hint of the element's value, known from its definition before compiling."""
        return None

    def info(self) -> dict:
        """What the trace and the rulebook show about the element itself."""
        out = {"kind": self.kind, "clause": self.clause, "defined_at": self.location()}
        if self.title:
            out["title"] = self.title
        if self.interpretation:
            out["interpretation"] = self.interpretation
        return out


def literal_hint(value):
    """The FEEL type hint of a literal written in a rule file (a parameter's value)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        items = {_plain_hint(literal_hint(v)) for v in value}
        return ["list", items.pop()] if len(items) == 1 and None not in items else "list"
    if isinstance(value, dict):
        return {str(k): literal_hint(v) for k, v in value.items()}
    return None


def _plain_hint(hint):
    return hint if isinstance(hint, str) else None


_TYPE_WORDS = {"number": "type_number", "string": "type_text", "boolean": "type_true_or_false", "date": "type_date",
               "duration": "type_duration", "list": "type_list", "context": "type_context"}


def _type_words(t):
    return Msg(_TYPE_WORDS[t]) if t in _TYPE_WORDS else t


class Parameter(Element):
    kind = "parameter"

    @staticmethod
    def hint_of(raw):
        """The declared `type`, or else the type of the value: expressions are checked against it
        (a mismatch with the value's type alone is a warning, see expressions.Compiler)."""
        declared = raw.get("type")
        if declared not in (None, "any"):
            return declared
        return literal_hint(raw["value"]) if "value" in raw and "expr" not in raw else None

    def compile(self, compiler, scope):
        self.value_expr = None
        if "expr" in self.raw:
            self.value_expr = self._expr(compiler, "expr", scope)
            self.value = None
        else:
            try:
                self.value = to_feel(self.raw["value"])
            except (TypeError, ValueError) as exc:
                compiler.problems.items.append(self.sf.locate(self.path + ("value",), f"not a usable value: {exc}"))
                self.value = None
                return
            declared = self.raw.get("type")
            have = literal_hint(self.raw["value"])
            have = "list" if isinstance(have, list) else "context" if isinstance(have, dict) else have
            if declared not in (None, "any") and have is not None and have != declared \
                    and not (declared == "date" and have == "string" and _is_iso_date(self.raw["value"])):
                compiler.problems.items.append(self.sf.locate(
                    self.path + ("value",), Msg("err_value_type", value=_shown(self.raw['value']),
                                                have=_type_words(have), declared=_type_words(declared)),
                    severity="warning"))


class Rule(Element):
    kind = "rule"

    def compile(self, compiler, scope):
        self.when = self._expr(compiler, "when", scope) if "when" in self.raw else None
        self.expr = self._expr(compiler, "expr", scope)

    @property
    def declared(self):
        """The declared `type` as a FEEL type, made when the code generator asks (a rule set read
        from the cache holds no syntax tree)."""
        return declared_type(self.raw)

    @staticmethod
    def hint_of(raw):
        t = raw.get("type")
        return None if t in (None, "any") else t


class Function(Element):
    """A named function the rule set declares once and its elements call, as a DMN business
    knowledge model: `params` (names, or {name, type}), `expr` the body, `type` the result's type.
    Its value is a FEEL function over the evaluation's values: `half_days(x)` in any expression."""
    kind = "function"

    @staticmethod
    def _params(raw):
        out = []
        for p in raw.get("params") or []:
            out.append((p, None) if isinstance(p, str) else (p["name"], p.get("type")))
        return out

    @staticmethod
    def hint_of(raw):
        return ("function", tuple(name for name, _ in Function._params(raw)))

    def compile(self, compiler, scope):
        self.params = self._params(self.raw)
        names = [n for n, _ in self.params]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            compiler.problems.items.append(self.sf.locate(self.path + ("params",),
                                                          f"the parameter '{sorted(dup)[0]}' is named twice"))
        hints = {n: (t if t in _TYPES else None) for n, t in self.params}
        self.types = [declared_type({"type": t}) for _, t in self.params]
        self.declared = declared_type(self.raw)
        self.body = self._expr(compiler, "expr", scope.extended(**hints))
        self.reads -= set(names)


def _is_iso_date(value) -> bool:
    try:
        date.fromisoformat(str(value))
        return len(str(value)) == 10
    except ValueError:
        return False


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else display(value)
    return text if len(text) <= 40 else text[:37] + "..."


# {name} in a check's message: replaced by the text of the value so named; nothing else is interpreted.
PLACEHOLDER = re.compile(r"\{([^\W\d][\w.]*)\}")
_BARE_NAME = re.compile(r"\s*([^\W\d]\w*)\s*")


def fill(template: str, values: dict, language: str = "en", places: dict | None = None) -> str:
    """Put values into a message: {name} is replaced by the value's text (a number to `places[name]`
    decimals when given); nothing else is interpreted. A list is joined the way the message's language
    writes one. (The generated code of a check does the same with the names resolved once, when it is
    generated.)"""
    sep = messages(language)["list_separator"]

    def sub(m):
        name = m.group(1)
        if name not in values:
            return m.group(0)
        return display(values[name], sep, (places or {}).get(name))
    return PLACEHOLDER.sub(sub, template)


def shown_number(value: Decimal, places: int) -> str:
    """A number as people write it: `places` decimals, rounded half up (95.25 -> 95.3, 95 -> 95.0)."""
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")


def display(value, sep: str = ", ", places: int | None = None) -> str:
    if places is not None and isinstance(value, (int, Decimal)) and not isinstance(value, bool) \
            and Decimal(value).is_finite():
        return shown_number(Decimal(value), places)
    plain = to_plain(value)
    if isinstance(plain, list):
        return sep.join(display(v, sep) for v in plain) if plain else "—"
    if plain is None:
        return "—"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, dict):       # a record as the result shows it, not as Python writes a dict
        from .jsonout import dumps
        return dumps(plain, 0).rstrip("\n")
    return str(plain)


class Check(Element):
    kind = "check"

    def compile(self, compiler, scope):
        self.severity = self.raw.get("severity", "error")
        self.message = text2(self.raw["message"], compiler.language)
        self.tags = list(self.raw.get("tags", []))
        self.when = self._expr(compiler, "when", scope) if "when" in self.raw else None
        self.lets = {}
        inner = scope
        for name, text in (self.raw.get("let") or {}).items():
            ce = self._expr(compiler, None, inner, value=text, path=self.path + ("let", name))
            self.lets[name] = ce
            inner = inner.extended(**{name: None})
        self.assertion = self._expr(compiler, "assert", inner)
        self.reads -= set(self.lets)
        # a let that only names another element ({score: score_total}) is shown as that element is
        self.aliases = {name: m.group(1) for name, text in (self.raw.get("let") or {}).items()
                        if isinstance(text, str) and (m := _BARE_NAME.fullmatch(text))}
        self._places = None

    def places_of(self, elements) -> dict:
        """Placeholder name -> decimal places, for the placeholders naming an element with `display`."""
        if self._places is None:
            names = {n for msg in self.message.values() for n in PLACEHOLDER.findall(msg)}
            out = {}
            for name in names:
                el = elements.get(self.aliases.get(name, name))
                if el is not None and el.places is not None:
                    out[name] = el.places
            self._places = out
        return self._places
