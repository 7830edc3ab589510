"""How fast is certrules? One run, one machine, medians over repeated passes (a benchmark, not a test).

    python benchmarks/run.py [--quick] [--ruleset DIR] [--only 1,3,...]

Prints, in order, each ratio measured within this one run:
  1. per case, against the hand-written reference (benchmarks/reference_a2.py), CPU time on one core:
     like for like: evaluate(case, trace=False, outputs=<the reference's 13 ids>), the whole call
     (checking and converting the whole case, the 13 values and what they need, the result document)
     against reference.evaluate(case) (target <= 2.0); then the full evaluation, trace off, against
     the reference (target <= 6) and cases per second on one core;
  2. trace on / trace off (target <= 2.0), and where a full evaluation's time goes: the case's
     check and conversion (prepare), the elements, the result document;
  3. expression micro-benchmarks against rule-engine, cel-python, zen-engine and simpleeval
     (benchmarks/peers.py): our time / theirs;
  4. rule-set load in a fresh process: from the files (import, read, check, compile, generate) and
     from the cache (engine/codegen/cache.py, found by the digest from engine/digest_index.py), in ms;
  5. `certrules eval CASE` as a whole process, first run (the cache filled) and then with the cache
     warm, against `python -c pass` (target <= 10x); run with bytecode caching on, as an installed
     certrules is, whatever PYTHONDONTWRITEBYTECODE says;
  6. impact analysis (engine/impact/) over generated corpora: the steady state on one core (each case
     compared under both revisions in this process, CPU time; target >= 3,000 cases/s), evaluating only
     the elements the pair changes (the cone, with its share of the elements; the inputs both revisions
     define alike computed once, and past a first stage only what a difference reaches) against the
     plain cone (each revision computing all the cone needs itself) and every element, for the measured
     pair and A/2 with five stars from 96; then whole runs
     in a fresh process (the cache warmed by an untimed run) with 1 worker and all cores, and peak
     memory, for two corpus sizes.

`--quick` uses smaller counts and finishes within about a minute; it prints `full/reference: <ratio>`
and, as its last line, `engine/reference: <like-for-like ratio>` (`n/a` when the A/2 rule set is missing).
Generated corpora are cached under $TMPDIR/certrules-bench, keyed by the case schema, n and seed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
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

def time_all(fns: dict, repeat: int) -> dict:
    """Median over repeats of the CPU seconds (this process) each of fns takes over its items once:
    {label: (fn, items)} -> {label: seconds}. The measurements take turns in each pass, so a change in
    the machine's load touches them alike.

    CPU time rather than wall time: the figure is per core, and others' work on a shared machine
    would otherwise inflate it."""
    times = {label: [] for label in fns}
    for _ in range(repeat):
        for label, (fn, items) in fns.items():
            t = time.process_time()
            for x in items:
                fn(x)
            times[label].append(time.process_time() - t)
    return {label: median(v) for label, v in times.items()}


def bench_cases(rs, cfg) -> tuple[float | None, float | None]:
    """(like-for-like ratio, full trace-off ratio) against the reference, or (None, None)."""
    from engine.evaluation import evaluate
    reference = None
    if rs.root.resolve() == A2.resolve() or rs.code == "ZBC-SC-2025" and rs.revision == "A/2":
        import reference_a2 as reference
    cases = (example_cases() if reference is not None else []) + generated_cases(rs, cfg["generated"])
    cases, bad = usable(rs, cases, reference)
    n = len(cases)
    say(f"  {n} cases ({len([c for c in cases if not c[0].startswith('gen-')])} examples + generated, seed {SEED}); "
        f"median of {cfg['repeat']} passes; CPU time on one core")
    if bad:
        say(f"  {len(bad)} cases left out (an error in the engine or the reference), e.g. {bad[0][0]}: {bad[0][1][:120]}")
    if not n:
        return None, None
    program = rs.program
    docs = [c for _, c in cases]
    envs = [program.prepare(c) for c in docs]
    keys = list(reference.OUTPUT_KEYS) if reference is not None else None
    fns = {
        "off": (lambda c: evaluate(rs, c, trace=False), docs),
        "on": (lambda c: evaluate(rs, c, trace=True), docs),
        "prepare": (program.prepare, docs),
        "elements": (lambda e: program.run(e, False), envs),
    }
    if reference is not None:
        fns["reference"] = (reference.evaluate, docs)
        fns["like"] = (lambda c: evaluate(rs, c, trace=False, outputs=keys), docs)
        fns["like elements"] = (lambda e: program.run(e, False, keys), envs)
    for label, (fn, items) in fns.items():      # once before timing: what is made on first use is made
        fn(items[0])
    t = time_all(fns, cfg["repeat"])
    per = lambda s: f"{s / n * 1e6:8.1f} us/case {n / s:9,.0f} cases/s"   # noqa: E731
    like = full = None
    if reference is not None:
        like = t["like"] / t["reference"]
        full = t["off"] / t["reference"]
        say(f"  reference (hand-written Python)  {per(t['reference'])}")
        say(f"  like for like: evaluate(case, trace=False, outputs=<the reference's {len(keys)} ids>), the whole call")
        say(f"                                   {per(t['like'])}   engine/reference {like:.2f} (target <= 2.0)")
        say(f"    of which the elements alone (case already prepared): {t['like elements'] / n * 1e6:.1f} us/case, "
            f"{t['like elements'] / t['reference']:.2f} x the reference")
    say(f"  full evaluation, trace off       {per(t['off'])}" + (f"   engine/reference {full:.2f} (target <= 6)" if full else ""))
    say(f"  full evaluation, trace on        {per(t['on'])}   trace on / off {t['on'] / t['off']:.2f} (target <= 2.0)")
    doc = max(t["off"] - t["prepare"] - t["elements"], 0)
    say(f"    trace off, of which: prepare (check + convert the case) {t['prepare'] / n * 1e6:.1f} us, "
        f"elements {t['elements'] / n * 1e6:.1f} us ({len(rs.order)} elements), result document {doc / n * 1e6:.1f} us")
    say(f"  cases per second on one core, full evaluation trace off: {n / t['off']:,.0f}")
    return like, full


# ------------------------------------------------------------------------------------- 4: loading

_COLD = r"""
import json, sys, time
t0 = time.perf_counter()
from engine.ruleset import load_ruleset
t1 = time.perf_counter()
rs = load_ruleset(sys.argv[1])
rs.program
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1}))
"""

_CACHED = r"""
import json, sys, time
t0 = time.perf_counter()
from engine.registry import load_cached
rs = load_cached(sys.argv[1])
rs.program
t1 = time.perf_counter()
load_cached(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"cached": t1 - t0, "warm": t2 - t1, "from_cache": rs.program.traced_code is not None}))
"""


def _fresh_env(cache: Path) -> dict:
    """The environment of a fresh process: a cache folder of the benchmark's own, bytecode cached."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def bench_load(rs, cfg):
    cache = Path(tempfile.mkdtemp(prefix="certrules-bench-cache-"))
    env = _fresh_env(cache)

    def run(code):
        return json.loads(subprocess.run([sys.executable, "-c", code, str(rs.root)], capture_output=True, text=True,
                                         check=True, cwd=ROOT, env=env).stdout)
    run(_COLD)                                   # bytecode written
    cold = [run(_COLD) for _ in range(cfg["load_runs"])]
    run(_CACHED)                                 # the cache filled
    cached = [run(_CACHED) for _ in range(cfg["load_runs"])]
    shutil.rmtree(cache, ignore_errors=True)
    ms = lambda rows, k: median([r[k] for r in rows]) * 1000   # noqa: E731
    say(f"  from the files, fresh process: import engine.ruleset {ms(cold, 'import'):.0f} ms, then read + check + "
        f"compile + generate {ms(cold, 'load'):.0f} ms ({len(rs.elements)} elements); median of {len(cold)} processes")
    say(f"  from the cache, fresh process (registry.load_cached: imports, digest from the stat index, cached rule "
        f"set and code): {ms(cached, 'cached'):.0f} ms{'' if all(r['from_cache'] for r in cached) else ' (NOT from the cache)'}; "
        f"again in the same process {ms(cached, 'warm'):.1f} ms")


