"""Revisions as a committee makes them (issue 16, item 4): new-revision edits ruleset.yaml in place
(comments and layout kept), points the editor modeline at the schema from the new folder, names the
new revision in source.document and appends a draft change-record entry; the diff shows changed
tests and change-record entries, and a patch carries them, so apply rebuilds a revision whose tests pass."""
import difflib
import shutil
from pathlib import Path

import engine
from engine.authortests import run_tests
from engine.diff import diff_rulesets
from engine.patch import apply_patch, make_patch, new_revision
from engine.yamledit import Edit

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
SCHEMA = (REPO / "schemas" / "ruleset.schema.json").resolve()


def _changed_lines(a: str, b: str) -> list[str]:
    return [ln for ln in difflib.ndiff(a.splitlines(), b.splitlines()) if ln[:1] in "+-"]


def _modeline_target(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), first
    return (path.parent / first.split("=", 1)[1]).resolve()


def test_new_revision_edits_ruleset_yaml_in_place(tmp_path):
    out = new_revision(A2, "A/3", "2026-12-01", tmp_path / "committee" / "drafts" / "ZBC-SC-2025-A3")
    before = (A2 / "ruleset.yaml").read_text(encoding="utf-8")
    after = (out / "ruleset.yaml").read_text(encoding="utf-8")
    changed = _changed_lines(before, after)
    assert sorted(changed) == sorted([
        "- # yaml-language-server: $schema=../../schemas/ruleset.schema.json",
        f"+ # yaml-language-server: $schema={_rel(out, SCHEMA)}",
        "- revision: A/2", "+ revision: A/3",
        "- effective: 2025-12-01", "- supersedes: A/1", "- status: approved",
        "+ effective: 2026-12-01", "+ supersedes: A/2", "+ status: draft",
        "-   document: 《商品售后服务认证实施规则》 编号 ZBC-SC-2025 版本 A/2",
        "+   document: 《商品售后服务认证实施规则》 编号 ZBC-SC-2025 版本 A/3",
        "+   - {no: 3, date: 2026-12-01, note: 修订草案 A/3（自 A/2）：请填写更改条款、更改人和批准人}",
    ]), "\n".join(changed)
    assert "# Readings of ambiguous clauses" in after                     # the comments stay
    # every YAML file's modeline reaches the same schema from where the file now is
    for path in [out / "ruleset.yaml", out / "05-9-decision.yaml", out / "tests" / "decision.yaml"]:
        assert _modeline_target(path) == SCHEMA, path
    rs = engine.load_ruleset(out)
    assert rs.manifest["changes"][-1]["no"] == 3 and rs.warnings == []


def _rel(folder: Path, target: Path) -> str:
    import os
    return Path(os.path.relpath(target, folder.resolve())).as_posix()


def test_the_draft_entry_is_in_the_rule_set_s_primary_language(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    r2 = new_revision(r1, "R2", "2026-07-01")
    changes = engine.load_ruleset(r2).manifest["changes"]
    assert changes == [{"no": 1, "date": "2026-07-01",
                        "note": "draft revision R2, from R1: name the clauses changed and who changed and approved them"}]
    # a document title that does not name the revision is left as it is
    assert "source: {document: \"Library loan policy 2026 (test fixture)\"}" in (r2 / "ruleset.yaml").read_text()


def _committee_edits(r2: Path) -> None:
    """What a committee does to a draft: a threshold, the test that pins it, its change-record entry."""
    p = r2 / "policy.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("{id: fine_cap, clause: \"2.2\", value: 10}",
                                                       "{id: fine_cap, clause: \"2.2\", value: 12}"), encoding="utf-8")
    t = r2 / "tests" / "loans.yaml"
    t.write_text(t.read_text(encoding="utf-8").replace("expect: {values: {fine_total: 10}}",
                                                       "expect: {values: {fine_total: 12}}"), encoding="utf-8")
    m = r2 / "ruleset.yaml"
    doc = Edit(m.read_text(encoding="utf-8"))
    doc.merge({**engine.load_ruleset(r2).manifest, "changes": [
        {"no": 1, "date": "2026-07-01", "clauses": "2.2", "by": "A. Author", "approved_by": "B. Board"}]})
    m.write_text(doc.text(), encoding="utf-8")


def test_diff_shows_changed_tests_and_change_record_entries_and_the_patch_carries_them(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    r2 = new_revision(r1, "R2", "2026-07-01")
    _committee_edits(r2)
    old, new = engine.load_ruleset(r1), engine.load_ruleset(r2)
    d = diff_rulesets(old, new)
    summary = {(c["area"], c["subject"], c.get("field")) for c in d["changes"]}
    assert ("element", "fine_cap", "value") in summary
    assert ("tests", "tests/loans.yaml: the fine is capped", "expect.values.fine_total") in summary
    assert ("change_record", "changes[no=1]", None) in summary
    patch = make_patch(old, new)
    assert patch["changes"] == [{"no": 1, "date": "2026-07-01", "clauses": "2.2", "by": "A. Author",
                                 "approved_by": "B. Board"}]
    assert [f["path"] for f in patch["files"]] == ["tests/loans.yaml"]
    # the old copied tests would fail on the new threshold; the patch's tests pass
    applied = apply_patch(patch, r1, tmp_path / "applied", "R2", "2026-07-01")
    assert diff_rulesets(engine.load_ruleset(applied), new)["changes"] == []
    assert run_tests(applied, out=open("/dev/null", "w"))
    for rel in ["policy.yaml", "tests/loans.yaml", "ruleset.yaml"]:
        assert (applied / rel).read_text(encoding="utf-8") == (r2 / rel).read_text(encoding="utf-8"), rel


def test_apply_keeps_the_comments_of_the_files_it_edits(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    p = r1 / "status.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("rules:\n", "rules:\n  # the card's state, as the machine left it\n"),
                 encoding="utf-8")
    r2 = new_revision(r1, "R2", "2026-07-01")
    (r2 / "status.yaml").write_text((r2 / "status.yaml").read_text(encoding="utf-8").replace(
        'if card.state = "blocked" then card.deadline else null', 'if card.state = "blocked" then card.deadline else as_of'),
        encoding="utf-8")
    applied = apply_patch(make_patch(engine.load_ruleset(r1), engine.load_ruleset(r2)), r1, tmp_path / "a", "R2", "2026-07-01")
    text = (applied / "status.yaml").read_text(encoding="utf-8")
    assert "# the card's state, as the machine left it" in text and "else as_of" in text
    assert text == (r2 / "status.yaml").read_text(encoding="utf-8")


def test_an_edit_changes_only_what_differs():
    text = ("# head\nrows:  # the rows\n  - {key: a, v: 1}   # first\n  - {key: b, v: 2}\n"
            "when: 2026-01-01\nname: 'quoted'\nnothing: null\n")
    doc = Edit(text)
    doc.merge({"rows": [{"key": "a", "v": 1}, {"key": "c", "v": 3}, {"key": "b", "v": 2}],
               "when": "2026-01-01", "name": "quoted", "nothing": None, "added": "2027-02-03"})
    assert doc.text() == ("# head\nrows:  # the rows\n  - {key: a, v: 1}   # first\n  - {key: c, v: 3}\n"
                          "  - {key: b, v: 2}\nwhen: 2026-01-01\nname: 'quoted'\nnothing: null\nadded: 2027-02-03\n")
