"""DMN decision tables: input expressions, unary-test cells, output expressions and a hit policy.

Hit policies follow DMN 1.x: UNIQUE (at most one row may match), FIRST, PRIORITY (by the first
output's priority list), ANY (all matching rows must agree), COLLECT (a list, or SUM/COUNT/MIN/MAX)
and RULE ORDER (a list in row order). With one output the value is that output; with several, a
context of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .elements import Element, applies, text2
from .feel import to_feel


@dataclass(slots=True)
class DecisionRow:
    number: int
    tests: list
    outputs: list
    clause: str | None
    interpretation: dict | None
    cells: list


class DecisionTable(Element):
    kind = "decision_table"

    def compile(self, compiler, scope):
        raw = self.raw
        self.hit_policy = raw.get("hit_policy", "UNIQUE")
        self.aggregation = raw.get("aggregation")
        if self.aggregation and self.hit_policy != "COLLECT":
            compiler.problems.items.append(self.sf.locate(self.path + ("aggregation",),
                                                          "'aggregation' is only meaningful with hit_policy COLLECT"))
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

    @staticmethod
    def hint_of(raw):
        names = [o.get("name") for o in raw.get("outputs") or []]
        if raw.get("hit_policy") in ("COLLECT", "RULE ORDER") and not raw.get("aggregation"):
            return "list"
        return None if len(names) == 1 else {n: None for n in names}

    def _outputs(self, run, exprs):
        vals = [run.expr(self, ce) for ce in exprs]
        return vals[0] if len(vals) == 1 else dict(zip(self.output_names, vals))

    def evaluate(self, run):
        if not applies(run, self, self.when):
            run.note(self, "when", False)
            return None
        values = [run.expr(self, ce) for ce in self.inputs]
        env = run.env
        if run.tracing:
            run.note(self, "inputs", {t: v for t, v in zip(self.input_texts, values)})
        if self.hit_policy == "FIRST":   # the first matching row decides: the rows after it are not tested
            matched = []
            for row in self.rows:
                if all(test is not None and test.matches(v, env, None, run.budget) for test, v in zip(row.tests, values)):
                    matched.append(row)
                    break
        else:
            matched = [row for row in self.rows
                       if all(test is not None and test.matches(v, env, None, run.budget) for test, v in zip(row.tests, values))]
        if run.tracing:
            run.note(self, "rows", [_describe(r) for r in matched])
        for r in matched:
            if r.interpretation:
                run.note(self, "row_interpretation", r.interpretation)
        if not matched:
            if self.default is not None:
                return self._outputs(run, self.default)
            return [] if self.hit_policy in ("COLLECT", "RULE ORDER") and not self.aggregation else None
        hp = self.hit_policy
        if hp in ("UNIQUE", "FIRST"):
            if len(matched) > 1:
                run.diagnostic(self, f"hit policy UNIQUE but rows {', '.join(str(r.number) for r in matched)} all match")
                return None
            return self._outputs(run, matched[0].outputs)
        results = [self._outputs(run, r.outputs) for r in matched]
        if hp == "ANY":
            if any(r != results[0] for r in results[1:]):
                run.diagnostic(self, f"hit policy ANY but rows {', '.join(str(r.number) for r in matched)} give different outputs")
                return None
            return results[0]
        if hp == "PRIORITY":
            def rank(res):
                key = res if len(self.output_names) == 1 else res[self.output_names[0]]
                return self.priority.index(key) if key in self.priority else len(self.priority)
            return min(results, key=rank)
        if hp == "RULE ORDER" or (hp == "COLLECT" and not self.aggregation):
            return results
        return _aggregate(self.aggregation, results, run, self)


def _aggregate(how, results, run, el):
    if how == "COUNT":
        return Decimal(len(results))
    nums = [r for r in results if isinstance(r, Decimal)]
    if len(nums) != len(results):
        run.diagnostic(el, f"COLLECT {how} needs numbers, got {results}")
        return None
    if how == "SUM":
        return sum(nums, Decimal(0))
    return min(nums) if how == "MIN" else max(nums)


def _describe(row: DecisionRow) -> dict:
    out = {"row": row.number, "when": row.cells}
    if row.clause:
        out["clause"] = row.clause
    return out
