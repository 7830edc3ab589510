"""Display languages as data (issue 16, item 3): a rule set declares its languages, its texts may
carry any of them, the engine's own words come from one catalogue per language, chosen by --lang or
the locale and defaulting to the rule set's primary language; pages carry that language."""
import re
from pathlib import Path

import pytest

import engine
from engine.case import read_case_file
from engine.cli import main
from engine.errors import CaseError, UsageError
from engine.i18n import catalogues, choose, from_locale, messages, texts_for
from engine.report import summary

REPO = Path(__file__).resolve().parents[2]
A2 = REPO / "rulesets" / "ZBC-SC-2025-A2"
CASE = REPO / "examples" / "cases" / "05-three-star-reviewer-in-team.yaml"


def test_the_language_is_the_requested_one_else_the_locale_s_else_the_primary():
    assert choose(["zh", "en"], environ={}) == "zh"
    assert choose(["zh", "en"], environ={"LANG": "en_GB.UTF-8"}) == "en"
    assert choose(["zh", "en"], environ={"LANG": "fr_FR.UTF-8"}) == "zh"       # not one of the rule set's
    assert choose(["zh", "en"], environ={"LANG": "C.UTF-8", "LANGUAGE": "en"}) == "zh"   # C asks for none
    assert choose(["zh", "en"], "EN", environ={"LANG": "zh_CN.UTF-8"}) == "en"
    assert choose(["zh-CN", "en"], "zh") == "zh-CN"
    assert from_locale({"LANGUAGE": "de:en", "LANG": "zh_TW.UTF-8"}) == ["de", "en", "zh-TW"]
    with pytest.raises(UsageError, match="--lang fr: the rule set's languages are zh, en"):
        choose(["zh", "en"], "fr")


def test_a_summary_speaks_the_chosen_language_only():
    case = read_case_file(CASE)
    rs, why = engine.select_ruleset(case)
    result = engine.evaluate(rs, case, selection=why)
    zh = summary(result, rs, texts_for(rs.manifest, environ={}))
    en = summary(result, rs, texts_for(rs.manifest, "en"))
    assert "结果\n" in zh and "[错误]" in zh and "评价分数" in zh and "Values" not in zh
    assert "Values\n" in en and "[error]" in en and "Evaluation score" in en and "结果" not in en
    assert "商品售后服务认证实施规则" in zh.splitlines()[0] and en.splitlines()[0].startswith("Implementation rule")


def test_eval_takes_lang_and_the_locale(capsys, monkeypatch):
    assert main(["eval", str(CASE)]) == 0
    assert "\n结果\n" in capsys.readouterr().out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["eval", str(CASE)]) == 0
    assert "\nValues\n" in capsys.readouterr().out
    assert main(["eval", str(CASE), "--lang", "zh", "--explain", "score_total"]) == 0
    assert "输入:" in capsys.readouterr().out
    assert main(["eval", str(CASE), "--lang", "de"]) == 2
    assert "--lang de" in capsys.readouterr().err


def test_a_plain_string_text_is_in_the_primary_language_and_lists_join_as_it_writes_them(library_copy):
    m = library_copy / "ruleset.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("languages: [en, zh]", "languages: [fr, en]"), encoding="utf-8")
    p = library_copy / "policy.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace(
        'message: {zh: "借出 {items_out} 册，超过上限", en: "{items_out} items out, more than the limit"}',
        'let: {ids: "[1, 2]"}\n    message: "{items_out} documents, {ids}"'), encoding="utf-8")
    rs = engine.load_ruleset(library_copy)
    assert rs.elements["too_many_items"].message == {"fr": "{items_out} documents, {ids}"}
    case = {"as_of": "2026-03-01", "member": {"kind": "public", "joined_on": "2020-01-01"},
            "loans": [{"borrowed_on": "2026-02-2%d" % i} for i in range(4)]}
    [finding] = [f for f in engine.evaluate(rs, case)["findings"] if f["id"] == "too_many_items"]
    assert finding["message"] == {"fr": "4 documents, 1, 2"}
    # the other texts of the library are {zh, en} and {en}: 'zh' is no longer declared
    assert any("a text in 'zh', which the rule set does not declare (languages: [fr, en]" in p.message
               for p in rs.warnings)
    assert any("has no text in 'fr', the rule set's primary language" in p.message for p in rs.warnings)


