"""Tests of the hand-written A/2 reference (benchmarks/reference_a2.py) against the rule's own text.

Each test names the clause of 《商品售后服务认证实施规则》 ZBC-SC-2025 A/2 it checks; where the test
pins down an interpretation (the reading the rule set states for an ambiguous clause) rather than the text, it says so.
"""
from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import reference_a2 as ref  # noqa: E402

CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
ALL_DOCS = ["application_form", "conformity_declaration", "legal_status_proof"]


# ------------------------------------------------------------------------ a Decimal-exact YAML loader

class DecimalLoader(yaml.SafeLoader):
    """SafeLoader that reads YAML floats as Decimal from their text (never through a float)."""


def _construct_decimal(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        raise ValueError(f"not a finite number: {text}")
    return D(text)


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_case(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=DecimalLoader)


def _walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


# ----------------------------------------------------------------------------------- case builders

def audit_case(headcount, kind="initial", *, sites=None, time_adjustment=None):
    audit = {"kind": kind}
    if sites is not None:
        audit["sites"] = sites
    if time_adjustment is not None:
        audit["time_adjustment"] = time_adjustment
    return {"as_of": "2026-03-01", "organization": {"service_headcount": headcount}, "audit": audit}


def score_case(score, special_deductions=0, **extra):
    ev = {"items": [{"id": "M1.1", "part": "management", "max": 100, "score": score}],
          "special_deductions": special_deductions}
    ev.update(extra)
    return {"as_of": "2026-03-01", "evaluation": ev}


def cert_case(issued_on, as_of, events=(), surveillances=()):
    cert = {"number": "103726F0001R0S", "issued_on": issued_on, "level": "five_star"}
    return {"as_of": as_of, "certificate": cert, "events": list(events), "surveillances": list(surveillances)}


def ev(on, type_):
    return {"on": on, "type": type_}


# ------------------------------------------------------------------------------------ output shape

def test_output_has_exactly_the_fixed_keys_and_missing_inputs_give_none():
    out = ref.evaluate({"as_of": "2026-03-01"})
    assert tuple(out) == ref.OUTPUT_KEYS
    assert out["sites_to_sample"] == 0  # spec: no audit.sites -> 0 (central office only)
    assert all(v is None for k, v in out.items() if k != "sites_to_sample")


def test_empty_case_does_not_raise():
    out = ref.evaluate({})
    assert out["status"] is None and out["audit_days"] is None


def test_dates_accepted_as_date_objects_and_iso_strings():
    a = ref.evaluate(cert_case("2025-12-15", "2026-03-01"))
    b = ref.evaluate(cert_case(dt.date(2025, 12, 15), dt.date(2026, 3, 1)))
    assert a == b


# ----------------------------------------------------------------------- 附录注2: half-day rounding

@pytest.mark.parametrize("value, expected", [
    ("2.3", "2.5"), ("2.2", "2.0"),             # the note's own examples
    ("2.25", "2.5"), ("2.75", "3"), ("2.0", "2"), ("2.74", "2.5"), ("0.2", "0"),
])
def test_appendix_note2_round_to_nearest_half_day(value, expected):
    assert ref.round_half(D(value)) == D(expected)


def test_appendix_note2_through_the_audit_time():
    # base 2 (1-65, initial); +15 % -> 2.3 -> 2.5; +10 % -> 2.2 -> 2.0
    assert ref.evaluate(audit_case(50, time_adjustment=D("0.15")))["audit_days"] == D("2.5")
    assert ref.evaluate(audit_case(50, time_adjustment=D("0.1")))["audit_days"] == D("2.0")


# ----------------------------------------------------------------- 附录: base time by headcount band

TABLE = [  # (headcount, initial, surveillance, recertification) at each band's edges
    (1, "2", "1", "1.5"), (65, "2", "1", "1.5"),
    (66, "2.5", "1", "1.5"), (275, "2.5", "1", "1.5"),
    (276, "3", "1", "2"), (875, "3", "1", "2"),
    (876, "3.5", "1.5", "2.5"), (1550, "3.5", "1.5", "2.5"),
    (1551, "4", "1.5", "2.5"), (3450, "4", "1.5", "2.5"),
    (3451, "4.5", "1.5", "3"), (6800, "4.5", "1.5", "3"),
    (6801, "5", "2", "3"), (10700, "5", "2", "3"),
    (10701, "5.5", "2", "3.5"),  # 附录 ">10700 遵循上述规律": the spec's interpreted row
    (250000, "5.5", "2", "3.5"),
]


@pytest.mark.parametrize("headcount, initial, surveillance, recert", TABLE)
@pytest.mark.parametrize("kind", ["initial", "surveillance", "recertification"])
def test_appendix_table_headcount_boundaries(headcount, initial, surveillance, recert, kind):
    expected = D({"initial": initial, "surveillance": surveillance, "recertification": recert}[kind])
    out = ref.evaluate(audit_case(headcount, kind))
    assert out["audit_days_base"] == expected
    assert out["audit_days"] == expected  # no adjustment, no sites beyond the first


@pytest.mark.parametrize("headcount", [0, -5, None])
def test_appendix_table_headcount_missing_or_below_one_is_null(headcount):
    out = ref.evaluate(audit_case(headcount))
    assert out["audit_days_base"] is None and out["audit_days"] is None and out["onsite_days_min"] is None


def test_appendix_unknown_audit_kind_is_null():
    assert ref.evaluate(audit_case(100, "special"))["audit_days_base"] is None


# --------------------------------------------------------------------- 5.9.2 / 5.9.3: score levels

@pytest.mark.parametrize("score, expected", [
    ("100", "five_star"), ("95", "five_star"), ("94.99", "four_star"),
    ("90", "four_star"), ("89.99", "three_star"),
    ("80", "three_star"), ("79.99", "compliant"),
    ("70", "compliant"), ("69.99", "none"), ("0", "none"),
])
def test_5_9_2_level_boundaries(score, expected):
    out = ref.evaluate(score_case(D(score)))
    assert out["score_total"] == D(score)
    assert out["level"] == expected


def test_5_9_2_no_rounding_of_the_score():
    # 94.999 is below 95: the score is never rounded
    assert ref.evaluate(score_case(D("94.999")))["level"] == "four_star"


def test_5_9_3_four_special_deductions_still_certify():
    out = ref.evaluate(score_case(D("99.5"), 4))
    assert out["score_total"] == D("95.5")
    assert out["level"] == "five_star"


def test_5_9_3_five_special_deductions_refuse_even_with_a_high_score():
    out = ref.evaluate(score_case(D("100"), 5))
    assert out["score_total"] == D("95")
    assert out["level"] == "none"
    assert ref.evaluate(score_case(D("100"), 6))["level"] == "none"


def test_5_9_3_five_special_deductions_refuse_without_a_score():
    case = {"as_of": "2026-03-01", "evaluation": {"special_deductions": 5}}
    assert ref.evaluate(case)["level"] == "none"


def test_5_5_4_3_and_5_6_4_1_not_applicable_items_leave_the_total():
    case = score_case(D("9"))
    case["evaluation"]["items"] = [
        {"id": "M1.1", "part": "management", "max": 10, "score": 9},
        {"id": "C5.1", "part": "characteristic", "max": 10, "na": True, "reason": "不涉及废弃商品回收"},
        {"id": "C4.1", "part": "characteristic", "max": 5, "score": D("4.5")},
    ]
    out = ref.evaluate(case)
    assert out["score_total"] == D(100) * D("13.5") / D(15)  # 90
    assert out["level"] == "four_star"


def test_5_6_4_2_and_5_6_4_3_sample_means_are_added():
    out = ref.evaluate(score_case(D(96), 0, mystery_customer=[-2, 0], customer_survey=[0, -1, 0, 0]))
    assert out["score_total"] == D("96") - 1 - D("0.25")
    assert out["level"] == "four_star"


@pytest.mark.parametrize("bonus, expected", [(None, "90"), (0, "90"), (1, "91"), (2, "91"), (5, "91")])
def test_gb_t_27922_special_bonus_is_one_point_at_most(bonus, expected):
    extra = {} if bonus is None else {"special_bonus": bonus}
    assert ref.evaluate(score_case(D(90), **extra))["score_total"] == D(expected)


def test_gb_t_27922_a_bonus_can_reach_a_threshold():
    out = ref.evaluate(score_case(D(94), special_bonus=1))
    assert out["score_total"] == 95 and out["level"] == "five_star"


def test_score_is_decimal_division_at_34_digits():
    case = score_case(D(0))
    case["evaluation"]["items"] = [{"id": "M1.1", "part": "management", "max": 3, "score": 2}]
    assert str(ref.evaluate(case)["score_total"]) == "66.66666666666666666666666666666667"


def test_all_items_not_applicable_gives_null_score():
    case = score_case(D(0))
    case["evaluation"]["items"] = [{"id": "M1.1", "part": "management", "max": 5, "na": True, "reason": "x"}]
    out = ref.evaluate(case)
    assert out["score_total"] is None and out["level"] is None


# ------------------------------------------------------------------------------ 5.4.3: site sampling

SELF_LISTED = {"self_built": True, "listed_on_certificate": True}


@pytest.mark.parametrize("x, initial, surveillance, recert", [
    (1, 1, 1, 1), (2, 2, 1, 2), (9, 3, 2, 3), (10, 4, 2, 3),
])
@pytest.mark.parametrize("kind", ["initial", "surveillance", "recertification"])
def test_5_4_3_1_self_built_listed_sites_sqrt_rule(x, initial, surveillance, recert, kind):
    expected = {"initial": initial, "surveillance": surveillance, "recertification": recert}[kind]
    out = ref.evaluate(audit_case(100, kind, sites={"count": x, **SELF_LISTED}))
    assert out["sites_to_sample"] == D(expected)
    # 附录注3: +0.5 day per sampled site beyond the first
    assert out["audit_days"] == out["audit_days_base"] + D("0.5") * (expected - 1)


@pytest.mark.parametrize("sites", [
    {"count": 40, "self_built": False, "listed_on_certificate": True},   # franchise / authorised
    {"count": 40, "self_built": False, "listed_on_certificate": False},
    {"count": 40, "self_built": True, "listed_on_certificate": False},   # not shown on the certificate
])
@pytest.mark.parametrize("kind", ["initial", "surveillance", "recertification"])
def test_5_4_3_2_otherwise_at_least_one_site(sites, kind):
    assert ref.evaluate(audit_case(100, kind, sites=sites))["sites_to_sample"] == 1


def test_5_4_3_central_office_only_samples_no_site():
    assert ref.evaluate(audit_case(100, sites={"count": 0, **SELF_LISTED}))["sites_to_sample"] == 0
    assert ref.evaluate(audit_case(100))["sites_to_sample"] == 0


def _site(name, self_built=None, listed=None):
    s = {"name": name}
    if self_built is not None:
        s["self_built"] = self_built
    if listed is not None:
        s["listed_on_certificate"] = listed
    return s


def test_5_4_3_a_list_replaces_the_count():
    sites = {"count": 30, **SELF_LISTED, "list": [_site(f"S{i}") for i in range(4)]}
    assert ref.evaluate(audit_case(100, sites=sites))["sites_to_sample"] == 2   # sqrt(4), not sqrt(30)


def test_5_4_3_a_mixed_network_samples_both_kinds():
    listing = [_site(f"own{i}", True, True) for i in range(9)] + [_site(f"fr{i}", False, False) for i in range(5)]
    for kind, expected in (("initial", 4), ("surveillance", 3), ("recertification", 4)):
        out = ref.evaluate(audit_case(500, kind, sites={"list": listing}))
        assert out["sites_to_sample"] == expected, kind     # ceil(k*3) + 1


def test_5_4_3_a_franchised_site_shown_on_the_certificate_is_case_2():
    assert ref.evaluate(audit_case(100, sites={"list": [_site("f", False, True)]}))["sites_to_sample"] == 1


def test_5_4_3_an_undetermined_site_leaves_the_sample_unknown():
    assert ref.evaluate(audit_case(100, sites={"list": [_site("a", True, True), _site("b")]}))["sites_to_sample"] is None
    assert ref.evaluate(audit_case(100, sites={"list": []}))["sites_to_sample"] == 0


def test_5_4_3_perfect_squares_are_exact():
    # 0.6 * sqrt(25) = 3.0 exactly -> 3 (no spurious ceiling to 4)
    out = ref.evaluate(audit_case(100, "surveillance", sites={"count": 25, **SELF_LISTED}))
    assert out["sites_to_sample"] == 3
    out = ref.evaluate(audit_case(100, "recertification", sites={"count": 100, **SELF_LISTED}))
    assert out["sites_to_sample"] == 8


# ----------------------------------------------------------- 附录注1: adjustment cap and on-site time

@pytest.mark.parametrize("adjustment, expected", [
    ("-0.4", "3.5"),   # asked for 40 %: capped at 30 % -> 5 * 0.7 = 3.5
    ("-0.3", "3.5"),
    ("-0.2", "4"),
    ("-0.9", "3.5"),
    ("0.2", "6"),      # increases are not capped
])
def test_appendix_note1_reduction_capped_at_30_percent(adjustment, expected):
    out = ref.evaluate(audit_case(8000, time_adjustment=D(adjustment)))
    assert out["audit_days_base"] == 5
    assert out["audit_days"] == D(expected)


def test_appendix_note1_onsite_at_least_80_percent_on_the_half_day_grid():
    # 3.5 days (base 3.5) -> 0.8 * 3.5 = 2.8 -> 3.0
    assert ref.evaluate(audit_case(1000))["onsite_days_min"] == D(3)
    # 4 days -> 3.2: the nearest half day 3.0 would be 75 %, so 3.5; 2.5 days -> 2.0 exactly
    assert ref.evaluate(audit_case(2000))["onsite_days_min"] == D("3.5")
    assert ref.evaluate(audit_case(100))["onsite_days_min"] == D(2)
    # 2 days -> 1.6 -> 2 (1.5 would be 75 %)
    assert ref.evaluate(audit_case(50))["onsite_days_min"] == D(2)


def test_appendix_note1_onsite_of_a_six_and_a_half_day_audit():
    # base 5 (6801-10700, initial) + 16 self-built listed sites: 4 sampled, + 1.5 -> 6.5; 80 % = 5.2 -> 5.5
    out = ref.evaluate(audit_case(8000, sites={"count": 16, **SELF_LISTED}))
    assert out["audit_days"] == D("6.5")
    assert out["onsite_days_min"] == D("5.5")


@pytest.mark.parametrize("headcount, kind, base, expected", [
    (40, "recertification", "1.5", "1.5"),   # 1.05 -> 1.0 would cut 33 %: 1.5
    (500, "initial", "3", "2.5"),            # 2.1 -> 2.0 would cut 33 %: 2.5
    (5000, "initial", "4.5", "3.5"),         # 3.15 -> 3.0 would cut 33 %: 3.5
    (8000, "initial", "5", "3.5"),           # 3.5 exactly
    (50, "initial", "2", "1.5"),             # 1.4 -> 1.5 (nearest, above 70 %)
    (100, "initial", "2.5", "2"),            # 1.75 -> 2.0 (a tie goes up)
])
def test_appendix_note1_the_30_percent_cap_holds_after_rounding(headcount, kind, base, expected):
    out = ref.evaluate(audit_case(headcount, kind, time_adjustment=D("-0.3")))
    assert out["audit_days_base"] == D(base)
    assert out["audit_days"] == D(expected)
    assert out["audit_days"] >= D("0.7") * D(base)


def test_appendix_note1_base_3_at_minus_28_percent():
    # 2.16 rounds to 2.0, a 33 % cut: 2.5
    assert ref.evaluate(audit_case(500, time_adjustment=D("-0.28")))["audit_days"] == D("2.5")


def test_appendix_note1_at_least_one_day():
    # surveillance base 1, cut by 30 % -> 0.7 -> 0.5 -> at least 1 day; on-site 0.8 -> 1
    out = ref.evaluate(audit_case(30, "surveillance", time_adjustment=D("-0.3")))
    assert out["audit_days"] == 1
    assert out["onsite_days_min"] == 1


# ------------------------------------------------------------------------- 8.1.2 / 5.4.1.3 / 7.1 dates

def test_8_1_2_three_year_validity():
    out = ref.evaluate(cert_case("2025-12-15", "2026-03-01"))
    assert out["certificate_expires_on"] == "2028-12-14"
    assert out["first_surveillance_due"] == "2026-12-15"        # 5.4.1.3: within 12 months
    assert out["recert_window_opens"] == "2028-09-14"           # 7.1: three months before expiry


def test_month_arithmetic_clamps_to_month_end():
    assert ref.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert ref.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert ref.add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)
    assert ref.add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)
    assert ref.add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)
    assert ref.add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 15)


