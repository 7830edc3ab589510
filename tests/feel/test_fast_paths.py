"""The generated code's fast paths (engine/codegen/expr.py) give what the general path gives: the same
value, the same null and the same diagnostics, for the common case, for null and for the wrong kind.

Each expression is run twice: with its inputs as names the generator knows nothing about (the fast
path is tested at run time, the built-in runs when it does not hold), and with the inputs bound by a
loop (kinds known, checks dropped); both must equal the built-in's own answer."""
from decimal import Decimal

import pytest

from engine.feel.budget import Budget, size_within
from engine.feel.errors import FeelLimitError
from feel_helpers import run


def D(x):
    return Decimal(str(x))


CASES = [
    # (call, args, value)
    ("substring before", ["foobar", "bar"], "foo"),
    ("substring before", ["foobar", "x"], ""),
    ("substring before", ["foobar", ""], ""),
    ("substring after", ["foobar", "ob"], "ar"),
    ("substring after", ["foobar", "x"], ""),
    ("substring after", ["foobar", ""], "foobar"),
    ("starts with", ["foobar", "fo"], True),
    ("ends with", ["foobar", "fo"], False),
    ("modulo", [D(12), D(5)], D(2)),
    ("modulo", [D(-12), D(5)], D(3)),
    ("modulo", [D(12), D(-5)], D(-3)),
    ("modulo", [D("10.25"), D(3)], D("1.25")),
    ("concatenate", [[D(1)], [D(2), D(3)]], [D(1), D(2), D(3)]),
    ("concatenate", [[], ["a"]], ["a"]),
    ("max", [[D(1), D(3), D(2)]], D(3)),
    ("min", [["b", "a", "c"]], "a"),
    ("sort", [[D(3), D(1), D(2)]], [D(1), D(2), D(3)]),
    ("sort", [[]], []),
    ("get entries", [{"a": D(1), "b": "x"}], [{"key": "a", "value": D(1)}, {"key": "b", "value": "x"}]),
    ("floor", [D("2.5")], D(2)),
    ("ceiling", [D("2.5")], D(3)),
    ("floor", [D("-2.5"), D(0)], D(-3)),
    ("sqrt", [D(16)], D(4)),
]


@pytest.mark.parametrize("name,args,expected", CASES)
def test_fast_built_ins_give_the_built_ins_value(name, args, expected):
    names = [f"a{i}" for i in range(len(args))]
    by_names = run(f"{name}({', '.join(names)})", dict(zip(names, args)))
    assert by_names == (expected, [])
    # bound by loops over one-item lists: kinds the generator knows
    loops = ", ".join(f"{n} in [x{i}]" for i, n in enumerate(names))
    env = {f"x{i}": a for i, a in enumerate(args)}
    value, diags = run(f"(for {loops} return {name}({', '.join(names)}))[1]", env)
    assert (value, diags) == (expected, [])


@pytest.mark.parametrize("name,args", [
    ("substring before", ["foobar", None]), ("substring before", [None, "a"]), ("substring after", ["ab", 1]),
    ("starts with", [1, "a"]), ("ends with", ["a", None]),
    ("modulo", [D(1), D(0)]), ("modulo", [D(1), "2"]), ("modulo", [None, D(2)]),
    ("concatenate", [[D(1)], None]), ("concatenate", [[D(1)], D(2)]),
    ("max", [[D(1), "a"]]), ("max", [[]]), ("min", [[D(1), None]]), ("sort", [[D(1), "a"]]),
    ("sort", [[True, False]]), ("get entries", [D(1)]), ("get entries", [None]),
    ("floor", ["1.5"]), ("ceiling", [None]), ("sqrt", [D(-1)]), ("sqrt", ["4"]),
])
def test_fast_built_ins_leave_null_and_wrong_kinds_to_the_built_in(name, args):
    from engine.feel.builtins import BUILTINS
    from engine.feel.functions import apply
    names = [f"a{i}" for i in range(len(args))]
    value, diags = run(f"{name}({', '.join(names)})", dict(zip(names, args)))
    try:
        expected = apply(BUILTINS.get(name), list(args), [None, Budget()])
    except Exception:           # the built-in refuses: null, and the reason said
        expected = None
        assert diags and all(f"'{name}(" in d for d in diags), diags
    assert value == expected


