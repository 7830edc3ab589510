"""Lookup tables: one row chosen by a key, either by exact value or by numeric band.

The key is evaluated when `when` is true (else the value is null); a null key gives null. Band rows
are tried in order and the first whose tests accept the key is chosen; an exact key chooses the row
with that key (the last of rows with equal keys). No row: null, and the trace says so.

A band table's rows carry unary tests (`[1..65]`, `> 10700`); the checker (lint.py) proves they do
not overlap and finds gaps. The table's value is the matched row as a context of its columns,
plus `row`, the row's id (or its 1-based number).
"""
from __future__ import annotations

from dataclasses import dataclass

from .elements import Element, text2
from .feel import to_feel

ROW_KEYS = {"key", "id", "interpretation", "note", "clause"}


class Table(Element):
    kind = "table"

    def compile(self, compiler, scope):
        self.when = self._expr(compiler, "when", scope) if "when" in self.raw else None
        self.key = self._expr(compiler, "key", scope)
        self.match = self.raw.get("match", "band")
        self.columns = list(self.raw["columns"])
        if "row" in self.columns:
            compiler.problems.items.append(self.sf.locate(self.path + ("columns",),
                                                          "'row' is reserved for the matched row's id; rename the column"))
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
            values = {}
            for c in self.columns:
                try:
                    values[c] = to_feel(row.get(c))
                except (TypeError, ValueError) as exc:
                    compiler.problems.items.append(self.sf.locate(rpath + (c,), f"not a usable value: {exc}"))
                    values[c] = None
            values["row"] = row.get("id", i + 1)
            self.rows.append(TableRow(i + 1, row.get("id"), row["key"], test, values,
                                      text2(row.get("interpretation")), row.get("note")))
        self._exact = {r.test: r for r in self.rows} if self.match == "exact" else None

    @staticmethod
    def hint_of(raw):
        return {c: None for c in list(raw.get("columns") or []) + ["row"]}


@dataclass(slots=True)
class TableRow:
    number: int
    id: str | None
    key_text: object
    test: object
    values: dict
    interpretation: dict | None
    note: str | None

    def describe(self) -> dict:
        out = {"row": self.number, "key": str(self.key_text)}
        if self.id:
            out["id"] = self.id
        return out