def test_zh_lists_join_with_the_enumeration_comma():
    from engine.elements import fill
    assert fill("{xs}", {"xs": ["a", "b"]}, "zh") == "a、b" and fill("{xs}", {"xs": ["a", "b"]}, "en") == "a, b"


def test_pages_carry_the_language_and_a_title_in_it(tmp_path, capsys):
    lib = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"
    assert main(["rulebook", str(lib), "-o", str(tmp_path / "en")]) == 0
    index = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "<title>Library loan policy LIB-LOANS-2026 R1 · rulebook</title>" in index
    assert main(["rulebook", str(lib), "-o", str(tmp_path / "zh"), "--lang", "zh"]) == 0
    index = (tmp_path / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in index and "<title>图书馆借阅规则 LIB-LOANS-2026 R1 · 规则手册</title>" in index
    assert main(["diff", "A/1", "A/2", "--format", "html", "--lang", "en", "-o", str(tmp_path / "d.html")]) == 0
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Revision diff</title>" in page and "修订差异" not in page
    capsys.readouterr()
    assert main(["diff", "A/1", "A/2"]) == 0
    assert "个条款中有" in capsys.readouterr().out             # A/2's primary language is Chinese


def test_errors_about_revisions_and_documents_speak_the_output_s_language(tmp_path, capsys, monkeypatch):
    early = tmp_path / "early.yaml"
    early.write_text("as_of: 2000-01-01\n", encoding="utf-8")
    assert main(["eval", str(early), "--lang", "zh"]) == 5
    assert "2000-01-01 时 ZBC-SC 没有生效的修订；最早的修订于 2024-12-01 生效" in capsys.readouterr().err
    assert main(["eval", str(early), "--lang", "en"]) == 5
    assert "no revision of ZBC-SC was in force on 2000-01-01" in capsys.readouterr().err
    refused = REPO / "examples" / "cases" / "03-refused-low-score.yaml"
    out = tmp_path / "c.html"
    assert main(["render", "certificate", str(refused), "-o", str(out)]) == 4      # A/2's primary language
    err = capsys.readouterr().err
    assert "无法出具商品售后服务认证证书" in err and "该案例不具备出具条件" in err and "score_below_minimum" in err
    assert main(["render", "certificate", str(refused), "-o", str(out), "--lang", "en"]) == 4
    assert "the case does not earn it under ZBC-SC-2025 A/2" in capsys.readouterr().err
    assert main(["render", "diploma", str(refused), "-o", str(out), "--lang", "zh"]) == 2
    assert "ZBC-SC-2025 A/2 没有文件 'diploma'" in capsys.readouterr().err
    assert not out.exists()


def test_an_error_about_no_rule_set_follows_the_locale(tmp_path, capsys, monkeypatch):
    undated = tmp_path / "undated.yaml"
    undated.write_text("organization: {name: x}\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["eval", str(undated)]) == 5
    assert "案例没有 as_of 日期，因此无法为它选择修订" in capsys.readouterr().err
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["eval", str(undated)]) == 5
    assert "the case has no as_of date, so no revision can be chosen for it" in capsys.readouterr().err


def test_a_case_that_does_not_fit_the_schema_is_told_so_in_the_rule_set_s_language(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: 2026-01-01\naudit: {kind: initail}\n", encoding="utf-8")
    assert main(["eval", str(bad), "--revision", "A/2"]) == 4
    zh = capsys.readouterr().err
    assert "不符合 ZBC-SC-2025 A/2 的案例结构：\n  audit.kind：'initail' 不是以下之一" in zh, zh
    assert main(["eval", str(bad), "--revision", "A/2", "--lang", "en"]) == 4
    en = capsys.readouterr().err
    assert "does not fit the case schema of ZBC-SC-2025 A/2:\n  audit.kind: 'initail' is not one of" in en, en
    rs = engine.load_ruleset(A2)
    with pytest.raises(CaseError) as raised:
        engine.evaluate(rs, {"as_of": "2026-01-01", "audit": {"kind": "initail"}})
    assert str(raised.value).startswith("the case does not fit the case schema of ZBC-SC-2025 A/2:\n  audit.kind:")
    assert texts_for(rs.manifest, environ={}).error(raised.value).startswith("案例 不符合 ZBC-SC-2025 A/2")
