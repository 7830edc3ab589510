"""Hostile inputs tried by an outsider (session of 2026-12-03, helper hostile2).

Each test is a hole found that way, kept so it stays closed: the input, and the one plain answer
certrules must give instead of an internal error (exit 70).
"""
from __future__ import annotations

import pytest

from hardening_support import run_main


@pytest.mark.parametrize("text, says", [
    (r'"\uD800"', "surrogate pair"),           # a lone high surrogate
    (r'"\uDC00\uD800"', "surrogate pair"),     # the halves in the wrong order
    (r'@"\uD800"', "surrogate pair"),          # in a temporal literal
    (r'"\UFFFFFF"', r"\U10FFFF"),              # beyond the last code point
])
def test_string_escape_that_is_no_character(text, says, capsys):
    code, out, err = run_main(["expr", text], capsys)
    assert code == 2, err
    assert says in err and "1:1" in err and "internal error" not in err


def test_string_escape_pair_still_one_character(capsys):
    code, out, err = run_main(["expr", r'string length("\uD83D\uDCA9")'], capsys)
    assert (code, out.strip()) == (0, "1"), err
