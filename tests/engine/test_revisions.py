"""Revisions on the library rule set: selection by date, semantic diff, impact, patches."""
import shutil
from pathlib import Path

import pytest

import engine
from engine.diff import diff_rulesets
from engine.errors import RevisionError, UsageError
from engine.impact import impact
from engine.patch import apply_patch, make_patch, new_revision
from engine.registry import choose, find_rulesets
from engine.yamledit import Edit

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


def _edit(folder: Path, name: str, old: str, new: str):
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def two_revisions(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    r2 = new_revision(r1, "R2", "2026-07-01")
    _edit(r2, "ruleset.yaml", "status: draft", "status: approved")
    # without its draft change-record entry, so that each test's diff is only the change it makes
    doc = Edit((r2 / "ruleset.yaml").read_text(encoding="utf-8"))
    del doc.data["changes"]
    (r2 / "ruleset.yaml").write_text(doc.text(), encoding="utf-8")
    return r1, r2


def test_new_revision_is_a_draft_copy_and_never_overwrites(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    r2 = new_revision(r1, "R2", "2026-07-01")
    assert r2.name == "LIB-LOANS-2026-R2"
    rs = engine.load_ruleset(r2)
    assert (rs.revision, rs.effective, rs.manifest["status"], rs.manifest["supersedes"]) == ("R2", "2026-07-01", "draft", "R1")
    d = diff_rulesets(engine.load_ruleset(r1), rs)["changes"]
    assert [(c["area"], c["kind"]) for c in d] == [("change_record", "added")]      # the draft entry, nothing else
    with pytest.raises(UsageError, match="already exists"):
        new_revision(r1, "R2", "2026-07-01")


def test_revision_in_force_by_date_and_by_name(two_revisions, tmp_path):
    entries = find_rulesets([tmp_path])
    lib = [e for e in entries if e.family == "LIB-LOANS"]
    assert choose(lib, "2026-03-01")[0].revision == "R1"
    e, why = choose(lib, "2026-07-01")
    assert e.revision == "R2" and "in force on 2026-07-01" in why
    assert choose(lib, "2026-07-01", "r1")[0].revision == "R1"
    assert choose(lib, None, "LIB-LOANS-2026-R2")[0].revision == "R2"
    with pytest.raises(RevisionError, match="unknown revision 'R9'"):
        choose(lib, "2026-07-01", "R9")
    with pytest.raises(RevisionError, match="in force on 2025-01-01"):
        choose(lib, "2025-01-01")


def test_two_approved_revisions_taking_effect_the_same_day_are_not_guessed_between(two_revisions, tmp_path, capsys):
    from engine.cli import main
    r1, r2 = two_revisions
    _edit(r2, "ruleset.yaml", "effective: 2026-07-01", f"effective: {engine.load_ruleset(r1).effective}")
    lib = [e for e in find_rulesets([tmp_path]) if e.family == "LIB-LOANS"]
    with pytest.raises(RevisionError) as caught:
        choose(lib, "2026-08-01")
    text = str(caught.value)
    assert "which revision of LIB-LOANS was in force on 2026-08-01 cannot be told" in text
    assert "R1 (LIB-LOANS-2026-R1), R2 (LIB-LOANS-2026-R2)" in text and caught.value.exit_code == 5
    assert choose(lib, "2026-08-01", "R2")[0].revision == "R2"      # named, it is not a question
    assert main(["revisions", "--lang", "en", "--rulesets", str(tmp_path)]) == 0
    listed = [ln for ln in capsys.readouterr().out.splitlines() if "LIB-LOANS-2026-R" in ln]
    assert len(listed) == 2 and all("the same day as another approved revision" in ln for ln in listed), listed
    _edit(r2, "ruleset.yaml", "status: approved", "status: draft")
    lib = [e for e in find_rulesets([tmp_path]) if e.family == "LIB-LOANS"]
    assert choose(lib, "2026-08-01")[0].revision == "R1"            # a draft is never in force


def test_changing_one_threshold_is_exactly_one_change(two_revisions):
    r1, r2 = two_revisions
    _edit(r2, "policy.yaml", "{id: fine_cap, clause: \"2.2\", value: 10}", "{id: fine_cap, clause: \"2.2\", value: 12}")
    d = diff_rulesets(engine.load_ruleset(r1), engine.load_ruleset(r2))
    assert [(c["kind"], c["subject"], c.get("field"), c.get("old"), c.get("new")) for c in d["changes"]] == \
        [("changed", "fine_cap", "value", 10, 12)]
    assert d["summary"]["clauses"] == ["2.2"]


def test_respacing_an_expression_is_no_change(two_revisions):
    r1, r2 = two_revisions
    _edit(r2, "policy.yaml", "expr: min(overdue_days * fine_per_day, fine_cap)",
          "expr: >\n      min( overdue_days*fine_per_day ,\n           fine_cap )")
    assert diff_rulesets(engine.load_ruleset(r1), engine.load_ruleset(r2))["changes"] == []


def test_decision_row_and_state_changes_are_reported_by_row_and_id(two_revisions):
    r1, r2 = two_revisions
    _edit(r2, "policy.yaml", 'when: [">= 5", "-"]', 'when: [">= 6", "-"]')
    _edit(r2, "policy.yaml", "{id: lapse, clause: \"3.2\", from: blocked, to: closed, after: block_lapse}",
          "{id: lapse, clause: \"3.2\", from: blocked, to: closed, after: '@\"P60D\"'}")
    d = diff_rulesets(engine.load_ruleset(r1), engine.load_ruleset(r2))
    fields = {(c["subject"], c.get("field")) for c in d["changes"]}
    assert ("member_tier", "rules.row 2.when.years_member") in fields
    assert ("card", "transitions.id='lapse'.after") in fields
    assert len(d["changes"]) == 2


def test_impact_counts_changed_outputs_with_migrations(two_revisions, tmp_path):
    r1, r2 = two_revisions
    _edit(r2, "policy.yaml", "{id: fine_per_day, clause: \"2.1\", value: 0.25, unit: EUR}",
          "{id: fine_per_day, clause: \"2.1\", value: 0.5, unit: EUR}")
    corpus = tmp_path / "cases.jsonl"
    corpus.write_text("\n".join([
        '{"id": "late", "case": {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2020-01-01"}, "loans": [{"borrowed_on": "2026-01-01"}]}}',
        '{"id": "on-time", "case": {"as_of": "2026-03-01", "member": {"kind": "staff", "joined_on": "2020-01-01"}, "loans": [{"borrowed_on": "2026-02-20"}]}}',
    ]) + "\n", encoding="utf-8")
    rep = impact(r1, r2, corpus, workers=1)
    assert rep["cases"] == 2 and rep["affected"] == 1
    assert rep["outputs"]["fine_total"]["examples"] == ["late"]
    assert set(rep["outputs"]) == {"fine_total"}


def test_patch_round_trip(two_revisions, tmp_path):
    r1, r2 = two_revisions
    _edit(r2, "policy.yaml", "{id: fine_cap, clause: \"2.2\", value: 10}", "{id: fine_cap, clause: \"2.2\", value: 12}")
    _edit(r2, "status.yaml", "  - id: card_closes_on", "  - id: card_open\n    clause: \"3\"\n    expr: card.state = \"active\"\n  - id: card_closes_on")
    old, new = engine.load_ruleset(r1), engine.load_ruleset(r2)
    out = apply_patch(make_patch(old, new), r1, tmp_path / "applied", "R2", "2026-07-01")
    assert diff_rulesets(engine.load_ruleset(out), new)["changes"] == []
    with pytest.raises(UsageError, match="already exists"):
        apply_patch(make_patch(old, new), r1, out, "R2", "2026-07-01")


def test_cli_diff_and_generate(two_revisions, tmp_path, capsys):
    from engine.cli import main
    r1, r2 = two_revisions
    assert main(["diff", str(r1), str(r1)]) == 0
    assert "0 change(s)" in capsys.readouterr().out
    assert main(["cases", "generate", "--n", "3", "--seed", "4", "--ruleset", str(r1)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith('{"case":') for line in lines)


def test_a_changed_record_in_the_manifest_is_shown_by_the_fields_that_differ(two_revisions):
    import re
    r1, r2 = two_revisions
    manifest = r2 / "ruleset.yaml"
    text, n = re.subn(r"(?m)^source:.*$", 'source: {document: "another title", basis: "ISO 9001:2015"}',
                      manifest.read_text(encoding="utf-8"))
    assert n == 1
    manifest.write_text(text, encoding="utf-8")
    rs1, rs2 = engine.load_ruleset(r1), engine.load_ruleset(r2)
    rows = [(c["kind"], c["area"], c["subject"], c.get("old"), c.get("new"))
            for c in diff_rulesets(rs1, rs2)["changes"] if c["subject"].startswith("source")]
    assert rows == [("added", "metadata", "source.basis", None, "ISO 9001:2015"),
                    ("changed", "metadata", "source.document", rs1.manifest["source"]["document"], "another title")]
