"""An author test's expected value is compared with the value's type: a number is never a text."""
from decimal import Decimal

from engine.authortests import _same


def test_a_number_expected_is_not_met_by_a_text():
    assert not _same(4, "4")
    assert not _same(Decimal("2.5"), "2.5")


def test_numbers_compare_by_value_whatever_their_spelling():
    assert _same(4, Decimal("4.0"))
    assert _same(Decimal("2.50"), Decimal("2.5"))
    assert not _same(4, Decimal("4.5"))


def test_booleans_are_not_numbers():
    assert not _same(1, True)
    assert not _same(True, 1)
