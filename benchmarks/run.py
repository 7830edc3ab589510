"""How fast is certrules? One run, one machine, medians over repeated runs (a benchmark, not a test).

    python benchmarks/run.py [--quick] [--ruleset DIR] [--old DIR] [--only 1,3,...]

Prints, in order:
  1. full A/2 evaluation per case: engine / reference (benchmarks/reference_a2.py) time ratio
     (target <= 2.0) and cases per second on one core, over the example cases plus generated ones;
     then, labelled "like for like", evaluate(..., outputs=<the reference's 13 ids>), which evaluates
     only the elements those outputs need (the last line stays the full evaluation's ratio);
  2. the same with the trace off and on (and where an evaluation's time goes: case preparation
     (schema validation + conversion) against the elements);
  3. expression micro-benchmarks against rule-engine, cel-python, zen-engine and simpleeval
     (benchmarks/peers.py): our time / theirs (target < 1);
  4. rule-set load: cold (a fresh process: import, then parse + check + compile) and warm
     (registry.load_cached: digest + in-process cache) in ms;
  5. `certrules eval CASE` as a whole process against `python -c "import engine"` and `python -c pass`;
  6. impact analysis (engine/impact.py) over generated corpora: cases per second with 1 worker and
     with all cores, and peak memory (ru_maxrss of the process and its largest worker) for two
     corpus sizes, to show it does not grow with the corpus. A/1 against A/2 when A/1 exists,
     otherwise A/2 against a copy of itself (said in the output).

`--quick` uses smaller counts and finishes within about a minute. The last line is always
`engine/reference: <ratio>` (item 1's ratio, or `n/a` when the A/2 rule set is missing).
Generated corpora are cached under $TMPDIR/certrules-bench, keyed by the case schema, n and seed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

A2 = ROOT / "rulesets" / "ZBC-SC-2025-A2"
A1 = ROOT / "rulesets" / "ZBC-SC-2024-A1"
EXAMPLES = ROOT / "examples" / "cases"
CACHE = Path(tempfile.gettempdir()) / "certrules-bench"
SEED = 7

QUICK = dict(generated=120, repeat=3, load_runs=3, cli_runs=3, impact_sizes=(300, 1_200), micro=True)
FULL = dict(generated=3_000, repeat=7, load_runs=7, cli_runs=10, impact_sizes=(10_000, 100_000), micro=True)


def say(text=""):
    print(text, flush=True)


def section(title):
    say()
    say(f"== {title}")


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "?"
    return (f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'} usable), "
            f"{model}, Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} {platform.release()}")


def load_average() -> str:
    try:
        one, five, *_ = os.getloadavg()
        return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"
    except OSError:
        return "load average unknown"


def median(values):
    return statistics.median(values)


# ------------------------------------------------------------------------------ cases and corpora

def example_cases():
    from engine.yamlio import load_file
    return [(p.name, load_file(p).data) for p in sorted(EXAMPLES.glob("*.yaml"))]


def corpus_file(rs, n: int, seed: int = SEED) -> Path:
    """A generated JSON Lines corpus of n cases, cached by the case schema, n and seed."""
    from engine.corpus import generate_cases
    CACHE.mkdir(parents=True, exist_ok=True)
    import hashlib
    tag = hashlib.sha256(json.dumps(rs.case_schema, sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = CACHE / f"{rs.code}-{rs.revision.replace('/', '')}-{tag}-n{n}-s{seed}.jsonl"
    if not path.exists():
        t = time.perf_counter()
        tmp = path.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(generate_cases(rs, n, seed))
        tmp.replace(path)
        say(f"  (generated {n:,} cases in {time.perf_counter() - t:.1f}s -> {path})")
    return path


def generated_cases(rs, n: int, seed: int = SEED):
    from engine.yamlio import parse_json
    out = []
    with open(corpus_file(rs, n, seed), encoding="utf-8") as fh:
        for line in fh:
            doc = parse_json(line).data
            out.append((doc["id"], doc["case"]))
    return out


def usable(rs, cases, reference):
    """Cases the engine (and the reference, if any) evaluate without an error; the rest are counted."""
    from engine.errors import CertrulesError
    from engine.evaluation import evaluate
    ok, bad = [], []
    for cid, case in cases:
        try:
            evaluate(rs, case, trace=False)
            if reference is not None:
                reference.evaluate(case)
            ok.append((cid, case))
        except CertrulesError as exc:
            bad.append((cid, exc.message.splitlines()[0]))
        except Exception as exc:   # the reference may raise on malformed input
            bad.append((cid, f"{type(exc).__name__}: {exc}"))
    return ok, bad


# -------------------------------------------------------------------------------- 1 and 2: cases

def time_all(fn, cases, repeat):
    """Median over repeats of the CPU seconds (this process) to run fn over every case once.

    CPU time rather than wall time: the figure is per core, and others' work on a shared machine
    would otherwise inflate it."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        for _, case in cases:
            fn(case)
        times.append(time.process_time() - t)
    return median(times)


