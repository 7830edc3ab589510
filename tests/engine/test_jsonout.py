"""The JSON writer: orjson writes the text, and it is byte for byte what the same rules written in
Python (dumps_python) make, for every result the examples give and for any tree of the values the
engine handles, including those orjson refuses (which the Python writer then writes)."""
from __future__ import annotations

import collections
import enum
import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.jsonout import dumpb, dumps, dumps_python
from engine.yamlio import load_file

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))


def same(value):
    for indent in (0, 2):
        text = dumps_python(value, indent)
        assert dumps(value, indent) == text
        assert dumpb(value, indent) == text.encode("utf-8", "backslashreplace")
    return text


@pytest.mark.parametrize("path", CASES[:12], ids=lambda p: p.stem)
def test_every_example_result_is_written_as_the_python_writer_writes_it(path):
    case = load_file(path).data
    try:
        rs, why = engine.select_ruleset(case)
        results = [engine.evaluate(rs, case, selection=why, trace=t) for t in (True, False)]
    except engine.errors.CertrulesError:
        pytest.skip("this example is refused (a case that shows a refusal)")
    for r in results:
        json.loads(same(r))


def test_certrules_eval_format_json_prints_the_reference_text(tmp_path):
    path = ROOT / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"
    out = subprocess.run([sys.executable, "-m", "engine", "eval", str(path), "--format", "json"], cwd=ROOT,
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    case = load_file(path).data
    rs, why = engine.select_ruleset(case)
    reference = dumps_python(engine.evaluate(rs, case, selection=why))
    assert out.stdout.decode("utf-8") == reference
    assert len(reference) > 50_000 and '"audit_days"' in reference


numbers = st.one_of(st.decimals(allow_nan=True, allow_infinity=True), st.integers(),
                    st.sampled_from([Decimal("2.50"), Decimal("-0"), Decimal("1E+400"), Decimal("1e-7000"),
                                     Decimal("1e999999999"), 10 ** 40, -(2 ** 63) - 1, 2 ** 64, 2 ** 63]))
leaves = st.one_of(st.none(), st.booleans(), numbers, st.text(), st.dates(),
                   st.text(st.characters(codec=None, categories=("Cs", "Cc", "Zl", "Lo"))))
trees = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                                      st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                     max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_any_tree_of_values_has_one_text(value):
    text = dumps(value)
    assert text == dumps_python(value)
    assert dumps(value, 0) == dumps_python(value, 0)
    data = dumpb(value)
    json.loads(data.decode("utf-8"))     # always valid UTF-8 and JSON, whatever the text held


class Level(enum.IntEnum):
    high = 3


class Tagged(str):
    def __str__(self):
        return "not this"


def test_what_orjson_refuses_or_passes_on_is_written_the_same():
    deep = []
    for _ in range(300):
        deep = [deep]
    same({"deep": deep})                                       # deeper than orjson goes
    same({1: "a", "b": 2})                                     # a key that is not text
    same({2: "x", 10: "y"})                                    # sorted as text: "10" before "2"
    same([10 ** 19, -(10 ** 19), 10 ** 18 - 1, 2 ** 70])       # beyond 64 bits; beyond 10**18 by the digits
    same([Level.high, Tagged("abc"), collections.OrderedDict(b=1, a=2), collections.UserString("u")])
    same([date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5)])
    same(["\ud800 lone", "\x00\x1f\x7f\u2028 é 中"])
    same([Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")])
    assert dumps([Decimal("1.10"), Decimal("1.1")]) == "[\n  1.1,\n  1.1\n]\n"
    # a number written before is found by its value, whatever else equals it (an IntEnum, 3.0), and a value
    # the look-up cannot hash (an OrderedDict among them) is still written by _default, not by Python
    assert same([Decimal("3"), Level.high, Decimal("3.0"), Decimal("-0.0")]) == "[\n  3,\n  3,\n  3,\n  0\n]\n"
    from engine import jsonout
    calls = []
    real, jsonout.dumps_python = jsonout.dumps_python, lambda *a: calls.append(a) or real(*a)
    try:
        assert dumps([Decimal("3"), collections.OrderedDict(b=Decimal("3"))], 0) == '[3,{"b":3}]\n' and not calls
    finally:
        jsonout.dumps_python = real


def test_a_lone_surrogate_is_written_as_its_json_escape_in_bytes():
    data = dumpb({"a": "x\ud800y"})
    assert data == b'{\n  "a": "x\\ud800y"\n}\n'
    assert json.loads(data) == {"a": "x\ud800y"}
