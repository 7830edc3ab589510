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
        self._check_event_fields(compiler)
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

    def _check_event_fields(self, compiler):
        """Events whose records are known not to hold a date `on` (or, when a transition fires on an
        event type, a `type`) would every one be ignored at evaluation: said at check instead."""
        from .feel.checker import CtxT, ListT
        t = getattr(self.events, "_type", None)
        fields = t.item.fields if isinstance(t, ListT) and isinstance(t.item, CtxT) else None
        if fields is None:
            return
        needed = ["on"] + (["type"] if any(tr.get("on") for tr in self.raw["transitions"]) else [])
        missing = [f for f in needed if f not in fields]
        if missing:
            have = ", ".join(sorted(fields)) or "none"
            date = "on" if "on" in fields else next((f for f, h in fields.items() if h == "date"), "DATE_FIELD")
            kind = "type" if "type" in fields else next((f for f, h in fields.items() if h == "string"), "TYPE_FIELD")
            compiler.problems.items.append(self.sf.locate(self.path + ("events",), (
                f"the events of '{self.id}' are records without {' and '.join(repr(f) for f in missing)} (their fields: "
                f"{have}), so every event would be ignored; an event is a record with its date in 'on' and its kind in "
                "'type': name them so in the case schema, or map them here, e.g. "
                f"events: \"for e in {self.raw['events']} return {{on: e.{date}, type: e.{kind}}}\"")))

    @staticmethod
    def hint_of(raw):
        return {"state": "string", "since": "date", "entered_by": None, "deadline": "date",
                "deadline_to": "string", "deadline_transition": "string", "history": "list", "ignored": "list"}
