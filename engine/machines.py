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

from .elements import Element

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
