"""Run the DMN TCK's literal-expression decisions through engine.feel.

    python tests/conformance/run_tck.py PATH [-v]

Walks every *.dmn under PATH. A decision counts when its logic is a
`literalExpression/text` and it has no required decisions or knowledge
requirements; each test-case resultNode naming such a decision is one case. The
inputs come from the test case's inputNodes, converted by xsi:type; the result is
compared with the expected value (numbers within 1e-8; errorResult / xsi:nil mean
null; lists and contexts structurally).

A decision's declared result type (its variable's typeRef, through the model's
itemDefinitions) is applied to the value as DMN requires (engine.feel.conform): a
value of another type becomes null, a one-item list stands for its item.

Cases that need something certrules deliberately does not support are skipped by
FEATURE (SKIP_FEATURES below, one reason each), found by looking at the expression,
the inputs and the expected value - never by case id.

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

from engine.feel import FeelError, compile_expr, conform, to_plain  # noqa: E402
from engine.feel.nodes import TypeRef  # noqa: E402
from engine.feel.temporal import parse_date_time, parse_time  # noqa: E402
from engine.feel.values import parse_date, parse_duration  # noqa: E402

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# (feature, reason, test on (expression text, input xsi:types + expected xsi:types))
SKIP_FEATURES = [
    ("now() and today()",
     "results would depend on the clock; certrules expressions are deterministic (an evaluation takes its "
     "date from the case)",
     lambda text, types: bool(re.search(r"\b(now|today)\s*\(", text))),
    ("external functions",
     "function(..) external {java: ..} / {pmml: ..} runs code outside the rule set; refused at load",
     lambda text, types: bool(re.search(r"\bexternal\b", text))),
    ("back-references in regular expressions",
     "no linear-time engine can match \\1, and a time bound would make results depend on the machine; "
     "refused at load",
     lambda text, types: bool(re.search(r'(matches|replace|split)\s*\(.*"[^"]*(?<!\\)(\\\\)*\\[1-9]', text))),
    ("dates outside the years 1-9999",
     "dates are Python dates, which hold the years 1 to 9999",
     lambda text, types: "expects-null" not in types and (
         bool(re.search(r'"-\d{4,}-\d\d-\d\d|"[1-9]\d{4,}-\d\d-\d\d|date\(\s*-?[1-9]\d{4,}\s*,|date\(\s*-\d', text))
         or "out-of-range-date" in types)),
    ("names with operator characters",
     "FEEL names may contain ' . / - + *; certrules names are letters, digits and _ (so that a-b is "
     "always a subtraction)",
     lambda text, types: "odd-name" in types or bool(re.search(r"[{,]\s*\w+[-+*/.']\w+\s*:", text))),
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


class Unsupported(Exception):
    """A value of a type the subset does not have (its name is the xsi:type)."""


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


# typeRef names in DMN models -> FEEL type names
_TYPE_NAMES = {"dateTime": "date and time", "dayTimeDuration": "days and time duration",
               "yearMonthDuration": "years and months duration"}


def type_of(type_ref: str | None, item_defs: dict, seen=()) -> TypeRef | None:
    """A typeRef (a FEEL type name or an itemDefinition's name) as a FEEL type, or None when the
    model's definition is one the harness does not model (a function item, a cycle)."""
    if not type_ref:
        return None
    if type_ref in item_defs and type_ref not in seen:
        base, is_collection, components = item_defs[type_ref]
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
    return TypeRef(name) if name in ("number", "string", "boolean", "date", "time", "date and time", "Any",
                                      "days and time duration", "years and months duration", "context",
                                      "list", "range", "function") else None


def conform_result(value, type_ref: str | None, item_defs: dict):
    """DMN's check of a decision's result against its declared type: a value of another type
    becomes null; a one-item list stands for its item where a non-list is declared."""
    t = type_of(type_ref, item_defs)
    if t is None:
        return value
    try:
        return conform(value, t)
    except TypeError:
        return None


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


def _decisions(model):
    out = {}
    for d in model.iter():
        if local(d.tag) != "decision":
            continue
        lit = child(d, "literalExpression")
        text_el = child(lit, "text") if lit is not None else None
        needs = any(local(x.tag) == "requiredDecision" for x in d.iter()) or \
            any(local(x.tag) == "knowledgeRequirement" for x in d)
        var = child(d, "variable")
        out[d.get("name")] = (text_el.text if text_el is not None and not needs else None,
                              var.get("typeRef") if var is not None else None)
    return out


def _item_def(it):
    tr = child(it, "typeRef")
    comps = children(it, "itemComponent")
    if child(it, "functionItem") is not None:
        return None, False, None
    return (tr.text.strip() if tr is not None and tr.text else None, it.get("isCollection") == "true",
            [(c.get("name"), _item_def(c)) for c in comps] if comps else None)


def _item_defs(model):
    return {it.get("name"): _item_def(it) for it in model if local(it.tag) == "itemDefinition"}


_ODD_NAME = re.compile(r"[^\w ]")


def run_folder(folder: Path) -> Tally:
    tally = Tally()
    for dmn in sorted(folder.glob("*.dmn")):
        model = ET.parse(dmn).getroot()
        decisions = _decisions(model)
        item_defs = _item_defs(model)
        inputs = {d.get("name"): (child(d, "variable").get("typeRef") if child(d, "variable") is not None else None)
                  for d in model.iter() if local(d.tag) == "inputData"}
        for test_file in sorted(folder.glob("*-test-*.xml")):
            for case in ET.parse(test_file).getroot():
                if local(case.tag) != "testCase":
                    continue
                for result in children(case, "resultNode"):
                    _run_case(case, result, decisions, item_defs, inputs, tally, test_file)
    return tally


def _run_case(case, result, decisions, item_defs, inputs, tally, test_file):
    text, type_ref = decisions.get(result.get("name"), (None, None))
    if text is None:
        return                                      # not a literal-expression decision
    types: set = set()
    env = {}
    for inp in children(case, "inputNode"):
        # an input is checked against its declared type as a decision's result is (DMN 1.5, 10.3.2.9.4)
        env[inp.get("name")] = conform_result(convert(inp, types), inputs.get(inp.get("name")), item_defs)
    expected_el = child(result, "expected")
    expected = None if result.get("errorResult") == "true" or expected_el is None \
        else convert(expected_el, types)
    if expected is None:
        types.add("expects-null")
    names = sorted(n for n in set(inputs) | set(env) if n)
    if any(_ODD_NAME.search(n) for n in names):
        types.add("odd-name")
    for feature, _reason, applies in SKIP_FEATURES:
        if applies(text, types):
            tally.skipped += 1
            tally.skips[feature] = tally.skips.get(feature, 0) + 1
            return
    label = f"{test_file.name} case {case.get('id')} ({result.get('name')})"
    try:
        types = {n: t for n in item_defs if (t := type_of(n, item_defs)) is not None}
        ce = compile_expr(text, names={n: None for n in names},
                          multiword_names=[n for n in names if " " in n], types=types)
        diags: list = []
        actual = conform_result(ce.evaluate(env, diags), type_ref, item_defs)
    except FeelError as e:
        actual, diags = None, [e.message]
    except Exception as e:                          # a bug: count it, keep going
        actual, diags = None, [f"crash: {type(e).__name__}: {e}"]
    if same(actual, expected):
        tally.passed += 1
    else:
        tally.failed += 1
        tally.failures.append(f"{label}: {text.strip()!r} gave {to_plain(actual)!r}, "
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
