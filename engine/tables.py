"""Lookup tables: one row chosen by a key, either by exact value or by numeric band.

A band table's rows carry unary tests (`[1..65]`, `> 10700`); the checker (lint.py) proves they do
not overlap and finds gaps. The table's value is the matched row as a context of its columns, plus
`row`, the row's id (its `id`, or else its 1-based position as text, so `row` is always text), and
`row_index`, its 1-based position.

A cell is a literal, or `{expr: ...}`: an expression evaluated only when its row is chosen (an
open-ended last row may compute its value from the key).

The key is evaluated when `when` is true (else the value is null); a null key gives null. An exact
table chooses the row whose key equals it (the last of rows with equal keys); a band table the first
row whose tests accept it. The value is the row's literal cells, its expression cells evaluated then,
`row` and `row_index`. No row: null, and the trace says so. (The evaluation is generated:
engine/codegen/elements.py.)
"""
from __future__ import annotations


from .elements import Element, text2
from .feel import to_feel
from .record import Record

ROW_KEYS = {"key", "id", "interpretation", "note", "clause"}
RESERVED = ("row", "row_index")      # what every table value has besides its columns


def row_id(raw_row: dict, position: int) -> str:
    """A row's id: its `id`, or else its 1-based position as text."""
    rid = raw_row.get("id")
    return str(position) if rid is None else str(rid)


def is_cell_expr(value) -> bool:
    """A cell written `{expr: TEXT}` is an expression; any other value is a literal."""
    return isinstance(value, dict) and list(value) == ["expr"]


class Table(Element):
    kind = "table"

    def compile(self, compiler, scope):
        self.when = self._expr(compiler, "when", scope) if "when" in self.raw else None
        self.key = self._expr(compiler, "key", scope)
        self.match = self.raw.get("match", "band")
        self.columns = list(self.raw["columns"])
        for name in RESERVED:
            if name in self.columns:
                compiler.problems.items.append(self.sf.locate(
                    self.path + ("columns",), f"'{name}' is reserved for the matched row's "
                                              f"{'id' if name == 'row' else 'position'}; rename the column"))
        self.rows = []
        for i, row in enumerate(self.raw["rows"]):
            rpath = self.path + ("rows", i)
            if not isinstance(row, dict):
                continue
            unknown = sorted(k for k in row if k not in ROW_KEYS and k not in self.columns)
            if unknown:
                compiler.problems.items.append(self.sf.locate(
                    rpath + (unknown[0],), f"unknown column '{unknown[0]}'; the table's columns are: {', '.join(self.columns)}"))
            missing = [c for c in self.columns if c not in row]
            if missing:
                compiler.problems.items.append(self.sf.locate(rpath, f"row {i + 1} has no value for column '{missing[0]}'"))
            if self.match == "band":
                test = self._unary(compiler, row["key"], rpath + ("key",), scope)
            else:
                test = to_feel(row["key"])
            values, exprs = {}, {}
            for c in self.columns:
                cell = row.get(c)
                if is_cell_expr(cell):
                    exprs[c] = self._expr(compiler, None, scope, value=cell["expr"], path=rpath + (c, "expr"))
                    values[c] = None
                    continue
                try:
                    values[c] = to_feel(cell)
                except (TypeError, ValueError) as exc:
                    compiler.problems.items.append(self.sf.locate(rpath + (c,), f"not a usable value: {exc}"))
                    values[c] = None
            values["row"] = row_id(row, i + 1)
            values["row_index"] = to_feel(i + 1)
            self.rows.append(TableRow(i + 1, values["row"], row["key"], test, values, exprs,
                                      text2(row.get("interpretation"), compiler.language), row.get("note")))
        self._exact = {r.test: r for r in self.rows} if self.match == "exact" else None

    @staticmethod
    def hint_of(raw):
        hint = {c: None for c in list(raw.get("columns") or [])}
        hint.update(row="string", row_index="number")
        return hint


class TableRow(Record):
    __slots__ = __match_args__ = ("number", "id", "key_text", "test", "values", "exprs", "interpretation", "note")

    def __init__(self, number: int, id: str, key_text: object, test: object, values: dict, exprs: dict,
                 interpretation: dict | None, note: str | None):
        self.number = number
        self.id = id
        self.key_text = key_text
        self.test = test
        self.values = values
        self.exprs = exprs              # column -> compiled expression, for the cells written {expr: ...}
        self.interpretation = interpretation
        self.note = note

    def describe(self) -> dict:
        return {"row": self.id, "row_index": self.number, "key": str(self.key_text)}
