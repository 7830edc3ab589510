"""ZBC-SC-2025 A/2 determinations, hand-written in Python.

This module is the differential oracle and the speed limit for the certrules engine: it computes the
same outputs as the A/2 rule set, written from the clause text of 《商品售后服务认证实施规则》 ZBC-SC-2025
A/2 (and GB/T 27922-2011 4.2 for the special items), without reading any rule file and without
importing any engine code. Where a clause is ambiguous it takes the reading the rule set states in its
`interpretation` (the two must agree, or the differential test fails).

    evaluate(case: dict) -> dict

`case` is a case document as loaded from YAML/JSON, with every number a Decimal or an int (never a
float) and dates either `datetime.date` or ISO strings. The result has exactly the keys of OUTPUT_KEYS:
numbers as Decimal, dates as ISO strings, categorical values as strings, null as None. A missing input
gives None for the outputs that depend on it, never an exception; malformed input may raise.

All arithmetic runs in one Decimal context (prec=34, ROUND_HALF_EVEN), entered once per call.
"""
from __future__ import annotations

import calendar
import datetime as _dt
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext
from functools import lru_cache

try:  # the statutory working-day calendar (including 调休 make-up working days)
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover - the package is a declared dependency
    _cc = None

CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)

OUTPUT_KEYS = (
    "audit_days_base", "sites_to_sample", "audit_days", "onsite_days_min", "score_total", "level",
    "acceptance_due_on", "certificate_expires_on", "first_surveillance_due", "next_surveillance_due",
    "recert_window_opens", "status", "suspension_ends_on",
)

_D0 = Decimal(0)
_D1 = Decimal(1)
_HALF = Decimal("0.5")
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_MIN_ADJUSTMENT = Decimal("-0.3")          # 附录注1: the reduction is capped at 30 % of the base time
_ONSITE_SHARE = Decimal("0.8")             # 附录注1: on-site time >= 80 % of the adjusted time

# 附录 评价时间要求: (upper headcount bound, initial, surveillance, recertification).
# The last row (> 10700) is the spec's reading of "遵循上述规律": the next step of each column.
_TIME_TABLE = (
    (65, Decimal("2"), Decimal("1"), Decimal("1.5")),
    (275, Decimal("2.5"), Decimal("1"), Decimal("1.5")),
    (875, Decimal("3"), Decimal("1"), Decimal("2")),
    (1550, Decimal("3.5"), Decimal("1.5"), Decimal("2.5")),
    (3450, Decimal("4"), Decimal("1.5"), Decimal("2.5")),
    (6800, Decimal("4.5"), Decimal("1.5"), Decimal("3")),
    (10700, Decimal("5"), Decimal("2"), Decimal("3")),
)
_TIME_BEYOND = (Decimal("5.5"), Decimal("2"), Decimal("3.5"))
_KIND_COLUMN = {"initial": 0, "surveillance": 1, "recertification": 2}

# 5.4.3 (1): sample k * sqrt(x) self-built sites listed on the certificate.
_SAMPLE_FACTOR = {"initial": Decimal("1"), "surveillance": Decimal("0.6"), "recertification": Decimal("0.8")}

# 5.9.2: (lower score bound, level), highest first.
_LEVELS = ((Decimal(95), "five_star"), (Decimal(90), "four_star"),
           (Decimal(80), "three_star"), (Decimal(70), "compliant"))

_REQUIRED_DOCUMENTS = ("application_form", "conformity_declaration", "legal_status_proof")  # 5.2.2

_ONE_DAY = _dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------- helpers

def _date(value):
    """A date from a `datetime.date` (or datetime) or an ISO string; None stays None."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(value)


def add_months(d: _dt.date, months: int) -> _dt.date:
    """d + months, clamped to the month's last day (2024-01-31 + 1 month = 2024-02-29)."""
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return _dt.date(year, month, d.day if d.day <= last else last)


