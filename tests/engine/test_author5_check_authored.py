"""`check` reads what the rule files do not hold (found writing a rule set from the README alone):
a rule-author test naming a value or finding no element makes (a `no_findings` typo passes for
ever), and templates/documents.yaml, whose misspelt keys the renderer skipped in silence, so a
document was printed without the requirements its author meant. Also `eval --revision FOLDER`."""
import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main

REPO = Path(__file__).resolve().parents[2]
QMS_A1 = REPO / "tests" / "rulesets" / "QMS-AT-A1"


@pytest.fixture
def qms(tmp_path):
    dst = tmp_path / "rules" / "QMS-AT-A1"
    shutil.copytree(QMS_A1, dst)
    return dst


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_bundled_copy_checks_clean(qms, capsys):
    assert run(capsys, "check", "--strict", qms)[0] == 0


def test_a_test_naming_no_value_or_finding_is_a_warning_with_its_line(qms, capsys):
    (qms / "tests" / "typos.yaml").write_text(
        "base: tests/fixtures/initial.yaml\n"
        "tests:\n"
        "  - name: typos\n"
        "    expect: {values: {day_base: 2}, no_findings: [beyond_the_tabel, days_base.limit_reached]}\n",
        encoding="utf-8")
    code, out, _ = run(capsys, "check", qms, "--lang", "en")
    assert code == 0
    assert ("tests/typos.yaml:4:33: tests[0].expect.values.day_base: warning: test 'typos' expects a value of "
            "'day_base', which no element computes (did you mean 'days_base'?): the test can only fail") in out
    assert ("tests/typos.yaml:4:51: tests[0].expect.no_findings[0]: warning: test 'typos' names the finding "
            "'beyond_the_tabel' under no_findings, which no check makes (did you mean 'beyond_the_table'?)") in out
    assert "limit_reached" not in out              # an element's own finding id is known
    assert run(capsys, "check", "--strict", qms)[0] == 1


def test_a_misspelt_documents_key_fails_check_naming_file_line_and_key(qms, capsys):
    docs = qms / "templates" / "documents.yaml"
    docs.write_text(docs.read_text(encoding="utf-8").replace("  requires:", "  require:"), encoding="utf-8")
    with docs.open("a", encoding="utf-8") as f:
        f.write("  earned_when:\n    - {valeu: audit_days}\n    - {value: audit_dayz}\n")
    code, out, _ = run(capsys, "check", qms, "--lang", "en")
    assert code == 1
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0].startswith("✗") and "4 error(s)" in lines[0]
    assert any(l.startswith("templates/documents.yaml:3:3: plan.require: error: the document 'plan' has the key "
                            "'require' (did you mean 'requires'?), which is not read") for l in lines)
    assert any(l.startswith("templates/documents.yaml:7:7: plan.earned_when[0]: error: a requirement names "
                            "nothing to test") for l in lines)
    assert any(l.startswith("templates/documents.yaml:7:8: plan.earned_when[0].valeu: error: a requirement has "
                            "the key 'valeu' (did you mean 'value'?)") for l in lines)
    assert any("names the value 'audit_dayz', which no element computes (did you mean 'audit_days'?)" in l
               for l in lines)


def test_a_document_without_its_template_is_a_warning(qms, capsys):
    with (qms / "templates" / "documents.yaml").open("a", encoding="utf-8") as f:
        f.write("plna: {}\n")
    code, out, _ = run(capsys, "check", qms, "--lang", "en")
    assert code == 0
    assert ("templates/documents.yaml:6:1: plna: warning: documents.yaml describes the document 'plna', "
            "but there is no templates/plna.html.j2 (did you mean 'plan'?)") in out


def test_eval_takes_a_folder_path_as_its_revision(qms, tmp_path, capsys):
    case = tmp_path / "case.yaml"
    case.write_text("as_of: 2026-03-02\norganization: {name: Acme Ltd, employees: 8}\naudit: {kind: initial}\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "eval", case, "--revision", qms, "--format", "json", "--no-trace")
    assert code == 0, err
    result = json.loads(out)
    assert result["selection"]["folder"] == "QMS-AT-A1" and result["selection"]["by"] == "name"
    assert result["values"]["days_base"] == 2
    code, _, err = run(capsys, "eval", case, "--revision", tmp_path)
    assert code == 5 and f"no ruleset.yaml in '{tmp_path}'" in err
