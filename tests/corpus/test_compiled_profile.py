"""The compiled generator (engine/corpus/compiled.py) draws exactly what spec.py's functions draw."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.corpus.profile import load_profile
from engine.registry import load_cached

from corpus_drawing import draw_cases

REPO = Path(__file__).resolve().parents[2]
FOLDERS = [REPO / "rulesets" / "ZBC-SC-2025-A2", REPO / "rulesets" / "ZBC-SC-2024-A1",
           REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1", REPO / "tests" / "rulesets" / "QMS-AT-A1"]


def _drawn(profile, draw, seed, n):
    return draw_cases(profile, draw, seed, n)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
@pytest.mark.parametrize("seed", [1, 7, 123456789])
def test_compiled_and_interpreted_draws_are_the_same_cases(folder, seed):
    profile = load_profile(load_cached(folder))
    compiled = _drawn(profile, type(profile).draw, seed, 150)
    interpreted = _drawn(profile, type(profile).draw_interpreted, seed, 150)
    assert compiled == interpreted
    assert len({repr(c) for c in compiled}) > 1        # the cases differ from one another
