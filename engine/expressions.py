"""Where an expression written in a rule file becomes a callable, located in its file.

Every expression of a rule set is compiled here, once, at load; a FEEL error is turned into a
Problem naming the YAML file and line, with the expression and a caret under the place.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .errors import Problem
from .feel import FeelError, compile_expr, compile_unary_tests


def expr_text(value) -> str:
    """YAML gives numbers and booleans for some cells (`then: [5]`); FEEL wants their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return str(value)


@dataclass
class Scope:
    """What an expression may name: type hints by name, and the function registry."""
    names: dict
    functions: object

    def extended(self, **extra) -> "Scope":
        names = dict(self.names)
        names.update(extra)
        return Scope(names, self.functions)


class Compiler:
    """Compiles the expressions of one rule set, collecting problems instead of stopping at the first."""

    def __init__(self, problems, language: str = "en"):
        self.problems = problems
        self.language = language      # the rule set's primary language: where a plain-string title is filed

    def _fail(self, sf, path, exc: FeelError, text: str) -> None:
        line, col = sf.doc.mark(path)
        # A plain one-line scalar: the expression's own line:col maps onto the file.
        extra_line = (exc.line or 1) - 1
        detail = str(exc)[len(exc.message):].strip("\n") or None
        self.problems.items.append(Problem(
            f"in the expression: {exc.message}", file=sf.rel,
            line=(line + extra_line) if line else None, col=None,
            path=_fmt(path), detail=detail))

    def _compile(self, compile_fn, sf, path, value, scope: Scope):
        text = expr_text(value)
        try:
            return compile_fn(text, names=scope.names, functions=scope.functions)
        except FeelError as exc:
            self._fail(sf, path, exc, text)
            return None

    def expr(self, sf, path, value, scope: Scope):
        """An expression (a rule's `expr`, a check's `assert`, ...), or None after recording the problem."""
        return self._compile(compile_expr, sf, path, value, scope)

    def unary(self, sf, path, value, scope: Scope):
        """Unary tests (a decision-table cell, a band), or None after recording the problem."""
        return self._compile(compile_unary_tests, sf, path, value, scope)


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


def value_at(env, dotted: str):
    """Follow a dotted path through contexts (and lists of contexts, as FEEL does)."""
    node = env.get(dotted.split(".", 1)[0])
    for part in dotted.split(".")[1:]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list):
            node = [x.get(part) if isinstance(x, dict) else None for x in node]
        else:
            return None
    return node
