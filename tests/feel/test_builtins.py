"""Built-in functions, with FEEL's names and semantics."""
import datetime as dt
from decimal import Decimal as D

import pytest

from feel_helpers import run, val
from engine.feel import FEEL_CONTEXT, FeelEvalError, compile_expr, default_registry


@pytest.mark.parametrize("text,expected", [
    ("min([3, 1, 2])", 1), ("max(3, 1, 2)", 3), ("sum([1, 2, 3])", 6), ("count([1, 2])", 2),
    ("mean([1, 2, 3, 4])", D("2.5")), ("abs(-2)", 2), ("sqrt(16)", 4), ("floor(1.5)", 1),
    ("ceiling(1.2)", 2), ("floor(-1.5)", -2), ("ceiling(0.6 * sqrt(10))", 2),
    ("decimal(2.345, 2)", D("2.34")), ("decimal(2.355, 2)", D("2.36")), ("decimal(1/3, 2)", D("0.33")),
    ("modulo(12, 5)", 2), ("modulo(-12, 5)", 3), ("modulo(12, -5)", -3),
    ("round half up(2.5, 0)", 3), ("round half down(2.5, 0)", 2), ("round up(2.1, 0)", 3),
    ("round down(2.9, 0)", 2), ("round half up(-2.5, 0)", -3), ("round up(5.5, 6176)", D("5.5")),
    ("product([2, 3])", 6), ("median([3, 1, 2])", 2), ("median([1, 2, 3, 4])", D("2.5")),
    ("mode([1, 2, 2, 3])", [2]), ("odd(3)", True), ("even(3)", False), ("exp(0)", 1),
    ('number("1,000.5", ",", ".")', D("1000.5")),
])
def test_numeric(text, expected):
    assert val(text) == expected


def test_stddev_log_exp_have_34_digits():
    assert val("stddev([2, 4, 4, 4, 5, 5, 7, 9])") == FEEL_CONTEXT.divide(D(32), D(7)).sqrt(context=FEEL_CONTEXT)
    assert len(str(val("stddev([2, 4, 4, 4, 5, 5, 7, 9])")).replace(".", "")) == 34
    assert str(val("log(10)")) == "2.302585092994045684017991454684364"


@pytest.mark.parametrize("text", ["sqrt(-1)", "log(0)", "modulo(1, 0)", "1 / 0"])
def test_invalid_numeric_is_null_with_diagnostic(text):
    v, diags = run(text)
    assert v is None and diags


@pytest.mark.parametrize("text,expected", [
    ('string length("abc")', 3), ('substring("abcdef", -2)', "ef"), ('upper case("ab")', "AB"),
    ('lower case("AB")', "ab"), ('contains("abc", "b")', True), ('starts with("abc", "a")', True),
    ('ends with("abc", "c")', True), ("string(1.50)", "1.50"), ('string(date("2026-01-31"))', "2026-01-31"),
    ('substring before("a-b", "-")', "a"), ('substring after("a-b", "-")', "b"),
    ('replace("abc", "b", "x")', "axc"), ('replace("0123456789", "(\\d{3})(\\d{3})", "($1) $2")', "(012) 345-6789"[:9] + "6789"),
    ('matches("abc", "^a")', True), ('split("a b  c", "\\s+")', ["a", "b", "c"]),
    ('string join(["a", null, "b"], ", ")', "a, b"),
])
def test_strings(text, expected):
    assert val(text) == expected


def test_nested_quantifiers_match_in_linear_time():
    # the classic catastrophic-backtracking shapes: RE2 answers at once, and correctly
    assert val('matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "(a+)+$")') is False
    assert val('matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "^(a|a)*$")') is True


@pytest.mark.parametrize("text,expected", [
    ("list contains([1, 2], 2)", True), ("append([1], 2, 3)", [1, 2, 3]),
    ("concatenate([1], [2, 3])", [1, 2, 3]), ("distinct values([1, 2, 1])", [1, 2]),
    ("flatten([1, [2, [3]]])", [1, 2, 3]), ("all([true, true])", True), ("all([true, null])", None),
    ("any([false, true])", True), ("index of([1, 2, 1], 1)", [1, 3]), ("sublist([1, 2, 3], 2)", [2, 3]),
    ("reverse([1, 2])", [2, 1]), ("sort([3, 1, 2])", [1, 2, 3]), ("insert before([1, 3], 2, 2)", [1, 2, 3]),
    ("remove([1, 2, 3], 2)", [1, 3]), ("union([1, 2], [2, 3])", [1, 2, 3]),
    ('get value({a: 1}, "a")', 1), ("is defined(1)", True), ("is defined(nothing)", False),
])
def test_lists_and_contexts(text, expected):
    assert val(text) == expected


@pytest.mark.parametrize("text,expected", [
    ('day of week(@"2026-01-31")', "Saturday"), ('month of year(@"2026-01-31")', "January"),
    ('day of year(@"2026-02-01")', 32), ('week of year(@"2026-01-01")', 1),
    ('date(2026, 1, 31)', dt.date(2026, 1, 31)), ('date("2026-01-31") + @"P1M"', dt.date(2026, 2, 28)),
])
def test_dates(text, expected):
    assert val(text) == expected


def test_registered_function():
    reg = default_registry()

    def plus_days(d, n):
        if n < 0:
            raise FeelEvalError("n must not be negative")
        return d + dt.timedelta(days=int(n))
    reg.register("add plain days", plus_days, params=["date", "n"], doc="date plus n days", returns="date")
    assert compile_expr('add plain days(@"2026-01-30", 2)', functions=reg).evaluate({}) == dt.date(2026, 2, 1)
    diags = []
    assert compile_expr('add plain days(@"2026-01-30", -1)', functions=reg).evaluate({}, diags) is None
    assert diags == ["n must not be negative in 'add plain days(@\"2026-01-30\", -1)' at 1:1"]
    assert "add plain days" not in default_registry()