def test_an_index_no_item_can_change_is_the_loops_answer():
    # a literal list of numbers (no item has fields) indexed by a loop's variable: computed once
    items = {}
    xs = "[10, 20, 30]"
    assert run(f"for k in 1..3 return {xs}[k]", items) == ([D(10), D(20), D(30)], [])
    assert run(f"for k in [-1] return {xs}[k]", items) == ([D(30)], [])
    assert run(f"for k in [true] return {xs}[k]", items) == ([[D(10), D(20), D(30)]], [])
    assert run(f'for k in ["a", null, false] return {xs}[k]', items) == ([[], [], []], [])
    assert run("for k in [1] return [][k]", items) == ([[]], [])
    value, diags = run(f"for k in [5, 2.5] return {xs}[k]", items)
    assert value == [None, None]
    assert len(diags) == 2 and "outside the list of 3 items" in diags[0] and "not a whole number" in diags[1]


def test_a_condition_that_says_why_it_is_null_says_it_once_per_item_as_the_loop_did():
    # `k + 1` is null with a reason for k = "a"; the loop over the 3 items recorded it 3 times
    value, diags = run('for k in ks return [10, 20, 30][k + 1]', {"ks": ["a"]})
    assert value == [[]]
    assert len(diags) == 3 and len(set(diags)) == 1
    value, diags = run('for k in ks return [][k + 1]', {"ks": ["a"]})
    assert (value, diags) == ([[]], [])       # no item: the condition never ran
    # a number condition computed once (k is a number), null by an overflow: its reason three times
    value, diags = run("for k in 1..1 return [10, 20, 30][k * 1e6000 * 1e6000]")
    assert value == [[]]
    assert len(diags) == 3 and len(set(diags)) == 1 and "out of range" in diags[0]
    assert run("for k in 1..1 return [][k * 1e6000 * 1e6000]") == ([[]], [])


def test_size_within_spends_what_each_list_and_context_holds():
    b = Budget(items=100)
    size_within([[1, 2], {"a": [3], "b": 4}, "x"], b)
    assert b.items == 100 - 3 - 2 - 2 - 1
    b = Budget(items=5)
    with pytest.raises(FeelLimitError):
        size_within([[1, 2, 3], [4, 5, 6]], b)
    assert b.items == 0 and b.reached is not None
    b = Budget(items=5)
    size_within("not a structure", b)
    assert b.items == 5


@pytest.mark.parametrize("text,env,expected,reasons", [
    ("a + b", {"a": "ab", "b": "cd"}, "abcd", 0),
    ("a + b", {"a": "ab", "b": None}, None, 0),
    ("a + b", {"a": "ab", "b": D(1)}, None, 1),
    ("a < b", {"a": "2026-01-01", "b": "2026-01-02"}, True, 0),
    ("date(a) < date(b)", {"a": "2026-01-03", "b": "2026-01-02"}, False, 0),
    ("date(a) >= b", {"a": "2026-01-03", "b": "2026-01-02"}, None, 1),
])
def test_text_joins_and_date_comparisons_as_ops_does(text, env, expected, reasons):
    value, diags = run(text, env)
    assert value == expected and len(diags) == reasons, diags


def test_a_text_join_spends_and_fails_as_ops_add_does():
    from engine.codegen.runtime import add_texts
    from engine.feel import ops
    for chars in (10, 4, 3):
        mine, theirs = Budget(chars=chars), Budget(chars=chars)
        outcomes = []
        for fn, budget in ((add_texts, mine), (ops.add, theirs)):
            try:
                outcomes.append(fn("ab", "cd", budget))
            except FeelLimitError as exc:
                outcomes.append(exc.message)
        assert outcomes[0] == outcomes[1]
        assert (mine.chars, mine.reached) == (theirs.chars, theirs.reached)
    assert outcomes[0] != "abcd"        # 3 characters left: past the budget


