"""The engine's own texts come from one catalogue per language (issue 16, item 3): the catalogues have
the same keys with the same placeholders, every key is used and every key used is there; the texts of
check, test, coverage, revisions and the load errors a rule author meets read in Chinese as in English,
the English ones word for word as before."""
import json
import re
import shutil
import string
from pathlib import Path

import pytest

from engine.cli import main
from engine.i18n import Msg, Texts, catalogues, messages

REPO = Path(__file__).resolve().parents[2]
LIB = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
QMS = REPO / "tests" / "rulesets" / "QMS-AT-A1"


def _raw(lang):
    import yaml
    return yaml.safe_load((REPO / "engine" / "i18n" / f"{lang}.yaml").read_text(encoding="utf-8"))["messages"]


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_catalogue_has_the_same_keys_with_the_same_placeholders():
    assert {"en", "zh"} <= set(catalogues())
    en = _raw("en")
    for lang in catalogues():
        other = _raw(lang)
        assert set(other) == set(en), (lang, set(other) ^ set(en))
        wrong = {k: (_fields(en[k]), _fields(other[k])) for k in en if _fields(en[k]) != _fields(other[k])}
        assert not wrong, (lang, wrong)
        assert all(str(v).strip() for v in other.values()), lang


def _enums(schema, prop, found=None):
    """Every enum a property named `prop` takes anywhere in a JSON schema."""
    found = set() if found is None else found
    if isinstance(schema, dict):
        for key, sub in schema.items():
            if key == prop and isinstance(sub, dict) and "enum" in sub:
                found |= set(sub["enum"])
            _enums(sub, prop, found)
    elif isinstance(schema, list):
        for sub in schema:
            _enums(sub, prop, found)
    return found


def _words_shown():
    """The catalogue keys the engine reaches through Texts.word(group, value) (severity, change, kind,
    area, status, provenance, field, trace): each group's values taken from where the engine defines them."""
    from engine import report
    from engine.ruleset import KINDS
    schema = json.loads((REPO / "schemas" / "ruleset.schema.json").read_text(encoding="utf-8"))
    diff = (REPO / "engine" / "diff.py").read_text(encoding="utf-8")
    changes, areas = set(), set()
    for m in re.finditer(r'Change\((.*?),\s*"(\w+)",', diff, re.S):
        changes |= set(re.findall(r'"(\w+)"', m.group(1)))
        areas.add(m.group(2))
    kinds = {cls.kind for cls in KINDS.values()}
    assert changes == {"added", "removed", "changed", "moved"} and {"tests", "metadata", "element"} <= areas
    manifest = schema["$defs"]["manifest"]["properties"]
    groups = {"severity": _enums(schema, "severity"), "status": set(manifest["status"]["enum"]),
              "provenance": set(manifest["provenance"]["enum"]), "change": changes, "kind": kinds,
              "area": areas | kinds, "field": set(report.EXPLAINED_FIELDS), "trace": set(report.TRACE_PARTS)}
    assert all(groups.values()), groups
    return {f"{group}_{value}" for group, values in groups.items() for value in values}


def _keys_named_in_code():
    """Every catalogue key the engine names: in a t(...) or Msg(...) call, a messages(...)[...] lookup,
    a checker's key=..., or one of the maps from a value to its key."""
    from engine import elements, expressions, schemas
    from engine.impact import report
    named = set()
    files = [p for p in (REPO / "engine").rglob("*") if p.suffix in (".py", ".j2")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"(?:\bt|\bMsg)\(\s*['\"](\w+)['\"]", text))
        if path.name == "checker.py":     # FEEL's checker names its messages: fail(..., key="...")
            named |= set(re.findall(r"\bkey=['\"](\w+)['\"]", text))
        named |= set(re.findall(r"messages\([^)]*\)\[\s*['\"](\w+)['\"]", text))
    named |= set(elements._TYPE_WORDS.values()) | set(expressions._VERBS.values()) | set(expressions._TYPES.values())
    named |= set(schemas._TYPE_WORDS.values()) | set(schemas._BOUNDS.values())
    named |= set(report._WHO.values()) | {key for _, key in report._FINDINGS}
    named |= {"type_list", "type_context", "type_function"}          # expressions._type_msg, by the checker's class
    return named


