"""Differential test: the A/2 rule set (through the engine) against the hand-written reference.

10,000 generated cases (engine.corpus, seed fixed) are evaluated by the engine with the trace off
and by benchmarks/reference_a2.py; the 13 outputs must agree on every case. Numbers compare
numerically (2.50 == 2.5), dates as ISO text, `status` as the state's name. A failure lists the
first 20 disagreements (case id, output, engine value, reference value) and how many there were.

The cases are split over the machine's cores (up to 4): worker k generates and evaluates its share
with seed SEED + k, so nothing large is sent between processes. CERTRULES_DIFF_N changes the number
of cases.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
A2 = ROOT / "rulesets" / "ZBC-SC-2025-A2"
N = int(os.environ.get("CERTRULES_DIFF_N", "10000"))
SEED = 20251201
SHOWN = 20

needs_a2 = pytest.mark.skipif(not (A2 / "ruleset.yaml").is_file(), reason="the A/2 rule set is not in rulesets/ yet")


def _reference():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import reference_a2
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return reference_a2


def _norm(value):
    """A comparable form: Decimal for numbers, ISO text for dates, the state's name for a machine."""
    if isinstance(value, dict) and "state" in value:
        value = value["state"]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def _show(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return repr(value)


def compare(rs, reference, cid, case):
    """The disagreements on one case: (case id, output, engine, reference) tuples."""
    from engine.errors import CertrulesError
    from engine.evaluation import evaluate
    try:
        values = evaluate(rs, case, trace=False)["values"]
    except CertrulesError as exc:
        values = exc
    try:
        expected = reference.evaluate(case)
    except Exception as exc:  # noqa: BLE001 - a crash in the reference is a disagreement too
        expected = exc
    if isinstance(values, Exception) or isinstance(expected, Exception):
        if isinstance(values, Exception) and isinstance(expected, Exception):
            return []   # both refuse the case
        e = values if isinstance(values, Exception) else "(values)"
        r = expected if isinstance(expected, Exception) else "(values)"
        return [(cid, "(the case)", f"{type(e).__name__}: {e}" if isinstance(e, Exception) else e,
                 f"{type(r).__name__}: {r}" if isinstance(r, Exception) else r)]
    out = []
    for key in reference.OUTPUT_KEYS:
        if key not in values:
            out.append((cid, key, "(no such output)", _show(expected[key])))
            continue
        a, b = _norm(values[key]), _norm(expected[key])
        if a != b or type(a) is not type(b):
            out.append((cid, key, _show(a), _show(b)))
    return out


def _run_share(args):
    """Generate n cases with one seed and compare them (one worker's share)."""
    seed, n = args
    from engine.corpus import generate_cases
    from engine.ruleset import load_ruleset
    from engine.yamlio import parse_json
    rs = load_ruleset(A2)
    reference = _reference()
    found, count = [], 0
    for line in generate_cases(rs, n, seed):
        doc = parse_json(line).data
        diffs = compare(rs, reference, doc["id"], doc["case"])
        count += 1 if diffs else 0
        if len(found) < SHOWN:
            found.extend(diffs)
    return count, found


def _workers():
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4))


