"""What a value can be at run time: the set of Python classes it may have, known while generating.

A kind is sound or it is `ANY`: generated code drops a check only when the kind proves it cannot fail
(a number field of a validated case is a Decimal or null; `count(x)` is a Decimal or null; a
comparison is true, false or null). Kinds come from literals, from the case schema (as the case is
validated and converted by prepare), and from what each generated operation can return.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal

from ..feel.temporal import DateTime, Time
from ..feel.values import DaysDuration, Range, YearsMonthsDuration

NoneType = type(None)
_NOCONST = object()
VALUE_CLASSES = frozenset({NoneType, bool, Decimal, str, _dt.date, Time, DateTime, YearsMonthsDuration,
                           DaysDuration, Range, list, dict})


@dataclass(frozen=True, eq=False)
class Kind:
    classes: frozenset | None = None     # None: anything
    const: object = _NOCONST
    fields: dict | None = None           # a context's known entries: key -> Kind
    closed: bool = False                 # ... and it has no others
    item: "Kind | None" = None           # a list's items (None: anything)
    complete: bool = False               # a closed context that has every one of its fields

    @property
    def is_const(self) -> bool:
        return self.const is not _NOCONST

    def only(self, *classes) -> bool:
        """The value is certainly one of `classes`."""
        return self.classes is not None and self.classes <= frozenset(classes)

    def may(self, cls) -> bool:
        return self.classes is None or cls in self.classes

    def with_null(self) -> "Kind":
        if self.classes is None or NoneType in self.classes:
            return Kind(self.classes, fields=self.fields, closed=self.closed, item=self.item, complete=self.complete)
        return Kind(self.classes | {NoneType}, fields=self.fields, closed=self.closed, item=self.item,
                    complete=self.complete)

    def without_null(self) -> "Kind":
        if self.classes is None:
            return self
        return Kind(self.classes - {NoneType}, fields=self.fields, closed=self.closed, item=self.item,
                    complete=self.complete)

    def field(self, name: str) -> "Kind":
        """The kind of `v.name` when v is a context of this kind (null when the entry is missing)."""
        if self.fields is not None and name in self.fields:
            return self.fields[name].with_null()
        if self.closed and self.fields is not None:
            return NULL
        return ANY


ANY = Kind()
NEVER = Kind(frozenset())
NULL = Kind(frozenset({NoneType}), const=None)
BOOL = Kind(frozenset({bool}))
BOOL_OR_NULL = Kind(frozenset({bool, NoneType}))
NUMBER_OR_NULL = Kind(frozenset({Decimal, NoneType}))
STRING_OR_NULL = Kind(frozenset({str, NoneType}))
DATE_OR_NULL = Kind(frozenset({_dt.date, NoneType}))
LIST_OR_NULL = Kind(frozenset({list, NoneType}))
DICT_OR_NULL = Kind(frozenset({dict, NoneType}))


def of(*classes, item=None, fields=None, closed=False, complete=False) -> Kind:
    return Kind(frozenset(classes), item=item, fields=fields, closed=closed, complete=complete)


def const(value) -> Kind:
    cls = value.__class__
    if cls in VALUE_CLASSES:
        item = None
        if cls is list:
            item = NEVER
            for v in value:
                item = union(item, const(v))
        fields = {k: const(v) for k, v in value.items()} if cls is dict else None
        return Kind(frozenset({cls}), const=value, item=item, fields=fields, closed=cls is dict,
                    complete=cls is dict)
    return ANY


def of_value(value) -> Kind:
    """The kind of a value known while generating that is not written as a constant (its classes only,
    with its entries' and items' kinds)."""
    cls = value.__class__
    if cls not in VALUE_CLASSES:
        return ANY
    if cls is list:
        item = NEVER
        for v in value:
            item = union(item, of_value(v))
        return Kind(frozenset({list}), item=item)
    if cls is dict:
        return Kind(frozenset({dict}), fields={k: of_value(v) for k, v in value.items()}, closed=True,
                    complete=True)
    return Kind(frozenset({cls}))


def union(a: Kind, b: Kind) -> Kind:
    if a.classes is None or b.classes is None:
        return ANY
    if not a.classes:
        return b if not b.is_const else Kind(b.classes, fields=b.fields, closed=b.closed, item=b.item,
                                             complete=b.complete)
    if not b.classes:
        return union(b, a)
    item = None
    if list in a.classes or list in b.classes:
        ia = a.item if list in a.classes else NEVER
        ib = b.item if list in b.classes else NEVER
        item = None if ia is None or ib is None else union(ia, ib)
    fields, closed, complete = None, False, False
    if dict in a.classes and dict in b.classes:
        if a.fields is not None and b.fields is not None:
            keys = list(a.fields) + [k for k in b.fields if k not in a.fields]
            closed = a.closed and b.closed
            complete = a.complete and b.complete and list(a.fields) == list(b.fields)
            fields = {}
            for k in keys:
                ka = a.fields.get(k, NULL if a.closed else ANY)
                kb = b.fields.get(k, NULL if b.closed else ANY)
                fields[k] = union(ka, kb)
    elif dict in a.classes:
        fields, closed, complete = a.fields, a.closed, a.complete
    elif dict in b.classes:
        fields, closed, complete = b.fields, b.closed, b.complete
    return Kind(a.classes | b.classes, item=item, fields=fields, closed=closed, complete=complete)


# ------------------------------------------------------------------ from the case schema

_JSON_TYPES = {"null": NoneType, "boolean": bool, "integer": Decimal, "number": Decimal, "string": str,
               "array": list, "object": dict}
_UNTYPED = ("allOf", "anyOf", "oneOf", "not", "$ref", "$dynamicRef", "if", "const")


def from_schema(schema) -> Kind:
    """The kind of a value that the case schema node accepts, once prepare has converted it
    (numbers become Decimals, `format: date` strings dates)."""
    if not isinstance(schema, dict):
        return ANY
    t = schema.get("type")
    types = [t] if isinstance(t, str) else list(t) if isinstance(t, list) else None
    if types is None:
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(m, str) for m in enum) \
                and not any(k in schema for k in _UNTYPED):
            return Kind(frozenset({_dt.date if schema.get("format") == "date" else str}))
        return ANY
    if not all(isinstance(x, str) and x in _JSON_TYPES for x in types):
        return ANY
    classes = set()
    for x in types:
        cls = _JSON_TYPES[x]
        if cls is str and schema.get("format") == "date":
            cls = _dt.date
        classes.add(cls)
    item = None
    if list in classes:
        items = schema.get("items")
        item = from_schema(items) if isinstance(items, dict) else ANY
    fields, closed = None, False
    if dict in classes:
        props = schema.get("properties")
        if isinstance(props, dict):
            fields = {k: from_schema(v) for k, v in props.items()}
            closed = schema.get("additionalProperties", True) is False
    return Kind(frozenset(classes), item=item, fields=fields, closed=closed)
