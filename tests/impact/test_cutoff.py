"""The early cut-off and the shared inputs (engine/impact/plans.py) against the plain cone (each revision
computing everything it needs itself) and the full comparison: the same answers, byte for byte in every
format of `diff --cases`, on a generated corpus and on hand-made cases where a change does and does not
reach past the first stage, through and around a state machine.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.corpus.sources import iter_records
from engine.impact import plans
from engine.impact.compare import Comparer
from engine.impact.cone import Cone
from engine.registry import load_cached

from test_cone import _report, clashing, corpus, pairs  # noqa: F401  (fixtures)
from test_impact import A1, A2

REPO = Path(__file__).resolve().parents[2]
LOANS = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
PAIRS = ["A/1 -> A/2", "five stars from 96", "a changed parameter", "a finding's message only",
         "a case-schema field", "a changed function", "an identical copy"]


def _counting(comparer):
    """Counts, on the comparer's staged plan, the cases that went past the first stage."""
    st = comparer.staged
    seen = {"cases": 0, "second": 0}
    reached = st._reached

    def counted(xp, xf):
        out = reached(xp, xf)
        seen["cases"] += 1
        seen["second"] += bool(out)
        return out
    st._reached = counted
    return seen


@pytest.mark.parametrize("pair", PAIRS)
def test_the_cut_off_and_the_shared_inputs_report_what_the_plain_cone_reports(corpus, pairs, pair, monkeypatch):
    old, new = (load_cached(Path(p)) for p in pairs[pair])
    records = list(iter_records(corpus[1]))
    staged = Comparer(old, new)
    assert staged.staged is not None        # no pair of real rule sets has two makers of one finding id
    seen = _counting(staged)
    expected = _report(Comparer(old, new, share=False), records)
    assert _report(staged, records) == expected == _report(Comparer(old, new, cone=False), records)
    if pair == "A/1 -> A/2":
        # most cases end after the first stage; some go on (a level or an audit time that changes)
        assert seen["cases"] > 300 and 0 < seen["second"] < seen["cases"] / 2, seen
    # without the cut-off, the shared inputs alone (plans.Plan) give the same
    monkeypatch.setattr(plans.Staged, "usable", staticmethod(lambda *a: False))
    shared = Comparer(old, new)
    assert shared.staged is None
    if pair == "A/1 -> A/2":
        assert shared.plan.shared is not None     # one revision hands the other the inputs they share
    assert _report(shared, records) == expected


@pytest.mark.parametrize("pair", ["A/1 -> A/2", "five stars from 96"])
def test_every_format_of_diff_cases_is_the_same_bytes(corpus, pairs, pair, monkeypatch, tmp_path):
    old, new = pairs[pair]
    formats = ("text", "md", "html", "json")

    def run(tag):
        out = {}
        for fmt in formats:
            target = tmp_path / f"{tag}.{fmt}"
            assert main(["diff", str(old), str(new), "--cases", str(corpus[1]), "--format", fmt,
                         "--workers", "1", "--lang", "en", "-o", str(target)]) == 0
            out[fmt] = target.read_bytes()
        return out
    now = run("staged")
    original = Comparer.__init__
    monkeypatch.setattr(Comparer, "__init__", lambda self, o, n, cone=True, share=True: original(self, o, n, cone, False))
    assert run("plain") == now


def test_a_finding_id_with_two_makers_is_not_cut_off():
    a2 = load_cached(A2)
    new, _, _ = clashing(a2)
    assert not plans.Staged.usable(a2, new, Cone(a2, new))
    assert plans.Staged.usable(a2, load_cached(A1), Cone(a2, load_cached(A1)))


# ------------------------------------------------------------------ hand-made: a small rule set of loans

def _loans(tmp: Path, name: str, edits=()) -> Path:
    folder = tmp / name / LOANS.name
    shutil.copytree(LOANS, folder)
    for file, old, new in edits:
        p = folder / file
        text = p.read_text(encoding="utf-8")
        assert text.count(old) == 1, (file, old)
        p.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _case(loans=(), events=(), kind="student", as_of="2026-03-01"):
    return {"as_of": as_of, "member": {"kind": kind, "joined_on": "2019-01-10"},
            "loans": [dict(x) for x in loans], "events": [dict(e) for e in events]}