def test_month_end_issue_date():
    out = ref.evaluate(cert_case("2024-01-31", "2024-03-01"))
    assert out["first_surveillance_due"] == "2025-01-31"
    assert out["certificate_expires_on"] == "2027-01-30"
    assert out["recert_window_opens"] == "2026-10-30"
    out = ref.evaluate(cert_case("2024-02-29", "2024-03-01"))
    assert out["certificate_expires_on"] == "2027-02-27"   # 2024-02-29 + 3 years = 2027-02-28, - 1 day
    assert out["first_surveillance_due"] == "2025-02-28"
    out = ref.evaluate(cert_case("2025-05-31", "2025-06-01"))
    assert out["recert_window_opens"] == "2028-02-29"      # 2028-05-30 - 3 months: Feb 30 clamps to 29


def test_6_2_next_surveillance_after_one_and_two():
    one = ref.evaluate(cert_case("2025-12-15", "2026-12-20", surveillances=[{"on": "2026-11-20", "passed": True}]))
    assert one["next_surveillance_due"] == "2027-11-20"
    two = ref.evaluate(cert_case("2025-12-15", "2027-12-20", surveillances=[
        {"on": "2026-11-20", "passed": True}, {"on": "2027-11-02", "passed": True}]))
    assert two["next_surveillance_due"] is None   # 2028-11-02 is past the recertification window (2028-09-14)


