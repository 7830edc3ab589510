"""DMN decision tables: input expressions, unary-test cells, output expressions and a hit policy.

Hit policies follow DMN 1.x: UNIQUE (at most one row may match), FIRST, PRIORITY (by the first
output's priority list), ANY (all matching rows must agree), COLLECT (a list, or SUM/COUNT/MIN/MAX)
and RULE ORDER (a list in row order); DMN's short forms U A P F R C C+ C# C< C> are read as these
(`SHORT`). With one output the value is that output; with several, a context of them (an aggregation
needs one output: DMN defines none over compound outputs). A row matches when each of its cells
accepts its input (the cells after one that does not are not tried); with FIRST the rows after the
first match are not tried. No row: the `default` outputs, else [] for COLLECT / RULE ORDER lists,
0 for COUNT (DMN aggregates with count(), and count([]) is 0), else null (sum, min and max of no
outputs are null). (The evaluation is generated: engine/codegen/elements.py.)
"""
from __future__ import annotations

from .elements import Element, text2
from .feel import to_feel
from .i18n import Msg
from .record import Record


class DecisionRow(Record):
    __slots__ = __match_args__ = ("number", "tests", "outputs", "clause", "interpretation", "cells")

    def __init__(self, number: int, tests: list, outputs: list, clause: str | None, interpretation: dict | None,
                 cells: list):
        self.number = number
        self.tests = tests
        self.outputs = outputs
        self.clause = clause
        self.interpretation = interpretation
        self.cells = cells


# DMN's single-letter hit policies (its tables' corner cell) and COLLECT's operators
SHORT = {"U": ("UNIQUE", None), "A": ("ANY", None), "P": ("PRIORITY", None), "F": ("FIRST", None),
         "R": ("RULE ORDER", None), "C": ("COLLECT", None), "C+": ("COLLECT", "SUM"),
         "C#": ("COLLECT", "COUNT"), "C<": ("COLLECT", "MIN"), "C>": ("COLLECT", "MAX")}


def policy_of(raw) -> tuple[str, str | None]:
    """(hit policy, aggregation) of a decision table as written: `C+` is COLLECT with SUM."""
    hp = raw.get("hit_policy", "UNIQUE")
    long, agg = SHORT.get(hp, (hp, None))
    return long, agg or raw.get("aggregation")


class DecisionTable(Element):
    kind = "decision_table"

    def compile(self, compiler, scope):
        raw = self.raw
        self.hit_policy, self.aggregation = policy_of(raw)
        short = SHORT.get(raw.get("hit_policy"), (None, None))[1]
        if short and raw.get("aggregation") and raw["aggregation"] != short:
            compiler.problems.items.append(self.sf.locate(self.path + ("aggregation",), Msg(
                "err_dt_aggregation_twice", policy=raw["hit_policy"], short=short, aggregation=raw["aggregation"])))
        if self.aggregation and self.hit_policy != "COLLECT":
            compiler.problems.items.append(self.sf.locate(self.path + ("aggregation",),
                                                          "'aggregation' is only meaningful with hit_policy COLLECT"))
        if self.aggregation and len(raw["outputs"]) > 1:
            compiler.problems.items.append(self.sf.locate(self.path + ("outputs",), Msg(
                "err_dt_aggregation_outputs", table=self.id, aggregation=self.aggregation, n=len(raw["outputs"]))))
        self.when = self._expr(compiler, "when", scope) if "when" in raw else None
        self.inputs = [self._expr(compiler, None, scope, value=inp["expr"], path=self.path + ("inputs", i, "expr"))
                       for i, inp in enumerate(raw["inputs"])]
        self.input_texts = [str(inp["expr"]) for inp in raw["inputs"]]
        self.output_names = [o["name"] for o in raw["outputs"]]
        self.priority = [to_feel(v) for v in raw["outputs"][0].get("priority", [])]
        if self.hit_policy == "PRIORITY" and not self.priority:
            compiler.problems.items.append(self.sf.locate(self.path + ("outputs", 0),
                                                          "hit policy PRIORITY needs a 'priority' list on the first output"))
        self.rows = []
        for i, row in enumerate(raw["rules"]):
            rpath = self.path + ("rules", i)
            cells = row["when"]
            if len(cells) != len(self.inputs):
                compiler.problems.items.append(self.sf.locate(
                    rpath + ("when",), f"row {i + 1} has {len(cells)} input cells but the table has {len(self.inputs)} inputs"))
                continue
            if len(row["then"]) != len(self.output_names):
                compiler.problems.items.append(self.sf.locate(
                    rpath + ("then",), f"row {i + 1} has {len(row['then'])} output cells but the table has {len(self.output_names)} outputs"))
                continue
            tests = [self._unary(compiler, cell, rpath + ("when", j), scope) for j, cell in enumerate(cells)]
            outs = [self._expr(compiler, None, scope, value=cell, path=rpath + ("then", j)) for j, cell in enumerate(row["then"])]
            self.rows.append(DecisionRow(i + 1, tests, outs, str(row["clause"]) if "clause" in row else None,
                                         text2(row.get("interpretation"), compiler.language), [str(c) for c in cells]))
        self.default = None
        if "default" in raw:
            self.default = [self._expr(compiler, None, scope, value=cell, path=self.path + ("default", j))
                            for j, cell in enumerate(raw["default"])]
        elif self.aggregation == "COUNT":       # no row matched: count of no outputs
            self.default = [self._expr(compiler, None, scope, value=0, path=self.path + ("aggregation",))]

    @staticmethod
    def hint_of(raw):
        names = [o.get("name") for o in raw.get("outputs") or []]
        policy, aggregation = policy_of(raw)
        if policy in ("COLLECT", "RULE ORDER") and not aggregation:
            return "list"
        return None if len(names) == 1 else {n: None for n in names}
