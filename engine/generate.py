"""Synthetic cases from a rule set's case schema, made realistic by `x-generate` hints in the schema.

Without hints a field gets a plausible value from its type (an enum member, a number within its
bounds, a date near as_of). A rule set makes the corpus realistic by annotating its case schema:

    staff: {type: integer, minimum: 1, x-generate: {range: [5, 15000], log: true}}
    kind: {enum: [a, b, c], x-generate: {weights: [6, 3, 1]}}
    discount: {type: number, x-generate: {range: [-0.4, 0.3], step: 0.05, p: 0.4}}
    returned_on: {type: string, format: date, x-generate: {after: loan.borrowed_on, days: [10, 60]}}
    on: {type: string, format: date, x-generate: {after: member.joined_on, days: [200, 500], chain: true}}
    items: {type: array, x-generate: {items: [8, 14]}}

`p` is the chance an optional field is present; `after` names an earlier field of the same case
(`chain` makes list items follow each other); `from`/`to` bound a date. The same seed gives the same corpus.
"""
from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from .jsonout import dumps


def _get(case, dotted):
    node = case
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Generator:
    def __init__(self, schema: dict, seed: int):
        self.schema = schema
        self.rnd = random.Random(seed)
        self.case: dict = {}

    def number(self, s, hint, integer):
        lo, hi = hint.get("range", [s.get("minimum", 0), s.get("maximum", 100 if integer else 100)])
        lo, hi = Decimal(str(lo)), Decimal(str(hi))
        if integer:
            if hint.get("log") and lo >= 1:
                v = int(math.exp(self.rnd.uniform(math.log(int(lo)), math.log(int(hi) + 1))))
                return max(int(lo), min(int(hi), v))
            return self.rnd.randint(int(lo), int(hi))
        step = Decimal(str(hint.get("step", "0.01")))
        steps = int((hi - lo) / step)
        return lo + step * self.rnd.randint(0, max(steps, 0))

    def day(self, s, hint, prev):
        base = None
        if "after" in hint:
            anchor = prev if (hint.get("chain") and prev) else _get(self.case, hint["after"])
            if isinstance(anchor, str):
                base = date.fromisoformat(anchor)
        if base is not None:
            lo, hi = hint.get("days", [1, 60])
            return (base + timedelta(days=self.rnd.randint(lo, hi))).isoformat()
        start = date.fromisoformat(str(hint.get("from", "2025-01-01")))
        end = date.fromisoformat(str(hint.get("to", "2027-12-31")))
        return (start + timedelta(days=self.rnd.randint(0, max((end - start).days, 0)))).isoformat()

    def value(self, s: dict, path: str, prev=None):
        hint = s.get("x-generate") or {}
        if "const" in hint:
            return hint["const"]
        if "choice" in hint or "enum" in s:
            options = hint.get("choice", s.get("enum"))
            return self.rnd.choices(options, weights=hint.get("weights"))[0]
        t = s.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "string")
        if t == "object" or "properties" in s:
            return self.obj(s, path)
        if t == "array":
            lo, hi = hint.get("items", [s.get("minItems", 0), max(s.get("minItems", 0), min(s.get("maxItems", 3), 3))])
            n = self.rnd.randint(lo, hi)
            items = s.get("items", {})
            out, last = [], None
            for i in range(n):
                v = self.value(items, f"{path}[]", last)
                out.append(v)
                last = _first_date(v, items)
            if s.get("uniqueItems"):
                out = [v for i, v in enumerate(out) if v not in out[:i]]
            return out
        if t == "integer":
            return self.number(s, hint, True)
        if t == "number":
            return self.number(s, hint, False)
        if t == "boolean":
            return self.rnd.random() < hint.get("true", 0.85)
        if s.get("format") == "date":
            return self.day(s, hint, prev)
        if "samples" in hint:
            return self.rnd.choice(hint["samples"])
        return f"{path.rsplit('.', 1)[-1]}-{self.rnd.randint(1, 9999)}"

    def obj(self, s: dict, path: str):
        out: dict = {}
        top = not path
        if top:
            self.case = out
        required = set(s.get("required", []))
        for name, sub in (s.get("properties") or {}).items():
            hint = sub.get("x-generate") or {}
            if hint.get("skip"):
                continue
            if name not in required and self.rnd.random() >= hint.get("p", 0.8):
                continue
            out[name] = self.value(sub, f"{path}.{name}" if path else name)
        return out


def _first_date(value, schema):
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if sub.get("format") == "date" and isinstance(value.get(name), str):
                return value[name]
    return None


def generate_cases(ruleset, n: int, seed: int):
    """JSON Lines, one {"id", "case"} per line."""
    schema = ruleset.case_schema
    for i in range(n):
        gen = Generator(schema, seed * 1_000_003 + i)
        case = gen.obj(schema, "")
        yield dumps({"id": f"gen-{seed}-{i + 1:06d}", "case": case}, indent=0).replace("\n", "") + "\n"
