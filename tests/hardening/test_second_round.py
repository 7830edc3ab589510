"""Issue 17, second round: hostile inputs tried by a red team that had not seen the other tests.

Each test is a hole found that way, kept so it stays closed: what a rule set, a case or a command
line could do, and the one plain answer certrules must give instead (a documented exit code, one
sentence, within 5 s and 500 MB where the input is built to be expensive).
"""
from __future__ import annotations

import json
import textwrap
import time

import pytest

from hardening_support import PEAK_MB, REPO, run_bounded, run_cli, run_main



def bounded(code: str, tmp_path):
    """Run Python `code` (which sets `outcome`) in a subprocess capped at 2 GB; its outcome, after
    asserting it finished within SECONDS and MEGABYTES."""
    return run_bounded(PEAK_MB + textwrap.dedent("""
        import json, resource, time
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        start = time.process_time()
        """) + textwrap.dedent(code) + textwrap.dedent("""
        print(json.dumps({"outcome": outcome, "seconds": time.process_time() - start,
                          "mb": peak_mb()}))
        """), tmp_path)["outcome"]


# ------------------------------------------------------------------ expressions

@pytest.mark.parametrize("text", [
    'date("{}")',                          # braces in a literal the checker quotes
    'date("{0.__class__}")',
    'matches("a", "a{1000}{1000}")',        # RE2 refuses the repetition; its reason quotes the braces
    'matches("a", "(((a{100}){100}){100})")',
    'time("{")',
])
def test_braces_in_quoted_rule_text_are_a_plain_error(text, capsys):
    code, out, err = run_main(["expr", text], capsys)
    assert code == 2, err
    assert "internal error" not in err and err.startswith("certrules: ") and "1:" in err


@pytest.mark.parametrize("text", [
    # shallow but wide: 2^60 calls, never more than 61 deep
    "{f: function(n) if n = 0 then 1 else f(n-1) + f(n-1)}.f(60)",
    "{g: function(x) x, f: function(n) if n = 0 then 1 else g(f(n-1)) + g(f(n-1))}.f(40)",
])
def test_function_calls_share_one_budget_per_evaluation(text, tmp_path):
    outcome = bounded(f"""
        from engine.feel import compile_expr
        diags = []
        v = compile_expr({text!r}).evaluate({{}}, diags)
        outcome = [v, diags[:1]]
        """, tmp_path)
    assert outcome[0] is None
    assert "function calls" in outcome[1][0]


# ------------------------------------------------------------------ files: what the rule set may read

GOOD_CASE = "as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n"


def _digest(library, tmp_path, capsys):
    case = tmp_path / "c.yaml"
    case.write_text(GOOD_CASE, encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS",
                               "--format", "json"], capsys)
    return code, (json.loads(out)["ruleset"]["digest"] if code == 0 else None), out + err


@pytest.mark.parametrize("how", ["named", "linked"])
def test_a_hidden_file_the_digest_leaves_out_is_never_read(how, library, tmp_path, capsys):
    """The digest covers what `listed` lists (no names starting with '.'); a case schema read from a
    hidden file could then change while the results kept the same digest."""
    (library / ".schema.yaml").write_text((library / "case.schema.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    manifest = library / "ruleset.yaml"
    if how == "named":
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("case_schema: case.schema.yaml",
                                                                         "case_schema: .schema.yaml"), encoding="utf-8")
    else:
        (library / "case.schema.yaml").unlink()
        (library / "case.schema.yaml").symlink_to(".schema.yaml")
    code, out, err = run_main(["check", library], capsys)
    assert code == 1 and "is hidden" in out and "not read" in out, out + err


def test_copying_leaves_out_what_is_not_part_of_the_rule_set(library, tmp_path, capsys):
    (library / ".git").mkdir()
    (library / ".git" / "config").write_text("x", encoding="utf-8")
    (library / "__pycache__").mkdir()
    out_dir = tmp_path / "LIB-LOANS-2026-R2"
    code, out, err = run_main(["new-revision", library, "--revision", "R2", "--effective", "2026-06-01",
                               "--out", out_dir], capsys)
    assert code == 0, err
    assert not (out_dir / ".git").exists() and not (out_dir / "__pycache__").exists()


@pytest.mark.parametrize("where", ["itself", "inside", "around", "root"])
def test_a_new_revision_is_never_written_over_inside_or_around_its_source(where, library, tmp_path, capsys):
    """--force replaces the output folder: over or around the source that deleted the source (and
    everything beside it); inside it, the copy copied itself until the names were too long."""
    (library.parent / "precious.txt").write_text("keep", encoding="utf-8")
    out_dir = {"itself": library, "inside": library / "sub", "around": library.parent, "root": "/"}[where]
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    code, out, err = run_main(["new-revision", library, "--revision", "R2", "--effective", "2026-06-01",
                               "--out", out_dir, "--force"], capsys)
    assert code == 2 and "beside" in err and "internal error" not in err, err
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before


def test_an_output_at_the_root_is_a_plain_error(library, tmp_path, capsys):
    case = tmp_path / "c.yaml"
    case.write_text(GOOD_CASE, encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS", "-o", "/"], capsys)
    assert code == 6 and "root of the file system" in err, err


PATCH_HEAD = "certrules_patch: 1\nfrom: {code: LIB-LOANS-2026, revision: R1}\nto: {code: LIB-LOANS-2026, revision: R2}\n"


@pytest.mark.parametrize("item, code, says", [
    ('{path: x.bin, base64: "!!!notbase64"}', 2, "files[0].base64: error: is not valid base64"),
    ('{path: x.bin, base64: "QQ"}', 2, "is not valid base64"),
    ('{path: "C:/x.yaml", text: "a: 1"}', 2, "points outside the rule set"),
    ('{path: "x\\0y.yaml", text: "a: 1"}', 2, "holds a control character"),
    ('{path: ".git/config", text: "x"}', 2, "is hidden"),
    ('{path: "./ruleset.yaml", text: "family: X"}', 2, "writes 'ruleset.yaml' over one of its rule files"),
    ('{path: "tests", remove: true}', 2, "'tests' is a folder of the rule set, not a file"),
])
def test_a_patch_file_entry_is_checked_like_a_name_in_a_rule_file(item, code, says, library, tmp_path, capsys):
    patch = tmp_path / "p.yaml"
    patch.write_text(PATCH_HEAD + f"files:\n- {item}\n", encoding="utf-8")
    out_dir = tmp_path / "R2"
    got, out, err = run_main(["apply", patch, "--to", library, "--out", out_dir, "--revision", "R2",
                              "--effective", "2026-06-01"], capsys)
    assert got == code and says in err and "internal error" not in err, err
    assert not out_dir.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".R2")]


