"""`pip install .` ships the grammar, the schemas and the rule sets inside the package."""
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_carries_the_data_the_engine_needs(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("certrules-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("engine/_data/grammar/expr.lark", "engine/_data/schemas/ruleset.schema.json",
                   "engine/_data/schemas/result.schema.json", "engine/_data/rulesets/ZBC-SC-2025-A2/ruleset.yaml",
                   "engine/_data/rulesets/ZBC-SC-2024-A1/ruleset.yaml", "engine/cli/__init__.py",
                   "engine/i18n/en.yaml", "engine/i18n/zh.yaml"):
        assert needed in names, needed
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)
