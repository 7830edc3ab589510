"""Counting what changed over a corpus, in bounded memory, mergeable in any grouping.

A Tally holds counts and the first few case ids behind each count (by their place in the corpus).
Two tallies merge by adding counts; whatever is bounded is bounded by a rule that does not depend on
the order the cases were seen in, so tallies of any split of the corpus, merged, give the same result
as one pass, and every executor writes the same bytes:
  - cells (a migration, a finding, a changed field): at most MAX_CELLS per output; beyond, the cells
    that sort last are folded into `other` (the MAX_CELLS smallest keys always survive, with full counts);
  - numeric changes: exact values until there are more than MAX_CELLS of them, then bands of a
    power-of-ten width, the narrowest that fits (bands nest, so coarsening commutes with merging).
"""
from __future__ import annotations

from decimal import Decimal

EXAMPLES = 5          # case ids kept per cell (a migration, a change, a finding)
MAX_CELLS = 200       # distinct cells kept per output


def _first(a: list, b: list) -> list:
    return sorted(a + b)[:EXAMPLES] if b else a


def _order(key):
    return tuple((v is None, type(v).__name__, str(v)) for v in key)


class _Cells:
    """cell key -> [count, [(seq, case id), ...]], at most MAX_CELLS keys (the smallest)."""
    __slots__ = ("cells", "other")

    def __init__(self):
        self.cells: dict = {}
        self.other = 0

    def add(self, key, example, n=1):
        c = self.cells.get(key)
        if c is None:
            c = self.cells[key] = [0, []]
        c[0] += n
        if len(c[1]) < EXAMPLES:
            c[1].append(example)
        if len(self.cells) > MAX_CELLS:
            self._trim()

    def merge(self, other: "_Cells"):
        for key, (n, ex) in other.cells.items():
            c = self.cells.get(key)
            if c is None:
                self.cells[key] = [n, list(ex)]
            else:
                c[0] += n
                c[1] = _first(c[1], ex)
        self.other += other.other
        if len(self.cells) > MAX_CELLS:
            self._trim()

    def _trim(self):
        keep = sorted(self.cells, key=_order)[:MAX_CELLS]
        kept = {k: self.cells[k] for k in keep}
        self.other += sum(c[0] for k, c in self.cells.items() if k not in kept)
        self.cells = kept

    def sorted(self):
        return [(k, (n, [cid for _, cid in ex])) for k, (n, ex) in
                sorted(self.cells.items(), key=lambda kv: (-kv[1][0], _order(kv[0])))]


class _Histogram:
    """Numeric changes: value (or band start) -> [count, examples]. Exact until more than MAX_CELLS
    distinct values, then bands of width 10^k (k from -6 up), the narrowest in which everything seen fits."""
    __slots__ = ("cells", "width")
    FIRST_WIDTH = Decimal("1e-6")

    def __init__(self):
        self.cells: dict = {}
        self.width: Decimal | None = None     # None: exact values

    def _band(self, v: Decimal) -> Decimal:
        if self.width is None:
            return v
        return (v / self.width).to_integral_value(rounding="ROUND_FLOOR") * self.width

    def _put(self, v, n, examples):
        k = self._band(v)
        c = self.cells.get(k)
        if c is None:
            self.cells[k] = [n, list(examples)]
        else:
            c[0] += n
            c[1] = _first(c[1], examples)

    def _rebuild(self, width):
        old, self.cells, self.width = self.cells, {}, width
        for v, (n, ex) in old.items():
            self._put(v, n, ex)

    def _fit(self):
        while len(self.cells) > MAX_CELLS:
            self._rebuild(self.FIRST_WIDTH if self.width is None else self.width.scaleb(1))

    def add(self, v: Decimal, example):
        self._put(v, 1, [example])
        if len(self.cells) > MAX_CELLS:
            self._fit()

    def merge(self, other: "_Histogram"):
        if other.width is not None and (self.width is None or self.width < other.width):
            self._rebuild(other.width)
        for v, (n, ex) in other.cells.items():
            self._put(v, n, ex)
        self._fit()

    def report(self):
        rows = []
        for v in sorted(self.cells):
            n, ex = self.cells[v]
            row = {"change": v.normalize() if v else Decimal(0), "count": n, "examples": [cid for _, cid in ex]}
            if self.width is not None:
                row["width"] = self.width.normalize()
            rows.append(row)
        return rows


