"""The typed syntax tree of an expression (what the parser builds from lark's tree).

Every node is a frozen dataclass whose `pos` (line, col, start, end inside the
expression text) is left out of comparisons, so `a == b` is structural equality
ignoring positions and whitespace: `ast_equal`. `dump` prints the canonical text.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Pos:
    line: int
    col: int
    start: int
    end: int


NOPOS = Pos(1, 1, 0, 0)


@dataclass(frozen=True)
class Node:
    pos: Pos = field(default=NOPOS, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Num(Node):
    value: Decimal


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Null(Node):
    pass


@dataclass(frozen=True)
class Temporal(Node):
    """@"2026-01-31" or @"P3Y": `value` is the parsed date/duration."""
    text: str
    value: Any


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class InputValue(Node):
    """`?` in a unary test: the value being tested."""


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Arith(Node):
    op: str            # + - * / **
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str            # = != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class And(Node):
    left: Node
    right: Node


@dataclass(frozen=True)
class Or(Node):
    left: Node
    right: Node


@dataclass(frozen=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True)
class UnaryCmp(Node):
    """`< 5` (op one of < <= > >= = !=): a simple positive unary test. As a test (a decision-table
    cell, the right of `in`) it compares the tested value with `operand`; as an expression,
    `(< 5)` is the range it describes: (null..5), [5..5] for `= 5` (DMN 1.5, 10.3.2.7)."""
    op: str
    operand: Node


@dataclass(frozen=True)
class In(Node):
    value: Node
    tests: tuple       # of Node (UnaryCmp or a value/range/list expression)


@dataclass(frozen=True)
class TypeRef(Node):
    """A type (grammar rule 54): `name` alone (number, date and time, Any, ...), or
    list<T> / range<T> (params=(T,)), context<k: T, ...> (fields), function<T, ...> -> R
    (params, result)."""
    name: str
    params: tuple = ()
    fields: tuple = ()          # of (key, TypeRef)
    result: "TypeRef | None" = None


@dataclass(frozen=True)
class InstanceOf(Node):
    value: Node
    type: TypeRef

    @property
    def type_name(self) -> str:
        return self.type.name


@dataclass(frozen=True)
class FunctionDef(Node):
    """function(a, b: number) body: a function value closing over the scope it is made in.
    `params` are (name, TypeRef or None); `external` (Java/PMML functions) is refused by the checker."""
    params: tuple
    body: Node
    external: bool = False


@dataclass(frozen=True)
class Invoke(Node):
    """target(args): calls the function value `target` evaluates to ((function(x) x)(1), {f: ..}.f(2)).
    A call through a plain name is a Call."""
    target: Node
    args: tuple
    named: tuple = ()


@dataclass(frozen=True)
class If(Node):
    cond: Node
    then: Node
    else_: Node


@dataclass(frozen=True)
class Iteration(Node):
    name: str
    domain: Node
    end: Node | None = None    # for i in 1..3: domain=1, end=3


@dataclass(frozen=True)
class For(Node):
    iterations: tuple
    body: Node


@dataclass(frozen=True)
class Quantified(Node):
    kind: str          # some | every
    iterations: tuple
    cond: Node


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple


@dataclass(frozen=True)
class RangeLit(Node):
    low: Node
    low_closed: bool
    high: Node
    high_closed: bool


@dataclass(frozen=True)
class ContextLit(Node):
    entries: tuple     # of (key, Node)


@dataclass(frozen=True)
class Path(Node):
    base: Node
    name: str


@dataclass(frozen=True)
class Filter(Node):
    base: Node
    cond: Node


@dataclass(frozen=True)
class Call(Node):
    """name(args): a built-in or registered function, unless `name` is bound inside the
    expression (a function parameter, a context entry, a loop variable) or is not a registered
    function: then the call invokes the function value the name holds."""
    name: str
    args: tuple        # positional Nodes
    named: tuple = ()  # of (param name, Node); a call has either args or named


@dataclass(frozen=True)
class UnaryTests(Node):
    """A decision-table cell: tests joined by commas (any may match), maybe negated."""
    tests: tuple
    negated: bool = False


@dataclass(frozen=True)
class AnyInput(Node):
    """`-` in a decision-table cell: matches anything."""


def children(node: Node):
    """The direct child nodes, in source order."""
    for f in fields(node):
        if f.name == "pos":
            continue
        v = getattr(node, f.name)
        if isinstance(v, Node):
            yield v
        elif isinstance(v, tuple):
            for item in v:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (x for x in item if isinstance(x, Node))


def transform(node, fn):
    """The tree rebuilt bottom-up with fn applied to every node (fn returns the node or a replacement)."""
    if isinstance(node, tuple):
        return tuple(transform(x, fn) for x in node)
    if not isinstance(node, Node):
        return node
    changes = {}
    for f in fields(node):
        if f.name == "pos":
            continue
        v = getattr(node, f.name)
        nv = transform(v, fn)
        if nv is not v and nv != v:
            changes[f.name] = nv
    if changes:
        node = replace(node, **changes)
    return fn(node)


def walk(node: Node):
    """Every node of the tree, depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(n))))


