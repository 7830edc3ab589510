"""Helpers shared by the hardening tests (a uniquely named module: tests/engine has a conftest too)."""
from __future__ import annotations

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
