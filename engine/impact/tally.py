"""Counting what changed over a corpus, in bounded memory, mergeable in any grouping.

A Tally holds counts and the first few case ids behind each count. Two tallies merge by adding
counts and keeping the earlier tally's examples first, so tallies of consecutive chunks merged in
chunk order give the same result however the corpus was split or wherever the chunks ran.
"""
from __future__ import annotations

EXAMPLES = 5          # case ids kept per cell (a migration, a change, a finding)
MAX_CELLS = 200       # distinct cells kept per output; more are counted as other changes


class _Cells:
    """cell key -> [count, example ids], bounded."""
    __slots__ = ("cells", "other")

    def __init__(self):
        self.cells: dict = {}
        self.other = 0

    def add(self, key, cid, n=1, examples=None):
        c = self.cells.get(key)
        if c is None:
            if len(self.cells) >= MAX_CELLS:
                self.other += n
                return
            c = self.cells[key] = [0, []]
        c[0] += n
        room = EXAMPLES - len(c[1])
        if room > 0:
            c[1].extend((examples if examples is not None else [cid])[:room])

    def merge(self, other: "_Cells"):
        for key, (n, ex) in other.cells.items():
            self.add(key, None, n, ex)
        self.other += other.other

    def sorted(self):
        return sorted(self.cells.items(), key=lambda kv: (-kv[1][0], _order(kv[0])))


def _order(key):
    return tuple((v is None, str(v)) for v in key)


class OutputTally:
    __slots__ = ("count", "examples", "kinds", "cells", "up", "down")

    def __init__(self):
        self.count = 0
        self.examples: list = []
        self.kinds: set = set()
        self.cells = _Cells()
        self.up = self.down = 0

    def add(self, cid, kind, a, b):
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(cid)
        self.kinds.add(kind)
        if kind in ("category", "presence"):
            self.cells.add(("move", a, b), cid)
        elif kind == "number":
            d = (b - a).normalize()
            self.up += d > 0
            self.down += d < 0
            self.cells.add(("delta", d), cid)
        elif kind == "date":
            self.up += a > 0
            self.down += a < 0
            self.cells.add(("shift", a), cid)
        else:
            for path in a:
                self.cells.add(("field", path), cid)

    def merge(self, other: "OutputTally"):
        self.count += other.count
        self.examples = (self.examples + other.examples)[:EXAMPLES]
        self.kinds |= other.kinds
        self.cells.merge(other.cells)
        self.up += other.up
        self.down += other.down

    def report(self) -> dict:
        kinds = sorted(self.kinds)
        out = {"cases_changed": self.count, "kind": kinds[0] if len(kinds) == 1 else "+".join(kinds),
               "examples": self.examples}
        moves, deltas, shifts, fields = [], [], [], []
        for key, (n, ex) in self.cells.sorted():
            if key[0] == "move":
                moves.append({"from": key[1], "to": key[2], "count": n, "examples": ex})
            elif key[0] == "delta":
                deltas.append({"change": key[1], "count": n, "examples": ex})
            elif key[0] == "shift":
                shifts.append({"days": key[1], "count": n, "examples": ex})
            else:
                fields.append({"field": key[1], "count": n, "examples": ex})
        if moves:
            out["migrations"] = moves
        if deltas:
            out["changes"] = sorted(deltas, key=lambda d: d["change"])
        if shifts:
            out["shifts"] = sorted(shifts, key=lambda d: d["days"])
        if deltas or shifts:
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
        self.refused = _Cells()           # (which side) -> cases one revision or both cannot evaluate
        self.outputs: dict = {}
        self.raised = _Cells()            # (finding id, clause, severity)
        self.cleared = _Cells()

    def add(self, cid, changes, raised, cleared, refused):
        self.cases += 1
        if refused:
            a, b = refused
            side = "both" if a and b else "old" if a else "new"
            self.refused.add((side, (a or b)[:200]), cid)
            if side != "both":
                self._affected(cid)
            return
        if changes or raised or cleared:
            self._affected(cid)
        for key, kind, a, b in changes:
            t = self.outputs.get(key)
            if t is None:
                t = self.outputs[key] = OutputTally()
            t.add(cid, kind, a, b)
        for f in raised:
            self.raised.add(f, cid)
        for f in cleared:
            self.cleared.add(f, cid)

    def _affected(self, cid):
        self.affected += 1
        if len(self.affected_examples) < EXAMPLES:
            self.affected_examples.append(cid)

    def merge(self, other: "Tally") -> "Tally":
        self.cases += other.cases
        self.affected += other.affected
        self.affected_examples = (self.affected_examples + other.affected_examples)[:EXAMPLES]
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
               "examples": self.affected_examples,
               "outputs": {k: self.outputs[k].report() for k in sorted(self.outputs, key=lambda k: (-self.outputs[k].count, k))},
               "findings": {"raised": findings(self.raised), "cleared": findings(self.cleared)}}
        if refused:
            out["refused"] = refused
        return out
