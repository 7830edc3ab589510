"""Where generated source is written: lines and indentation, mangled names, and literals.

The only way text from a rule set reaches generated source is `Literals.of(value)`: a string becomes
`ascii(s)` (a quoted, escaped, pure-ASCII literal on one line, whatever quotes, backslashes, line
separators or keywords it holds), a number `_D('...')` of Decimal's own canonical text. Every
identifier is made here from a counter (`t12`, `k3`, `e40`): no id, name or key of a rule set is ever
an identifier, a statement or a comment.
"""
from __future__ import annotations

import datetime as _dt
import io
import re
import tokenize
from decimal import Decimal

from ..feel.temporal import DateTime, Time
from ..feel.values import DaysDuration, Range, YearsMonthsDuration


def text(s: str) -> str:
    """A str as a Python literal: quoted, escaped, ASCII only, one line."""
    out = ascii(str(s))
    assert "\n" not in out and "\r" not in out
    return out


class Writer:
    """Lines of source at an indentation level; `block()` collects lines into a separate buffer
    (for a branch whose code is only known once emitted)."""

    def __init__(self, names: "Names"):
        self.lines: list[str] = []
        self.level = 0
        self.names = names

    def line(self, code: str) -> None:
        self.lines.append("    " * self.level + code)

    def indent(self) -> None:
        self.level += 1

    def outdent(self) -> None:
        self.level -= 1

    def block(self) -> "Writer":
        sub = Writer(self.names)
        sub.level = self.level + 1
        return sub

    def extend(self, other: "Writer") -> None:
        self.lines.extend(other.lines)

    def tmp(self, prefix: str = "t") -> str:
        return self.names.new(prefix)

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


class Names:
    """Fresh identifiers: a prefix of lower-case letters and a counter."""

    def __init__(self):
        self.count = 0

    def new(self, prefix: str = "t") -> str:
        assert prefix.isalpha() and prefix.islower() and prefix != "u"   # u: share_temporaries's names
        self.count += 1
        return f"{prefix}{self.count}"


class Literals:
    """Constants of a generated module: each distinct value is made once, at module level, as `kN`."""

    def __init__(self, names: Names):
        self.names = names
        self.defs: list[str] = []        # module-level lines `kN = ...`
        self._by_key: dict = {}
        self.module_names: set = set()   # the names of module-level constants (never assigned in a function)

    def _named(self, key, code: str) -> str:
        name = self._by_key.get(key)
        if name is None:
            name = self._by_key[key] = self.names.new("k")
            self.module_names.add(name)
            self.defs.append(f"{name} = {code}")
        return name

    def of(self, value) -> str | None:
        """Source for `value`, or None when it has none (then the value cannot be a constant).
        Lists and contexts give a display that builds a new one each time it runs."""
        if value is None or value is True or value is False:
            return repr(value)
        cls = value.__class__
        if cls is str:
            return text(value)
        if cls is int:
            return repr(int(value))
        if cls is Decimal:
            return self._named(("D", str(value)), f"_D({text(str(value))})")
        if cls is _dt.date:
            return self._named(("date", value.toordinal()),
                               f"_date({int(value.year)}, {int(value.month)}, {int(value.day)})")
        if cls is YearsMonthsDuration:
            return self._named(("ym", value.months), f"_YM({int(value.months)})")
        if cls is DaysDuration:
            return self._named(("dt", str(value.seconds)), f"_DT(_D({text(str(value.seconds))}))")
        if cls is Time or cls is DateTime:
            moment = (f"{int(value.hour)}, {int(value.minute)}, _D({text(str(value.second))}), "
                      f"{'None' if value.offset is None else int(value.offset)}, "
                      f"{'None' if value.zone is None else text(value.zone)}")
            if cls is Time:
                return self._named(("time", moment), f"_Time({moment})")
            day = self.of(value.date)
            return self._named(("datetime", day, moment), f"_DateTime({day}, {moment})")
        if cls is Range:
            parts = [self.of(value.low), self.of(value.high)]
            if None in parts:
                return None
            return self._named(("range", str(value), type(value.low).__name__, type(value.high).__name__),
                               f"_Range({parts[0]}, {bool(value.low_closed)}, {parts[1]}, {bool(value.high_closed)})")
        if cls is list or cls is tuple:
            items = [self.of(v) for v in value]
            if None in items:
                return None
            return "[" + ", ".join(items) + "]"
        if cls is dict:
            entries = []
            for k, v in value.items():
                src = self.of(v)
                if src is None or k.__class__ is not str:
                    return None
                entries.append(f"{text(k)}: {src}")
            return "{" + ", ".join(entries) + "}"
        return None

    def small_range(self, lo: int, hi: int) -> str:
        """A module-level tuple of the Decimals lo..hi from runtime.SMALL (0 <= lo <= hi < 1024: ints,
        never rule text), the very numbers runtime.domain iterates over for them."""
        assert 0 <= lo <= hi < 1024
        return self._named(("small", int(lo), int(hi)), f"_SMALL[{int(lo)}:{int(hi) + 1}]")

    def timedelta_days(self, days: int) -> str:
        """A module-level timedelta of whole days (an int, never rule text)."""
        return self._named(("timedelta", int(days)), f"_timedelta({int(days)})")

    def shared(self, value) -> str | None:
        """A module-level name for a value that is never changed (a row's values, a set of names)."""
        src = self.of(value)
        if src is None:
            return None
        if src.startswith(("[", "{")):
            return self._named(("shared", len(self.defs)), src)
        return src

    def index(self, mapping: dict) -> str:
        """A module-level dict from constant keys (any literal) to constant values."""
        entries = []
        for k, v in mapping.items():
            ks, vs = self.of(k), self.of(v)
            if ks is None or vs is None:
                raise ValueError("not a mapping of constants")
            entries.append(f"{ks}: {vs}")
        return self._named(("index", len(self.defs)), "{" + ", ".join(entries) + "}")

    def function(self, name: str, signature: int = 0) -> str:
        """A module-level name for the registered function called `name` (looked up when the module runs),
        the one of its `signature`."""
        return self._named(("fn", name, signature), f"_fn({text(name)}, {int(signature)})")

    def spec(self, name: str) -> str:
        """A module-level name for the registry's entry (FunctionSpec) of the function called `name`."""
        return self._named(("spec", name), f"_spec({text(name)})")

    def frozenset_of(self, values) -> str:
        """A module-level frozenset of constants (the event types a transition fires on)."""
        items = sorted(set(values), key=repr)
        srcs = [self.of(v) for v in items]
        if None in srcs:
            raise ValueError("not a set of constants")
        return self._named(("fs",) + tuple(srcs), "frozenset((" + "".join(s + ", " for s in srcs) + "))")


