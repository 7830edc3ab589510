"""Rewrite the golden files of the bad-input corpus from what certrules prints now.

    python tests/bad/regen.py          # same as: python -m pytest tests/hardening/test_bad_corpus.py --regen-golden

Review `git diff tests/bad` before committing: every change of wording a user sees shows there.
"""
import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", str(here.parent / "hardening" / "test_bad_corpus.py"),
                          "--regen-golden", *sys.argv[1:]], cwd=here.parents[1]))
