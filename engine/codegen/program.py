"""Module assembly for a rule set: one module with `prepare` (the case check and conversion) and two
fused functions over every element in dependency order, `run` (trace off) and `run_traced`; the
functions of a subset of the outputs are generated when first asked for.

    program = ruleset.program          # generated once (or loaded with the rule set from the cache)
    env = program.prepare(case, label)  # the case as FEEL values, or CaseError
    values, findings, trace = program.run(env, traced, outputs)
"""
from __future__ import annotations

import datetime as _dt
import decimal
import operator
from decimal import Decimal

from ..calendar import function_notes
from ..feel.budget import size_within
from ..feel.values import FEEL_CONTEXT, to_plain
from . import runtime as R
from .module import namespace

INVALID = object()
_PLAIN = frozenset({type(None), bool, int, Decimal, str, list, dict})   # what JSON and YAML give


def _regex(pattern):
    from ..schemas import regex       # RE2, as the case validator: linear time whatever the pattern
    return regex(pattern)


def _canonical(value):
    from ..schemas import canonical   # only a case schema with an enum of numbers or structures needs it
    return canonical(value)


def _enum_keys(members):
    return frozenset(_canonical(m) for m in members)


def _extras():
    from ..case import to_values
    from ..elements import display
    return {
        "_plain": R.plain, "_to_plain": to_plain, "_display": display, "_display_env": R.display_env,
        "_shown": R.shown, "_function_findings": R.function_findings, "_hit_result": R.hit_result,
        "_machine_value": R.machine_value, "_getcontext": decimal.getcontext, "_setcontext": decimal.setcontext,
        "_FEEL": FEEL_CONTEXT,
        "_notes_var": function_notes, "_date_and_order": operator.itemgetter(0, 1),
        "_ONE_DAY": _dt.timedelta(days=1), "_str": str, "_INVALID": INVALID, "_fromiso": _dt.date.fromisoformat,
        "_SMALL": R.SMALL, "_regex": _regex, "_canonical": _canonical, "_enum_keys": _enum_keys, "_to_values": to_values,
        "_refuse": lambda v: INVALID if v.__class__ in _PLAIN else None,
        "_refuse_check": lambda v: False if v.__class__ in _PLAIN else None,
        "_size_within": size_within, "_limit_message": R.limit_message, "_machine_extra": R.machine_extra,
        "_typed": R.typed,
    }