def test_5_4_1_3_no_third_surveillance_in_the_recertification_year():
    # 5.4.1.3 "(应进行再认证的年份除外)": 2028 is the recertification year (the window opens 2028-09-14);
    # after the cycle's two surveillances, the 12-month deadline 2028-01-10 falls in it and is not required
    out = ref.evaluate(cert_case("2025-12-15", "2027-02-01", surveillances=[
        {"on": "2026-01-20", "passed": True}, {"on": "2027-01-10", "passed": True}]))
    assert out["next_surveillance_due"] is None


def test_5_4_1_3_the_cycles_second_surveillance_is_due_even_in_the_recertification_year():
    out = ref.evaluate(cert_case("2025-12-15", "2027-02-01", surveillances=[{"on": "2027-01-10", "passed": True}]))
    assert out["next_surveillance_due"] == "2028-01-10"      # only one held: the second is still due


def test_5_4_1_3_a_deadline_before_the_recertification_year_is_due():
    out = ref.evaluate(cert_case("2025-12-15", "2026-10-01", surveillances=[
        {"on": "2026-03-01", "passed": True}, {"on": "2026-09-01", "passed": True}]))
    assert out["next_surveillance_due"] == "2027-09-01"


def test_6_2_surveillances_of_an_earlier_cycle_do_not_count():
    out = ref.evaluate(cert_case("2025-12-15", "2026-03-01", surveillances=[{"on": "2024-06-01", "passed": True}]))
    assert out["next_surveillance_due"] == "2026-12-15"


