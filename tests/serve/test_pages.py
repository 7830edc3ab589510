"""The workbench's pages, in-process: the form made from the case schema, its rows and messages, the
result, the explanation, the documents, the rulebook, the comparison and the impact analysis."""
from __future__ import annotations

import html as htmllib
import re
import time
from pathlib import Path

import pytest

from serving import A2, CASES, case, cli_output, example, form_of

import engine
from engine.case import validate_case
from engine.errors import CaseError

FORM = "/rulesets/ZBC-SC-2025-A2/case"


def text_of(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def value_cell(html: str, eid: str) -> str:
    m = re.search(rf'<td class="value" data-id="{re.escape(eid)}">(.*?)</td>', html, re.S)
    assert m, eid
    return htmllib.unescape(m.group(1)).strip()


def result_of(client, response) -> str:
    assert response.status_code == 303, response.text[:3000]
    r = client.get(response.headers["location"])
    assert r.status_code == 200
    return r.text


def act(client, form, action=None):
    data = dict(form.fields)
    if action:
        data["_action"] = action
    return client.post(FORM, data=data)


def test_pages_answer(client):
    for path in ("/", "/rulesets", "/cases", "/compare", FORM, "/rulesets/A1/case", "/rulesets/A2/coverage",
                 "/login", "/static/workbench.css"):
        r = client.get(path)
        assert r.status_code == 200, path
    assert client.get("/nowhere").status_code == 404
    assert "no such page" in client.get("/nowhere").text


def test_the_timeline_shows_each_revision_with_its_links(client):
    html = client.get("/rulesets").text
    text = text_of(html)
    for words in ("2024-12-01", "2025-12-01", "ZBC-SC-2024 A/1", "ZBC-SC-2025 A/2", "重建 reconstructed",
                  "正式文本 authoritative", "已批准 approved"):
        assert words in text, words
    assert html.index("2024-12-01") < html.index("2025-12-01")
    for href in ("/rulebook/ZBC-SC-2025-A2/index.html", "/rulesets/ZBC-SC-2025-A2/coverage",
                 "/compare?old=ZBC-SC-2024-A1&amp;new=ZBC-SC-2025-A2"):
        assert f'href="{href}"' in html, href


def test_the_coverage_page_lists_every_clause(client):
    from engine.coverage import clause_rows
    _, rows = clause_rows(A2)
    html = client.get("/rulesets/A2/coverage").text
    assert html.count("<tr class=") == len(rows)
    assert f"{sum(1 for r in rows if r['encoded_by'])} / {len(rows)}" in html


def test_the_rulebook_is_served_with_its_links(client):
    index = client.get("/rulebook/ZBC-SC-2025-A2/index.html")
    assert index.status_code == 200 and "'sha256-" in index.headers["content-security-policy"]
    r = client.get("/rulebook/ZBC-SC-2025-A2/element/audit_days")
    assert r.status_code == 303
    page, _, frag = r.headers["location"].partition("#")
    assert frag == "el-audit_days" and 'id="el-audit_days"' in client.get(page).text
    r = client.get("/rulebook/ZBC-SC-2025-A2/clause/5.9.3")
    assert r.status_code == 303 and client.get(r.headers["location"]).status_code == 200
    assert client.get("/rulebook/ZBC-SC-2025-A2/..%2F..%2Fpyproject.toml").status_code == 404
    assert client.get("/rulebook/ZBC-SC-2025-A2/clause-nope.html").status_code == 404


def test_the_form_is_made_from_the_case_schema(client):
    html = client.get(FORM).text
    assert '<input id="f_2f_as_of" name="/as_of" type="date"' in html
    assert re.search(r'<select id="f_2f_audit_2f_kind" name="/audit/kind"><option value="">—</option>'
                     r'<option value="0">initial</option><option value="1">surveillance</option>', html)
    assert 'name="/audit/team#rows" value=""' in html
    assert 'value="add:/audit/team"' in html
    text = text_of(html)
    for words in ("审查类型 Kind of audit", "网点数（给出清单时以清单为准） Number of sites", "审查组（5.4.4） Audit team",
                  "评价基准日 As of as_of *"):
        assert words in text, words
    assert 'inputmode="numeric"' in html and 'inputmode="decimal"' in html


def test_rows_are_added_and_removed_without_javascript(client):
    form = form_of(client.get(FORM).text)
    r = act(client, form, "add:/audit/team")
    assert r.status_code == 200
    form = form_of(r.text)
    assert form.fields["/audit/team#rows"] == "1" and "/audit/team/0/name" in form.fields
    form["/audit/team/0/name"] = "张伟"
    form = form_of(act(client, form, "add:/audit/team").text)
    form["/audit/team/1/name"] = "刘芳"
    assert form.fields["/audit/team/0/name"] == "张伟"
    form = form_of(act(client, form, "remove:/audit/team/0").text)
    assert form.fields["/audit/team#rows"] == "1" and form.fields["/audit/team/0/name"] == "刘芳"


def fill_initial_five_star(client):
    """The form filled as a person would: an initial five-star audit with 9 self-built sites."""
    form = form_of(client.get(FORM).text)
    for action in ("add:/application/documents",) * 3 + ("add:/audit/methods",) * 2 + ("add:/audit/team",) + \
            ("add:/evaluation/items",) * 2:
        form = form_of(act(client, form, action).text)
    values = {"/as_of": "2026-01-20", "/organization/name": "成都锦欣家电售后服务有限公司",
              "/organization/uscc": "91510104MA61R7TJ5W", "/organization/address": "四川省成都市锦江区东大街下东大街段 216 号",
              "/organization/service_headcount": "420", "/organization/business_license": "true",
              "/organization/commitment_signed": "true", "/application/complete_on": "2025-11-03",
              "/application/documents/0": "0", "/application/documents/1": "1", "/application/documents/2": "2",
              "/audit/kind": "0", "/audit/sites/count": "9", "/audit/sites/self_built": "true",
              "/audit/sites/listed_on_certificate": "true", "/audit/planned_onsite_days": "3.5",
              "/audit/methods/0": "0", "/audit/methods/1": "1", "/audit/team/0/name": "张伟",
              "/audit/team/0/leader": "true", "/audit/team/0/ccaa_service_auditor": "true",
              "/audit/team/0/after_sales_trained": "true", "/audit/reviewer": "谢文博", "/audit/decision_maker": "唐敏",
              "/evaluation/items/0/part": "0", "/evaluation/items/0/max": "10", "/evaluation/items/0/score": "10",
              "/evaluation/items/1/part": "1", "/evaluation/items/1/max": "10", "/evaluation/items/1/score": "9.5",
              "/evaluation/special_deductions": "0", "/certificate/number": "103725F2153R0S",
              "/certificate/issued_on": "2025-12-15", "/certificate/level": "0", "/certificate/scope": "家用电器的售后服务"}
    for k, v in values.items():
        form[k] = v
    return form


def test_a_case_filled_in_the_form_is_evaluated(client):
    html = result_of(client, act(client, fill_initial_five_star(client), "evaluate"))
    assert value_cell(html, "level") == "five_star"
    assert value_cell(html, "audit_days") == "4"
    assert value_cell(html, "sites_to_sample") == "3"
    assert value_cell(html, "certificate_expires_on") == "2028-12-14"
    headline = html[html.index('id="headline"'):html.index("</table>", html.index('id="headline"'))]
    assert headline.count('<td class="value"') == 13
    text = text_of(html)
    assert "revision A/2 named by the case or the command line" in text


def test_a_wrong_input_is_named_at_its_field_with_the_cli_sentence(client):
    form = fill_initial_five_star(client)
    form["/audit/sites/count"] = "nine"
    form["/as_of"] = "2026-02-30"
    r = act(client, form, "evaluate")
    assert r.status_code == 422
    c = {"as_of": "2026-02-30"}
    with pytest.raises(CaseError) as exc:
        validate_case(engine.load_ruleset(A2), dict(c, audit={"sites": {"count": "nine"}}))
    field = re.search(r'<div class="field invalid">\s*<label for="f_2f_audit_2f_sites_2f_count">.*?</div>', r.text, re.S)
    assert field and "expected a whole number, got &#39;nine&#39;" in field.group(0)
    date = re.search(r'<div class="field invalid">\s*<label for="f_2f_as_of">.*?</div>', r.text, re.S)
    assert date and "is not a valid date (write YYYY-MM-DD, e.g. 2026-01-31)" in date.group(0)
    assert 'type="text" value="2026-02-30"' in date.group(0)         # shown as typed, not emptied
    for line in str(exc.value).splitlines()[1:]:
        assert line.strip() in htmllib.unescape(r.text)
    assert form_of(r.text).fields["/organization/name"] == "成都锦欣家电售后服务有限公司"   # nothing typed is lost


@pytest.mark.parametrize("path", sorted(p.name for p in CASES.glob("*.yaml")))
def test_every_example_through_the_form_gives_the_library_result(client, path):
    form = form_of(client.get(f"{FORM}?example={path[:-5]}").text)
    html = result_of(client, act(client, form, "evaluate"))
    rs, why = engine.select_ruleset(case(path[:2]), "A/2")
    expected = engine.evaluate(rs, case(path[:2]), selection=why)
    from engine.serve.pages import _value_text
    for eid in rs.manifest["outputs"]:
        assert _value_text(expected["values"][eid]) in htmllib.unescape(html), eid
    assert html.count('class="finding ') == len(expected["findings"])


def test_paste_upload_and_examples(client):
    text = example("02").read_text(encoding="utf-8")
    html = result_of(client, client.post("/cases", data={"text": text, "mode": "evaluate"}))
    assert value_cell(html, "level") == "four_star"
    files = {"file": ("my-case.json", _json_of("05"), "application/json")}
    html = result_of(client, client.post("/cases", data={"mode": "evaluate"}, files=files))
    assert value_cell(html, "level") == "three_star" and "my-case.json" in html
    html = result_of(client, client.post("/cases", data={"example": "03-refused-low-score", "mode": "evaluate"}))
    assert value_cell(html, "level") == "none" and "score_below_minimum" in html
    r = client.post("/cases", data={"example": "01-initial-five-star-9-sites", "mode": "form"})
    assert r.status_code == 200 and form_of(r.text).fields["/audit/kind"] == "0"
    html = result_of(client, client.post("/cases", data={"text": text, "mode": "evaluate", "revision": "ZBC-SC-2024-A1"}))
    assert "ZBC-SC-2024 A/1" in html


def _json_of(prefix):
    from engine.jsonout import dumps
    return dumps(case(prefix)).encode()


def test_a_pasted_mistake_is_said_plainly(client):
    r = client.post("/cases", data={"text": "as_of: 2026-01-20\naudit: [unclosed\n", "mode": "evaluate"})
    assert r.status_code == 422 and "the pasted case:3:1: YAML syntax error" in text_of(r.text)
    r = client.post("/cases", data={"text": "as_of: 2026-01-20\naudit: {kind: initail}\n", "mode": "evaluate"})
    assert r.status_code == 422
    assert "the pasted case does not fit the case schema" in text_of(r.text)
    assert re.search(r'<div class="field invalid">\s*<label for="f_2f_audit_2f_kind">', r.text)
    r = client.post("/cases", data={"mode": "evaluate"})
    assert r.status_code == 422 and "paste a case" in r.text


def test_a_field_s_problem_is_said_in_chinese_first_with_english_beside(client):
    case = "as_of: 2026-01-20\naudit: {kind: initail}\n"
    r = client.post("/cases", data={"text": case, "mode": "evaluate"})
    page = text_of(r.text)
    assert r.status_code == 422
    assert "the pasted case 不符合 ZBC-SC-2025 A/2 的案例结构" in page and "does not fit the case schema" in page
    field = re.search(r'<p class="field-error" role="alert">(.*?)</p>', r.text, re.S).group(1)
    assert "不是以下之一" in field and "is not one of" in field
    client.cookies.set("certrules_lang", "en")
    try:
        r = client.post("/cases", data={"text": case, "mode": "evaluate"})
    finally:
        client.cookies.delete("certrules_lang")
    assert "不符合" not in text_of(r.text) and "is not one of" in text_of(r.text)


def _evaluated(client, prefix):
    r = client.post("/cases", data={"example": next(CASES.glob(f"{prefix}*.yaml")).stem, "mode": "evaluate"})
    assert r.status_code == 303
    return r.headers["location"]


def test_the_explanation_is_the_trace_as_the_cli_explains_it(client, capsys):
    base = _evaluated(client, "15")
    r = client.get(f"{base}/explain/audit_days")
    assert r.status_code == 200
    expected = cli_output(capsys, "eval", str(example("15")), "--explain", "audit_days")
    cli = re.search(r'<pre class="cli" id="cli-explain">(.*?)</pre>', r.text, re.S).group(1)
    assert htmllib.unescape(cli) == expected
    rs = engine.load_ruleset(A2)
    el = rs.elements["audit_days"]
    text = text_of(r.text)
    assert el.clause in text and el.text.strip()[:20] in text
    assert f'href="{base}/explain/audit_days_rounded"' in r.text      # inputs lead to their own explanation
    assert client.get(f"{base}/explain/nope").status_code == 404


def test_findings_are_grouped_by_severity_and_link_their_clause(client):
    html = client.get(_evaluated(client, "15")).text
    assert html.index("错误") < html.index("警告")
    assert 'href="/rulebook/ZBC-SC-2025-A2/clause/' in html
    assert "onsite_days_too_short" in html and "time_reduction_capped" in html


def test_document_previews_are_the_cli_documents(client, capsys):
    base = _evaluated(client, "01")
    page = client.get(f"{base}/documents/certificate")
    assert page.status_code == 200 and f'src="{base}/documents/certificate/html"' in page.text
    doc = client.get(f"{base}/documents/certificate/html")
    assert doc.text == cli_output(capsys, "render", "certificate", str(example("01")))
    assert "frame-ancestors 'self'" in doc.headers["content-security-policy"]
    refused = client.get(f"{_evaluated(client, '03')}/documents/certificate")
    assert refused.status_code == 422 and "does not earn it" in refused.text
    assert client.get(f"{base}/documents/diploma").status_code == 404


def test_a_result_is_kept_for_a_while_only(client):
    assert client.get("/results/not-a-result").status_code == 404
    base = _evaluated(client, "07")
    assert client.get(f"{base}/result.json").json()["values"]["level"] == "five_star"
    assert "as_of: '2026" in client.get(f"{base}/case.yaml").text or "as_of:" in client.get(f"{base}/case.yaml").text


def test_compare_shows_the_cli_diff_page(client, capsys):
    page = client.get("/compare?old=A1&new=A2")
    assert page.status_code == 200 and 'src="/compare/diff?old=ZBC-SC-2024-A1&amp;new=ZBC-SC-2025-A2"' in page.text
    r = client.get("/compare/diff?old=ZBC-SC-2024-A1&new=ZBC-SC-2025-A2")
    assert r.text == cli_output(capsys, "diff", "A/1", "A/2", "--format", "html")
    assert client.get("/compare?old=A1&new=Z9").status_code == 404


def _finished(client, location, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(location)
        if 'class="state-done"' in page.text or 'class="state-failed"' in page.text:
            return page
        assert 'http-equiv="refresh"' in page.text      # it refreshes itself while it runs
        time.sleep(0.5)
    raise AssertionError("the impact analysis did not finish")


def test_an_impact_analysis_of_a_generated_corpus(client):
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2", "generate": "60", "seed": "3"})
    assert r.status_code == 303
    page = _finished(client, r.headers["location"])
    assert 'class="state-done"' in page.text, page.text
    assert "60 个案例 cases" in text_of(page.text)
    report = client.get(r.headers["location"] + "/report")
    assert report.status_code == 200 and "60" in report.text


def test_an_impact_analysis_of_an_uploaded_corpus(client, capsys):
    lines = cli_output(capsys, "cases", "generate", "--n", "25", "--seed", "5")
    files = {"corpus": ("corpus.jsonl", lines.encode(), "application/x-ndjson")}
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"}, files=files)
    assert r.status_code == 303
    page = _finished(client, r.headers["location"])
    assert 'class="state-done"' in page.text and "corpus.jsonl（25 个案例 cases）" in page.text


def test_an_impact_analysis_needs_a_corpus(client):
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2", "generate": "0"})
    assert r.status_code == 422 and "choose a corpus file" in r.text


REGISTER = Path(__file__).resolve().parents[2] / "examples" / "register"


def _register_files(register="register.csv", mapping=None):
    data = (REGISTER / register).read_bytes()
    kind = "text/csv" if register.endswith(".csv") else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"register": (register, data, kind),
            "mapping": ("map.yaml", mapping if mapping is not None else (REGISTER / "map.yaml").read_bytes(),
                        "application/yaml")}


@pytest.mark.parametrize("register", ["register.csv", "register.xlsx"])
def test_an_impact_analysis_of_an_uploaded_register(client, capsys, tmp_path, register):
    """The register and its mapping become the corpus as `certrules cases import` makes it."""
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"}, files=_register_files(register))
    assert r.status_code == 303, r.text
    page = _finished(client, r.headers["location"])
    assert 'class="state-done"' in page.text, page.text
    out = tmp_path / "corpus.jsonl"
    cli_output(capsys, "cases", "import", str(REGISTER / register), "--map", str(REGISTER / "map.yaml"), "-o", str(out))
    n = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    text = text_of(page.text)
    assert f"{register} + map.yaml（{n} 个案例 cases）" in text
    assert f"{register}: {n} row(s) read, {n} case(s) written" in text and "/tmp" not in text
    assert f"{n} 个案例 cases" in text


def test_a_register_with_bad_rows_is_refused_naming_row_and_column(client):
    rows = (REGISTER / "register.csv").read_text(encoding="utf-8").splitlines()
    head, first = rows[0], rows[1].split(",")
    first[8] = "很多"                                  # 参与服务人数: not a whole number
    data = "\n".join([head, ",".join(first)] + rows[2:]).encode()
    files = dict(_register_files(), register=("证书清单.csv", data, "text/csv"))
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"}, files=files)
    page = _finished(client, r.headers["location"])
    text = text_of(page.text)
    assert 'class="state-failed"' in page.text and "row 2, column 参与服务人数" in text, text
    assert "证书清单.csv" in text and "/tmp" not in text
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2", "on_error": "skip"}, files=files)
    page = _finished(client, r.headers["location"])
    assert 'class="state-done"' in page.text and "1 bad row(s) skipped" in text_of(page.text)


def test_a_register_needs_its_mapping_and_a_known_kind(client):
    files = _register_files()
    del files["mapping"]
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"}, files=files)
    assert r.status_code == 422 and "comes with its mapping file" in r.text
    files = dict(_register_files(), register=("register.ods", b"x", "application/octet-stream"))
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"}, files=files)
    assert r.status_code == 422 and "register.ods: a register is a .csv or .xlsx file" in r.text
    r = client.post("/compare/impact", data={"old": "A1", "new": "A2"},
                    files=_register_files(mapping=b"columns: {}\nfields: {}\nbogus: 1\n"))
    assert r.status_code == 400 and "map.yaml" in r.text, re.findall(r"<pre[^>]*>(.*?)</pre>", r.text, re.S)
    assert "unknown key 'bogus'" in text_of(r.text) and "/tmp" not in r.text


def test_the_language_switch_shows_chinese_english_or_both(client):
    page = client.get("/compare?old=A1&new=A2")
    assert '<html lang="zh-CN">' in page.text
    h1 = re.search(r"<h1>(.*?)</h1>", page.text).group(1)
    assert "比较版本" in h1 and "Compare revisions" in h1            # Chinese first, English beside
    links = re.search(r'<nav class="lang".*?</nav>', page.text).group(0)
    assert 'aria-current="true">中文 + English' in links
    english_link = htmllib.unescape(re.search(r'<a href="([^"]+)">English</a>', links).group(1))
    r = client.get(english_link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/compare?old=A1&new=A2"
    assert "certrules_lang=en" in r.headers["set-cookie"]
    try:
        client.cookies.set("certrules_lang", "en")
        page = client.get("/compare?old=A1&new=A2")
        h1 = re.search(r"<h1>(.*?)</h1>", page.text).group(1)
        assert '<html lang="en">' in page.text and "Compare revisions" in h1 and "比较" not in h1
        english = client.get("/compare/diff?old=A1&new=A2").text
        client.cookies.set("certrules_lang", "zh")
        page = client.get("/compare?old=A1&new=A2")
        h1 = re.search(r"<h1>(.*?)</h1>", page.text).group(1)
        assert "比较版本" in h1 and "Compare" not in h1
        assert 'aria-current="true">中文<' in page.text
        chinese = client.get("/compare/diff?old=A1&new=A2").text
        assert english != chinese                   # the library's diff page follows: --lang en
    finally:
        client.cookies.delete("certrules_lang")
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil"):
        r = client.get("/language", params={"set": "zh", "next": bad}, follow_redirects=False)
        assert r.headers["location"] == "/"
    r = client.get("/language?set=xx&next=/", follow_redirects=False)
    assert "set-cookie" not in r.headers