ROUNDED = ["0", "-0", "0.00", "-0.5", "0.5", "2.50", "3E+1", "-3E+2", "1E-40", "-1E-40", "9.999",
           "12345678901234567890123456789012.5", "123456789012345678901234567890123.5", "9" * 33 + ".9",
           "9" * 34, "1E+6144", "-1E-6143"]


@pytest.mark.parametrize("call", ["floor(a)", "ceiling(a)", "floor(a, 0)", "ceiling(a, 0)", "sqrt(a)"])
def test_rounding_and_square_roots_give_the_built_ins_digits(call):
    # to_integral_value and the context's sqrt for a number the built-in rounds: the same digits and
    # exponent (3.0 floors to 3, 3E+1 to 30), beyond 33 digits before the point the built-in's own answer
    from engine.feel.builtins import BUILTINS
    from engine.feel.functions import apply
    name = call.split("(")[0]
    for a in ROUNDED:
        args = [D(a)] + ([D(0)] if ", 0" in call else [])
        try:
            expected = apply(BUILTINS.get(name), args, [None, Budget()])
        except Exception:
            expected = None
        for text, env in ((call, {"a": D(a)}), (f"(for a in [x] return {call})[1]", {"x": D(a)})):
            value, _ = run(text, env)
            assert str(value) == str(expected), (text, a)


def test_a_date_moved_by_whole_days_is_the_date_ops_gives_and_null_past_year_9999():
    import datetime
    assert run('d - @"P1D"', {"d": datetime.date(2024, 3, 1)}) == (datetime.date(2024, 2, 29), [])
    assert run('d + @"P3D"', {"d": datetime.date(2024, 12, 30)}) == (datetime.date(2025, 1, 2), [])
    assert run('d + @"PT1H"', {"d": datetime.date(2024, 12, 30)}) == (datetime.date(2024, 12, 30), [])
    value, diags = run('d + @"P1D"', {"d": datetime.date(9999, 12, 31)})
    assert value is None and diags == ["the date is out of range in 'd + @\"P1D\"' at 1:1"]
    # the general path (a duration the generator does not know) says the same
    value, diags = run('d + duration(p)', {"d": datetime.date(9999, 12, 31), "p": "P1D"})
    assert value is None and diags == ["the date is out of range in 'd + duration(p)' at 1:1"]


def test_months_added_without_the_calendar_module_are_ops_add_months():
    import datetime
    from engine.codegen.runtime import add_months
    from engine.feel import ops
    from engine.feel.errors import FeelEvalError
    for start in (datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(1900, 3, 31),
                  datetime.date(2000, 8, 31), datetime.date(1, 1, 1), datetime.date(9999, 12, 31)):
        for months in range(-30, 31):
            outcomes = []
            for fn in (ops.add_months, add_months):
                try:
                    outcomes.append(fn(start, months))
                except FeelEvalError as exc:
                    outcomes.append(exc.message)
            assert outcomes[0] == outcomes[1], (start, months)


def test_sums_and_means_by_operators_in_the_feel_context_are_the_helpers_values():
    import decimal
    from engine.codegen import runtime as R
    from engine.feel.values import FEEL_CONTEXT
    lists = [[D(1), D("2.5"), D("-0.1")], [D("1E+6144"), D("9E+6144")], [D(1), "2"], [], [D(1) / D(3)] * 7,
             [D("1E-6143"), D("-1E-6143")]]
    with decimal.localcontext(FEEL_CONTEXT):
        for items in lists:
            for general, mine in ((R.sum_numbers, R.sum_in_context), (R.mean_numbers, R.mean_in_context)):
                a, b = general(items), mine(items)
                assert (a is R.NO) == (b is R.NO) and (a is R.NO or str(a) == str(b)), items
        assert R.sum_in_context([D("1E+6144"), D("9E+6144")]) is R.NO     # past decimal128: the built-in says why
    # only in the FEEL context: outside it the operators follow decimal's default context (why the generator
    # uses these helpers only in a rule set's run function, which sets it)
    assert R.sum_in_context([D("1E+6144"), D("9E+6144")]) is not R.NO