def test_every_key_is_used_and_every_key_used_is_in_the_catalogue():
    keys = set(messages("en"))
    named, shown = _keys_named_in_code(), _words_shown()
    assert named - keys == set(), "named in the code, missing from the catalogue"
    assert shown - keys == set(), "words the engine shows with no catalogue entry"
    assert keys - named - shown == set(), "catalogue keys nothing uses: use them or delete them"


def test_a_message_is_english_text_that_can_be_said_in_another_language():
    import copy
    import pickle
    m = Msg("err_in_expression", error=Msg("feel_unknown_name_hint", name="scor", at="1:1", hint="score"))
    assert m == "in the expression: unknown name 'scor' at 1:1 (did you mean 'score'?)" and isinstance(m, str)
    assert Texts("zh").say(m) == "表达式中：未知的名称 'scor'，位于 1:1（是否指 'score'？）"
    for back in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):       # worker processes keep the key
        assert back == m and Texts("zh").say(back) == Texts("zh").say(m)
    assert Texts("zh").say("plain text") == "plain text"


@pytest.fixture
def broken(tmp_path):
    """The library rule set with the mistakes authors make most: an unknown name, two types that do not
    add, an id used twice, a missing clause, a value of the wrong type, an unknown key, and two files that
    are not rule files (a YAML syntax error, a list)."""
    rs = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIB, rs)
    (rs / "extra.yaml").write_text(
        "rules:\n"
        "  - {id: typo, clause: '1.1', expr: 'itms_out + 1'}\n"
        "  - {id: mixed, clause: '1.1', expr: '\"a\" + 1'}\n"
        "  - {id: items_out, clause: '1.1', expr: '1'}\n"
        "  - {id: no_clause, expr: '1'}\n"
        "  - {id: odd_key, clause: '1.1', expr: '1', colour: red}\n"
        "parameters:\n"
        "  - {id: wrong_type, clause: '1.1', type: number, value: abc}\n", encoding="utf-8")
    (rs / "syntax.yaml").write_text("rules:\n  - id: x\n   expr: 2\n", encoding="utf-8")
    (rs / "list.yaml").write_text("- a\n", encoding="utf-8")
    return rs


def _mend_the_form(broken):
    """Mistakes of form stop a load before any expression is compiled: mend them to see the rest."""
    (broken / "syntax.yaml").unlink()
    (broken / "list.yaml").unlink()
    extra = broken / "extra.yaml"
    extra.write_text(extra.read_text(encoding="utf-8").replace("  - {id: no_clause, expr: '1'}\n", "")
                     .replace(", colour: red", ""), encoding="utf-8")


def test_check_says_the_common_load_errors_in_english_as_before(broken, capsys):
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"✗ {broken}: " in out and " error(s)" in out
    assert "syntax.yaml:3:4: error: YAML syntax error: " in out
    assert "list.yaml:1: error: a rules file must be a mapping of sections (parameters, rules, ...)" in out
    assert re.search(r"extra\.yaml:5:\d+: rules\[3\]: error: 'clause' is required here but missing", out), out
    assert re.search(r"extra\.yaml:6:\d+: rules\[4\]\.colour: error: unknown key 'colour'; allowed here: ", out), out
    _mend_the_form(broken)
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "extra.yaml:2: rules[0].expr: error: in the expression: unknown name 'itms_out' at 1:1 (did you mean 'items_out'?)" in out
    assert "extra.yaml:3: rules[1].expr: error: in the expression: cannot add a string and a number with '+' at 1:1" in out
    assert re.search(r"policy\.yaml:\d+:\d+: rules\[0\]\.id: error: id 'items_out' is already used at extra\.yaml:4\n", out)
    assert "warning: the value 'abc' is text, not a number as its type says" in out
    assert "warning: 'typo' (clause 1.1) is not listed in clauses.yaml" in out


