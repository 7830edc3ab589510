"""The derive (profile.py, _Derive): computing an output only when an expression reads it, and a case
section only when read, gives the cases the eager derive (every output, every section read) gives."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from engine.corpus import load_profile
from engine.corpus.profile import new_context
from engine.registry import load_cached

from corpus_drawing import draw_cases

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


def _drawn(profile, n, seed=5):
    """(case before the derive, the profile variables) of cases 1..n."""
    derive, profile.derive = profile.derive, None
    try:
        return draw_cases(profile, type(profile).draw, seed, n, with_vars=True)
    finally:
        profile.derive = derive


def _both(derive, drawn):
    ctx = new_context(0)
    lazy, eager = [], []
    for case, variables in drawn:
        ctx.vars = variables
        a, b = copy.deepcopy(case), copy.deepcopy(case)
        derive.apply(ctx, a)
        derive._apply_eager(ctx, b)
        lazy.append(a)
        eager.append(b)
    return lazy, eager


@pytest.mark.parametrize("folder", [A1, A2], ids=lambda p: p.name)
def test_the_lazy_derive_gives_the_eager_derives_cases(folder):
    profile = load_profile(load_cached(folder))
    assert profile.derive is not None and profile.derive.lazy
    drawn = _drawn(profile, 600)
    lazy, eager = _both(profile.derive, drawn)
    assert lazy == eager
    # and the derive changed something (the certificates follow the decision): the test sees a difference
    assert any(case != before for case, (before, _) in zip(lazy, drawn))


def test_a2_decides_only_the_cases_whose_certificate_depends_on_the_decision():
    """A surveillance's certificate does not read certification_decision (5.9.4: no issuing decision),
    so its precondition checks are not run: the level alone is computed."""
    profile = load_profile(load_cached(A2))
    d = profile.derive
    drawn = _drawn(profile, 200)
    ctx = new_context(0)
    ctx.vars = drawn[0][1]
    d.apply(ctx, copy.deepcopy(drawn[0][0]))     # the outputs that read nothing of the case: made once, here
    computed = []
    real = d._compute

    def spy(env, case, made, output):
        computed.append(((case or {}).get("audit") or {}).get("kind") if case is not None else None)
        computed.append(output)
        return real(env, case, made, output)

    d._compute = spy
    try:
        for case, variables in drawn:
            ctx.vars = variables
            computed.clear()
            kind = (case.get("audit") or {}).get("kind")
            d.apply(ctx, case)
            outputs = computed[1::2]
            if kind in ("initial", "recertification"):
                assert "certification_decision" in outputs, kind
            else:
                assert "certification_decision" not in outputs, kind
            assert "level_names" not in outputs      # reads nothing of the case: computed once
    finally:
        d._compute = real


def test_an_expression_that_makes_a_function_keeps_the_derive_eager(tmp_path):
    folder = tmp_path / A2.name
    shutil.copytree(A2, folder)
    p = folder / "generate.yaml"
    text = p.read_text(encoding="utf-8")
    old = "    certificate.level: if level = null"
    assert old in text
    p.write_text(text.replace(old, '    certificate.level: if (function(x) x)(level) = null', 1), encoding="utf-8")
    profile = load_profile(load_cached(folder))
    assert not profile.derive.lazy
    lazy, eager = _both(profile.derive, _drawn(profile, 50))
    assert lazy == eager
