"""What can differ between two revisions: the changed elements, worked out once per pair.

An element yields the same value and the same findings under both revisions when its definition is
the same and everything it reads is the same: the same elements (by induction, unchanged), the same
case fields prepared the same way. So an element is *changed* when
  - it exists in one revision only, its kind differs, or its definition (`raw`: expressions, table
    rows, type, message, clause, severity, interpretation, display places...) differs;
  - it reads (an expression's name, or a message placeholder) a changed element, or a case field
    the two case schemas prepare differently, or `ruleset` (the rule set's own identity, unless a
    case field) when the identities differ; a state machine reads `as_of` besides its expressions' names;
  - or the two revisions compile their elements differently as a whole: another primary language,
    other registered functions, a difference in the case schema outside its fields' own definitions
    (definitions shared by $ref, additionalProperties, ...), a manifest key this module does not know
    to be inert. Then every element is changed.
Being unsure always means changed. Findings are made by checks (their id), and by any element when a
registered function notes something (`id.function_note`) or the evaluation's limit is reached
(`id.limit_reached`): two elements that could make a finding of the same id are evaluated together
or not at all, so a finding id is compared only with everything that could make it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..elements import PLACEHOLDER

# Manifest keys that reach no element's code: descriptive ones, and the identity, which expressions
# read only as `ruleset` (a field that changes when the identities differ).
INERT_MANIFEST = frozenset({"family", "code", "revision", "title", "issuer", "effective", "supersedes",
                            "superseded_by", "status", "provenance", "source", "changes", "assumptions",
                            "outputs", "data", "case_schema"})
_FINDING_SUFFIXES = (".limit_reached", ".function_note")


class Cone:
    """`roots`: the elements that may differ whatever their inputs; `changed`: those and every element
    reading a changed one (ids in either revision); `evaluate`: the changed elements and their finding
    partners, what each revision evaluates; `whole`: every element is changed."""

    def __init__(self, old, new):
        self.whole = not _same_compilation(old, new)
        fields = _changed_fields(old.case_schema, new.case_schema)
        if fields is None:
            self.whole = True
            fields = set()
        elif old.own_identity != new.own_identity:
            fields.add("ruleset")
        if self.whole:
            self.changed = self.roots = set(old.elements) | set(new.elements)
        else:
            self.roots = _roots(old, new, fields)
            self.changed = _propagate(old, new, self.roots)
        self.evaluate = _with_finding_partners(old, new, self.changed)

    def share(self, rs) -> float:
        """The part of a rule set's elements the cone evaluates (what they read included)."""
        from ..evaluation import needed_order
        ids = [e for e in self.evaluate if e in rs.elements]
        return len(needed_order(rs, ids)) / len(rs.elements) if ids and rs.elements else 0.0


def _same_compilation(old, new) -> bool:
    mo, mn = old.manifest, new.manifest
    keys = (set(mo) | set(mn)) - INERT_MANIFEST
    return all(mo.get(k) == mn.get(k) for k in keys)


def _changed_fields(so, sn):
    """Top-level case fields the two schemas prepare differently, or None when that cannot be told
    field by field (the schemas differ elsewhere than in their `properties` and `required`)."""
    if not (isinstance(so, dict) and isinstance(sn, dict)):
        return None if so != sn else set()
    rest = (set(so) | set(sn)) - {"properties", "required"}
    if any(so.get(k) != sn.get(k) for k in rest):
        return None
    po, pn = so.get("properties") or {}, sn.get("properties") or {}
    if not (isinstance(po, dict) and isinstance(pn, dict)):
        return None
    # `required` decides only whether a case is refused, and each revision prepares the case itself
    return {f for f in set(po) | set(pn) if po.get(f) != pn.get(f)}


def _definition(el):
    return (el.kind, el.raw)


def _reads(el) -> set:
    names = set(el.reads)
    for msg in (getattr(el, "message", None) or {}).values():
        names.update(m.split(".", 1)[0] for m in PLACEHOLDER.findall(msg))
    names.update((getattr(el, "aliases", None) or {}).values())
    if el.kind == "state_machine":
        names.add("as_of")
    return names


def _roots(old, new, fields: set) -> set:
    """Elements that may differ whatever their inputs: their definition differs, or they read a case
    field the two revisions prepare differently."""
    roots = set()
    for eid in set(old.elements) | set(new.elements):
        a, b = old.elements.get(eid), new.elements.get(eid)
        if a is None or b is None or _definition(a) != _definition(b) or _reads(a) & fields or _reads(b) & fields:
            roots.add(eid)
    return roots


def _propagate(old, new, roots: set) -> set:
    changed = set(roots)
    readers: dict = {}
    for rs in (old, new):
        for eid, el in rs.elements.items():
            for name in _reads(el):
                readers.setdefault(name, set()).add(eid)
    todo = list(changed)
    seen = set(todo)
    while todo:
        name = todo.pop()
        for eid in readers.get(name, ()):
            if eid not in seen:
                seen.add(eid)
                changed.add(eid)
                todo.append(eid)
    return changed


