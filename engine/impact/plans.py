"""How a case's changed elements are computed under both revisions (compare.py asks, cone.py says what
can differ), worked out once per pair of revisions and per set of elements.

An element neither changed nor a finding partner has the same definition under both revisions and
reads the same, so its value is the same: one revision (`full`) computes it and hands its value to
the other (`part`), which computes only what is its own (evaluation.shared_run). Two ways:

  Plan    every element that can differ (the cone, or a set the gate chose) under both, the inputs
          they share computed once;
  Staged  an early cut-off, as build systems make: first the changed elements that differ whatever
          their inputs (the roots) and their readers, under both; then only the changed elements a
          difference in those reaches, everything else handed over. For A/1 -> A/2 most cases end
          after the first stage.

The findings compared are those the elements computed under both can make; whatever else a revision
computes is the same under both, and so are its findings.
"""
from __future__ import annotations

from .cone import finding_ids, same_value

_HELD = ("state_machine", "function")   # never handed over: a machine's value depends on what reads its
                                        # history, a function is a value of its own code


def _wanted(rs, ids) -> tuple:
    """The elements of `ids` one revision evaluates, as `Program.run` outputs. A parameter given as a
    literal makes no finding and is not compared: it is evaluated when an output reads it."""
    els = rs.elements
    return tuple(sorted(e for e in ids if e in els and not _literal(els[e])))


def _literal(el) -> bool:
    return el.kind == "parameter" and el.value_expr is None


def first_findings(findings) -> dict:
    """Finding id -> (clause, severity) of its first finding in the result document's order."""
    from ..evaluation import clause_key
    if len(findings) > 1:
        findings = sorted(findings, key=lambda f: (clause_key(str(f["clause"])), f["id"]))
    found = {}
    for f in findings:
        found.setdefault(f["id"], (f["clause"], f["severity"]))
    return found


def _found(findings, findable=None):
    """The first findings (only the ids of `findable` when given), or None when the evaluation
    reached its limits: the limits are the whole evaluation's, and what the cone left out spends too."""
    found = first_findings(findings)
    if any(fid.endswith(".limit_reached") for fid in found):
        return None
    return found if findable is None else {fid: v for fid, v in found.items() if fid in findable}


def _run(rs, env, wanted):
    if not wanted:
        return {}, {}
    values, findings, _ = rs.program.run(env, False, wanted)
    found = _found(findings)
    return None if found is None else (values, found)


def _field_names(rs) -> set:
    """What a prepared case holds besides elements: the case schema's fields and the rule set itself."""
    props = rs.case_schema.get("properties") if isinstance(rs.case_schema, dict) else None
    return set(props or ()) | {"ruleset", "as_of"}


def _plain_valued(rs, n) -> bool:
    """An element whose value can be handed to a run that does not compute it: not a state machine, a
    function or a literal, and not named as a case field is (the run reads it from the environment)."""
    el = rs.elements[n]
    return el.kind not in _HELD and not _literal(el) and n not in _field_names(rs)


def _givable(part, full, n) -> bool:
    """Whether `part` can be given the `full` revision's value of n (both define it, see _plain_valued)."""
    return n in full.elements and _plain_valued(part, n) and n not in _field_names(full)


def _handed(part, full, wanted, own, taken=()) -> set:
    """The elements the `part` revision is given when computing `wanted`: those it reaches that are not
    its `own` to compute and can be handed over (not a state machine, a function or a literal, not a
    name a case field has), and the elements of `taken` it reaches (its own values of an earlier stage)."""
    given, seen = set(), set(wanted)
    todo = list(wanted)
    while todo:
        for n in part.elements[todo.pop()].reads:
            if n in seen or n not in part.elements:
                continue
            seen.add(n)
            if n in taken or n not in own and _givable(part, full, n):
                given.add(n)
            else:
                todo.append(n)
    return given


def _findable(old, new, ids) -> frozenset:
    return frozenset(f for rs in (old, new) for e in ids if e in rs.elements for f in finding_ids(rs.elements[e]))


def _sides(old, new, full):
    return ((old, new)[full], (old, new)[1 - full])


