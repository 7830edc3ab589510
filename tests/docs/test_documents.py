"""The A/2 documents, rendered for the example cases and looked at in headless Chromium."""
from __future__ import annotations

import copy
import re
import shutil
from decimal import Decimal

import pytest
import segno

from engine.errors import CaseError, RuleSetError
from engine.evaluation import evaluate
from engine.registry import load_cached
from engine.render import environment, render_document
from engine.yamlio import load_file

from pagecheck import A2, CASES, ink_share, pdf_pages, visible_text, needs_chromium
from jinja2.sandbox import SecurityError


def case(name: str) -> dict:
    return load_file(next(CASES.glob(f"{name}*.yaml"))).data


def render(doc: str, c: dict, fmt: str = "html", folder=A2):
    rs = load_cached(folder)
    return render_document(rs, evaluate(rs, c), doc, fmt, case=c)


# ---------------------------------------------------------------- the certificate

def test_certificate_holds_every_8_1_1_item():
    html = render("certificate", case("01"))
    text = visible_text(html)
    for item in ["商品售后服务认证证书",                       # (1)
                 "103725F2153R0S",                            # (2)
                 "成都锦欣家电售后服务有限公司", "91510104MA61R7TJ5W",  # (3)
                 "生产/经营地址",                              # (4)
                 "GB/T 27922-2011", "ZBC-SC-2025 A/2",         # (5)
                 "家用电器（空调、冰箱、洗衣机）的售后服务",       # (6)
                 "★★★★★", "五星级",                            # (7)
                 "2025年12月15日", "2028年12月14日",             # (8)
                 "四川中标认证有限公司", "金府路 88 号",          # (9)
                 "http://www.iso9001.ltd", "http://www.cnca.gov.cn"]:  # (10)
        assert item in text, item
    assert "@page { size: A4" in html
    assert "http://" not in html.replace("http://www.iso9001.ltd", "").replace("http://www.cnca.gov.cn", "") \
        .replace("http://www.w3.org/2000/svg", ""), "the page must not load anything"


def test_certificate_qr_code_encodes_the_certificates_own_query_address():
    html = render("certificate", case("01"))
    rs = load_cached(A2)
    url = rs.manifest["data"]["verification_url"].replace("{number}", "103725F2153R0S")
    assert url != "http://www.iso9001.ltd" and "103725F2153R0S" in url
    expected = segno.make(url, error="m").svg_inline(scale=3, border=1, title=url)
    assert expected in html
    home = segno.make("http://www.iso9001.ltd", error="m").svg_inline(scale=3, border=1, title="http://www.iso9001.ltd")
    assert home not in html


def test_star_marks_follow_the_decided_level():
    assert "★★★★</div>" in render("certificate", case("02"))      # four-star
    three = copy.deepcopy(case("05"))
    three["audit"]["reviewer"] = "何雪梅"                           # 05 breaks 5.8.2 on purpose; mended here
    assert "★★★</div>" in render("certificate", three)
    compliant = render("certificate", case("06"))
    assert "达标级" in compliant and "★" not in visible_text(compliant)


def refusal_of(doc: str, c: dict, folder=A2) -> str:
    with pytest.raises(CaseError) as exc:
        render(doc, c, folder=folder)
    assert exc.value.exit_code == 4
    return str(exc.value)


def test_a_claimed_level_other_than_the_decision_is_refused_with_its_reason_and_clause():
    c = copy.deepcopy(case("02"))                                    # the evaluation decides four-star
    c["certificate"]["level"] = "five_star"
    c["certificate"]["scope"] = "电动自行车的售后服务"
    msg = refusal_of("certificate", c)
    assert "does not earn" in msg
    assert "（5.9.2）" in msg and "certificate_level_mismatch" in msg
    assert "五星级" in msg and "四星级" in msg                        # the claim and the decision, named


def test_the_certificate_never_prints_the_case_level():
    c = copy.deepcopy(case("02"))
    c["certificate"].pop("level")                                   # no claim at all: the decision is printed
    c["certificate"]["scope"] = "电动自行车的售后服务"
    text = visible_text(render("certificate", c))
    assert "四星级" in text and "五星级" not in text
    assert "电动自行车的售后服务（四星级）" in text                  # the scope line ends in the decided level


