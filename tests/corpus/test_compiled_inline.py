"""What the compiled generator now does inline (compiled.py) draws what spec.py draws: random.gauss
with its second value kept in a local (and handed to spec.py's functions and back, in the middle of a
case), _randbelow of a constant (first draw rejected or not, 1 and powers of two), a day between two
literal dates, variables read from locals, and the readers of a variable known to be text or a date
without the tests of its kind. Also the check character's function at its edges."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from engine.corpus import spec as S
from engine.corpus.generate import case_seed
from engine.corpus.profile import load_profile, new_context
from engine.registry import load_cached

from corpus_drawing import draw_cases

REPO = Path(__file__).resolve().parents[2]

PROFILE = {
    "vars": {
        "s": {"choice": ["a", "b", "c"]},                            # always text
        "d": {"date": ["2026-01-01", "2026-03-01"]},                 # a day between literals
        "d2": {"after": "$d", "days": [1, 5]},                       # a date read without _as_date
        "dt": {"date_text": "$d2", "format": "%y%m%d"},
        "x": {"normal": [0, 1]},                                     # the first of a pair
        "pick": {"switch": "$s", "cases": {"a": {"normal": [10, 2]}, "b": {"lognormal": [5, 0.5]}},
                 "default": {"normal": ["$x", 0.5], "min": -1, "max": 1}},
        "mixed": {"switch": "$s", "cases": {"a": "x", "b": "2026-01-01"}},   # text or a date: no kind
        "after_mixed": {"after": ["$mixed", "$d"], "days": 1},
        # items with `p` are drawn by spec.py's functions, which call rnd.gauss themselves
        "samples": {"list": {"count": [0, 3], "item": {"fields": {"v": {"normal": [0, 1]}}, "p": 0.7}}},
        "y": {"normal": [0, 1]},                                     # after them: gauss_next handed back
        "pow2": {"range": [1, 8]},                                   # randbelow(8): 4 bits, half rejected
        "one": {"range": [3, 3]},                                    # randbelow(1)
        "wide": {"range": [-1000, 1000]},
        "days": {"after": "$d", "days": [-300, 300]},
        "ranked": {"list": {"count": [1, 4], "item": {"fields": {
            "first": {"switch": "position", "cases": {1: True}, "default": False},
            "g": {"normal": [0, 3], "step": 0.5},
            "of": {"copy": "$s"},
        }}}},
        "z": {"normal": ["$y", 1]},
    },
    "fields": {
        "as_of": {"copy": "$d2"},
    },
}


def test_inline_draws_are_the_interpreters(tmp_path):
    folder = tmp_path / "LIB"
    shutil.copytree(REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1", folder)
    (folder / "generate.yaml").write_text(yaml.safe_dump(PROFILE, allow_unicode=True), encoding="utf-8")
    p = load_profile(load_cached(folder))
    source = p._draw.source
    assert "_TWOPI" in source and "GB(4)" in source and "_fromord(" in source     # the inline paths are taken
    assert "rnd.gauss_next = GN" in source
    compiled = draw_cases(p, type(p).draw, 5, 400, with_vars=True)
    interpreted = draw_cases(p, type(p).draw_interpreted, 5, 400, with_vars=True)
    assert repr(compiled) == repr(interpreted)
    variables = [v for _, v in compiled]
    assert any(v["samples"] for v in variables) and any(not v["samples"] for v in variables)
    assert {v["pow2"] for v in variables} == set(range(1, 9)) and {v["one"] for v in variables} == {3}
    # the random source is left as the interpreter leaves it (gauss's kept value included)
    states = []
    for draw in (type(p).draw, type(p).draw_interpreted):
        ctx = new_context(0)
        ctx.seed = 5
        for i in range(40):
            ctx.rnd.seed(case_seed(5, i))
            ctx.index, ctx.items, ctx.prev, ctx.pos = i + 1, [], [], []
            draw(p, ctx)
            states.append((i, draw.__name__, ctx.rnd.getstate()))
    half = len(states) // 2
    assert [s[2] for s in states[:half]] == [s[2] for s in states[half:]]
    assert any(s[2][2] is not None for s in states)     # some cases end with a kept second value


def _reference_check(alphabet, weights, modulus, text):
    """GB 32100-2015's check character, written out."""
    if len(text) != len(weights) or any(c not in alphabet for c in text):
        return None
    s = sum(alphabet.index(c) * w for c, w in zip(text, weights)) % modulus
    return alphabet[(modulus - s) % modulus]


def test_check_character_edges():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    uscc = S.check_character(alphabet, weights, 31)
    rnd = random.Random(3)
    for _ in range(2000):
        text = "".join(rnd.choice(alphabet) for _ in range(17))
        assert uscc(text) == _reference_check(alphabet, weights, 31, text)
    assert uscc("91350100M000100Y") is None          # too short
    assert uscc("91350100M000100I4") is None         # I is not in the alphabet
    plain = S.check_character("0123456789", [1, 1], 10, complement=False, symbols="AB")
    assert plain("00") == "A" and plain("01") == "B" and plain("05") is None   # beyond the symbols