ON_TIME = _case([{"borrowed_on": "2026-02-20"}])
LATE = _case([{"borrowed_on": "2025-09-01"}, {"borrowed_on": "2025-10-01", "returned_on": "2026-01-15"}])
QUIET = _case()
BLOCKED_40_DAYS = _case(events=[{"on": "2026-01-20", "type": "card_blocked"}])
BLOCKED_10_DAYS = _case(events=[{"on": "2026-02-19", "type": "card_blocked"}])
UNBLOCKED = _case(events=[{"on": "2025-11-01", "type": "card_blocked"}, {"on": "2025-11-05", "type": "fine_paid"}])


@pytest.mark.parametrize("name, edits, cases, past_first", [
    # a literal the fine reads: the fine differs only when it is over the new cap, and only then is the
    # tier (which reads the fine) computed again
    ("fine cap", [("policy.yaml", "{id: fine_cap, clause: \"2.2\", value: 10}", "{id: fine_cap, clause: \"2.2\", value: 5}")],
     [ON_TIME, QUIET, LATE, BLOCKED_40_DAYS], [False, False, True, False]),
    # the lapse a state machine reads: the card's story differs only for a card blocked now (its
    # deadline, or its state when blocked between the two lapses), and only then are the card's
    # readers (status, closing date) computed again
    ("block lapse", [("policy.yaml", "expr: '@\"P90D\"'", "expr: '@\"P30D\"'")],
     [QUIET, UNBLOCKED, BLOCKED_10_DAYS, BLOCKED_40_DAYS, LATE], [False, False, True, True, False]),
    # a reader of the machine changes (the same values written otherwise): the machine itself is never
    # handed over, the part revision computes it from what it is given
    ("card status", [("status.yaml", "expr: card.state", "expr: if card.state = \"closed\" then \"closed\" else card.state")],
     [QUIET, BLOCKED_10_DAYS, BLOCKED_40_DAYS, LATE], [False, False, False, False]),
    # a check's limit: a finding raised under one revision only
    ("item limit", [("policy.yaml", "assert: items_out <= loan_limits.max_items", "assert: items_out < loan_limits.max_items")],
     [QUIET, _case([{"borrowed_on": "2026-02-2%d" % i} for i in range(1, 6)]), ON_TIME], [False, False, False]),
])
def test_hand_made_cases_where_a_change_does_and_does_not_reach_past_the_first_stage(tmp_path, name, edits, cases,
                                                                                        past_first):
    old = load_cached(_loans(tmp_path, "old"))
    new = load_cached(_loans(tmp_path, "new", edits))
    staged, plain, full = Comparer(old, new), Comparer(old, new, share=False), Comparer(old, new, cone=False)
    assert staged.staged is not None and not staged.cone.whole
    seen = _counting(staged)
    answers = []
    for i, case in enumerate(cases):
        before = seen["second"]
        got = staged.compare(case)
        assert got == plain.compare(case) == full.compare(case), (name, i)
        assert (seen["second"] > before) == past_first[i], (name, i, got)
        answers.append(got)
    if name == "card status":
        assert "card" not in staged.staged.handed and all(a == ([], [], [], None) for a in answers)
    else:
        assert any(a[0] or a[1] or a[2] for a in answers), answers      # the pair changes something shown


@pytest.mark.parametrize("pair", ["A/1 -> A/2", "five stars from 96"])
def test_second_stages_made_ahead_are_every_one_a_corpus_needs(corpus, pairs, pair):
    # what forked workers inherit (executors.run_local): none of them generates a stage of its own
    old, new = (load_cached(Path(p)) for p in pairs[pair])
    records = list(iter_records(corpus[1]))
    lazy, ahead = Comparer(old, new), Comparer(old, new)
    ahead.prepare()
    made = set(ahead.staged._second)
    assert made and len(made) <= plans.Staged.AHEAD
    assert _report(ahead, records) == _report(lazy, records)
    assert set(ahead.staged._second) == made and 0 < len(lazy.staged._second) and set(lazy.staged._second) <= made
