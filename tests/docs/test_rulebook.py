"""The rulebook site and the diff page."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.authortests import collect
from engine.diff import diff_rulesets
from engine.errors import OutputError
from engine.registry import load_cached
from engine.render import render_diff_html
from engine.rulebook import _page_of, build_rulebook, highlight

from pagecheck import A2, ROOT, visible_text, needs_chromium

LIBRARY = ROOT / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


@pytest.fixture(scope="module")
def a2_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "rulebook"
    return build_rulebook(load_cached(A2), out)


def test_every_clause_has_a_page_with_its_text_and_elements(a2_site):
    rs = load_cached(A2)
    index = (a2_site / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="(clause-[^"#]+)"', index))
    for entry in rs.clause_map:
        page = _page_of(str(entry["clause"]))
        assert page in linked and (a2_site / page).is_file(), entry["clause"]
    page = (a2_site / "clause-5.9.2.html").read_text(encoding="utf-8")
    text = visible_text(page)
    assert "评价分数达到 95 分或以上的" in text
    assert 'class="dmn"' in page and "FIRST" in text           # the level decision table as a DMN grid
    assert "解释:" in text                                       # interpretations flagged, in A/2's primary language
    assert '<html lang="zh">' in page
    assert "<link" not in page and "<script" not in page and "@import" not in page


def test_state_machines_are_drawn(a2_site):
    page = (a2_site / "clause-9.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="machine".*?</svg>', page, re.S).group()
    for state in ["valid", "suspended", "withdrawn", "cancelled", "expired"]:
        assert f">{state}</text>" in svg
    assert svg.count("<path class=\"edge\"") >= 8


def test_author_tests_are_listed_under_their_clause(a2_site):
    tests = [t for t in collect(A2) if t.clause]
    assert tests
    t = tests[0]
    pages = [p for p in a2_site.glob("clause-*.html") if t.name in p.read_text(encoding="utf-8")]
    assert pages, f"test '{t.name}' (clause {t.clause}) is on no clause page"


def test_rebuilding_replaces_only_a_rulebook(tmp_path, a2_site):
    build_rulebook(load_cached(A2), a2_site)                   # the same folder again: fine
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError):
        build_rulebook(load_cached(A2), other)
    assert (other / "notes.txt").read_text() == "keep me"


@pytest.fixture
def two_revisions(tmp_path):
    r1 = tmp_path / "LIB-LOANS-2026-R1"
    shutil.copytree(LIBRARY, r1)
    r2 = tmp_path / "LIB-LOANS-2026-R2"
    shutil.copytree(LIBRARY, r2)
    m = (r2 / "ruleset.yaml").read_text().replace("revision: R1", "revision: R2").replace("effective: 2026-01-01", "effective: 2026-06-01")
    (r2 / "ruleset.yaml").write_text(m)
    p = (r2 / "policy.yaml").read_text().replace("max_items: 5, loan_days: 21", "max_items: 6, loan_days: 28")
    (r2 / "policy.yaml").write_text(p)
    return tmp_path, r1, r2


def test_diff_page_between_neighbouring_revisions(two_revisions):
    d, r1, r2 = two_revisions
    out = build_rulebook(load_cached(r2), d / "site", dirs=[d])
    diff = (out / "diff-R1-R2.html").read_text(encoding="utf-8")
    assert "loan_limits" in diff and "R1" in diff and "R2" in diff
    assert 'href="diff-R1-R2.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_render_diff_html_summary_then_clauses(two_revisions):
    _, r1, r2 = two_revisions
    old, new = load_cached(r1), load_cached(r2)
    impact = {"cases": 10, "affected": 3, "outputs": {"loan_limits": {"cases_changed": 3, "categorical": False,
              "examples": [{"from": "5", "to": "6", "count": 3, "cases": ["a.yaml"]}]}}}
    html = render_diff_html(diff_rulesets(old, new), impact, old, new)
    text = visible_text(html)
    assert text.index("clauses changed") < text.index("§ 1.1")      # the library's primary language is English
    assert '<html lang="en">' in html
    assert '<b id="clauses-changed">1</b>' in html and '<b id="cases-affected">3</b>' in html
    assert 'class="side"' in html and "@page { size: A4" in html


def test_highlight_escapes_and_links():
    html = str(highlight('if a < "<b>" then fine_total else null', {"fine_total": "p.html#el-fine_total"}))
    assert "&lt;b&gt;" in html and '<a class="ref" href="p.html#el-fine_total"' in html and '<span class="kw">if</span>' in html


@needs_chromium
def test_rulebook_pages_open_cleanly(browser, a2_site):
    for name in ["index.html", "clause-9.html", "clause-5.9.2.html"]:
        page = browser.open((a2_site / name).read_text(encoding="utf-8"), name.replace(".html", ""))
        assert page["console"] == [], name
        assert "ZBC-SC-2025" in visible_text(page["dom"])
