"""Loops' fast paths (engine/codegen/expr.py) give what the general path gives.

A loop over `a..b` with whole constant ends from 1 up carries the number's int beside it, for a list's
index and a substring's position; the same loop over the written list of those numbers takes the general
path (its variable's int is not known), and both must agree, for the common case, past the ends, and for
nulls and wrong kinds. Without diagnostics (trace off) a field read from a name the loop does not bind is
read once before it: run over every case below with and without that, the values are the same."""
from decimal import Decimal

import pytest

from engine.feel.builtins import BUILTINS
from feel_helpers import run


def D(x):
    return Decimal(str(x))


def _both(body, env, n=5):
    """The loop over 1..n and over the list [1, ..., n] (the general path): (value, diagnostics) each."""
    written = f"[{', '.join(str(k) for k in range(1, n + 1))}]"
    fast = run(f"for i in {f'1..{n}':{len(written)}} return {body}", env)     # padded: the same positions
    general = run(f"for i in {written} return {body}", env)
    return fast, general


@pytest.mark.parametrize("xs", [[D(10), D(20), D(30)], [], [D(1)], None, "abc", D(7), [None, "a", [D(1)]]])
def test_an_index_by_the_loops_int_is_the_general_index(xs):
    fast, general = _both("xs[i]", {"xs": xs})
    assert fast == general
    if isinstance(xs, list) and len(xs) == 3:
        assert fast[0][:3] == xs and fast[0][3:] == [None, None]
        assert len(fast[1]) == 2 and "outside the list of 3 items" in fast[1][0]


@pytest.mark.parametrize("s", ["abc", "", "a", "\u4e2d\u6587x", None, D(12), ["a"]])
@pytest.mark.parametrize("length", ["0", "1", "2", "3"])
def test_a_substring_at_the_loops_int_is_the_general_substring(s, length):
    fast, general = _both(f"substring(s, i, {length})", {"s": s})
    assert fast == general
    if s == "abc":
        # a length of 0 is outside [1..E] (DMN 1.5, Table 74, footnote 1): null
        assert fast[0][0] == ("abc"[:int(length)] if int(length) else None)


def test_a_loop_counting_down_or_from_zero_or_not_whole_takes_the_general_path():
    env = {"xs": [D(10), D(20), D(30)], "s": "abc"}
    assert run("for i in 3..1 return xs[i]", env) == ([D(30), D(20), D(10)], [])
    value, diags = run("for i in 0..2 return xs[i]", env)
    assert value == [None, D(10), D(20)] and len(diags) == 1
    assert run("for i in -1..1 return substring(s, i, 1)", env)[0] == ["c", None, "a"]
    assert run("every i in 1..3 satisfies substring(s, i, 1) != \"\"", env) == (True, [])
    # past the end the start is outside [-L..L] (DMN 1.5, Table 74, footnote 1): null, never ""
    value, diags = run("some i in 1..4 satisfies substring(s, i, 1) = \"\"", env)
    assert value is False and len(diags) == 1 and "start position 4" in diags[0]
    assert run("for i in 1.5..3 return i", env)[0] is None


def _trace_off(text, names):
    """The expression compiled without diagnostics (trace off), its names held in locals whose kind is
    'a context or null' (as a rule set's case fields are): f(env) -> value."""
    from engine.codegen import kinds as K
    from engine.codegen.expr import Emitter, StaticFrame, Val
    from engine.codegen.kinds import NoneType
    from engine.codegen.module import namespace, run as run_module
    from engine.codegen.writer import Literals, Names, Writer
    from engine.feel import compile_expr
    ast = compile_expr(text).ast
    functions = BUILTINS
    ns_names = Names()
    lits = Literals(ns_names)
    body = Writer(ns_names)
    body.level = 2
    em = Emitter(body, lits, text, functions, diag="off", builtins=BUILTINS)
    frame = StaticFrame({n: Val(f"v_{n}", K.of(dict, NoneType)) for n in names})
    v = em.emit(ast, frame)
    lines = list(lits.defs) + ["def f(env):", "    BG = _Budget()"]
    lines += [f"    v_{n} = env[{n!r}]" for n in names]
    lines += ["    try:"] + body.lines + [f"        return {v.src}", "    except _Stop:", "        return None"]
    source = "\n".join(lines) + "\n"
    return run_module(source, namespace(functions))["f"], source


