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


SPAN_MIN = 4 * 1024          # bytes: the smallest span handed out (the last ones, so workers finish together)


def spans(source, cases: int, parts: int = 1):
    """A JSON Lines corpus as byte spans (file, offset, length) of about `cases` lines each, cut at line
    ends, for workers that read, parse and compare their own (compare_span). The cuts are found by
    seeking: this process reads the file's first 64 KB (the length of a line) and a line per span,
    never the corpus, and counts no lines (a worker counts them only when a record needs its number).
    Spans shrink toward the end of the file, so `parts` workers run out of work together. None when
    `source` is not such a file."""
    source = Path(source)
    if source.suffix != ".jsonl" or not source.is_file():
        return None
    return _cut(source, cases, parts)


def _cut(source: Path, cases: int, parts: int):
    from ..errors import CaseError
    from ..i18n import Msg
    name = str(source)
    try:
        with open(source, "rb") as fh:
            head = fh.read(64 * 1024)                     # a line's length, from the first ones
            full = max(SPAN_MIN, len(head) // max(1, head.count(b"\n")) * cases)
            size, offset = fh.seek(0, 2), 0
            while offset < size:
                end = offset + max(SPAN_MIN, min(full, (size - offset) // (4 * parts)))
                if end >= size:
                    end = size
                else:
                    fh.seek(end - 1)
                    end += len(fh.readline()) - 1   # to the end of the line the cut fell in
                if end <= offset:
                    break                           # the file shrank while read
                yield name, offset, end - offset
                offset = end
    except OSError as exc:
        raise CaseError(Msg("err_at", where=source, message=Msg("file_cannot_read", reason=exc.strerror or exc))) from None


class _Lines:
    """The line numbers of one file at byte offsets, counted only when asked (a record with no id is
    named by its line, a bad one is reported at it), from the nearest offset already known below."""

    def __init__(self, fh):
        self.fh = fh
        self.known = [0]            # offsets, sorted
        self.line = {0: 1}          # offset -> the number of the line starting there

    def at(self, offset: int) -> int:
        from bisect import bisect_right, insort
        base = self.known[bisect_right(self.known, offset) - 1]
        n = self.line[base]
        if base != offset:
            self.fh.seek(base)
            left = offset - base
            while left:
                block = self.fh.read(min(left, 1 << 20))
                if not block:
                    break
                n += block.count(b"\n")
                left -= len(block)
            insort(self.known, offset)
            self.line[offset] = n
        return n


def compare_span(span):
    """A span of a JSON Lines corpus (see spans), read, parsed and compared here into one Tally. A
    case's place is its line's offset in the file plus its number within the span, which orders cases
    as their line numbers do: examples are ordered by place only, so the report is the same bytes as
    from chunks numbered case by case. A line's own number is counted only when a record needs it."""
    from ..corpus.sources import parse_record, span_records
    from ..errors import CaseError
    from .tally import Tally
    comparer = _STATE["comparer"]
    name, offset, length = span
    fh = _STATE.get(("file", name))
    if fh is None:
        try:
            fh = open(name, "rb")
        except OSError:
            fh = None       # span_records says why, naming the file
        else:
            _STATE[("file", name)] = fh
            _STATE[("lines", name)] = _Lines(fh)
    lines = _STATE.get(("lines", name))
    tally = Tally()
    records = span_records((name, offset, length, 0), fh)     # numbered within the span
    while True:
        try:
            record = next(records, None)
        except CaseError:
            if lines is not None:       # else the file cannot be read: said so, no line to number
                for _ in span_records((name, offset, length, lines.at(offset)), fh):
                    pass    # the same error, at its line's number
            raise
        if record is None:
            return tally
        local = record[2]
        try:
            cid, case = parse_record(record)
        except CaseError:
            cid, case = parse_record(("line", name, lines.at(offset) + local, record[3]))   # raises, numbered
        if cid == f"line {local}":      # no id (or this one): named by its line's number
            cid, case = parse_record(("line", name, lines.at(offset) + local, record[3]))
        tally.add(offset + local, cid, *comparer.compare(case))


# ---------------------------------------------------------------- local

def run_local(old_folder, new_folder, chunks, workers: int, spans=None):
    """Chunks compared here (workers = 1) or in worker processes. With `spans` (a JSON Lines corpus
    as byte spans) and several workers, the workers read and parse their own cases: the parent only
    hands out spans and merges tallies."""
    from ..parallel import forks, ordered_map
    args = (str(old_folder), str(new_folder))
    _STATE.pop("comparer_of", None)     # loaded afresh for each run
    if workers > 1 and forks():
        _start(*args)       # loaded once, here, second stages and all: the forked workers inherit it
        _STATE["comparer"].prepare()
        from ..corpus.generate import _trimmer
        trim = _trimmer()
        if trim is not None:
            trim(0)
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