def test_a_scope_carrying_another_level_is_refused():
    c = copy.deepcopy(case("02"))
    c["certificate"]["scope"] = "电动自行车的售后服务（五星级）"
    msg = refusal_of("certificate", c)
    assert "certificate_scope_level_conflict" in msg and "（附件）" in msg


def test_an_error_among_the_decisions_preconditions_is_refused_with_its_reason():
    msg = refusal_of("certificate", case("05"))                     # the reviewer was on the team
    assert "（5.8.2）" in msg and "reviewer_in_team" in msg and "刘芳" in msg


def test_a_case_without_an_evaluation_decides_no_level():
    msg = refusal_of("certificate", case("11"))                     # valid certificate, no audit in the case
    assert "certificate_level" in msg and "5.9.2" in msg


def test_a_surveillance_that_supports_another_level_is_refused_until_the_level_is_decided():
    c = copy.deepcopy(case("07"))                                   # five-star certificate, surveillance audit
    for item in c["evaluation"]["items"]:
        item["score"] = item["max"] * Decimal("0.92")               # now supports four-star
    msg = refusal_of("certificate", c)
    assert "surveillance_level_change" in msg and "降低认证等级" in msg and "（6.5）" in msg
    c["certificate"]["level"] = "four_star"                         # the body decided: lower the level
    c["certificate"]["scope"] = "家具及家居建材的售后服务"
    text = visible_text(render("certificate", c))
    assert "四星级" in text and "五星级" not in text


def test_a_failed_surveillance_earns_no_certificate_and_no_refusal_notice():
    c = copy.deepcopy(case("07"))
    for item in c["evaluation"]["items"]:
        item["score"] = item["max"] * Decimal("0.6")
    assert "certificate_level" in refusal_of("certificate", c)
    assert "refusal" in refusal_of("refusal", c)                    # 6.6 measures, not a 5.9.4 letter


def test_sites_to_be_shown_need_their_list():
    c = copy.deepcopy(case("01"))
    c["audit"]["sites"] = {"count": 9, "self_built": True, "listed_on_certificate": True}
    msg = refusal_of("certificate", c)
    assert "8.1.1(4)" in msg and "网点清单" in msg


def test_the_sites_shown_are_listed_on_the_certificate_or_its_annex():
    html = render("certificate", case("01"))                        # 9 sites: the annex page
    text = visible_text(html)
    assert 'id="annex"' in html and "共 9 个，见附页" in text
    for name in ["锦欣家电锦江服务网点", "锦欣家电龙泉驿服务网点", "四川省成都市高新区天府三街 19 号"]:
        assert name in text
    few = copy.deepcopy(case("01"))
    few["audit"]["sites"]["list"] = few["audit"]["sites"]["list"][:4]
    html = render("certificate", few)
    assert 'id="annex"' not in html and "锦欣家电武侯服务网点" in visible_text(html)


def test_a_refused_case_earns_no_certificate():
    with pytest.raises(CaseError) as exc:
        render("certificate", case("03"))
    msg = str(exc.value)
    assert "does not earn" in msg and "5.9.3" in msg and "score_below_minimum" in msg
    assert exc.value.exit_code == 4


def test_an_expired_certificate_is_not_rendered():
    with pytest.raises(CaseError, match="expired"):
        render("certificate", case("13"))


@pytest.mark.parametrize("path, item, words", [
    (("organization", "uscc"), "8.1.1(3)", "统一社会信用代码"),
    (("certificate", "number"), "8.1.1(2)", "认证证书编号"),
    (("certificate", "scope"), "8.1.1(6)", "认证范围"),
])
def test_a_missing_8_1_1_item_is_named(path, item, words):
    c = copy.deepcopy(case("01"))
    del c[path[0]][path[1]]
    with pytest.raises(CaseError) as exc:
        render("certificate", c)
    msg = str(exc.value)
    assert item in msg and words in msg, msg