@lru_cache(maxsize=8192)
def is_workday(d: _dt.date) -> bool:
    """China's statutory working days (chinesecalendar, 2004-2026); Monday-Friday for other years."""
    if _cc is not None:
        try:
            return _cc.is_workday(d)
        except NotImplementedError:
            pass
    return d.weekday() < 5


def add_working_days(start: _dt.date, n: int) -> _dt.date:
    """The n-th working day after `start` (counting starts the day after)."""
    d = start
    while n > 0:
        d += _ONE_DAY
        if is_workday(d):
            n -= 1
    return d


def round_half(v: Decimal) -> Decimal:
    """Nearest multiple of 0.5, ties up (附录注2: 2.3 -> 2.5, 2.2 -> 2; 2.25 -> 2.5)."""
    return (v * _TWO + _HALF).to_integral_value(rounding=ROUND_FLOOR) / _TWO


def ceil_half(v: Decimal) -> Decimal:
    """The least multiple of 0.5 not below v: a floor of 附录注1 put on 注2's half-day grid."""
    return (v * _TWO).to_integral_value(rounding=ROUND_CEILING) / _TWO


def _mean(values) -> Decimal:
    if not values:
        return _D0
    total = _D0
    for v in values:
        total += v
    return total / len(values)


def _iso(d):
    return None if d is None else d.isoformat()


# ------------------------------------------------------------------------------- determinations

def audit_days_base(headcount, kind):
    column = _KIND_COLUMN.get(kind)
    if headcount is None or column is None or headcount < 1:
        return None
    for upper, *days in _TIME_TABLE:
        if headcount <= upper:
            return days[column]
    return _TIME_BEYOND[column]


def _site_kind(self_built, listed):
    """5.4.3: "certificate" for (1) self-built and shown on the certificate, "other" for (2), None unknown."""
    if self_built is False or listed is False:
        return "other"
    if self_built is True and listed is True:
        return "certificate"
    return None


def sites_to_sample(sites, kind):
    """5.4.3: 0 without sites; ceil(k*sqrt(x)) for the x self-built sites shown on the certificate,
    plus at least 1 (i.e. 1) when other (franchised or unlisted) sites exist; None when unknown.

    A `list` of sites replaces `count`; a site that does not say self_built/listed_on_certificate
    takes the setting of the same name on `sites`.
    """
    if not sites:
        return _D0
    listing = sites.get("list")
    if listing is not None:
        def own(site, key):
            return site[key] if site.get(key) is not None else sites.get(key)
        kinds = [_site_kind(own(s, "self_built"), own(s, "listed_on_certificate")) for s in listing]
        if not kinds:
            return _D0
        if None in kinds:
            return None
        x = kinds.count("certificate")
        others = len(kinds) - x
    else:
        count = sites.get("count")
        if count is None:
            return None
        if count == 0:
            return _D0
        k_all = _site_kind(sites.get("self_built"), sites.get("listed_on_certificate"))
        if k_all is None:
            return None
        x, others = (count, 0) if k_all == "certificate" else (0, count)
    k = _SAMPLE_FACTOR.get(kind)
    if x and k is None:
        return None
    sample = (k * Decimal(x).sqrt()).to_integral_value(rounding=ROUND_CEILING) if x else _D0
    return sample + (_D1 if others else _D0)


def score_total(evaluation):
    """(100 * S) / M + mean(mystery_customer) + mean(customer_survey) - special_deductions + special bonus.

    GB/T 27922-2011 4.2 (the basis, clause 3): 1 point off per special deduction item and 1 point for
    the special bonus item, outside the item scores; there is at most one bonus item (more count as one).
    """
    if not evaluation:
        return None
    items = evaluation.get("items")
    if not items:
        return None
    s = _D0
    m = _D0
    for item in items:
        if item.get("na"):
            continue
        score = item.get("score")
        mx = item.get("max")
        if score is None or mx is None:
            return None
        s += score
        m += mx
    if m == 0:
        return None
    total = (_HUNDRED * s) / m
    total += _mean(evaluation.get("mystery_customer"))
    total += _mean(evaluation.get("customer_survey"))
    total -= evaluation.get("special_deductions") or 0
    total += min(evaluation.get("special_bonus") or 0, 1)
    return total


