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
    from ..registry import load_cached
    from .compare import Comparer
    _STATE["comparer"] = Comparer(load_cached(Path(old_folder)), load_cached(Path(new_folder)))


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


# ---------------------------------------------------------------- local

def run_local(old_folder, new_folder, chunks, workers: int):
    from ..parallel import ordered_map
    yield from ordered_map(compare_chunk, chunks, workers, initializer=_start,
                           initargs=(str(old_folder), str(new_folder)))


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
