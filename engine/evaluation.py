"""Evaluating a case against a rule set: every element in dependency order, with findings and a trace.

The elements run as the rule set's generated program (engine/codegen): `prepare` checks the case and
makes it FEEL values, then one fused function computes every element (or, with `outputs`, only what
those need), its findings and, when asked, its trace. Where a finding is made: engine/codegen/elements.py
(`finding`, and notes a registered function reports, e.g. a calendar fallback); where a value is
explained: its trace entry (`entry`).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from . import __version__
from .errors import UsageError


@lru_cache(maxsize=4096)
def clause_key(clause: str):
    """Order clauses as a reader does: 5.4.1.2 before 5.4.10, numbered clauses before annexes."""
    parts = []
    for part in str(clause).replace("-", ".").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if part.isdigit():
            parts.append((0, int(part), ""))
        else:
            parts.append((1, int(digits) if digits else 0, part))
    return tuple(parts)


def _finding_order(f):
    return (clause_key(str(f["clause"])), f["id"])


def needed_order(ruleset, outputs) -> list:
    """The evaluation order restricted to what `outputs` (element ids) need: the outputs and every
    element they read, transitively. Worked out once per rule set and set of outputs."""
    key = frozenset(outputs)
    cache = ruleset.__dict__.get("_needed_orders")
    if cache is None:
        cache = ruleset.__dict__["_needed_orders"] = {}
    hit = cache.get(key)
    if hit is None:
        elements = ruleset.elements
        unknown = sorted(o for o in key if o not in elements)
        if unknown:
            raise UsageError(f"{ruleset.name} has no element {', '.join(repr(u) for u in unknown)}")
        todo, seen = list(key), set()
        while todo:
            eid = todo.pop()
            if eid in seen:
                continue
            seen.add(eid)
            todo.extend(n for n in elements[eid].reads if n in elements and n not in seen)
        hit = cache[key] = [eid for eid in ruleset.order if eid in seen]
    return hit


def evaluate(ruleset, case: dict, *, trace: bool = True, label: str = "the case", selection: dict | None = None,
             outputs=None) -> dict:
    """Evaluate one case (a dict as read from YAML/JSON) and return the result document.

    `outputs` (element ids) limits the evaluation to those elements and what they read, transitively:
    `values` then holds exactly the outputs asked for, `findings` only what the checks among the
    evaluated elements found, and the trace only the evaluated elements. An unknown id is a UsageError.
    """
    if outputs is not None and outputs.__class__ is not tuple:
        # once here, not in each of the program's look-ups by outputs
        outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    program = ruleset.program
    if outputs is not None:
        program.check_outputs(outputs)          # an unknown id is the caller's mistake, said first
    env = program.prepare(case, label, None if trace else outputs)
    values, findings, traced = program.run(env, trace, outputs)
    if len(findings) > 1:
        findings.sort(key=_finding_order)
    as_of = env.get("as_of")
    identity = ruleset.__dict__.get("_identity_document")
    if identity is None:
        identity = ruleset.__dict__["_identity_document"] = ruleset.identity()
    result = {
        "ruleset": identity.copy(),      # each result its own, as a caller may change it
        "selection": selection or {"revision": ruleset.revision, "reason": "given"},
        "engine": {"name": "certrules", "version": __version__},
        "as_of": as_of.isoformat() if isinstance(as_of, date) else as_of,
        "values": values,
        "findings": findings,
    }
    if trace:
        result["trace"] = traced
    return result
