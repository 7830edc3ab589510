"""Small holes in plain errors and hostile inputs (session of 2026-12-03, helper edges4): `render` of a
case too large to show, a corpus with a case id twice, a code or family that is no plain name, patches
whose files overlap or that remove what is not there, an .xlsx cell with a formula and no value, and an
ANY decision table whose overlapping rows disagree.

Each test failed before its fix: the input, and the one plain sentence (with its file and line or field
path, in the language asked for) and the documented exit code certrules gives instead.
"""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from hardening_support import EXAMPLES, LIBRARY, REPO, run_main

QMS = REPO / "tests" / "rulesets" / "QMS-AT-A1"
REGISTER = REPO / "examples" / "register"


def _case_with(tmp_path, **fields):
    data = yaml.safe_load((EXAMPLES / "01-initial-five-star-9-sites.yaml").read_text(encoding="utf-8"))
    for dotted, value in fields.items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node[p]
        node[last] = value
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. render: a case too large to show

@pytest.mark.parametrize("lang, says", [
    ("en", "certrules: organization.name: the value is too large for a document to show "
           "(about 2,000,000 characters or items; at most 1,000,000)"),
    ("zh", "certrules: organization.name：该值过大，文档无法显示（约 2,000,000 个字符或项；最多 1,000,000）"),
])
def test_render_of_a_case_field_too_large_is_the_case_error_at_its_path(lang, says, tmp_path, capsys):
    case = _case_with(tmp_path, **{"organization.name": "x" * 2_000_000})
    code, out, err = run_main(["render", "certificate", case, "-o", tmp_path / "c.html", "--lang", lang], capsys)
    assert code == 4 and err.strip() == says, err          # was: exit 3, blaming the template's line
    assert not (tmp_path / "c.html").exists()


def test_render_still_blames_the_template_when_no_case_field_is_too_large(tmp_path):
    from engine.render import heaviest_field
    assert heaviest_field({"a": "x" * 10, "b": ["y" * 999_999]}) is None
    assert heaviest_field({"a": {"b": [1, "x" * 1_000_001]}}) == ("a.b[1]", 1_000_001)
    assert heaviest_field({"sites": ["x" * 600_000, "y" * 600_000]})[0] == "sites"    # no item alone is


# ---------------------------------------------------------------- 2. a corpus with a case id twice

def test_diff_cases_refuses_a_case_id_given_twice_with_both_lines(tmp_path, capsys):
    corpus = tmp_path / "one.jsonl"
    assert run_main(["cases", "generate", "--n", "3", "--seed", "1", "-o", corpus], capsys)[0] == 0
    both = tmp_path / "both.jsonl"
    both.write_text(corpus.read_text(encoding="utf-8") * 2, encoding="utf-8")     # two corpora put together
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", both, "--workers", "1", "--lang", "en"], capsys)
    assert code == 4, err                                   # was: 0, the example ids naming either case
    assert err.strip() == (f"certrules: {both}:4: the case id 'gen-1-000001' is already the id of line 1; the impact "
                           "names cases by id, so give each case its own")
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", both, "--workers", "1", "--lang", "zh"], capsys)
    assert code == 4 and "已是第 1 行的 id" in err


def test_diff_cases_refuses_two_files_of_one_name_in_a_corpus_folder(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / "cases" / sub).mkdir(parents=True)
        shutil.copy(EXAMPLES / "01-initial-five-star-9-sites.yaml", tmp_path / "cases" / sub / "c.yaml")
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", tmp_path / "cases", "--workers", "1", "--lang", "en"],
                              capsys)
    assert code == 4 and "b/c.yaml: the case id 'c.yaml' is also the id of a/c.yaml" in err, err


@pytest.mark.parametrize("line, cid", [
    (b'{"case":{"a":1},"id":"x"}\n', "x"),
    (b'{"case":{"a":1}, "id" : "x\\"id"}\n', 'x"id'),          # the id itself ends in "id
    (b'{"case":{"id":"q"}}\n', "line 7"),                     # an id inside the case is not the record's
    (b'{"as_of":"2020-01-01","id":"z"}\n', "line 7"),         # a bare case: its place is its id
    (b'{"id":"y","case":{}}\n', "y"),
    (b'{"case":{},"id":""}\n', "line 7"),
    (b'{"case":{},"id":5}\n', "5"),
    (b'not json\n', None),                                    # reported where it is parsed
])
def test_a_lines_id_is_the_one_the_impact_gives_it(line, cid):
    from engine.corpus.sources import _line_id, parse_record
    assert _line_id(line, 7) == cid
    if cid is not None:
        assert parse_record(("line", "x.jsonl", 7, line.decode()))[0] == cid