def test_an_unknown_document_lists_the_documents():
    with pytest.raises(Exception) as exc:
        render("diploma", case("01"))
    assert "certificate" in str(exc.value) and "report" in str(exc.value) and "refusal" in str(exc.value)


# ---------------------------------------------------------------- the report and the refusal

def without_contact(c: dict) -> dict:
    c = copy.deepcopy(c)
    c["organization"].pop("contact", None)
    return c


def test_report_has_the_eight_items_scores_findings_and_recommendation():
    html = render("report", without_contact(case("01")))
    text = visible_text(html)
    for n in range(1, 9):
        assert f"({n})" in text
    for s in ["服务管理评价", "服务特性评价", "95.4", "审查组推荐：通过认证，颁发五星级认证证书", "张伟", "2025年11月24日"]:
        assert s in text, s
    # without a contact person: listed as missing under 5.7.2(1), and the finding is shown with its clause
    assert "缺少 Missing: 联系人" in text
    assert "5.7.2" in text


def test_a_score_is_written_as_the_rule_set_declares_and_the_same_everywhere():
    rs = load_cached(A2)
    assert rs.elements["score_shown"].places == 1 and rs.elements["score_total"].places is None
    c = case("02")                                                  # 90.0555…: one decimal, the rest cut off
    text = visible_text(render("report", c))
    assert "90.0" in text and "90.0555" not in text and "90.1" not in text
    assert re.search(r"评价总分\s*90\.0", text)
    letter = visible_text(render("refusal", case("03")))            # 58.666…: 58.6 in the letter and in its reason
    assert letter.count("58.6") >= 2 and "58.66" not in letter and "58.7" not in letter


def _scored(c: dict, management, characteristic) -> dict:
    c = copy.deepcopy(c)
    c["evaluation"].update(items=[{"id": "M1", "part": "management", "max": 50, "score": Decimal(management)},
                                  {"id": "C1", "part": "characteristic", "max": 50, "score": Decimal(characteristic)}],
                           mystery_customer=[], customer_survey=[0] * 10)
    return c


def test_a_written_score_never_crosses_a_threshold_it_did_not_reach():
    """5.9.2/5.9.3 compare the exact score; a letter saying "70.0 is below 70" or a report
    writing 95.0 beside four-star would state what was not decided."""
    low = _scored(case("03"), "35", "34.96")                         # 69.96: refused
    letter = visible_text(render("refusal", low))
    assert "69.9" in letter and "70.0" not in letter
    near = _scored(case("01"), "47.4", "47.56")                      # 94.8 + 95.12 -> 94.96: four-star
    near["certificate"]["level"] = "four_star"
    near["certificate"]["scope"] = "家用电器（空调、冰箱、洗衣机）的售后服务"
    report = visible_text(render("report", near))
    assert re.search(r"评价总分\s*94\.9\s", report) and re.search(r"评价总分\s*94\.9\s*，对应等级水平（5\.9\.2）：\s*四星级", report)
    assert "95.0" not in report


def test_a_recertification_certificate_is_not_printed_from_the_expiring_one():
    """8.1.2: the recertification issues a new 3-year certificate; the case's certificate issued
    before the evaluation is the expiring one, whose dates were not decided now."""
    reason = refusal_of("certificate", case("08"))
    assert "8.1.2" in reason and "recertification_certificate_pending" in reason
    html = render("certificate", case("23"))                         # the new certificate in the case
    text = visible_text(html)
    assert "2027年4月20日" in text and "2030年4月19日" in text and "2021年5月20日" in text
    assert "2027年5月19日" not in text


def test_a_certificate_reissued_after_a_level_change_shows_the_reissue_date():
    c = copy.deepcopy(case("19"))                                    # the body lowered the level to four-star
    c["certificate"]["level"] = "four_star"
    c["certificate"]["scope"] = c["certificate"]["scope"].replace("（五星级）", "")
    c["certificate"]["reissued_on"] = c["as_of"]
    text = visible_text(render("certificate", c))
    assert "四星级" in text and "五星级" not in text
    assert "本次发证日期： 2026年11月20日" in text or "2026年11月20日" in text
    assert "2028年12月2日" in text                                    # the cycle's validity, not 3 years from the reissue


