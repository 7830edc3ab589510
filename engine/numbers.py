"""One policy for the size of numbers: what FEEL's decimal128 numbers can hold, and nothing more.

A number read from a rule file, a case or a patch may have at most MAX_DIGITS significant digits
and a magnitude between 10**EMIN and 10**EMAX (FEEL computes with 34 digits and exponents up to
6144): a number outside that is refused where it is read, with its file and line or its field path,
instead of being rounded without a word, or costing minutes (`int()` of 10**999999999), or crashing
the JSON writer. `text` writes any Decimal exactly and in bounded space, whatever its origin.
"""
from __future__ import annotations

from decimal import Decimal

MAX_DIGITS = 34          # FEEL_CONTEXT.prec
EMAX = 6144              # FEEL_CONTEXT.Emax: the largest power of ten of a number's first digit
EMIN = -6143             # FEEL_CONTEXT.Emin
PLAIN_LIMIT = EMAX + MAX_DIGITS + 2   # longest text written without an exponent


def _significant(d: Decimal) -> tuple[int, int]:
    """(significant digits, adjusted exponent) of a finite non-zero Decimal, read without rounding."""
    digits = d.as_tuple().digits
    end = len(digits)
    while end > 1 and digits[end - 1] == 0:
        end -= 1
    return end, d.adjusted()


def refusal(value, written: str | None = None) -> str | None:
    """Why a number read from a file cannot be used (one sentence), or None when it can. `written`:
    the number's text as the user wrote it, shown in the message when it is short."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    if isinstance(value, int):
        if -10 ** 18 < value < 10 ** 18:
            return None
        value = Decimal(value)
    if not value.is_finite():
        return f"{value} is not a finite number"
    if not value:
        return None
    digits, exponent = _significant(value)
    if exponent > EMAX or exponent < EMIN:
        return (f"{_short(value, written)} is beyond the range of numbers (10^{EMIN} to 10^{EMAX}, "
                "FEEL's decimal128)")
    if digits > MAX_DIGITS:
        return (f"{_short(value, written)} has {digits} significant digits; a number has at most {MAX_DIGITS} "
                "(FEEL's decimal128), so it could not be kept exactly")
    return None


def _short(d: Decimal, written: str | None = None) -> str:
    """A number as the message shows it: its text, or its start and its size when long."""
    digits, exponent = _significant(d)
    shown = written if written is not None else text(d)
    return shown if len(shown) <= 40 else f"the number {shown[:12]}... (about 10^{exponent})"


def text(d) -> str:
    """An exact number as JSON number text: no exponent and no trailing zeros (2.50 -> 2.5), computed
    from the digits (no context, so nothing is rounded); beyond decimal128's range, the exponent form
    (1E+999999999), so a stray huge number never costs gigabytes. Not finite: ValueError."""
    if isinstance(d, int) and not isinstance(d, bool):
        d = Decimal(d)
    if not d.is_finite():
        raise ValueError(f"{d} has no JSON form")
    sign, digits, exponent = d.as_tuple()
    end = len(digits)
    while end > 1 and digits[end - 1] == 0:
        end -= 1
    if not any(digits):
        return "0"
    exponent += len(digits) - end
    coefficient = "".join(map(str, digits[:end]))
    minus = "-" if sign else ""
    adjusted = exponent + end - 1
    if adjusted > PLAIN_LIMIT or adjusted < -PLAIN_LIMIT:
        mantissa = coefficient[0] + ("." + coefficient[1:] if end > 1 else "")
        return f"{minus}{mantissa}E{adjusted:+d}"
    if exponent >= 0:
        return minus + coefficient + "0" * exponent
    point = end + exponent
    if point > 0:
        return f"{minus}{coefficient[:point]}.{coefficient[point:]}"
    return f"{minus}0.{'0' * -point}{coefficient}"
