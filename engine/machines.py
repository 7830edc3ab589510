"""State machines replayed over a case's dated events up to its as_of date.

A machine starts in its initial state on the `start` date. Transitions fire on an event type
(`on`), when the machine has stayed a duration in a state (`after`), or when a date has passed
(`at`); each may have a `guard`. Guards and durations see `event` (the triggering event, for `on`),
`entered_on` (the date the current state began), `entered_by` (the event or transition that entered it)
and `state`.

Timing convention: a timeout's deadline D is the last day spent in the state. Events dated on D
are processed first; if none moved the machine, the timeout fires and the new state begins on D + 1 day.
The value is a context: state, since, entered_by, deadline (the current state's next timeout, if any),
deadline_to, history and ignored events.
"""
from __future__ import annotations

from datetime import date, timedelta

from .elements import Element
from .jsonout import plain as to_plain

SCOPE_NAMES = ("event", "entered_on", "entered_by", "state")


class Transition:
    __slots__ = ("id", "clause", "sources", "to", "on", "after", "at", "guard", "order", "interpretation")


class StateMachine(Element):
    kind = "state_machine"

    def compile(self, compiler, scope):
        raw = self.raw
        inner = scope.extended(event={"on": "date", "type": "string"}, entered_on="date", entered_by=None, state="string")
        self.start = self._expr(compiler, "start", scope)
        self.events = self._expr(compiler, "events", scope)
        self.initial = raw["initial"]
        self.states = {s["id"]: s for s in raw["states"]}
        self.finals = {s["id"] for s in raw["states"] if s.get("final")}
        if self.initial not in self.states:
            compiler.problems.items.append(self.sf.locate(self.path + ("initial",), f"initial state '{self.initial}' is not among the states"))
        self.transitions = []
        for i, t in enumerate(raw["transitions"]):
            tp = self.path + ("transitions", i)
            tr = Transition()
            tr.id, tr.clause, tr.order = t["id"], str(t["clause"]), i
            tr.sources = [t["from"]] if isinstance(t["from"], str) else list(t["from"])
            tr.to = t["to"]
            tr.interpretation = t.get("interpretation")
            for s in tr.sources + [tr.to]:
                if s not in self.states:
                    compiler.problems.items.append(self.sf.locate(tp, f"transition '{tr.id}' names an unknown state '{s}'"))
            tr.on = set([t["on"]] if isinstance(t.get("on"), str) else t.get("on") or [])
            tr.after = self._expr(compiler, None, inner, value=t["after"], path=tp + ("after",)) if "after" in t else None
            tr.at = self._expr(compiler, None, inner, value=t["at"], path=tp + ("at",)) if "at" in t else None
            tr.guard = self._expr(compiler, None, inner, value=t["guard"], path=tp + ("guard",)) if "guard" in t else None
            self.transitions.append(tr)
        self.reads -= set(SCOPE_NAMES)

    @staticmethod
    def hint_of(raw):
        return {"state": "string", "since": "date", "entered_by": None, "deadline": "date",
                "deadline_to": "string", "deadline_transition": "string", "history": "list", "ignored": "list"}

    def _deadline(self, run, local, state):
        """The earliest timeout from `state`: (deadline date, transition) or (None, None)."""
        best = (None, None)
        for tr in self.transitions:
            if state not in tr.sources or (tr.after is None and tr.at is None):
                continue
            if tr.guard is not None and run.expr(self, tr.guard, local) is not True:
                continue
            if tr.after is not None:
                dur = run.expr(self, tr.after, local)
                when = run.add(self, local["entered_on"], dur)
            else:
                when = run.expr(self, tr.at, local)
            if isinstance(when, date) and (best[0] is None or when < best[0]):
                best = (when, tr)
        return best

    def evaluate(self, run):
        start = run.expr(self, self.start)
        if not isinstance(start, date):
            return None
        as_of = run.as_of
        events = run.expr(self, self.events) or []
        dated = []
        ignored = []
        for n, ev in enumerate(events if isinstance(events, list) else []):
            on = ev.get("on") if isinstance(ev, dict) else None
            if not isinstance(on, date):
                ignored.append({"event": to_plain(ev), "reason": "no date"})
            elif on > as_of:
                ignored.append({"event": to_plain(ev), "reason": "after as_of"})
            elif on < start:
                ignored.append({"event": to_plain(ev), "reason": "before the start"})
            else:
                dated.append((on, n, ev))
        dated.sort(key=lambda x: (x[0], x[1]))
        state = self.initial
        local = {"event": None, "entered_on": start, "entered_by": None, "state": state}
        history = [{"on": start, "from": None, "to": state, "transition": None, "event": None, "clause": self.clause}]
        queue = list(dated)
        while True:
            deadline, tr = (None, None) if state in self.finals else self._deadline(run, local, state)
            next_on = queue[0][0] if queue else None
            if deadline is not None and deadline < as_of and (next_on is None or deadline < next_on):
                since = deadline + timedelta(days=1)
                history.append({"on": since, "from": state, "to": tr.to, "transition": tr.id, "event": None, "clause": tr.clause})
                state = tr.to
                local = {"event": None, "entered_on": since, "entered_by": {"type": tr.id, "on": since}, "state": state}
                continue
            if not queue:
                break
            on, _, ev = queue.pop(0)
            moved = None
            if state not in self.finals:
                trial = dict(local, event=ev)
                for t in self.transitions:
                    if state in t.sources and ev.get("type") in t.on:
                        if t.guard is None or run.expr(self, t.guard, trial) is True:
                            moved = t
                            break
            if moved is None:
                ignored.append({"event": to_plain(ev), "reason": f"no transition from '{state}'"})
                continue
            history.append({"on": on, "from": state, "to": moved.to, "transition": moved.id,
                            "event": ev.get("type"), "clause": moved.clause})
            state = moved.to
            local = {"event": None, "entered_on": on, "entered_by": ev, "state": state}
        deadline, tr = (None, None) if state in self.finals else self._deadline(run, local, state)
        run.note(self, "history", [{k: to_plain(v) for k, v in h.items() if v is not None} for h in history])
        if ignored:
            run.note(self, "ignored_events", ignored)
        entered_by = local["entered_by"]
        return {
            "state": state,
            "since": local["entered_on"],
            "entered_by": entered_by.get("type") if isinstance(entered_by, dict) else None,
            "deadline": deadline,
            "deadline_to": tr.to if tr else None,
            "deadline_transition": tr.id if tr else None,
            "history": history,
            "ignored": ignored,
        }
