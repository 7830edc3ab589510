"""Evaluating a case against a rule set: every element in dependency order, with findings and a trace.

Where a finding is made: `Run.finding` (checks, elements.py) and `Run.function_notes` (notes a
registered function reports, e.g. a calendar fallback). Where a value is explained: `Run.trace`.
"""
from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal

from . import __version__
from .calendar import function_notes
from .case import prepare
from .errors import UsageError
from .expressions import value_at
from .feel import FEEL_CONTEXT, Budget, FeelLimitError, compile_expr, conform, size_within
from .feel.compiler import new_scope
from .jsonout import plain as to_plain

_ADD = None


def _add_expr():
    global _ADD
    if _ADD is None:
        _ADD = compile_expr("a + b", names={"a": None, "b": None})
    return _ADD


class Run:
    """The state of one evaluation: the environment of values, findings, and (optionally) the trace."""

    def __init__(self, ruleset, env: dict, tracing: bool):
        self.ruleset = ruleset
        self.env = env
        self.as_of = env.get("as_of")
        self.findings: list[dict] = []
        self.tracing = tracing
        self.trace: dict = {}
        self.diagnostics: list | None = [] if tracing else None
        # One budget for the whole evaluation: every expression of every element spends from it.
        self.budget = Budget()
        self.limit_reported = False

    def expr(self, el, ce, local=None):
        if ce is None:
            return None
        if local:   # a Scope: a dict of the locals that falls back to env (cheaper than a ChainMap)
            return ce.evaluate(new_scope(self.env, local), self.diagnostics, self.budget)
        return ce.evaluate(self.env, self.diagnostics, self.budget)

    def typed(self, el, value, declared):
        """An element's value checked against its declared type (DMN 1.5, 10.3.2.9.4): a value of
        another type becomes null, with a diagnostic saying why."""
        if declared is None or value is None:
            return value
        try:
            return conform(value, declared, self.budget)
        except TypeError as exc:
            self.diagnostic(el, f"the value is not of the declared type ({exc}), so it is null")
            return None
        except FeelLimitError as exc:
            self.diagnostic(el, exc.message)
            return None

    def add(self, el, a, b):
        return self.expr(el, _add_expr(), {"a": a, "b": b})

    def note(self, el, key, value):
        if self.tracing:
            self.trace.setdefault(el.id, {})[key] = to_plain(value)

    def diagnostic(self, el, message: str):
        if self.diagnostics is not None:
            self.diagnostics.append(message)

    def finding(self, el, message: dict, values: dict, fid: str | None = None, severity: str | None = None):
        f = {"id": fid or el.id, "clause": el.clause, "severity": severity or getattr(el, "severity", "note"),
             "message": message}
        if values:
            f["values"] = values
        if getattr(el, "tags", None):
            f["tags"] = list(el.tags)
        if el.interpretation:
            f["interpretation"] = el.interpretation
        self.findings.append(f)


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


def run_elements(ruleset, env: dict, tracing: bool = True, order=None) -> Run:
    """Evaluate the elements of `order` (default: all of them, in dependency order) into env."""
    run = Run(ruleset, env, tracing)
    notes: list = []
    token = function_notes.set(notes)
    try:
        with decimal.localcontext(FEEL_CONTEXT):
            elements = ruleset.elements
            seen: dict = {}   # trace: a dotted path's shown value (fixed once read: case fields never change,
                              # an element's value is set before anything reads it)
            budget = run.budget
            for eid in (ruleset.order if order is None else order):
                el = elements[eid]
                if run.diagnostics:
                    run.diagnostics.clear()
                value = el.evaluate(run)
                if value.__class__ is list or value.__class__ is dict:
                    # a value is as big as its items, shared ones counted each time they occur
                    try:
                        size_within(value, budget)
                    except FeelLimitError as exc:
                        run.diagnostic(el, exc.message)
                        value = None
                if budget.reached is not None and not run.limit_reported:
                    run.limit_reported = True
                    run.finding(el, {"zh": f"本次评估已达资源上限（{budget.reached}），其后的值为空",
                                     "en": f"The evaluation reached its limit ({budget.reached}); values "
                                           f"from here on that needed more are null"},
                                {}, fid=f"{eid}.limit_reached", severity="error")
                env[eid] = value
                if notes:
                    for n, msg in enumerate(notes):
                        run.finding(el, msg, {}, fid=f"{eid}.function_note", severity="note")
                    notes.clear()
                if tracing:
                    entry = el.info()
                    entry["value"] = _plain(value)
                    entry["inputs"] = _inputs(el, env, elements, seen)
                    entry.update(run.trace.get(eid, {}))
                    if run.diagnostics:
                        entry["diagnostics"] = list(run.diagnostics)
                    run.trace[eid] = entry
    finally:
        function_notes.reset(token)
    return run