# ---------------------------------------------------------------- 3. a code or family is a plain name

ALLOWED = "is written with letters, digits, '-', '_' and '.' only"


def test_new_revision_refuses_a_code_that_leaves_the_folder(tmp_path, capsys):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    shutil.copytree(QMS, work / "QMS-AT-A1")
    code, out, err = run_main(["new-revision", work / "QMS-AT-A1", "--revision", "A/2", "--effective", "2027-01-01",
                               "--code", "../../x"], capsys)
    assert code == 2 and f"certrules: --code '../../x' is refused: it names rule sets and folders, so it {ALLOWED}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]           # was: written to tmp_path/x-A2
    code, out, err = run_main(["new-revision", work / "QMS-AT-A1", "--revision", "A/\x01", "--effective", "2027-01-01"],
                              capsys)
    assert code == 2 and "give --out DIR" in err and sorted(p.name for p in work.iterdir()) == ["QMS-AT-A1"]


def test_apply_refuses_a_code_that_is_no_plain_name(tmp_path, capsys):
    patch = tmp_path / "p.yaml"
    patch.write_text("certrules_patch: 1\n", encoding="utf-8")
    code, out, err = run_main(["apply", patch, "--to", QMS, "--out", tmp_path / "out", "--revision", "A/2",
                               "--effective", "2027-01-01", "--code", "a/b"], capsys)
    assert code == 2 and "--code 'a/b' is refused" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("key, value", [("family", "../../x"), ("code", "a b"), ("family", "x\\y")])
def test_a_manifest_family_or_code_that_is_no_plain_name_is_a_load_error(key, value, tmp_path, capsys):
    rs = tmp_path / "QMS-AT-A1"
    shutil.copytree(QMS, rs)
    manifest = rs / "ruleset.yaml"
    text = manifest.read_text(encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(f"{key}:"))
    manifest.write_text(text.replace(f"\n{key}: QMS-AT\n", f"\n{key}: '{value}'\n"), encoding="utf-8")
    code, out, err = run_main(["check", rs, "--lang", "en"], capsys)
    assert code == 1 and f"ruleset.yaml:{line}:" in out and f"{key}: error: {key} '{value}' is refused: " in out, out


def test_plain_names():
    from engine.loader import is_plain_name
    assert all(is_plain_name(n) for n in ("ZBC-SC", "ZBC-SC-2025", "QMS-AT", "LIB_LOANS", "中标-SC", "é1.2"))
    assert not any(is_plain_name(n) for n in ("../../x", "a/b", "a b", ".x", "x.", "A..B", "a\x00", "-a", "a\\b", ""))


# ---------------------------------------------------------------- 4. patches: overlapping files, a missing element

def _apply(patch_text, tmp_path, capsys, lang="en"):
    patch = tmp_path / "p.yaml"
    patch.write_text(patch_text, encoding="utf-8")
    return run_main(["apply", patch, "--to", QMS, "--out", tmp_path / "out", "--revision", "A/2",
                     "--effective", "2027-01-01", "--lang", lang], capsys)


def test_a_patch_writing_a_and_a_b_is_refused_when_read(tmp_path, capsys):
    code, out, err = _apply("certrules_patch: 1\nfiles:\n  - {path: templates/a, text: x}\n"
                            "  - {path: templates/a/b, text: y}\n", tmp_path, capsys)
    assert code == 2, err                                   # was: exit 6, from the write
    assert (f"{tmp_path / 'p.yaml'}:4:12: files[1].path: error: the patch writes 'templates/a' as a file and "
            "'templates/a/b' inside it as a folder (at line 3); a name is one or the other") in err, err
    assert not (tmp_path / "out").exists()


def test_a_patch_naming_a_file_twice_is_refused_with_both_lines(tmp_path, capsys):
    code, out, err = _apply("certrules_patch: 1\nfiles:\n  - {path: templates/a, text: x}\n"
                            "  - {path: ./templates//a, remove: true}\n", tmp_path, capsys)
    assert code == 2 and "files[1].path: error: 'templates/a' is given twice (first at line 3)" in err, err


@pytest.mark.parametrize("lang, says", [
    ("en", ":3:22: elements[0].id: error: there is no element 'no_such' in QMS-AT A/1 to remove"),
    ("zh", ":3:22: elements[0].id: 错误: QMS-AT A/1 中没有要删除的元素 'no_such'"),
])
def test_a_patch_removing_an_element_that_is_not_there_is_refused(lang, says, tmp_path, capsys):
    code, out, err = _apply("certrules_patch: 1\nelements:\n  - {op: remove, id: no_such}\n", tmp_path, capsys, lang)
    assert code == 2 and says in err, err                   # was: exit 0, nothing said
    assert not (tmp_path / "out").exists()


