"""Generated cases are coherent, as a body's register would hold them: a property over thousands of
cases of A/1's and A/2's profiles (several seeds, slices anywhere in the stream), and the rule set's
own reading of a sample: no finding that only an incoherent case raises.

The invariants are the rule text's (clauses cited); they are checked on the generated data itself,
so a profile that drifts (a date out of order, an extension ending before its deadline, a renewed
certificate kept as the old one) fails here with the case's id.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.corpus import generate_cases
from engine.corpus.spec import add_months, check_character
from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.yamlio import parse_json

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_CHECK = check_character(USCC_ALPHABET, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], 31)
NUMBER = re.compile(r"1037(\d\d)F(\d{4})R0S")          # 附件: 103723F1888R0S
CHUNK = 250


def _d(text):
    return date.fromisoformat(text)


def _docs(folder, n, seed, start=0):
    return [parse_json(line).data for line in generate_cases(load_cached(folder), n, seed, start)]


def _dates(node, path=""):
    """Every date in a case, with its path (a deadline named `until` is a date to come, not a fact)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _dates(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _dates(v, f"{path}[{i}]")
    elif isinstance(node, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", node) and not path.endswith("until"):
        yield path, _d(node)


def check_case(doc):
    """Assert the coherence of one generated case; the message names the case and the invariant."""
    c, cid = doc["case"], doc["id"]
    as_of = _d(c["as_of"])
    app, audit, ev = c.get("application") or {}, c.get("audit") or {}, c.get("evaluation") or {}
    cert = c.get("certificate")
    kind = audit.get("kind")

    # as_of is the date the case is read: after everything it records
    late = [(p, d) for p, d in _dates(c) if d > as_of]
    assert not late, (cid, "after as_of", late)

    # 5.3 -> 5.5 -> 5.6: application, contract, plans confirmed before the evaluations they plan
    chain = [app.get("complete_on"), app.get("contract_signed_on"), audit.get("management_evaluation_on"),
             audit.get("characteristic_evaluation_on")]
    chain = [_d(x) for x in chain if x]
    assert chain == sorted(chain), (cid, "application -> contract -> evaluations", chain)
    if audit:
        mgmt, char = _d(audit["management_evaluation_on"]), _d(audit["characteristic_evaluation_on"])
        assert char <= add_months(mgmt, 6), (cid, "5.4.1.2: the two evaluations within 6 months")
        assert _d(audit["management_plan_confirmed_on"]) <= mgmt, (cid, "5.5.2.2: plan confirmed before")
        assert _d(audit["characteristic_plan_confirmed_on"]) <= char, (cid, "5.6.2.2: plan confirmed before")
        evaluated = max(mgmt, char)

        # 5.4.4, 5.8.2, 5.9.1: one leader first, distinct members, reviewer and decision maker outside the team
        names = [m["name"] for m in audit["team"]]
        assert len(names) == len(set(names)) >= 2, (cid, "distinct team members", names)
        assert [m["leader"] for m in audit["team"]] == [True] + [False] * (len(names) - 1), (cid, "one leader, first")
        assert audit["reviewer"] not in names and audit["decision_maker"] not in names, (cid, "5.8.2/5.9.1 outside the team")
        assert audit["reviewer"] != audit["decision_maker"], cid
        # 4.3: one customer survey result per customer surveyed, none without the method
        if "customer_survey" in audit["methods"]:
            assert len(ev["customer_survey"]) == audit["survey_customers"], (cid, "survey results per customer")
        else:
            assert "customer_survey" not in ev, cid
        assert ("mystery_customer" in ev) == ("mystery_customer" in audit["methods"]), cid
        # 5.5.4.3, 5.6.4.1: each item scored within its maximum, in half points; not applicable with a reason
        ids = [i["id"] for i in ev["items"]]
        assert len(ids) == len(set(ids)) and sum(i["max"] for i in ev["items"]) == 100, (cid, "100 points, distinct items")
        for item in ev["items"]:
            assert 0 <= item["score"] <= item["max"] and (item["score"] * 2) == int(item["score"] * 2), (cid, item)
            assert ("reason" in item) == bool(item.get("na")), (cid, item)

    # GB 32100-2015: 18 characters of the alphabet, the 18th the check character of the 17 before
    uscc = c["organization"]["uscc"]
    assert len(uscc) == 18 and set(uscc) <= set(USCC_ALPHABET) and USCC_CHECK(uscc[:17]) == uscc[17], (cid, uscc)

    survs = [_d(s["on"]) for s in c.get("surveillances") or []]
    events = c.get("events") or []
    assert survs == sorted(survs), (cid, "surveillances in order")
    assert [e["on"] for e in events] == sorted(e["on"] for e in events), (cid, "events in date order")
    if cert is None:
        assert kind == "initial" and not survs and not events, (cid, "only a refused applicant holds no certificate")
        return
    issued, first = _d(cert["issued_on"]), _d(cert["first_issued_on"])
    m = NUMBER.fullmatch(cert["number"])
    assert m and m.group(1) == cert["issued_on"][2:4], (cid, "8.1.1 (2): the number's pattern and year", cert["number"])
    assert first <= issued <= as_of, (cid, "first issue <= issue <= as_of")
    assert as_of < add_months(issued, 36), (cid, "8.1.2: read within the certificate's 3 years")
    if kind == "initial":
        assert issued >= evaluated and first == issued, (cid, "5.1: issued after the evaluation, the first issue")
    renewed = kind == "recertification" and issued >= evaluated
    if kind == "recertification":
        if renewed:     # 7.2, 8.1.2: the new certificate, issued on the decision after this evaluation
            assert first < issued and all(first < d < issued for d in survs), (cid, "the past cycle's surveillances")
            assert not events, (cid, "nothing has happened since the new certificate")
            return
        # refused: the expiring certificate, renewal applied for from 3 months before expiry (7.1)
        assert _d(app["complete_on"]) >= add_months(issued, 33), (cid, "7.1: the recertification window")
    assert all(issued < d for d in survs), (cid, "surveillances after issue")
    assert all(issued < _d(e["on"]) for e in events), (cid, "events after issue")

    # 5.4.1.3, 6.2: each surveillance within 12 months of the one before (or of issue), unless the body
    # extended that deadline before it fell due, to at most 3 months later, and it was held by then
    extensions = [e for e in events if e.get("type") == "surveillance_extended"]
    before = issued
    for held in survs:
        due = add_months(before, 12)
        if held > due:
            ext = [e for e in extensions if before < _d(e["on"]) <= due]
            assert ext, (cid, "a surveillance after its deadline without an extension", held, due)
            until = _d(ext[0]["until"])
            assert due < until <= add_months(due, 3) and held <= until, (cid, "6.2 (1): extended by at most 3 months")
        before = held
    for e in extensions:
        assert "until" in e, cid
        assert any(_d(e["on"]) <= add_months(b, 12) < _d(e["until"]) <= add_months(b, 15)
                   for b in [issued] + survs), (cid, "an extension moves a deadline it precedes", e)


@settings(max_examples=16, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(folder=st.sampled_from([A1, A2]), seed=st.integers(0, 10_000), start=st.integers(0, 2_000_000))
def test_generated_cases_are_coherent(folder, seed, start):
    """16 slices of 250 cases: 4,000 cases, anywhere in the stream of any seed."""
    for doc in _docs(folder, CHUNK, seed, start):
        check_case(doc)


@pytest.mark.parametrize("spoil", [
    lambda c: c.__setitem__("as_of", "2020-01-01"),
    lambda c: c["organization"].__setitem__("uscc", c["organization"]["uscc"][:17] + ("0" if c["organization"]["uscc"][17] != "0" else "1")),
    lambda c: c["audit"]["team"].append(dict(c["audit"]["team"][-1])),
])
def test_the_coherence_check_can_fail(spoil):
    doc = next(d for d in _docs(A2, 20, 3) if d["case"].get("audit"))
    check_case(doc)
    spoil(doc["case"])
    with pytest.raises(AssertionError):
        check_case(doc)


@pytest.fixture(scope="module")
def read_by_the_rule_set():
    """A sample read by A/2 in full: (case, values, finding ids)."""
    rs = load_cached(A2)
    out = []
    for doc in _docs(A2, 700, 2026):
        r = evaluate(rs, doc["case"], trace=False)
        out.append((doc, r["values"], {f["id"] for f in r["findings"]}))
    return out


# What a register-like corpus raises on purpose (rare applicants' mistakes, refusals, a failed review,
# surveillances not passed, status stories, notified changes) - anything else means an incoherent case.
EXPECTED = {
    "special_deductions_refusal", "score_below_minimum", "review_found_problems", "surveillance_failed",
    "documents_missing", "commitment_not_signed", "legal_status_not_proven", "permits_missing",
    "audit_time_beyond_table", "notified_event_follow_up", "extra_surveillance_needed",
    "suspension_notice", "withdrawal_notice", "surveillance_year_skipped_by_extension",
}


def test_the_rule_set_finds_nothing_incoherent(read_by_the_rule_set):
    seen = Counter(fid for _, _, ids in read_by_the_rule_set for fid in ids)
    assert set(seen) - EXPECTED == set(), {k: seen[k] for k in set(seen) - EXPECTED}
    for doc, _, ids in read_by_the_rule_set:
        check_case(doc)


def test_certificates_are_the_ones_decided(read_by_the_rule_set):
    """5.9: a granted initial or recertification holds the certificate issued on its decision, at the
    level decided; a refused recertification keeps the expiring one; a refused applicant holds none."""
    kinds = Counter()
    for doc, values, _ in read_by_the_rule_set:
        c = doc["case"]
        kind = (c.get("audit") or {}).get("kind")
        decision = values["certification_decision"]
        cert = c.get("certificate")
        kinds[(kind, decision)] += 1
        if kind == "initial":
            assert (cert is not None) == (decision == "grant"), doc["id"]
        if kind == "recertification":
            evaluated = max(_d(c["audit"]["management_evaluation_on"]), _d(c["audit"]["characteristic_evaluation_on"]))
            assert (_d(cert["issued_on"]) >= evaluated) == (decision == "grant"), doc["id"]
        if decision == "grant":
            assert cert["level"] == values["certificate_level"], doc["id"]
    assert kinds[("recertification", "grant")] and kinds[("recertification", "refuse")], kinds
    assert kinds[("initial", "grant")] and kinds[("initial", "refuse")], kinds


def test_extensions_appear_and_are_honoured(read_by_the_rule_set):
    """6.2 (1): some surveillances are held after their 12 months under an extension, and the rule set
    finds none of them late."""
    extended = [(doc, ids) for doc, _, ids in read_by_the_rule_set
                if any(e.get("type") == "surveillance_extended" for e in doc["case"].get("events") or [])]
    assert extended
    assert not any(ids & {"surveillance_overdue", "surveillance_held_late", "surveillance_interval_too_long",
                                 "surveillance_extension_late", "surveillance_extension_not_later",
                                 "surveillance_extension_too_long", "surveillance_year_missed"}
                   for _, ids in extended)
