"""Run the DMN TCK through engine.feel: literal expressions, decision tables and the business
knowledge models they call.

    python tests/conformance/run_tck.py PATH [-v]

Walks every folder under PATH holding *.dmn files. Each test case's resultNode is one case: its
decision is evaluated from the test's inputNodes, with the decisions it requires evaluated first
(the DRG) and the business knowledge models it requires bound as functions (DMN 1.5, 6.3.3 and
10.3.2.13.3). The logic the harness evaluates is the FEEL of DMN's two textual forms: literal
expressions (chapter 10) and decision tables (chapter 8, all hit policies), in decisions and in
BKMs. Inputs are converted by xsi:type; a decision's result is compared with the expected value
(numbers within 1e-8; errorResult / xsi:nil mean null; lists and contexts structurally).

Declared types are applied as DMN requires (engine.feel.conform, 10.3.2.9.4): a literal
expression's own typeRef, then the decision's variable typeRef (through the model's
itemDefinitions), a BKM's parameter and result types, a decision table's output typeRefs; a value
of another type becomes null, a one-item list stands for its item and so on.

A case that needs something the harness or certrules does not do is skipped by FEATURE
(SKIP_FEATURES below, one reason each), found by looking at the model, the expressions, the
inputs and the expected value - never by case id.

Prints one line per folder, one per compliance level, and, last, exactly
`N passed, N failed, N skipped`. Exits 0 whether or not cases fail (the pytest
wrapper applies the bar).
"""
from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.feel import (FeelError, Function, compile_expr, compile_unary_tests, conform,  # noqa: E402
                         to_plain)
from engine.feel.budget import Budget  # noqa: E402
from engine.feel.nodes import TypeRef, dump  # noqa: E402
from engine.feel.ops import ARITH, compare, feel_eq  # noqa: E402
from engine.feel.temporal import parse_date_time, parse_time  # noqa: E402
from engine.feel.values import parse_date, parse_duration  # noqa: E402

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# The logic a decision or BKM can have (DMN 1.5, 7.2): the harness evaluates the first two.
EVALUATED = ("literalExpression", "decisionTable")
LOGIC = EVALUATED + ("context", "invocation", "relation", "list", "functionDefinition", "conditional",
                     "filter", "for", "some", "every")


@dataclass
class CaseInfo:
    """What the skip tests look at: every FEEL text the case evaluates, the xsi:types of its values,
    and the model constructs it reaches."""
    text: str = ""
    types: set = field(default_factory=set)
    kinds: set = field(default_factory=set)       # logic kinds of the elements evaluated
    missing: bool = False                         # the result node names no decision of the model
    invocable: bool = False                       # the case invokes a BKM or decision service itself
    imports: bool = False                         # the model imports other models


# (feature, reason, test on a CaseInfo)
SKIP_FEATURES = [
    ("now() and today()",
     "results would depend on the clock; certrules expressions are deterministic (an evaluation takes its "
     "date from the case)",
     lambda c: bool(re.search(r"\b(now|today)\s*\(", c.text))),
    ("external functions",
     "function(..) external {java: ..} / {pmml: ..} runs code outside the rule set; refused at load",
     lambda c: bool(re.search(r"\bexternal\b", c.text))),
    ("back-references in regular expressions",
     "no linear-time engine can match \\1, and a time bound would make results depend on the machine; "
     "refused at load",
     lambda c: bool(re.search(r'(matches|replace|split)\s*\(.*"[^"]*(?<!\\)(\\\\)*\\[1-9]', c.text))),
    ("dates outside the years 1-9999",
     "dates are Python dates, which hold the years 1 to 9999",
     lambda c: "expects-null" not in c.types and (
         bool(re.search(r'"-\d{4,}-\d\d-\d\d|"[1-9]\d{4,}-\d\d-\d\d|date\(\s*-?[1-9]\d{4,}\s*,|date\(\s*-\d', c.text))
         or "out-of-range-date" in c.types)),
    ("names with operator characters",
     "FEEL names may contain ' . / - + *; certrules names are letters, digits and _ (so that a-b is "
     "always a subtraction)",
     lambda c: "odd-name" in c.types or bool(re.search(r"[{,]\s*\w+[-+*/.']\w+\s*:", c.text))),
    ("boxed expressions",
     "a context, invocation, relation, list, conditional, iterator or function definition drawn as a boxed "
     "expression is DMN's graphical notation (chapter 7), which certrules rule sets do not have; the harness "
     "evaluates literal expressions and decision tables",
     lambda c: bool(c.kinds - set(EVALUATED))),
    ("invoking a BKM or decision service directly",
     "the test calls a business knowledge model or decision service as a function from outside the model; "
     "certrules evaluates decisions",
     lambda c: c.invocable),
    ("imported models",
     "the model imports other models (DMN 1.5, 6.3.3); the harness evaluates one model at a time",
     lambda c: c.imports),
    ("result nodes the model does not define",
     "the test names a decision the model does not have (the TCK comments such decisions out while the "
     "specification is discussed)",
     lambda c: c.missing),
]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(el, name):
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def children(el, name):
    return [c for c in el if local(c.tag) == name]