def bench_cases(rs, cfg) -> float | None:
    from engine.case import prepare
    from engine.evaluation import evaluate, run_elements
    reference = None
    if rs.root.resolve() == A2.resolve() or rs.code == "ZBC-SC-2025" and rs.revision == "A/2":
        import reference_a2 as reference
    cases = (example_cases() if reference is not None else []) + generated_cases(rs, cfg["generated"])
    cases, bad = usable(rs, cases, reference)
    n = len(cases)
    say(f"  {n} cases ({len([c for c in cases if not c[0].startswith('gen-')])} examples + generated, seed {SEED}); "
        f"median of {cfg['repeat']} passes; one core")
    if bad:
        say(f"  {len(bad)} cases left out (an error in the engine or the reference), e.g. {bad[0][0]}: {bad[0][1][:120]}")
    if not n:
        return None
    t_off = time_all(lambda c: evaluate(rs, c, trace=False), cases, cfg["repeat"])
    t_on = time_all(lambda c: evaluate(rs, c, trace=True), cases, cfg["repeat"])
    t_prep = time_all(lambda c: prepare(rs, c), cases, cfg["repeat"])
    envs = [(cid, prepare(rs, c)) for cid, c in cases]
    t_run = time_all(lambda env: run_elements(rs, dict(env), tracing=False), envs, cfg["repeat"])
    per = lambda t: f"{t / n * 1e6:8.1f} us/case {n / t:9,.0f} cases/s"   # noqa: E731
    say(f"  engine, trace off      {per(t_off)}")
    say(f"  engine, trace on       {per(t_on)}   (trace on / off: {t_on / t_off:.2f})")
    say(f"    of which: prepare (validate + convert) {t_prep / n * 1e6:.1f} us, elements {t_run / n * 1e6:.1f} us "
        f"({len(rs.order)} elements), result document {max(t_off - t_prep - t_run, 0) / n * 1e6:.1f} us")
    if reference is None:
        say("  reference: n/a (benchmarks/reference_a2.py encodes ZBC-SC-2025 A/2 only)")
        return None
    t_ref = time_all(reference.evaluate, cases, cfg["repeat"])
    say(f"  reference (Python)     {per(t_ref)}")
    ratio = t_off / t_ref
    say(f"  engine / reference: trace off {ratio:.2f} (target <= 2.0), trace on {t_on / t_ref:.2f}")
    # Like for like: the reference computes 13 outputs; the engine also makes every check, finding and
    # document. evaluate(..., outputs=) evaluates only the elements those outputs depend on (and still
    # validates and converts the whole case, and builds the result document):
    from engine.evaluation import needed_order
    keys = list(reference.OUTPUT_KEYS)
    sub_order = needed_order(rs, keys)
    t_out = time_all(lambda c: evaluate(rs, c, trace=False, outputs=keys), cases, cfg["repeat"])
    t_sub = time_all(lambda env: run_elements(rs, dict(env), tracing=False, order=sub_order), envs, cfg["repeat"])
    say(f"  like for like, evaluate(case, trace=False, outputs=<the reference's 13 ids>): the {len(sub_order)} of "
        f"{len(rs.order)} elements they need: {per(t_out)}, {t_out / t_ref:.2f} x the reference")
    say(f"    of which the elements alone (case already prepared): {t_sub / n * 1e6:.1f} us/case, "
        f"{t_sub / t_ref:.2f} x the reference")
    say(f"  (the last line stays the full A/2 evaluation's ratio: every element, check and finding)")
    return ratio


