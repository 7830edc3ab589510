"""Bounded evaluation, decision-table unary tests, and literal values for --set."""
import datetime as dt
import time
from decimal import Decimal as D

import pytest

from feel_helpers import run
from engine.feel import (FeelSyntaxError, compile_expr, compile_unary_tests, interval_of,
                         parse_literal_value)


def test_deep_nesting_fails_fast():
    text = "(" * 10_000 + "1" + ")" * 10_000
    start = time.perf_counter()
    with pytest.raises(FeelSyntaxError) as e:
        compile_expr(text)
    assert time.perf_counter() - start < 0.5
    assert e.value.message == "expression nests too deeply (more than 64 levels) at 1:65"


def test_long_operator_chains_are_bounded():
    with pytest.raises(FeelSyntaxError, match="nests too deeply"):
        compile_expr("1" + "+1" * 5000)
    with pytest.raises(FeelSyntaxError, match="nests too deeply"):
        compile_expr("-" * 5000 + "1")


def test_text_length_limit():
    with pytest.raises(FeelSyntaxError, match="too long"):
        compile_expr("1" * 20_001)


def test_huge_for_range_stops_immediately():
    start = time.perf_counter()
    v, diags = run("for i in 1..1000000000000 return i")
    assert time.perf_counter() - start < 0.1
    assert v is None and "more than 1000000 items" in diags[0]


def test_nested_loops_share_one_budget():
    v, diags = run("for i in 1..2000, j in 1..2000 return 1")
    assert v is None and "more than 1000000 items" in diags[0]


def test_string_growth_is_capped():
    v, diags = run('for i in 1..30 return s', {"s": "x"})
    assert len(v) == 30
    big = "x" * 6_000_000
    v, diags = run("s + s", {"s": big})
    assert v is None and "longer than" in diags[0]


@pytest.mark.parametrize("cell,value,expected", [
    ("-", "anything", True), (">= 95", D(95), True), (">= 95", D("94.99"), False),
    ("< 5", D(4), True), ("[90..95)", D(95), False), ("[90..95)", D(90), True),
    ('"a", "b"', "b", True), ('"a", "b"', "c", False), ('not("a", "b")', "c", True),
    ('not("a", "b")', "a", False), ("null", None, True), ("null", D(1), False), ("5", D(5), True),
    ("? > 3 and ? < 5", D(4), True), ("? > 3 and ? < 5", D(5), False), (">= 95", None, False),
    ("[1, 2]", D(2), True), (">= limit", D(7), True),
])
def test_unary_tests(cell, value, expected):
    assert compile_unary_tests(cell).matches(value, {"limit": D(5)}) is expected


def test_unary_tests_expose_ast_and_text():
    t = compile_unary_tests(">= 95")
    assert t.text == ">= 95" and t.ast is not None


@pytest.mark.parametrize("cell,expected", [
    (">= 95", [(D(95), True, None, False)]),
    ("[90..95)", [(D(90), True, D(95), False)]),
    ("< 5, 7", [(None, False, D(5), False), (D(7), True, D(7), True)]),
    ("-", [(None, False, None, False)]),
    ('"a"', None), ("> limit", None), ('not(5)', None),
])
def test_interval_of(cell, expected):
    assert interval_of(compile_unary_tests(cell)) == expected


@pytest.mark.parametrize("text,expected", [
    ("95", D(95)), ('"abc"', "abc"), ("2026-01-31", dt.date(2026, 1, 31)), ("true", True),
    ("[1,2]", [D(1), D(2)]), ("null", None),
])
def test_parse_literal_value(text, expected):
    assert parse_literal_value(text) == expected
