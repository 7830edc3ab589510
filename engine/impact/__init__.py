"""Revision impact: a corpus evaluated under two revisions, summarised for a committee.

    impact(OLD, NEW, corpus) -> the impact document (json-ready; report.py renders it)

It streams: the corpus is read record by record, sent in chunks to the executor (this process,
local worker processes, or a Dask cluster), and each chunk comes back as a Tally of counts and a few
example case ids, merged in chunk order. A JSON Lines corpus with several local workers is not read
here at all: this process hands out byte spans of the file and each worker reads its own. Memory does not grow with the corpus, and the result is the
same bytes whatever executor ran it and however many workers it had.
"""
from __future__ import annotations

from itertools import chain
from pathlib import Path

from .compare import shown_outputs

CHUNK = 100          # cases per message to a worker: enough to make the message cost nothing, small
                     # enough that the parent's memory stays flat


def _chunks(records, size):
    """(place of the chunk's first case, records) for consecutive slices of the corpus."""
    buf, start = [], 0
    for r in records:
        buf.append(r)
        if len(buf) >= size:
            yield start, buf
            start += len(buf)
            buf = []
    if buf:
        yield start, buf


def impact(old_folder, new_folder, source, workers: int | None = None, progress: bool | None = None,
           executor: str = "local", scheduler=None, chunk: int = CHUNK) -> dict:
    from ..corpus.sources import count_records, iter_records
    from ..errors import UsageError
    from ..progress import progress as bar, wanted
    from ..registry import load_cached
    from . import executors
    from .tally import Tally
    old, new = load_cached(Path(old_folder)), load_cached(Path(new_folder))
    show = wanted() if progress is None else progress
    total = count_records(source) if show else None
    chunks = _chunks(iter_records(source), chunk)
    # the first cases read now: a missing or unreadable corpus is said before any work starts, and a
    # corpus of one chunk is compared here (workers would cost their start and the stages made ahead)
    first = next(chunks, None)
    small = first is None or len(first[1]) < chunk
    chunks = chain([first] if first is not None else [], chunks)
    if executor == "dask":
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS (tcp://host:8786)")
        results = executors.run_dask(old.root, new.root, chunks, scheduler)
    elif executor == "local":
        n = workers or executors.default_workers()
        if n < 1:
            raise UsageError("the number of workers is at least 1")
        n = 1 if small else n
        spans = executors.spans(source, chunk, n) if n > 1 else None
        results = executors.run_local(old.root, new.root, chunks, n, spans)
    else:
        raise UsageError(f"unknown executor '{executor}' (local or dask)")
    tally = Tally()
    with bar(total, f"impact {old.revision} -> {new.revision}", enabled=show) as advance:
        for part in results:
            tally.merge(part)
            advance(part.cases)
    report = tally.report()
    report["old"], report["new"] = old.identity(), new.identity()
    report["outputs_only_old"] = sorted(shown_outputs(old) - shown_outputs(new))
    report["outputs_only_new"] = sorted(shown_outputs(new) - shown_outputs(old))
    report["titles"] = _titles(old, new, report)
    return report


def _titles(old, new, report) -> dict:
    """The bilingual titles of what the report names (outputs and findings), from the new revision."""
    names = set(report["outputs"]) | {f["id"] for side in report["findings"].values() for f in side}
    out = {}
    for eid in sorted(names):
        el = new.elements.get(eid) or old.elements.get(eid)
        title = getattr(el, "title", None) if el is not None else None
        if title:
            out[eid] = title
    return out


__all__ = ["impact", "CHUNK"]
