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


def needed_order(ruleset, outputs, stop=()) -> list:
    """The evaluation order restricted to what `outputs` (element ids) need: the outputs and every
    element they read, transitively, but not what an element of `stop` reads (one given its value).
    Worked out once per rule set, set of outputs and set of stops."""
    outs = frozenset(outputs)
    key = (outs, frozenset(stop)) if stop else outs
    cache = ruleset.__dict__.get("_needed_orders")
    if cache is None:
        cache = ruleset.__dict__["_needed_orders"] = {}
    hit = cache.get(key)
    if hit is None:
        elements = ruleset.elements
        unknown = sorted(o for o in outs if o not in elements)
        if unknown:
            raise UsageError(f"{ruleset.name} has no element {', '.join(repr(u) for u in unknown)}")
        todo, seen = list(outs), set()
        while todo:
            eid = todo.pop()
            if eid in seen:
                continue
            seen.add(eid)
            if eid not in stop:
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
    trace = bool(trace)
    # the case check and conversion, and the run, for these outputs: looked up once per process (an
    # unknown id is the caller's mistake, said before the case is looked at)
    prepare, run = ruleset.program.plan(outputs, trace)
    env = prepare(case, label)
    values, findings, traced = run(env)
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


def shared_run(ruleset, outputs, given=(), export=(), context=()):
    """A run function env -> (values, findings, exported) over `outputs` and what they need, in which
    the elements of `given` (ids) are not computed but read from env[id], and `exported` maps each id
    of `export` to its FEEL value (None when there is none): one revision's values handed to another
    that defines those elements the same way (engine/impact/plans.py). Trace off. A given element
    has the kind it has when `context` (ids) is computed (one outside it is computed instead).
    Generated once per rule set and ids, its code cached on disk as Program.run's reduced ones are."""
    from .codegen.cache import reduced_code
    from .codegen.module import namespace
    from .codegen.program import _extras, generate
    program = ruleset.program
    outputs, given, export, context = (tuple(sorted(x)) for x in (outputs, given, export, context))

    def make():
        kinds: dict = {}
        generate(ruleset, program.functions, context, kinds=kinds)
        src = generate(ruleset, program.functions, outputs, given={e: kinds[e] for e in given if e in kinds},
                       export=export)
        return compile(src, "<certrules rule set>", "exec")
    mode = "shared\0" + ",".join(given) + "\0" + ",".join(export) + "\0" + ",".join(context)
    ns = namespace(program.functions, _extras())
    exec(reduced_code(program, outputs, mode, make), ns)
    return ns["run"]