def test_check_says_them_in_chinese(broken, capsys):
    assert main(["check", str(broken), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"✗ {re.escape(str(broken))}：\d+ 个错误", out), out
    assert "syntax.yaml:3:4: 错误: YAML 语法错误：" in out
    assert "list.yaml:1: 错误: 规则文件必须是由各部分组成的映射（parameters、rules 等）" in out
    assert "rules[3]: 错误: 此处必须有 'clause'，但缺少" in out
    assert "rules[4].colour: 错误: 未知的键 'colour'；此处允许：" in out
    _mend_the_form(broken)
    assert main(["check", str(broken), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "rules[0].expr: 错误: 表达式中：未知的名称 'itms_out'，位于 1:1（是否指 'items_out'？）" in out
    assert "rules[1].expr: 错误: 表达式中：不能用 '+' 对字符串和数值做加法运算，位于 1:1" in out
    assert re.search(r"policy\.yaml:\d+:\d+: rules\[0\]\.id: 错误: id 'items_out' 已在 extra\.yaml:4 使用\n", out)
    assert "警告: 值 'abc' 是文本，而不是其类型所声明的数值" in out
    assert "警告: 'typo'（条款 1.1）未列入 clauses.yaml" in out
    # eval meets the same rule set: its error is said in the language asked for
    case = broken / "tests" / "fixtures"
    case_file = next(case.glob("*.yaml"))
    assert main(["eval", str(case_file), "--rulesets", str(broken.parent), "--revision", "LIB-LOANS/R1", "--lang", "zh"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"certrules: '{broken}' 中的规则集有错误：\n") and "未知的名称 'itms_out'" in err


def test_check_test_coverage_revisions_speak_the_language_asked_for(capsys, tmp_path):
    assert main(["check", str(QMS)]) == 0
    assert capsys.readouterr().out.startswith(f"✓ {QMS}: QMS-AT A/1, ")
    assert main(["check", str(QMS), "--lang", "zh"]) == 0
    assert re.match(rf"✓ {re.escape(str(QMS))}：QMS-AT A/1，\d+ 个元素，0 个警告", capsys.readouterr().out)
    assert main(["test", str(QMS), "-v"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS tests/") and re.search(r"QMS-AT A/1: \d+ passed, 0 failed\n$", out)
    assert main(["test", str(QMS), "-v", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("通过 tests/") and re.search(r"QMS-AT A/1：\d+ 个通过，0 个失败\n$", out)
    assert main(["coverage", str(QMS), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "QMS-AT A/1：条款覆盖情况" in out and "已编码" in out and "程序性" in out and "个条款中" in out
    assert main(["coverage", str(QMS)]) == 0
    out = capsys.readouterr().out
    assert "clause coverage\nclause  status      tests  elements / reason\n" in out and "clauses encoded (" in out
    assert main(["revisions", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "已批准、重构" in out and "approved" not in out
    assert main(["revisions"]) == 0
    assert "approved, reconstructed" in capsys.readouterr().out
    assert main(["rulebook", str(QMS), "-o", str(tmp_path / "book"), "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("已将 QMS-AT A/1 的规则手册写入 ")


def test_a_failing_rule_author_test_reads_in_chinese(tmp_path, capsys):
    rs = tmp_path / "QMS-AT-A1"
    shutil.copytree(QMS, rs)
    tests = rs / "tests" / "audit-time.yaml"
    text = tests.read_text(encoding="utf-8")
    tests.write_text(text.replace("{days_base: 2, audit_days: 2}", "{days_base: 3, audit_days: 2}")
                     .replace("no_findings: [beyond_the_table]", "findings: [beyond_the_table]"), encoding="utf-8")
    assert main(["test", str(rs)]) == 1
    en = capsys.readouterr().out
    assert "    value 'days_base': expected 3, got 2\n      trace: {" in en
    assert "    finding 'beyond_the_table' expected but not made; findings made: " in en
    assert re.search(r"QMS-AT A/1: \d+ passed, 1 failed", en)
    assert main(["test", str(rs), "--lang", "zh"]) == 1
    zh = capsys.readouterr().out
    assert zh.startswith("失败 tests/audit-time.yaml:")
    assert "    值 'days_base'：应为 3，实际为 2\n      追踪：{" in zh
    assert "    应有发现 'beyond_the_table'，但没有产生；已产生的发现：" in zh
    assert re.search(r"QMS-AT A/1：\d+ 个通过，1 个失败", zh)


def test_a_revision_two_families_have_is_refused_in_the_language_asked_for(tmp_path, capsys):
    shutil.copytree(QMS, tmp_path / "QMS-AT-A1")
    assert main(["check", "A/1", "--rulesets", str(tmp_path)]) == 5
    assert capsys.readouterr().err.strip() == ("certrules: revision 'A/1' exists in several families (QMS-AT, ZBC-SC); "
                                               "name one as QMS-AT/A/1 or ZBC-SC/A/1 (or give --family FAMILY)")
    assert main(["check", "A/1", "--rulesets", str(tmp_path), "--lang", "zh"]) == 5
    assert capsys.readouterr().err.strip() == ("certrules: 修订 'A/1' 存在于多个系列（QMS-AT, ZBC-SC）中；"
                                               "请写作 QMS-AT/A/1 或 ZBC-SC/A/1（或用 --family FAMILY）")


def test_the_impact_summary_is_in_one_language():
    from engine.impact.report import html_section, markdown_lines, text_lines
    impact = {"cases": 3, "affected": 1, "examples": ["c1"], "old": {"code": "X", "revision": "A/1"},
              "new": {"code": "X", "revision": "A/2"},
              "refused": [{"by": "new", "count": 1, "reason": "no as_of", "examples": ["c3"]}],
              "outputs": {"level": {"cases_changed": 1, "migrations": [{"from": "a", "to": "b", "count": 1, "examples": ["c1"]}]},
                          "days": {"cases_changed": 1, "increased": 1, "decreased": 0,
                                   "changes": [{"change": 1, "count": 1, "examples": ["c1"]}]}},
              "findings": {"raised": [{"clause": "1", "id": "late", "severity": "error", "count": 1, "examples": ["c1"]}]},
              "titles": {"level": {"en": "Level", "zh": "等级"}, "late": "Late"}}
    en = "\n".join(text_lines(impact, Texts("en")) + markdown_lines(impact, Texts("en"))) + html_section(impact, Texts("en"))
    zh = "\n".join(text_lines(impact, Texts("zh")) + markdown_lines(impact, Texts("zh"))) + html_section(impact, Texts("zh"))
    assert "Impact on 3 cases: X A/1 → X A/2" in en and "1 case change (33.3%), 2 do not; e.g. c1" in en
    assert "1 case refused by the new revision: no as_of (e.g. c3)" in en and "Findings newly raised" in en
    assert "level — Level: 1 case" in en and "(1 up, 0 down)" in en and "from \\ to" in en and "(error)" in en
    assert "对 3 个案例的影响：X A/1 → X A/2" in zh and "1 个案例被新修订拒绝：no as_of" in zh
    assert "新出现的发现" in zh and "level — 等级: 1 个案例" in zh and "（1 个增加，0 个减少）" in zh and "（错误）" not in zh
    assert not re.search(r"[\u4e00-\u9fff]", en)
    assert not re.search(r"\b(?:cases?|Impact|Findings|refused|from|change|e\.g\.)\b", zh), zh
