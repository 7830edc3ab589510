"""Helpers shared by the hardening tests (a uniquely named module: tests/engine has a conftest too)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
BAD = REPO / "tests" / "bad"
EXAMPLES = REPO / "examples" / "cases"
def run_cli(args, env=None, timeout=120, cwd=None) -> subprocess.CompletedProcess:
    """certrules in a subprocess, the way a user meets it."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("CERTRULES_RULESETS", "CERTRULES_DEBUG")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd or REPO)


def run_main(args, capsys):
    """certrules in this process (fast): (exit code, stdout, stderr)."""
    from engine.cli import main
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def eval_with_extra_rule(library: Path, tmp_path: Path, capsys, rule_id: str, expr: str, case_yaml: str,
                         trace: bool = True):
    """Add one rule to a copy of the library rule set and evaluate a small case with it:
    (exit code, stdout, stderr) of `certrules eval --format json`."""
    status = library / "status.yaml"
    status.write_text(status.read_text(encoding="utf-8")
                      + f"  - id: {rule_id}\n    clause: \"3\"\n    expr: {expr}\n", encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text(case_yaml, encoding="utf-8")
    args = ["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS", "--format", "json"]
    return run_main(args + ([] if trace else ["--no-trace"]), capsys)


SECONDS, MEGABYTES = 5.0, 500     # bounds against hangs and blow-ups (CPU time, peak RSS), not timing targets

# An attack script's own peak RSS. Not ru_maxrss: Linux carries it across fork and exec, so a child of a
# pytest process that has grown to 500 MB reports 500 MB before it has done anything. VmHWM belongs to
# the address space the script's exec created.
PEAK_MB = """
def peak_mb():
    with open("/proc/self/status", encoding="ascii") as fh:
        return int(fh.read().split("VmHWM:")[1].split()[0]) / 1024
"""


def run_bounded(script_text: str, tmp_path: Path, timeout: int = 120) -> dict:
    """Run an attack script (which prints a JSON line with its outcome, CPU seconds and peak MB last)
    in a fresh interpreter; its report, after asserting it stayed within SECONDS and MEGABYTES.
    A hang fails by the timeout. CERTRULES_MEASURE_LOG collects every report as one JSON line."""
    script = tmp_path / "attack.py"
    script.write_text(script_text, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    log = os.environ.get("CERTRULES_MEASURE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0], **out}) + "\n")
    assert out["seconds"] < SECONDS, out
    assert out["mb"] < MEGABYTES, out
    return out
