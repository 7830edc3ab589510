"""Property tests: compiled arithmetic agrees with a reference evaluation, and no
text makes compile_expr raise anything but a FeelError."""
from decimal import Decimal, localcontext

from hypothesis import given, settings, strategies as st

from engine.feel import FEEL_CONTEXT, FeelError, compile_expr

SETTINGS = settings(max_examples=200, deadline=None)

numbers = st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, allow_infinity=False,
                      places=3)


def exprs(depth=3):
    """(text, reference value) pairs; the reference computes with Decimal directly."""
    leaf = numbers.map(lambda d: (f"({d})" if d < 0 else str(d), d))
    if depth == 0:
        return leaf
    sub = exprs(depth - 1)
    return st.one_of(leaf, st.tuples(sub, st.sampled_from("+-*/"), sub).map(_combine))


def _combine(parts):
    (ta, va), op, (tb, vb) = parts
    with localcontext(FEEL_CONTEXT) as ctx:
        ctx.clear_traps()               # the reference marks failure as None instead
        if va is None or vb is None or (op == "/" and vb == 0):
            v = None
        else:
            v = {"+": va + vb, "-": va - vb, "*": va * vb, "/": va / vb if vb else None}[op]
            if v is not None and not v.is_finite():
                v = None
    return f"({ta} {op} {tb})", v


@SETTINGS
@given(exprs())
def test_arithmetic_matches_reference(pair):
    text, expected = pair
    assert compile_expr(text).evaluate({}) == expected


@SETTINGS
@given(exprs(2), st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), exprs(2))
def test_comparisons_match_reference(a, op, b):
    (ta, va), (tb, vb) = a, b
    got = compile_expr(f"{ta} {op} {tb}").evaluate({})
    if va is None or vb is None:
        assert got is (va is vb if op == "=" else (va is not vb) if op == "!=" else None) or got is None
        return
    expected = {"<": va < vb, "<=": va <= vb, ">": va > vb, ">=": va >= vb, "=": va == vb, "!=": va != vb}[op]
    assert got is expected


@SETTINGS
@given(st.text())
def test_any_text_raises_only_feel_errors(text):
    try:
        compile_expr(text)
    except FeelError:
        pass


@SETTINGS
@given(st.text(alphabet="()[]{}.,:+-*/<>=!?\"@ 01ab_xyzifthenelsforinreturn\n", max_size=40))
def test_operator_soup_raises_only_feel_errors(text):
    try:
        ce = compile_expr(text)
        ce.evaluate({})
    except FeelError:
        pass
