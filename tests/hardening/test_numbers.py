"""Numbers and YAML's implicit types (issue 17, items 4 and 5).

One policy for magnitudes (engine/numbers.py): at most 34 significant digits, 10^-6143 to 10^6144,
refused where read with the file and line (rule files, exit 3) or the field path (cases, exit 4);
the corpus entries case-json-huge-exponent, case-yaml-5001-digits, case-expr-context-huge-number,
rs-5001-digits and rs-huge-exponent show the messages. The JSON writer never fails on a number.
YAML 1.1's surprises (1:20 = 80, 017 = 15, ...) are read as text (engine/yamlio.py `_Resolver`).
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hardening_support import eval_with_extra_rule
from test_resources import measure

from engine.jsonout import dumps
from engine.yamlio import YamlError, parse_json, parse_yaml


@pytest.mark.parametrize("text,value", [
    ("1:20", "1:20"), ("-1:20:30", "-1:20:30"), ("017", "017"), ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"),
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("=", "="), ("1.2.3", "1.2.3"), ("2026-01-31", "2026-01-31"),
    ("12:30", "12:30"), ("0b101", "0b101"), ("+.5e1", Decimal("5")), ("1e5", Decimal("1E+5")), ("-0", 0), ("10", 10),
    ("2.50", Decimal("2.50")), ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
])
def test_plain_words_are_numbers_only_when_yaml_1_2_says_so(text, value):
    got = parse_yaml(f"a: {text}\n").data["a"]
    assert got == value and type(got) is type(value), (text, got)


@pytest.mark.parametrize("text,message", [
    (".inf", "not a finite number"), ("-.inf", "not a finite number"), (".nan", "not a finite number"),
    ("1e999999999", "beyond the range of numbers"), ("1e-999999999", "beyond the range of numbers"),
    ("9" * 5001, "5001 significant digits"), ("0." + "1" * 40, "40 significant digits"),
    ("!!int 0x1F", "not a whole number written in digits"), ("!!float abc", "'abc' is not a number"),
])
def test_numbers_beyond_decimal128_are_refused_where_read(text, message):
    with pytest.raises(YamlError) as exc:
        parse_yaml(f"x:\n  - {{y: {text}}}\n")
    assert message in exc.value.message and exc.value.line == 2 and exc.value.path == ("x", 0, "y"), exc.value.message


@pytest.mark.parametrize("text,message", [("1e999999999", "beyond the range of numbers"),
                                          ("9" * 5001, "5001 significant digits"), ("NaN", "not a finite number")])
def test_json_numbers_follow_the_same_policy_with_their_path(text, message):
    with pytest.raises(YamlError) as exc:
        parse_json('{"x": [{"y": %s}]}' % text)
    assert message in exc.value.message, exc.value.message
    if text != "NaN":
        assert exc.value.path == ("x", 0, "y")


def test_the_largest_numbers_decimal128_holds_are_read():
    assert parse_yaml("a: 9.999999999999999999999999999999999e6144\n").data["a"] == \
        Decimal("9.999999999999999999999999999999999e6144")
    assert parse_json('{"a": 1e-6143, "b": %s}' % ("1" + "0" * 4100)).data == {"a": Decimal("1e-6143"),
                                                                               "b": Decimal("1e4100")}


@pytest.mark.parametrize("value,text", [
    (Decimal("1e999999999"), "1E+999999999"), (Decimal("-2.5e-999999999"), "-2.5E-999999999"),
    (Decimal("NaN"), "null"), (Decimal("-Infinity"), "null"),
    (Decimal("1.234567890123456789012345678901234"), "1.234567890123456789012345678901234"),
    (Decimal("1.2345678901234567890123456789012345678E+40"), "12345678901234567890123456789012345678000"),
    (Decimal("2.50"), "2.5"), (Decimal("-0.000"), "0"), (Decimal("1E+3"), "1000"),
])
def test_the_json_writer_never_fails_on_a_number(value, text):
    written = dumps([value])
    assert written.split("\n")[1].strip() == text
    json.loads(written)   # still JSON


def test_the_json_writer_writes_whole_numbers_python_cannot_print():
    assert dumps([10 ** 5000]).split("\n")[1].strip() == "1" + "0" * 5000


def test_the_writer_is_fast_for_any_number(tmp_path):
    out = measure("""
        from decimal import Decimal
        from engine.jsonout import dumps
        text = dumps([Decimal("1e999999999"), Decimal("-1e-999999999"), 10 ** 100000, Decimal("NaN")])
        report(len(text))
        """, tmp_path)
    assert int(out["outcome"]) < 200_000


def test_a_case_built_in_python_with_a_huge_number_is_written(library, tmp_path, capsys):
    """Through the API a case can hold any Decimal; evaluating it and writing JSON must not fail."""
    from engine.evaluation import evaluate
    from engine.registry import load_cached
    rs = load_cached(library)
    result = evaluate(rs, {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2022-09-01"},
                           "loans": [], "events": []}, trace=True)
    assert json.loads(dumps(result))["values"]
    code, out, err = eval_with_extra_rule(library, tmp_path, capsys, "big", "'string(10 ** 6000)'",
                                          "as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n")
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)["values"]["big"] in (None, "1" + "0" * 6000)
