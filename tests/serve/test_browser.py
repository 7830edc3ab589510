"""The workbench as a person uses it: the real server on a free local port, driven in headless Chromium
(Playwright pointed at the system's Chromium; nothing is downloaded). A missing browser fails in CI
(CERTRULES_REQUIRE_BROWSER=1) and skips elsewhere, as the document checks do."""
from __future__ import annotations

import os

import pytest

from pagecheck import ink_share, require_chromium
from serving import running_server

from engine.render import chromium

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        message = "Playwright is not installed (pip install -e '.[test]')"
        if os.environ.get("CERTRULES_REQUIRE_BROWSER"):
            pytest.fail(message + " and CERTRULES_REQUIRE_BROWSER is set")
        pytest.skip(message)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve")) as s:
        yield s


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    problems = []
    # a style or frame the Content-Security-Policy blocks shows as a console error ("Refused to ...")
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" and "status of 422" not in m.text else None)
    pg.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    pg.on("request", lambda r: problems.append(f"outside: {r.url}") if not r.url.startswith((server.url, "data:"))
          else None)
    pg.problems = problems
    yield pg
    context.close()


def looked_at(pg, tmp_path, name) -> None:
    """A screenshot of the page, which must not be blank."""
    png = tmp_path / f"{name}.png"
    pg.screenshot(path=str(png))
    assert ink_share(png) > 0.01, f"the {name} page looks blank"


def test_a_person_evaluates_an_initial_five_star_audit_with_9_self_built_sites(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/rulesets/ZBC-SC-2025-A2/case")
    assert pg.locator("h1").inner_text().startswith("填写案例")
    looked_at(pg, tmp_path, "form")

    for pointer, times in (("/application/documents", 3), ("/audit/methods", 2), ("/audit/team", 1),
                           ("/evaluation/items", 2), ("/audit/sites/list", 9)):
        for _ in range(times):
            with pg.expect_navigation():
                pg.click(f'button[value="add:{pointer}"]')
    text = {"/as_of": "2026-01-20", "/organization/name": "成都锦欣家电售后服务有限公司",
            "/organization/uscc": "91510104MA61R7TJ5W", "/organization/address": "四川省成都市锦江区东大街下东大街段 216 号",
            "/organization/service_headcount": "420", "/application/complete_on": "2025-11-03",
            "/audit/sites/count": "9", "/audit/planned_onsite_days": "3.5", "/audit/team/0/name": "张伟",
            "/audit/reviewer": "谢文博", "/audit/decision_maker": "唐敏",
            "/evaluation/items/0/max": "10", "/evaluation/items/0/score": "10",
            "/evaluation/items/1/max": "10", "/evaluation/items/1/score": "9.5",
            "/evaluation/special_deductions": "0", "/certificate/number": "103725F2153R0S",
            "/certificate/issued_on": "2025-12-15", "/certificate/scope": "家用电器的售后服务"}
    # 5.4.3(1): the self-built sites to be shown on the certificate, one by one
    text.update({f"/audit/sites/list/{i}/name": f"第 {i + 1} 网点" for i in range(9)})
    for name, value in text.items():
        pg.fill(f'[name="{name}"]', value)
    choices = {"/organization/business_license": "是 yes", "/organization/commitment_signed": "是 yes",
               "/application/documents/0": "application_form", "/application/documents/1": "conformity_declaration",
               "/application/documents/2": "legal_status_proof", "/audit/kind": "initial",
               "/audit/sites/self_built": "是 yes", "/audit/sites/listed_on_certificate": "是 yes",
               "/audit/methods/0": "open_inspection", "/audit/methods/1": "mystery_customer",
               "/audit/team/0/leader": "是 yes", "/audit/team/0/ccaa_service_auditor": "是 yes",
               "/audit/team/0/after_sales_trained": "是 yes", "/evaluation/items/0/part": "management",
               "/evaluation/items/1/part": "characteristic", "/certificate/level": "five_star"}
    for name, label in choices.items():
        pg.select_option(f'[name="{name}"]', label=label)
    with pg.expect_navigation():
        pg.click("#evaluate")

    assert pg.locator("h1").inner_text().startswith("评价结果")
    assert pg.locator('[data-id="level"]').inner_text() == "five_star"
    assert pg.locator('[data-id="audit_days"]').inner_text() == "4"
    assert pg.locator('[data-id="sites_to_sample"]').inner_text() == "3"
    looked_at(pg, tmp_path, "result")
    result = pg.url

    with pg.expect_navigation():
        pg.click('[data-explain="audit_days"]')
    assert pg.locator("#value").inner_text() == "4"
    assert pg.locator("#clause").inner_text() == "附录注3"
    assert "audit_days_rounded + extra_site_days" in pg.locator("#explanation").inner_text()
    assert "= 4" in pg.locator("#cli-explain").inner_text()
    looked_at(pg, tmp_path, "explain")

    pg.goto(result)
    with pg.expect_navigation():
        pg.click("#doc-certificate")
    frame = pg.frame_locator("#document-frame")
    assert "商品售后服务认证证书" in frame.locator("body").inner_text()
    assert "五星级" in frame.locator("body").inner_text()
    pg.wait_for_load_state("networkidle")
    looked_at(pg, tmp_path, "certificate")
    assert pg.problems == []


def test_a_wrong_input_is_shown_at_its_field(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/rulesets/ZBC-SC-2025-A2/case?example=01-initial-five-star-9-sites")
    pg.fill('[name="/audit/sites/count"]', "nine")
    with pg.expect_navigation():
        pg.click("#evaluate")
    field = pg.locator(".field.invalid", has=pg.locator('[name="/audit/sites/count"]'))
    assert "expected a whole number, got 'nine'" in field.inner_text()
    assert pg.locator('[name="/audit/sites/count"]').input_value() == "nine"
    looked_at(pg, tmp_path, "problems")
    assert pg.problems == []


def test_the_rulebook_timeline_and_comparison_pages_render_cleanly(page, server, tmp_path):
    pg = page
    for path, words in (("/rulesets", "ZBC-SC-2025 A/2"), ("/rulebook/ZBC-SC-2025-A2/index.html", "5.9.2"),
                        ("/compare?old=A1&new=A2", "比较版本")):
        pg.goto(server.url + path)
        assert words in pg.locator("body").inner_text(), path
        pg.wait_for_load_state("networkidle")
        looked_at(pg, tmp_path, path.strip("/").replace("/", "-").split("?")[0] or "home")
    assert pg.problems == []
