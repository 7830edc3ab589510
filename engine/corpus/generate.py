"""Generating a corpus: case i of seed s is drawn from its own random stream, so the corpus is the
same whether it is made in one process or in chunks by several, and any slice can be made alone."""
from __future__ import annotations

from .profile import case_json, load_profile, new_context

CHUNK = 100        # cases per task sent to a worker process: ~25 ms of work, ~150 KB of text. Larger
                   # results (500 cases) made the parent's heap creep up over a million cases.


def case_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + index


def generate_cases(ruleset, n: int, seed: int, start: int = 0):
    """JSON Lines, one {"case", "id"} object per line, for cases start+1 .. start+n."""
    profile = load_profile(ruleset)
    ctx = new_context(0)
    ctx.seed = seed
    for i in range(start, start + n):
        ctx.rnd.seed(case_seed(seed, i))
        ctx.index = i + 1
        ctx.items, ctx.prev, ctx.pos = [], [], []
        yield case_json(f"gen-{seed}-{i + 1:06d}", profile.draw(ctx))


def _chunk(task):
    folder, seed, start, n = task
    from ..registry import load_cached
    return "".join(generate_cases(load_cached(folder), n, seed, start))


def write_corpus(ruleset, n: int, seed: int, out, workers: int = 1, progress=None) -> int:
    """Write n generated cases to the text stream `out`, in order; returns the count written.

    With several workers the chunks are made in parallel and written as they complete, in order; at
    most a few chunks are in flight, so memory does not grow with n."""
    from ..parallel import ordered_map
    load_profile(ruleset)   # a profile error is reported here, once, not by every worker
    tasks = ((str(ruleset.root), seed, start, min(CHUNK, n - start)) for start in range(0, n, CHUNK))
    done = 0
    for text in ordered_map(_chunk, tasks, workers):
        out.write(text)
        k = text.count("\n")
        done += k
        if progress is not None:
            progress(k)
    return done
