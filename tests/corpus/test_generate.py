"""Generated corpora: valid, coherent, register-like, deterministic; profiles checked with located errors."""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from engine.corpus import generate_cases, load_profile
from engine.corpus.spec import check_character
from engine.errors import CertrulesError, RuleSetError
from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.yamlio import parse_json

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def _cases(folder, n, seed=11):
    return [parse_json(line).data for line in generate_cases(load_cached(folder), n, seed)]


@pytest.fixture(scope="module")
def a2_cases():
    return _cases(A2, 1500)


@pytest.mark.parametrize("folder", [A1, A2, LIBRARY], ids=lambda p: p.name)
def test_generated_cases_fit_the_case_schema(folder):
    rs = load_cached(folder)
    from engine.schemas import case_problems, validator_for
    validator = validator_for(rs.case_schema)
    bad = [(d["id"], case_problems(validator, d["case"])[:1]) for d in _cases(folder, 400)]
    assert [b for b in bad if b[1]] == []


def _d(text):
    return date.fromisoformat(text)


def test_dates_follow_the_certification_timeline(a2_cases):
    """application -> contract -> audit -> issue -> surveillances -> events -> as_of, each in order."""
    for doc in a2_cases:
        c, cid = doc["case"], doc["id"]
        as_of = _d(c["as_of"])
        app, audit, cert = c.get("application") or {}, c.get("audit") or {}, c.get("certificate") or {}
        chain = [app.get("complete_on"), app.get("contract_signed_on"), audit.get("management_evaluation_on"),
                 audit.get("characteristic_evaluation_on")]
        chain = [_d(x) for x in chain if x]
        assert chain == sorted(chain), cid
        assert all(x <= as_of for x in chain), cid
        if cert:
            issued = _d(cert["issued_on"])
            assert issued <= as_of and _d(cert["first_issued_on"]) <= issued, cid
            expires = issued.replace(year=issued.year + 3) if not (issued.month == 2 and issued.day == 29) else date(issued.year + 3, 2, 28)
            assert as_of < expires, cid     # the register holds certificates in their cycle
            if audit.get("kind") == "initial":
                assert chain and chain[-1] < issued, cid
            ons = [_d(s["on"]) for s in c.get("surveillances") or []]
            assert ons == sorted(ons) and all(issued < d <= as_of for d in ons), cid
            if ons:
                assert ons[0] <= issued.replace(year=issued.year + 1) if issued.month != 2 or issued.day != 29 else True, cid
            events = [_d(e["on"]) for e in c.get("events") or []]
            assert events == sorted(events) and all(issued < d <= as_of for d in events), cid
        else:
            assert not c.get("surveillances") and not c.get("events"), cid


def test_identifiers_are_valid(a2_cases):
    check = check_character(USCC_ALPHABET, USCC_WEIGHTS, 31)
    numbers = Counter()
    for doc in a2_cases:
        c = doc["case"]
        uscc = c["organization"]["uscc"]
        assert len(uscc) == 18 and set(uscc) <= set(USCC_ALPHABET), uscc
        assert check(uscc[:17]) == uscc[17], uscc          # GB 32100-2015's check character
        cert = c.get("certificate")
        if cert:
            m = re.fullmatch(r"1037(\d\d)F(\d{4})R0S", cert["number"])   # 附件: 103723F1888R0S
            assert m and m.group(1) == cert["issued_on"][2:4], cert["number"]
            numbers[cert["number"]] += 1
    # the engine agrees: no case has a USCC finding
    rs = load_cached(A2)
    for doc in a2_cases[:200]:
        ids = {f["id"] for f in evaluate(rs, doc["case"], trace=False)["findings"]}
        assert not ids & {"uscc_format", "uscc_check_character"}, doc["id"]


def test_teams_have_one_leader_and_distinct_people(a2_cases):
    for doc in a2_cases:
        audit = doc["case"].get("audit")
        if not audit:
            continue
        names = [m["name"] for m in audit["team"]]
        assert len(names) == len(set(names)) >= 2, doc["id"]
        assert [m["leader"] for m in audit["team"]].count(True) == 1 and audit["team"][0]["leader"], doc["id"]
        assert audit["reviewer"] not in names and audit["decision_maker"] not in names, doc["id"]
        assert audit["reviewer"] != audit["decision_maker"], doc["id"]
        if "customer_survey" in audit["methods"]:
            assert len(doc["case"]["evaluation"]["customer_survey"]) == audit["survey_customers"], doc["id"]
        else:
            assert "customer_survey" not in doc["case"]["evaluation"], doc["id"]


def test_a_register_like_spread_of_levels_and_certificates_that_state_the_decision():
    """Done when (issue 12): >= 95% have a level; all four certified levels and refusals appear;
    the certificate states the level the rule decides; a refused applicant holds no certificate."""
    rs = load_cached(A2)
    levels, kinds = Counter(), Counter()
    scores = []
    docs = _cases(A2, 10_000, seed=2025)
    for doc in docs:
        c = doc["case"]
        v = evaluate(rs, c, trace=False, outputs=["level", "score_total"])["values"]
        levels[v["level"]] += 1
        kinds[(c.get("audit") or {}).get("kind")] += 1
        if v["score_total"] is not None:
            scores.append(v["score_total"])
        cert = c.get("certificate")
        if (c.get("audit") or {}).get("kind") == "initial":
            if v["level"] in ("none", None) or c["audit"].get("review_passed") is False:
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
    ("outputs: [level, level_names]", "outputs: [levle, level_names]", "names no element"),
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
