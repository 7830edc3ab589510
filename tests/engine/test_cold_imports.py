"""A cold `certrules eval` (issue 13: within 10x `python -c pass`) imports only what it uses: not
argparse (engine/cli `_plain_eval`), dataclasses or typing (engine/record.py), nor what they import."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"
NOT_IMPORTED = ("argparse", "dataclasses", "inspect", "typing", "ast", "dis", "tokenize", "shutil", "jsonschema",
                "lark", "jinja2")

PROBE = r"""
import io, json, sys
from engine.cli import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(sys.argv[1:])
sys.stdout = out
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_warm_cold_eval_imports_none_of_what_it_does_not_use(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    argv = ["eval", str(CASE), "--rulesets", str(REPO / "rulesets")]
    first = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, env=env, capture_output=True, text=True)
    assert json.loads(first.stdout)["code"] == 0, first.stderr     # fills the cache (compiling needs lark ...)
    warm = json.loads(subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, env=env, capture_output=True,
                                     text=True, check=True).stdout)
    assert warm["code"] == 0
    assert [m for m in NOT_IMPORTED if m in warm["modules"]] == []
    assert "engine.codegen.program" in warm["modules"]      # it did evaluate, from the cache
