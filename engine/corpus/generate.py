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


_RULESETS: dict = {}   # (folder, digest) -> rule set, per process


def _chunk(task):
    folder, digest, seed, start, n = task
    # The task names the rule set's digest, taken once by the parent: hashing the folder again for
    # every chunk (registry.load_cached does, to notice edits) cost more than drawing its cases.
    rs = _RULESETS.get((folder, digest))
    if rs is None:
        from ..registry import load_cached
        rs = load_cached(folder)
        _RULESETS.clear()
        _RULESETS[(folder, digest)] = rs
    return "".join(generate_cases(rs, n, seed, start))


def write_corpus(ruleset, n: int, seed: int, out, workers: int = 1, progress=None) -> int:
    """Write n generated cases to the text stream `out`, in order; returns the count written.

    With several workers the chunks are made in parallel and written as they complete, in order; at
    most a few chunks are in flight, so memory does not grow with n."""
    from ..parallel import ordered_map
    load_profile(ruleset)   # a profile error is reported here, once, not by every worker
    folder, digest = str(ruleset.root), getattr(ruleset, "digest", None)
    tasks = ((folder, digest, seed, start, min(CHUNK, n - start)) for start in range(0, n, CHUNK))
    done = 0
    for text in ordered_map(_chunk, tasks, workers):
        out.write(text)
        k = text.count("\n")
        done += k
        if progress is not None:
            progress(k)
    return done