def level(score, special_deductions):
    if special_deductions is not None and special_deductions >= 5:   # 5.9.3
        return "none"
    if score is None:
        return None
    for bound, name in _LEVELS:
        if score >= bound:
            return name
    return "none"


def acceptance_due_on(application):
    """5.3.1: 10 working days after the application is complete; None while documents are missing."""
    if not application:
        return None
    complete_on = _date(application.get("complete_on"))
    if complete_on is None:
        return None
    documents = application.get("documents") or ()
    for doc in _REQUIRED_DOCUMENTS:
        if doc not in documents:
            return None
    return add_working_days(complete_on, 10)


def next_surveillance_due(issued_on, first_due, recert_opens, surveillances, events, as_of):
    """Due date of the next surveillance of the current certificate cycle (5.4.1.3, 6.2, 7.1).

    The first is due 12 months after issue, each later one 12 months after the surveillance before
    it (6.2). The surveillances counted are those held in this cycle, on or before as_of. An
    extension (6.2(1)) is the body's decision for one deadline: it counts when dated after the
    surveillance before the deadline (or on/after issue for the first) and on or before the deadline
    itself, and moves that deadline to its `until` (3 months without one), never more than 3 months.
    Once the deadline reaches the recertification window (7.1) none is due: the recertification
    takes its place. Nor is one due when the deadline falls in the recertification year (the
    calendar year the window opens) and the cycle has had its two surveillances: 5.4.1.3 excepts
    that year ("应进行再认证的年份除外").
    """
    held = sorted(on for on in (_date(s.get("on")) for s in surveillances or ())
                  if on is not None and issued_on <= on and (as_of is None or on <= as_of))
    if held:
        after, due, first = held[-1], add_months(held[-1], 12), False
    else:
        after, due, first = issued_on, first_due, True
    if due >= recert_opens or (due.year >= recert_opens.year and len(held) >= 2):
        return None
    latest = None
    for e in events or ():
        if e.get("type") != "surveillance_extended":
            continue
        on = _date(e.get("on"))
        if on is None or (as_of is not None and on > as_of) or on < issued_on:
            continue
        if not (on > after or (first and on == after)) or on > due:
            continue      # another deadline's, or decided after this one passed (void)
        until = _date(e.get("until")) or add_months(due, 3)
        latest = until if latest is None or until > latest else latest
    if latest is not None and latest > due:
        due = min(latest, add_months(due, 3))
    return due


_TO_SUSPENDED = frozenset(("suspension_requested", "suspension_decided"))
_TO_WITHDRAWN = frozenset(("legal_status_revoked", "surveillance_refused", "withdrawal_decided"))
_FINAL = frozenset(("withdrawn", "cancelled", "expired"))


def certificate_status(issued_on, expires_on, events, as_of):
    """Replay the events dated on or before as_of (9.1-9.3, 8.1.2).

    Returns (status, suspension_ends_on). A timeout whose last day is D fires after the events
    dated D and before the events dated after D; when a 6-month suspension and the certificate
    both end on the same day, the suspension's lapse (withdrawn) is taken first.
    """
    if issued_on is None or as_of is None or as_of < issued_on:
        return None, None
    timeline = []
    for e in events or ():
        on = _date(e.get("on"))
        if on is not None and on <= as_of:
            timeline.append((on, e.get("type")))
    timeline.sort(key=lambda t: t[0])   # stable: equal dates keep their given order

    state = "valid"
    timed = False          # suspended for a limited time (not for a licence)
    susp_end = None        # the last day of a 6-month suspension
    licence_pending = False  # suspended for a lapsed licence, its decision not yet made (9.1.2)

    for on, etype in timeline:
        # timeouts whose last day is before this event's date
        if timed and susp_end < on and susp_end <= expires_on:
            state = "withdrawn"
            break
        if expires_on < on:
            state = "expired"
            break
        if state == "valid":
            if etype in _TO_SUSPENDED:
                state, timed, susp_end = "suspended", True, add_months(on, 6)
            elif etype == "license_lapsed":
                state, timed, susp_end, licence_pending = "suspended", False, None, True
            elif etype in _TO_WITHDRAWN:
                state = "withdrawn"
                break
            elif etype == "cancellation_requested":
                state = "cancelled"
                break
        else:  # suspended
            # 9.1.5: only the body's decision restores; a renewed licence removes the cause (the
            # suspension then waits for that decision, with no 6-month limit), a denied one withdraws.
            if etype == "restoration_approved":
                state, timed, susp_end, licence_pending = "valid", False, None, False
            elif etype == "license_renewed" and licence_pending:
                licence_pending = False
            elif etype in _TO_WITHDRAWN or (etype == "license_denied" and licence_pending):
                state = "withdrawn"
                break
            elif etype == "cancellation_requested":
                state = "cancelled"
                break
    else:
        # timeouts whose last day is before as_of
        if timed and susp_end < as_of and susp_end <= expires_on:
            state = "withdrawn"
        elif expires_on < as_of:
            state = "expired"

    if state == "suspended" and timed:
        return state, susp_end
    return state, None