# ----------------------------------------------------------------------------------------- 5: CLI

def bench_cli(rs, cfg) -> float | None:
    """certrules eval of one case as a whole process; returns cached eval / python -c pass."""
    case = sorted(EXAMPLES.glob("*.yaml"))[0] if rs.code == "ZBC-SC-2025" else None
    if case is None:
        fixtures = sorted((rs.root / "tests" / "fixtures").glob("*.yaml"))
        case = fixtures[0] if fixtures else None
    if case is None:
        say("  n/a: no case file to evaluate")
        return None
    exe = shutil.which("certrules")
    cli = [exe] if exe else [sys.executable, "-m", "engine"]
    eval_cmd = cli + ["eval", str(case), "--rulesets", str(rs.root)]
    cache = Path(tempfile.mkdtemp(prefix="certrules-bench-cache-"))
    env = _fresh_env(cache)

    def wall(cmd, before=None):
        times = []
        for _ in range(cfg["cli_runs"]):
            if before:
                before()
            t = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env)
            times.append(time.perf_counter() - t)
            if p.returncode not in (0, 1):
                say(f"  {' '.join(cmd[-3:])}: exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:200]}")
                break
        return median(times) * 1000

    def empty_cache():
        shutil.rmtree(cache / "certrules" / "rulesets", ignore_errors=True)
    subprocess.run(eval_cmd, capture_output=True, cwd=ROOT, env=env)      # bytecode written, OS caches warm
    first = wall(eval_cmd, before=empty_cache)
    subprocess.run(eval_cmd, capture_output=True, cwd=ROOT, env=env)
    cached = wall(eval_cmd)
    imp = wall([sys.executable, "-c", "import engine"])
    base = wall([sys.executable, "-c", "pass"])
    shutil.rmtree(cache, ignore_errors=True)
    say(f"  certrules eval CASE, cache empty    {first:7.0f} ms")
    say(f"  certrules eval CASE, cache warm     {cached:7.0f} ms   {cached / base:.1f} x python -c pass (target <= 10)")
    say(f"  python -c \"import engine\"          {imp:7.0f} ms")
    say(f"  python -c pass                      {base:7.0f} ms")
    say(f"  ({case.relative_to(ROOT)}; {'the certrules script' if exe else 'python -m engine'}; median of "
        f"{cfg['cli_runs']} runs, wall time)")
    return cached / base


