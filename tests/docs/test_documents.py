"""The A/2 documents, rendered for the example cases and looked at in headless Chromium."""
from __future__ import annotations

import copy
import shutil

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


def test_certificate_qr_code_encodes_the_verification_address():
    html = render("certificate", case("01"))
    expected = segno.make("http://www.iso9001.ltd", error="m").svg_inline(scale=3, border=1, title="http://www.iso9001.ltd")
    assert expected in html


def test_star_marks_follow_the_level():
    assert "★★★★</div>" in render("certificate", case("02"))      # four-star
    assert "★★★</div>" in render("certificate", case("05"))       # three-star
    compliant = render("certificate", case("06"))
    assert "达标级" in compliant and "★" not in visible_text(compliant)


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


def test_report_of_a_refused_case_recommends_refusal_with_reasons():
    text = visible_text(render("report", case("04")))
    assert "不通过认证" in text and "5.9.3" in text


def test_refusal_gives_each_reason_with_its_clause():
    text = visible_text(render("refusal", case("03")))
    assert "评价分数" in text and "第 5.9.3 条" in text and "不予通过认证" in text
    text = visible_text(render("refusal", case("04")))
    assert "特别扣分项" in text and "第 5.9.3 条" in text


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
def test_certificate_in_chromium_one_a4_page(browser):
    c = case("01")
    page = browser.open(render("certificate", c), "certificate")
    assert page["console"] == []
    text = visible_text(page["dom"])
    for s in ["成都锦欣家电售后服务有限公司", "五星级", "2028年12月14日", "103725F2153R0S", "<svg"[1:]]:
        assert s in text or s in page["dom"], s
    assert ink_share(page["png"]) > 0.02, "the screenshot is blank"
    pdf = render("certificate", c, fmt="pdf")
    assert pdf[:5] == b"%PDF-"
    assert pdf_pages(pdf) == 1


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
