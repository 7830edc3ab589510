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
    revision computing the inputs the two define alike itself (see Plan)."""

    GATE_SHARE = 0.6     # the first stage is worth it when it evaluates at most this part of the cone

    def __init__(self, old, new, cone: bool = True, share: bool = True):
        from .cone import Cone, Gate
        self.old, self.new = old, new
        self.outputs = sorted(shown_outputs(old) & shown_outputs(new))
        self.kinds = {**value_kinds(old), **value_kinds(new)}
        self.cone = Cone(old, new) if cone else None
        if self.cone is not None:
            changed = self.cone.changed
            self.share = share and not self.cone.whole
            self._plans: dict = {}
            self.plan = self._plan_of(frozenset(self.cone.evaluate), [k for k in self.outputs if k in changed])
            props = old.case_schema.get("properties") if isinstance(old.case_schema, dict) else None
            # the same schema prepares a case the same way: once, the rule set's own identity apart
            self.one_prepare = old.case_schema == new.case_schema
            self.identity = new.own_identity if not (isinstance(props, dict) and "ruleset" in props) else None
            gate = Gate(old, new, self.cone)
            first, whole = gate.cost()
            usable = all(any(rs.elements[e].kind != "parameter" for e in w) for rs, w in zip((old, new), gate.wanted))
            self.gate = gate if usable and first <= self.GATE_SHARE * whole else None

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
        try:
            r = evaluate(rs, case, trace=False)
        except CertrulesError as exc:
            return None, exc.message.splitlines()[0]
        return (r["values"], _first_findings(r["findings"])), None

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


class Plan:
    """How one set of elements (`evaluate`: what can differ, finding partners included) is computed for a
    case under both revisions, and which outputs are then compared.

    Plainly, each revision computes those elements and everything they read. But an element neither
    changed nor a partner has the same definition under both and reads the same, so its value is the
    same: where it costs less, one revision (`full`) computes everything and hands the values of such
    inputs to the other, which computes only its part of `evaluate` from them (an early cut-off, as
    build systems make: what a difference cannot reach is computed once). The findings compared are
    those `evaluate` can make; what else either computes is the same under both."""

    def __init__(self, old, new, evaluate: frozenset, compared: list, share: bool = True):
        from ..evaluation import needed_order
        from .cone import finding_ids
        self.old, self.new, self.compared = old, new, compared
        self.wanted = (_wanted(old, evaluate), _wanted(new, evaluate))
        self.shared = None
        if not (share and all(self.wanted)):
            return
        best = len(needed_order(old, self.wanted[0])) + len(needed_order(new, self.wanted[1]))
        for full in (1, 0):         # the new revision computes the whole first, when that costs no more
            part = 1 - full
            rs_full, rs_part = (old, new)[full], (old, new)[part]
            given = _handed(rs_part, rs_full, self.wanted[part], evaluate)
            if not given:
                continue
            cost = (len(needed_order(rs_full, self.wanted[full] + tuple(sorted(given))))
                    + len(needed_order(rs_part, self.wanted[part], given)) - len(given))
            if cost < best:
                best, self.shared = cost, (full, given)
        if self.shared is not None:
            from ..evaluation import element_kinds, shared_run
            full, given = self.shared
            rs_full, rs_part = (old, new)[full], (old, new)[1 - full]
            kinds = element_kinds(rs_part, self.wanted[1 - full])
            export = tuple(sorted(given))
            self.full = shared_run(rs_full, self.wanted[full], export=export)
            self.part = shared_run(rs_part, self.wanted[1 - full], given={e: kinds[e] for e in export})
            self.findable = frozenset(f for rs in (old, new) for e in evaluate if e in rs.elements
                                      for f in finding_ids(rs.elements[e]))

    def run(self, env_a, env_b):
        """((values, findings) under the old revision, the same under the new), or None when an
        evaluation reached its limits."""
        if self.shared is None:
            a = _run(self.old, env_a, self.wanted[0])
            b = _run(self.new, env_b, self.wanted[1])
            return None if a is None or b is None else (a, b)
        full = self.shared[0]
        env_full, env_part = (env_a, env_b) if full == 0 else (env_b, env_a)
        values, findings, given = self.full(env_full)
        x = self._found(values, findings)
        if x is None:
            return None
        env_part.update(given)
        values, findings, _ = self.part(env_part)
        y = self._found(values, findings)
        if y is None:
            return None
        return (x, y) if full == 0 else (y, x)

    def _found(self, values, findings):
        found = _first_findings(findings)
        if any(fid.endswith(".limit_reached") for fid in found):
            return None     # the limits are the whole evaluation's: what the cone left out spends too
        return values, {fid: v for fid, v in found.items() if fid in self.findable}


def _handed(part, full, wanted, evaluate) -> set:
    """The elements the `part` revision takes from the `full` one when computing `wanted`: those it
    reaches that are not in `evaluate`, both define, and whose value is a plain value (not a state
    machine, whose value depends on what reads its history, nor a function, nor a literal)."""
    given, seen = set(), set(wanted)
    todo = list(wanted)
    names = _field_names(part) | _field_names(full)
    while todo:
        for n in part.elements[todo.pop()].reads:
            if n in seen or n not in part.elements:
                continue
            seen.add(n)
            el = part.elements[n]
            if (n not in evaluate and n in full.elements and n not in names
                    and el.kind not in ("state_machine", "function")
                    and not (el.kind == "parameter" and el.value_expr is None)):
                given.add(n)
            else:
                todo.append(n)
    return given


def _field_names(rs) -> set:
    """What a prepared case holds besides elements: the case schema's fields and the rule set itself."""
    props = rs.case_schema.get("properties") if isinstance(rs.case_schema, dict) else None
    return set(props or ()) | {"ruleset", "as_of"}


def _run(rs, env, wanted):
    if not wanted:
        return {}, {}
    values, findings, _ = rs.program.run(env, False, wanted)
    found = _first_findings(findings)
    if any(fid.endswith(".limit_reached") for fid in found):
        return None     # the limits are the whole evaluation's: what the cone left out spends too
    return values, found


def _wanted(rs, ids) -> tuple:
    """The cone's elements of one revision, as `Program.run` outputs. A parameter given as a literal
    makes no finding and is not compared: it is evaluated when an output reads it."""
    els = rs.elements
    return tuple(sorted(e for e in ids if e in els and not (els[e].kind == "parameter" and els[e].value_expr is None)))


def _first_findings(findings) -> dict:
    """Finding id -> (clause, severity) of its first finding in the result document's order."""
    from ..evaluation import clause_key
    if len(findings) > 1:
        findings = sorted(findings, key=lambda f: (clause_key(str(f["clause"])), f["id"]))
    found = {}
    for f in findings:
        found.setdefault(f["id"], (f["clause"], f["severity"]))
    return found


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