# ------------------------------------------------------------------------------------- 4: loading

_COLD = r"""
import json, sys, time
t0 = time.perf_counter()
from engine.ruleset import load_ruleset
t1 = time.perf_counter()
rs = load_ruleset(sys.argv[1])
t2 = time.perf_counter()
from engine import registry
registry.load_cached(sys.argv[1])
t3 = time.perf_counter()
registry.load_cached(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "cached_first": t3 - t2, "warm": t4 - t3}))
"""


def bench_load(rs, cfg):
    runs = [json.loads(subprocess.run([sys.executable, "-c", _COLD, str(rs.root)], capture_output=True, text=True,
                                      check=True, cwd=ROOT).stdout) for _ in range(cfg["load_runs"])]
    ms = {k: median([r[k] for r in runs]) * 1000 for k in runs[0]}
    say(f"  cold, fresh process: import engine.ruleset {ms['import']:.0f} ms, then parse + check + compile "
        f"{ms['load']:.0f} ms ({len(rs.elements)} elements); median of {len(runs)} processes")
    say(f"  warm (registry.load_cached, keyed by the folder's digest; in-process only): {ms['warm']:.1f} ms "
        f"(the digest is recomputed from the files each call)")


# ----------------------------------------------------------------------------------------- 5: CLI

def bench_cli(rs, cfg):
    case = sorted(EXAMPLES.glob("*.yaml"))[0] if rs.code == "ZBC-SC-2025" else None
    if case is None:
        fixtures = sorted((rs.root / "tests" / "fixtures").glob("*.yaml"))
        case = fixtures[0] if fixtures else None
    if case is None:
        say("  n/a: no case file to evaluate")
        return
    exe = shutil.which("certrules")
    cli = [exe] if exe else [sys.executable, "-m", "engine"]
    commands = {
        "certrules eval CASE": cli + ["eval", str(case), "--rulesets", str(rs.root)],
        'python -c "import engine"': [sys.executable, "-c", "import engine"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    wall = {}
    for label, cmd in commands.items():
        subprocess.run(cmd, capture_output=True, cwd=ROOT)   # warm the OS caches
        times = []
        for _ in range(cfg["cli_runs"]):
            t = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
            if p.returncode not in (0, 1):
                say(f"  {label}: exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:200]}")
                break
        wall[label] = median(times) * 1000
    base = wall["python -c pass"]
    for label, ms in wall.items():
        say(f"  {label:28} {ms:7.0f} ms   (+{ms - base:.0f} ms over python -c pass)")
    say(f"  ({case.relative_to(ROOT)}; {'the certrules script' if exe else 'python -m engine'}; median of {cfg['cli_runs']} runs)")


# -------------------------------------------------------------------------------------- 6: impact

_IMPACT = r"""
import json, resource, sys, time
from engine.impact import impact
t = time.perf_counter()
r = impact(sys.argv[1], sys.argv[2], sys.argv[3], workers=int(sys.argv[4]), progress=False)
dt = time.perf_counter() - t
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"cases": r["cases"], "affected": r["affected"], "seconds": dt, "self_kb": me, "children_kb": kids}))
"""


def bench_impact(rs, cfg):
    new = rs.root
    a1_problem = None
    if A1.is_dir() and rs.root.resolve() == A2.resolve():
        from engine.errors import RuleSetError
        from engine.ruleset import load_ruleset
        try:
            load_ruleset(A1)
        except RuleSetError as exc:
            a1_problem = exc.message.splitlines()[0]
    if A1.is_dir() and rs.root.resolve() == A2.resolve() and a1_problem is None:
        old, what = A1, "A/1 -> A/2"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="certrules-copy-"))
        old = tmp / rs.root.name
        shutil.copytree(rs.root, old)
        why = f"A/1 does not load: {a1_problem}" if a1_problem else "A/1 is not in rulesets/ yet"
        what = f"{rs.name} -> a copy of itself ({why})" if rs.code == "ZBC-SC-2025" else f"{rs.name} -> a copy of itself"
    say(f"  {what}")
    cores = os.cpu_count() or 1
    for n in cfg["impact_sizes"]:
        corpus = corpus_file(rs, n)
        for workers in sorted({1, cores}):
            p = subprocess.run([sys.executable, "-c", _IMPACT, str(old), str(new), str(corpus), str(workers)],
                               capture_output=True, text=True, cwd=ROOT)
            if p.returncode:
                say(f"  {n:>7,} cases, {workers} worker{'s' if workers > 1 else ' '}: failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(p.stdout)
            total_mb = (r["self_kb"] + r["children_kb"]) / 1024
            say(f"  {n:>7,} cases, {workers} worker{'s' if workers > 1 else ' '}: {r['cases'] / r['seconds']:8,.0f} cases/s "
                f"({r['seconds']:.1f}s, {r['affected']:,} affected); peak RSS self {r['self_kb'] / 1024:.0f} MB"
                f" + largest worker {r['children_kb'] / 1024:.0f} MB = {total_mb:.0f} MB")


# -------------------------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts; about a minute")
    ap.add_argument("--ruleset", type=Path, default=A2, help="the rule set to measure (default: A/2)")
    ap.add_argument("--only", default="1,3,4,5,6,7", help="sections to run (1 covers 1 and 2)")
    args = ap.parse_args(argv)
    args.ruleset = args.ruleset.resolve()
    cfg = QUICK if args.quick else FULL
    only = {s.strip() for s in args.only.split(",")}
    start = time.perf_counter()

    from engine import __version__
    from engine.ruleset import load_ruleset
    say(machine())
    say(f"at start: {load_average()} (other work on the machine skews every figure, most of all the multi-core ones)")
    ratio = None
    if not (args.ruleset / "ruleset.yaml").is_file():
        say(f"no rule set in {args.ruleset}: nothing to measure but the expressions")
        rs = None
    else:
        rs = load_ruleset(args.ruleset)
        say(f"certrules {__version__}; rule set {rs.name} ({rs.digest[:19]}…), {len(rs.elements)} elements; "
            f"{'quick' if args.quick else 'full'} run")

    if rs is not None and "1" in only:
        section("1-2. full evaluation per case (engine / reference, trace off and on)")
        ratio = bench_cases(rs, cfg)
    if "3" in only:
        section("3. expressions: certrules against other engines (median time per call; ours/theirs, target < 1)")
        import peers
        peers.run(quick=args.quick, out=lambda s: say(s))
    if rs is not None and "4" in only:
        section("4. rule-set load")
        bench_load(rs, cfg)
    if rs is not None and "5" in only:
        section("5. certrules eval of one case, whole process (wall time)")
        bench_cli(rs, cfg)
    if rs is not None and "6" in only:
        section("6. impact analysis (engine/impact.py)")
        bench_impact(rs, cfg)
    if "7" in only:
        section("7. register scale: streaming memory, 1M cases generated, impact scaling (benchmarks/impact_bench.py)")
        __import__("impact_bench").run(quick=args.quick, out=say)
    say()
    say(f"(run took {time.perf_counter() - start:.0f}s; at the end: {load_average()})")
    say(f"engine/reference: {ratio:.2f}" if ratio is not None else "engine/reference: n/a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
