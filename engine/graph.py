"""The graph of references between elements: evaluation order, and the cycles that forbid one."""
from __future__ import annotations


def order(elements: dict) -> tuple[list[str], list[list[str]]]:
    """Topological order of element ids (stable: file order among independents) and any cycles found."""
    deps = {eid: sorted(el.reads & elements.keys() - {eid}) for eid, el in elements.items()}
    self_refs = [[eid, eid] for eid, el in elements.items() if eid in el.reads]
    done: list[str] = []
    state: dict[str, int] = {}   # 1 = on the stack, 2 = done
    cycles: list[list[str]] = list(self_refs)
    for root in elements:
        if state.get(root):
            continue
        stack = [(root, iter(deps[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
                done.append(node)
                continue
            s = state.get(nxt)
            if s == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif not s:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(deps[nxt])))
    return done, cycles