def generate(ruleset, functions, outputs=None, traced: bool = False, feel: bool = False, given=None,
             export=(), kinds=None) -> str:
    """A module's source: without the trace, `prepare` and `run`; with it, `run_traced`. Without outputs
    over every element; with outputs (element ids), over only what they need. The two are modules of
    their own: a process that never asks for the trace never loads its code. `feel`: `run` gives the
    FEEL value of every element it computed (Program.derive), not the result document's values.
    `given` (element id -> kind): those elements are not computed but read from env[id] (what they
    read is not needed); `export` (ids): `run` gives their FEEL values as its third item; `kinds`: a
    dict filled with the kind of every element computed (evaluation.shared_run)."""
    from ..evaluation import needed_order
    from ..feel.builtins import BUILTINS
    from ..ruleset import RULESET_NAME
    from . import kinds as K
    from .elements import ElementEmitter, trimmed_machines
    from .expr import Val
    from .prepare import case_need, emit_prepare
    from .writer import Literals, Names, Writer, text
    names = Names()
    lits = Literals(names)
    schema = ruleset.case_schema if isinstance(ruleset.case_schema, dict) else {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    case_kinds = {name: K.from_schema(sub) for name, sub in props.items()}
    if RULESET_NAME not in props:       # the rule set's own identity (prepare puts it in the environment)
        case_kinds[RULESET_NAME] = K.of_value(ruleset.own_identity)
    order = ruleset.order if outputs is None else needed_order(ruleset, tuple(outputs) + tuple(export), given or ())
    body = Writer(names)
    body.level = 3      # inside the function, its try and (dropped below) one more
    ee = ElementEmitter(body, lits, ruleset, functions, BUILTINS, traced, case_kinds, trimmed_machines(ruleset))
    ee.rs_extra_fields = schema.get("additionalProperties", True) is not False
    for eid in order:
        if given and eid in given:
            var = body.tmp("e")
            body.line(f"{var} = env[{text(eid)}]")
            ee.values[eid] = ee.frame.bound[eid] = Val(var, given[eid])
        else:
            ee.element(ruleset.elements[eid])
    if export:      # in the body, so that the temporaries it names are not shared (writer.share_temporaries)
        body.line("XP = {" + ", ".join(f"{text(e)}: {_export_src(ee.values[e], lits)}" for e in export) + "}")
    if kinds is not None:
        kinds.update((e, ee.values[e].kind) for e in order)
    function = _function("run_traced" if traced else "run", ruleset, ee, body, traced, outputs, order, feel,
                         bool(export))
    lines: list[str] = []
    if not traced and not feel:
        # with outputs, the whole case is checked but only what those elements read converted
        from ..registry import SELECTION_FIELDS
        need = None if outputs is None else case_need(ruleset, order, always=("as_of",))
        prep = emit_prepare(schema, names, lits, free=SELECTION_FIELDS, need=need)
        lines.extend(prep if prep is not None else ["prepare = None"])
    source = "\n".join(lits.defs + lines + function) + "\n"
    assert source.isascii()       # rule text only ever in escaped literals (writer.py)
    return source


def _export_src(v, lits) -> str:
    """A value's source where the function ends: a constant afresh (its shared local may be set in a
    branch that did not run), anything else its local."""
    if v.kind.is_const:
        src = lits.of(v.kind.const)
        if src is not None:
            return src
    return v.src


def compile_module(ruleset, functions, outputs=None, traced: bool = False, feel: bool = False):
    return compile(generate(ruleset, functions, outputs, traced, feel), "<certrules rule set>", "exec")


def _function(name, ruleset, ee, body, traced: bool, outputs, order, feel: bool = False,
              export: bool = False) -> list[str]:
    from .writer import share_temporaries, temporaries_in, text
    out = [f"def {name}(env):"]
    used = ee.frame.used
    for field, var in ee.case_vars.items():
        if field in used:
            out.append(f"    {var} = env[{text(field)}]")
    if any(ruleset.elements[e].kind == "state_machine" for e in order):
        out.append("    AS_OF = env.get('as_of')")
    out.append("    F = []")
    out.append("    BG = _Budget()")      # one budget for the whole evaluation (engine/feel/budget.py)
    out.append("    LR = False")          # whether its limit was reported
    if traced:
        out.append("    T = {}")
    if ee.any_registered:
        out.append("    FN = []")
    # the FEEL context for what the runtime computes with Python's operators (the generated code itself
    # calls the context's methods): set for the run, the caller's given back after
    out.append("    cx = _getcontext()")
    out.append("    _setcontext(_FEEL)")
    out.append("    try:")
    tail = _tail(ruleset, ee, traced, outputs, order, feel, export)
    # what the lines after the body read must keep its name: the body's sharing cannot see them
    body.lines = share_temporaries([line[4:] for line in body.lines], keep=temporaries_in(tail))
    out.extend(body.lines)
    if not any(line.strip() and not line.lstrip().startswith("#") for line in body.lines):
        out.append("        pass")      # only literals asked for: their values are constants, no statement
    out.append("    finally:")
    out.append("        _setcontext(cx)")
    return out + tail


def _tail(ruleset, ee, traced: bool, outputs, order, feel: bool, export: bool) -> list[str]:
    """The lines that make the run function's result from the values the body computed."""
    from .elements import plain_src
    from .writer import text
    if feel:
        return ["    return {" + ", ".join(f"{text(eid)}: {ee.values[eid].src}" for eid in order) + "}"]
    entries = []
    wanted = None if outputs is None else frozenset(outputs)
    for eid, el in ruleset.elements.items():
        if wanted is None and el.kind in ("parameter", "check", "function"):
            continue
        if wanted is not None and eid not in wanted:
            continue
        v = ee.values[eid]
        if el.kind == "state_machine":
            src = f"_machine_value({v.src})"
        elif traced and eid in ee.paths:
            src = ee.paths[eid]           # the same text as its trace entry's value (made once)
        else:
            src = plain_src(v)
        entries.append(f"{text(eid)}: {src}")
    return ["    values = {" + ", ".join(entries) + "}",
            "    return values, F, T" if traced else "    return values, F, XP" if export else "    return values, F, None"]


class Program:
    """A rule set's generated functions: `code` is the module without the trace (prepare, run); the
    traced one is `traced_code`, or generated when first asked for."""

    def __init__(self, ruleset, code, functions, traced_code=None):
        self.ruleset = ruleset
        self.functions = functions
        ns = namespace(functions, _extras())
        exec(code, ns)
        self._prepare = ns["prepare"]
        self._run = ns["run"]
        self.traced_code = traced_code
        props = ruleset.case_schema.get("properties") if isinstance(ruleset.case_schema, dict) else None
        self._identity = ruleset.own_identity if not (isinstance(props, dict) and "ruleset" in props) else None
        self._traced = None
        self._subsets: dict = {}
        self._preps: dict = {}          # outputs -> the prepare of their reduced module
        self._plans: dict = {}          # (outputs, traced) -> (prepare, run): what evaluate calls

    def _run_traced(self, env):
        if self._traced is None:
            if self.traced_code is None:
                self.traced_code = compile_module(self.ruleset, self.functions, traced=True)
            ns = namespace(self.functions, _extras())
            exec(self.traced_code, ns)
            self._traced = ns["run_traced"]
        return self._traced(env)

    def plan(self, outputs: tuple, traced: bool):
        """(prepare, run) for an evaluation of `outputs` (a tuple of element ids, or None for every
        element): `prepare(case, label)` gives the environment (`Program.prepare`), `run(env)` what
        `Program.run(env, traced, outputs)` gives; made once per process and set of outputs, so that
        an evaluation looks them up once. UsageError for an id the rule set has no element of (before
        any case is looked at)."""
        key = (outputs, traced)
        hit = self._plans.get(key)
        if hit is None:
            if outputs is None:
                run, fn = (self._run_traced if traced else self._run), self._prepare
            else:
                self.check_outputs(outputs)
                given = tuple(outputs)
                run = self._subsets.get((given, traced))
                if run is None:
                    run = self._subsets[(given, traced)] = self._reduced(frozenset(given), traced)
                fn = self._prepare if traced else self._reduced_prepare(given)
            hit = self._plans[key] = (self._preparer(fn), run)
        return hit

    def _preparer(self, fn):
        """prepare(case, label) over the generated check `fn` (None: every case the general way)."""
        identity = self._identity
        ruleset = self.ruleset

        def prepare(case, label: str = "the case"):
            env = fn(case) if fn is not None else None
            if env is None or env is INVALID:
                from ..case import prepare_general
                return prepare_general(ruleset, case, label)
            if identity is not None:
                env["ruleset"] = identity     # ruleset.RULESET_NAME: the rule set itself
            return env
        return prepare

    def prepare(self, case, label: str = "the case", outputs=None) -> dict:
        """The environment an evaluation starts from: the case checked against the case schema and
        made FEEL values, every top-level field of the schema present. Raises CaseError. With `outputs`
        (a tuple of element ids), for `run(env, False, outputs)` only: what those read made FEEL values."""
        return self.plan(outputs, False)[0](case, label)

    def _reduced_prepare(self, outputs: tuple):
        fn = self._preps.get(outputs, INVALID)
        if fn is INVALID:
            self._reduced(frozenset(outputs), False)
            fn = self._preps[outputs] = self._preps.get(frozenset(outputs))
        return fn

    def check_outputs(self, outputs) -> None:
        """UsageError for an id the rule set has no element of (before the case is looked at)."""
        given = outputs if outputs.__class__ is tuple else tuple(outputs)
        if (given, False) not in self._subsets and (given, True) not in self._subsets:
            from ..evaluation import needed_order
            needed_order(self.ruleset, given)

    def run(self, env: dict, traced: bool, outputs=None):
        """(values, findings, trace or None) for a prepared environment."""
        if outputs is None:
            return (self._run_traced if traced else self._run)(env)
        given = (outputs if outputs.__class__ is tuple else tuple(outputs), traced)
        fn = self._subsets.get(given)
        if fn is None:
            fn = self._subsets[given] = self._reduced(frozenset(given[0]), traced)
        return fn(env)

    def _reduced(self, outputs: frozenset, traced: bool, feel: bool = False):
        """The run function of the module over only what `outputs` need (once per process; its code
        from the disk cache when this program has an entry there: codegen/cache.py)."""
        key = (outputs, "feel" if feel else traced)
        fn = self._subsets.get(key)
        if fn is None:
            from .cache import reduced_code
            ids = tuple(sorted(outputs))
            mode = "feel" if feel else "traced" if traced else "plain"
            code = reduced_code(self, ids, mode, lambda: compile_module(self.ruleset, self.functions, ids, traced, feel))
            ns = namespace(self.functions, _extras())
            exec(code, ns)
            fn = self._subsets[key] = ns["run_traced" if traced else "run"]
            if key[1] is False:
                self._preps[outputs] = ns.get("prepare")
        return fn

    def derive(self, env: dict, outputs) -> dict:
        """The FEEL values of `outputs` (element ids) and of every element they read, computed from
        `env` (FEEL values by case field; a field not given is null), as the evaluation computes
        them; no case check, no findings. What a case generator derives a field from."""
        fn = self._reduced(frozenset(outputs), False, feel=True)
        props = self.ruleset.case_schema.get("properties") if isinstance(self.ruleset.case_schema, dict) else None
        full = dict.fromkeys(props or ())
        if self._identity is not None:
            full["ruleset"] = self._identity
        full.update(env)
        return fn(full)


def build(ruleset, functions) -> tuple[object, "Program"]:
    """Generate and compile the rule set's module (without the trace): (code object, Program)."""
    code = compile_module(ruleset, functions)
    return code, Program(ruleset, code, functions)