def _inputs(el, env, elements, seen=None) -> dict:
    """What the element read: element values by id, case fields by their dotted path."""
    out = {}
    for dotted in sorted(el.paths):
        root = dotted.split(".", 1)[0]
        if root not in el.reads:
            continue  # a name local to the element (a let, a machine's event)
        if seen is not None and dotted in seen:
            out[dotted] = seen[dotted]
            continue
        value = value_at(env, dotted)
        if root not in elements and "." not in dotted and isinstance(value, (dict, list)) and len(str(value)) > 200:
            value = f"({len(value)} items)" if isinstance(value, list) else "(a group of fields)"
        out[dotted] = _plain(value)
        if seen is not None:
            seen[dotted] = out[dotted]
    return out


_PLAIN_AS_IS = frozenset({str, Decimal, bool, int, type(None)})


def _plain(value):
    """jsonout.plain, with the common cases (exact str, Decimal, bool, int, None, date, list, dict) inline."""
    cls = value.__class__
    if cls in _PLAIN_AS_IS:
        return value
    if cls is date:
        return value.isoformat()
    if cls is list or cls is tuple:
        return [_plain(v) for v in value]
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()}
    return to_plain(value)


def evaluate(ruleset, case: dict, *, trace: bool = True, label: str = "the case", selection: dict | None = None,
             outputs=None) -> dict:
    """Evaluate one case (a dict as read from YAML/JSON) and return the result document.

    `outputs` (element ids) limits the evaluation to those elements and what they read, transitively:
    `values` then holds exactly the outputs asked for, `findings` only what the checks among the
    evaluated elements found, and the trace only the evaluated elements. An unknown id is a UsageError.
    """
    if isinstance(outputs, str):
        outputs = (outputs,)
    order = None if outputs is None else needed_order(ruleset, outputs)
    env = prepare(ruleset, case, label)
    run = run_elements(ruleset, env, tracing=trace, order=order)
    values = {}
    elements = ruleset.elements
    wanted = None if outputs is None else frozenset(outputs)
    for eid in (elements if wanted is None else [o for o in elements if o in wanted]):
        el = elements[eid]
        kind = el.kind
        if outputs is None and (kind == "parameter" or kind == "check" or kind == "function"):
            continue
        value = run.env[eid]
        if kind == "state_machine" and isinstance(value, dict):   # history is for the trace only
            value = {k: v for k, v in value.items() if k not in ("history", "ignored")}
        values[eid] = _plain(value)
    findings = sorted(run.findings, key=lambda f: (clause_key(f["clause"]), f["id"])) if len(run.findings) > 1 \
        else run.findings
    as_of = env.get("as_of")
    result = {
        "ruleset": ruleset.identity(),
        "selection": selection or {"revision": ruleset.revision, "reason": "given"},
        "engine": {"name": "certrules", "version": __version__},
        "as_of": as_of.isoformat() if isinstance(as_of, date) else as_of,
        "values": values,
        "findings": findings,
    }
    if trace:
        result["trace"] = run.trace
    return result
