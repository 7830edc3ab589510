"""The generated code (engine/codegen): no rule text ever becomes source but as an escaped literal, the
cache across processes never trusts a bad entry, and a cold `certrules eval` imports only what it uses.

The hostile rule set's ids, case fields, strings, comments, clauses and messages hold quotes,
backslashes, newlines, triple quotes, Unicode line separators and Python keywords; its expected
values are worked out by hand from its definitions below (the reference evaluation).
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import warnings
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"

NASTY = 'q"uote \' back\\slash \n new""" line \u2028 sep \u0085 nel \u202e bidi'
FIELD = 'odd "field"\nname\u2028'

MANIFEST = {
    # a code is a plain name (it names folders: loader.is_plain_name); the revision carries the quotes instead
    "family": "HOSTILE", "code": "HOSTILE-1", "revision": 'R"""1',
    "title": {"en": 'a """ title\nwith a newline \u2028 and \\ backslash'},
    "effective": "2026-01-01", "status": "approved", "provenance": "authoritative", "source": {"document": NASTY},
    "case_schema": "case.schema.yaml", "languages": ["en"],
}

SCHEMA = {
    "type": "object", "required": ["as_of"], "additionalProperties": False,
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "class": {"type": "integer"},
        "lambda": {"type": "string"},
        FIELD: {"type": "string"},
        "None": {"type": "object", "properties": {"def": {"type": "number"}}},
    },
}

TRIPLE = 'it\'s "quoted" \\ and """ triple'
RULES = {
    "parameters": [
        {"id": "D", "clause": '1"""', "value": TRIPLE},
        {"id": "e1", "clause": "1", "value": 2},
    ],
    "rules": [
        {"id": "pass", "clause": '2 "\\', "title": {"en": NASTY},
         "expr": 'class + e1 // a comment with """ and \' and \\ and " in it\n'},
        {"id": "def", "clause": "3",
         "expr": 'lambda + D + "\\"\\"\\" \\\\ \u2028 \u0085 \\n end" /* """ \' \\ \u2028 */'},
        {"id": "k1", "clause": "4",
         "expr": 'get value({"a\\"b": 1, "x\\ny": 2, "class": 3, "import": 4}, "a\\"b")'
                 ' + get value({"x\\ny": 5}, "x\\ny")'},
        {"id": "env", "clause": "5", "expr": "None.def * 2"},
        {"id": "B", "clause": "6", "expr": "string length(lambda)"},
        # ids that are the generated code's own names, the runtime's, or that NFKC folds into another
        # id ("ﬁ" is "fi" as a Python identifier): each must keep its own value
        {"id": "BG", "clause": "9", "expr": "e1 * 3"},
        {"id": "F", "clause": "9", "expr": "BG + 1"},
        {"id": "t1", "clause": "9", "expr": "F + 1"},
        {"id": "values", "clause": "9", "expr": "t1 * 2"},
        {"id": "_D", "clause": "9", "expr": "1 + 1"},
        {"id": "__builtins__", "clause": "9", "expr": '"b"'},
        {"id": "\ufb01", "clause": "9", "expr": "values + 1"},
        {"id": "fi", "clause": "9", "expr": "100"},
        {"id": "uses_fn", "clause": "10", "expr": 'lambda_of(40, "x\\"")'},
    ],
    "functions": [
        # parameters named as Python keywords and generated names, a string with quotes in the body
        {"id": "lambda_of", "clause": '10 """', "params": [{"name": "class", "type": "number"}, "env"],
         "expr": 'string(class + 1) + env + "\\"\\"\\"" // """ \' \\'},
    ],
    "checks": [
        {"id": "True", "clause": '7 \'"""\'', "severity": "note", "tags": ['a"b', "\\"],
         "let": {"x": "pass", "s": "D"}, "assert": "x < 0",
         "message": {"en": '{x} and {s}: """ \' \\ \n newline \u2028 {pass} {nope} {0.__class__}'}},
    ],
    "tables": [
        {"id": "T", "clause": "8", "key": "lambda", "match": "exact", "columns": ["v"],
         "rows": [{"key": 'a"b\n', "id": 'row """ \u2028', "v": 1}, {"key": "class", "v": 2}]},
    ],
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "HOSTILE-R1"
    folder.mkdir()
    # JSON is YAML: every awkward character written as an escape the reader turns back into itself
    for name, doc in (("ruleset.yaml", MANIFEST), ("case.schema.yaml", SCHEMA), ("rules.yaml", RULES)):
        (folder / name).write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")
    from engine.ruleset import load_ruleset
    return load_ruleset(folder)


CASE = {"as_of": "2026-03-01", "class": 40, "lambda": 'a"b\n', FIELD: "x", "None": {"def": Decimal("1.5")}}


def test_hostile_rule_set_gives_the_values_worked_out_by_hand(hostile):
    from engine.evaluation import evaluate
    for trace in (False, True):
        r = evaluate(hostile, dict(CASE), trace=trace)
        v = r["values"]
        assert v["pass"] == Decimal(42)                      # class + e1
        assert v["def"] == 'a"b\n' + TRIPLE + '""" \\ \u2028 \u0085 \n end'
        assert v["k1"] == Decimal(6)                           # 1 + 5
        assert v["env"] == Decimal("3.0")
        assert v["B"] == Decimal(4)                            # 'a"b\n' has 4 characters
        assert v["T"] == {"v": Decimal(1), "row": "row \"\"\" \u2028", "row_index": Decimal(1)}
        assert (v["BG"], v["F"], v["t1"], v["values"], v["\ufb01"], v["fi"]) == tuple(map(Decimal, (6, 7, 8, 16, 17, 100)))
        assert v["_D"] == Decimal(2) and v["__builtins__"] == "b"
        assert v["uses_fn"] == '41x""""'       # 41, then x", then three quotes
        [f] = [f for f in r["findings"] if f["id"] == "True"]
        assert f["clause"] == "7 '\"\"\"'" and f["tags"] == ["a\"b", "\\"]
        assert f["message"]["en"] == '42 and ' + TRIPLE + ': """ \' \\ \n newline \u2028 42 {nope} {0.__class__}'
        assert f["values"] == {"x": Decimal(42), "s": TRIPLE}
        if trace:
            assert r["trace"]["pass"]["inputs"] == {"class": 40, "e1": 2}


def _identifiers(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.FunctionDef, ast.arg)):
            yield getattr(node, "name", None) or node.arg
        elif isinstance(node, ast.Attribute):
            yield node.attr