def test_5_4_1_3_a_surveillance_after_as_of_has_not_been_held():
    out = ref.evaluate(cert_case("2025-12-15", "2026-03-01", surveillances=[{"on": "2026-11-20", "passed": True}]))
    assert out["next_surveillance_due"] == "2026-12-15"


def test_6_2_1_an_extension_decided_before_the_deadline_adds_three_months():
    out = ref.evaluate(cert_case("2025-12-15", "2027-01-10", events=[ev("2026-12-01", "surveillance_extended")]))
    assert out["next_surveillance_due"] == "2027-03-15"


def test_6_2_1_an_extension_on_the_deadline_day_counts_one_after_it_does_not():
    on_day = ref.evaluate(cert_case("2025-12-15", "2027-01-10", events=[ev("2026-12-15", "surveillance_extended")]))
    assert on_day["next_surveillance_due"] == "2027-03-15"
    late = ref.evaluate(cert_case("2025-12-15", "2027-01-10", events=[ev("2026-12-16", "surveillance_extended")]))
    assert late["next_surveillance_due"] == "2026-12-15"


def test_6_2_1_an_extension_until_a_date_and_at_most_three_months():
    short = dict(ev("2026-12-01", "surveillance_extended"), until="2027-01-31")
    assert ref.evaluate(cert_case("2025-12-15", "2027-01-10", events=[short]))["next_surveillance_due"] == "2027-01-31"
    long = dict(ev("2026-12-01", "surveillance_extended"), until="2027-05-31")
    assert ref.evaluate(cert_case("2025-12-15", "2027-01-10", events=[long]))["next_surveillance_due"] == "2027-03-15"