def test_a_clause_is_cited_once():
    for doc, name in [("refusal", "03"), ("refusal", "04"), ("report", "04")]:
        text = visible_text(render(doc, case(name)))
        assert "（5.9.3）（第 5.9.3 条）" not in text and "（5.9.3） （第 5.9.3 条）" not in text
        assert not re.search(r"（5\.9\.3）\s*（(第 )?5\.9\.3( 条)?）", text), doc
    rs = load_cached(A2)
    for el in rs.elements.values():                                # no check repeats its own clause in its message
        for msg in (getattr(el, "message", None) or {}).values():
            assert f"（{el.clause}）" not in msg and f"({el.clause})" not in msg, el.id


def test_report_of_a_refused_case_recommends_refusal_with_reasons():
    text = visible_text(render("report", case("04")))
    assert "不通过认证" in text and "5.9.3" in text


def test_refusal_gives_each_reason_with_its_clause():
    text = visible_text(render("refusal", case("03")))
    assert "评价分数" in text and "第 5.9.3 条" in text and "不予通过认证" in text
    text = visible_text(render("refusal", case("04")))
    assert "特别扣分项" in text and "第 5.9.3 条" in text


def test_no_refusal_notice_without_a_decision_to_refuse():
    """5.9.4 writes to the applicant about a decision made: not while the review (5.8.3) found problems,
    nor while a condition the decision rests on has an error (5.9.1)."""
    c = copy.deepcopy(case("03"))
    c["audit"]["review_passed"] = False
    msg = refusal_of("refusal", c)
    assert "certification_decision" in msg and "5.9.4" in msg
    c = copy.deepcopy(case("03"))
    c["audit"]["decision_maker"] = c["audit"]["team"][0]["name"]        # decided by an auditor of the case
    msg = refusal_of("refusal", c)
    assert "decision_maker_in_team" in msg and "5.9.1" in msg


def test_no_certificate_when_the_case_does_not_say_the_kind_of_audit():
    c = copy.deepcopy(case("01"))
    del c["audit"]["kind"]
    assert "certificate_level" in refusal_of("certificate", c)


def test_a_refused_case_s_report_names_no_raw_level_word():
    text = visible_text(render("report", case("03")))
    assert "未达到认证等级" in text and "：none" not in text


def test_a_granted_case_gets_no_refusal_notice():
    with pytest.raises(CaseError, match="refusal"):
        render("refusal", case("01"))


# ---------------------------------------------------------------- the sandbox

def _copy_ruleset(tmp_path):
    dst = tmp_path / "ZBC-SC-2025-A2"
    shutil.copytree(A2, dst)
    return dst


