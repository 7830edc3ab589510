"""The core promises: exact decimals, dates, null logic, paths and filters."""
import datetime as dt
from decimal import Decimal as D

import pytest

from feel_helpers import run, val
from engine.feel import FeelCheckError, compile_expr


def test_decimal_arithmetic_is_exact():
    assert val("0.1 + 0.2 = 0.3") is True
    assert val("94.99999999999999999 < 95") is True


def test_threshold_with_name():
    assert val("score >= 95", {"score": 97}) is True
    assert val("score >= 95", {"score": D("94.5")}) is False


def test_end_of_month_clamping():
    assert val('date("2024-01-31") + @"P1M"') == dt.date(2024, 2, 29)
    assert val('date("2024-02-29") + @"P1Y"') == dt.date(2025, 2, 28)


def test_unknown_name_did_you_mean():
    with pytest.raises(FeelCheckError) as e:
        compile_expr("scroe >= 95", names={"score": "number"})
    assert str(e.value) == ("unknown name 'scroe' at 1:1 (did you mean 'score'?)\n"
                            "  scroe >= 95\n  ^")


def test_division_by_zero_is_null_with_diagnostic():
    value, diags = run("1 / 0")
    assert value is None
    assert diags == ["division by zero in '1 / 0' at 1:1"]
