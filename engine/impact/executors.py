"""Where the chunks of an impact run are compared: in this process, in local worker processes, or
on a Dask cluster. Every executor returns one Tally per chunk, in chunk order, so the merged result
(and every byte of the report) is the same wherever the work ran.

The Dask executor assumes no shared disk: both rule sets travel to the workers as a bundle of their
files (sent once, held by the scheduler), each worker writes the bundle to a private folder and loads
it from there; the cases travel inside the chunks.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_STATE: dict = {}


# ---------------------------------------------------------------- the work of one chunk

def _start(old_folder, new_folder):
    if _STATE.get("comparer_of") == (old_folder, new_folder):
        return          # a forked worker: the parent's comparer came with the fork
    from ..registry import load_cached
    from .compare import Comparer
    _STATE["comparer"] = Comparer(load_cached(Path(old_folder)), load_cached(Path(new_folder)))
    _STATE["comparer_of"] = (old_folder, new_folder)


def compare_chunk(chunk, comparer=None):
    """A chunk (its first case's place in the corpus, raw records: see corpus.sources) compared
    case by case into one Tally."""
    from ..corpus.sources import parse_record
    from .tally import Tally
    comparer = comparer or _STATE["comparer"]
    start, records = chunk
    tally = Tally()
    for i, record in enumerate(records):
        cid, case = parse_record(record)
        tally.add(start + i, cid, *comparer.compare(case))
    return tally


def compare_span(span):
    """A span of a JSON Lines corpus (see corpus.sources.jsonl_spans), read, parsed and compared here
    into one Tally. A case's place is its line number: examples are ordered by place only, so the
    report is the same bytes as from chunks numbered case by case."""
    from ..corpus.sources import parse_record, span_records
    from .tally import Tally
    comparer = _STATE["comparer"]
    fh = _STATE.get(("file", span[0]))
    if fh is None:
        try:
            fh = open(span[0], "rb")
        except OSError:
            fh = None       # span_records says why, naming the file
        else:
            _STATE[("file", span[0])] = fh
    tally = Tally()
    for record in span_records(span, fh):
        cid, case = parse_record(record)
        tally.add(record[2], cid, *comparer.compare(case))
    return tally


# ---------------------------------------------------------------- local

def run_local(old_folder, new_folder, chunks, workers: int, spans=None):
    """Chunks compared here (workers = 1) or in worker processes. With `spans` (a JSON Lines corpus
    as byte spans) and several workers, the workers read and parse their own cases: the parent only
    hands out spans and merges tallies."""
    from ..parallel import forks, ordered_map
    args = (str(old_folder), str(new_folder))
    _STATE.pop("comparer_of", None)     # loaded afresh for each run
    if workers > 1 and forks():
        _start(*args)       # loaded once, here: the forked workers inherit it
    if workers > 1 and spans is not None:
        yield from ordered_map(compare_span, spans, workers, initializer=_start, initargs=args)
    else:
        yield from ordered_map(compare_chunk, chunks, workers, initializer=_start, initargs=args)


# ---------------------------------------------------------------- Dask

def bundle(folder) -> dict:
    """A rule set as data: its files' bytes by relative path, and its digest."""
    from ..folder import read_member
    from ..loader import digest_of, rule_files
    from ..yamlio import MAX_FILE_BYTES
    root = Path(folder)
    files = {rel: read_member(root, rel, MAX_FILE_BYTES) for rel in rule_files(root)}
    return {"name": root.name, "digest": digest_of(root), "files": files}


def _materialise(b: dict) -> Path:
    """The bundle written once per worker process into a private folder (keyed by its digest)."""
    key = ("folder", b["digest"], b["name"])
    folder = _STATE.get(key)
    if folder is None:
        base = Path(tempfile.mkdtemp(prefix="certrules-ruleset-"))
        folder = base / b["name"]
        for rel, data in b["files"].items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _STATE[key] = folder
    return folder


def dask_compare(bundles, chunk):
    """Run on a Dask worker: compare one chunk with the rule sets of `bundles` (old, new)."""
    key = ("comparer", bundles[0]["digest"], bundles[1]["digest"])
    comparer = _STATE.get(key)
    if comparer is None:
        from ..ruleset import load_ruleset
        from .compare import Comparer
        comparer = _STATE[key] = Comparer(load_ruleset(_materialise(bundles[0])), load_ruleset(_materialise(bundles[1])))
    from ..parallel import with_room
    return with_room(compare_chunk, chunk, comparer)


def run_dask(old_folder, new_folder, chunks, scheduler: str, in_flight: int | None = None):
    """Chunks compared on the cluster at `scheduler` (tcp://host:8786, or a Client/cluster object)."""
    from ..errors import UsageError
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask needs the dask extra: pip install 'certrules[dask]'") from None
    own = isinstance(scheduler, str)
    try:
        client = Client(scheduler, timeout=10) if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        bundles = client.scatter([bundle(old_folder), bundle(new_folder)], broadcast=True, hash=False)
        limit = in_flight or max(4, 3 * sum(client.nthreads().values()))
        pending = []
        chunks = iter(chunks)
        for chunk in chunks:
            pending.append(client.submit(dask_compare, bundles, chunk, pure=False))
            if len(pending) >= limit:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        if own:
            client.close()


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
