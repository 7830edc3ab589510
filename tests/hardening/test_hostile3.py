"""Hostile inputs tried by an outsider (session of 2026-12-03, helper hostile3): `cases import`,
`diff --cases`, the diff's Markdown, `render`, and the worker count.

Each test is a hole found that way, kept so it stays closed: the input, and the one plain answer
certrules must give instead of an internal error (exit 70), a hang, a blow-up or raw markup.
"""
from __future__ import annotations

import json
import zipfile

import pytest

from hardening_support import EXAMPLES, REPO, run_cli, run_main

REGISTER = REPO / "examples" / "register"


def _map_with(tmp_path, old, new):
    text = (REGISTER / "map.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "map.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _import(register, mapping, tmp_path, capsys):
    return run_main(["cases", "import", register, "--map", mapping, "-o", tmp_path / "out.jsonl"], capsys)


# ---------------------------------------------------------------- cases import

@pytest.mark.parametrize("fields", [
    "  organization: 组织名称\n  organization.name: 组织名称\n",     # a field, then one inside it
    "  organization.name: 组织名称\n  organization: 组织名称\n",     # the other order (was: the first silently lost)
])
def test_register_field_inside_another_field(fields, tmp_path, capsys):
    mapping = _map_with(tmp_path, "  organization.name: 组织名称\n", fields)
    code, out, err = _import(REGISTER / "register.csv", mapping, tmp_path, capsys)
    assert code == 2, err
    assert "is inside 'organization', which the mapping sets too" in err and "internal error" not in err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("extra, cells, code, says", [
    (",等级", ",x", 2, "row 1 (the header) has column 等级 2 times: the mapping cannot tell which one to read"),
    (",备注,备注", ",a,b", 0, "24 case(s) written"),      # a column the mapping does not read may be there twice
])
def test_register_header_with_a_column_twice(extra, cells, code, says, tmp_path, capsys):
    lines = (REGISTER / "register.csv").read_text(encoding="utf-8").splitlines()
    register = tmp_path / "register.csv"
    register.write_text("\n".join([lines[0] + extra] + [ln + cells for ln in lines[1:]]) + "\n", encoding="utf-8")
    got, out, err = _import(register, REGISTER / "map.yaml", tmp_path, capsys)
    assert got == code and says in err, err
    assert (tmp_path / "out.jsonl").exists() == (code == 0)


def test_register_pattern_runs_in_linear_time(tmp_path):
    """Python's re took exponential time for ^(a+)+$ on a cell of 40 a's and a '!'; RE2 answers at once."""
    mapping = _map_with(tmp_path, "组织名称: {type: text, required: true}",
                        "组织名称: {type: text, required: true, pattern: '^(a+)+$'}")
    lines = (REGISTER / "register.csv").read_text(encoding="utf-8").splitlines()
    name = lines[1].split(",")[1]
    register = tmp_path / "register.csv"
    register.write_text("\n".join([lines[0], lines[1].replace(name, "a" * 40 + "!")]) + "\n", encoding="utf-8")
    proc = run_cli(["cases", "import", register, "--map", mapping, "-o", tmp_path / "out.jsonl"], timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert "row 2, column 组织名称: '" + "a" * 40 + "!' does not have the form ^(a+)+$" in proc.stderr


@pytest.mark.parametrize("old, new, says", [
    ("组织名称: {type: text, required: true}", "组织名称: {type: text, required: true, pattern: '(?=a)'}",
     "cannot be matched in linear time"),
    ("组织名称: {type: text, required: true}", "组织名称: {type: text, required: true, pattern: 5}",
     "'pattern' is a regular expression, written as text"),
    ("组织名称: {type: text, required: true}", "组织名称: {type: text, required: 'no'}", "'required' is true or false"),
    ("header_row: 1", "header_row: true", "'header_row' is the row number"),
    ("header_row: 1", "header_row: 1.5", "'header_row' is the row number"),
])
def test_register_mapping_values_of_the_wrong_kind(old, new, says, tmp_path, capsys):
    code, out, err = _import(REGISTER / "register.csv", _map_with(tmp_path, old, new), tmp_path, capsys)
    assert code == 2, err
    assert "map.yaml:" in err and says in err and "internal error" not in err


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml"])
def test_register_xlsx_zip_bomb(part, tmp_path):
    """A 300 kB workbook whose part unpacks to 300 MB: styles.xml took 2 GB of memory per GB unpacked,
    a sheet minutes; now refused before openpyxl unpacks anything."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(REGISTER / "register.xlsx") as src, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != part:
                z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
                continue
            end = data.rfind(b"</")
            packed = zipfile.ZipInfo(info.filename, info.date_time)
            packed.compress_type = zipfile.ZIP_DEFLATED
            with z.open(packed, "w", force_zip64=True) as fh:
                fh.write(data[:end] + b"<!--")
                chunk = b"A" * (1 << 20)      # written a MB at a time: this process stays small (the
                for _ in range(300):          # other tests measure the peak memory of its children)
                    fh.write(chunk)
                fh.write(b"-->" + data[end:])
    assert bomb.stat().st_size < 2 << 20
    proc = run_cli(["cases", "import", bomb, "--map", REGISTER / "map.yaml", "-o", tmp_path / "out.jsonl"], timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"its part {part} would unpack to" in proc.stderr and "zip bomb" in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_register_xlsx_as_packed_by_openpyxl_is_read(tmp_path, capsys):
    """The limits leave a real workbook alone: the example register, saved again by openpyxl."""
    import openpyxl
    wb = openpyxl.load_workbook(REGISTER / "register.xlsx")
    wb.save(tmp_path / "register.xlsx")
    code, out, err = _import(tmp_path / "register.xlsx", REGISTER / "map.yaml", tmp_path, capsys)
    assert code == 0, err


# ---------------------------------------------------------------- diff --cases

def _corpus_line() -> str:
    from engine.yamlio import load_file
    case = load_file(EXAMPLES / "01-initial-five-star-9-sites.yaml").data
    case.pop("revision", None)
    from engine.jsonout import dumps
    return dumps({"id": "c1", "case": case}, indent=0).replace("\n", "")


@pytest.mark.parametrize("line, where, kind", [
    ('{"id": "a", "case": [1, 2]}', ":2: case:", "a list"),
    ('{"id": "a", "case": "x"}', ":2: case:", "a text"),
    ('{"id": "a", "case": null}', ":2: case:", "nothing"),
    ("[1, 2]", ":2:", "a list"),
    ("5", ":2:", "a number"),
    ('"s"', ":2:", "a text"),
])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_diff_cases_record_that_is_no_case(line, where, kind, workers, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(_corpus_line() + "\n" + line + "\n", encoding="utf-8")
    proc = run_cli(["diff", "A/1", "A/2", "--cases", corpus, "--workers", workers])
    assert proc.returncode == 4, proc.stderr
    assert f"corpus.jsonl{where} a case must be a mapping of fields (as_of, ...), not {kind}" in proc.stderr
    assert "internal error" not in proc.stderr


def test_diff_cases_folder_with_a_file_that_is_no_case(tmp_path, capsys):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text("- 1\n", encoding="utf-8")
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", tmp_path / "cases", "--workers", "1"], capsys)
    assert code == 4, err
    assert "a.yaml: a case must be a mapping of fields (as_of, ...), not a list" in err


def test_diff_cases_huge_worker_count_is_capped(tmp_path):
    """--workers 100000 forked that many processes (the machine hung); the pool is capped per core."""
    from engine.parallel import PER_CORE, worker_count
    import os
    assert worker_count(100_000) == PER_CORE * (os.cpu_count() or 1)
    assert worker_count(1) == 1 and worker_count(2) == min(2, PER_CORE * (os.cpu_count() or 1))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(_corpus_line() + "\n", encoding="utf-8")
    proc = run_cli(["diff", "A/1", "A/2", "--cases", corpus, "--workers", "100000"], timeout=120)
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- Markdown

HOSTILE_ID = "<script>alert(1)</script>|x\n# heading [a](javascript:alert(1))"


def test_diff_markdown_escapes_case_ids(tmp_path, capsys):
    line = json.loads(_corpus_line())
    line["id"] = HOSTILE_ID
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", corpus, "--workers", "1", "--format", "md",
                               "-o", tmp_path / "diff.md"], capsys)
    assert code == 0, err
    md = (tmp_path / "diff.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\|x # heading \\[a\\](javascript:alert(1))" in md
    assert "<script" not in md and "\n# heading" not in md and "[a](javascript" not in md


def test_markdown_text_and_code_spans():
    from engine.report import md_code, md_text
    assert md_text("<b>&</b> a|b \\| [x](y)\nz") == "&lt;b&gt;&amp;&lt;/b&gt; a\\|b \\\\\\| \\[x\\](y) z"
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`` <i>|") == "``` `x`` <i>\\| ```"
    assert md_code("five_star_min") == "`five_star_min`"


def test_diff_markdown_test_name_cannot_end_its_code_span(tmp_path, capsys):
    """A rule-author test's name is shown in a code span: backticks in it used to end the span and let
    the HTML after them through."""
    import shutil
    for name in ("ZBC-SC-2025-A2",):
        shutil.copytree(REPO / "rulesets" / name, tmp_path / "old" / name)
    new = tmp_path / "new" / "ZBC-SC-2025-A2"
    shutil.copytree(REPO / "rulesets" / "ZBC-SC-2025-A2", new)
    test_file = next(p for p in sorted((new / "tests").glob("*.yaml")) if "  - name: " in p.read_text(encoding="utf-8"))
    text = test_file.read_text(encoding="utf-8")
    test_file.write_text(text.replace("  - name: ", "  - name: \"`<img src=x onerror=alert(1)>` \" # ", 1),
                         encoding="utf-8")
    code, out, err = run_main(["diff", tmp_path / "old" / "ZBC-SC-2025-A2", new, "--format", "md"], capsys)
    assert code == 0, err
    assert "<img" in out                      # the name is there, inside a code span ...
    rows = [row for row in out.splitlines() if "<img" in row]
    assert rows
    for row in rows:
        cell = row.split(" | ")[2]            # ... that it cannot end: fenced by two backticks, one inside
        assert cell.startswith("``") and cell.endswith("``") and "``" not in cell[2:-2], cell


# ---------------------------------------------------------------- render

@pytest.mark.parametrize("name, shown", [
    ("\u202eXSSMARK\u202c", "\ufffdXSSMARK\ufffd"),             # right-to-left override, pop
    ("a\u2066XSSMARK\u2069", "a\ufffdXSSMARK\ufffd"),           # isolates
    ("\x1b[31mXSSMARK\x07", "\ufffd[31mXSSMARK\ufffd"),          # a terminal's escape, a bell
])
def test_render_shows_controls_and_bidi_overrides_as_replacement(name, shown, tmp_path, capsys):
    text = (EXAMPLES / "01-initial-five-star-9-sites.yaml").read_text(encoding="utf-8")
    old = "  name: 成都锦欣家电售后服务有限公司\n"
    assert old in text
    case = tmp_path / "case.yaml"
    case.write_text(text.replace(old, f"  name: {json.dumps(name)}\n"), encoding="utf-8")
    code, out, err = run_main(["render", "certificate", case, "-o", tmp_path / "cert.html"], capsys)
    assert code == 0, err
    html = (tmp_path / "cert.html").read_text(encoding="utf-8")
    assert shown in html
    assert not any(ch in html for ch in "\u202e\u202c\u2066\u2069\x1b\x07")


def test_render_still_escapes_markup_in_a_name(tmp_path, capsys):
    text = (EXAMPLES / "01-initial-five-star-9-sites.yaml").read_text(encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(text.replace("  name: 成都锦欣家电售后服务有限公司\n", '  name: "<script>x</script>"\n'), encoding="utf-8")
    code, out, err = run_main(["render", "certificate", case, "-o", tmp_path / "cert.html"], capsys)
    assert code == 0, err
    html = (tmp_path / "cert.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html


# ---------------------------------------------------------------- the terminal

def _on_a_terminal(args, tmp_path) -> str:
    """What certrules writes to a terminal (stdout and stderr on a pseudo-terminal)."""
    import os
    import pty
    import subprocess
    import sys
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CERTRULES_RULESETS", "CERTRULES_DEBUG")}
    env["CERTRULES_PROGRESS"] = "0"
    proc = subprocess.Popen([sys.executable, "-m", "engine", *map(str, args)], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, cwd=REPO, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:          # EIO: the other end is closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_eval_explain_on_a_terminal_shows_no_escape_sequence(tmp_path, capsys):
    """--explain printed a case's ESC (and U+202E) to the terminal, where it starts an escape sequence."""
    text = (EXAMPLES / "01-initial-five-star-9-sites.yaml").read_text(encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(text.replace("  name: 成都锦欣家电售后服务有限公司\n",
                                 '  name: "\\e]0;owned\\a\\u202eXSSMARK"\n'), encoding="utf-8")
    shown = _on_a_terminal(["eval", case, "--explain", "certificate_document"], tmp_path)
    assert "XSSMARK" in shown and "\ufffd]0;owned\ufffd\ufffdXSSMARK" in shown
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    code, out, err = run_main(["eval", case, "--explain", "certificate_document"], capsys)     # not a terminal
    assert code == 0 and "\x1b]0;owned\x07\u202eXSSMARK" in out


def test_an_error_on_a_terminal_shows_no_escape_sequence(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('as_of: 2026-01-20\naudit: {kind: "\\e[2J\\e]52;c;cHduZWQ=\\a"}\n', encoding="utf-8")
    shown = _on_a_terminal(["eval", case], tmp_path)
    assert "audit.kind" in shown and "\x1b" not in shown and "\x07" not in shown