def test_6_2_1_an_extension_does_not_carry_to_the_next_deadline():
    out = ref.evaluate(cert_case("2025-12-15", "2027-06-01", events=[ev("2026-12-01", "surveillance_extended")],
                                 surveillances=[{"on": "2027-03-01", "passed": True}]))
    assert out["next_surveillance_due"] == "2028-03-01"


def test_6_2_1_an_extension_not_yet_decided_on_as_of_does_not_count():
    out = ref.evaluate(cert_case("2025-12-15", "2026-11-30", events=[ev("2026-12-01", "surveillance_extended")]))
    assert out["next_surveillance_due"] == "2026-12-15"


# ----------------------------------------------------------------------- 5.3.1: 10 working days

FULL_APP = {"documents": ALL_DOCS}


def _acceptance(complete_on):
    return ref.evaluate({"as_of": "2026-03-10", "application": {"complete_on": complete_on, **FULL_APP}})[
        "acceptance_due_on"]


def test_5_3_1_ten_working_days_ordinary_weeks():
    assert _acceptance("2025-11-03") == "2025-11-17"   # Monday -> Monday two weeks later


def test_5_3_1_acceptance_across_spring_festival_2026():
    # 2026-02-15..23 is the Spring Festival holiday; 2026-02-14 and 2026-02-28 (Saturdays) are make-up days
    assert ref.is_workday(dt.date(2026, 2, 14)) and ref.is_workday(dt.date(2026, 2, 28))
    assert not ref.is_workday(dt.date(2026, 2, 16)) and not ref.is_workday(dt.date(2026, 2, 23))
    # 02-09..13 (5), 02-14 (6), holiday, 02-24..27 (10): a Monday-Friday count would give 02-20
    assert _acceptance("2026-02-06") == "2026-02-27"
    # 02-14 (1), 02-24..28 (6), 03-02..05 (10)
    assert _acceptance("2026-02-13") == "2026-03-05"


