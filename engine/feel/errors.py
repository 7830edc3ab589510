"""The three errors of the expression language.

`FeelSyntaxError` and `FeelCheckError` are raised while compiling: the expression
cannot run. Each carries a one-sentence `message` that names `line:col` inside the
expression (the engine prefixes the file and line), and `str(err)` adds the
expression line with a caret under the place.

`FeelEvalError` is what built-in or registered functions raise when they cannot
produce a value; the evaluator turns it into null plus a diagnostic and never lets
it escape `evaluate`.
"""
from __future__ import annotations


class FeelError(Exception):
    """Base of every error this package raises on purpose. `key` and `values`, when set, name the
    message in the engine's catalogue (engine/i18n), so a rule author can read it in another language."""

    key: str | None = None
    values: dict = {}

    def __init__(self, message: str, line: int = 1, col: int = 1, text: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.text = text

    def caret(self) -> str:
        """The expression line the error is on, and a caret under the column."""
        lines = self.text.split("\n")
        if not (1 <= self.line <= len(lines)):
            return ""
        src = lines[self.line - 1].replace("\t", " ")
        return f"  {src}\n  {' ' * max(self.col - 1, 0)}^"

    def __str__(self) -> str:
        caret = self.caret()
        return f"{self.message}\n{caret}" if caret else self.message


class FeelSyntaxError(FeelError):
    """The text is not a well-formed expression (or is too long / too deep)."""


class FeelCheckError(FeelError):
    """Well-formed, but refers to unknown names/functions or mixes types."""


class FeelEvalError(FeelError):
    """A value could not be computed; the result becomes null with a diagnostic.

    Functions registered with a FunctionRegistry raise this with a plain message
    (no position needed: the evaluator adds the call's text and line:col).
    """

    def __init__(self, message: str, line: int = 0, col: int = 0, text: str = ""):
        super().__init__(message, line, col, text)


class FeelLimitError(FeelEvalError):
    """An evaluation went over a size limit (items built, string length)."""
