"""Generated corpora: valid, register-like, deterministic; profiles checked with located errors (coherence:
test_coherence.py)."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.corpus import generate_cases, load_profile
from engine.errors import CertrulesError, RuleSetError
from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.yamlio import parse_json

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


def _cases(folder, n, seed=11):
    return [parse_json(line).data for line in generate_cases(load_cached(folder), n, seed)]


@pytest.mark.parametrize("folder", [A1, A2, LIBRARY], ids=lambda p: p.name)
def test_generated_cases_fit_the_case_schema(folder):
    rs = load_cached(folder)
    from engine.schemas import case_problems, validator_for
    validator = validator_for(rs.case_schema)
    bad = [(d["id"], case_problems(validator, d["case"])[:1]) for d in _cases(folder, 400)]
    assert [b for b in bad if b[1]] == []


def test_a_register_like_spread_of_levels_and_certificates_that_state_the_decision():
    """Done when (issue 12): >= 95% have a level; all four certified levels and refusals appear;
    the certificate states the level the rule decides; a refused applicant holds no certificate."""
    rs = load_cached(A2)
    levels, kinds = Counter(), Counter()
    scores = []
    docs = _cases(A2, 10_000, seed=2025)
    for doc in docs:
        c = doc["case"]
        v = evaluate(rs, c, trace=False, outputs=["level", "score_total", "certification_decision"])["values"]
        levels[v["level"]] += 1
        kinds[(c.get("audit") or {}).get("kind")] += 1
        if v["score_total"] is not None:
            scores.append(v["score_total"])
        cert = c.get("certificate")
        if (c.get("audit") or {}).get("kind") == "initial":
            if v["certification_decision"] != "grant":      # refused, or not decided (5.8.3, 5.9.1)
                assert cert is None, doc["id"]
            else:
                assert cert["level"] == v["level"] and cert["scope"].endswith("级）"), doc["id"]
    n = len(docs)
    assert sum(k for lv, k in levels.items() if lv is not None) >= 0.95 * n, levels
    for level in ("five_star", "four_star", "three_star", "compliant", "none"):
        assert levels[level] > 0, levels
    certified = sum(levels[x] for x in ("five_star", "four_star", "three_star", "compliant"))
    assert sum(levels[x] for x in ("five_star", "four_star", "three_star")) >= 0.8 * certified, levels
    assert levels["none"] < 0.1 * n, levels                       # a few refusals
    assert {"initial", "surveillance", "recertification"} <= set(kinds), kinds
    assert sum(1 for s in scores if 95 <= s < 96) > 0.02 * n       # scores where a threshold at 96 bites


def test_same_seed_same_bytes_and_slices_are_independent():
    rs = load_cached(A2)
    whole = list(generate_cases(rs, 60, 4))
    assert whole == list(generate_cases(rs, 60, 4))
    assert whole[20:50] == list(generate_cases(rs, 30, 4, start=20))
    assert whole != list(generate_cases(rs, 60, 5))
    assert [json.loads(x)["id"] for x in whole[:2]] == ["gen-4-000001", "gen-4-000002"]


def test_cli_generates_in_parallel_the_same_corpus(tmp_path):
    from engine.cli import main
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["cases", "generate", "--n", "4500", "--seed", "9", "--ruleset", str(A2), "-o", str(one)]) == 0
    assert main(["cases", "generate", "--n", "4500", "--seed", "9", "--ruleset", str(A2), "-o", str(two),
                 "--workers", "2"]) == 0
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_text(encoding="utf-8").splitlines()) == 4500


def test_a_rule_set_without_a_profile_is_generated_from_its_schema():
    cases = _cases(LIBRARY, 30)
    assert all("as_of" in d["case"] and "member" in d["case"] for d in cases)


# ---------------------------------------------------------------- profile mistakes are located

def _broken(tmp_path, old, new):
    folder = tmp_path / A2.name
    shutil.copytree(A2, folder)
    p = folder / "generate.yaml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_cached(folder)


@pytest.mark.parametrize("old,new,message", [
    ("  quality:\n", "  qualty:\n", "'$quality' names no variable"),
    ("after: $audit_start, days: [0, 2]", "after: audit.starts_on, days: [0, 2]", "'audit.starts_on' is not a field"),
    ("      review_passed: {bool: 0.99}", "      reviewed: {bool: 0.99}", "no field 'reviewed'"),
    ("review_passed: {bool: 0.99}", "review_passed: {bool: 1.5}", "'bool' is the chance of true"),
    ("time_adjustment: {range: [-0.3, 0.2], step: 0.05, p: 0.3}", "time_adjustment: {range: [-0.3, 0.2], stp: 0.05}", "does not take stp"),
    ("outputs: [level, level_names,", "outputs: [levle, level_names,", "names no element"),
    ("vars: [decided, renewed_number]", "vars: [decidd, renewed_number]", "'decidd' names no variable"),
    ("vars: [decided, renewed_number]", "vars: [decided, as_of]", "the variable 'as_of' has the name of a case field"),
    ("else certificate\n", "else certificat\n", "unknown name 'certificat'"),
])
def test_profile_mistakes_name_the_file_and_line(tmp_path, old, new, message):
    rs = _broken(tmp_path, old, new)
    with pytest.raises(RuleSetError) as err:
        load_profile(rs)
    problems = err.value.problems
    assert problems and problems[0].file == "generate.yaml" and problems[0].line, str(err.value)
    assert message in str(err.value)


def test_cli_reports_a_profile_mistake_with_exit_3(tmp_path, capsys):
    from engine.cli import main
    rs = _broken(tmp_path, "review_passed: {bool: 0.99}", "review_passed: {bool: 1.5}")
    assert main(["cases", "generate", "--n", "2", "--ruleset", str(rs.root)]) == 3
    err = capsys.readouterr().err
    assert "generate.yaml:" in err and "Traceback" not in err


def test_check_reports_a_profile_mistake(tmp_path, capsys):
    from engine.cli import main
    rs = _broken(tmp_path, "  quality:\n", "  qualty:\n")
    assert main(["check", str(rs.root), "--lang", "en"]) == 1      # A/2 speaks Chinese by default
    out = capsys.readouterr().out
    assert "generator profile" in out and "generate.yaml:" in out and "$quality" in out
    assert main(["check", str(A2)]) == 0


def test_a_broken_profile_does_not_stop_the_rule_set_loading(tmp_path):
    rs = _broken(tmp_path, "review_passed: {bool: 0.99}", "review_passed: {bool: 1.5}")
    assert evaluate(rs, {"as_of": "2026-01-01"}, trace=False)["values"]["level"] is None
    with pytest.raises(CertrulesError):
        list(generate_cases(rs, 1, 1))


@pytest.mark.parametrize("case", [
    {"x": 1e-05, "y": 1e16, "z": [0.1, 100.0, -0.0, 95.5, 1.5e-7, -2.5e-5, 1e-4, 1e15]},   # reals orjson writes otherwise
    {1: "a"}, {"big": 2 ** 70},                                  # what orjson refuses
    {"s": "中文\u2028\x1f\"\\/", "d": date(2026, 1, 2), "m": Decimal("2.50")},
])
def test_a_case_line_is_the_bytes_json_dumps_writes(case):
    from engine.corpus.profile import _encode_default, case_json
    expected = json.dumps({"case": case, "id": "c"}, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          default=_encode_default) + "\n"
    assert case_json("c", case) == expected