def test_5_3_1_national_day_2025():
    # 2025-10-01..08 holiday, 2025-09-28 (Sun) and 2025-10-11 (Sat) make-up days
    # 09-28 (1), 09-29, 09-30 (3), 10-09, 10-10, 10-11 (6), 10-13..16 (10)
    assert _acceptance("2025-09-26") == "2025-10-16"


def test_5_3_1_outside_the_calendar_years_falls_back_to_monday_friday():
    assert ref.is_workday(dt.date(2027, 1, 1))            # would be a holiday; no data for 2027
    assert not ref.is_workday(dt.date(2027, 1, 2))        # Saturday
    assert _acceptance("2027-01-01") == "2027-01-15"


@pytest.mark.parametrize("application", [
    {"complete_on": "2026-02-06", "documents": ["application_form", "legal_status_proof"]},  # 5.2.2 (2) missing
    {"complete_on": "2026-02-06"},
    {"documents": ALL_DOCS},
])
def test_5_2_2_missing_documents_or_date_gives_no_deadline(application):
    assert ref.evaluate({"as_of": "2026-03-10", "application": application})["acceptance_due_on"] is None


# ------------------------------------------------------------------------------- 9: certificate status

def test_9_valid_without_events_and_null_without_certificate():
    assert ref.evaluate(cert_case("2025-12-15", "2026-03-01"))["status"] == "valid"
    assert ref.evaluate({"as_of": "2026-03-01"})["status"] is None


def test_9_1_2_six_month_suspension_then_9_1_5_withdrawal():
    events = [ev("2026-01-12", "suspension_requested")]
    on_last_day = ref.evaluate(cert_case("2025-04-01", "2026-07-12", events))
    assert on_last_day["status"] == "suspended"
    assert on_last_day["suspension_ends_on"] == "2026-07-12"
    day_after = ref.evaluate(cert_case("2025-04-01", "2026-07-13", events))
    assert day_after["status"] == "withdrawn"
    assert day_after["suspension_ends_on"] is None


def test_9_1_5_restoration_on_the_last_day_is_in_time():
    events = [ev("2026-01-12", "suspension_decided"), ev("2026-07-12", "restoration_approved")]
    assert ref.evaluate(cert_case("2025-04-01", "2026-08-01", events))["status"] == "valid"
    late = [ev("2026-01-12", "suspension_decided"), ev("2026-07-13", "restoration_approved")]
    assert ref.evaluate(cert_case("2025-04-01", "2026-08-01", late))["status"] == "withdrawn"