class OutputTally:
    __slots__ = ("count", "examples", "kinds", "cells", "numbers", "up", "down")

    def __init__(self):
        self.count = 0
        self.examples: list = []
        self.kinds: set = set()
        self.cells = _Cells()
        self.numbers = _Histogram()
        self.up = self.down = 0

    def add(self, ex, kind, a, b):
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(ex)
        self.kinds.add(kind)
        if kind in ("category", "presence"):
            self.cells.add(("move", a, b), ex)
        elif kind == "number":
            d = (b - a).normalize()
            self.up += d > 0
            self.down += d < 0
            self.numbers.add(d, ex)
        elif kind == "date":
            self.up += a > 0
            self.down += a < 0
            self.cells.add(("shift", a), ex)
        else:
            for path in a:
                self.cells.add(("field", path), ex)

    def merge(self, other: "OutputTally"):
        self.count += other.count
        self.examples = _first(self.examples, other.examples)
        self.kinds |= other.kinds
        self.cells.merge(other.cells)
        self.numbers.merge(other.numbers)
        self.up += other.up
        self.down += other.down

    def report(self) -> dict:
        kinds = sorted(self.kinds)
        out = {"cases_changed": self.count, "kind": kinds[0] if len(kinds) == 1 else "+".join(kinds),
               "examples": [cid for _, cid in self.examples]}
        moves, shifts, fields = [], [], []
        for key, (n, ex) in self.cells.sorted():
            if key[0] == "move":
                moves.append({"from": key[1], "to": key[2], "count": n, "examples": ex})
            elif key[0] == "shift":
                shifts.append({"days": key[1], "count": n, "examples": ex})
            else:
                fields.append({"field": key[1], "count": n, "examples": ex})
        if moves:
            out["migrations"] = moves
        if self.numbers.cells:
            out["changes"] = self.numbers.report()
        if shifts:
            out["shifts"] = sorted(shifts, key=lambda d: d["days"])
        if self.numbers.cells or shifts:
            out["increased"], out["decreased"] = self.up, self.down
        if fields:
            out["fields"] = fields
        if self.cells.other:
            out["other_changes"] = self.cells.other
        return out


class Tally:
    def __init__(self):
        self.cases = 0
        self.affected = 0
        self.affected_examples: list = []
        self.refused = _Cells()           # (which side, reason) -> cases one revision or both cannot evaluate
        self.outputs: dict = {}
        self.raised = _Cells()            # (finding id, clause, severity)
        self.cleared = _Cells()

    def add(self, seq: int, cid, changes, raised, cleared, refused):
        """Case number `seq` of the corpus (its place: examples are the first cases), id `cid`."""
        ex = (seq, cid)
        self.cases += 1
        if refused:
            a, b = refused
            side = "both" if a and b else "old" if a else "new"
            self.refused.add((side, (a or b)[:200]), ex)
            if side != "both":
                self._affected(ex)
            return
        if changes or raised or cleared:
            self._affected(ex)
        for key, kind, a, b in changes:
            t = self.outputs.get(key)
            if t is None:
                t = self.outputs[key] = OutputTally()
            t.add(ex, kind, a, b)
        for f in raised:
            self.raised.add(tuple(f), ex)
        for f in cleared:
            self.cleared.add(tuple(f), ex)

    def _affected(self, ex):
        self.affected += 1
        if len(self.affected_examples) < EXAMPLES:
            self.affected_examples.append(ex)

    def merge(self, other: "Tally") -> "Tally":
        self.cases += other.cases
        self.affected += other.affected
        self.affected_examples = _first(self.affected_examples, other.affected_examples)
        self.refused.merge(other.refused)
        for key, t in other.outputs.items():
            mine = self.outputs.get(key)
            if mine is None:
                self.outputs[key] = t
            else:
                mine.merge(t)
        self.raised.merge(other.raised)
        self.cleared.merge(other.cleared)
        return self

    def report(self) -> dict:
        def findings(cells):
            return [{"id": k[0], "clause": k[1], "severity": k[2], "count": n, "examples": ex}
                    for k, (n, ex) in cells.sorted()]
        refused = [{"by": k[0], "reason": k[1], "count": n, "examples": ex} for k, (n, ex) in self.refused.sorted()]
        out = {"cases": self.cases, "affected": self.affected, "unchanged": self.cases - self.affected,
               "examples": [cid for _, cid in self.affected_examples],
               "outputs": {k: self.outputs[k].report() for k in sorted(self.outputs, key=lambda k: (-self.outputs[k].count, k))},
               "findings": {"raised": findings(self.raised), "cleared": findings(self.cleared)}}
        if self.raised.other or self.cleared.other:
            out["findings"]["other"] = self.raised.other + self.cleared.other
        if refused:
            out["refused"] = refused
        return out
