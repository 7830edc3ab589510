"""A body's register as a corpus: `certrules cases import` with a mapping; bad rows reported by row and column."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.yamlio import parse_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "register"
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"


def _import(tmp_path, register, *extra, mapping=EXAMPLE / "map.yaml"):
    out = tmp_path / "cases.jsonl"
    code = main(["cases", "import", str(register), "--map", str(mapping), "-o", str(out), *extra])
    return code, out


@pytest.mark.parametrize("name", ["register.csv", "register.xlsx"])
def test_the_example_register_imports_and_evaluates_without_a_schema_error(tmp_path, name, capsys):
    code, out = _import(tmp_path, EXAMPLE / name)
    assert code == 0
    assert "24 row(s) read, 24 case(s) written" in capsys.readouterr().err
    rs = load_cached(A2)
    docs = [parse_json(line).data for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 24 and len({d["id"] for d in docs}) == 24
    statuses = set()
    for doc in docs:
        result = evaluate(rs, doc["case"], trace=False)      # a schema error would raise CaseError
        v = result["values"]
        statuses.add(v["status"])
        assert v["score_total"] is not None and v["level"] is not None, doc["id"]
        if doc["case"]["audit"]["kind"] == "initial":         # the register's level is the rule's decision
            assert v["level"] == doc["case"]["certificate"]["level"], doc["id"]
    assert {"valid", "suspended", "withdrawn", "cancelled"} <= statuses


def test_csv_and_xlsx_give_the_same_cases(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    assert _import(tmp_path / "a", EXAMPLE / "register.csv")[0] == 0
    assert _import(tmp_path / "b", EXAMPLE / "register.xlsx")[0] == 0
    assert (tmp_path / "a" / "cases.jsonl").read_bytes() == (tmp_path / "b" / "cases.jsonl").read_bytes()


def _bad_register(tmp_path):
    lines = (EXAMPLE / "register.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:6]]
    rows[1][header.index("发证日期")] = "2025-13-40"            # row 3: not a date
    rows[2][header.index("等级")] = "六星级"                      # row 4: not one of the levels
    rows[3][header.index("组织名称")] = ""                        # row 5: required
    rows[4][header.index("参与服务人数")] = "三百"                  # row 6: not a number
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0]] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    return path


def test_bad_rows_refuse_the_import_by_default_naming_row_and_column(tmp_path, capsys):
    code, out = _import(tmp_path, _bad_register(tmp_path))
    err = capsys.readouterr().err
    assert code == 4 and not out.exists()
    assert "row 3, column 发证日期: '2025-13-40' is not a date of the calendar" in err
    assert "row 4, column 等级: '六星级' is not one of 五星级, 四星级, 三星级, 达标级" in err
    assert "row 5, column 组织名称: a value is required" in err
    assert "row 6, column 参与服务人数: '三百' is not a number" in err
    assert "nothing written" in err and "Traceback" not in err


def test_bad_rows_can_be_skipped_and_are_still_reported(tmp_path, capsys):
    code, out = _import(tmp_path, _bad_register(tmp_path), "--on-error", "skip")
    err = capsys.readouterr().err
    assert code == 0
    assert "5 row(s) read, 1 case(s) written, 4 bad row(s) skipped" in err
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["103726F3892R0S"]


def test_a_certificate_listed_twice_is_a_bad_row(tmp_path, capsys):
    lines = (EXAMPLE / "register.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "twice.csv").write_text("\n".join(lines[:3] + [lines[1]]) + "\n", encoding="utf-8")
    code, _ = _import(tmp_path, tmp_path / "twice.csv")
    assert code == 4 and "row 4, id: '103726F3892R0S' is already the id of row 2" in capsys.readouterr().err


def test_a_case_that_does_not_fit_the_schema_is_a_bad_row_naming_the_field(tmp_path, capsys):
    mapping = tmp_path / "map.yaml"
    text = (EXAMPLE / "map.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("  organization.service_headcount: 参与服务人数",
                                    "  organization.service_headcount: 参与服务人数 - 10000"), encoding="utf-8")
    code, out = _import(tmp_path, EXAMPLE / "register.csv", mapping=mapping)
    err = capsys.readouterr().err
    assert code == 4 and "row 2, field organization.service_headcount:" in err


@pytest.mark.parametrize("old,new,message", [
    ("  organization.name: 组织名称", "  organization.nme: 组织名称", "map.yaml:"),
    ("  organization.name: 组织名称", "  organization.name: 组织名", "unknown name '组织名'"),
    ("  网点数: {type: integer, min: 0}", "  网点数: {type: count, min: 0}", "type 'count' is not one of"),
    ("header_row: 1", "header_row: 0", "'header_row' is the row number"),
])
def test_mapping_mistakes_are_one_plain_message(tmp_path, capsys, old, new, message):
    mapping = tmp_path / "map.yaml"
    text = (EXAMPLE / "map.yaml").read_text(encoding="utf-8")
    assert old in text
    mapping.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, _ = _import(tmp_path, EXAMPLE / "register.csv", mapping=mapping)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_a_register_without_a_mapped_column_or_not_utf8_is_refused_plainly(tmp_path, capsys):
    text = (EXAMPLE / "register.csv").read_text(encoding="utf-8").replace("网点数,", "网点,", 1)
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    code, _ = _import(tmp_path, tmp_path / "r.csv")
    assert code == 2 and "has no column 网点数" in capsys.readouterr().err
    (tmp_path / "g.csv").write_bytes((EXAMPLE / "register.csv").read_text(encoding="utf-8").encode("gb18030"))
    code, _ = _import(tmp_path, tmp_path / "g.csv")
    assert code == 2 and "not UTF-8" in capsys.readouterr().err
    code, _ = _import(tmp_path, tmp_path / "missing.csv")
    assert code == 2 and "no such register file" in capsys.readouterr().err


def test_a_mapping_naming_no_rule_set_takes_the_latest_of_one_family_not_of_any(tmp_path, capsys):
    import shutil
    other = tmp_path / "more" / "LIB-LOANS-2026-R1"
    shutil.copytree(REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1", other)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("".join(line for line in (EXAMPLE / "map.yaml").read_text(encoding="utf-8").splitlines(True)
                               if not line.startswith("ruleset:")), encoding="utf-8")
    out = tmp_path / "cases.jsonl"
    args = ["cases", "import", str(EXAMPLE / "register.csv"), "--map", str(mapping), "-o", str(out),
            "--rulesets", str(tmp_path / "more")]
    assert main(args) == 5        # two families found: which one's schema the cases fit is asked, not guessed
    assert "several rule-set families are available" in capsys.readouterr().err and not out.exists()
    assert main(args + ["--family", "ZBC-SC"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 24