# ------------------------------------------------------------------ the server

def test_a_body_that_trickles_in_is_answered_408_not_waited_for(monkeypatch):
    """A client that sends its headers and then a byte now and then (slowloris) held a connection
    and a request for ever; now the body must arrive within BODY_SECONDS (+1 s per BODY_RATE bytes)."""
    import asyncio
    from engine.serve import security
    from engine.serve.problems import HTTPProblem
    monkeypatch.setattr(security, "BODY_SECONDS", 1)

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass

    async def receive():
        await asyncio.sleep(0.3)
        return {"type": "http.request", "body": b"x", "more_body": True}

    scope = {"type": "http", "path": "/api/v1/evaluate", "headers": []}
    started = time.monotonic()
    with pytest.raises(HTTPProblem) as exc:
        asyncio.run(security.BodyLimit(app, [("/", 100_000)])(scope, receive, None))
    assert exc.value.status == 408 and "did not arrive within 2 s" in exc.value.message
    assert time.monotonic() - started < 5


# ------------------------------------------------------------------ registers

def test_a_workbook_with_one_far_cell_imports_at_the_cost_of_its_cells(tmp_path):
    """openpyxl pads every row, and every missing row, to the sheet's width: one cell at XFD1048576
    made an 8 kB workbook cost 17 billion cells (no end in sight after 30 s). The reader now reads
    the mapping's columns only and skips empty rows."""
    openpyxl = pytest.importorskip("openpyxl")
    register = REPO / "examples" / "register"
    wb = openpyxl.load_workbook(register / "register.xlsx")
    wb.worksheets[0].cell(row=1048576, column=16384, value="x")
    far = tmp_path / "far.xlsx"
    wb.save(far)
    assert far.stat().st_size < 50_000
    started = time.monotonic()
    proc = run_cli(["cases", "import", far, "--map", register / "map.yaml", "-o", tmp_path / "far.jsonl"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 60
    plain = run_cli(["cases", "import", register / "register.csv", "--map", register / "map.yaml",
                     "-o", tmp_path / "plain.jsonl"])
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "far.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()


# ------------------------------------------------------------------ a rule set's size as a whole

def test_many_files_each_under_the_limit_share_one_budget(library, tmp_path):
    """Twenty table files of ~96,000 values each: every one under (or just at) the per-file limit,
    together more than 30 s to check. The files of one rule set share MAX_RULESET_NODES values."""
    rows = "\n".join(f"      - {{key: k{i}, max_items: {i}, loan_days: {i}}}" for i in range(23000))
    for f in range(20):
        (library / f"t{f:02d}.yaml").write_text(
            f"tables:\n  - id: t{f}\n    clause: \"1.1\"\n    key: member.kind\n    match: exact\n"
            f"    columns: [max_items, loan_days]\n    rows:\n{rows}\n", encoding="utf-8")
    started = time.monotonic()
    proc = run_cli(["check", library], timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the rule set's files hold more than 200,000 values together" in proc.stdout
    assert "t19.yaml:1:1:" in proc.stdout
    assert time.monotonic() - started < 20