_TEMPORARY = re.compile(r"t[0-9]+\Z")
_ELEMENT_MARK = re.compile(r"\s*# element [0-9]+\Z")


def temporaries_in(lines: list[str]) -> set[str]:
    """The temporaries (`tN`) some lines read, as tokens (never inside a string literal)."""
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(line.strip() for line in lines) + "\n").readline)
    return {tok.string for tok in tokens if tok.type == tokenize.NAME and _TEMPORARY.match(tok.string)}


def share_temporaries(lines: list[str], keep=frozenset()) -> list[str]:
    """The lines of a fused function with the temporaries (`tN`) that only one element's block uses
    renamed to `uN` names that every block numbers from 0 again.

    Every temporary is a fresh name, so a function over a whole rule set has thousands of locals, and
    CPython 3.11 gives a frame of more than 16 KB a stack chunk of its own, mapped and unmapped on every
    call (see engine/parallel.py). A name read and written only inside one block (blocks begin at the
    `# element N` comments) holds nothing another block could see, so blocks can share names. Names are
    found as tokens, never inside a string literal; those in `keep` (read after the lines) keep theirs."""
    block_of_line = []
    block = 0
    for line in lines:
        if _ELEMENT_MARK.match(line):
            block += 1
        block_of_line.append(block)
    blocks_of: dict[str, set] = {}
    places = []
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    for tok in tokens:
        if tok.type == tokenize.NAME and _TEMPORARY.match(tok.string):
            row, col = tok.start
            blocks_of.setdefault(tok.string, set()).add(block_of_line[row - 1])
            places.append((row - 1, col, tok.string))
    renamed: dict[str, str] = {}
    per_block: dict[int, int] = {}
    for _, _, name in places:
        owners = blocks_of[name]
        if len(owners) == 1 and name not in renamed and name not in keep:
            (b,) = owners
            renamed[name] = f"u{per_block.get(b, 0)}"
            per_block[b] = per_block.get(b, 0) + 1
    out = list(lines)
    for row, col, name in reversed(places):      # right to left within a line keeps columns valid
        new = renamed.get(name)
        if new is not None:
            out[row] = out[row][:col] + new + out[row][col + len(name):]
    return out
