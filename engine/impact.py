"""Impact of a revision on a corpus of cases: every case evaluated under both rule sets, the outputs
that change counted per output id, with a migration matrix for categorical outputs and the cases
behind each change.

It streams: cases are read one at a time (a folder of YAML/JSON files or a JSON Lines file), sent
to worker processes in chunks, and only counts and a bounded sample of case ids are kept, so memory
does not grow with the corpus.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

from .errors import CaseError, CertrulesError
from .yamlio import YamlError, load_file, parse_json

SAMPLE = 20          # case ids kept per change
MAX_MOVES = 50       # distinct from -> to pairs kept per output
CHUNK = 64


def iter_cases(source):
    """(case id, case dict) pairs from a folder of .yaml/.yml/.json files or a .jsonl file."""
    source = Path(source)
    if source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.suffix in (".yaml", ".yml", ".json") and p.is_file():
                try:
                    data = load_file(p).data
                except YamlError as exc:
                    raise CaseError(f"{p}:{exc.line or ''}: {exc.message}") from None
                yield p.name, data
    elif source.suffix == ".jsonl" and source.is_file():
        with open(source, "rb") as fh:
            for n, line in _lines(fh, source):
                if not line.strip():
                    continue
                try:
                    data = parse_json(line).data
                except YamlError as exc:
                    raise CaseError(f"{source}:{n}: {exc.message}") from None
                if isinstance(data, dict) and isinstance(data.get("case"), dict):
                    yield str(data.get("id") or f"line {n}"), data["case"]
                else:
                    yield f"line {n}", data
    elif source.is_file():
        try:
            yield source.name, load_file(source).data
        except YamlError as exc:
            raise CaseError(f"{source}:{exc.line or ''}: {exc.message}") from None
    else:
        raise CaseError(f"{source}: no such case file or folder")


def _lines(fh, source):
    """Numbered lines of a JSON Lines file (opened binary); a line that is not UTF-8 is named."""
    for n, raw in enumerate(fh, 1):
        try:
            yield n, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CaseError(f"{source}:{n}: the line is not UTF-8 text (bad byte at column {exc.start + 1})") from None


_STATE: dict = {}


def _init(old_folder, new_folder):
    import signal
    # a worker is stopped by its pool: Ctrl-C and SIGTERM are the parent's to handle (it terminates the pool)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from .registry import load_cached
    _STATE["old"] = load_cached(Path(old_folder))
    _STATE["new"] = load_cached(Path(new_folder))
    _STATE["common"] = _common_outputs(_STATE["old"], _STATE["new"])


def _shown(rs) -> set:
    return {eid for eid, el in rs.elements.items() if el.kind not in ("parameter", "check")}


def _common_outputs(old, new) -> set:
    """Outputs both revisions have: an output only one has is a change of the rule set, listed once,
    not a change in every case."""
    return _shown(old) & _shown(new)


def _outputs(rs, case):
    from .evaluation import evaluate
    try:
        values = evaluate(rs, case, trace=False)["values"]
    except CertrulesError as exc:
        return {"__error__": exc.message.splitlines()[0]}
    out = {}
    for k, v in values.items():
        if isinstance(v, dict) and "state" in v:
            v = v["state"]
        out[k] = v
    return out


def _compare_chunk(chunk):
    results = []
    for cid, case in chunk:
        case = {k: v for k, v in case.items() if k != "revision"} if isinstance(case, dict) else case
        a = _outputs(_STATE["old"], case)
        b = _outputs(_STATE["new"], case)
        changed = {}
        for key in sorted(_STATE["common"] | {"__error__"}):
            if a.get(key) != b.get(key):
                changed[key] = (_key(a.get(key)), _key(b.get(key)))
        results.append((cid, changed))
    return results


def _key(v):
    """A value as sent back to the parent: numbers stay Decimals (so they can be compared), structures become text."""
    if isinstance(v, Decimal):
        return v.normalize() if v != 0 else Decimal(0)
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, default=str, ensure_ascii=False)
    return v


class OutputTally:
    """What changed for one output, in bounded memory: at most MAX_MOVES distinct from -> to pairs are
    kept with their cases; further distinct pairs are only counted."""

    def __init__(self):
        self.count = 0
        self.categorical = True
        self.numeric = True
        self.up = self.down = 0
        self.moves: dict = {}
        self.other = 0
        self.cases: list = []

    def add(self, cid, a, b):
        self.count += 1
        if not all(x is None or isinstance(x, (str, bool)) for x in (a, b)):
            self.categorical = False
        if all(x is None or isinstance(x, Decimal) for x in (a, b)):
            if a is not None and b is not None:
                self.up += b > a
                self.down += b < a
        else:
            self.numeric = False
        move = (a, b)
        m = self.moves.get(move)
        if m is None:
            if len(self.moves) >= MAX_MOVES:
                self.other += 1
                return self._sample(cid)
            m = self.moves[move] = {"from": a, "to": b, "count": 0, "cases": []}
        m["count"] += 1
        if len(m["cases"]) < SAMPLE:
            m["cases"].append(cid)
        self._sample(cid)

    def _sample(self, cid):
        if len(self.cases) < SAMPLE:
            self.cases.append(cid)

    def report(self) -> dict:
        moves = sorted(self.moves.values(), key=lambda m: (-m["count"], str(m["from"]), str(m["to"])))
        out = {"cases_changed": self.count, "categorical": self.categorical, "cases": self.cases}
        out["migrations" if self.categorical else "examples"] = moves
        if self.numeric and not self.categorical:
            out["increased"], out["decreased"] = self.up, self.down
        if self.other:
            out["other_changes"] = self.other
        return out


def _chunks(it, size):
    buf = []
    for item in it:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def impact(old_folder, new_folder, source, workers: int | None = None, progress: bool | None = None) -> dict:
    workers = workers or os.cpu_count() or 1
    progress = sys.stderr.isatty() if progress is None else progress
    per_output: dict = {}
    total = affected = 0
    start = time.monotonic()
    chunks = _chunks(iter_cases(source), CHUNK)
    if workers == 1:
        _init(old_folder, new_folder)
        results = map(_compare_chunk, chunks)
        pool = None
    else:
        ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
        pool = ctx.Pool(workers, initializer=_init, initargs=(str(old_folder), str(new_folder)))
        results = pool.imap(_compare_chunk, chunks)
    try:
        for batch in results:
            for cid, changed in batch:
                total += 1
                if changed:
                    affected += 1
                for key, (a, b) in changed.items():
                    per_output.setdefault(key, OutputTally()).add(cid, a, b)
            if progress:
                rate = total / max(time.monotonic() - start, 1e-9)
                sys.stderr.write(f"\r{total:,} cases, {affected:,} affected ({rate:,.0f}/s)")
                sys.stderr.flush()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if progress:
            sys.stderr.write("\n")
    outputs = {key: per_output[key].report() for key in sorted(per_output)}
    from .registry import load_cached
    old, new = load_cached(Path(old_folder)), load_cached(Path(new_folder))
    return {"cases": total, "affected": affected, "outputs": outputs,
            "outputs_only_old": sorted(_shown(old) - _shown(new)), "outputs_only_new": sorted(_shown(new) - _shown(old))}
