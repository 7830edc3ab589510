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

from ..elements import PLACEHOLDER

# Manifest keys that reach no element's code: descriptive ones, and the identity, which expressions
# read only as `ruleset` (a field that changes when the identities differ).
INERT_MANIFEST = frozenset({"family", "code", "revision", "title", "issuer", "effective", "supersedes",
                            "superseded_by", "status", "provenance", "source", "changes", "assumptions",
                            "outputs", "data", "case_schema"})
_FINDING_SUFFIXES = (".limit_reached", ".function_note")


class Cone:
    """`changed`: ids of the changed elements (in either revision); `compared`: the outputs and the
    finding-making elements to evaluate under each revision; `whole`: every element is changed."""

    def __init__(self, old, new):
        self.whole = not _same_compilation(old, new)
        fields = _changed_fields(old.case_schema, new.case_schema)
        if fields is None:
            self.whole = True
            fields = set()
        elif old.own_identity != new.own_identity:
            fields.add("ruleset")
        if self.whole:
            self.changed = set(old.elements) | set(new.elements)
        else:
            self.changed = _propagate(old, new, fields)
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


def _propagate(old, new, fields: set) -> set:
    changed = set()
    for eid in set(old.elements) | set(new.elements):
        a, b = old.elements.get(eid), new.elements.get(eid)
        if a is None or b is None or _definition(a) != _definition(b):
            changed.add(eid)
    readers: dict = {}
    for rs in (old, new):
        for eid, el in rs.elements.items():
            for name in _reads(el):
                readers.setdefault(name, set()).add(eid)
    todo = list(changed) + [f for f in fields]
    seen = set(todo)
    while todo:
        name = todo.pop()
        for eid in readers.get(name, ()):
            if eid not in seen:
                seen.add(eid)
                changed.add(eid)
                todo.append(eid)
    return changed


def _finding_ids(el) -> set:
    ids = {el.id + s for s in _FINDING_SUFFIXES}
    if el.kind == "check":
        ids.add(el.id)
    return ids


def _with_finding_partners(old, new, changed: set) -> set:
    """The changed elements and every element that could make a finding of the same id as one of them."""
    makers: dict = {}
    for rs in (old, new):
        for eid, el in rs.elements.items():
            for fid in _finding_ids(el):
                makers.setdefault(fid, set()).add(eid)
    out, todo = set(changed), list(changed)
    while todo:
        eid = todo.pop()
        for rs in (old, new):
            el = rs.elements.get(eid)
            if el is None:
                continue
            for fid in _finding_ids(el):
                for other in makers.get(fid, ()):
                    if other not in out:
                        out.add(other)
                        todo.append(other)
    return out
