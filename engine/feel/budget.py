"""What one evaluation may build: a single budget shared by every expression it evaluates.

An evaluation (the engine makes one per case, see engine/evaluation.py) creates a Budget and hands
it to each expression it evaluates; loops, filters, ranges, paths over lists, deep equality and
every built-in that makes or walks lists or strings spend from it. So twenty rules of
`count(for i in 1..999999 return i)` share one million items, not one million each.

When a spend would go past the limit, FeelLimitError is raised (the expression's value becomes
null with a diagnostic) and the budget is marked spent: `reached` says which limit, so the
engine can say in the element's finding that the limit was reached. Calls of user-defined
functions take one level of `depth` each, so a runaway recursion stops with null too, and one of
`calls`, so a recursion that is shallow but wide (f(n-1) + f(n-1): 2^n calls) or a sort whose
comparator is a function stops too (a call costs about four loop items, hence its own limit).
"""
from __future__ import annotations

from .errors import FeelLimitError

MAX_ITEMS = 1_000_000        # list items built or visited, per evaluation
MAX_CHARS = 20_000_000       # characters of the strings built, per evaluation
MAX_CALL_DEPTH = 64          # user-defined function calls inside one another
MAX_CALLS = 100_000          # user-defined function calls, per evaluation


class Budget:
    __slots__ = ("items", "chars", "depth", "calls", "reached")

    def __init__(self, items: int = MAX_ITEMS, chars: int = MAX_CHARS, depth: int = MAX_CALL_DEPTH,
                 calls: int = MAX_CALLS):
        self.items = items
        self.chars = chars
        self.depth = depth
        self.calls = calls
        self.reached: str | None = None     # the first limit reached, in words

    def _over(self, what: str):
        if self.reached is None:
            self.reached = what
        self.items = 0          # the evaluation is over its budget: nothing more is built
        self.chars = 0
        raise FeelLimitError(f"the evaluation would handle {what}: its limit was reached")

    def spend(self, n: int) -> None:
        """Take n list items (built or visited)."""
        left = self.items - n
        if left < 0:
            self._over(f"more than {MAX_ITEMS} items")
        self.items = left

    def spend_chars(self, n: int) -> None:
        """Take n characters of a string about to be built."""
        left = self.chars - n
        if left < 0:
            self._over(f"more than {MAX_CHARS} characters of text")
        self.chars = left

    def enter(self) -> None:
        """One more user-defined function call in progress."""
        if self.depth <= 0:
            self._over(f"more than {MAX_CALL_DEPTH} function calls inside one another")
        if self.calls <= 0:
            self._over(f"more than {MAX_CALLS} function calls")
        self.calls -= 1
        self.depth -= 1

    def leave(self) -> None:
        self.depth += 1


def size_within(value, budget: Budget) -> None:
    """Spend one item per list item and context entry of `value`, nested ones included: a value
    that shares one big list many times (for .. return L) is only as cheap as its logical size
    allows. Raises FeelLimitError past the budget, without walking further."""
    # counted in a local and taken once at the end (or, past the budget, where it is passed: what
    # one spend per list or context would do), as this runs for every structured element value
    c = value.__class__
    if c is not list and c is not dict:
        return
    left = budget.items
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        if v.__class__ is dict:
            v = v.values()
        left -= len(v)
        if left < 0:
            budget.spend(budget.items - left)     # raises, saying which limit
        for x in v:
            c = x.__class__
            if c is list or c is dict:
                push(x)
    budget.items = left