def ast_equal(a: Node, b: Node) -> bool:
    """Same structure and values, whatever the positions and whitespace."""
    return a == b


def dump(node: Node) -> str:
    """Canonical text: fully parenthesised, single spaces, numbers as written by Decimal."""
    from .values import feel_repr
    d = dump
    match node:
        case Num(value=v) | Str(value=v) | Bool(value=v):
            return feel_repr(v)
        case Null():
            return "null"
        case Temporal(text=t):
            return '@"' + t + '"'
        case Name(name=n):
            return n
        case InputValue():
            return "?"
        case AnyInput():
            return "-"
        case Neg(operand=o):
            return f"(-{d(o)})"
        case Arith(op=op, left=l, right=r) | Compare(op=op, left=l, right=r):
            return f"({d(l)} {op} {d(r)})"
        case And(left=l, right=r):
            return f"({d(l)} and {d(r)})"
        case Or(left=l, right=r):
            return f"({d(l)} or {d(r)})"
        case Between(value=v, low=lo, high=hi):
            return f"({d(v)} between {d(lo)} and {d(hi)})"
        case UnaryCmp(op=op, operand=o):
            return f"{op} {d(o)}"
        case In(value=v, tests=ts):
            return f"({d(v)} in ({', '.join(d(t) for t in ts)}))"
        case InstanceOf(value=v, type=t):
            return f"({d(v)} instance of {d(t)})"
        case TypeRef(name=n, params=ps, fields=fs, result=r):
            if r is not None:
                return f"function<{', '.join(d(x) for x in ps)}> -> {d(r)}"
            if fs:
                return f"{n}<" + ", ".join(f"{k}: {d(t)}" for k, t in fs) + ">"
            return f"{n}<{d(ps[0])}>" if ps else n
        case FunctionDef(params=ps, body=b, external=ext):
            inner = ", ".join(k + (f": {d(t)}" if t is not None else "") for k, t in ps)
            return f"(function({inner}) {'external ' if ext else ''}{d(b)})"
        case Invoke(target=t, args=a, named=nm):
            inner = ", ".join([d(x) for x in a] + [f"{k}: {d(v)}" for k, v in nm])
            return f"({d(t)})({inner})"
        case If(cond=c, then=t, else_=e):
            return f"(if {d(c)} then {d(t)} else {d(e)})"
        case Iteration(name=n, domain=dom, end=end):
            return f"{n} in {d(dom)}" + (f"..{d(end)}" if end is not None else "")
        case For(iterations=its, body=b):
            return f"(for {', '.join(d(i) for i in its)} return {d(b)})"
        case Quantified(kind=k, iterations=its, cond=c):
            return f"({k} {', '.join(d(i) for i in its)} satisfies {d(c)})"
        case ListLit(items=items):
            return "[" + ", ".join(d(i) for i in items) + "]"
        case RangeLit(low=lo, low_closed=lc, high=hi, high_closed=hc):
            return ("[" if lc else "(") + f"{d(lo)}..{d(hi)}" + ("]" if hc else ")")
        case ContextLit(entries=es):
            return "{" + ", ".join(f"{feel_repr(k)}: {d(v)}" for k, v in es) + "}"
        case Path(base=b, name=n):
            return f"{d(b)}.{n}"
        case Filter(base=b, cond=c):
            return f"{d(b)}[{d(c)}]"
        case Call(name=n, args=a, named=nm):
            inner = ", ".join([d(x) for x in a] + [f"{k}: {d(v)}" for k, v in nm])
            return f"{n}({inner})"
        case UnaryTests(tests=ts, negated=neg):
            inner = ", ".join(d(t) for t in ts)
            return f"not({inner})" if neg else inner
    raise TypeError(f"cannot dump {type(node).__name__}")