class Plan:
    """Every element of `evaluate` (what can differ, finding partners included) under both revisions,
    and the outputs `compared`. Where it costs less, the `full` revision computes everything those need
    and hands the values of the inputs both define alike to the other, which computes only its part of
    `evaluate` from them."""

    def __init__(self, old, new, evaluate: frozenset, compared: list, share: bool = True):
        from ..evaluation import needed_order
        self.old, self.new, self.compared = old, new, compared
        self.wanted = (_wanted(old, evaluate), _wanted(new, evaluate))
        self.shared = None
        if not (share and all(self.wanted)):
            return
        best = len(needed_order(old, self.wanted[0])) + len(needed_order(new, self.wanted[1]))
        for full in (1, 0):         # the new revision computes the whole first, when that costs no more
            rs_full, rs_part = _sides(old, new, full)
            given = _handed(rs_part, rs_full, self.wanted[1 - full], evaluate)
            cost = (len(needed_order(rs_full, self.wanted[full] + tuple(sorted(given))))
                    + len(needed_order(rs_part, self.wanted[1 - full], given)) - len(given))
            if given and cost < best:
                best, self.shared = cost, (full, given)
        if self.shared is not None:
            from ..evaluation import shared_run
            full, given = self.shared
            rs_full, rs_part = _sides(old, new, full)
            self.full = shared_run(rs_full, self.wanted[full], export=given)
            self.part = shared_run(rs_part, self.wanted[1 - full], given=given, context=self.wanted[1 - full])
            self.findable = _findable(old, new, evaluate)

    def run(self, env_a, env_b):
        """((values, findings) under the old revision, the same under the new), or None when an
        evaluation reached its limits."""
        if self.shared is None:
            a = _run(self.old, env_a, self.wanted[0])
            b = _run(self.new, env_b, self.wanted[1])
            return None if a is None or b is None else (a, b)
        full = self.shared[0]
        env_full, env_part = (env_b, env_a) if full else (env_a, env_b)
        values, findings, given = self.full(env_full)     # `given` is never empty (see __init__)
        x = _found(findings, self.findable)
        if x is None:
            return None
        env_part.update(given)
        values_p, findings, _ = self.part(env_part)
        y = _found(findings, self.findable)
        if y is None:
            return None
        x, y = (values, x), (values_p, y)
        return (y, x) if full else (x, y)


