"""A second body's rule set beside the bundled ones (issue 16, "done when"): a family QMS-AT with
revisions A/1 and A/2, names that clash with the bundled ZBC-SC A/1 and A/2, worked on only by
family-qualified names: new-revision, check, test, diff, patch, apply, cases generate, eval, render."""
import json
import shutil
from pathlib import Path

import pytest

import engine
from engine.cli import main
from engine.diff import diff_rulesets

REPO = Path(__file__).resolve().parents[2]
QMS_A1 = REPO / "tests" / "rulesets" / "QMS-AT-A1"


def committee_edits_a2(a2: Path) -> None:
    """The committee's decision for A/2: 6 to 10 employees take 2.5 days at an initial audit (2.1);
    the test that pins it follows, and the change record says who did it."""
    def replace(rel, old, new):
        p = a2 / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new), encoding="utf-8")
    replace("time.yaml", '{key: "[6..10]", initial: 2, surveillance: 1}', '{key: "[6..10]", initial: 2.5, surveillance: 1}')
    replace("tests/audit-time.yaml", "expect: {values: {days_base: 2, audit_days: 2}", "expect: {values: {days_base: 2.5, audit_days: 2.5}")
    replace("ruleset.yaml", "  note: 'draft revision A/2, from A/1: name the clauses changed and who changed and approved them'",
            '  clauses: "2.1"\n  by: A. Author\n  approved_by: B. Board')


@pytest.fixture
def rules(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(QMS_A1, folder / "QMS-AT-A1")
    return folder


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_second_family_by_family_qualified_names(rules, tmp_path, capsys):
    R = ("--rulesets", rules)
    # the bare names clash with the bundled ZBC-SC revisions, and say how to write them
    code, _, err = run(capsys, "check", "A/1", *R)
    assert code == 5 and "name one as QMS-AT/A/1 or ZBC-SC/A/1" in err

    code, out, err = run(capsys, "new-revision", "QMS-AT/A/1", "--revision", "A/2", "--effective", "2027-01-01", *R)
    assert code == 0, err
    a2 = rules / "QMS-AT-A2"
    assert engine.load_ruleset(a2).manifest["source"]["document"] == "Audit time rule QMS-AT, revision A/2"
    committee_edits_a2(a2)
    assert run(capsys, "check", "--strict", "QMS-AT/A/2", *R)[0] == 0
    assert run(capsys, "test", "QMS-AT/A/2", *R)[0] == 0

    code, out, _ = run(capsys, "diff", "QMS-AT/A/1", "QMS-AT/A/2", *R)
    assert code == 0
    assert "QMS-AT A/1 -> QMS-AT A/2" in out and "base_days" in out
    assert "tests/audit-time.yaml: 8 employees, initial audit, one site — expect.values.days_base" in out
    assert "changes[no=1]" in out
    patch = tmp_path / "a2.patch.yaml"
    assert run(capsys, "diff", "--family", "QMS-AT", "A/1", "A/2", "--format", "patch", "-o", patch, *R)[0] == 0

    # the patch applied to A/1 rebuilds A/2, whose own tests pass (A/1's tests would not, on A/2's rules)
    applied = tmp_path / "applied" / "QMS-AT-A2"
    code, out, err = run(capsys, "apply", patch, "--to", "QMS-AT/A/1", "--out", applied, "--revision", "A/2",
                         "--effective", "2027-01-01", *R)
    assert code == 0, err
    code, out, _ = run(capsys, "test", applied)
    assert code == 0 and "4 passed, 0 failed" in out
    assert diff_rulesets(engine.load_ruleset(applied), engine.load_ruleset(a2))["changes"] == []
    stale = tmp_path / "stale"
    shutil.copytree(a2, stale)
    shutil.copy(QMS_A1 / "tests" / "audit-time.yaml", stale / "tests" / "audit-time.yaml")
    assert run(capsys, "test", stale)[0] == 1

    # a corpus for the family, its impact, and a case evaluated and rendered by family-qualified names
    corpus = tmp_path / "corpus.jsonl"
    assert run(capsys, "cases", "generate", "--family", "QMS-AT", "--n", "40", "--seed", "3", "-o", corpus, *R)[0] == 0
    lines = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 40 and all(set(c["case"]) >= {"as_of", "organization", "audit"} for c in lines)
    code, out, _ = run(capsys, "diff", "QMS-AT/A/1", "QMS-AT/A/2", "--cases", corpus, "--workers", "1", "--format", "json", *R)
    impact = json.loads(out)["impact"]
    assert code == 0 and impact["cases"] == 40 and impact["affected"] >= 1
    assert set(impact["outputs"]) >= {"days_base"}
    case = tmp_path / "acme.yaml"
    case.write_text("as_of: 2027-03-01\nfamily: QMS-AT\nrevision: A/2\n"
                    "organization: {name: Acme Ltd, employees: 8}\naudit: {kind: initial}\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", case, "--format", "json", *R)
    result = json.loads(out)
    assert code == 0 and result["values"]["days_base"] == 2.5 and result["selection"]["family"] == "QMS-AT"
    code, out, _ = run(capsys, "eval", case, "--revision", "QMS-AT/A/1", "--format", "json", *R)
    assert code == 0 and json.loads(out)["values"]["days_base"] == 2
    page = tmp_path / "plan.html"
    code, _, err = run(capsys, "render", "plan", case, "--revision", "QMS-AT/A/2", "-o", page, *R)
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Acme Ltd: 2.5 auditor-days" in html
    code, _, _ = run(capsys, "render", "plan", case, "--revision", "QMS-AT/A/2", "--lang", "zh", "-o", page, *R)
    assert code == 0 and "2.5 审核人日" in page.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "cases", "generate", "--ruleset", "QMS-AT/A/1", "--n", "2", *R)
    assert code == 0 and len(out.splitlines()) == 2
