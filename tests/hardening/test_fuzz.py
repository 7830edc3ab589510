"""Fuzzing with a fixed budget: random expressions, mutated rule files, mutated cases.

The only outcomes allowed are a result or one of our documented errors (engine.errors.CertrulesError,
engine.feel.FeelError at compile time); through the CLI, an exit code in {0..6} and never
'Traceback' or 'internal error'. Derandomized, so CI is deterministic. A longer run:

    CERTRULES_FUZZ_EXAMPLES=5000 python -m pytest tests/hardening/test_fuzz.py
"""
from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardening_support import EXAMPLES, LIBRARY, REPO

from engine.errors import CertrulesError
from engine.feel import FeelError, compile_expr
from engine.ruleset import function_registry, load_ruleset

BUDGET = int(os.environ.get("CERTRULES_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=BUDGET, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"

# ---------------------------------------------------------------- expressions

TOKENS = ["1", "0.5", "-3", "x", "y.a", '"t"', "null", "true", "date(\"2026-01-31\")", '@"P1D"', '@"P1Y"',
          "[1,2,3]", "{a: 1}", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "**", "=", "!=", "<", ">=",
          "and", "or", "not(", "if", "then", "else", "for", "i", "in", "return", "some", "every", "satisfies",
          "..", ",", ".", ":", "between", "instance of", "number", "sum(", "count(", "min(", "max(", "string(",
          "substring(", "matches(", "add working days(", "[x > 1]", "?", "-", "function", "\\", "'", "//", "/*",
          "__class__", "_", "1e9", "999999999999999999999999999999999999"]


def _evaluate(text):
    try:
        ce = compile_expr(text, names={"x": None, "y": None, "i": None}, functions=function_registry())
    except FeelError:
        return
    ce.evaluate({"x": None, "y": {"a": 1}, "i": None}, [])  # never raises for data problems


@FUZZ
@given(st.text(max_size=120))
def test_random_text_expressions(text):
    _evaluate(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map(" ".join))
def test_grammar_shaped_expressions(text):
    _evaluate(text)


# ---------------------------------------------------------------- rule files

def _source_rulesets():
    out = [LIBRARY]
    try:
        load_ruleset(A2)
        out.append(A2)
    except Exception:  # the A/2 rule set is being written: fuzz it once it loads
        pass
    return out


SOURCES = _source_rulesets()


def _mutate_data(data, draw):
    """Delete a key, change a type, or swap a string (often an expression) for garbage, somewhere."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
    walk(data, ())
    path = draw(st.sampled_from(paths[1:] or [()]))
    if not path:
        return data
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    action = draw(st.sampled_from(["delete", "type", "garbage", "dup-list"]))
    if action == "delete":
        del parent[key]
    elif action == "type":
        parent[key] = draw(st.sampled_from([None, 0, -1, 1.5, True, "x", [], {}, [1, "a"], {"id": 1}]))
    elif action == "garbage":
        parent[key] = draw(st.sampled_from(["(((", "1 +", "x.", "__class__", "for i in 1..1000000000000 return i",
                                            "{0.__class__}", "", "if then else", "unknown_thing", "min()",
                                            "date(\"2026-13-45\")", "'", "\u0000", "a" * 300]))
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    else:
        parent[key] = [parent[key], parent[key]]
    return data


@st.composite
def mutated_ruleset(draw):
    source = draw(st.sampled_from(SOURCES))
    files = sorted(p.relative_to(source).as_posix() for p in source.rglob("*.yaml"))
    rel = draw(st.sampled_from(files))
    text = (source / rel).read_text(encoding="utf-8")
    kind = draw(st.sampled_from(["data", "data", "truncate", "dup-line", "bytes"]))
    if kind == "data":
        new = yaml.safe_dump(_mutate_data(yaml.safe_load(text), draw), allow_unicode=True, sort_keys=False)
    elif kind == "truncate":
        new = text[:draw(st.integers(0, len(text)))]
    elif kind == "dup-line":
        lines = text.splitlines(keepends=True)
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        new = "".join(lines[:i + 1] + lines[i:])
    else:
        i = draw(st.integers(0, len(text)))
        new = text[:i] + draw(st.sampled_from(["\t", ": ", "- ", "&a ", "*a", "!!python/name:os.system ", "{", "\"",
                                               "<<: *a", "\ufeff", "%YAML 1.1\n---\n"])) + text[i:]
    return source, rel, new


@FUZZ
@given(mutated_ruleset())
def test_mutated_rule_files(mutation):
    source, rel, text = mutation
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / source.name
        shutil.copytree(source, folder)
        (folder / rel).write_text(text, encoding="utf-8")
        try:
            load_ruleset(folder)
        except CertrulesError as exc:
            assert exc.exit_code == 3 and exc.problems, exc
            for p in exc.problems:
                assert p.file, f"a problem without its file: {p}"


# ---------------------------------------------------------------- cases

def _valid_cases():
    out = [(LIBRARY.parent, "LIB-LOANS",
            yaml.safe_load((LIBRARY / "tests" / "fixtures" / "student.yaml").read_text(encoding="utf-8")))]
    if A2 in SOURCES:
        from engine.yamlio import load_file
        for p in sorted(EXAMPLES.glob("*.yaml"))[:6]:
            out.append((None, None, load_file(p).data))
    return out


VALID = _valid_cases()


def _stringify_dates(node):
    import datetime
    if isinstance(node, dict):
        return {k: _stringify_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_stringify_dates(v) for v in node]
    if isinstance(node, datetime.date):
        return node.isoformat()
    return node


@st.composite
def mutated_case(draw):
    dirs, family, case = draw(st.sampled_from(VALID))
    case = _stringify_dates(copy.deepcopy(case))
    for _ in range(draw(st.integers(0, 3))):
        case = _mutate_data(case, draw)
    return dirs, family, case


@FUZZ
@given(mutated_case())
def test_mutated_cases(args):
    from engine.evaluation import evaluate
    from engine.registry import select_ruleset
    dirs, family, case = args
    try:
        rs, selection = select_ruleset(case, None, [dirs] if dirs else [], family)
        evaluate(rs, case, trace=True, selection=selection)
    except CertrulesError as exc:
        assert exc.exit_code in (4, 5), exc


@settings(max_examples=max(BUDGET // 5, 20), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(mutated_case())
def test_mutated_cases_through_the_cli(args):
    from engine.cli import main
    import contextlib
    import io
    import json
    dirs, family, case = args
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.json"
        path.write_text(json.dumps(case, ensure_ascii=False, default=str), encoding="utf-8")
        argv = ["eval", str(path), "--format", "json"] + (["--rulesets", str(dirs), "--family", family] if dirs else [])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    assert code in {0, 1, 2, 3, 4, 5, 6}, err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()


# ---------------------------------------------------------------- patches (issue 17)

def _library_patch():
    """A real patch of the library rule set (R1 -> a copy with one changed and one added element)."""
    from engine.patch import make_patch
    with tempfile.TemporaryDirectory() as tmp:
        r2 = Path(tmp) / "LIB-LOANS-2026-R2"
        shutil.copytree(LIBRARY, r2)
        policy = r2 / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("value: 0.25", "value: 0.3"), encoding="utf-8")
        status = r2 / "status.yaml"
        status.write_text(status.read_text(encoding="utf-8") + '  - {id: extra, clause: "9", expr: "1"}\n',
                          encoding="utf-8")
        manifest = r2 / "ruleset.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("revision: R1", "revision: R2"),
                            encoding="utf-8")
        return _stringify_dates(make_patch(load_ruleset(LIBRARY), load_ruleset(r2)))


PATCH = _library_patch()


@FUZZ
@given(st.data())
def test_mutated_patches(data):
    """apply of a mutated patch: applied, or refused with a documented exit code and nothing left."""
    from engine.cli import main
    import contextlib
    import io
    from engine.patch import to_yaml
    patch = copy.deepcopy(PATCH)
    for _ in range(data.draw(st.integers(1, 3))):
        patch = _mutate_data(patch, data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.yaml"
        path.write_text(to_yaml(patch), encoding="utf-8")
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(["apply", str(path), "--to", str(LIBRARY), "--out", str(Path(tmp) / "R2"),
                         "--revision", "R2", "--effective", "2026-06-01"])
        assert code in {0, 2, 3}, err.getvalue()
        assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()
        left = sorted(p.name for p in Path(tmp).iterdir())
        assert left == (["R2", "p.yaml"] if code == 0 else ["p.yaml"]), (code, left, err.getvalue())


# ---------------------------------------------------------------- the command line and its paths (issue 17)

def _paths(tmp: Path) -> dict:
    """Hostile paths made in tmp: a folder, empty, binary, not UTF-8, a FIFO, a link out, a valid case."""
    (tmp / "dir").mkdir()
    (tmp / "empty.yaml").write_bytes(b"")
    (tmp / "binary.yaml").write_bytes(b"\x89PNG\x00\x01")
    (tmp / "latin1.yaml").write_bytes(b"as_of: caf\xe9\n")
    (tmp / "latin1.jsonl").write_bytes(b'{"as_of": "caf\xe9"}\n')
    (tmp / "case.yaml").write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n",
                                   encoding="utf-8")
    (tmp / "huge-number.json").write_text('{"as_of": "2026-03-01", "x": 1e999999999}', encoding="utf-8")
    os.mkfifo(tmp / "fifo.yaml")
    (tmp / "link.yaml").symlink_to("/etc/hostname")
    return {"read": [str(tmp / n) for n in ("dir", "empty.yaml", "binary.yaml", "latin1.yaml", "latin1.jsonl",
                                            "case.yaml", "huge-number.json", "fifo.yaml", "link.yaml", "nothing.yaml")]
            + ["/nonexistent", "/dev/null", "", "-", "\udcff.yaml", "x" * 5000],
            "write": [str(tmp / "out" / "x"), str(tmp / "case.yaml" / "x"), "/dev/null/x", str(tmp / "dir"),
                      str(tmp / "fifo.yaml"), "/proc/x/y", ""]}


VALUES = ["", "-3", "0", "1", "x", "A/1", "R1", "LIB-LOANS", "2026-13-45", "2026-06-01", "nosuch", "\u0000x"[1:],
          "--", "-", "ZBC-SC", "level,score_totl", "9" * 5000]


@settings(max_examples=max(BUDGET // 2, 40), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_command_line_and_its_paths(data):
    """Any command with any of these arguments: a documented exit code, one message, no traceback."""
    from engine.cli import main
    import contextlib
    import io
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = _paths(tmp)
        rs_dir = tmp / "rulesets"
        shutil.copytree(LIBRARY, rs_dir / LIBRARY.name)
        ruleset = str(rs_dir / LIBRARY.name)
        read = st.sampled_from(paths["read"] + [ruleset])
        write = st.sampled_from(paths["write"])
        value = st.sampled_from(VALUES) | read
        commands = {
            "eval": ([read], ["--revision", "--family", "--format", "--explain", "--outputs"], ["-o"]),
            "check": ([read], ["--rulesets"], []),
            "test": ([read], [], []),
            "expr": ([st.sampled_from(["1 + x", "substring(\"abc\", 1e9999)", "((", "x.y"])], ["--set", "--context"], []),
            "diff": ([st.just(ruleset), read], ["--format", "--cases"], ["-o"]),
            "render": ([st.sampled_from(["evil", "", "../x"]), read], ["--revision"], ["-o"]),
            "rulebook": ([read], [], ["-o"]),
            "revisions": ([], ["--rulesets"], []),
            "coverage": ([read], [], ["-o"]),
            "apply": ([read], ["--to", "--revision", "--effective", "--code"], ["--out"]),
            "new-revision": ([st.just(ruleset)], ["--revision", "--effective", "--code"], ["--out"]),
        }
        name = data.draw(st.sampled_from(sorted(commands)))
        positional, options, outputs = commands[name]
        argv = [name] + [data.draw(p) for p in positional]
        flags = st.lists(st.sampled_from(options + outputs), max_size=4) if options + outputs else st.just([])
        for flag in data.draw(flags):
            argv += [flag, data.draw(write if flag in outputs else value)]
        if name in ("new-revision", "apply") and "--out" not in argv:
            argv += ["--out", str(tmp / "out" / "R2")]     # never beside the bundled rule sets
        if name == "diff":
            argv += ["--workers", "1"]                     # no fork from inside the test process
        argv += ["--rulesets", str(rs_dir)] if name not in ("expr",) else []
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        message = err.getvalue()
        assert code in {0, 1, 2, 3, 4, 5, 6}, (argv, code, message)
        assert "Traceback" not in message and "internal error" not in message, (argv, message)
        if code not in (0, 1):
            assert message.startswith("certrules: "), (argv, message)