# ------------------------------------------------------------------------------------------- API

def evaluate(case: dict) -> dict:
    with localcontext(CONTEXT):
        as_of = _date(case.get("as_of"))
        org = case.get("organization") or {}
        audit = case.get("audit") or {}
        evaluation = case.get("evaluation") or {}
        cert = case.get("certificate") or {}
        kind = audit.get("kind")

        # 附录 / 5.4.2 / 5.4.3: audit time
        base = audit_days_base(org.get("service_headcount"), kind)
        sample = sites_to_sample(audit.get("sites"), kind)
        days = onsite_min = None
        if base is not None and sample is not None:
            adjustment = audit.get("time_adjustment") or _D0
            if adjustment < _MIN_ADJUSTMENT:
                adjustment = _MIN_ADJUSTMENT
            # 注2 rounds to the nearest half day; 注1's 30 % cap must still hold afterwards, so the
            # rounded time is never below the least half day at or above 70 % of the base.
            adjusted = max(round_half(base * (_D1 + adjustment)), ceil_half(base * (_D1 + _MIN_ADJUSTMENT)), _D1)
            days = adjusted + _HALF * (sample - _D1 if sample > _D1 else _D0)
            # 注1: on-site >= 80 % of the (adjusted) audit time and >= 1 day, on 注2's grid: rounding a
            # floor to the nearest half day may not take it below the floor.
            onsite_min = max(ceil_half(_ONSITE_SHARE * days), _D1)

        # 5.9: score and level
        score = score_total(evaluation)
        lvl = level(score, evaluation.get("special_deductions"))

        # 5.3.1: acceptance deadline
        due = acceptance_due_on(case.get("application"))

        # 8.1.2, 5.4.1.3, 6.2, 7.1, 9: certificate dates and status
        issued_on = _date(cert.get("issued_on"))
        if issued_on is not None:
            expires_on = add_months(issued_on, 36) - _ONE_DAY
            first_due = add_months(issued_on, 12)
            recert_opens = add_months(expires_on, -3)
            next_due = next_surveillance_due(issued_on, first_due, recert_opens, case.get("surveillances"),
                                             case.get("events"), as_of)
            status, susp_ends = certificate_status(issued_on, expires_on, case.get("events"), as_of)
        else:
            expires_on = first_due = next_due = recert_opens = status = susp_ends = None

        return {
            "audit_days_base": base,
            "sites_to_sample": sample,
            "audit_days": days,
            "onsite_days_min": onsite_min,
            "score_total": score,
            "level": lvl,
            "acceptance_due_on": _iso(due),
            "certificate_expires_on": _iso(expires_on),
            "first_surveillance_due": _iso(first_due),
            "next_surveillance_due": _iso(next_due),
            "recert_window_opens": _iso(recert_opens),
            "status": status,
            "suspension_ends_on": _iso(susp_ends),
        }
