"""Every construct of the language, with its boundaries."""
import datetime as dt
from decimal import Decimal as D

import pytest

from feel_helpers import run, val
from engine.feel import (DaysDuration, FeelCheckError, FeelSyntaxError, Range, YearsMonthsDuration,
                         ast_dump, ast_equal, compile_expr, to_feel, to_plain)


@pytest.mark.parametrize("a,b,and_,or_", [
    (True, True, True, True), (True, False, False, True), (True, None, None, True),
    (False, False, False, False), (False, None, False, None), (None, None, None, None),
])
def test_three_valued_logic(a, b, and_, or_):
    env = {"a": a, "b": b}
    assert val("a and b", env) is and_ and val("b and a", env) is and_
    assert val("a or b", env) is or_ and val("b or a", env) is or_


def test_not_and_non_boolean_operands():
    assert val("not(true)") is False and val("not(false)") is True and val("not(null)") is None
    assert val("false and 123") is False and val("true or 123") is True
    v, diags = run("true and 123")
    assert v is None and "'and' needs true or false" in diags[0]


@pytest.mark.parametrize("text,expected", [
    ("5 in [1..5]", True), ("5 in [1..5)", False), ("1 in (1..5]", False), ("1 in [1..5]", True),
    ("0.5 in (0..1)", True), ('"b" in ["a", "b"]', True), ("3 in (1, 2, >= 3)", True),
    ("4 in < 5", True), ("5 in < 5", False), ("x in [1..10]", None),
])
def test_ranges_and_in(text, expected):
    assert val(text, {"x": None}) is expected


def test_between():
    assert val("5 between 1 and 5") is True and val("0 between 1 and 5") is False


def test_indexes_are_one_based_and_negative_from_the_end():
    assert val("[10, 20, 30][1]") == 10
    assert val("[10, 20, 30][-1]") == 30
    v, diags = run("[10, 20, 30][4]")
    assert v is None and "outside the list" in diags[0]


def test_filters_with_item_and_field_names():
    env = {"items": [{"n": 1, "s": "a"}, {"n": 3, "s": "b"}]}
    assert val("items[item.n > 2].s", env) == ["b"]
    assert val("items[n > 2].s", env) == ["b"]
    assert val("[1, 2, 3][item >= 2]") == [D(2), D(3)]


def test_path_over_a_list_maps():
    env = {"sites": [{"count": 2}, {"count": 5}]}
    assert val("sites.count", env) == [D(2), D(5)]
    assert val("sum(sites.count)", env) == 7


def test_context_literal_and_paths():
    assert val('{a: 1, "b c": 2}.a') == 1
    assert val('{a: 1, "b c": 2}') == {"a": 1, "b c": 2}
    assert val("{a: 1, b: a + 1}.b") == 2
    assert val("loan.rate", {"loan": {"rate": D("0.05")}}) == D("0.05")


def test_quantifiers_and_for():
    assert val("some x in [1, 2, 3] satisfies x > 2") is True
    assert val("every x in [1, 2, 3] satisfies x > 2") is False
    assert val("every x in [] satisfies x > 2") is True
    assert val("for x in [1, 2] return x * 10") == [10, 20]
    assert val("for i in 1..3 return i") == [1, 2, 3]
    assert val("for i in 3..1 return i") == [3, 2, 1]
    assert val("for x in [1, 2], y in [10, 20] return x + y") == [11, 21, 12, 22]


def test_if_then_else():
    assert val('if score >= 95 then "A" else "B"', {"score": 96}) == "A"
    assert val('if null then "A" else "B"') == "B"


def test_named_arguments():
    assert val('substring(string: "abc", start position: 2)') == "bc"
    assert val('substring("abcdef", 2, 3)') == "bcd"
    with pytest.raises(FeelCheckError, match="no parameter named 'strt'"):
        compile_expr('substring(string: "abc", strt: 2)')


def test_arity_and_unknown_functions():
    with pytest.raises(FeelCheckError, match=r"'string length' cannot take 2 arguments at 1:1"):
        compile_expr('string length("a", "b")')
    with pytest.raises(FeelCheckError, match=r"unknown function 'strng length' at 1:1 \(did you mean 'string length'\?\)"):
        compile_expr('strng length("a")')


def test_dates_and_durations():
    assert val('date(issued) + @"P3Y" - @"P1D"', {"issued": "2026-01-31"}) == dt.date(2029, 1, 30)
    assert val('@"2024-03-10" - @"2024-02-29"') == DaysDuration(D(864000))
    assert str(val('@"2024-03-10" - @"2024-02-29"')) == "P10D"
    assert str(val('@"P1Y" + @"P2M"')) == "P1Y2M"
    assert str(val('-@"P1D"')) == "-P1D"
    assert val('@"P1Y" > @"P11M"') is True
    assert val('a > b', {"a": YearsMonthsDuration(12), "b": DaysDuration(D(86400))}) is None
    with pytest.raises(FeelCheckError, match="cannot compare a years and months duration"):
        compile_expr('@"P1Y" > @"P1D"')
    assert val('@"2026-01-31".month') == 1 and val('date("2026-01-31").weekday') == 6
    assert val('@"P14M".years') == 1 and val('@"P14M".months') == 2
    assert val('duration("P10D").days') == 10
    assert val('years and months duration(@"2020-01-31", @"2021-03-01")') == YearsMonthsDuration(13)