def test_9_1_2_licence_suspension_has_no_six_month_limit():
    events = [ev("2025-10-20", "license_lapsed"), ev("2026-06-05", "license_renewed")]
    mid = ref.evaluate(cert_case("2025-03-01", "2026-05-01", events))
    assert mid["status"] == "suspended" and mid["suspension_ends_on"] is None
    restored = events + [ev("2026-06-08", "restoration_approved")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-07-01", restored))["status"] == "valid"
    denied = [ev("2025-10-20", "license_lapsed"), ev("2026-06-05", "license_denied")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-07-01", denied))["status"] == "withdrawn"


def test_9_1_5_a_renewed_licence_waits_for_the_bodys_restoration_decision():
    """9.1.5: the body restores after confirming the cause is removed; the licence renewal
    removes it, but the certificate stays suspended (and is not withdrawn) until that decision."""
    events = [ev("2025-10-20", "license_lapsed"), ev("2026-06-05", "license_renewed")]
    out = ref.evaluate(cert_case("2025-03-01", "2027-01-10", events))
    assert out["status"] == "suspended" and out["suspension_ends_on"] is None
    # renewed, then a denial cannot follow; a withdrawal still can
    late_denial = events + [ev("2026-07-01", "license_denied")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-08-01", late_denial))["status"] == "suspended"
    withdrawn = events + [ev("2026-07-01", "withdrawal_decided")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-08-01", withdrawn))["status"] == "withdrawn"


def test_9_2_and_9_3_final_states_ignore_later_events():
    events = [ev("2026-02-01", "cancellation_requested"), ev("2026-03-01", "restoration_approved")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-04-01", events))["status"] == "cancelled"
    events = [ev("2026-02-01", "surveillance_refused"), ev("2026-03-01", "cancellation_requested")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-04-01", events))["status"] == "withdrawn"


def test_9_events_that_do_not_apply_are_ignored():
    events = [ev("2026-02-01", "restoration_approved"), ev("2026-02-02", "license_renewed")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-04-01", events))["status"] == "valid"
    # a licence renewal does not end a 6-month suspension
    events = [ev("2026-02-01", "suspension_requested"), ev("2026-03-01", "license_renewed")]
    out = ref.evaluate(cert_case("2025-03-01", "2026-04-01", events))
    assert out["status"] == "suspended" and out["suspension_ends_on"] == "2026-08-01"


def test_9_events_after_as_of_are_not_replayed():
    events = [ev("2026-05-01", "cancellation_requested")]
    assert ref.evaluate(cert_case("2025-03-01", "2026-04-30", events))["status"] == "valid"
    assert ref.evaluate(cert_case("2025-03-01", "2026-05-01", events))["status"] == "cancelled"


def test_8_1_2_expiry_the_day_after_the_last_valid_day():
    assert ref.evaluate(cert_case("2024-03-18", "2027-03-17"))["status"] == "valid"
    assert ref.evaluate(cert_case("2024-03-18", "2027-03-18"))["status"] == "expired"
    # an event after expiry does not revive the certificate
    events = [ev("2027-04-01", "restoration_approved")]
    assert ref.evaluate(cert_case("2024-03-18", "2027-05-01", events))["status"] == "expired"


def test_8_1_2_suspended_certificate_expires():
    events = [ev("2027-01-10", "license_lapsed")]
    assert ref.evaluate(cert_case("2024-03-18", "2027-05-01", events))["status"] == "expired"


# ---------------------------------------------------------------------------------- example cases

def test_there_are_enough_example_cases():
    names = {p.name for p in CASES}
    assert len(CASES) >= 14
    assert "01-initial-five-star-9-sites.yaml" in names


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_example_case_loads_with_exact_numbers_and_evaluates(path):
    case = load_case(path)
    assert isinstance(case, dict) and case.get("as_of") is not None
    assert not any(isinstance(v, float) for v in _walk(case)), "a number was read as a float"
    out = ref.evaluate(case)
    assert tuple(out) == ref.OUTPUT_KEYS
    for key in ("audit_days_base", "sites_to_sample", "audit_days", "onsite_days_min", "score_total"):
        assert out[key] is None or isinstance(out[key], D)


def test_example_01_is_the_five_star_nine_site_initial_audit():
    out = ref.evaluate(load_case(ROOT / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"))
    assert out["level"] == "five_star"
    assert out["sites_to_sample"] == 3
