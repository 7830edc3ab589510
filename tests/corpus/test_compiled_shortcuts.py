"""The compiled generator's shortcuts (compiled.py: a value that cannot be missing set in place, whole
ranges and all-text templates as one expression, `not_in` drawn inline) draw what spec.py draws, at
their edges: weighted and unweighted exclusions down to no option left, numbers and truth values in
templates, ranges that are empty, negative or huge, gated by `p` and `when`."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from engine.corpus.profile import load_profile
from engine.registry import load_cached

from corpus_drawing import draw_cases

REPO = Path(__file__).resolve().parents[2]

PROFILE = {
    "vars": {
        "n": {"range": [1, 6]},
        "neg": {"range": [-40, -3]},
        "one": {"range": [5, 5]},
        "empty": {"range": [9, 3]},                       # high below low: missing
        "huge": {"range": [0, 2 ** 60]},                  # beyond a float's integers: the general way
        "maybe": {"range": [1, 9], "p": 0.5},
        "gated": {"range": [1, 9], "when": {"$n": [1, 2, 3]}},
        "flag": {"bool": 0.3},
        "pick": {"choice": {"a": 3, "b": 1, "c": 1}},
        "num": {"choice": [1, 2, 3]},
        "mixed": {"choice": [1, "x", True, None]},
        "day": {"value": "2026-02-03"},
        "text": {"template": "{a}-{b}-{c}-{d}", "parts": {"a": {"range": [0, 99]}, "b": {"choice": ["p", "q"]},
                                                          "c": {"digits": 3}, "d": {"choice": [7, 8]}}},
        "texts": {"template": "{a}{b}", "parts": {"a": {"choice": [True, False]}, "b": {"range": [1, 2], "p": 0.5}}},
        "bare": {"template": "{a}", "parts": {"a": {"range": [10, 12]}}},
        "dated": {"template": "{a}/{b}", "parts": {"a": {"value": "2026-01-01"}, "b": {"choice": ["2026-05-05", "x"]}}},
        "long": {"chars": 20, "from": "AB"},
        "when": {"date": ["0001-01-01", "9999-12-31"]},
        "short": {"date_text": "$when", "format": "%y"},
        "coded": {"date_text": "$when", "format": "第%j天 %d.%m.%y"},
        "slow": {"date_text": "$when", "format": "%Y %U"},
        "team": {"list": {"count": [0, 7], "item": {"fields": {
            "name": {"choice": ["ann", "bob", "cy", "dee", "eve"], "not_in": "$team_so_far"},
        }}}},
    },
    "fields": {
        "as_of": {"date": ["2026-01-01", "2026-06-30"]},
        "member": {"fields": {"kind": {"choice": {"student": 2, "staff": 1}, "p": 0.9},
                              "joined_on": {"date": ["2020-01-01", "2025-12-31"]}}},
        "events": {"list": {"count": [0, 5], "item": {"fields": {
            "type": {"choice": ["card_blocked", "fine_paid", "card_cancelled"], "weights": [5, 3, 1],
                     "not_in": "events.type"},
            "on": {"after": "as_of", "days": [1, 30]},
        }}}},
        "loans": {"list": {"count": "$n", "item": {"fields": {
            "borrowed_on": {"choice": ["2026-01-02", "2026-01-03", 4, True], "not_in": ["loans.borrowed_on", "$num"]},
            "returned_on": {"template": "{x} {y}", "parts": {"x": {"range": [1, 3]}, "y": {"copy": "position"}}},
        }}}},
    },
}


def _drawn(profile, draw, n=300):
    return draw_cases(profile, draw, 8, n, with_vars=True)


def test_shortcuts_draw_what_the_interpreter_draws(tmp_path):
    folder = tmp_path / "LIB"
    shutil.copytree(REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1", folder)
    profile = yaml.safe_load(yaml.safe_dump(PROFILE))
    profile["vars"]["team"]["list"]["item"]["fields"]["name"]["not_in"] = "$team.name"
    (folder / "generate.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    p = load_profile(load_cached(folder))
    compiled = _drawn(p, type(p).draw)
    interpreted = _drawn(p, type(p).draw_interpreted)
    assert compiled == interpreted
    assert repr(compiled) == repr(interpreted)          # the same types too (7 and 7.0, True and 1)
    cases = [c for c, _ in compiled]
    variables = [v for _, v in compiled]
    # the edges were reached
    typed = [[e["type"] for e in c.get("events") or [] if "type" in e] for c in cases]
    assert all(len(set(t)) == len(t) <= 3 for t in typed)               # distinct, three at most
    assert any("type" not in e for c in cases for e in c.get("events") or [])   # none left: no type
    assert all("empty" not in v for v in variables) and any("maybe" in v for v in variables)
    assert any("maybe" not in v for v in variables)
    assert {v["one"] for v in variables} == {5} and all(-40 <= v["neg"] <= -3 for v in variables)
    assert any(v["huge"] > 2 ** 53 for v in variables)
    assert all(v["text"].count("-") == 3 for v in variables)
    assert {v["bare"] for v in variables} == {"10", "11", "12"}


def test_the_fast_date_codes_are_strftimes_for_every_year():
    from datetime import date
    from engine.corpus.compiled import _date_format
    fmt = "%y/%m-%d %j 年"
    expr = _date_format(fmt)("d", repr)
    for o in list(range(1, date.max.toordinal(), 997)) + [date.max.toordinal()]:
        d = date.fromordinal(o)
        assert eval(expr, {"_date": date, "d": d}) == d.strftime(fmt), d
    assert _date_format("%Y") is None and _date_format("%U") is None and _date_format("100%") is None
