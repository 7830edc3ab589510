"""A value that is a whole number of more than 34 digits (1e40 times a count) is written out in all its
digits in every result, as FEEL numbers up to 10^6144 are; it reached decimal's quantize, which
refuses more digits than the context's precision, and the evaluation ended in an internal error."""
from __future__ import annotations

import shutil
from pathlib import Path

from engine.cli import main

LOANS = Path(__file__).resolve().parents[1] / "rulesets" / "LIB-LOANS-2026-R1"


def test_a_value_of_more_than_34_digits_is_written_out(tmp_path, capsys):
    root = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LOANS, root)
    policy = root / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "rules:\n", "rules:\n  - {id: huge, clause: \"1.2\", expr: \"(items_out + 3) * 1e40\"}\n", 1), encoding="utf-8")
    clauses = root / "clauses.yaml"
    clauses.write_text(clauses.read_text(encoding="utf-8").replace("encoded_by: [items_out", "encoded_by: [huge, items_out", 1),
                       encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\nevents: []\n",
                    encoding="utf-8")
    for extra in (["--format", "json"], ["--explain", "huge"]):
        code = main(["eval", str(case), "--rulesets", str(tmp_path), "--family", "LIB-LOANS", *extra])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "3" + "0" * 40 in out, out[-500:]