# names the generated code itself uses (engine/codegen), besides counter-made ones (t12, k3, e40, ...)
_OWN = {"env", "D", "BG", "LR", "st", "spend", "reached", "F", "T", "E", "FN", "AS_OF", "cx", "tk", "e", "x", "i", "d", "r", "y", "u", "nx",
        "since", "to", "tid", "tcl", "xt", "_i", "iv", "case", "v", "prepare", "run", "run_traced", "f", "h", "k",
        "get", "copy", "append", "isoformat", "extend", "update", "message", "reason", "upper", "lower", "search",
        "sort", "items", "chars", "months", "x0", "x1", "x2", "x3", "reset", "set", "values", "keys", "issuperset", "__class__"}


def test_generated_source_holds_rule_text_only_as_escaped_literals(hostile):
    import re
    from engine.codegen.module import RUNTIME
    from engine.codegen.program import _extras, generate
    from engine.ruleset import function_registry
    allowed = _OWN | set(RUNTIME) | set(_extras()) | set(RUNTIME["__builtins__"]) | {"_fn", "_spec"}
    hostile_texts = {NASTY, FIELD, 'a"b', 'x\ny', "import", "class", "lambda", "None", "pass", "def", "True"}
    for traced in (False, True):
        source = generate(hostile, function_registry(), traced=traced)
        assert source.isascii()
        with warnings.catch_warnings():
            warnings.simplefilter("error")      # a SyntaxWarning (`x is 'a'`) is a slip of the emitter
            compile(source, "<hostile>", "exec")
        tree = ast.parse(source)
        for name in _identifiers(tree):
            assert re.fullmatch(r"[a-z]+\d+", name) or name in allowed, name
        # every text of the rule set that reached the module is a string constant, nothing else
        constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert 'a"b' in constants and "x\ny" in constants and (traced or FIELD in constants)   # prepare: untraced
        assert not (set(_identifiers(tree)) & (hostile_texts - {"None"}))
        for n in ast.walk(tree):
            assert not isinstance(n, (ast.Import, ast.ImportFrom, ast.Lambda, ast.ClassDef, ast.Global))


def test_a_stand_alone_expression_with_hostile_strings():
    from engine.feel import compile_expr
    ce = compile_expr('x + "\\"\\"\\" \u2028 \\\\ " // a comment """ \n + "end"', names={"x": "string"})
    assert ce.evaluate({"x": "a\nb"}) == 'a\nb""" \u2028 \\ end'


# ------------------------------------------------------------------ the cache across processes

_LOAD = r"""
import json, sys, time
from pathlib import Path
from engine.registry import load_cached
from engine.evaluation import evaluate
from engine.jsonout import dumps
rs = load_cached(Path(sys.argv[1]))
print(json.dumps({"from_cache": "_code" in rs.__dict__ and getattr(rs.program, "traced_code", None) is not None,
                  "result": dumps(evaluate(rs, json.loads(sys.argv[2])))}))
"""

LIB_CASE = {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2020-01-01"},
            "loans": [{"borrowed_on": "2026-01-01"}]}


def _load(folder, cache):
    import os
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    p = subprocess.run([sys.executable, "-c", _LOAD, str(folder), json.dumps(LIB_CASE)], capture_output=True,
                       text=True, env=env, cwd=REPO)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _entries(cache):
    return sorted((cache / "certrules" / "rulesets").glob("*.bin"))


