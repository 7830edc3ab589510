"""Emit elements: each kind of element (parameter, rule, check, table, decision table, state machine)
as statements of a rule set's fused function, in dependency order, each element's value in a local.

Two variants are emitted from the same code: without the trace (no diagnostics, nothing recorded:
what the trace would show costs nothing) and with it (each element's diagnostics, notes, inputs and
value in a trace entry). The semantics are those documented with each kind (elements.py, tables.py,
decisions.py, machines.py): this module is where they run.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from ..elements import PLACEHOLDER as _PLACEHOLDER
from ..i18n import messages
from ..feel import nodes as N
from ..feel.temporal import DateTime, Time
from ..feel.values import DaysDuration, Function, Range, YearsMonthsDuration
from . import kinds as K
from .expr import Emitter, StaticFrame, Val, VarsFrame
from .kinds import NoneType
from .writer import Literals, Writer, text

_SIMPLE_PLAIN = (Decimal, str, bool, NoneType)
_SCALAR_PLAIN = frozenset(_SIMPLE_PLAIN + (_dt.date, list))    # with a date, an empty list: _plain_of's test
_TEXT_PLAIN = (_dt.date, YearsMonthsDuration, DaysDuration, Range, Time, DateTime)   # shown as their text
MACHINE_SCOPE = ("event", "entered_on", "entered_by", "state")
_MACHINE_FIELDS = {"state", "since", "entered_by", "deadline", "deadline_to", "deadline_transition"}


def plain_src(v: Val, general: str = "_plain") -> str:
    """Source for the value as the result document shows it (jsonout's plain form), made by its kind:
    a number or text as it is, a list of such a copy, a context of known entries built directly;
    `general` (the runtime's conversion) for what the kind does not tell."""
    k = v.kind
    if k.is_const and k.const.__class__ in _TEXT_PLAIN:
        from ..jsonout import plain
        shown = plain(k.const)
        if shown.__class__ is str:
            return text(shown)       # a constant date, duration or range: its text, made once here
    return _plain_of(v.src, k, general, 0)


def _plain_of(src: str, kind: K.Kind, general: str, depth: int) -> str:
    if kind.only(*_SIMPLE_PLAIN):
        return src
    if kind.only(_dt.date):
        return f"{src}.isoformat()"
    if kind.only(_dt.date, NoneType):
        return f"({src}.isoformat() if {src} is not None else None)"
    cs = kind.classes
    if cs is not None and cs <= _SCALAR_PLAIN and (list not in cs or kind.item is not None and kind.item.classes == frozenset()):
        # shown as they are, a date as its text, an empty list (what indexing one gives) as a new one
        return (f"({src}.isoformat() if {src}.__class__ is _date else " if _dt.date in cs else "(") \
            + (f"[] if {src}.__class__ is list else " if list in cs else "") + f"{src})"
    nullable = kind.may(NoneType)
    if depth < 4 and (kind.only(list) or kind.only(list, NoneType)) and kind.item is not None:
        if kind.item.only(*_SIMPLE_PLAIN):
            inner = f"{src}[:]"
        else:
            x = f"x{depth}"
            item = _plain_of(x, kind.item, general, depth + 1)
            if item == f"{general}({x})":
                return f"{general}({src})"
            inner = f"[{item} for {x} in {src}]"
        return f"({inner} if {src} is not None else None)" if nullable else inner
    if depth < 4 and (kind.only(dict) or kind.only(dict, NoneType)) and kind.closed and kind.fields is not None:
        if all(f.only(*_SIMPLE_PLAIN) for f in kind.fields.values()):
            inner = f"{src}.copy()"
        elif kind.complete:
            inner = "{" + ", ".join(f"{text(k)}: {_plain_of(f'{src}[{text(k)}]', f, general, depth + 1)}"
                                    for k, f in kind.fields.items()) + "}"
        else:
            return f"{general}({src})"
        return f"({inner} if {src} is not None else None)" if nullable else inner
    return f"{general}({src})"


def size_src(src: str, kind: K.Kind, depth: int = 0) -> str | None:
    """Source of the number of items budget.size_within counts in the value (each list item and context
    entry, nested ones included; 0 for null or a value without lists or contexts), made by its kind;
    None when the kind does not tell the shape. A digit string when the number is known."""
    if not (kind.may(list) or kind.may(dict)):
        return "0"
    if kind.is_const:
        from ..feel.budget import Budget, size_within
        b = Budget()
        size_within(kind.const, b)
        return str(Budget().items - b.items)
    if depth >= 3 or kind.classes is None:
        return None
    nullable = kind.may(NoneType)
    if kind.only(list, NoneType) and kind.item is not None:
        y = f"i_{depth}"     # never a name of Names (letters and a counter)
        inner = size_src(y, kind.item, depth + 1)
        if inner is None:
            return None
        if inner == "0":
            count = f"len({src})"
        elif inner.isdigit():
            count = f"len({src}) * {int(inner) + 1}"
        elif inner == f"len({y})":
            count = f"len({src}) + sum(map(len, {src}))"
        else:
            count = f"len({src}) + sum([{inner} for {y} in {src}])"
    elif kind.only(dict, NoneType) and kind.closed and kind.fields is not None:
        fixed = len(kind.fields) if kind.complete else 0
        parts = [] if kind.complete else [f"len({src})"]
        for name, fk in kind.fields.items():
            fsrc = f"{src}[{text(name)}]" if kind.complete else f"{src}.get({text(name)})"
            sub = size_src(fsrc, fk if kind.complete else fk.with_null(), depth + 1)
            if sub is None:
                return None
            if sub.isdigit():
                fixed += int(sub)
            else:
                parts.append(sub)
        if not parts:
            count = str(fixed)
        else:
            count = " + ".join(parts + ([str(fixed)] if fixed else []))
    else:
        return None
    return f"({count} if {src} is not None else 0)" if nullable else count


_DASH = text("\u2014")     # what a message shows for null


def display_src(v: Val, sep: str) -> str:
    """Source for the text of a value in a message (elements.display, a list's items joined by sep),
    made by its kind."""
    k, x = v.kind, v.src
    if k.only(str):
        return x
    if k.only(str, NoneType):
        return f"({x} if {x} is not None else {_DASH})"
    if k.only(Decimal):
        return f"str({x})"
    if k.only(Decimal, NoneType):
        return f"(str({x}) if {x} is not None else {_DASH})"
    if k.only(_dt.date):
        return f"{x}.isoformat()"
    if k.only(_dt.date, NoneType):
        return f"({x}.isoformat() if {x} is not None else {_DASH})"
    if k.only(bool):
        return f"('true' if {x} else 'false')"
    return f"_display({x}, {text(sep)})"


# the declared types whose values runtime.typed gives back as they are when of the class (its _OF_TYPE)
_TYPE_CLASS_SRC = {"number": "_D", "string": "str", "boolean": "bool", "date": "_date", "list": "list",
                   "context": "dict"}


class ElementEmitter:
    """Writes the elements of `order` into `w`, binding each one's value for those after it."""

    def __init__(self, w: Writer, lits: Literals, ruleset, functions, builtins, traced: bool,
                 case_kinds: dict, trimmed_machines=frozenset()):
        self.w = w
        self.lits = lits
        self.rs = ruleset
        self.traced = traced
        # with the trace, each evaluation says what failed where: nothing is reused
        self.em = Emitter(w, lits, "", functions, diag="on" if traced else "off", memo=not traced,
                          builtins=builtins)
        self.em.in_context = True         # the run function sets the FEEL context (program.py)
        self.case_vars: dict[str, str] = {}       # case field -> local
        bound = {}
        for name, kind in case_kinds.items():
            var = w.tmp("c")
            self.case_vars[name] = var
            bound[name] = Val(var, kind.with_null())
        self.frame = StaticFrame(bound)
        self.values: dict[str, Val] = {}          # element id -> its value
        self.registered = False                   # the element being written calls a registered function
        self.any_registered = False
        self.trimmed = trimmed_machines           # machines whose history nobody reads (trace off)
        self.paths: dict[str, str] = {}           # traced: dotted path -> local holding its shown value
        self.machine_extra: dict = {}             # machine -> (history, ignored, trimmed): the locals
                                                  # holding its history (a count when trimmed) and ignored events

    # -- expressions

    def expr(self, ce, frame=None, target: str | None = None) -> Val:
        """Emit one expression of the rule set at the current place; its value in a local (or literal)."""
        em, w = self.em, self.w
        em.text = ce.text
        em.registered_calls = False
        sub = w.block()
        with em.into(sub):
            v = em.emit(ce.ast, frame or self.frame)
            if target is not None or not v.simple:
                out = target or w.tmp()
                sub.line(f"{out} = {v.src}")
                v = Val(out, v.kind, True, v.true_facts, v.false_facts)
            level = em.memo[-1] if em.memo is not None else None
        self.registered |= em.registered_calls
        w.lines.extend(line[4:] for line in sub.lines)
        if level and em.memo is not None:
            em.memo[-1].update(level)        # what it computed can be reused after it
        return v

    def when(self, el) -> str | None:
        """The test of the element's `when`, or None when it has none; only true applies. What it
        proves when true (a field not null) holds in the element's code after it (see `applied`)."""
        self.when_facts = ()
        if el.when is None:
            return None
        v = self.expr(el.when)
        if v.kind.is_const:
            return "True" if v.kind.const is True else "False"
        self.when_facts = v.true_facts
        return v.src if v.kind.only(bool) else f"{v.src} is True"

    def applied(self, emit):
        """Emit what runs when the element's `when` holds."""
        with self.em.facts(self.when_facts):
            return emit()

    # -- the trace

    def note(self, notes: dict, key: str, value_src: str) -> None:
        """A note for the element's trace entry (`when`, `rows`, ...): written when tracing only."""
        notes[key] = value_src

    def entry_template(self, el) -> str:
        """The module-level template of the element's trace entry: every key it starts with, `value` and
        `inputs` last (placeholders), as {**info, 'value': .., 'inputs': ..} orders them. A dense dict's
        copy is one clone of its table, where unpacking builds the entry key by key and grows it twice."""
        return self.lits.shared({**el.info(), "value": None, "inputs": None})

    def entry(self, el, value: Val, notes_var: str | None) -> None:
        """The element's trace entry: what it is, its value, what it read, its notes and diagnostics.
        `notes_var` "E": the entry was made when the element began and its notes written into it (after
        `inputs`, as an update would put them); another local: a dict of notes, added after `inputs`."""
        w = self.w
        shown = w.tmp("p")
        w.line(f"{shown} = {plain_src(value)}")
        self.paths[el.id] = shown         # what later entries show for it among their inputs
        inputs = self.inputs(el)
        if notes_var != "E":
            w.line(f"T[{text(el.id)}] = E = {self.entry_template(el)}.copy()")
        w.line(f"E['value'] = {shown}")
        w.line(f"E['inputs'] = {inputs}")
        if notes_var is not None and notes_var != "E":
            w.line(f"E.update({notes_var})")
        w.line("if D:")
        w.line("    E['diagnostics'] = D")

    def inputs(self, el) -> str:
        entries = []
        elements = self.rs.elements
        for dotted in sorted(el.paths):
            root = dotted.split(".", 1)[0]
            if root not in el.reads:
                continue        # a name local to the element (a let, a machine's event)
            var = self.paths.get(dotted)
            if var is None:
                base = self.values.get(root) or self.frame.static(root)
                parts = dotted.split(".")[1:]
                if base is None:
                    src = "None"
                elif parts and (inline := self._shown_inline(base, parts)) is not None:
                    src = inline
                else:
                    summarize = root not in elements and "." not in dotted
                    src = f"_shown({base.src}, {self.lits.of(parts)}, {summarize})"
                var = self.paths[dotted] = self.w.tmp("p")
                self.w.line(f"{var} = {src}")
            entries.append(f"{text(dotted)}: {var}")
        return "{" + ", ".join(entries) + "}"

    def _shown_inline(self, base: Val, parts) -> str | None:
        """What the trace shows for base.a.b when the kinds say contexts all the way (as `_shown` would)."""
        v = base
        for part in parts:
            if not (v.kind.only(dict, NoneType) and v.kind.may(dict)):
                return None
            t = self.w.tmp("q")
            self.w.line(f"{t} = {v.src}.get({text(part)}) if {v.src} is not None else None")
            v = Val(t, v.kind.field(part))
        return plain_src(v)

    # -- elements

    def element(self, el) -> None:
        w = self.w
        self.count = getattr(self, "count", 0) + 1
        w.line(f"# element {self.count}")      # its place in the order (never its id: no rule text here)
        notes = {}
        if self.traced:
            w.line("D = []")
            if el.kind != "decision_table":
                # the entry made now, the element's notes written into it as they are made; a decision
                # table's `inputs` note replaces the entry's inputs, so its notes are a dict added after
                w.line(f"T[{text(el.id)}] = E = {self.entry_template(el)}.copy()")
                notes["__var__"] = "E"
        mark = len(w.lines)
        self.registered = False
        body = Writer(w.names)
        body.level = w.level + 1
        self.w = self.em.w = body                 # written aside: wrapped below if it calls a registered function
        try:
            value = self._element(el, notes)
            value = self.sized(el, value)
            if any("BG" in line for line in body.lines):
                self.limit_finding(el)      # only what spends from the budget can reach its limit
        finally:
            self.w = self.em.w = w
        if self.registered:
            # notes a registered function makes (a calendar fallback) become the element's findings
            self.any_registered = True
            w.line("tk = _notes_var.set(FN)")
            w.line("try:")
            w.extend(body)
            w.line("finally:")
            w.line("    _notes_var.reset(tk)")
            w.line("if FN:")
            w.line(f"    _function_findings(F, FN, {text(el.id)}, {text(el.clause)}, "
                   f"{self.lits.of(list(getattr(el, 'tags', None) or []))}, {self.lits.shared(el.interpretation)})")
        else:
            w.lines.extend(line[4:] for line in body.lines)
        self.values[el.id] = value
        self.frame.bound[el.id] = value
        if self.traced:
            nv = notes.pop("__var__", None)
            if nv is not None and nv != "E" and not any(nv in line for line in w.lines[mark:] if not line.strip().startswith(f"{nv} = {{}}")):
                w.lines = [line for i, line in enumerate(w.lines) if i < mark or line.strip() != f"{nv} = {{}}"]
                nv = None       # the element noted nothing: no notes to add to its entry
            self.entry(el, value, nv)

    def _element(self, el, notes) -> Val:
        target = self.w.tmp("e")
        kind = el.kind
        if kind == "parameter":
            return self.parameter(el, target)
        if kind == "rule":
            v = self.rule(el, target, notes)
            return v if el.declared is None else self.typed(el, v, target)
        if kind == "check":
            return self.check(el, target, notes)
        if kind == "table":
            return self.table(el, target, notes)
        if kind == "decision_table":
            return self.decision_table(el, target, notes)
        if kind == "state_machine":
            return self.machine(el, target, notes)
        if kind == "function":
            return self.function(el, target)
        raise ValueError(f"unknown element kind {kind}")

    def sized(self, el, value: Val) -> Val:
        """An element's list or context value is as big as its items, nested ones and shared ones counted
        each time (budget.size_within): spent from the evaluation's budget, null past it. When the kind
        tells the shape (a constant, lists and closed contexts down to values that hold no lists or
        contexts), the count is computed inline; otherwise size_within walks the value."""
        w = self.w
        k = value.kind
        if not (k.may(list) or k.may(dict)):
            return value
        x = self.em.var(value)
        extra = self.machine_extra.pop(el.id, None)
        nullable = k.may(NoneType) and not k.is_const
        if extra is not None:
            # a state machine's value: six entries that hold no list or context (its state and
            # transitions are the rule file's names, its dates dates, entered_by an event type that fired
            # a transition: hashable, so neither), its history (an item and six such entries each, or
            # a count when trimmed, with the two entries it would have) and its ignored events
            hist, ignored, trimmed = extra
            count = hist if trimmed else f"len({hist})"
            n_src = f"(6 + _machine_extra({count}, {ignored}) if {ignored} else 8 + 7 * {count})"
        else:
            n_src = size_src(x, k.without_null() if nullable else k)
        if n_src is not None:
            if n_src == "0":
                return Val(x, k.with_null())
            if nullable:
                w.line(f"if {x} is not None:")
                w.indent()
            # the count, spent at once (past the budget, spend raises saying which limit, as size_within)
            simple = n_src.isdigit() or n_src == f"len({x})"
            if not simple:
                n = w.tmp("sz")
                w.line(f"{n} = {n_src}")
                n_src = n
            w.line(f"if BG.items >= {n_src}:")
            w.line(f"    BG.items -= {n_src}")
            w.line("else:")
            w.indent()
            self._over(x, n_src)
            w.outdent()
            if nullable:
                w.outdent()
        else:
            w.line(f"if {x}.__class__ is list or {x}.__class__ is dict:")
            w.indent()
            self._over(x, None)
            w.outdent()
        return Val(x, k.with_null())

    def _over(self, x, n_src):
        w = self.w
        w.line("try:")
        if n_src is not None:
            w.line(f"    BG.spend({n_src})")
        else:
            w.line(f"    _size_within({x}, BG)")
        w.line("except FeelLimitError as e:")
        w.line(f"    {x} = None")
        if self.traced:
            w.line("    D.append(e.message)")

    def limit_finding(self, el) -> None:
        """The first element after which the evaluation's budget is spent says so in a finding."""
        parts = [f"'id': {text(el.id + '.limit_reached')}", f"'clause': {text(el.clause)}", "'severity': 'error'",
                 "'message': _limit_message(BG.reached)"]
        if getattr(el, "tags", None):
            parts.append(f"'tags': {self.lits.of(list(el.tags))}")
        if el.interpretation:
            parts.append(f"'interpretation': {self.lits.shared(el.interpretation)}")
        w = self.w
        w.line("if BG.reached is not None and not LR:")
        w.line("    LR = True")
        w.line("    F.append({" + ", ".join(parts) + "})")

    _CLASSES = {"number": (Decimal,), "string": (str,), "boolean": (bool,), "date": (_dt.date,), "time": (Time,),
                "date and time": (DateTime,), "list": (list,), "context": (dict,), "range": (Range,)}

    def typed(self, el, value: Val, target: str) -> Val:
        """A rule's value as its declared `type` (DMN 1.5, 10.3.2.9.4): converted, or null with a
        diagnostic (engine/feel/types.py conform)."""
        t = el.declared
        classes = self._CLASSES.get(t.name) if not (t.params or t.fields or t.result) else None
        if t.name == "Any" and not t.params:
            return value
        if classes is not None and value.kind.only(*classes, NoneType):
            return value                # of the type already: conform gives it back as it is
        ref = text(t.name) if classes is not None else self.em.type_ref(t)     # a simple type by its name
        call = f"_typed({{}}, {ref}, BG, {'D' if self.traced else 'None'})"
        cls = _TYPE_CLASS_SRC.get(t.name) if classes is not None else None
        if cls is None:
            self.w.line(f"{target} = {call.format(value.src)}")
        else:
            # runtime.typed's own first test, here: null or of the class already is itself, without a call
            if value.src != target:
                self.w.line(f"{target} = {value.src}")
            self.w.line(f"if {target} is not None and {target}.__class__ is not {cls}:")
            self.w.line(f"    {target} = {call.format(target)}")
        if classes is not None:
            return Val(target, K.of(*classes, NoneType))
        return Val(target, K.ANY)

    def function(self, el, target) -> Val:
        """A rule set's named function: a function value over the elements and case fields it reads."""
        if el.body is None:
            return Val("None", K.NULL)
        em = self.em
        em.text = el.body.text
        v = em.function_value([n for n, _ in el.params], el.types, el.body.ast, self.frame, el.declared, el.id)
        self.w.line(f"{target} = {v.src}")
        return Val(target, K.of(Function))

    def _notes(self, notes: dict) -> str:
        """The local holding this element's notes (traced only): a dict filled as the element runs."""
        var = notes.get("__var__")
        if var is None:
            var = notes["__var__"] = self.w.tmp("nt")
        return var

    def _init_notes(self, notes):
        if self.traced:
            var = self._notes(notes)
            if var != "E":      # not the entry itself (made when the element began)
                self.w.line(f"{var} = {{}}")
            return var
        return None

    def parameter(self, el, target):
        if el.value_expr is not None:
            v = self.expr(el.value_expr)
            if v.kind.is_const:
                return v
            self.w.line(f"{target} = {v.src}")
            return Val(target, v.kind)
        src = self.lits.shared(el.value)
        if src is None:
            raise ValueError(f"parameter {el.id}: no literal for its value")
        return Val(src, K.const(el.value))

    def rule(self, el, target, notes):
        w = self.w
        nv = self._init_notes(notes)
        test = self.when(el)
        if test is None:
            v = self.expr(el.expr)
            if v.kind.is_const:
                return v
            w.line(f"{target} = {v.src}")
            return Val(target, v.kind)
        if test == "False":
            self._when_false(nv)
            w.line(f"{target} = None")
            return Val(target, K.NULL)
        w.line(f"if {test}:")
        sub = w.block()
        kind = self._in_branch(sub, lambda: self.applied(lambda: self._set(target, self.expr(el.expr))))
        w.extend(sub)
        w.line("else:")
        w.line(f"    {target} = None")
        if nv:
            w.line(f"    {nv}['when'] = False")
        return Val(target, kind.with_null())

    def _set(self, target: str, v: Val) -> K.Kind:
        self.w.line(f"{target} = {v.src}")
        return v.kind

    def _in_branch(self, sub: Writer, emit):
        saved = self.w
        self.w = sub
        self.em.w = sub
        if self.em.memo is not None:
            self.em.memo.append({})
        try:
            return emit()
        finally:
            self.w = saved
            self.em.w = saved
            if self.em.memo is not None:
                self.em.memo.pop()

    def _when_then(self, el, target, nv, body) -> None:
        """The element's code under its `when` (null, and the note, when it does not hold)."""
        w = self.w
        test = self.when(el)
        if test is None:
            body()
            return
        w.line(f"if not ({test}):")
        w.line(f"    {target} = None")
        if nv:
            w.line(f"    {nv}['when'] = False")
        w.line("else:")
        sub = w.block()
        self._in_branch(sub, lambda: self.applied(body))
        w.extend(sub)

    def _when_false(self, nv):
        if nv:
            self.w.line(f"{nv}['when'] = False")

    # -- checks

    def check(self, el, target, notes):
        nv = self._init_notes(notes)
        self._when_then(el, target, nv, lambda: self._check_body(el, target, nv))
        return Val(target, K.BOOL_OR_NULL)

    def _check_body(self, el, target, nv):
        w = self.w
        frame = VarsFrame(self.frame)
        lets = []
        for name, ce in el.lets.items():
            v = self.expr(ce, frame) if ce is not None else Val("None", K.NULL)
            var = self.em.var(v)
            frame.bound[name] = Val(var, v.kind)
            lets.append((name, Val(var, v.kind)))
        ok = self.expr(el.assertion, frame) if el.assertion is not None else Val("None", K.NULL)
        k = ok.kind
        if k.is_const and (k.const is True or k.const is None):
            # a constant assertion: its outcome written once, no test
            w.line(f"{target} = {k.const}")
            if k.const is None and nv:
                w.line(f"{nv}['undecided'] = True")
            return
        if k.is_const:      # false, or a constant of another kind: not true, not null
            w.line(f"{target} = False")
            self.finding(el, lets)
            return
        if k.only(bool):
            w.line(f"if {ok.src}:")     # never null: true or false
            w.line(f"    {target} = True")
        else:
            w.line(f"if {ok.src} is True:")
            w.line(f"    {target} = True")
            w.line(f"elif {ok.src} is None:")
            w.line(f"    {target} = None")
            if nv:
                w.line(f"    {nv}['undecided'] = True")
        w.line("else:")
        w.line(f"    {target} = False")
        w.indent()
        self.finding(el, lets)
        w.outdent()

    def finding(self, el, lets):
        """The check's finding: its message filled with the lets and the values around."""
        places = el.places_of(self.rs.elements)
        message = {lang: self.fill(msg, dict(lets), messages(lang)["list_separator"], places)
                   for lang, msg in el.message.items()}
        parts = [f"'id': {text(el.id)}", f"'clause': {text(el.clause)}",
                 f"'severity': {text(getattr(el, 'severity', 'note'))}",
                 "'message': {" + ", ".join(f"{text(k)}: {v}" for k, v in message.items()) + "}"]
        if lets:
            parts.append("'values': {" + ", ".join(f"{text(n)}: {plain_src(v, '_to_plain')}" for n, v in lets) + "}")
        if getattr(el, "tags", None):
            parts.append(f"'tags': {self.lits.of(list(el.tags))}")
        if el.interpretation:
            parts.append(f"'interpretation': {self.lits.shared(el.interpretation)}")
        self.w.line("F.append({" + ", ".join(parts) + "})")

    def fill(self, template: str, lets: dict, sep: str, places: dict | None = None) -> str:
        """Source of the message with each {name} replaced by the text of the value it names."""
        pieces = []
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            name = m.group(1)
            v = lets.get(name) or self.values.get(name) or self.frame.static(name)
            if v is None:
                if self.rs_extra_fields:
                    pieces.append(text(template[pos:m.start()]))
                    pieces.append(f"_display_env(env, {text(name)}, {text(m.group(0))}, {text(sep)})")
                    pos = m.end()
                continue      # nothing by that name: the placeholder stays as written
            pieces.append(text(template[pos:m.start()]))
            if places and name in places:      # a number to the element's `display: {places}`
                pieces.append(f"_display({v.src}, {text(sep)}, {int(places[name])})")
            else:
                pieces.append(display_src(v, sep))
            pos = m.end()
        pieces.append(text(template[pos:]))
        pieces = [p for p in pieces if p != "''"]
        return " + ".join(pieces) if pieces else "''"

    rs_extra_fields = False      # the case may have top-level fields besides the schema's

    # -- tables

    def table(self, el, target, notes):
        nv = self._init_notes(notes)
        self._when_then(el, target, nv, lambda: self._table_body(el, target, nv))
        fields = {}
        for row in el.rows:
            exprs = getattr(row, "exprs", None) or {}
            for c, v in row.values.items():
                kind = K.ANY if c in exprs else K.const(v)
                fields[c] = K.union(fields[c], kind) if c in fields else kind
        return Val(target, K.of(dict, NoneType, fields=fields, closed=True))

    def _table_body(self, el, target, nv):
        w = self.w
        key = self.expr(el.key)
        k = self.em.var(key)
        w.line(f"if {k} is None:")
        w.line(f"    {target} = None")
        w.line("else:")
        w.indent()
        w.line(f"{target} = None")
        self._table_level = w.level
        if el._exact is not None:
            # the rows' keys as the rule file gives them, the last of equal keys winning
            index = self.lits.index({r.test: r.number for r in el.rows})
            number = w.tmp("rn")
            w.line(f"{number} = {index}.get({k})")
            for n, row in enumerate(el.rows):
                w.line(f"{'if' if n == 0 else 'elif'} {number} == {row.number}:")
                w.indent()
                self._row_value(el, row, target, nv)
                w.outdent()
        else:
            key = Val(k, key.kind.without_null())          # tested not null just above
            first = True
            for n, row in enumerate(el.rows):
                if row.test is None:
                    continue
                frame = VarsFrame(self.frame, {"?": key})
                sub = Writer(w.names)
                sub.level = w.level
                cond = self._in_branch(sub, lambda row=row, frame=frame: self._unary(row.test, frame))
                if not sub.lines:
                    w.line(f"{'if' if first else 'elif'} {cond}:")
                else:
                    # the test needs statements: it runs only when no row before matched
                    if not first:
                        w.line("else:")
                        w.indent()
                    w.lines.extend(sub.lines)
                    w.line(f"if {cond}:")
                first = False
                w.indent()
                self._row_value(el, row, target, nv)
                w.outdent()
            # close the else-blocks opened for tests with statements
            w.level = self._table_level
        if self.traced:
            w.line(f"if {target} is None:")
            w.line(f"    D.append({text('no row of table ' + chr(39) + el.id + chr(39) + ' matches the key ')} + _str({k}))")
        w.outdent()

    def _row_value(self, el, row, target, nv):
        """The chosen row: its literal cells, `row` and `row_index`, and its expression cells evaluated now."""
        self.w.line(f"{target} = dict({self.lits.shared(row.values)})")
        for column, ce in (getattr(row, "exprs", None) or {}).items():
            v = self.expr(ce) if ce is not None else Val("None", K.NULL)
            self.w.line(f"{target}[{text(column)}] = {v.src}")
        self._row_notes(el, row, nv)

    def _row_notes(self, el, row, nv):
        if not nv:
            return
        self.w.line(f"{nv}['rows'] = [{self.lits.of(row.describe())}]")
        if row.interpretation:
            self.w.line(f"{nv}['row_interpretation'] = {self.lits.of(row.interpretation)}")

    def _unary(self, ct, frame) -> str:
        """The test of a decision cell or table row as a Python condition (true only when it matches)."""
        em = self.em
        em.text = ct.text
        sub = self.w.block()
        with em.into(sub):
            v = em.emit(ct.ast, frame)
            cond = v.src if v.kind.only(bool) else f"{em.atom(v)} is True"
        self.w.lines.extend(line[4:] for line in sub.lines)
        return cond

    # -- decision tables

    def decision_table(self, el, target, notes):
        nv = self._init_notes(notes)
        self._when_then(el, target, nv, lambda: self._dt_body(el, target, nv))
        return Val(target, K.ANY)

    def _dt_body(self, el, target, nv):
        w = self.w
        inputs = []
        for ce in el.inputs:
            v = self.expr(ce) if ce is not None else Val("None", K.NULL)
            inputs.append(Val(self.em.var(v), v.kind))
        if nv:
            w.line(f"{nv}['inputs'] = {{" + ", ".join(f"{text(t)}: _plain({v.src})"
                                                     for t, v in zip(el.input_texts, inputs)) + "}")
        hp = el.hit_policy
        matched = w.tmp("mt")
        w.line(f"{matched} = []")
        for row in el.rows:
            if hp == "FIRST" and row is not el.rows[0]:
                w.line(f"if not {matched}:")
                w.indent()
            self._dt_row(row, inputs, matched)
            if hp == "FIRST" and row is not el.rows[0]:
                w.outdent()
        if nv:
            rows = self.lits.index({r.number: _describe(r) for r in el.rows})
            w.line(f"{nv}['rows'] = [_plain({rows}[r]) for r in {matched}]")
            interp = {r.number: r.interpretation for r in el.rows if r.interpretation}
            if interp:
                w.line(f"for r in {matched}:")
                w.indent()
                for num, text_ in interp.items():
                    w.line(f"if r == {num}: {nv}['row_interpretation'] = {self.lits.of(text_)}")
                w.outdent()
        collect = hp in ("COLLECT", "RULE ORDER")
        w.line(f"if not {matched}:")
        w.indent()
        if el.default is not None:
            v = self._dt_outputs(el, el.default)
            w.line(f"{target} = {v}")
        else:
            w.line(f"{target} = {'[]' if collect and not el.aggregation else 'None'}")
        w.outdent()
        if hp in ("UNIQUE", "FIRST"):
            w.line(f"elif len({matched}) > 1:")
            w.indent()
            w.line(f"{target} = None")
            if self.traced:
                w.line(f"D.append('hit policy UNIQUE but rows ' + ', '.join(str(r) for r in {matched}) + ' all match')")
            w.outdent()
            w.line("else:")
            w.indent()
            self._dt_dispatch(el, f"{matched}[0]", target)
            w.outdent()
            return
        w.line("else:")
        w.indent()
        results = w.tmp("rs")
        w.line(f"{results} = []")
        w.line(f"for r in {matched}:")
        w.indent()
        one = w.tmp("o")
        self._dt_dispatch(el, "r", one)
        w.line(f"{results}.append({one})")
        w.outdent()
        names = self.lits.of(list(el.output_names))
        priority = self.lits.shared(list(el.priority))
        w.line(f"{target} = _hit_result({text(hp)}, {self.lits.of(el.aggregation)}, {results}, {matched}, "
               f"{names}, {priority}, {'D' if self.traced else 'None'})")
        w.outdent()

    def _dt_row(self, row, inputs, matched):
        """Append the row's number when every cell matches its input (cells after a miss do not run)."""
        w = self.w
        depth = 0
        for ct, v in zip(row.tests, inputs):
            if ct is None:
                w.line("if False:")
                w.indent()
                depth += 1
                continue
            if isinstance(ct.ast, N.AnyInput):
                continue
            frame = VarsFrame(self.frame, {"?": v})
            cond = self._unary(ct, frame)
            w.line(f"if {cond}:")
            w.indent()
            depth += 1
        w.line(f"{matched}.append({row.number})")
        for _ in range(depth):
            w.outdent()

    def _dt_dispatch(self, el, number_src, target):
        w = self.w
        first = True
        for row in el.rows:
            w.line(f"{'if' if first else 'elif'} {number_src} == {row.number}:")
            first = False
            sub = w.block()
            self._in_branch(sub, lambda row=row: sub.line(f"{target} = {self._dt_outputs(el, row.outputs)}"))
            w.extend(sub)

    def _dt_outputs(self, el, exprs) -> str:
        vals = []
        for ce in exprs:
            v = self.expr(ce) if ce is not None else Val("None", K.NULL)
            vals.append(self.em.atom(v))
        if len(vals) == 1:
            return vals[0]
        return "{" + ", ".join(f"{text(n)}: {v}" for n, v in zip(el.output_names, vals)) + "}"

    # -- state machines

    def machine(self, el, target, notes):
        """Replay the dated events up to as_of (see machines.py for the conventions)."""
        w = self.w
        em = self.em
        nv = self._init_notes(notes)
        trimmed = el.id in self.trimmed and not self.traced
        trans = self.lits.shared([[t.to, t.id, t.clause] for t in el.transitions])
        start = self.expr(el.start)
        s = em.var(start)
        w.line(f"if not isinstance({s}, _date):")
        w.line(f"    {target} = None")
        w.line("else:")
        w.indent()
        events = self.expr(el.events)
        ev_src = em.atom(events)
        tr = {t.id: t for t in el.transitions}
        ids = [t.id for t in el.transitions]
        v = lambda name: w.tmp(name)   # noqa: E731
        evs, dated, ignored, hist, state, on_, by_, q, n = (v("ev"), v("dt"), v("ig"), v("hs"), v("st"), v("on"),
                                                            v("by"), v("q"), v("nq"))
        w.line(f"{evs} = {ev_src} or []")
        w.line(f"{dated} = []")
        w.line(f"{ignored} = []")
        w.line(f"for i, x in enumerate({evs} if isinstance({evs}, list) else []):")
        w.line("    d = x.get('on') if isinstance(x, dict) else None")
        w.line("    if not isinstance(d, _date):")
        w.line(f"        {ignored}.append({{'event': _plain(x), 'reason': 'no date'}})")
        w.line("    elif d > AS_OF:")
        w.line(f"        {ignored}.append({{'event': _plain(x), 'reason': 'after as_of'}})")
        w.line(f"    elif d < {s}:")
        w.line(f"        {ignored}.append({{'event': _plain(x), 'reason': 'before the start'}})")
        w.line("    else:")
        w.line(f"        {dated}.append((d, i, x))")
        w.line(f"{dated}.sort(key=_date_and_order)")
        w.line(f"{state} = {text(el.initial)}")
        w.line(f"{on_} = {s}")
        w.line(f"{by_} = None")
        clause = text(el.clause)
        if not trimmed:
            w.line(f"{hist} = [{{'on': {s}, 'from': None, 'to': {state}, 'transition': None, 'event': None, "
                   f"'clause': {clause}}}]")
        else:
            w.line(f"{hist} = 1")        # how many entries the history would have (the budget counts them)
        self.machine_extra[el.id] = (hist, ignored, trimmed)
        w.line(f"{q} = 0")
        w.line(f"{n} = len({dated})")
        dl, dtr = v("dl"), v("dr")
        locals_ = {"event": Val("None", K.NULL), "entered_on": Val(on_, K.ANY), "entered_by": Val(by_, K.ANY),
                   "state": Val(state, K.STRING_OR_NULL)}
        w.line("while True:")
        w.indent()
        self._deadline(el, state, locals_, dl, dtr)
        w.line(f"nx = {dated}[{q}][0] if {q} < {n} else None")
        w.line(f"if {dl} is not None and {dl} < AS_OF and (nx is None or {dl} < nx):")
        w.indent()
        w.line(f"since = {dl} + _ONE_DAY")
        w.line(f"to, tid, tcl = {trans}[{dtr}]")
        if not trimmed:
            w.line(f"{hist}.append({{'on': since, 'from': {state}, 'to': to, 'transition': tid, 'event': None, "
                   f"'clause': tcl}})")
        else:
            w.line(f"{hist} += 1")
        w.line(f"{state} = to")
        w.line(f"{on_} = since")
        w.line(f"{by_} = {{'type': tid, 'on': since}}")
        w.line("continue")
        w.outdent()
        w.line(f"if {q} >= {n}:")
        w.line("    break")
        w.line(f"d, _i, x = {dated}[{q}]")
        w.line(f"{q} += 1")
        mv = v("mv")
        w.line(f"{mv} = None")
        finals = self.lits.frozenset_of(el.finals) if el.finals else "()"
        w.line(f"if {state} not in {finals}:")
        w.indent()
        w.line("xt = x.get('type')")
        trial = dict(locals_, event=Val("x", K.ANY))
        self._on_event(el, state, trial, mv)
        w.outdent()
        w.line(f"if {mv} is None:")
        w.line(f"    {ignored}.append({{'event': _plain(x), 'reason': \"no transition from '\" + {state} + \"'\"}})")
        w.line("    continue")
        w.line(f"to, tid, tcl = {trans}[{mv}]")
        if not trimmed:
            w.line(f"{hist}.append({{'on': d, 'from': {state}, 'to': to, 'transition': tid, 'event': x.get('type'), "
                   f"'clause': tcl}})")
        else:
            w.line(f"{hist} += 1")
        w.line(f"{state} = to")
        w.line(f"{on_} = d")
        w.line(f"{by_} = x")
        w.outdent()
        self._deadline(el, state, locals_, dl, dtr)
        if nv:
            w.line(f"{nv}['history'] = [{{k: _plain(y) for k, y in h.items() if y is not None}} for h in {hist}]")
            w.line(f"if {ignored}:")
            w.line(f"    {nv}['ignored_events'] = _plain({ignored})")
        w.line(f"to, tid, tcl = {trans}[{dtr}] if {dtr} is not None else (None, None, None)")
        value = (f"{{'state': {state}, 'since': {on_}, 'entered_by': {by_}.get('type') if isinstance({by_}, dict) "
                 f"else None, 'deadline': {dl}, 'deadline_to': to, 'deadline_transition': tid")
        value += "}" if trimmed else f", 'history': {hist}, 'ignored': {ignored}}}"
        w.line(f"{target} = {value}")
        w.outdent()
        fields = {k: K.ANY for k in _MACHINE_FIELDS | ({"history", "ignored"} if not trimmed else set())}
        fields["state"] = K.STRING_OR_NULL
        return Val(target, K.of(dict, NoneType, fields=fields, closed=True))

    def _deadline(self, el, state, locals_, dl, dtr):
        """The earliest timeout from the current state: (deadline date, transition index) or (None, None)."""
        w = self.w
        w.line(f"{dl} = None")
        w.line(f"{dtr} = None")
        timed = [(i, t) for i, t in enumerate(el.transitions) if t.after is not None or t.at is not None]
        by_state = {}
        for sid in el.states:
            if sid in el.finals:
                continue
            here = [(i, t) for i, t in timed if sid in t.sources]
            if here:
                by_state[sid] = here
        first = True
        for sid, here in by_state.items():
            w.line(f"{'if' if first else 'elif'} {state} == {text(sid)}:")
            first = False
            sub = w.block()
            self._in_branch(sub, lambda here=here: self._timeouts(el, here, locals_, dl, dtr))
            w.extend(sub)

    def _timeouts(self, el, here, locals_, dl, dtr):
        w = self.w
        frame = VarsFrame(self.frame, locals_)
        for i, t in here:
            depth = 0
            if t.guard is not None:
                g = self.expr(t.guard, frame)
                w.line(f"if {g.src} is True:")
                w.indent()
                depth += 1
            if t.after is not None:
                dur = self.expr(t.after, frame)
                when = self._add(locals_["entered_on"], dur)
            else:
                when = self.expr(t.at, frame)
            wv = self.em.var(when)
            w.line(f"if isinstance({wv}, _date) and ({dl} is None or {wv} < {dl}):")
            w.line(f"    {dl} = {wv}")
            w.line(f"    {dtr} = {i}")
            for _ in range(depth):
                w.outdent()

    def _add(self, a: Val, b: Val) -> Val:
        """`entered_on + duration`, as the FEEL expression `a + b` (its diagnostics name it so)."""
        em = self.em
        em.text = "a + b"
        pos = N.Pos(1, 1, 0, 5)
        node = N.Arith("+", N.Name("a", pos=N.Pos(1, 1, 0, 1)), N.Name("b", pos=N.Pos(1, 5, 4, 5)), pos=pos)
        return em.emit(node, VarsFrame(self.frame, {"a": a, "b": b}))

    def _on_event(self, el, state, trial, mv):
        """The first transition from the current state that the event's type fires (and whose guard holds)."""
        w = self.w
        frame = VarsFrame(self.frame, trial)
        first_state = True
        for sid in el.states:
            if sid in el.finals:
                continue
            here = [(i, t) for i, t in enumerate(el.transitions) if sid in t.sources and t.on]
            if not here:
                continue
            w.line(f"{'if' if first_state else 'elif'} {state} == {text(sid)}:")
            first_state = False
            sub = w.block()
            self._in_branch(sub, lambda here=here: self._event_chain(here, frame, mv))
            w.extend(sub)

    def _event_chain(self, here, frame, mv):
        w = self.w
        for n, (i, t) in enumerate(here):
            on = self.lits.frozenset_of(t.on)
            w.line(f"if {mv} is None and xt in {on}:" if n else f"if xt in {on}:")
            w.indent()
            if t.guard is not None:
                g = self.expr(t.guard, frame)
                w.line(f"if {g.src} is True:")
                w.line(f"    {mv} = {i}")
            else:
                w.line(f"{mv} = {i}")
            w.outdent()


def _describe(row) -> dict:
    out = {"row": row.number, "when": list(row.cells)}
    if row.clause:
        out["clause"] = row.clause
    return out


def trimmed_machines(ruleset) -> frozenset:
    """State machines whose history and ignored events no expression reads (nor a message shows):
    without the trace, their value is made without them (the result document never shows them)."""
    machines = {eid for eid, el in ruleset.elements.items() if el.kind == "state_machine"}
    if not machines:
        return frozenset()
    used_whole = set()
    for el in ruleset.elements.values():
        for ce in expressions_of(el):
            parents = {}
            for node in N.walk(ce.ast):
                for child in N.children(node):
                    parents[id(child)] = node
            for node in N.walk(ce.ast):
                if isinstance(node, N.Name) and node.name in machines:
                    parent = parents.get(id(node))
                    if not (isinstance(parent, N.Path) and parent.base is node and parent.name in _MACHINE_FIELDS):
                        used_whole.add(node.name)
        for msg in (getattr(el, "message", None) or {}).values():
            for m in _PLACEHOLDER.finditer(msg):
                if m.group(1) in machines:
                    used_whole.add(m.group(1))
    return frozenset(machines - used_whole)


def expressions_of(el):
    """Every compiled expression and cell of an element."""
    out = []
    for attr in ("when", "expr", "value_expr", "key", "assertion", "start", "events"):
        ce = getattr(el, attr, None)
        if ce is not None and hasattr(ce, "ast"):
            out.append(ce)
    for ce in (getattr(el, "lets", None) or {}).values():
        if ce is not None:
            out.append(ce)
    for row in getattr(el, "rows", None) or []:
        out.extend(ce for ce in (getattr(row, "exprs", None) or {}).values() if ce is not None)
        test = getattr(row, "test", None)
        if test is not None and hasattr(test, "ast"):
            out.append(test)
        for ce in list(getattr(row, "tests", None) or []) + list(getattr(row, "outputs", None) or []):
            if ce is not None:
                out.append(ce)
    for ce in getattr(el, "inputs", None) or []:
        if ce is not None and hasattr(ce, "ast"):
            out.append(ce)
    for ce in getattr(el, "default", None) or []:
        if ce is not None:
            out.append(ce)
    for t in getattr(el, "transitions", None) or []:
        for ce in (t.after, t.at, t.guard):
            if ce is not None:
                out.append(ce)
    return out
