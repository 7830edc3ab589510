"""Classes of named fields with the methods @dataclass would write (repr, eq; hash, immutability and
pickling by fields when frozen; order when ordered), made from the field names a class lists in
`__match_args__`.

The modules a cold `certrules eval` imports use these instead of dataclasses: importing dataclasses
(which imports inspect, ast, dis and tokenize) and building a dozen classes with it cost about a tenth
of that command's time. Each class writes its own `__init__` (the fields, their defaults, and for a
frozen one `object.__setattr__`), so making a value costs what a dataclass's does.
"""
from __future__ import annotations

from operator import attrgetter


class Record:
    """repr and eq over the fields named in __match_args__; no hash (as a dataclass with eq)."""
    __slots__ = ()
    __match_args__: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        names = cls.__match_args__
        if len(names) == 1:
            one = attrgetter(names[0])
            cls._get = staticmethod(lambda value: (one(value),))
        elif names:
            cls._get = staticmethod(attrgetter(*names))

    @staticmethod
    def _get(value) -> tuple:
        return ()

    def _fields(self) -> tuple:
        return self._get(self)

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}(" + ", ".join(
            f"{name}={value!r}" for name, value in zip(self.__match_args__, self._fields())) + ")"

    def __eq__(self, other):
        return self._fields() == other._fields() if other.__class__ is self.__class__ else NotImplemented

    __hash__ = None


def _frozen(self, name, *value):
    raise AttributeError(f"cannot {'assign to' if value else 'delete'} field {name!r}")


class Frozen(Record):
    """A Record whose fields are set once, by __init__ (with object.__setattr__): hashed and pickled by
    its fields. Assigning raises AttributeError (a frozen dataclass's FrozenInstanceError is one)."""
    __slots__ = ()
    __setattr__ = __delattr__ = _frozen

    def __hash__(self):
        return hash(self._fields())

    def __reduce__(self):
        return self.__class__, self._fields()


class Ordered(Frozen):
    """A Frozen record ordered by its fields in turn, against records of its own class only."""
    __slots__ = ()

    def __lt__(self, other):
        return self._fields() < other._fields() if other.__class__ is self.__class__ else NotImplemented

    def __le__(self, other):
        return self._fields() <= other._fields() if other.__class__ is self.__class__ else NotImplemented

    def __gt__(self, other):
        return self._fields() > other._fields() if other.__class__ is self.__class__ else NotImplemented

    def __ge__(self, other):
        return self._fields() >= other._fields() if other.__class__ is self.__class__ else NotImplemented
