"""Where an expression written in a rule file becomes a callable, located in its file.

Every expression of a rule set is compiled here, once, at load; a FEEL error is turned into a
Problem naming the YAML file and line, with the expression and a caret under the place.
"""
from __future__ import annotations

from decimal import Decimal

from .errors import Problem
from .i18n import Msg
from .feel import FeelError, compile_expr, compile_unary_tests
from .record import Record


def expr_text(value) -> str:
    """YAML gives numbers and booleans for some cells (`then: [5]`); FEEL wants their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return str(value)


_VERBS = {"add": "verb_add", "subtract": "verb_subtract", "multiply": "verb_multiply", "divide": "verb_divide",
          "raise": "verb_raise"}
_TYPES = {"number": "type_number", "string": "type_string", "boolean": "type_boolean", "date": "type_date",
          "range": "type_range", "null": "type_null"}


def feel_message(exc: FeelError):
    """A FEEL error's message, as a catalogue Msg when the checker named one (so it reads in any language)."""
    if not exc.key:
        return exc.message
    values = dict(exc.values)
    if "verb" in values:
        values["verb"] = Msg(_VERBS[values["verb"]])
    for side in ("a", "b"):
        if side in values:
            values[side] = _type_msg(values[side])
    return Msg(exc.key, **values)


def _type_msg(t):
    from .feel.checker import CtxT, FuncT, ListT
    if isinstance(t, (ListT, CtxT, FuncT)):
        return Msg({ListT: "type_list", CtxT: "type_context", FuncT: "type_function"}[type(t)])
    return Msg(_TYPES[t]) if t in _TYPES else Msg("type_other", name=str(t))


class Scope(Record):
    """What an expression may name: type hints by name, and the function registry. `inferred`: the
    names whose hint is only the type of their value (a parameter without a declared `type`)."""
    __slots__ = __match_args__ = ("names", "functions", "inferred")

    def __init__(self, names: dict, functions: object, inferred: frozenset = frozenset()):
        self.names = names
        self.functions = functions
        self.inferred = inferred

    def extended(self, **extra) -> "Scope":
        names = dict(self.names)
        names.update(extra)
        return Scope(names, self.functions, self.inferred - set(extra))


# Characters of expression text in one rule set (A/2 has about 15,000; seven times that is allowed). Parsing costs about 10 µs a
# character, so this bounds the time a hostile rule set can make `check` take to a few seconds.
MAX_RULESET_TEXT = 100_000


class Compiler:
    """Compiles the expressions of one rule set, collecting problems instead of stopping at the first."""

    def __init__(self, problems, language: str = "en"):
        self.problems = problems
        self.spent = 0        # characters of expression text compiled so far
        self.language = language      # the rule set's primary language: where a plain-string title is filed

    def _fail(self, sf, path, exc: FeelError, text: str) -> None:
        line, col = sf.doc.mark(path)
        # A plain one-line scalar: the expression's own line:col maps onto the file.
        extra_line = (exc.line or 1) - 1
        detail = str(exc)[len(exc.message):].strip("\n") or None
        self.problems.items.append(Problem(
            Msg("err_in_expression", error=feel_message(exc)), file=sf.rel,
            line=(line + extra_line) if line else None, col=None,
            path=_fmt(path), detail=detail))

    def _compile(self, compile_fn, sf, path, value, scope: Scope):
        text = expr_text(value)
        self.spent += len(text)
        if self.spent > MAX_RULESET_TEXT:
            if self.spent - len(text) <= MAX_RULESET_TEXT:   # said once, where the budget runs out
                self.problems.items.append(Problem(
                    f"the rule set's expressions add up to more than {MAX_RULESET_TEXT:,} characters; "
                    "this one and those after it are not compiled", file=sf.rel, line=sf.doc.mark(path)[0],
                    path=_fmt(path)))
            return None
        try:
            return compile_fn(text, names=scope.names, functions=scope.functions)
        except FeelError as exc:
            if any(name in text for name in scope.inferred):
                return self._without_inferred(compile_fn, sf, path, text, scope, exc)
            self._fail(sf, path, exc, text)
            return None

    @staticmethod
    def _compiles(compile_fn, text, names, scope) -> bool:
        try:
            compile_fn(text, names=names, functions=scope.functions)
            return True
        except FeelError:
            return False

    def _without_inferred(self, compile_fn, sf, path, text, scope: Scope, first: FeelError):
        """An expression that is wrong only for the types the parameters' values have: compiled
        without those types, with a warning (check --strict makes it an error). None if it is wrong anyway."""
        loose = {k: (None if k in scope.inferred else v) for k, v in scope.names.items()}
        try:
            ce = compile_fn(text, names=loose, functions=scope.functions)
        except FeelError as exc:   # wrong whatever the parameters hold: its own error
            self._fail(sf, path, exc, text)
            return None
        used = sorted(set(ce.free_names) & scope.inferred)
        culprits = [n for n in used if self._compiles(compile_fn, text, {**scope.names, n: None}, scope)] or used
        line, _ = sf.doc.mark(path)
        which = " and ".join(f"'{n}' holds {_hint_words(scope.names[n])}" for n in culprits)
        detail = str(first)[len(first.message):].strip("\n") or None
        self.problems.items.append(Problem(
            f"in the expression: {first.message}; the parameter {which}, which does not fit how it is used here",
            file=sf.rel, line=(line + (first.line or 1) - 1) if line else None, path=_fmt(path),
            severity="warning", detail=detail))
        return ce

    def expr(self, sf, path, value, scope: Scope):
        """An expression (a rule's `expr`, a check's `assert`, ...), or None after recording the problem."""
        return self._compile(compile_expr, sf, path, value, scope)

    def unary(self, sf, path, value, scope: Scope):
        """Unary tests (a decision-table cell, a band), or None after recording the problem."""
        return self._compile(compile_unary_tests, sf, path, value, scope)


def _hint_words(hint) -> str:
    """A type hint in words: text, a number, a list, ..."""
    if isinstance(hint, dict):
        return "a context"
    if isinstance(hint, (list, tuple)):
        return "a list"
    return {"string": "text", "number": "a number", "boolean": "true or false"}.get(hint, str(hint))


def _fmt(path) -> str:
    from .loader import format_path
    return format_path(path)


def read_paths(ce) -> set[str]:
    """The dotted paths of outside names an expression reads (`member.address.city`), for the trace."""
    from dataclasses import fields, is_dataclass
    from .feel.nodes import Name, Path as PathNode
    out: set[str] = set()
    free = ce.free_names

    def chain(node):
        parts = []
        while isinstance(node, PathNode):
            parts.append(node.name)
            node = node.base
        if isinstance(node, Name) and node.name in free:
            return ".".join([node.name] + parts[::-1])
        return None

    def walk(node):
        if isinstance(node, (PathNode, Name)):
            dotted = chain(node)
            if dotted:
                out.add(dotted)
                return
        if is_dataclass(node):
            for f in fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, (tuple, list)):
            for item in node:
                walk(item)

    walk(ce.ast)
    return out