def test_the_python_api_refuses_removing_an_element_that_is_not_there(tmp_path):
    from engine import CertrulesError
    from engine.patch import apply_patch
    with pytest.raises(CertrulesError, match=r"the patch's elements\[0\]\.id: there is no element 'no_such' to remove"):
        apply_patch({"certrules_patch": 1, "elements": [{"op": "remove", "id": "no_such"}]}, QMS, tmp_path / "out",
                    "A/2", "2027-01-01")
    assert not (tmp_path / "out").exists()


def test_a_patch_turning_a_folder_into_a_file_applies(tmp_path, capsys):
    """make_patch lists 'templates/x' (write) before 'templates/x/y.txt' (remove): removals come first."""
    old, new = tmp_path / "old" / "QMS-AT-A1", tmp_path / "new" / "QMS-AT-A2"
    shutil.copytree(QMS, old)
    (old / "templates" / "x").mkdir(parents=True)
    (old / "templates" / "x" / "y.txt").write_text("y\n", encoding="utf-8")
    shutil.copytree(old, new)
    shutil.rmtree(new / "templates" / "x")
    (new / "templates" / "x").write_text("x\n", encoding="utf-8")
    (new / "ruleset.yaml").write_text((new / "ruleset.yaml").read_text(encoding="utf-8").replace("revision: A/1",
                                                                                                 "revision: A/2"),
                                      encoding="utf-8")
    patch = tmp_path / "p.yaml"
    assert run_main(["diff", old, new, "--format", "patch", "-o", patch], capsys)[0] == 0
    code, out, err = run_main(["apply", patch, "--to", old, "--out", tmp_path / "out", "--revision", "A/2",
                               "--effective", "2027-01-01"], capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "templates" / "x").read_text(encoding="utf-8") == "x\n"


# ---------------------------------------------------------------- 6. an .xlsx cell with a formula and no value

def test_register_formula_without_a_saved_value_is_a_bad_cell(tmp_path, capsys):
    import openpyxl
    wb = openpyxl.load_workbook(REGISTER / "register.xlsx")
    ws = wb["证书清单"]
    ws["N2"] = "=90+9"            # 最近评价分数: openpyxl saves a formula without its value
    ws["D3"] = "=A3&B3"           # 注册地址, an optional column: was read as empty, silently
    ws["H4"] = "#DIV/0!"          # 证书覆盖范围: an error value, was read as the text '#DIV/0!'
    wb.save(tmp_path / "r.xlsx")
    code, out, err = run_main(["cases", "import", tmp_path / "r.xlsx", "--map", REGISTER / "map.yaml",
                               "-o", tmp_path / "out.jsonl"], capsys)
    assert code == 4 and not (tmp_path / "out.jsonl").exists(), err
    assert "3 bad row(s)" in err
    assert ("  row 2, column 最近评价分数: the cell holds a formula (=90+9) whose value the workbook does not hold: "
            "open the register in a spreadsheet, let it calculate and save it again") in err
    assert "  row 3, column 注册地址: the cell holds a formula (=A3&B3) whose value" in err
    assert "  row 4, column 证书覆盖范围: the cell holds the error #DIV/0!" in err


def test_register_xlsx_values_are_read_as_before(tmp_path, capsys):
    code, out, err = run_main(["cases", "import", REGISTER / "register.xlsx", "--map", REGISTER / "map.yaml",
                               "-o", tmp_path / "x.jsonl"], capsys)
    assert code == 0, err
    code, out, err = run_main(["cases", "import", REGISTER / "register.csv", "--map", REGISTER / "map.yaml",
                               "-o", tmp_path / "c.jsonl"], capsys)
    assert code == 0 and (tmp_path / "x.jsonl").read_bytes() == (tmp_path / "c.jsonl").read_bytes()


# ---------------------------------------------------------------- 8. ANY rows that disagree

def test_check_warns_of_any_rows_that_overlap_with_different_outputs(tmp_path, capsys):
    rs = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, rs)
    policy = rs / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "    hit_policy: FIRST\n" in text
    policy.write_text(text.replace("    hit_policy: FIRST\n", "    hit_policy: ANY\n"), encoding="utf-8")
    code, out, err = run_main(["check", rs, "--lang", "en"], capsys)
    assert code == 0, out
    warned = [ln for ln in out.splitlines() if "hit policy ANY" in ln]
    # rows 1 ("-", "> 0" -> standard) and 4 ("< 2" -> standard) overlap but agree; 2 and 3 do not overlap
    assert [ln.split("but ")[1].split(" of")[0] for ln in warned] == ["rows 1 and 2", "rows 1 and 3"], out
    assert ("decision_tables[0].rules[1]: warning: hit policy ANY but rows 1 and 2 of 'member_tier' can both match "
            "and give different outputs (tier): for an input both match, the table has no value") in out
    assert run_main(["check", rs, "--strict", "--lang", "en"], capsys)[0] == 1


