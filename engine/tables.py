"""Lookup tables: one row chosen by a key, either by exact value or by numeric band.

A band table's rows carry unary tests (`[1..65]`, `> 10700`); the checker (lint.py) proves they do
not overlap and finds gaps. The table's value is the matched row as a context of its columns,
plus `row`, the row's id (or its 1-based number).
"""
from __future__ import annotations

from dataclasses import dataclass

from .elements import Element, applies, text2
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

    def lookup(self, key, run):
        if self._exact is not None:
            return self._exact.get(key)
        for row in self.rows:
            if row.test is not None and row.test.matches(key, run.env, None, run.budget):
                return row
        return None

    def evaluate(self, run):
        if not applies(run, self, self.when):
            run.note(self, "when", False)
            return None
        key = run.expr(self, self.key)
        if key is None:
            return None
        row = self.lookup(key, run)
        if row is None:
            run.diagnostic(self, f"no row of table '{self.id}' matches the key {key}")
            return None
        run.note(self, "rows", [row.describe()])
        if row.interpretation:
            run.note(self, "row_interpretation", row.interpretation)
        return dict(row.values)


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