def test_sandbox_refuses_python_internals(tmp_path):
    env = environment(tmp_path)
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises(SecurityError):
        env.from_string("{{ [].append(1) }}").render()
    folder = _copy_ruleset(tmp_path)
    (folder / "templates" / "certificate.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RuleSetError, match="sandbox"):
        render("certificate", case("01"), folder=folder)


def test_templates_cannot_leave_their_folder(tmp_path):
    folder = _copy_ruleset(tmp_path)
    (tmp_path / "x").write_text("secret")
    tpl = folder / "templates" / "certificate.html.j2"
    for bad in ["{% include '../../x' %}", "{% include '/etc/passwd' %}", "{% include 'link' %}"]:
        (folder / "templates" / "link").unlink(missing_ok=True)
        (folder / "templates" / "link").symlink_to(tmp_path / "x")
        tpl.write_text(bad)
        with pytest.raises(RuleSetError) as exc:
            render("certificate", case("01"), folder=folder)
        assert "refused" in str(exc.value), str(exc.value)


def test_autoescape_keeps_case_text_as_text():
    c = copy.deepcopy(case("01"))
    c["organization"]["name"] = "<script>alert(1)</script>有限公司"
    html = render("certificate", c)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


# ---------------------------------------------------------------- as a person sees them

@needs_chromium
def test_certificate_in_chromium_one_a4_page_and_its_annex(browser):
    c = copy.deepcopy(case("01"))
    most = load_cached(A2).manifest["data"]["certificate_sites_on_page"]
    c["audit"]["sites"]["list"] = c["audit"]["sites"]["list"][:most]   # the most shown on the page itself
    c["organization"]["scope_addresses"] = [c["organization"]["address"], "四川省成都市武侯区人民南路四段 1 号"]
    page = browser.open(render("certificate", c), "certificate")
    assert page["console"] == []
    text = visible_text(page["dom"])
    for s in ["成都锦欣家电售后服务有限公司", "五星级", "2028年12月14日", "103725F2153R0S", "<svg"[1:]]:
        assert s in text or s in page["dom"], s
    assert ink_share(page["png"]) > 0.02, "the screenshot is blank"
    pdf = render("certificate", c, fmt="pdf")
    assert pdf[:5] == b"%PDF-"
    assert pdf_pages(pdf) == 1
    # 9 sites (example 01) and 30 (example 16) go to one annex page each
    for name in ("01", "16"):
        pdf = render("certificate", case(name), fmt="pdf")
        assert pdf_pages(pdf) == 2, name
    # content that cannot fit grows the sheet (a second page) instead of being cut off unseen
    c["organization"]["scope_addresses"] = [f"四川省成都市某区某路 {n} 号" for n in range(1, 30)]
    assert pdf_pages(render("certificate", c, fmt="pdf")) > 1


@needs_chromium
@pytest.mark.parametrize("doc, name, keys", [
    ("report", "01", ["成都锦欣家电售后服务有限公司", "五星级", "王丽", "95.4"]),
    ("refusal", "03", ["第 5.9.3 条", "不予通过认证"]),
    ("refusal", "04", ["特别扣分项", "第 5.9.3 条"]),
])
def test_documents_in_chromium(browser, doc, name, keys):
    page = browser.open(render(doc, case(name)), f"{doc}-{name}")
    assert page["console"] == []
    text = visible_text(page["dom"])
    for k in keys:
        assert k in text, k
    assert ink_share(page["png"]) > 0.01, "the screenshot is blank"
    pdf = render(doc, case(name), fmt="pdf")
    assert pdf_pages(pdf) >= 1


# ---------------------------------------------------------------- clause texts as the document prints them

def test_clause_texts_are_plain_chinese_not_latex():
    for folder in (A2, A2.parent / "ZBC-SC-2024-A1"):
        rs = load_cached(folder)
        texts = [str(e.get("text") or "") for e in rs.clause_map] + [el.text or "" for el in rs.elements.values()]
        for text in texts:
            assert "\\sqrt" not in text and "$" not in text, text
        sites = next(e for e in rs.clause_map if str(e["clause"]) == "5.4.3")
        assert "√x" in sites["text"] and "0.6√x" in sites["text"] and "0.8√x" in sites["text"]


def test_the_appendix_table_is_a_table_in_the_rulebook(tmp_path):
    from engine.rulebook import build_rulebook
    site = build_rulebook(load_cached(A2), tmp_path / "rulebook")
    page = (site / "clause-附录.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="wide" id="clause-table">.*?</table>', page, re.S).group()
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert len(rows) == 9                                             # the header and 8 bands
    assert re.findall(r"<td>(.*?)</td>", rows[3]) == ["276-875", "3", "1", "2"]
    assert "遵循上述规律" in rows[-1]


def test_no_certification_document_rests_on_a_reconstructed_revision():
    a1 = A2.parent / "ZBC-SC-2024-A1"
    for doc, name in [("certificate", "01"), ("report", "01"), ("refusal", "03")]:
        c = copy.deepcopy(case(name))
        c["revision"] = "A/1"
        msg = refusal_of(doc, c, folder=a1)
        assert "revision_reconstructed" in msg and "（更改记录）" in msg and "假设" in msg, doc
