"""engine/record.py: the classes written without @dataclass behave as the dataclasses they stand for
(repr, eq, hash, order, immutability, pickling), held here to dataclasses made with the same fields."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal

import pytest

from engine.errors import Problem, ProblemList
from engine.feel.temporal import DateTime, Time
from engine.feel.values import DaysDuration, Range, YearsMonthsDuration
from engine.record import Frozen, Ordered, Record

FROZEN = [(Problem, ("m", "f.yaml", 3, 4, "a.b", "warning", "x")), (Time, (10, 30, Decimal("1.5"), 3600, None)),
          (DateTime, (__import__("datetime").date(2026, 1, 31), 1, 2, Decimal(3), None, "Asia/Shanghai")),
          (Range, (Decimal(1), True, None, False))]
ORDERED = [(YearsMonthsDuration, (14,)), (DaysDuration, (Decimal("86400.5"),))]


def twin(cls, **options):
    """The dataclass with cls's fields, as the classes were before."""
    return dataclasses.make_dataclass(cls.__name__, list(cls.__match_args__), **options)


@pytest.mark.parametrize("cls, args", FROZEN + ORDERED)
def test_a_frozen_record_is_its_frozen_dataclass(cls, args):
    value, ref = cls(*args), twin(cls, frozen=True)(*args)
    assert repr(value) == repr(ref).replace(ref.__class__.__qualname__, cls.__qualname__)
    assert value == cls(*args) and hash(value) == hash(ref) and value != ref
    assert pickle.loads(pickle.dumps(value)) == value and copy.deepcopy(value) == value
    with pytest.raises(AttributeError):
        setattr(value, cls.__match_args__[0], None)
    with pytest.raises(AttributeError):
        delattr(value, cls.__match_args__[0])
    assert {value: 1}[cls(*args)] == 1


@pytest.mark.parametrize("cls, args", ORDERED)
def test_an_ordered_record_orders_as_its_dataclass(cls, args):
    ref = twin(cls, frozen=True, order=True)
    small, big = args[0] - 1, args[0]
    assert (cls(small) < cls(big), cls(big) <= cls(big), cls(big) > cls(small), cls(small) >= cls(big)) == \
        (ref(small) < ref(big), ref(big) <= ref(big), ref(big) > ref(small), ref(small) >= ref(big))
    with pytest.raises(TypeError):
        cls(small) < YearsMonthsDuration(1) if cls is DaysDuration else cls(small) < DaysDuration(Decimal(1))


def test_a_plain_record_compares_but_is_not_hashed():
    a, b = ProblemList(), ProblemList()
    assert a == b and repr(a) == "ProblemList(items=[])"
    a.add("m")
    assert a != b and a.items[0] == Problem("m")
    with pytest.raises(TypeError):
        hash(a)


def test_a_record_of_no_field_and_of_one():
    class Empty(Frozen):
        __slots__ = __match_args__ = ()

    class One(Ordered):
        __slots__ = __match_args__ = ("x",)

        def __init__(self, x):
            object.__setattr__(self, "x", x)
    assert repr(Empty()) == "test_a_record_of_no_field_and_of_one.<locals>.Empty()" and Empty() == Empty()
    assert One(1) < One(2) and hash(One(1)) == hash((1,)) and One(1)._fields() == (1,)
    assert not issubclass(Frozen, dict) and Record.__hash__ is None