@pytest.mark.parametrize("org", [{"id": "abc"}, {"id": None}, {"id": D(3)}, {}, None, {"id": "abcdefgh"}])
def test_a_field_read_once_before_the_loop_is_what_each_iteration_read(org):
    from engine.feel import to_feel
    text = "for i in 1..4 return substring(org.id, i, 1) + string(count(for j in 1..i return org.id))"
    f, source = _trace_off(text, ["org"])
    assert source.count("v_org.get('id')") == 1          # read once, before the loops
    assert "enumerate(" in source and "_substring_at(" not in source      # the int positions
    env = to_feel({"org": org})
    assert f(env) == run(text, {"org": org})[0]


def test_a_field_of_a_name_bound_inside_the_loop_is_read_where_it_is_bound():
    from engine.feel import to_feel
    # `o` is the context's own entry, then an inner loop's variable: neither is the outer `o`
    text = "for i in 1..2 return {o: {id: i}, a: o.id, b: for o in [{id: 9}] return o.id, c: w.id}"
    f, source = _trace_off(text, ["o", "w"])
    env = {"o": {"id": "outer"}, "w": {"id": "w"}}
    assert f(to_feel(env)) == run(text, env)[0]
    assert run(text, env)[0][0] == {"o": {"id": D(1)}, "a": D(1), "b": [D(9)], "c": "w"}
    assert "v_o.get('id')" not in source and source.count("v_w.get('id')") == 1


def test_a_field_of_a_name_the_loop_binds_is_read_each_time():
    from engine.feel import to_feel
    text = "for o in w.orgs return o.id"
    f, _ = _trace_off(text, ["w"])
    w = {"orgs": [{"id": "a"}, {"id": "b"}]}
    assert f(to_feel({"w": w})) == run(text, {"w": w})[0] == ["a", "b"]


@pytest.mark.parametrize("n", [D(3), D(5), D(1), D(0), D(-2), D("2.5"), None, "3", D("1e20")])
@pytest.mark.parametrize("start", ["1", "2", "-1", "0"])
def test_an_end_known_when_it_runs_counts_the_ints_either_way(n, start):
    env = {"xs": [D(10), D(20), D(30)], "s": "abcd", "n": n}
    for body in ("xs[i]", "substring(s, i, 2)", "[xs[i], substring(s, i, 1)]"):
        fast = run(f"for i in {start}..n return {body}", env)
        if n.__class__ is Decimal and n == n.to_integral_value() and n < 100:
            k = int(start)
            numbers = range(k, int(n) + 1) if n >= k else range(k, int(n) - 1, -1)
            written = f"[{', '.join(str(i) for i in numbers)}]"
            general = run(f"for i in {written} return {body}", env)
            assert fast[0] == general[0]
            assert [d.split(" in ")[0] for d in fast[1]] == [d.split(" in ")[0] for d in general[1]]
        else:
            assert fast[0] is None and len(fast[1]) == 1


@pytest.mark.parametrize("org", [{"a": {"b": "xyz"}}, {"a": {"b": None}}, {"a": None}, {"a": {}}, {}, None])
def test_a_field_of_a_field_of_unknown_kind_is_read_each_time_from_the_part_read_once(org):
    from engine.feel import to_feel
    # org.a may be anything (its kind is not known): `.b` of it is the general path, in the loop
    text = "for i in 1..3 return substring(org.a.b, i, 1)"
    f, source = _trace_off(text, ["org"])
    assert source.count("v_org.get('a')") == 1
    assert f(to_feel({"org": org})) == run(text, {"org": org})[0]
