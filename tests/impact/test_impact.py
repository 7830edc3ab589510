"""Revision impact on a corpus: the answer first, bounded, the same bytes wherever it runs."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from engine.cli import main
from engine.impact import impact
from engine.impact.tally import MAX_CELLS, Tally
from engine.jsonout import dumps

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


PATCH = REPO / "examples" / "patches" / "five-star-at-96.patch.yaml"


def five_star_at_96(tmp: Path) -> Path:
    """A/2 with the five-star threshold at 96 and nothing else changed but its revision (a draft A/3,
    the issue's scenario; the bundled patch also names A/3 in the source document's title)."""
    copy = tmp / "ZBC-SC-2025-A3"
    shutil.copytree(A2, copy)
    p = copy / "05-9-decision.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("value: 95}", "value: 96}", 1), encoding="utf-8")
    m = copy / "ruleset.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("revision: A/2", "revision: A/3"), encoding="utf-8")
    return copy


def draft_from_patch(tmp: Path) -> Path:
    out = tmp / "draft-A3"
    assert main(["apply", str(PATCH), "--to", str(A2), "--out", str(out), "--revision", "A/3",
                 "--effective", "2027-01-01", "--lang", "en"]) == 0
    return out


def test_the_bundled_patch_changes_only_the_five_star_threshold(tmp_path):
    """It is A/2's own element with another value: an edit of A/2 elsewhere in that element would
    otherwise be undone by the example that shows a revision's impact."""
    from engine.ruleset import load_ruleset
    from engine.yamlio import load_file
    [change] = load_file(PATCH).data["elements"]
    a2 = load_ruleset(A2)
    assert change["op"] == "put" and change["element"] == {**a2.elements["five_star_min"].raw, "value": 96}
    a3 = load_ruleset(draft_from_patch(tmp_path))
    assert a3.elements["five_star_min"].raw["value"] == 96 and a3.revision == "A/3"
    # the same elements as the copy of the scenario
    copy = load_ruleset(five_star_at_96(tmp_path))
    assert {k: e.raw for k, e in a3.elements.items()} == {k: e.raw for k, e in copy.elements.items()}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The issue's scenario: 10,000 generated cases, A/2 against A/2 with five stars from 96."""
    tmp = tmp_path_factory.mktemp("impact")
    a3 = five_star_at_96(tmp)
    corpus = tmp / "corpus.jsonl"
    assert main(["cases", "generate", "--n", "10000", "--seed", "12", "--ruleset", str(A2), "-o", str(corpus),
                 "--workers", "2"]) == 0
    return tmp, a3, corpus


def test_threshold_at_96_leads_with_a_summary_that_fits_a_screen(scenario, capsys):
    tmp, a3, corpus = scenario
    out = tmp / "diff.txt"
    assert main(["diff", str(A2), str(a3), "--cases", str(corpus), "--workers", "2", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 60, text
    assert max(len(line) for line in lines) < 160
    start = next(i for i, line in enumerate(lines) if line.startswith("对 10,000 个案例的影响"))   # A/2 speaks Chinese
    assert start < next(i for i, line in enumerate(lines) if line.startswith("§ 5.9.2"))     # the answer first
    cell = next(line for line in lines if "five_star → four_star" in line)
    assert int(cell.split()[3].replace(",", "")) > 0 and "例如 gen-12-" in cell
    assert "原值 \\ 新值" in text and "certificate_level_mismatch" in text
    # JSON holds the same counts
    js = tmp / "diff.json"
    assert main(["diff", str(A2), str(a3), "--cases", str(corpus), "--workers", "2", "--format", "json", "-o", str(js)]) == 0
    rep = json.loads(js.read_text(encoding="utf-8"))["impact"]
    assert rep["cases"] == 10000
    moves = {(m["from"], m["to"]): m["count"] for m in rep["outputs"]["level"]["migrations"]}
    assert set(moves) == {("five_star", "four_star")} and moves[("five_star", "four_star")] > 0
    assert str(moves[("five_star", "four_star")]) in cell.replace(",", "")
    raised = {f["id"]: f for f in rep["findings"]["raised"]}
    assert raised["certificate_level_mismatch"]["clause"] == "5.9.2"


def test_one_worker_two_workers_and_one_process_give_the_same_bytes(scenario, tmp_path):
    _, a3, corpus = scenario
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(True)[:1200]), encoding="utf-8")
    runs = [dumps(impact(A2, a3, small, workers=w, progress=False, chunk=c)) for w, c in ((1, 250), (2, 250), (2, 37))]
    assert runs[0] == runs[1] == runs[2]


def test_a1_to_a2_summarises_structures_by_their_fields_and_findings_by_clause(scenario, tmp_path):
    _, _, corpus = scenario
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(True)[:800]), encoding="utf-8")
    rep = impact(A1, A2, small, workers=2, progress=False)
    plan = rep["outputs"]["management_plan"]
    assert plan["kind"] == "structure" and {f["field"] for f in plan["fields"]} >= {"person_days"}
    days = rep["outputs"]["audit_days"]
    assert days["kind"] == "number" and days["increased"] > 0 and all(isinstance(c["change"], Decimal) for c in days["changes"])
    assert {"+ special_deductions_refusal"} <= {f["field"] for f in rep["outputs"]["refusal_reasons"]["fields"]}
    raised = {f["id"]: f["clause"] for f in rep["findings"]["raised"]}
    assert raised["special_deductions_refusal"] == "5.9.3"
    from engine.impact.report import markdown_lines, text_lines
    for lines in (text_lines(rep), markdown_lines(rep)):
        assert all(len(line) < 200 for line in lines)           # nothing is dumped
        assert not any('{"' in line for line in lines)


