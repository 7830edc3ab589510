"""DMN 1.5 chapter 10, rule by rule: what issue 14 asked for, each with the construct it names.

The expectations are the specification's (grammar rules, semantics tables, built-in definitions),
written here as small examples; the DMN TCK measures the same language independently
(tests/conformance)."""
import datetime as dt
from decimal import Decimal as D

import pytest

from feel_helpers import run, val
from engine.feel import (DateTime, DaysDuration, FeelCheckError, FeelSyntaxError, Range, Time,
                         compile_expr, compile_unary_tests)


# ------------------------------------------------------------------ 1. unary tests everywhere

@pytest.mark.parametrize("text,expected", [
    ("x in <= 10", True), ("x in < 10", False), ("x in =10", True), ("x in = 10", True), ("x in !=10", False),
    ("x in (=10)", True), ("x in (!=10)", False), ("x in (< 10, > 20)", False), ("x in (< 11, > 20)", True),
    ("x in (1, 5, 9)", False), ("x in (1, < 5, >= 10)", True), ("x in [2, 3, 10]", True),
    ("x in [[2..4], [1..3]]", False), ("x in [[2..4], [9..11]]", True), ("x in 10", True), ("x in 11", False),
    ("x in (10)", True), ("x in (<10)", False), ("x in (>=10)", True),
])
def test_in_takes_every_positive_unary_test(text, expected):
    assert val(text, {"x": 10}) is expected


@pytest.mark.parametrize("cell,value,expected", [
    ("= 10", D(10), True), ("!= 10", D(10), False), ("!= 10", D(11), True), ("]1..5]", D(1), False),
    ("[1..5[", D(5), False), ("[1..5[", D(4), True), ('not("a", "b")', "c", True), ("not(< 5)", D(3), False),
    ("not([1..3])", D(4), True), ("[[1..2], [5..6]]", D(5), True), ("-", None, True),
])
def test_decision_table_cells_take_the_same_tests(cell, value, expected):
    assert compile_unary_tests(cell).matches(value) is expected


@pytest.mark.parametrize("cell,value,expected", [
    ("? > 3", D(4), True), ("? > 3", D(2), False), ("?", "abc", True), ("?", "abd", True),
    ("upper case(?)", "ABC", True), ("upper case(?)", "abc", False), ("[?, 5]", D(7), True),
    ("? = true", False, False), ("string length(?) = 3", "abc", True), ("[1..?]", D(3), True),
])
def test_a_cell_reading_the_input_decides_by_its_value(cell, value, expected):
    # a boolean value decides; any other value is a test of the input, as a written value is
    assert compile_unary_tests(cell).matches(value) is expected


def test_a_test_that_is_not_a_value_is_a_load_error_saying_why():
    with pytest.raises(FeelCheckError, match=r"is a test, not a value"):
        compile_expr("(!= 10)")


@pytest.mark.parametrize("text,expected", [
    ("1 between 2 and null", False), ("5 between null and 3", False), ("2 between null and 3", None),
    ('"b" between "a" and "c"', True), ('@"10:00:00" between @"09:00:00" and @"11:00:00"', True),
])
def test_between_is_two_comparisons_joined_by_and(text, expected):
    assert val(text) is expected


# ------------------------------------------------------------------ 2. ranges in every written form

@pytest.mark.parametrize("text,low,lc,high,hc", [
    ("[1..10]", 1, True, 10, True), ("(1..10]", 1, False, 10, True), ("]1..10]", 1, False, 10, True),
    ("[1..10)", 1, True, 10, False), ("[1..10[", 1, True, 10, False), ("]1..10[", 1, False, 10, False),
    ("(< 10)", None, False, 10, False), ("(<= 10)", None, False, 10, True), ("(> 10)", 10, False, None, False),
    ("(>= 10)", 10, True, None, False), ("(= 10)", 10, True, 10, True), ("(null..10]", None, False, 10, True),
    ("[1..null)", 1, True, None, False), ("[null..10]", None, True, 10, True),
])
def test_range_literals_and_unary_tests_as_ranges(text, low, lc, high, hc):
    r = val(text)
    assert r == Range(None if low is None else D(low), lc, None if high is None else D(high), hc)