# -------------------------------------------------------------------------------------- 6: impact


def bench_impact(rs, cfg):
    from impact_bench import IMPACT_SCRIPT      # the same script, its peak RSS its own
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
    cache = Path(tempfile.mkdtemp(prefix="certrules-bench-cache-"))
    env = _fresh_env(cache)
    bench_steady(rs, old, new, what, cfg)
    # untimed runs first fill the benchmark's cache folder: the timed runs load the rule sets from it.
    # One for each worker count: with workers, the parent makes every second stage ahead for the forks
    # to inherit (Comparer.prepare), and a cold cache made the first 2-worker run 4 s of compiling.
    first = corpus_file(rs, cfg["impact_sizes"][0])
    for workers in sorted({1, cores}):
        subprocess.run([sys.executable, "-c", IMPACT_SCRIPT, str(old), str(new), str(first), str(workers)],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    say("  whole runs in a fresh process (rule sets from the cache, workers started, corpus read):")
    for n in cfg["impact_sizes"]:
        corpus = corpus_file(rs, n)
        for workers in sorted({1, cores}):
            p = subprocess.run([sys.executable, "-c", IMPACT_SCRIPT, str(old), str(new), str(corpus), str(workers)],
                               capture_output=True, text=True, cwd=ROOT, env=env)
            if p.returncode:
                say(f"  {n:>7,} cases, {workers} worker{'s' if workers > 1 else ' '}: failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(p.stdout)
            total_mb = (r["self_kb"] + r["children_kb"]) / 1024
            per_core = ""
            say(f"  {n:>7,} cases, {workers} worker{'s' if workers > 1 else ' '}: {r['cases'] / r['seconds']:8,.0f} cases/s{per_core} "
                f"({r['seconds']:.1f}s, {r['affected']:,} affected); peak RSS self {r['self_kb'] / 1024:.0f} MB"
                f" + largest worker {r['children_kb'] / 1024:.0f} MB = {total_mb:.0f} MB")


TARGET_IMPACT = 3_000      # cases/s on one core


def bench_steady(rs, old, new, what, cfg):
    """The steady state on one core for the measured pair and for the five-star threshold change: the
    cone (what the impact runs) against the plain cone (share=False) and the full comparison (every
    element under both), in one run."""
    from impact_bench import five_star_at_96
    n, repeat = cfg["impact_sizes"][0], cfg["repeat"]
    corpus = corpus_file(rs, n)
    say(f"  steady state, one core (engine.impact.compare.Comparer, both rule sets loaded; CPU time, median of "
        f"{repeat} passes over {n:,} cases; target >= {TARGET_IMPACT:,} cases/s):")
    pairs = [(what, old, new)]
    tmp = None
    if rs.root.resolve() == A2.resolve():
        tmp = Path(tempfile.mkdtemp(prefix="certrules-five-star-"))
        pairs.append(("A/2 -> A/2 with five stars from 96", A2, five_star_at_96(tmp)))
    try:
        for label, a, b in pairs:
            cone, share = _impact_per_core(a, b, corpus, repeat)
            plain, _ = _impact_per_core(a, b, corpus, repeat, share=False)
            full, _ = _impact_per_core(a, b, corpus, repeat, cone=False)
            per_case = 1e6 / cone
            verdict = "met" if cone >= TARGET_IMPACT else \
                f"NOT met: {per_case:.0f} us a case, {1e6 / TARGET_IMPACT:.0f} needed, so each evaluation {per_case * TARGET_IMPACT / 1e6:.1f}x faster"
            say(f"  {label}: cone {cone:8,.0f} cases/s, plain cone {plain:8,.0f} (each revision computing all it needs), "
                f"full comparison {full:8,.0f} cases/s; cone/plain {cone / plain:.2f}, cone/full {cone / full:.2f}; "
                f"the cone holds {share[0]:.0%} / {share[1]:.0%} of the old / new elements; {share[2]} ({verdict})")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _impact_per_core(old, new, corpus, repeat, cone: bool = True, share: bool = True):
    """(cases per second of CPU time, comparing each case under both revisions in this process below the
    frame-stack room a worker's task has (parallel.with_room); the share of each revision's elements the
    cone evaluates, and how the cases were narrowed)."""
    from engine.corpus.sources import iter_records, parse_record
    from engine.impact.compare import Comparer
    from engine.parallel import with_room
    from engine.registry import load_cached
    a, b = load_cached(Path(old)), load_cached(Path(new))
    comparer = Comparer(a, b, cone=cone, share=share)
    cases = [parse_record(r)[1] for r in iter_records(corpus)]
    comparer.compare(cases[0])

    def one_pass():
        for case in cases:
            comparer.compare(case)
    times = []
    for _ in range(repeat):
        t = time.process_time()
        with_room(one_pass)
        times.append(time.process_time() - t)
    if not cone:
        return len(cases) / statistics.median(times), None
    how = "no first stage"
    if comparer.staged is not None:
        st = comparer.staged
        past = sum(1 for case in cases if _past_first(comparer, case))
        how = (f"a first stage of {len(st.first)} changed elements, {past / len(cases):.0%} of the cases past it, "
               f"the {'new' if st.full else 'old'} revision computing the shared inputs")
    elif comparer.gate is not None:
        how = f"narrowed per case by a first stage of {comparer.gate.cost()[0] / (len(a.elements) + len(b.elements)):.0%}"
    return len(cases) / statistics.median(times), (comparer.cone.share(a), comparer.cone.share(b), how)


def _past_first(comparer, case) -> bool:
    """Whether the staged comparison of this case went past its first stage (untimed)."""
    st = comparer.staged
    seen = []
    reached = st._reached
    st._reached = lambda xp, xf: seen.append(reached(xp, xf)) or seen[-1]
    try:
        comparer.compare(case)
    finally:
        del st._reached
    return bool(seen and seen[-1])


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
    if not (args.ruleset / "ruleset.yaml").is_file():
        say(f"no rule set in {args.ruleset}: nothing to measure but the expressions")
        rs = None
    else:
        rs = load_ruleset(args.ruleset)
        say(f"certrules {__version__}; rule set {rs.name} ({rs.digest[:19]}…), {len(rs.elements)} elements; "
            f"{'quick' if args.quick else 'full'} run")

    like = full = cold = None
    if rs is not None and "1" in only:
        section("1-2. per case against the hand-written reference (like for like, full), trace on / off")
        like, full = bench_cases(rs, cfg)
    if "3" in only:
        section("3. expressions: certrules against other engines (median time per call; ours/theirs)")
        import peers
        peers.run(quick=args.quick, out=lambda s: say(s))
    if rs is not None and "4" in only:
        section("4. rule-set load")
        bench_load(rs, cfg)
    if rs is not None and "5" in only:
        section("5. certrules eval of one case, whole process (wall time)")
        cold = bench_cli(rs, cfg)
    if rs is not None and "6" in only:
        section("6. impact analysis (engine/impact.py)")
        bench_impact(rs, cfg)
    if "7" in only:
        section("7. register scale: streaming memory, 1M cases generated, impact scaling (benchmarks/impact_bench.py)")
        __import__("impact_bench").run(quick=args.quick, out=say)
    say()
    say(f"(run took {time.perf_counter() - start:.0f}s; at the end: {load_average()})")
    if cold is not None:
        say(f"cold eval / python -c pass: {cold:.1f}")
    say(f"full/reference: {full:.2f}" if full is not None else "full/reference: n/a")
    say(f"engine/reference: {like:.2f}" if like is not None else "engine/reference: n/a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
