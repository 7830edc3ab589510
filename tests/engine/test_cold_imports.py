"""A cold `certrules eval` (issue 13: within 10x `python -c pass`) imports only what it uses: not
argparse (engine/cli `_plain_eval`), dataclasses or typing (engine/record.py), nor what they import.
And the classes of the cold path written without @dataclass behave as the dataclasses did, as code and
tests use them: constructor (defaults, a fresh list or set each), repr, eq, hash, order, frozen fields,
pickling (the rule set is pickled in the disk cache) and copying."""
from __future__ import annotations

import copy
import datetime
import io
import json
import os
import pickle
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine.decisions import DecisionRow
from engine.elements import Check, Element
from engine.errors import Problem, ProblemList
from engine.expressions import Scope
from engine.feel.registry import FunctionSpec, Signature
from engine.feel.temporal import DateTime, Time
from engine.feel.values import DaysDuration, Range, YearsMonthsDuration
from engine.loader import RuleSetSource
from engine.registry import Entry
from engine.ruleset import RuleSet
from engine.tables import TableRow

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"
NOT_IMPORTED = ("argparse", "dataclasses", "inspect", "typing", "ast", "dis", "tokenize", "shutil", "jsonschema",
                "lark", "jinja2")

PROBE = r"""
import io, json, sys
from engine.cli import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(sys.argv[1:])
sys.stdout = out
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_warm_cold_eval_imports_none_of_what_it_does_not_use(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    argv = ["eval", str(CASE), "--rulesets", str(REPO / "rulesets")]
    first = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, env=env, capture_output=True, text=True)
    assert json.loads(first.stdout)["code"] == 0, first.stderr     # fills the cache (compiling needs lark ...)
    warm = json.loads(subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, env=env, capture_output=True,
                                     text=True, check=True).stdout)
    assert warm["code"] == 0
    assert [m for m in NOT_IMPORTED if m in warm["modules"]] == []
    assert "engine.codegen.program" in warm["modules"]      # it did evaluate, from the cache


# ------------------------------------------------------------------ the value classes
# Each expected repr is what the dataclass made, copied from it before the class was written out.

D = datetime.date(2026, 12, 2)
VALUES = [
    (YearsMonthsDuration(14), "YearsMonthsDuration(months=14)"),
    (DaysDuration(Decimal("90.5")), "DaysDuration(seconds=Decimal('90.5'))"),
    (Range(Decimal(1), True, None, False), "Range(low=Decimal('1'), low_closed=True, high=None, high_closed=False)"),
    (Time(9, 30, Decimal("0.5"), 3600), "Time(hour=9, minute=30, second=Decimal('0.5'), offset=3600, zone=None)"),
    (Time(1, 2, Decimal(3), zone="Europe/Paris"),
     "Time(hour=1, minute=2, second=Decimal('3'), offset=None, zone='Europe/Paris')"),
    (DateTime(D, 9, 30, Decimal(0), None, "UTC"),
     "DateTime(date=datetime.date(2026, 12, 2), hour=9, minute=30, second=Decimal('0'), offset=None, zone='UTC')"),
    (Problem("bad", file="a.yaml", line=3),
     "Problem(message='bad', file='a.yaml', line=3, col=None, path=None, severity='error', detail=None)"),
    (Signature(("a", "b"), 1, False), "Signature(params=('a', 'b'), required=1, variadic=False)"),
    (Entry(Path("r"), "fam", "A", "1", "2026-01-01", "active", "p"),
     f"Entry(folder={Path('r')!r}, family='fam', code='A', revision='1', effective='2026-01-01', status='active', "
     "provenance='p', superseded_by=None)"),
]
FROZEN = [v for v, _ in VALUES]


@pytest.mark.parametrize("value,text", VALUES, ids=[type(v).__name__ for v, _ in VALUES])
def test_repr_is_the_dataclass_repr(value, text):
    assert repr(value) == text


@pytest.mark.parametrize("value", FROZEN, ids=lambda v: type(v).__name__)
def test_a_frozen_value_round_trips_and_hashes_by_its_fields(value):
    names = type(value).__match_args__
    for back in (pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)), pickle.loads(pickle.dumps(value, 0)),
                 copy.copy(value), copy.deepcopy(value)):
        assert type(back) is type(value) and back == value and not back != value
        assert hash(back) == hash(value) == hash(tuple(getattr(value, n) for n in names))
        assert repr(back) == repr(value)
    assert {value, copy.deepcopy(value)} == {value}
    with pytest.raises(AttributeError):
        setattr(value, names[0], getattr(value, names[0]))
    with pytest.raises(AttributeError):
        delattr(value, names[0])
    with pytest.raises(AttributeError):
        value.other = 1                     # (the slots dataclasses raised TypeError here: a CPython bug)
    assert (value == (getattr(value, names[0]),)) is False      # another class is never equal
    assert value.__eq__(object()) is NotImplemented


def test_values_differ_by_any_field():
    assert Time(9, 30, Decimal(0)) != Time(9, 30, Decimal(0), 0)
    assert Time(9, 30, Decimal(0), zone="UTC") != Time(9, 30, Decimal(0))
    assert DateTime(D, 9, 30, Decimal(0)) != DateTime(D, 9, 31, Decimal(0))
    assert Range(1, True, 5, False) != Range(1, True, 5, True)
    assert Problem("x") != Problem("x", severity="warning")
    assert Problem("x", line=2) == Problem("x", None, 2)
    assert Signature(("a",), 1, False) != Signature(("a",), 1, True)
    # a field of one class equal to that of another: still not equal (the dataclass compared classes)
    assert YearsMonthsDuration(0) != DaysDuration(0)


def test_durations_order_by_their_field_within_their_own_class():
    assert YearsMonthsDuration(1) < YearsMonthsDuration(2) <= YearsMonthsDuration(2)
    assert YearsMonthsDuration(3) > YearsMonthsDuration(2) >= YearsMonthsDuration(2)
    assert not YearsMonthsDuration(2) < YearsMonthsDuration(2)
    assert sorted([DaysDuration(Decimal(3)), DaysDuration(Decimal(-1)), DaysDuration(Decimal("1.5"))]) == \
        [DaysDuration(Decimal(-1)), DaysDuration(Decimal("1.5")), DaysDuration(Decimal(3))]
    for a, b in ((YearsMonthsDuration(1), DaysDuration(Decimal(1))), (YearsMonthsDuration(1), 1)):
        with pytest.raises(TypeError):
            a < b
        with pytest.raises(TypeError):
            a >= b
    with pytest.raises(TypeError):
        Time(1, 0, Decimal(0)) < Time(2, 0, Decimal(0))     # Time had no order (FEEL's is in feel/ops.py)


def test_signatures_are_the_dataclass_signatures():
    assert Time(1, 2, Decimal(3)) == Time(hour=1, minute=2, second=Decimal(3), offset=None, zone=None)
    assert DateTime(D, 1, 2, Decimal(3), 60) == DateTime(date=D, hour=1, minute=2, second=Decimal(3), offset=60)
    assert Range(low=1, low_closed=True, high=2, high_closed=True) == Range(1, True, 2, True)
    assert Problem("m", "f", 1, 2, "p", "warning", "d") == Problem(
        message="m", file="f", line=1, col=2, path="p", severity="warning", detail="d")
    spec = FunctionSpec("f", len, (Signature(("x",), 1, False),))
    assert (spec.doc, spec.returns, spec.nulls, spec.list_or_args, spec.spends, spec.walks) == \
        ("", None, False, False, False, True)
    assert pickle.loads(pickle.dumps(spec)) == spec and hash(spec) == hash(copy.copy(spec))
    with pytest.raises(TypeError):
        Time(1, 2)                          # second is required
    with pytest.raises(TypeError):
        YearsMonthsDuration()


# ------------------------------------------------------------------ the mutable records

def test_records_are_equal_by_fields_and_unhashable():
    rows = [TableRow(1, "r1", "k", None, {}, {}, None, None), DecisionRow(1, [], [], None, None, []),
            Scope({}, None), ProblemList([Problem("x")]), RuleSetSource(Path("x"))]
    assert [repr(r) for r in rows] == [
        "TableRow(number=1, id='r1', key_text='k', test=None, values={}, exprs={}, interpretation=None, note=None)",
        "DecisionRow(number=1, tests=[], outputs=[], clause=None, interpretation=None, cells=[])",
        "Scope(names={}, functions=None, inferred=frozenset())",
        "ProblemList(items=[Problem(message='x', file=None, line=None, col=None, path=None, severity='error', "
        "detail=None)])",
        f"RuleSetSource(root={Path('x')!r}, manifest=None, case_schema=None, modules=[], clause_map=None, "
        "problems=ProblemList(items=[]), digest='')",
    ]
    for r in rows:
        back = pickle.loads(pickle.dumps(r))
        assert back == r and copy.deepcopy(r) == r and repr(back) == repr(r)
        with pytest.raises(TypeError):
            hash(r)
        assert r.__eq__(object()) is NotImplemented
        with pytest.raises(AttributeError):
            r.other = 1                     # slots: nothing sets attributes besides the fields
    row = rows[0]
    row.note = "n"                          # not frozen
    assert row != TableRow(1, "r1", "k", None, {}, {}, None, None)


def test_default_lists_are_fresh_per_instance():
    a, b = ProblemList(), ProblemList()
    a.add("x")
    assert b.items == [] and a.items == [Problem("x")]
    s1, s2 = RuleSetSource(Path("x")), RuleSetSource(Path("x"))
    assert s1 == s2
    s1.modules.append(1)
    s1.problems.add("y")
    assert s2.modules == [] and s2.problems.items == []
    r1, r2 = (RuleSet(Path("x"), {}, {}, {}, []) for _ in range(2))
    assert r1 == r2 and r1.clause_map is not r2.clause_map and r1.warnings is not r2.warnings
    assert (r1.digest, r1.source) == ("", None)
    e1, e2 = (Check(id="c", clause="1", sf=None, path=(), raw={}) for _ in range(2))
    assert e1 == e2 and e1.reads is not e2.reads and e1.paths is not e2.paths
    e1.reads.add("x")
    assert e1 != e2 and e2.reads == set()
    assert e1 != Element(id="c", clause="1", sf=None, path=(), raw={}, reads={"x"})     # another class
    assert repr(e2) == ("Check(id='c', clause='1', sf=None, path=(), raw={}, title=None, text=None, "
                        "interpretation=None, reads=set(), paths=set(), places=None)")
    with pytest.raises(TypeError):
        hash(e1)


def test_a_cached_rule_set_keeps_its_records(tmp_path):
    """The rule set as the disk cache stores it: its source files, rows and problems come back equal."""
    from engine.codegen.cache import _Pickler, _Unpickler
    from engine.ruleset import function_registry, load_ruleset
    rs = load_ruleset(REPO / "rulesets" / "ZBC-SC-2025-A2")
    buf = io.BytesIO()
    _Pickler(buf, function_registry()).dump(rs)
    back = _Unpickler(io.BytesIO(buf.getvalue()), function_registry()).load()
    assert back.warnings == rs.warnings and back.order == rs.order
    assert back.source.digest == rs.source.digest and back.source.problems == rs.source.problems
    for el_id, el in rs.elements.items():
        other = back.elements[el_id]
        assert type(other) is type(el) and other.reads == el.reads and other.paths == el.paths
        assert other.sf.rel == el.sf.rel and other.location() == el.location()
        if hasattr(el, "rows"):         # tables' TableRow, decision tables' DecisionRow
            assert [(type(r), r.number) for r in other.rows] == [(type(r), r.number) for r in el.rows]