def finding_ids(el) -> set:
    """The ids of the findings an element can make."""
    ids = {el.id + s for s in _FINDING_SUFFIXES}
    if el.kind == "check":
        ids.add(el.id)
    return ids


def _with_finding_partners(old, new, changed: set) -> set:
    """The changed elements and every element that could make a finding of the same id as one of them."""
    makers: dict = {}
    for rs in (old, new):
        for eid, el in rs.elements.items():
            for fid in finding_ids(el):
                makers.setdefault(fid, set()).add(eid)
    out, todo = set(changed), list(changed)
    while todo:
        eid = todo.pop()
        for rs in (old, new):
            el = rs.elements.get(eid)
            if el is None:
                continue
            for fid in finding_ids(el):
                for other in makers.get(fid, ()):
                    if other not in out:
                        out.add(other)
                        todo.append(other)
    return out


class Gate:
    """Per case, which changed elements can differ at all: the roots (elements whose own definition
    differs, or that read a case field prepared differently) and the elements reading them are
    computed first, as FEEL values, under both revisions; a reader whose value is the same under both
    (the same type and representation) gives the same to what reads it, so past it nothing differs
    unless another input does. What can still differ is then evaluated as the cone is."""

    def __init__(self, old, new, cone: Cone):
        self.old, self.new = old, new
        roots = cone.roots
        self.first = {eid for eid in cone.changed if eid in roots or _reads_any(old, new, eid, roots)}
        # a reader's findings follow from its value (a check finds when false), except the notes of a
        # registered function, which follow from its inputs: such a reader is always evaluated again
        names = set(old.manifest.get("functions") or []) | set(new.manifest.get("functions") or [])
        self.always = {eid for eid in self.first if eid in roots and not _literal(old, new, eid)
                       or _mentions(old, new, eid, names)}
        self.readers: dict = {}
        for rs in (old, new):
            for eid, el in rs.elements.items():
                if eid in cone.changed:
                    for name in _reads(el):
                        self.readers.setdefault(name, set()).add(eid)
        self.cone = cone
        self.wanted = (_feel_wanted(old, self.first), _feel_wanted(new, self.first))

    def cost(self) -> tuple:
        """(elements the first stage evaluates, elements the cone evaluates), over both revisions."""
        from ..evaluation import needed_order
        first = sum(len(needed_order(rs, w)) for rs, w in zip((self.old, self.new), self.wanted) if w)
        whole = sum(len(needed_order(rs, [e for e in self.cone.evaluate if e in rs.elements]))
                    for rs in (self.old, self.new))
        return first, whole

    def differing(self, va: dict, vb: dict) -> frozenset:
        """The changed elements that can differ for a case whose first-stage values are va and vb: those
        of the first stage whose values differ, what reads them (up to a first-stage element whose value
        is the same), and the first-stage elements whose findings may differ whatever their value."""
        def same(eid):
            return eid in va and eid in vb and same_value(va[eid], vb[eid])
        out = {eid for eid in self.first if not same(eid)}
        todo = list(out)
        while todo:
            for r in self.readers.get(todo.pop(), ()):
                if r not in out and not (r in self.first and same(r)):
                    out.add(r)
                    todo.append(r)
        return frozenset(out | self.always)

    def plan(self, differing: frozenset) -> set:
        """The elements to evaluate under each revision for `differing`, finding partners included."""
        return _with_finding_partners(self.old, self.new, set(differing))


def _literal(old, new, eid) -> bool:
    """A parameter given as a literal under both revisions: it makes no finding."""
    els = [rs.elements.get(eid) for rs in (old, new)]
    return all(el is not None and el.kind == "parameter" and el.value_expr is None for el in els)


def _reads_any(old, new, eid, names) -> bool:
    return any(el is not None and _reads(el) & names for el in (old.elements.get(eid), new.elements.get(eid)))


def _mentions(old, new, eid, names) -> bool:
    import json
    for el in (old.elements.get(eid), new.elements.get(eid)):
        if el is not None and names:
            text = json.dumps(el.raw, ensure_ascii=False, default=str)
            if any(n in text for n in names):
                return True
    return False


def _feel_wanted(rs, ids) -> tuple:
    return tuple(sorted(e for e in ids if e in rs.elements))


def same_value(a, b) -> bool:
    """The same FEEL value, down to its type and representation (1.0 is not 1.00): what reads it cannot
    tell the two apart. Values of other kinds (functions, ranges, durations, times) count as different."""
    cls = a.__class__
    if cls is not b.__class__:
        return False
    if a is None or cls is str or cls is bool:
        return a == b
    if cls is Decimal:
        return a.as_tuple() == b.as_tuple()
    if cls is date:
        return a == b
    if cls is list:
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if cls is dict:
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return False