@pytest.mark.parametrize("text,expected", [
    ("[1..10] = [1..10]", True), ("[1..10] = [1..10)", False), ("(< 10) = (null..10)", True),
    ("[1..10].start", D(1)), ("(1..10].start included", False), ("(< 10).end included", False),
    ('range("[18..21)") = [18..21)', True), ('range("]1..5]") = (1..5]', True), ('4 in range("[1..5)")', True),
    ('5 in range("[1..5)")', False), ('[1..5] instance of range<number>', True),
    ("before(1, 10)", True), ("before([1..5], 10)", True), ("before([1..5], [5..10])", False),
    ("before([1..5), [5..10])", True), ("after([5..10], 4)", True), ("meets([1..5], [5..10])", True),
    ("meets([1..5), [5..10])", False), ("met by([5..10], [1..5])", True), ("overlaps([1..5], [3..8])", True),
    ("overlaps([1..5], [6..8])", False), ("overlaps before([1..5], [3..8])", True),
    ("overlaps after([3..8], [1..5])", True), ("finishes(10, [1..10])", True), ("finishes([5..10], [1..10])", True),
    ("finished by([1..10], [5..10])", True), ("includes([1..10], 5)", True), ("includes([1..10], [2..3])", True),
    ("during(5, [1..10])", True), ("during([2..3], [1..10])", True), ("starts(1, [1..10])", True),
    ("starts([1..5], [1..10])", True), ("started by([1..10], [1..5])", True), ("coincides([1..5], [1..5])", True),
    ("coincides(5, 5)", True), ("includes((< 10), 5)", True), ("before((< 10), [10..20])", True),
])
def test_range_values_equality_and_interval_functions(text, expected):
    assert val(text) == expected


@pytest.mark.parametrize("text", ['range(">= 10")', 'range("[3..1]")', 'range("[1..\\"b\\"]")', 'range("[x..2]")',
                                  'range("[null..null]")', "[1..\"b\"]"])
def test_ranges_that_cannot_be_are_null_or_a_load_error(text):
    try:
        v, diags = run(text)
    except FeelCheckError:
        return
    assert v is None and diags


# ------------------------------------------------------------------ 3. numbers

@pytest.mark.parametrize("text,expected", [
    ("1.23e4", D("12300")), ("1.23e+4", D("12300")), ("1.23e-4", D("0.000123")), ("2E3 + 1", D(2001)),
    (".5e1", D(5)),
])
def test_scientific_notation(text, expected):
    assert val(text) == expected


def test_a_number_shows_every_digit_it_holds():
    from engine.jsonout import number_text
    assert number_text(val("1/3*3")) == "0." + "9" * 34          # what eval, expr and the JSON show
    assert val("string(1/3*3)") == "0." + "9" * 34
    assert val("1/3*3 = 1") is False
    assert val("string(1e3)") == "1000" and val("string(2.50)") == "2.50"


def test_a_number_beyond_decimal128_is_a_load_error():
    with pytest.raises(FeelSyntaxError, match="beyond the range of FEEL numbers"):
        compile_expr("1e999999999")


# ------------------------------------------------------------------ 4. equality and coercion

@pytest.mark.parametrize("text,expected", [
    ("[1, [2, 3]] = [1, [2, 3]]", True), ("[1, 2] = [2, 1]", False), ("{a: 1, b: [2]} = {b: [2], a: 1}", True),
    ("{a: 1} = {a: 1, b: 2}", False), ("[1..2] = [1..2]", True), ('1 = "1"', None), ("null = null", True),
    ("[1] = 1", None), ('@"10:00:00+01:00" = @"09:00:00Z"', True), ('@"10:00:00" = @"10:00:00Z"', False),
    ("sum([1]) = 1", True), ("[5][1] = 5", True), ("5[1] = 5", True),
])
def test_deep_equality(text, expected):
    assert val(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("3 in (null..5]", True), ("3 in [null..5]", None), ("7 in [null..5]", False), ("0 in [1..null]", False),
    ("4 in [1..null]", None), ("4 in (1..null)", True), ("x in [null..5]", None), ("x in [null..5)", None),
])
def test_a_null_end_is_unbounded_when_open_and_undecided_when_closed(text, expected):
    # 10.3.2.7: e in [a..b] is e >= a and e <= b; a closed end compares with the null it holds
    assert val(text, {"x": 2}) is expected


