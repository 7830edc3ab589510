"""engine/codegen/writer.py `share_temporaries`: temporaries that live in one element's block share
names across blocks, so a fused function over a whole rule set keeps a frame small enough for one
stack chunk; the code must compute exactly what it computed with a fresh name per temporary."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.codegen import writer
from engine.codegen.program import Program, compile_module, generate
from engine.ruleset import function_registry, load_ruleset
from engine.yamlio import load_file, parse_json

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"


def test_a_temporary_of_one_block_is_renamed_and_one_of_two_blocks_is_kept():
    lines = [
        "# element 1",
        "t1 = 1",
        "t2 = t1 + 1",
        "e3 = t2",
        "# element 2",
        "t4 = e3 * 2",
        "e5 = t4 + t2",        # t2 read here too: it is not the first block's alone
        "# element 3",
        "t6 = 't1 t4 \\u0074' + str(t6b) if False else 't9'",
    ]
    out = writer.share_temporaries(lines)
    assert out[1] == "u0 = 1" and out[2] == "t2 = u0 + 1"      # t1 renamed, t2 kept
    assert out[5] == "u0 = e3 * 2" and out[6] == "e5 = u0 + t2"  # the next block counts from 0 again
    assert out[8] == "u0 = 't1 t4 \\u0074' + str(t6b) if False else 't9'"   # strings and other names untouched
    assert [line for line in out if line.startswith("#")] == [line for line in lines if line.startswith("#")]


def test_no_generated_name_begins_with_the_shared_prefix():
    with pytest.raises(AssertionError):
        writer.Names().new("u")


def _runner(rs, traced: bool, share: bool, monkeypatch):
    if not share:
        monkeypatch.setattr(writer, "share_temporaries", lambda lines, keep=frozenset(): lines)
    try:
        plain = compile_module(rs, function_registry())
        code = compile_module(rs, function_registry(), traced=True) if traced else None
    finally:
        monkeypatch.undo()
    program = Program(rs, plain, function_registry(), code)
    return program, (lambda env: program.run(env, traced))


@pytest.mark.parametrize("traced", [False, True], ids=["trace off", "trace on"])
def test_a2_computes_the_same_with_shared_names(traced, monkeypatch):
    from engine.corpus import generate_cases
    rs = load_ruleset(A2)
    cases = [load_file(p).data for p in sorted((REPO / "examples" / "cases").glob("*.yaml"))]
    cases += [parse_json(line).data["case"] for line in generate_cases(rs, 300, 41)]
    program, shared = _runner(rs, traced, True, monkeypatch)
    _, fresh = _runner(rs, traced, False, monkeypatch)
    compared = 0
    for case in cases:
        try:
            env = program.prepare(case)
        except Exception:
            continue
        assert repr(shared(dict(env))) == repr(fresh(dict(env)))
        compared += 1
    assert compared >= 300


def test_the_fused_functions_frames_fit_one_stack_chunk():
    """CPython 3.11's frame-stack chunk is 16 KB (8 bytes a local): before sharing, A/2's traced
    function had 2,247 locals and paid a chunk of its own, mapped and unmapped, on every call."""
    rs = load_ruleset(A2)
    for traced in (False, True):
        code = compile(generate(rs, function_registry(), traced=traced), "<test>", "exec")
        fn = next(c for c in code.co_consts if getattr(c, "co_name", "").startswith("run"))
        assert (fn.co_nlocals + fn.co_stacksize) * 8 < 12 * 1024, (traced, fn.co_nlocals)