def test_tally_memory_is_bounded_and_merging_keeps_the_first_examples():
    def fill(t, cases):
        for i in cases:
            t.add(i, f"c{i}", [("score", "number", Decimal(0), Decimal(i) / 7),
                               ("kind", "category", "x", f"k{i % 300:03d}")], [], [], None)
        return t
    whole = fill(Tally(), range(5000)).report()
    e = whole["outputs"]["score"]
    assert len(e["changes"]) <= MAX_CELLS and sum(c["count"] for c in e["changes"]) == 5000
    assert e["changes"][0]["width"] == Decimal(10) and e["changes"][0]["examples"][:2] == ["c0", "c1"]
    kinds = whole["outputs"]["kind"]
    assert len(kinds["migrations"]) == MAX_CELLS and kinds["other_changes"] == 5000 - sum(m["count"] for m in kinds["migrations"])
    # any split, merged in order, gives the same report
    parts = [fill(Tally(), range(a, min(a + 613, 5000))) for a in range(0, 5000, 613)]
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    assert dumps(merged.report()) == dumps(whole)
    a, b = Tally(), Tally()
    a.add(0, "x1", [("level", "category", "a", "b")], [], [], None)
    b.add(1, "x2", [("level", "category", "a", "b")], [("f", "1", "error")], [], None)
    r = a.merge(b).report()
    assert r["outputs"]["level"]["migrations"][0] == {"from": "a", "to": "b", "count": 2, "examples": ["x1", "x2"]}
    assert r["findings"]["raised"][0]["examples"] == ["x2"]


def test_a_corpus_line_that_is_not_json_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "case": {"as_of": "2026-01-01"}}\n{"id": "b", "case": \n', encoding="utf-8")
    assert main(["diff", str(A2), str(A2), "--cases", str(bad), "--workers", "1"]) == 4
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "Traceback" not in err


def test_progress_is_silent_off_a_terminal_and_shown_when_asked(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    from engine.corpus import generate_cases
    from engine.registry import load_cached
    corpus.write_text("".join(generate_cases(load_cached(A2), 60, 1)), encoding="utf-8")
    impact(A2, A2, corpus, workers=1)                      # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    impact(A2, A2, corpus, workers=1, progress=True)
    assert "case" in capsys.readouterr().err


def _children(pid: int) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(proc.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_quietly_when_their_parent_is_killed(scenario, tmp_path):
    _, a3, corpus = scenario
    # the corpus three times over, each copy's ids its own (a corpus gives each case one id): the
    # comparison must still be running when its parent is killed (10,000 cases alone can be done
    # within the second this test waits)
    longer = tmp_path / "longer.jsonl"
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    with longer.open("w", encoding="utf-8") as dst:
        for copy in range(3):
            for record in records:
                dst.write(json.dumps({**record, "id": f"{copy}-{record['id']}"}, ensure_ascii=False) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "engine", "diff", str(A2), str(a3), "--cases", str(longer),
                             "--workers", "2", "-o", str(tmp_path / "out.txt")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                            env={k: v for k, v in os.environ.items() if k != "CERTRULES_RULESETS"})
    workers = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"
    assert b"Traceback" not in stderr
    assert not (tmp_path / "out.txt").exists()


def test_the_html_report_opens_in_chromium_with_its_charts(scenario, tmp_path):
    sys.path.insert(0, str(REPO / "tests" / "docs"))
    try:
        from pagecheck import Browser, ink_share, require_chromium, visible_text
    finally:
        sys.path.remove(str(REPO / "tests" / "docs"))
    require_chromium()
    _, a3, corpus = scenario
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(True)[:1500]), encoding="utf-8")
    out = tmp_path / "diff.html"
    assert main(["diff", str(A1), str(A2), "--cases", str(small), "--format", "html", "-o", str(out), "--workers", "2"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.iso9001.ltd", "").replace("http://www.cnca.gov.cn", "").replace(
        "http://www.w3.org/2000/svg", "") and "<script" not in html       # self-contained
    page = Browser(tmp_path).open(html, "impact")
    dom = page["dom"]
    assert dom.count('<svg class="chart"') >= 4 and dom.count('class="bar"') >= 10   # the charts are in the page
    text = visible_text(dom)
    assert "影响" in text and "audit_days" in text and "新出现的发现" in text and "Impact" not in text
    assert text.index("影响") < text.index("§ 5.4.3")                         # the answer first
    assert not [c for c in page["console"] if "rror" in c]
    assert ink_share(page["png"]) > 0.02


def test_the_impact_json_fits_the_published_diff_schema(scenario, tmp_path):
    from jsonschema import Draft202012Validator
    _, _, corpus = scenario
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(True)[:400]), encoding="utf-8")
    out = tmp_path / "diff.json"
    assert main(["diff", str(A1), str(A2), "--cases", str(small), "--format", "json", "-o", str(out), "--workers", "1"]) == 0
    schema = json.loads((REPO / "schemas" / "diff.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(out.read_text(encoding="utf-8"))))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:3]]
