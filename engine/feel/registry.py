"""FunctionRegistry: the one way to add functions without touching the grammar.

    reg = default_registry()                 # the built-ins, plus room for more
    reg.register("add working days", add_working_days, params=["date", "n"],
                 doc="date plus n working days", returns="date")
    ce = compile_expr('add working days(start, 5)', functions=reg)

A function receives FEEL values (Decimal, str, bool, None, date, durations, list,
dict) positionally, in the order of `params`, and returns a FEEL value. When it
cannot, it raises FeelEvalError("plain reason"): the call's value becomes null
and the reason, with the call's text and line:col, goes to the diagnostics.

`params` lists parameter names (they may contain spaces: "start position");
a trailing "?" marks an optional parameter, a leading "*" a variadic one.
Several signatures are given as a list of lists (`date(from)` / `date(year,
month, day)`). Unless `nulls=True`, a null argument makes the result null
without calling the function (FEEL's null propagation). A function that builds
lists or strings from its arguments takes `spends=True` and receives the
evaluation's Budget as the keyword argument `budget` (see budget.py).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from ..record import Frozen

_ids = itertools.count(1)


class Signature(Frozen):
    __slots__ = __match_args__ = ("params", "required", "variadic")

    def __init__(self, params: tuple[str, ...], required: int, variadic: bool):
        object.__setattr__(self, "params", params)          # names without the ? / * markers
        object.__setattr__(self, "required", required)      # how many leading params are required
        object.__setattr__(self, "variadic", variadic)      # the last param takes any number of values

    @classmethod
    def parse(cls, spec: Sequence[str]) -> "Signature":
        names, required, variadic = [], 0, False
        for i, p in enumerate(spec):
            if p.startswith("*"):
                if i != len(spec) - 1:
                    raise ValueError("only the last parameter can be variadic")
                variadic = True
                p = p[1:]
            elif p.endswith("?"):
                p = p[:-1]
            else:
                if required != i:
                    raise ValueError("required parameters must come before optional ones")
                required += 1
            names.append(" ".join(p.split()))
        return cls(tuple(names), required, variadic)

    def accepts(self, n: int) -> bool:
        return n >= self.required and (self.variadic or n <= len(self.params))

    def describe(self) -> str:
        out = []
        for i, p in enumerate(self.params):
            if self.variadic and i == len(self.params) - 1:
                out.append(p + "...")
            elif i >= self.required:
                out.append(f"[{p}]")
            else:
                out.append(p)
        return ", ".join(out)


class FunctionSpec(Frozen):
    __slots__ = __match_args__ = ("name", "fn", "signatures", "doc", "returns", "nulls", "list_or_args", "spends",
                                  "walks")

    def __init__(self, name: str, fn: Callable, signatures: tuple[Signature, ...], doc: str = "",
                 returns: object = None, nulls: bool = False, list_or_args: bool = False, spends: bool = False,
                 walks: bool = True):
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "fn", fn)                      # or, for a function whose signatures differ in meaning, one per signature
        set_(self, "signatures", signatures)
        set_(self, "doc", doc)
        set_(self, "returns", returns)            # static type of the result (see checker.py), None = any
        set_(self, "nulls", nulls)                # receives null arguments instead of propagating null
        set_(self, "list_or_args", list_or_args)  # min(list) or min(a, b, c): one list argument is the list
        set_(self, "spends", spends)              # builds lists or strings: receives the evaluation's Budget as `budget=`
        set_(self, "walks", walks)                # walks its list arguments (each item is paid for); count() does not

    def function_for(self, signature: int) -> Callable:
        return self.fn[signature] if isinstance(self.fn, (list, tuple)) else self.fn

    def arity_text(self) -> str:
        return " or ".join(f"{self.name}({s.describe()})" for s in self.signatures)


class FunctionRegistry:
    """Named functions an expression may call. Built-ins live in BUILTINS (frozen);
    `default_registry()` gives a registry that starts with them and accepts more."""

    def __init__(self, base: "FunctionRegistry | None" = None, frozen: bool = False):
        self._fns: dict[str, FunctionSpec] = dict(base._fns) if base else {}
        self._frozen = False
        self.version = (next(_ids), 0)        # part of the compile cache key
        self._frozen = frozen

    def register(self, name: str, fn: Callable, params: Sequence = (), doc: str = "",
                 returns=None, nulls: bool = False, list_or_args: bool = False, spends: bool = False,
                 walks: bool = True) -> None:
        if self._frozen:
            raise RuntimeError("BUILTINS is frozen: register on default_registry() instead")
        name = " ".join(name.split())
        if not name or name.startswith("_") or not all(w.isidentifier() for w in name.split()):
            raise ValueError(f"bad function name {name!r}: words of letters, digits and _")
        specs = params if params and not isinstance(params[0], str) else [params]
        sigs = tuple(Signature.parse(list(s)) for s in specs)
        self._fns[name] = FunctionSpec(name, fn, sigs, doc, returns, nulls, list_or_args, spends, walks)
        self.version = (self.version[0], self.version[1] + 1)

    def get(self, name: str) -> FunctionSpec | None:
        return self._fns.get(name)

    def names(self) -> list[str]:
        return list(self._fns)

    def multiword_names(self) -> frozenset:
        """Function and parameter names with spaces (the tokenizer keeps them whole)."""
        out = set()
        for spec in self._fns.values():
            if " " in spec.name:
                out.add(spec.name)
            for sig in spec.signatures:
                out.update(p for p in sig.params if " " in p)
        return frozenset(out)

    def __contains__(self, name: str) -> bool:
        return name in self._fns

    def docs(self) -> list[tuple[str, str]]:
        """(signature, doc) of every function, for `certrules expr --help`-style listings."""
        return [(spec.arity_text(), spec.doc) for spec in self._fns.values()]