def test_equality_across_types_is_null_with_a_diagnostic():
    v, diags = run('1 = "1"')
    assert v is None and "cannot compare number with string" in diags[0]
    assert val("null = null") is True and val("1 = null") is False


def test_string_concatenation_and_type_errors():
    assert val('"a" + "b"') == "ab"
    with pytest.raises(FeelCheckError, match=r"cannot multiply a string and a number with '\*' at 1:1"):
        compile_expr('"a" * 2')
    with pytest.raises(FeelCheckError, match="cannot compare a date with a number"):
        compile_expr('date("2026-01-31") > 5')
    with pytest.raises(FeelCheckError, match='"x" at 1:6 is not an ISO date'):
        compile_expr('date("x") > 5')


def test_typed_names_are_checked():
    names = {"loan": {"kind": "string", "parts": ["list", {"amount": "number"}]}}
    assert compile_expr("sum(loan.parts.amount) > 5", names=names).free_names == {"loan"}
    with pytest.raises(FeelCheckError, match=r"no field 'amout' at 1:12 \(did you mean 'amount'\?\)"):
        compile_expr("loan.parts.amout", names=names)
    with pytest.raises(FeelCheckError, match="cannot multiply a string"):
        compile_expr("loan.kind * 2", names=names)


def test_free_names_exclude_loop_and_item_names():
    ce = compile_expr("for x in xs return x + y", names={"xs": "list", "y": "number"})
    assert ce.free_names == {"xs", "y"}
    ce = compile_expr("items[n > limit]", names={"items": ["list", {"n": "number"}], "limit": "number"})
    assert ce.free_names == {"items", "limit"}


def test_unicode_names():
    assert val("评价分数 >= 95", {"评价分数": 96}) is True


def test_reserved_names_are_rejected():
    for text in ("__x__ > 1", "_x", "x.__class__", "{_a: 1}"):
        with pytest.raises(FeelCheckError, match="names starting with '_' are reserved"):
            compile_expr(text)


def test_missing_name_at_runtime_is_null_with_diagnostic():
    v, diags = run("x + 1")
    assert v is None and diags == ["name 'x' has no value in 'x' at 1:1"]


def test_syntax_errors_are_one_sentence_with_a_caret():
    with pytest.raises(FeelSyntaxError) as e:
        compile_expr("(1 + 2))")
    assert e.value.message == "unexpected ')' at 1:8; expected the end of the expression"
    assert (e.value.line, e.value.col) == (1, 8)
    assert str(e.value).splitlines()[1:] == ["  (1 + 2))", "         ^"]
    with pytest.raises(FeelSyntaxError, match=r"unexpected '\)' at 1:7; expected a value"):
        compile_expr("max(1,)")
    with pytest.raises(FeelSyntaxError, match="at 2:3"):
        compile_expr("1 +\n  * 2")


def test_names_with_spaces_get_a_plain_error():
    with pytest.raises(FeelCheckError, match="a name cannot contain spaces"):
        compile_expr("score x", names={"score": "number"})
    assert val("Monthly Salary * 12", {"Monthly Salary": 10}, multiword_names=["Monthly Salary"]) == 120


def test_comments():
    assert val("1 + // one\n 2 /* two */") == 3


def test_ast_equal_and_dump():
    a, b = compile_expr("score>=95").ast, compile_expr("score  >=  95").ast
    assert ast_equal(a, b) and ast_dump(a) == "(score >= 95)"
    assert not ast_equal(a, compile_expr("score > 95").ast)


def test_to_feel_and_to_plain():
    assert to_feel({"a": [1, "x", None, True]}) == {"a": [D(1), "x", None, True]}
    with pytest.raises(TypeError):
        to_feel(1.5)
    assert to_plain({"d": dt.date(2026, 1, 31), "r": Range(D(1), True, D(5), False), "n": D("2.50")}) == \
        {"d": "2026-01-31", "r": "[1..5)", "n": D("2.50")}
    assert str(DaysDuration(D(0))) == "PT0S" and str(YearsMonthsDuration(-13)) == "-P1Y1M"


def test_instance_of():
    assert val("1 instance of number") is True and val('"a" instance of number') is False


def test_compiled_expressions_are_cached_and_independent_of_decimal_context():
    import decimal
    assert compile_expr("1 / 3") is compile_expr("1 / 3")
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        assert val("1 / 3") == D("0.3333333333333333333333333333333333")
