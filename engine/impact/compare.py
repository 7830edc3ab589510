"""One case under two revisions: what differs, in a compact form a tally can count.

Every value both revisions compute (rules, tables, decision tables, state machines; a parameter's
change is the diff's business, not every case's) is compared, and so are the findings: a finding
one revision makes and the other does not is newly raised or newly cleared. Only what can differ is
evaluated (cone.py): what it leaves out is the same under both revisions.

A change is described by the kind of value:
  category   text, yes/no or null on both sides: (from, to)
  number     a number on both sides: the difference (new - old)
  date       a date on both sides: the shift in days
  structure  a record or list: the paths of the fields that differ (never the values)
  presence   a value on one side only: (from, to) with the value's kind instead of its value
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_PATHS = 8        # field paths reported per structured change


def shown_outputs(rs) -> set:
    return {eid for eid, el in rs.elements.items() if el.kind not in ("parameter", "check")}


def value_kinds(rs) -> dict:
    """Declared types, so a date is known as a date even when it is null on one side."""
    return {eid: el.raw.get("type") for eid, el in rs.elements.items() if isinstance(el.raw, dict)}


class Comparer:
    """Compares cases under two loaded revisions, evaluating only what can differ (cone.py): the
    changed elements and what they read, trace off, no result document. `cone=False` evaluates every
    element under both (the full evaluation, as `evaluate` makes it): what a case falls back to when an
    evaluation reaches its limits, and what the tests hold the cone to. `share=False` keeps each
    revision computing the inputs the two define alike itself, without an early cut-off (plans.py)."""

    GATE_SHARE = 0.6     # the first stage is worth it when it evaluates at most this part of the cone

    def __init__(self, old, new, cone: bool = True, share: bool = True):
        from .cone import Cone, Gate
        from .plans import Staged
        self.old, self.new = old, new
        self.outputs = sorted(shown_outputs(old) & shown_outputs(new))
        self.kinds = {**value_kinds(old), **value_kinds(new)}
        self.cone = Cone(old, new) if cone else None
        if self.cone is not None:
            changed = self.cone.changed
            self.share = share and not self.cone.whole
            self._plans: dict = {}
            props = old.case_schema.get("properties") if isinstance(old.case_schema, dict) else None
            # the same schema prepares a case the same way: once, the rule set's own identity apart
            self.one_prepare = old.case_schema == new.case_schema
            self.identity = new.own_identity if not (isinstance(props, dict) and "ruleset" in props) else None
            gate = Gate(old, new, self.cone)
            self.staged = Staged(old, new, self.cone, gate, self.outputs) \
                if self.share and Staged.usable(old, new, self.cone) else None
            self.plan = None if self.staged is not None else \
                self._plan_of(frozenset(self.cone.evaluate), [k for k in self.outputs if k in changed])
            first, whole = gate.cost()
            usable = all(any(rs.elements[e].kind != "parameter" for e in w) for rs, w in zip((old, new), gate.wanted))
            self.gate = gate if self.staged is None and usable and first <= self.GATE_SHARE * whole else None

    def prepare(self) -> None:
        """Make ahead what would otherwise be made at a case's first need (plans.Staged.prepare): in a
        process about to fork its workers, so that they inherit it."""
        if self.cone is not None and self.staged is not None:
            self.staged.prepare()

    def compare(self, case):
        """(changes, raised, cleared, refused): changes is a list of (output, kind, a, b)."""
        if isinstance(case, dict) and "revision" in case:
            case = {k: v for k, v in case.items() if k != "revision"}   # both revisions judge the same facts
        if self.cone is not None:
            done = self._cone(case)
            if done is not None:
                return done
        a, err_a = self._full(self.old, case)
        b, err_b = self._full(self.new, case)
        if a is None or b is None:
            return [], [], [], (err_a, err_b)
        return self._differences(a, b, self.outputs)

    def _full(self, rs, case):
        from ..errors import CertrulesError
        from ..evaluation import evaluate
        from .plans import first_findings
        try:
            r = evaluate(rs, case, trace=False)
        except CertrulesError as exc:
            return None, exc.message.splitlines()[0]
        return (r["values"], first_findings(r["findings"])), None

    def _cone(self, case):
        """The comparison from the cone, or None when this case needs the full one: a revision refuses
        it (its reason is said as the full evaluation says it), or an evaluation reached its limits."""
        from ..errors import CertrulesError
        try:
            env_a = self.old.program.prepare(case)
            if self.one_prepare:
                env_b = dict(env_a)
                if self.identity is not None:
                    env_b["ruleset"] = self.identity
            else:
                env_b = self.new.program.prepare(case)
        except CertrulesError:
            return None
        if self.staged is not None:
            done = self.staged.run(env_a, env_b)
            return None if done is None else self._differences(*done[0], done[1])
        plan = self.plan
        if self.gate is not None:
            plan = self._gated(self.gate.differing(self.old.program.derive(env_a, self.gate.wanted[0]),
                                                   self.new.program.derive(env_b, self.gate.wanted[1])))
        done = plan.run(env_a, env_b)
        if done is None:
            return None
        return self._differences(done[0], done[1], plan.compared)

    def _gated(self, differing):
        hit = self._plans.get(differing)
        if hit is None:
            hit = self._plans[differing] = self._plan_of(frozenset(self.gate.plan(differing)),
                                                         [k for k in self.outputs if k in differing])
        return hit

    def _plan_of(self, evaluate: frozenset, compared: list):
        hit = self._plans.get(evaluate)
        if hit is None:
            from .plans import Plan
            hit = self._plans[evaluate] = Plan(self.old, self.new, evaluate, compared, self.share)
        return hit

    def _differences(self, a, b, outputs):
        va, fa = a
        vb, fb = b
        changes = []
        for key in outputs:
            x, y = va.get(key), vb.get(key)
            if x == y:
                continue
            c = describe(x, y, self.kinds.get(key))
            if c is not None:
                changes.append((key, *c))
        raised = sorted((fid, *fb[fid]) for fid in fb.keys() - fa.keys())
        cleared = sorted((fid, *fa[fid]) for fid in fa.keys() - fb.keys())
        return changes, raised, cleared, None


def _kind_of(v, declared=None):
    if v is None or isinstance(v, (str, bool)):
        if isinstance(v, str) and (declared == "date" or _ISO.match(v)):
            return "date"
        return "category"
    if isinstance(v, (Decimal, int)):
        return "number"
    if isinstance(v, date):
        return "date"
    return "structure"


def _norm(d):
    d = Decimal(d)
    return d.normalize() if d else Decimal(0)


def describe(x, y, declared=None):
    """A change as (kind, a, b); None when the two are the same value written differently."""
    if _scalars(x) and _scalars(y):   # a short list of names (reasons, documents): which come and go
        a, b = x or [], y or []
        added = [f"+ {show_item(v)}" for v in b if v not in a]
        removed = [f"- {show_item(v)}" for v in a if v not in b]
        return ("structure", tuple((removed + added)[:MAX_PATHS]), len(removed + added)) if added or removed else None
    kx, ky = _kind_of(x, declared), _kind_of(y, declared)
    if x is None or y is None:
        if kx in ("category",) and ky in ("category",):
            return "category", x, y
        def label(v, k):
            return None if v is None else (v if k == "category" else f"({_KIND_WORDS[k]})")
        return "presence", label(x, kx), label(y, ky)
    if kx != ky:
        return "presence", f"({_KIND_WORDS[kx]})", f"({_KIND_WORDS[ky]})"
    if kx == "category":
        return "category", x, y
    if kx == "number":
        dx, dy = _norm(x), _norm(y)
        return None if dx == dy else ("number", dx, dy)
    if kx == "date":
        dx = x if isinstance(x, date) else date.fromisoformat(x)
        dy = y if isinstance(y, date) else date.fromisoformat(y)
        return None if dx == dy else ("date", (dy - dx).days, None)
    paths = changed_paths(x, y)
    return ("structure", tuple(paths[:MAX_PATHS]), len(paths)) if paths else None


_KIND_WORDS = {"category": "text", "number": "a number", "date": "a date", "structure": "a record or list"}


def _scalars(v) -> bool:
    """A list of texts or numbers (or nothing: null counts as the empty list here)."""
    return v is None or isinstance(v, list) and all(isinstance(i, (str, int, Decimal)) and not isinstance(i, bool) for i in v)


def show_item(v) -> str:
    return format(v.normalize(), "f") if isinstance(v, Decimal) else str(v)


def changed_paths(x, y, prefix="") -> list[str]:
    """The fields of two records (or lists) that differ: `team`, `sites.count`, `items[]`."""
    if isinstance(x, dict) and isinstance(y, dict):
        out = []
        for k in sorted(set(x) | set(y), key=str):
            a, b = x.get(k), y.get(k)
            if _same(a, b):
                continue
            p = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(a, (dict, list)) and isinstance(b, (dict, list)):
                out.extend(changed_paths(a, b, p) or [p])
            else:
                out.append(p)
        return out
    if isinstance(x, list) and isinstance(y, list):
        p = f"{prefix}[]" if prefix else "[]"
        if len(x) != len(y):
            return [p]
        inner = sorted({q for a, b in zip(x, y) if not _same(a, b) for q in changed_paths(a, b, p)})
        return inner or [p]
    return [] if _same(x, y) else [prefix or "(value)"]


def _same(a, b) -> bool:
    return a == b