@needs_a2
def test_engine_agrees_with_reference_on_generated_cases():
    workers = _workers()
    # each worker generates its own share with its own seed (SEED, SEED + 1, ...): nothing large is sent
    shares = [(SEED + k, N // workers + (1 if k < N % workers else 0)) for k in range(workers)]
    if workers == 1:
        results = [_run_share(s) for s in shares]
    else:
        with mp.get_context("fork" if sys.platform != "win32" else "spawn").Pool(workers) as pool:
            results = pool.map(_run_share, shares)
    cases_differing = sum(r[0] for r in results)
    found = sorted((d for r in results for d in r[1]), key=lambda d: (d[0], d[1]))[:SHOWN]
    if cases_differing:
        lines = [f"{cases_differing} of {N} generated cases (seeds {SEED}..{SEED + workers - 1}) disagree; "
                 f"the first {len(found)} disagreements:"]
        lines += [f"  {cid} {key}: engine {a}, reference {b}" for cid, key, a, b in found]
        pytest.fail("\n".join(lines), pytrace=False)


@needs_a2
def test_engine_agrees_with_reference_on_the_examples():
    from engine.ruleset import load_ruleset
    from engine.yamlio import load_file
    rs = load_ruleset(A2)
    reference = _reference()
    found = []
    for path in sorted((ROOT / "examples" / "cases").glob("*.yaml")):
        found += compare(rs, reference, path.name, load_file(path).data)
    if found:
        lines = [f"{len(found)} disagreements on the example cases; the first {min(len(found), SHOWN)}:"]
        lines += [f"  {cid} {key}: engine {a}, reference {b}" for cid, key, a, b in found[:SHOWN]]
        pytest.fail("\n".join(lines), pytrace=False)


# ------------------------------------------------------------ the case schema's fast path (case.py)

_MUTANTS = (None, "x", "2026-13-45", "2026-02-28", Decimal("1.5"), Decimal("-5"), 0, 7, True, [], ["x"], {}, {"zz": 1})


def _mutations(case):
    """The case with one field changed (to each of _MUTANTS), removed, or an unknown key added."""
    def walk(node, path):
        if isinstance(node, dict):
            yield path, node
            for k, v in node.items():
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            yield path, node
            for i, v in enumerate(node):
                yield from walk(v, path + (i,))
        else:
            yield path, node

    def replaced(root, path, value, delete=False):
        import copy
        out = copy.deepcopy(root)
        node = out
        for p in path[:-1]:
            node = node[p]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return out

    for n, (path, node) in enumerate(walk(case, ())):
        if not path:
            continue
        for k in range(4):   # four of the mutants per field, a different four for the next field
            yield replaced(case, path, _MUTANTS[(n * 4 + k) % len(_MUTANTS)])
        if isinstance(path[-1], str):
            yield replaced(case, path, None, delete=True)
        if isinstance(node, dict):
            yield replaced(case, path + ("unknown_key",), 1)


def _fast_path_cases():
    """(name, case schema, cases) for the library rule set and, when present, A/2 (only its case schema is read)."""
    from types import SimpleNamespace
    from engine.corpus import generate_cases
    from engine.yamlio import load_file, parse_json
    folders = [ROOT / "tests" / "rulesets" / "LIB-LOANS-2026-R1"] + ([A2] if (A2 / "case.schema.yaml").is_file() else [])
    for folder in folders:
        schema = load_file(folder / "case.schema.yaml").data
        cases = [parse_json(line).data["case"] for line in generate_cases(SimpleNamespace(case_schema=schema), 8, 3)]
        if folder == A2:
            cases += [load_file(p).data for p in sorted((ROOT / "examples" / "cases").glob("*.yaml"))[:4]]
        else:
            cases += [load_file(p).data for p in sorted((folder / "tests" / "fixtures").glob("*.yaml"))]
        yield folder.name, schema, cases


def test_case_fast_path_gives_jsonschemas_verdict():
    """engine.case.fast_check must accept exactly what jsonschema accepts (it decides alone on valid cases)."""
    from engine.case import fast_check
    from engine.schemas import case_problems, validator_for
    checked = 0
    wrong = []
    for name, schema, cases in _fast_path_cases():
        check = fast_check(schema)
        assert check is not None, f"{name}: the case schema has no fast check"
        validator = validator_for(schema)
        for case in cases:
            for variant in [case, *_mutations(case)]:
                fast = check(variant)
                slow = not case_problems(validator, variant)
                checked += 1
                if fast != slow and len(wrong) < SHOWN:
                    wrong.append(f"  {name}: fast {fast}, jsonschema {slow}: {variant}")
    assert not wrong, f"the fast path disagrees with jsonschema ({checked} variants checked):\n" + "\n".join(wrong)