@pytest.mark.parametrize("text,expected", [
    ('@"08:00:00" = @"08:00:00+08:00"', False), ('@"08:00:00" != @"08:00:00+08:00"', True),
    ('@"2024-05-01T08:00:00" = @"2024-05-01T08:00:00@Asia/Shanghai"', False),
    # ordered, a local time takes the other's offset (DMN 1.5, Table 69): the same instant, so not before
    ('@"08:00:00" < @"08:00:00+08:00"', False), ('[@"08:00:00"] = [@"08:00:00Z"]', False),
])
def test_a_local_time_never_equals_one_with_an_offset(text, expected):
    assert val(text) is expected


@pytest.mark.parametrize("text,expected", [
    ('@"2024-05-01" = @"2024-05-01T00:00:00Z"', True), ('@"2024-05-01" = @"2024-05-01T02:00:00+02:00"', True),
    ('@"2024-05-01T00:00:01Z" = @"2024-05-01"', False), ('@"2024-05-01" = @"2024-05-01T00:00:00"', False),
    ('@"2024-05-01" < @"2024-05-01T08:00:00Z"', True), ('@"2024-05-02" >= @"2024-05-01T23:00:00-02:00"', False),
])
def test_a_date_beside_a_date_and_time_is_its_midnight_utc(text, expected):
    assert val(text) is expected


def test_a_date_converts_to_a_date_and_time_where_one_is_declared():
    from engine.feel import conform
    assert conform(dt.date(2024, 5, 1), "date and time") == DateTime(dt.date(2024, 5, 1), 0, 0, D(0), 0)
    assert str(val('(function(d: date and time) d)(@"2024-05-01")')) == "2024-05-01T00:00:00Z"
    assert val('(function(d: date and time) d.time offset)(date("2024-05-01"))') == DaysDuration(D(0))
    with pytest.raises(TypeError):
        conform(dt.date(2024, 5, 1), "time")


def test_singleton_lists_convert_where_a_single_value_is_expected():
    assert val('upper case(["a"])') == "A"
    assert val("date([@\"2020-01-02\"])") == dt.date(2020, 1, 2)
    assert val("(function(x: number) x + 1)([4])") == D(5)
    assert val("(function(x: list<number>) count(x))(4)") == D(1)
    v, diags = run('(function(x: number) x + 1)("4")')
    assert v is None and "declared type" in diags[0]           # x is null in the body


# ------------------------------------------------------------------ 5. regular expressions

@pytest.mark.parametrize("text,expected", [
    ('matches("x", "[A-Z-[OI]]", "i")', True), ('matches("O", "[A-Z-[OI]]")', False),
    ('matches("hello world", "hello\\ sworld", "x")', True), ('matches("a.b", ".", "q")', True),
    ('matches("abc", ".", "q")', False), ('matches("Mary\\nJones", "Mary.Jones")', False),
    ('matches("Mary\\nJones", "Mary.Jones", "s")', True), ('matches("a\\nb", "^b$", "m")', True),
    ('matches("a\\nb", "^b$")', False), ('matches("héllo", "^\\p{L}+$")', True),
    ('matches("abc", "\\p{IsBasicLatin}+")', True), ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
    ('replace("a.b", ".", "$", "q")', "a$b"), ('split("a1b22c", "\\d+")', ["a", "b", "c"]),
    ('replace("abracadabra", "a(.)", "a$1$1")', "abbraccaddabbra"),
])
def test_xml_schema_regular_expressions(text, expected):
    assert val(text) == expected


