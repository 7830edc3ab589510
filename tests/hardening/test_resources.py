"""Resource limits: hostile inputs fail fast with a clear error, in bounded time and memory.

Each attack runs in a fresh subprocess (address space capped at 2 GB so a regression fails instead of
swapping the machine) that reports the CPU time it spent and its peak RSS. The bounds (5 s, 500 MB) are
correctness bounds against hangs and blow-ups, not timing targets; CPU time, not wall time, so that a
loaded machine (other jobs on the same cores) cannot fail them. The limits themselves are set in
engine/yamlio.py (file size, depth, values), engine/feel/parser.py (expression length and nesting)
and engine/feel/budget.py (items per evaluation); SECURITY.md lists them.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from hardening_support import LIBRARY, PEAK_MB, eval_with_extra_rule, run_bounded, run_main

PRELUDE = PEAK_MB + """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
start = time.process_time()
def report(outcome):
    print(json.dumps({"outcome": str(outcome), "seconds": time.process_time() - start,
                      "mb": peak_mb()}))
"""


def measure(code: str, tmp_path) -> dict:
    return run_bounded(PRELUDE + textwrap.dedent(code), tmp_path, timeout=60)


def _yaml_attack(text_expr: str, tmp_path) -> str:
    return measure(f"""
        from engine.yamlio import YamlError, parse_yaml
        text = {text_expr}
        start = time.process_time()
        try:
            parse_yaml(text)
            report("parsed")
        except YamlError as exc:
            report(f"YamlError {{exc.line}}: {{exc.message}}")
        """, tmp_path)["outcome"]


def test_billion_laughs(tmp_path):
    out = _yaml_attack(repr("a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
                            + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
                                      for p, n in zip("abcdefgh", "bcdefghi"))), tmp_path)
    assert out.startswith("YamlError") and "more than 100,000 values" in out


def test_deeply_nested_yaml(tmp_path):
    out = _yaml_attack("'a: ' + '[' * 100000 + ']' * 100000", tmp_path)
    assert out.startswith("YamlError 1:") and "nests deeper than 64 levels" in out


def test_deeply_nested_block_yaml(tmp_path):
    out = _yaml_attack("''.join('  ' * i + 'k:\\n' for i in range(3000)) + '  ' * 3000 + 'v'", tmp_path)
    assert "nests deeper than 64 levels" in out


def test_many_values_yaml(tmp_path):
    out = _yaml_attack("'items:\\n' + '  - {a: 1, b: 2}\\n' * 600000", tmp_path)  # ~10 MB
    assert "more than 100,000 values" in out


@pytest.mark.parametrize("text", ["'[' * 100000 + ']' * 100000", "'{\"a\": [' + '1,' * 2_000_000 + '1]}'"],
                         ids=["deep", "many"])
def test_json_bounds(text, tmp_path):
    out = measure(f"""
        from engine.yamlio import YamlError, parse_json
        text = {text}
        try:
            parse_json(text)
            report("parsed")
        except YamlError as exc:
            report("YamlError: " + exc.message)
        """, tmp_path)["outcome"]
    assert out.startswith("YamlError") and ("nests deeper" in out or "more than 100,000 values" in out)


def _expr_attack(expr: str, tmp_path) -> dict:
    return measure(f"""
        from engine.feel import FeelError, compile_expr
        from engine.ruleset import function_registry
        functions = function_registry()
        start = time.process_time()
        try:
            diagnostics = []
            value = compile_expr({expr!r}, functions=functions).evaluate({{}}, diagnostics)
            report(f"value {{str(value)[:40]}} {{diagnostics}}")
        except FeelError as exc:
            report(f"{{type(exc).__name__}}: {{exc.message}}")
        """, tmp_path)


def test_ten_thousand_parentheses(tmp_path):
    out = _expr_attack("(" * 10000 + "1" + ")" * 10000, tmp_path)["outcome"]
    assert out.startswith("FeelSyntaxError") and "nests too deeply" in out


@pytest.mark.parametrize("expr", ["for i in 1..1000000000000 return i", "sum(for i in 1..1000000000000 return i)",
                                  "for i in 1..10000000 return i", "count(for i in 1..10000000 return [i])",
                                  "for i in 1..100000, j in 1..100000 return 1",
                                  "string join(for i in 1..1000000 return \"0123456789\")",
                                  "10 ** 100000000", "\"a\" * 100000000"])
def test_huge_evaluations(expr, tmp_path):
    out = _expr_attack(expr, tmp_path)["outcome"]
    assert out.startswith("value None") or out.startswith("FeelCheckError") or out.startswith("value 0123"), out


def test_huge_case_list_through_the_cli(tmp_path, capsys):
    """A case file just under 10 MB holding a long list: refused by the value limit, quickly."""
    case = tmp_path / "big.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans:\n"
                    + "  - {borrowed_on: 2026-01-05, returned_on: 2026-01-20}\n" * 180_000, encoding="utf-8")
    assert case.stat().st_size < 10 * 1024 * 1024
    out = measure(f"""
        import contextlib, io
        from engine.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["eval", {str(case)!r}, "--rulesets", {str(LIBRARY.parent)!r}, "--family", "LIB-LOANS"])
        report(f"{{code}} {{err.getvalue().strip()}}")
        """, tmp_path)["outcome"]
    assert out.startswith("4 certrules: ") and "big.yaml:" in out and "more than 100,000 values" in out


def test_deep_expression_in_a_rule_file_is_located(library, capsys):
    policy = library / "status.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "expr: card.state\n", "expr: '" + "(" * 10000 + "1" + ")" * 10000 + "'\n"), encoding="utf-8")
    code, out, err = run_main(["check", library], capsys)
    assert code == 1 and "status.yaml:5" in out and "nests too deeply" in out and "Traceback" not in out + err


def test_a_loop_too_big_at_evaluation_becomes_a_finding(library, tmp_path, capsys):
    code, out, err = eval_with_extra_rule(
        library, tmp_path, capsys, "huge", "count(for i in 1..1000000000000 return i)",
        "as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n")
    assert code == 0, err
    result = json.loads(out)
    assert result["values"]["huge"] is None
    # the evaluation goes on; the trace says why the value is null
    assert "more than 1000000 items" in json.dumps(result["trace"]["huge"]["diagnostics"]), result["trace"]["huge"]


def test_a_rule_file_of_long_expressions_is_checked_quickly(library, tmp_path):
    """~10 MB of 19,600-character expressions took 33 s to check (issue 17): the rule set's
    expressions together are bounded (engine/expressions.py MAX_RULESET_TEXT), so the rest are refused."""
    expr = " + ".join(["(1 + 2 * 3)"] * 1400)
    rows = "".join(f"  - {{id: r{n}, clause: '1', expr: '{expr}'}}\n" for n in range(480))
    (library / "long.yaml").write_text("rules:\n" + rows, encoding="utf-8")
    assert (library / "long.yaml").stat().st_size > 9_000_000
    out = measure(f"""
        import contextlib, io
        from engine.cli import main
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            code = main(["check", {str(library)!r}])
        said = "long.yaml" in text.getvalue() and "expressions add up to more than 100,000 characters" in text.getvalue()
        report(f"{{code}} {{said}}")
        """, tmp_path)["outcome"]
    assert out == "1 True", out
