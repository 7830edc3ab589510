"""The errors a user can meet, each with a documented exit code.

A user's mistake becomes one of these and is printed as plain sentences; anything
else that escapes is a bug in certrules (exit code 70, see cli.py).
"""
from __future__ import annotations

from .record import Frozen, Record

# Exit codes, documented in the README ("Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1      # `check` found errors, `test` had failures
EXIT_USAGE = 2         # bad command-line arguments
EXIT_RULESET = 3       # a rule set could not be loaded
EXIT_CASE = 4          # a case could not be read or does not fit the case schema
EXIT_REVISION = 5      # no rule set / revision matches what was asked
EXIT_OUTPUT = 6        # an output file could not be written
EXIT_INTERNAL = 70     # a bug in certrules
EXIT_INTERRUPTED = 130


class Problem(Frozen):
    """One thing wrong (or worth a warning) in a file, located as precisely as known."""
    __slots__ = __match_args__ = ("message", "file", "line", "col", "path", "severity", "detail")

    def __init__(self, message: str, file: str | None = None, line: int | None = None, col: int | None = None,
                 path: str | None = None, severity: str = "error", detail: str | None = None):
        set_ = object.__setattr__
        set_(self, "message", message)
        set_(self, "file", file)
        set_(self, "line", line)            # 1-based
        set_(self, "col", col)              # 1-based
        set_(self, "path", path)            # field path inside the document, e.g. rules[3].expr
        set_(self, "severity", severity)    # error | warning
        set_(self, "detail", detail)        # extra lines (e.g. an expression with a caret)

    def where(self) -> str:
        parts = []
        if self.file:
            loc = self.file
            if self.line:
                loc += f":{self.line}"
                if self.col:
                    loc += f":{self.col}"
            parts.append(loc)
        if self.path:
            parts.append(self.path)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.render()

    def render(self, say=str, severity=str) -> str:
        """The problem as one sentence (and its detail lines); `say` and `severity` give the message and
        the severity word in the output's language (i18n.Texts.problem), English by default."""
        where = self.where()
        head = f"{where}: " if where else ""
        head += f"{severity(self.severity)}: {say(self.message)}"
        if self.detail:
            head += "\n" + "\n".join("    " + ln for ln in self.detail.splitlines())
        return head

    def sort_key(self):
        return (self.file or "", self.line or 0, self.col or 0, self.path or "", self.message)


class CertrulesError(Exception):
    """A user-facing error: printed as its message, exits with `exit_code`."""
    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, problems: list[Problem] | None = None, languages=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.languages = tuple(languages)    # of the rule set it is about, when known: the output's language

    def __str__(self) -> str:
        return self.render()

    def render(self, say=str, problem=str) -> str:
        """The message and each problem, one per line (i18n.Texts.error gives them in a language)."""
        return "\n".join([say(self.message)] + [problem(p) for p in self.problems])


class UsageError(CertrulesError):
    exit_code = EXIT_USAGE


class RuleSetError(CertrulesError):
    exit_code = EXIT_RULESET


class CaseError(CertrulesError):
    exit_code = EXIT_CASE


class RevisionError(CertrulesError):
    exit_code = EXIT_REVISION


class OutputError(CertrulesError):
    exit_code = EXIT_OUTPUT


class ProblemList(Record):
    """Collects every problem of a load, so the user sees them all at once."""
    __slots__ = __match_args__ = ("items",)

    def __init__(self, items: list[Problem] | None = None):
        self.items = [] if items is None else items

    def add(self, message: str, severity: str = "error", **where) -> None:
        self.items.append(Problem(message, severity=severity, **where))

    def extend(self, problems) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity != "error"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=Problem.sort_key)