def test_literal_outputs_compare_as_feel_values():
    from engine.lint import _UNKNOWN, _constant, _same_value
    assert _same_value(_constant("1.0"), _constant(1)) and _same_value(_constant("null"), _constant(None))
    assert not _same_value(_constant('"1"'), _constant("1")) and not _same_value(_constant("true"), _constant(1))
    assert _constant("-2") == -2 and _constant("x + 1") is _UNKNOWN and _constant('"a"') == "a"


# ---------------------------------------------------------------- 7. the errors of these areas speak Chinese too

def test_a_case_files_reading_errors_are_said_in_the_language_asked_for(tmp_path, capsys):
    case = tmp_path / "c.yaml"
    case.write_text("as_of: 2026-01-01\nas_of: 2026-01-02\n", encoding="utf-8")
    code, out, err = run_main(["eval", case, "--lang", "zh"], capsys)
    assert code == 4 and err.strip() == (f"certrules: {case}:2:1: 重复的键 'as_of'（第一次出现在第 1 行）；"
                                         "YAML 会悄悄只保留最后一个"), err
    code, out, err = run_main(["eval", case, "--lang", "en"], capsys)    # the English as before, word for word
    assert code == 4 and err.strip() == (f"certrules: {case}:2:1: duplicate key 'as_of' (first given on line 1); "
                                         "YAML would silently keep only the last one")
    (tmp_path / "l.yaml").write_text("- 1\n", encoding="utf-8")
    code, out, err = run_main(["eval", tmp_path / "l.yaml", "--lang", "zh"], capsys)
    assert code == 4 and "案例必须是由字段（as_of 等）组成的映射，而不是列表" in err, err
    code, out, err = run_main(["eval", tmp_path / "none.yaml", "--lang", "zh"], capsys)
    assert code == 4 and err.strip() == f"certrules: {tmp_path / 'none.yaml'}: 没有这个案例文件"


def test_a_corpus_line_and_a_register_row_are_said_in_chinese(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"case": [1]}\n', encoding="utf-8")
    code, out, err = run_main(["diff", "A/1", "A/2", "--cases", corpus, "--workers", "1", "--lang", "zh"], capsys)
    assert code == 4 and f"{corpus}:1: case: 案例必须是由字段（as_of 等）组成的映射，而不是列表" in err, err
    lines = (REGISTER / "register.csv").read_text(encoding="utf-8").splitlines()
    register = tmp_path / "r.csv"
    register.write_text("\n".join(lines[:2] + [lines[2].replace("2026-", "2026/13/", 1)] + lines[3:]) + "\n",
                        encoding="utf-8")
    code, out, err = run_main(["cases", "import", register, "--map", REGISTER / "map.yaml", "-o", tmp_path / "o.jsonl",
                               "--lang", "zh"], capsys)
    assert code == 4 and f"certrules: {register}：读取 24 行，写出 0 个案例，1 行有问题（未写出任何内容：--on-error refuse）" in err
    assert "\n  第 3 行，列 " in err and "不是" in err, err


def test_serve_start_up_errors_follow_the_locale(monkeypatch, capsys):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, err = run_main(["serve", "--port", "0"], capsys)
    assert code == 2 and err.strip() == "certrules: --port 0：端口应为 1 到 65535"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, err = run_main(["serve", "--host", "0.0.0.0"], capsys)
    assert code == 2 and err.strip().startswith("certrules: --host 0.0.0.0 would let other machines reach the server")


AREAS = ("engine/case.py", "engine/corpus/sources.py", "engine/corpus/register.py", "engine/patch.py",
         "engine/cli/serve.py", "engine/yamlio.py")


@pytest.mark.parametrize("module", AREAS)
def test_these_areas_raise_no_error_that_only_english_can_say(module):
    """A user's error made of a plain (f-)string has no Chinese text: each is a catalogue message (i18n.Msg)."""
    import re
    text = (REPO / module).read_text(encoding="utf-8")
    plain = re.findall(r"(?:UsageError|CaseError|RuleSetError|RevisionError|OutputError|YamlError)\(\s*f?[\"']", text)
    assert plain == [], module