@pytest.mark.parametrize("text,why", [
    ('matches("aa", "(a)\\1")', "back-reference"), ('matches("a", "[")', "not a valid regular expression"),
    ('matches("a", "a", "z")', "unknown flag"), ('replace("abc", "x*", "-")', None),
])
def test_patterns_that_cannot_be_run_are_refused(text, why):
    if why is None:                       # a pattern matching the empty string: null at run time
        v, diags = run(text)
        assert v is None and "empty string" in diags[0]
        return
    with pytest.raises(FeelCheckError, match=why):
        compile_expr(text)


# ------------------------------------------------------------------ 6. time, date and time, durations

def test_time_and_date_and_time_values():
    assert val('time("10:30:00+02:00")') == Time(10, 30, D(0), 7200)
    assert val('@"10:30:00@Asia/Shanghai"').zone == "Asia/Shanghai"
    assert val('string(time(10, 30, 0, duration("-PT5H")))') == "10:30:00-05:00"
    assert val('date and time("2026-01-31T10:30:00.123456789")').second == D("0.123456789")
    assert val('date and time(date("2026-01-31"), time("10:00:00Z"))') == \
        DateTime(dt.date(2026, 1, 31), 10, 0, D(0), 0)
    assert val('date and time("2026-01-31T24:00:00")') == DateTime(dt.date(2026, 2, 1), 0, 0, D(0))


@pytest.mark.parametrize("text,expected", [
    ('@"2026-03-29T01:30:00@Europe/Paris" + @"PT1H"', "2026-03-29T03:30:00@Europe/Paris"),   # across the DST change
    ('@"2026-01-31T10:00:00Z" - @"2026-01-30T09:30:00Z"', "P1DT30M"),
    ('@"2026-01-31T10:00:00+08:00" - @"2026-01-31T02:00:00Z"', "PT0S"),
    ('@"10:00:00" - @"08:30:00"', "PT1H30M"), ('@"23:00:00" + @"PT2H"', "01:00:00"),
    ('@"2026-01-31T10:00:00" + @"P1M"', "2026-02-28T10:00:00"), ('@"PT36H" / 2', "PT18H"),
    ('@"P1DT2H" * 2', "P2DT4H"), ('@"2026-01-31" - @"2026-01-30T12:00:00Z"', "PT12H"),
    ('@"2026-01-31T10:00:00@Europe/Paris".time offset', "PT1H"),
    ('@"2026-07-31T10:00:00@Europe/Paris".time offset', "PT2H"),
])
def test_temporal_arithmetic(text, expected):
    assert str(val(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ('@"10:00:00+01:00" < @"10:00:00Z"', True), ('@"2026-01-31T10:00:00" > @"2026-01-31T09:00:00"', True),
    ('@"10:00:00" < @"10:00:00Z"', False), ('@"P1DT1H" > @"PT24H"', True),
    ('@"10:00:00" in [@"09:00:00"..@"17:00:00"]', True), ('@"2026-01-31T10:00:00Z".hour', D(10)),
    ('@"10:30:15.5".second', D("15.5")), ('is(@"12:00:00Z", @"13:00:00+01:00")', False),
    ('@"12:00:00Z" = @"13:00:00+01:00"', True), ('day of week(@"2026-01-31T10:00:00")', "Saturday"),
    ('years and months duration(@"2020-01-31T23:00:00", @"2021-02-28T01:00:00")', None),
])
def test_temporal_comparisons_and_properties(text, expected):
    v = val(text)
    assert (str(v) == "P1Y" if text.startswith("years") else v == expected)


def test_date_and_time_without_a_zone_never_takes_the_machine_zone():
    v, diags = run('@"2026-01-31T10:00:00" - @"2026-01-31T10:00:00Z"')
    assert v is None and "time zone" in diags[0]


# ------------------------------------------------------------------ 6. functions

