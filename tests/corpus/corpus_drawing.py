"""Drawing cases one by one, as generate_cases does (case i of seed s from its own stream), for the tests."""
from __future__ import annotations

from engine.corpus.generate import case_seed
from engine.corpus.profile import new_context


def draw_cases(profile, draw, seed, n, with_vars=False):
    """`draw(profile, ctx)` for cases 1..n of `seed`: the cases, or (case, the profile's variables)."""
    ctx = new_context(0)
    ctx.seed = seed
    out = []
    for i in range(n):
        ctx.rnd.seed(case_seed(seed, i))
        ctx.index = i + 1
        ctx.items, ctx.prev, ctx.pos = [], [], []
        case = draw(profile, ctx)
        out.append((case, dict(ctx.vars)) if with_vars else case)
    return out