def test_cache_is_used_and_gives_the_same_result(tmp_path):
    first = _load(LIBRARY, tmp_path)
    [entry] = _entries(tmp_path)
    second = _load(LIBRARY, tmp_path)
    assert second["from_cache"] and second["result"] == first["result"]
    assert _entries(tmp_path) == [entry]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_damaged_cache_entry_is_rebuilt_not_trusted(tmp_path, damage):
    good = _load(LIBRARY, tmp_path)["result"]
    [entry] = _entries(tmp_path)
    data = bytearray(entry.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = b""
    else:
        data = b"certrules-ruleset-cache 1\n" + b"\0" * 32 + b"not marshal"
    entry.write_bytes(bytes(data))
    assert _load(LIBRARY, tmp_path)["result"] == good
    assert _entries(tmp_path)[0].read_bytes() != bytes(data)      # rewritten


_REDUCED = r"""
import json, sys
from pathlib import Path
import engine.codegen.program as P
from engine.registry import load_cached
from engine.evaluation import evaluate
from engine.jsonout import dumps
made = []
compile_module = P.compile_module
def counting(rs, functions, outputs=None, *args, **kw):
    made.extend([outputs] if outputs is not None else [])
    return compile_module(rs, functions, outputs, *args, **kw)
P.compile_module = counting
rs = load_cached(Path(sys.argv[1]))
result = dumps(evaluate(rs, json.loads(sys.argv[2]), outputs=["loan_limits"]))
print(json.dumps({"made": len(made), "result": result}))
"""


def _reduced(folder, cache):
    import os
    p = subprocess.run([sys.executable, "-c", _REDUCED, str(folder), json.dumps(LIB_CASE)], capture_output=True,
                       text=True, env=dict(os.environ, XDG_CACHE_HOME=str(cache)), cwd=REPO)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_a_reduced_module_is_cached_beside_its_entry_and_rebuilt_when_damaged(tmp_path):
    _load(LIBRARY, tmp_path)
    [entry] = _entries(tmp_path)
    first = _reduced(LIBRARY, tmp_path)
    assert first["made"] == 1
    [reduced] = [p for p in _entries(tmp_path) if p != entry]
    second = _reduced(LIBRARY, tmp_path)
    assert second == {"made": 0, "result": first["result"]}        # read, not generated again
    reduced.write_bytes(reduced.read_bytes()[:-7] + b"garbage")
    assert _reduced(LIBRARY, tmp_path) == {"made": 1, "result": first["result"]}
    assert _reduced(LIBRARY, tmp_path)["made"] == 0                  # the damaged file was replaced


def test_a_changed_rule_set_gets_a_new_entry(tmp_path):
    import shutil
    folder = tmp_path / "rs" / LIBRARY.name
    shutil.copytree(LIBRARY, folder)
    before = json.loads(_load(folder, tmp_path / "cache")["result"])
    policy = folder / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("max_items: 5,", "max_items: 6,"), encoding="utf-8")
    after = json.loads(_load(folder, tmp_path / "cache")["result"])
    assert before["values"]["loan_limits"]["max_items"] == 5 and after["values"]["loan_limits"]["max_items"] == 6
    assert len(_entries(tmp_path / "cache")) == 2


def test_cold_eval_imports_only_what_it_uses(tmp_path):
    import os
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    case = sorted((REPO / "examples" / "cases").glob("*.yaml"))[0]
    script = textwrap.dedent(f"""
        import sys, io, contextlib
        from engine.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["eval", {str(case)!r}])
        print(code, sorted({{m.split(".")[0] for m in sys.modules}} & {{"jsonschema", "lark", "jinja2"}}),
              "engine.feel.parser" in sys.modules, "engine.codegen.elements" in sys.modules,
              "engine.feel.nodes" in sys.modules)
        """)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO)
            for _ in range(2)]
    assert all(p.returncode == 0 for p in runs), runs[-1].stderr
    assert runs[1].stdout.split() == ["0", "[]", "False", "False", "False"], runs[1].stdout   # the second: from the cache


def test_every_command_word_names_its_module():
    from engine.cli import COMMAND_WORDS, build_parser
    for word, module in COMMAND_WORDS.items():
        parser = build_parser(module)
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        assert word in sub.choices, (word, module)


def test_outputs_that_are_only_literal_parameters():
    """Asking only for parameters gives a function whose body computes nothing: it must still compile."""
    from engine.case import read_case_file
    from engine.evaluation import evaluate
    from engine.registry import load_cached
    root = Path(__file__).resolve().parents[2]
    rs = load_cached(root / "rulesets" / "ZBC-SC-2025-A2")
    params = [eid for eid, el in rs.elements.items() if el.kind == "parameter" and isinstance(el.raw.get("value"), str)][:2]
    assert params
    case = read_case_file(root / "examples" / "cases" / "01-initial-five-star-9-sites.yaml")
    for trace in (False, True):
        values = evaluate(rs, case, trace=trace, outputs=params)["values"]
        assert values == {p: rs.elements[p].raw["value"] for p in params}