@pytest.mark.parametrize("text,expected", [
    ("(function(x) x * 2)(21)", D(42)), ("{f: function(a, b) a - b, r: f(b: 1, a: 5)}.r", D(4)),
    ("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r", D(120)),
    ("{add: function(a) function(b) a + b, r: add(2)(3)}.r", D(5)),
    ("sort([3, 1, 2], function(x, y) x > y)", [D(3), D(2), D(1)]),
    ("{f: function(x) x + 1}.f(1)", D(2)), ("(function() \"foo\") instance of function<> -> Any", True),
    ("(function(a: number) a) instance of function<number> -> Any", True),
    ("list replace([2, 4, 7], function(item, newItem) item < newItem, 5)", [D(5), D(5), D(7)]),
    ("for f in [function(x) x + 1, function(x) x * 3] return f(2)", [D(3), D(6)]),
])
def test_user_defined_functions_and_lambdas(text, expected):
    assert val(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("{apply: function(f, x) f(x), r: apply(floor, 2.7)}.r", D(2)),
    ("{twice: function(f, a, b) f(f(a, b), b), r: twice(max, 3, 8)}.r", D(8)),
    ("for f in [min, max] return f([4, 9, 1])", [D(1), D(9)]),
    ("{k: function(f) f(string: \"abc\", start position: 2), r: k(substring)}.r", "bc"),
    ("sort([\"b\", \"a\"], function(x, y) x < y)[1]", "a"), ("abs instance of function<Any> -> Any", True),
])
def test_a_built_in_function_name_is_a_function_value(text, expected):
    # 10.3.2.13: functions are values; a built-in's name where a value is wanted is that function
    assert val(text) == expected


def test_a_function_picks_the_signature_its_call_fits_when_passed_as_a_value():
    assert val("{f: function(g) [g(2.567), g(2.567, 1)], r: f(floor)}.r") == [D(2), D("2.5")]
    v, diags = run("{f: function(g) g(1, 2, 3), r: f(abs)}.r")
    assert v is None and "cannot take 3 arguments" in diags[0]


def test_an_argument_that_does_not_conform_is_null_in_the_body():
    # 10.3.2.9.4: the parameter, not the call, becomes null
    v, diags = run('(function(x: number) if x = null then "no number" else "number")("4")')
    assert v == "no number" and "so it is null" in diags[0]


def test_function_errors_are_named():
    with pytest.raises(FeelCheckError, match="external functions .* are not supported"):
        compile_expr('function(x) external {java: {class: "java.lang.Math", method signature: "abs(double)"}}')
    with pytest.raises(FeelCheckError, match="takes 1 argument, not 2"):
        compile_expr("{f: function(x) x, r: f(1, 2)}")
    with pytest.raises(FeelCheckError, match="is a number, not a function"):
        compile_expr("{f: 1, r: f(1)}")
    v, diags = run("{f: function(n) f(n + 1)}.f(1)")
    assert v is None and "function calls inside one another" in diags[0]


def test_now_and_today_stay_out():
    for text in ("now()", "today()"):
        with pytest.raises(FeelCheckError, match="unknown function"):
            compile_expr(text)


@pytest.mark.parametrize("text,expected", [
    ("[1, 2, 3] instance of list<number>", True), ('[1, "a"] instance of list<number>', False),
    ("{a: 1} instance of context<a: number>", True), ("{a: null} instance of context<a: string>", True),
    ('{a: "x"} instance of context<a: number>', False), ("null instance of Null", True),
    ('@"10:00:00" instance of time', True), ('@"2026-01-31T10:00:00" instance of date and time', True),
    ("[[1]] instance of list<list<number>>", True), ("[1..2] instance of range<number>", True),
])
def test_instance_of_with_every_type(text, expected):
    assert val(text) is expected


def test_an_unknown_type_is_a_load_error():
    with pytest.raises(FeelCheckError, match="unknown type 'nmber'.*did you mean 'number'"):
        compile_expr("1 instance of list<nmber>")


def test_a_days_duration_keeps_hours_minutes_and_seconds():
    d = val('duration("P1DT2H3M4.5S")')
    assert d == DaysDuration(D(86400 + 7200 + 180) + D("4.5"))
    assert (val('duration("P1DT2H3M4.5S").hours'), val('duration("P1DT2H3M4.5S").seconds')) == (D(2), D("4.5"))