class Staged:
    """The early cut-off (see the module's docstring). The first stage is the gate's (cone.Gate): the
    roots and the changed elements reading them, with what they need of the other changed elements,
    under both revisions, the full one computing the inputs both define alike and handing them over.
    Their values (FEEL values, type and representation included) decide which changed elements a
    difference reaches (Gate.differing); those, if any, are the second stage, given everything else:
    the part revision's own values of the first stage, and the full revision's of what no difference
    reaches (the same under both). Used only when every finding id has one maker, so that the findings
    compared are exactly those of the elements computed under both."""

    def __init__(self, old, new, cone, gate, outputs):
        from ..evaluation import needed_order, shared_run
        self.old, self.new, self.gate = old, new, gate
        self.cone = cone
        first = frozenset(gate.first)
        wanted = (_wanted(old, first), _wanted(new, first))
        best = None
        for full in (1, 0):
            rs_full, rs_part = _sides(old, new, full)
            given = _handed(rs_part, rs_full, wanted[1 - full], cone.evaluate)
            cost = (len(needed_order(rs_full, wanted[full] + tuple(sorted(given))))
                    + len(needed_order(rs_part, wanted[1 - full], given)) - len(given))
            if best is None or cost < best[0]:
                best = (cost, full, given)
        _, full, given = best
        self.full = full
        rs_full, rs_part = _sides(old, new, full)
        self.wanted_full, self.wanted_part = wanted[full], wanted[1 - full]
        # the part's own values of the first stage, kept for the second (and compared: `first`)
        part_order = needed_order(rs_part, self.wanted_part, given)
        self.own = tuple(sorted({e for e in part_order if e not in given and e in cone.changed
                                 and rs_part.elements[e].kind not in _HELD} | (first & set(rs_part.elements))))
        # the full revision hands over what it computed in the first stage that can be handed over
        full_order = needed_order(rs_full, self.wanted_full + tuple(sorted(given)))
        self.handed = tuple(sorted({e for e in full_order if e in rs_part.elements and _givable(rs_part, rs_full, e)}
                                   | (first & set(rs_full.elements))))
        self.run_full = shared_run(rs_full, self.wanted_full, export=self.handed)
        self.run_part = shared_run(rs_part, self.wanted_part, given=given, export=self.own, context=self.wanted_part)
        self.first = first
        # a first-stage element whose readers are all of the first stage stops nothing: only the others'
        # values are compared (Gate.differing, restricted to what can reach beyond the first stage)
        self.beyond = {name: frozenset(r for r in readers if r not in first) for name, readers in gate.readers.items()}
        self.frontier = tuple(sorted(e for e in first if self.beyond.get(e)))
        self.findable = _findable(old, new, first)
        self.outputs = outputs
        self.compared = [k for k in outputs if k in first]
        self._second: dict = {}

    @staticmethod
    def usable(old, new, cone) -> bool:
        """Whether every finding id the cone's elements can make has one maker (both revisions together)
        and both revisions have elements of the first stage to compute."""
        makers: dict = {}
        for rs in (old, new):
            for eid, el in rs.elements.items():
                for fid in finding_ids(el):
                    makers.setdefault(fid, set()).add(eid)
        return not cone.whole and all(len(makers[f]) == 1 for rs in (old, new) for e in cone.evaluate
                                      if e in rs.elements for f in finding_ids(rs.elements[e]))

    def run(self, env_a, env_b):
        """((values, findings) under the old revision, the same under the new, the outputs to compare),
        or None when an evaluation reached its limits."""
        env_full, env_part = (env_b, env_a) if self.full else (env_a, env_b)
        vf, ff, xf = self.run_full(env_full)
        if xf:
            env_part.update(xf)
        vp, fp, xp = self.run_part(env_part)
        xp = xp or {}
        reached = self._reached(xp, xf)
        if not reached:
            x, y = _found(ff, self.findable), _found(fp, self.findable)
            compared = self.compared
        else:
            second = self._second.get(reached)
            if second is None:
                second = self._second[reached] = _Second(self, reached, self.outputs)
            if xf:
                env_full.update(xf)
            vf2, ff2, xf2 = second.run_full(env_full)
            if xf2:
                env_part.update(xf2)
            env_part.update(xp)         # the part's own values of the first stage over the full one's
            vp2, fp2, _ = second.run_part(env_part)
            vf, vp = {**vf, **vf2}, {**vp, **vp2}
            x, y = _found(ff + ff2, second.findable), _found(fp + fp2, second.findable)
            compared = second.compared
        if x is None or y is None:
            return None
        x, y = (vf, x), (vp, y)
        return ((y, x) if self.full else (x, y)), compared


    def _reached(self, xp, xf) -> frozenset:
        """The changed elements beyond the first stage that a difference in its values reaches."""
        return self._beyond_of(e for e in self.frontier if not (e in xp and e in xf and same_value(xp[e], xf[e])))

    def _beyond_of(self, differing) -> frozenset:
        """The changed elements beyond the first stage that a difference in `differing` (of the
        frontier) reaches."""
        out: set = set()
        beyond = self.beyond
        todo = list(differing)
        while todo:
            for r in beyond.get(todo.pop(), ()):
                if r not in out:
                    out.add(r)
                    todo.append(r)
        return frozenset(out)

    AHEAD = 16      # the most second stages made ahead (2^frontier subsets are looked at, up to 2^6)

    def prepare(self) -> int:
        """Every second stage a case can need, made now (their code generated, or read from the disk
        cache: 15 of A/1 -> A/2's in 14 ms), when there are at most AHEAD: so that forked workers
        inherit them and none generates code of its own (a generation's peak memory, 20 MB over a
        worker's own, would be the worker's). Returns how many are ready; with more possible than
        AHEAD, each is still made when first needed."""
        from itertools import combinations
        if len(self.frontier) > 6:
            return len(self._second)
        sets = {self._beyond_of(sub) for k in range(1, len(self.frontier) + 1)
                for sub in combinations(self.frontier, k)} - {frozenset()}
        if len(sets) > self.AHEAD:
            return len(self._second)
        for reached in sorted(sets, key=sorted):
            if reached not in self._second:
                self._second[reached] = _Second(self, reached, self.outputs)
        return len(self._second)


class _Second:
    """The second stage for the changed elements `reached`: the full revision computes them given its
    first stage's values and hands over what the part needs besides its own first-stage values."""

    def __init__(self, st: Staged, reached: frozenset, outputs):
        from ..evaluation import shared_run
        rs_full, rs_part = _sides(st.old, st.new, st.full)
        wanted_full, wanted_part = _wanted(rs_full, reached), _wanted(rs_part, reached)
        own = {e for e in st.own if _plain_valued(rs_part, e)}
        given = _handed(rs_part, rs_full, wanted_part, reached, own)
        self.run_full = shared_run(rs_full, wanted_full, given=[e for e in st.handed if _plain_valued(rs_full, e)],
                                   export=given - own - set(st.handed), context=st.wanted_full + st.handed + wanted_full)
        self.run_part = shared_run(rs_part, wanted_part, given=given, context=st.wanted_part + wanted_part)
        done = st.first | reached
        self.findable = _findable(st.old, st.new, done)
        self.compared = [k for k in outputs if k in done]
