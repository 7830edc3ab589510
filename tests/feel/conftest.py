"""Helpers shared by the expression tests."""
from decimal import Decimal

import pytest

from engine.feel import compile_expr, to_feel


def run(text, env=None, **kw):
    """Evaluate `text` with a plain-Python env; returns (value, diagnostics)."""
    diags: list[str] = []
    value = compile_expr(text, **kw).evaluate(to_feel(env or {}), diags)
    return value, diags


def val(text, env=None, **kw):
    return run(text, env, **kw)[0]


@pytest.fixture
def D():
    return Decimal
