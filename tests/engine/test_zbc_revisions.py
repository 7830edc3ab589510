"""The two ZBC-SC revisions: A/1 (reconstructed) beside A/2, chosen by date, diffed, and measured."""
from pathlib import Path

import engine
from engine.diff import diff_rulesets
from engine.corpus import generate_cases
from engine.impact import impact
from engine.registry import choose, find_rulesets, load_cached

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


def test_revision_in_force_follows_the_effective_dates():
    zbc = [e for e in find_rulesets() if e.family == "ZBC-SC"]
    assert choose(zbc, "2025-11-30")[0].revision == "A/1"
    assert choose(zbc, "2025-12-01")[0].revision == "A/2"
    assert choose(zbc, "2026-03-01", "A1")[0].folder.name == "ZBC-SC-2024-A1"


def test_a1_is_marked_as_a_reconstruction_with_its_assumptions():
    a1 = load_cached(A1)
    assert a1.manifest["provenance"] == "reconstructed"
    assert {a["clause"] for a in a1.manifest["assumptions"]} == {"5.4.3", "附录注3", "5.6.4.3", "5.9.3", "9.4"}
    assert all(a["status"] == "assumed" for a in a1.manifest["assumptions"])


def test_diff_a1_a2_lists_every_assumed_difference_by_clause():
    a1, a2 = load_cached(A1), load_cached(A2)
    d = diff_rulesets(a1, a2)
    clauses = set(d["summary"]["clauses"])
    assert {"5.4.3", "附录注3", "5.6.4.3", "5.9.3", "9.4.1"} <= clauses
    added = {c["subject"] for c in d["changes"] if c["kind"] == "added" and c["area"] == "element"}
    assert {"sampling_factor", "extra_site_days", "survey_size_out_of_range", "special_deductions_refusal",
            "notifiable_events"} <= added
    assert diff_rulesets(a2, a2)["changes"] == []


def test_impact_of_a2_on_a_generated_corpus(tmp_path):
    a2 = load_cached(A2)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(generate_cases(a2, 300, 11)), encoding="utf-8")
    rep = impact(A1, A2, corpus, workers=2)
    assert rep["cases"] == 300 and rep["affected"] > 0
    assert "sites_to_sample" in rep["outputs"] and "audit_days" in rep["outputs"]
    moves = {(m["from"], m["to"]) for m in rep["outputs"].get("level", {}).get("migrations", [])}
    # A/2 refuses at 5 special deductions where A/1 did not: levels can only fall to none
    assert all(to == "none" for _, to in moves)


def test_patch_round_trip_a1_to_a2(tmp_path):
    from engine.patch import apply_patch, make_patch
    a1, a2 = load_cached(A1), load_cached(A2)
    out = apply_patch(make_patch(a1, a2), A1, tmp_path / "ZBC-SC-2025-A2", "A/2", "2025-12-01")
    rebuilt = engine.load_ruleset(out)
    assert diff_rulesets(rebuilt, a2)["changes"] == []
    assert rebuilt.manifest["status"] == "draft"


def test_one_threshold_changed_in_a_copy_of_a2(tmp_path):
    import shutil
    copy = tmp_path / "ZBC-SC-2025-A3"
    shutil.copytree(A2, copy)
    p = copy / "05-9-decision.yaml"
    text = p.read_text(encoding="utf-8")
    assert "value: 95}" in text
    p.write_text(text.replace("value: 95}", "value: 96}", 1), encoding="utf-8")
    m = copy / "ruleset.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("revision: A/2", "revision: A/3"), encoding="utf-8")
    a3 = engine.load_ruleset(copy)
    d = diff_rulesets(load_cached(A2), a3)
    assert [(c["kind"], c["subject"], c.get("field"), c.get("old"), c.get("new")) for c in d["changes"]] == \
        [("changed", "five_star_min", "value", 95, 96)]
    corpus = tmp_path / "corpus.jsonl"
    from engine.jsonout import dumps
    from engine.yamlio import load_file
    example = load_file(REPO / "examples" / "cases" / "01-initial-five-star-9-sites.yaml").data  # 95.4 points
    lines = [dumps({"id": "example-01", "case": example}, indent=0).strip() + "\n"] + list(generate_cases(a3, 400, 3))
    corpus.write_text("".join(lines), encoding="utf-8")
    rep = impact(A2, copy, corpus, workers=1)
    assert rep["outputs"]["level"]["examples"][0] == "example-01"
    moves = {(m["from"], m["to"]) for m in rep["outputs"]["level"]["migrations"]}
    assert moves == {("five_star", "four_star")}


def test_outputs_option_evaluates_only_what_is_asked_and_agrees_with_the_full_run():
    from engine.yamlio import load_file
    a2 = load_cached(A2)
    wanted = ["level", "audit_days", "status", "acceptance_due_on"]
    for path in sorted((REPO / "examples" / "cases").glob("*.yaml")):
        case = load_file(path).data
        full = engine.evaluate(a2, case, trace=False)
        part = engine.evaluate(a2, case, trace=False, outputs=wanted)
        assert set(part["values"]) == set(wanted), path.name
        assert {k: full["values"][k] for k in wanted} == part["values"], path.name
        assert {f["id"] for f in part["findings"]} <= {f["id"] for f in full["findings"]}, path.name


def test_every_encoded_clause_has_a_rule_author_test():
    from engine.coverage import coverage_report
    for folder in (A1, A2):
        text, complete = coverage_report(folder)
        assert complete, text.splitlines()[-1]