def text_of(el) -> str | None:
    t = child(el, "text") if el is not None else None
    return t.text if t is not None and t.text is not None else None


def convert(el, types: set):
    """A TCK <value>/<list>/<component> holder -> FEEL value."""
    if el.get(XSI_NIL) == "true":
        return None
    lst = child(el, "list")
    if lst is not None:
        return [convert(item, types) for item in children(lst, "item")]
    comps = children(el, "component")
    if comps:
        return {c.get("name"): convert(c, types) for c in comps}
    v = child(el, "value")
    if v is not None:
        return convert(v, types)
    if local(el.tag) != "value":
        return None
    kind = (el.get(XSI_TYPE) or "xsd:string").split(":")[-1]
    types.add(kind)
    text = el.text or ""
    if kind in ("decimal", "integer", "double", "int", "long", "float"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            types.add("nan")
            return None
    if kind == "boolean":
        return text.strip() == "true"
    parse = _TEMPORAL.get(kind)
    if parse is not None:
        v = parse(text.strip())
        if v is None:
            types.add("out-of-range-date" if re.match(r"-|\d{5}", text.strip()) else "unparsed-" + kind)
        return v
    return text


_TEMPORAL = {"date": parse_date, "time": parse_time, "dateTime": parse_date_time, "duration": parse_duration,
             "dayTimeDuration": parse_duration, "yearMonthDuration": parse_duration}


def same(actual, expected) -> bool:
    if expected is None:
        return actual is None
    if isinstance(expected, Decimal):
        return isinstance(actual, Decimal) and abs(actual - expected) < Decimal("1e-8")
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and \
            all(same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and actual.keys() == expected.keys() and \
            all(same(actual[k], expected[k]) for k in expected)
    return type(actual) is type(expected) and actual == expected


# ------------------------------------------------------------------ types

# typeRef names in DMN models -> FEEL type names
_TYPE_NAMES = {"dateTime": "date and time", "dayTimeDuration": "days and time duration",
               "yearMonthDuration": "years and months duration"}
_FEEL_TYPES = ("number", "string", "boolean", "date", "time", "date and time", "Any", "days and time duration",
               "years and months duration", "context", "list", "range", "function")


def type_of(type_ref: str | None, item_defs: dict, seen=()) -> TypeRef | None:
    """A typeRef (a FEEL type name or an itemDefinition's name) as a FEEL type, or None when the
    model's definition is one the harness does not model (a cycle, an unknown name)."""
    if not type_ref:
        return None
    if type_ref in item_defs and type_ref not in seen:
        base, is_collection, components = item_defs[type_ref]
        if base == "function":
            return TypeRef("function")
        if components is not None:
            fields = []
            for name, (ctype, ccoll, ccomps) in components:
                t = type_of(ctype, item_defs, seen + (type_ref,)) if ccomps is None else None
                if ccomps is not None or t is None:
                    t = TypeRef("Any")
                fields.append((name, TypeRef("list", (t,)) if ccoll else t))
            t = TypeRef("context", (), tuple(fields)) if fields else TypeRef("context")
        else:
            t = type_of(base, item_defs, seen + (type_ref,)) if base else None
            if t is None:
                return None
        return TypeRef("list", (t,)) if is_collection else t
    name = _TYPE_NAMES.get(type_ref, type_ref)
    return TypeRef(name) if name in _FEEL_TYPES else None


def result_type_of(type_ref: str | None, item_defs: dict) -> TypeRef | None:
    """A BKM's result type: the output type of the function item its variable names, or the variable's
    type itself."""
    entry = item_defs.get(type_ref) if type_ref else None
    if entry is not None and entry[0] == "function":
        return type_of(entry[1], item_defs)
    return type_of(type_ref, item_defs)


def conform_result(value, t: TypeRef | None):
    """DMN's check of a value against a declared type: a value of another type becomes null; a
    one-item list stands for its item where a non-list is declared, and so on (10.3.2.9.4)."""
    if t is None:
        return value
    try:
        return conform(value, t)
    except TypeError:
        return None


def _item_def(it):
    tr = child(it, "typeRef")
    comps = children(it, "itemComponent")
    fn = child(it, "functionItem")
    if fn is not None:
        return "function", fn.get("outputTypeRef"), None
    return (tr.text.strip() if tr is not None and tr.text else None, it.get("isCollection") == "true",
            [(c.get("name"), _item_def(c)) for c in comps] if comps else None)


# ------------------------------------------------------------------ the model

@dataclass
class Element:
    kind: str                  # decision | bkm | service
    name: str
    logic: ET.Element | None   # the expression element (literalExpression, decisionTable, ...)
    type_ref: str | None       # the variable's typeRef
    needs: list                # ids of the decisions and BKMs it requires
    params: list = field(default_factory=list)   # a BKM's formal parameters: (name, typeRef)


@dataclass
class Model:
    item_defs: dict
    inputs: dict               # input data name -> typeRef
    elements: dict             # name -> Element
    by_id: dict                # id -> name
    imports: bool
    namespace: str


def _logic(el):
    for c in el:
        if local(c.tag) in LOGIC:
            return c
    return None


def load_model(path: Path) -> Model:
    root = ET.parse(path).getroot()
    item_defs = {it.get("name"): _item_def(it) for it in root if local(it.tag) == "itemDefinition"}
    inputs, elements, by_id = {}, {}, {}
    for el in root:
        tag = local(el.tag)
        var = child(el, "variable")
        type_ref = var.get("typeRef") if var is not None else None
        if tag == "inputData":
            inputs[el.get("name")] = type_ref
            continue
        kind = {"decision": "decision", "businessKnowledgeModel": "bkm", "decisionService": "service"}.get(tag)
        if kind is None:
            continue
        needs = [r.get("href") for r in el.iter() if local(r.tag) in ("requiredDecision", "requiredKnowledge")]
        params, logic = [], _logic(el)
        if kind == "bkm":
            body = child(el, "encapsulatedLogic")
            if body is not None:
                params = [(p.get("name"), p.get("typeRef")) for p in children(body, "formalParameter")]
                logic = _logic(body)
        elements[el.get("name")] = Element(kind, el.get("name"), logic, type_ref, needs, params)
        by_id[el.get("id")] = el.get("name")
    return Model(item_defs, inputs, elements, by_id,
                 any(local(x.tag) == "import" for x in root), root.get("namespace") or "")


def _required(model: Model, el: Element) -> list:
    """The elements `el` requires, by name: an href is `#id`, or `namespace#id` with the model's own
    namespace (DMN 1.5, 6.3.3); one into another model is None."""
    out = []
    for href in el.needs:
        ns, _, ident = (href or "").rpartition("#")
        out.append(model.by_id.get(ident) if ns in ("", model.namespace) else None)
    return out


def closure(model: Model, el: Element) -> list:
    """`el` and everything it requires, each once."""
    seen, stack, out = set(), [el], []
    while stack:
        e = stack.pop()
        if e.name in seen:
            continue
        seen.add(e.name)
        out.append(e)
        for name in _required(model, e):
            if name is not None and name in model.elements:
                stack.append(model.elements[name])
    return out


def _texts(node) -> list:
    return [t.text for t in node.iter() if local(t.tag) == "text" and t.text] if node is not None else []


# ------------------------------------------------------------------ evaluation

class Evaluator:
    """Evaluates the decisions of one model for one test case's inputs."""

    def __init__(self, model: Model, env: dict, diags: list):
        self.model, self.env, self.diags = model, env, diags
        self.types = {n: t for n in model.item_defs if (t := type_of(n, model.item_defs)) is not None}
        self.values: dict = {}
        self.functions: dict = {}
        self.budget = Budget()               # one evaluation, one budget (as the engine's)

    def decision(self, name: str):
        if name in self.values:
            return self.values[name]
        self.values[name] = None            # a cycle meets null, never recursion without end
        el = self.model.elements[name]
        scope = self.scope_for(el, dict(self.env))
        value = self.evaluate(el.logic, scope)
        value = conform_result(value, type_of(el.type_ref, self.model.item_defs))
        self.values[name] = value
        return value

    def scope_for(self, el: Element, scope: dict) -> dict:
        for name in _required(self.model, el):
            dep = self.model.elements.get(name) if name else None
            if dep is None:
                continue
            scope[name] = self.decision(name) if dep.kind == "decision" else self.function(dep)
        return scope

    def function(self, el: Element) -> Function:
        """A BKM as the function value its name stands for (10.3.2.13.3)."""
        if el.name in self.functions:
            return self.functions[el.name]
        env: dict = {}
        params = [p for p, _ in el.params]
        types = [type_of(t, self.model.item_defs) for _, t in el.params]
        fn = Function(params, None, env, types, el.name, result_type_of(el.type_ref, self.model.item_defs))
        self.functions[el.name] = fn
        env[el.name] = fn                    # a BKM may call itself
        self.scope_for(el, env)
        logic = el.logic
        fn.body = lambda scope, st: self.evaluate(logic, scope)
        return fn

    def evaluate(self, node, scope):
        kind = local(node.tag)
        if kind == "literalExpression":
            value = self.expr(text_of(node) or "null", scope)
        else:
            value = self.table(node, scope)
        return conform_result(value, type_of(node.get("typeRef"), self.model.item_defs))

    def expr(self, text: str, scope):
        names = _names(scope)
        ce = compile_expr(text, names={n: None for n in names}, multiword_names=[n for n in names if " " in n],
                          types=self.types)
        return ce.evaluate(scope, self.diags, self.budget)

    # -- decision tables (DMN 1.5, 8.2 and 8.3)

    def table(self, node, scope):
        inputs = [self.allowed(self.expr(text_of(child(i, "inputExpression")) or "null", scope),
                               child(i, "inputValues"), scope) for i in children(node, "input")]
        outputs = children(node, "output")
        out_types = [type_of(o.get("typeRef"), self.model.item_defs) for o in outputs]
        matched = []
        for rule in children(node, "rule"):
            cells = children(rule, "inputEntry")
            if all(self.tests(text_of(c), scope).matches(v, scope, self.diags, self.budget)
                   for c, v in zip(cells, inputs)):
                matched.append([self.allowed(conform_result(self.expr(text_of(e) or "null", scope), t),
                                             child(o, "outputValues"), scope)
                                for e, t, o in zip(children(rule, "outputEntry"), out_types, outputs)])
        policy = (node.get("hitPolicy") or "UNIQUE").upper()
        aggregation = (node.get("aggregation") or "").upper()
        shape = (lambda row: row[0]) if len(outputs) == 1 else \
            (lambda row: {o.get("name"): v for o, v in zip(outputs, row)})
        if not matched:
            defaults = [child(o, "defaultOutputEntry") for o in outputs]
            if any(d is not None for d in defaults):
                return shape([conform_result(self.expr(text_of(d), scope), t) if d is not None else None
                              for d, t in zip(defaults, out_types)])
            return Decimal(0) if policy == "COLLECT" and aggregation == "COUNT" else None
        if policy in ("UNIQUE", "U"):
            return shape(matched[0]) if len(matched) == 1 else self.fail("several rules of a UNIQUE table match")
        if policy in ("ANY", "A"):
            first = matched[0]
            if all(feel_eq(row, first) is True for row in matched[1:]):
                return shape(first)
            return self.fail("the rules an ANY table matches give different outputs")
        if policy in ("FIRST", "F"):
            return shape(matched[0])
        if policy in ("RULE ORDER", "R"):
            return [shape(r) for r in matched]
        if policy in ("PRIORITY", "P", "OUTPUT ORDER", "O"):
            ranks = [self.output_values(o, scope) for o in outputs]
            order = sorted(matched, key=lambda row: [_rank(v, values) for v, values in zip(row, ranks)])
            return shape(order[0]) if policy in ("PRIORITY", "P") else [shape(r) for r in order]
        if policy in ("COLLECT", "C"):
            values = [shape(r) for r in matched]
            if not aggregation:
                return values
            if aggregation == "COUNT":
                return Decimal(len(values))
            try:
                if aggregation == "SUM":
                    total = values[0]
                    for v in values[1:]:
                        total = ARITH["+"](total, v)
                    return total
                best = values[0]
                for v in values[1:]:
                    if compare("<" if aggregation == "MIN" else ">", v, best):
                        best = v
                return best
            except (FeelError, TypeError, ArithmeticError) as e:
                return self.fail(f"the {aggregation} of the outputs cannot be made ({e})")
        return self.fail(f"unknown hit policy {policy}")

    def tests(self, text, scope):
        names = _names(scope)
        return compile_unary_tests((text or "-").strip() or "-", names={n: None for n in names},
                                   multiword_names=[n for n in names if " " in n])

    def allowed(self, value, values_el, scope):
        """A column's input or output values are the values it allows (unary tests, DMN 1.5 8.3.2): a
        value outside them is null, as a value outside a type's allowed values does not conform."""
        text = text_of(values_el)
        if value is None or not text or not text.strip():
            return value
        return value if self.tests(text, scope).matches(value, scope, self.diags, self.budget) else None

    def output_values(self, output, scope) -> list:
        """An output's values as separate tests, in priority order (8.2.11: the first is the highest)."""
        text = text_of(child(output, "outputValues"))
        if not text or not text.strip():
            return []
        ast = self.tests(text, scope).ast
        return [self.tests(dump(t), scope) for t in getattr(ast, "tests", ())]

    def fail(self, reason: str):
        self.diags.append(reason)
        return None


def _rank(v, tests) -> int:
    for i, t in enumerate(tests):
        if t.matches(v):
            return i
    return len(tests)


def _names(scope) -> list:
    """The names a scope holds, its enclosing scopes' included (a BKM body sees its parameters and the
    functions its model binds)."""
    out = set()
    while scope is not None:
        out.update(n for n in scope if n)
        scope = getattr(scope, "parent", None)
    return sorted(out)


# ------------------------------------------------------------------ running

@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)
    skips: dict = field(default_factory=dict)

    def add(self, other: "Tally"):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures
        for k, v in other.skips.items():
            self.skips[k] = self.skips.get(k, 0) + v


_ODD_NAME = re.compile(r"[^\w ]")


def run_folder(folder: Path) -> Tally:
    tally = Tally()
    models = {dmn.name: dmn for dmn in sorted(folder.glob("*.dmn"))}
    loaded: dict = {}
    for test_file in sorted(folder.glob("*test*.xml")):
        root = ET.parse(test_file).getroot()
        model_name = (child(root, "modelName").text or "").strip() if child(root, "modelName") is not None else ""
        path = models.get(model_name) or (next(iter(models.values())) if len(models) == 1 else None)
        if path is None:
            continue
        if path not in loaded:
            loaded[path] = load_model(path)
        model = loaded[path]
        for case in root:
            if local(case.tag) != "testCase":
                continue
            for result in children(case, "resultNode"):
                _run_case(case, result, model, tally, test_file)
    return tally


def _run_case(case, result, model: Model, tally: Tally, test_file: Path):
    info = CaseInfo(imports=model.imports)
    name = result.get("name")
    el = model.elements.get(name)
    info.invocable = case.get("type") in ("bkm", "decisionService") or case.get("invocableName") is not None
    info.missing = not info.invocable and (el is None or el.kind != "decision")
    elements = closure(model, el) if el is not None and not info.invocable else []
    texts = []
    for e in elements:
        info.kinds.add(local(e.logic.tag) if e.logic is not None else "no logic")
        texts += _texts(e.logic)
        if e.kind == "service":
            info.kinds.add("decisionService")
    info.text = "\n".join(texts)
    env = {}
    for inp in children(case, "inputNode"):
        # an input is checked against its declared type as a decision's result is (DMN 1.5, 10.3.2.9.4)
        env[inp.get("name")] = conform_result(convert(inp, info.types),
                                              type_of(model.inputs.get(inp.get("name")), model.item_defs))
    expected_el = child(result, "expected")
    expected = None if result.get("errorResult") == "true" or expected_el is None \
        else convert(expected_el, info.types)
    if expected is None:
        info.types.add("expects-null")
    # a name with operator characters that an expression reads (a decision's own name is never read)
    names = set(model.inputs) | set(env) | {e.name for e in elements if e is not el}
    if any(n and _ODD_NAME.search(n) and n in info.text for n in names):
        info.types.add("odd-name")
    for feature, _reason, applies in SKIP_FEATURES:
        if applies(info):
            tally.skipped += 1
            tally.skips[feature] = tally.skips.get(feature, 0) + 1
            return
    label = f"{test_file.name} case {case.get('id')} ({name})"
    diags: list = []
    for input_name in model.inputs:
        env.setdefault(input_name, None)    # an input the case does not give is null
    try:
        actual = Evaluator(model, env, diags).decision(name)
    except FeelError as e:
        actual, diags = None, [e.message]
    except Exception as e:                          # a bug: count it, keep going
        actual, diags = None, [f"crash: {type(e).__name__}: {e}"]
    if same(actual, expected):
        tally.passed += 1
    else:
        tally.failed += 1
        shown = texts[0].strip() if len(texts) == 1 else f"{len(texts)} expressions"
        tally.failures.append(f"{label}: {shown!r} gave {to_plain(actual)!r}, "
                              f"expected {to_plain(expected)!r} {diags[:2]}")


def run(path: Path, out=None) -> Tally:
    """Every folder under `path`; the tally has `folders` (name -> Tally) and `levels` too."""
    total = Tally()
    total.folders, total.levels = {}, {}
    folders = sorted({p.parent for p in Path(path).rglob("*.dmn")})
    for folder in folders:
        t = run_folder(folder)
        total.add(t)
        name = folder.relative_to(path).as_posix() if folder != Path(path) else folder.name
        if t.passed or t.failed or t.skipped:
            total.folders[name] = t
            level = name.split("/")[0] if "/" in name else "."
            total.levels.setdefault(level, Tally()).add(t)
            if out is not None:
                print(f"{name}: {t.passed} passed, {t.failed} failed, {t.skipped} skipped", file=out)
    if out is not None:
        for level, t in sorted(total.levels.items()):
            ran = t.passed + t.failed
            all_ = ran + t.skipped
            print(f"level {level}: {t.passed} passed, {t.failed} failed, {t.skipped} skipped "
                  f"({100 * t.passed / max(ran, 1):.1f}% of those run; {100 * t.skipped / max(all_, 1):.1f}% skipped)",
                  file=out)
    return total


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    if len(args) != 1:
        print("usage: run_tck.py PATH [-v]", file=sys.stderr)
        return 2
    total = run(Path(args[0]), sys.stdout)
    if verbose:
        for f in total.failures:
            print("FAIL", f)
        for feature, reason, _ in SKIP_FEATURES:
            print(f"skip: {feature}: {total.skips.get(feature, 0)} ({reason})")
    print(f"{total.passed} passed, {total.failed} failed, {total.skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
