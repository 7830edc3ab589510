"""The cone (engine/impact/cone.py) against the full comparison: the same report, byte for byte.

Each revision pair is compared twice over one generated corpus (with a few cases one or both
revisions refuse): evaluating only the changed elements, and evaluating every element under both
revisions as `evaluate` does. The reports must be the same bytes, and the cone must leave out what a
pair does not change (else the test would pass by evaluating everything).
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.corpus.sources import iter_records
from engine.impact.compare import Comparer
from engine.impact.cone import Cone
from engine.impact.executors import compare_chunk
from engine.jsonout import dumps
from engine.registry import load_cached

from test_impact import A1, A2, five_star_at_96

SITES = "05-4-sites.yaml"


def _copy(tmp: Path, name: str) -> Path:
    folder = tmp / name / A2.name
    if not folder.exists():
        shutil.copytree(A2, folder)
    return folder


def _edit(tmp: Path, name: str, file: str, old: str, new: str) -> Path:
    folder = _copy(tmp, name)
    p = folder / file
    text = p.read_text(encoding="utf-8")
    assert text.count(old) == 1, (file, old)
    p.write_text(text.replace(old, new), encoding="utf-8")
    return folder


_SAMPLED = "ceiling(sampling_factor * sqrt(sites_on_certificate_self_built))"
_FUNCTION = """functions:
  - id: sample_of
    clause: "5.4.3"
    params: [x]
    type: number
    expr: {body}
rules:
"""


def _with_function(tmp: Path, name: str, body: str) -> Path:
    """A/2 with the sites sample computed by a rule-set function (`sample_of`) of the given body."""
    folder = _edit(tmp, name, SITES, _SAMPLED, "sample_of(sites_on_certificate_self_built)")
    p = folder / SITES
    p.write_text(p.read_text(encoding="utf-8").replace("\nrules:\n", "\n" + _FUNCTION.format(body=body), 1),
                 encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cone")
    path = tmp / "corpus.jsonl"
    assert main(["cases", "generate", "--n", "400", "--seed", "31", "--ruleset", str(A2), "-o", str(path),
                 "--workers", "1"]) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    refused = [{"id": "no-as-of", "case": {k: v for k, v in first["case"].items() if k != "as_of"}},
               {"id": "bad-date", "case": {**first["case"], "as_of": "2026-02-30"}},
               {"id": "with-revision", "case": {**first["case"], "revision": "A/1"}},
               {"id": "small-team", "case": {**first["case"], "organization": {
                   **first["case"].get("organization", {}), "service_headcount": 3}}}]
    path.write_text("\n".join(lines + [json.dumps(r, ensure_ascii=False) for r in refused]) + "\n", encoding="utf-8")
    return tmp, path


@pytest.fixture(scope="module")
def pairs(corpus) -> dict:
    tmp = corpus[0]
    return {
        "A/1 -> A/2": (A1, A2),
        "five stars from 96": (A2, five_star_at_96(tmp)),
        "a changed parameter": (A2, _edit(tmp, "param", SITES, "至少抽样1个服务网点。\n    value: 1",
                                          "至少抽样1个服务网点。\n    value: 2")),
        "a finding's message only": (A2, _edit(tmp, "message", SITES, "the sample and the audit time count the central office only",
                                               "only the central office counts")),
        "a case-schema field": (A2, _edit(tmp, "schema", "case.schema.yaml", "minimum: 1\n        title: 组织参与服务人数",
                                          "minimum: 20\n        title: 组织参与服务人数")),
        "a changed function": (_with_function(tmp, "fn-old", "ceiling(sampling_factor * sqrt(x))"),
                               _with_function(tmp, "fn-new", "ceiling(sampling_factor * sqrt(x) - 0.5)")),
        "an identical copy": (A2, _copy(tmp, "same")),
    }


def _report(comparer, records) -> str:
    return dumps(compare_chunk((0, records), comparer).report())


@pytest.mark.parametrize("pair", ["A/1 -> A/2", "five stars from 96", "a changed parameter", "a finding's message only",
                                  "a case-schema field", "a changed function", "an identical copy"])
def test_the_cone_reports_what_the_full_comparison_reports(corpus, pairs, pair):
    path = corpus[1]
    old, new = (load_cached(Path(p)) for p in pairs[pair])
    records = list(iter_records(path))
    cone, full = Comparer(old, new), Comparer(old, new, cone=False)
    assert _report(cone, records) == _report(full, records)
    if pair in ("five stars from 96", "a changed parameter"):
        assert cone.staged is not None or cone.gate is not None   # a first stage decides most cases
    share = cone.cone.share(new)
    # the cone leaves out what the pair does not change; the decision reads every check it rests on
    # (decision_blocked_by, 5.9.1), so a change near the decision brings those checks in
    assert 0 <= share < 0.7 and not cone.cone.whole
    rep = compare_chunk((0, records), full).report()
    if pair == "an identical copy":
        assert cone.cone.changed == set() and rep["affected"] == 0
    elif pair == "a finding's message only":
        assert cone.cone.changed == {"sites_not_given"} and rep["affected"] == 0
    elif pair == "a case-schema field":
        assert any(r["by"] == "new" for r in rep.get("refused", [])), rep.get("refused")
    else:
        assert rep["affected"] > 0     # the pair changes something the corpus shows


def test_a_schema_changed_outside_its_fields_changes_everything(tmp_path):
    new = _edit(tmp_path, "defs", "case.schema.yaml", "additionalProperties: false\nproperties:",
                "additionalProperties: false\n$comment: revised\nproperties:")
    cone = Cone(load_cached(A2), load_cached(new))
    assert cone.whole and cone.changed == set(load_cached(A2).elements)


def clashing(rs):
    """(a stand-in for a revision of rs in which a check has the id of a rule's limit finding, that
    check's id, the rule's id): what no loadable rule set has (an id has no dot)."""
    class Renamed:
        def __init__(self, rs):
            self.manifest, self.case_schema, self.own_identity = rs.manifest, rs.case_schema, rs.own_identity
            self.elements = dict(rs.elements)
    new = Renamed(rs)
    check = next(el for el in rs.elements.values() if el.kind == "check")
    other = next(eid for eid, el in rs.elements.items() if el.kind == "rule")
    clash = copy.copy(check)
    clash.id = other + ".limit_reached"
    new.elements[clash.id] = clash
    return new, clash, other


def test_elements_that_could_make_the_same_finding_are_evaluated_together():
    a2 = load_cached(A2)
    new, clash, other = clashing(a2)
    cone = Cone(a2, new)
    assert clash.id in cone.changed and other in cone.evaluate and other not in cone.changed


def test_values_are_the_same_only_down_to_their_type_and_representation():
    from datetime import date
    from decimal import Decimal
    from engine.impact.cone import same_value
    assert same_value([Decimal("1.5"), {"a": "x", "b": None}], [Decimal("1.5"), {"a": "x", "b": None}])
    assert not same_value(Decimal("1.0"), Decimal("1.00"))          # string() tells them apart
    assert not same_value(date(2026, 1, 2), "2026-01-02")
    assert not same_value(True, Decimal(1))
    assert not same_value({"a": "1", "b": "2"}, {"b": "2", "a": "1"})        # the order of a context's entries shows
    assert not same_value(object(), object()) and same_value(None, None)
