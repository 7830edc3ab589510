"""Generating a corpus: case i of seed s is drawn from its own random stream, so the corpus is the
same whether it is made in one process or in chunks by several, and any slice can be made alone."""
from __future__ import annotations

import os

from .profile import case_json, case_json_bytes, load_profile, new_context

CHUNK = 100        # cases per task sent to a worker process: ~25 ms of work, ~320 KB of text
TRIM_EVERY = 32    # chunks written between two malloc_trim calls in the parent (see _trimmer)


def case_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + index


def generate_cases(ruleset, n: int, seed: int, start: int = 0, line=case_json):
    """JSON Lines, one {"case", "id"} object per line, for cases start+1 .. start+n (`line`:
    profile.case_json, text, or case_json_bytes, the same line as UTF-8)."""
    profile = load_profile(ruleset)
    ctx = new_context(0)
    ctx.seed = seed
    for i in range(start, start + n):
        ctx.rnd.seed(case_seed(seed, i))
        ctx.index = i + 1
        ctx.items, ctx.prev, ctx.pos = [], [], []
        yield line(f"gen-{seed}-{i + 1:06d}", profile.draw(ctx))


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
    # bytes: a chunk crosses the pipe and reaches the file as the UTF-8 it is written in (as text it
    # was encoded to pickle it, decoded in the parent and encoded again to write it)
    return b"".join(generate_cases(rs, n, seed, start, case_json_bytes))


def _trimmer():
    """glibc's malloc_trim, or None elsewhere. The parent receives every chunk as one large message
    and string (read from its worker's pipe by engine/parallel.py) and frees it once written; glibc
    keeps the freed room in its arenas, fragmented, so the parent's RSS crept up with the corpus
    (33 -> 44 MB over 300,000 cases with 40-case chunks, -> 39 MB with 100) while Python's own memory
    stayed flat. Giving the free room back every few chunks keeps it flat (33 -> 35 MB) for a few ms
    a call."""
    import sys
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):     # not glibc (musl has no malloc_trim)
        return None


def _raw(out):
    """The byte stream under the text stream `out` when writing UTF-8 bytes there is what writing the
    text would do (UTF-8, no newline translation), else None. `out` is flushed first."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is None or encoding != "utf8" or os.linesep != "\n" or getattr(out, "errors", "strict") != "strict":
        return None
    out.flush()
    return buffer


def write_corpus(ruleset, n: int, seed: int, out, workers: int = 1, progress=None) -> int:
    """Write n generated cases to the text stream `out`, in order; returns the count written.

    With several workers the chunks are made in parallel and written as they complete, in order; at
    most a few chunks are in flight, so memory does not grow with n."""
    from ..parallel import ordered_map
    load_profile(ruleset)   # a profile error is reported here, once, not by every worker
    folder, digest = str(ruleset.root), getattr(ruleset, "digest", None)
    tasks = ((folder, digest, seed, start, min(CHUNK, n - start)) for start in range(0, n, CHUNK))
    trim = _trimmer() if workers > 1 else None
    raw = _raw(out)
    done = 0
    for i, chunk in enumerate(ordered_map(_chunk, tasks, workers), 1):
        if raw is not None:
            raw.write(chunk)
        else:
            out.write(chunk.decode("utf-8"))
        k = chunk.count(b"\n")
        done += k
        if progress is not None:
            progress(k)
        if trim is not None and i % TRIM_EVERY == 0:
            trim(0)
    return done
