"""The case form made from a case schema, and the case made back from a submitted form."""
from __future__ import annotations

from decimal import Decimal

import pytest

from serving import CASES, case

import engine
from engine.jsonout import dumps
from engine.serve import forms
from engine.yamlio import load_file
from serving import A2


@pytest.fixture(scope="module")
def root():
    return forms.build(engine.load_ruleset(A2).case_schema)


def find(f, *path):
    for key in path:
        f = f.item if key == "[]" else next(c for c in f.children if c.key == key)
    return f


def test_titles_are_split_into_chinese_and_english():
    assert forms.titles({"title": "网点数 x / Number of sites"}, "k") == ("网点数 x", "Number of sites")
    assert forms.titles({"title": "各样本评分/扣分（5.6.4.2）/ Mystery-customer points"}, "k") == \
        ("各样本评分/扣分（5.6.4.2）", "Mystery-customer points")
    assert forms.titles({"title": {"zh": "甲", "en": "A"}}, "k") == ("甲", "A")
    assert forms.titles({}, "count") == ("count", "")


def test_the_a2_schema_becomes_the_expected_inputs(root):
    assert find(root, "as_of").kind == "date" and find(root, "as_of").required
    kind = find(root, "audit", "kind")
    assert kind.kind == "enum" and kind.options == ["initial", "surveillance", "recertification"]
    assert find(root, "audit", "sites", "count").kind == "integer"
    assert find(root, "audit", "planned_onsite_days").kind == "number"
    assert find(root, "audit", "sites", "self_built").kind == "bool"
    team = find(root, "audit", "team")
    assert team.kind == "array" and team.item.kind == "object" and find(team, "[]", "name").required
    assert find(root, "application", "documents", "[]").kind == "enum"
    assert (team.zh, team.en) == ("审查组（5.4.4）", "Audit team")


@pytest.mark.parametrize("path", sorted(p.name for p in CASES.glob("*.yaml")))
def test_every_example_goes_through_the_form_unchanged(root, path):
    c = case(path[:2])
    assert dumps(forms.to_case(root, forms.from_case(root, c))) == dumps(c)


def test_a_submitted_form_becomes_a_case(root):
    form = {"/as_of": "2026-01-20", "/audit/kind": "0", "/audit/sites/count": "9", "/audit/sites/self_built": "true",
            "/audit/planned_onsite_days": "3.50", "/audit/time_adjustment": " ", "/audit/team#rows": "2",
            "/audit/team/0/name": "张伟", "/audit/team/0/leader": "true", "/audit/team/1/name": "刘芳",
            "/organization/permits_required#rows": "0", "/evaluation/mystery_customer#rows": "2",
            "/evaluation/mystery_customer/0": "-1", "/evaluation/mystery_customer/1": ""}
    c = forms.to_case(root, forms.from_form(root, form))
    assert c == {"as_of": "2026-01-20", "organization": {"permits_required": []},
                 "audit": {"kind": "initial", "sites": {"count": 9, "self_built": True},
                           "planned_onsite_days": Decimal("3.50"), "team": [{"name": "张伟", "leader": True},
                                                                            {"name": "刘芳"}]},
                 "evaluation": {"mystery_customer": [-1]}}
    assert isinstance(c["audit"]["planned_onsite_days"], Decimal)


def test_text_that_is_not_a_number_is_kept_for_the_schema_to_name(root):
    form = {"/as_of": "2026-01-20", "/audit/sites/count": "nine", "/audit/kind": "7"}
    c = forms.to_case(root, forms.from_form(root, form))
    assert c["audit"]["sites"]["count"] == "nine" and c["audit"]["kind"] == "7"


def test_rows_are_added_and_removed_by_actions(root):
    state = forms.from_case(root, case("01"))
    assert len(state["audit"]["team"]) == 3
    assert forms.apply(root, state, "add:/audit/team")
    assert len(state["audit"]["team"]) == 4 and state["audit"]["team"][3]["name"] == ""
    assert forms.apply(root, state, "remove:/audit/team/0")
    assert [m["name"] for m in state["audit"]["team"]] == ["刘芳", "陈静", ""]
    assert forms.apply(root, state, "omit:/audit/accompanying") and state["audit"]["accompanying"] is None
    assert forms.apply(root, state, "empty:/audit/accompanying") and state["audit"]["accompanying"] == []
    assert not forms.apply(root, state, "add:/audit/kind")          # not a list
    assert not forms.apply(root, state, "remove:/audit/team/99")
    assert not forms.apply(root, state, "add:/../../etc")


def test_field_errors_are_placed_at_their_fields(root):
    state = forms.from_case(root, {"as_of": "2026-01-20", "audit": {"team": [{"leader": True}]}})
    errors = {"audit.team[0]": ["'name' is required here but missing"], "as_of": ["bad"], "nowhere.x": ["left"]}
    node = forms.view(root, state, errors)
    placed = forms.all_errors(node)
    assert ("audit.team[0]", "f_2f_audit_2f_team_2f_0", "'name' is required here but missing") in placed
    assert errors == {"nowhere.x": ["left"]}            # what no field shows stays for the top of the page


def test_hostile_property_names_are_escaped_and_come_back():
    schema = {"type": "object", "properties": {"a/b~c": {"type": "string"}, '"><script>x': {"type": "integer"},
                                               "list": {"type": "array", "items": {"type": "object", "properties": {
                                                   "k.y": {"type": "boolean"}}}}}}
    f = forms.build(schema)
    c = {"a/b~c": "v", '"><script>x': 3, "list": [{"k.y": False}]}
    state = forms.from_case(f, c)
    node = forms.view(f, state, {})
    names = [n["name"] for n in node["children"]]
    assert names[0] == "/a~1b~0c"
    assert all(ch.isalnum() or ch in "_-" for n in node["children"] for ch in n["id"])
    form = {"/a~1b~0c": "v", "/\"><script>x": "3", "/list#rows": "1", "/list/0/k.y": "false"}
    assert forms.to_case(f, forms.from_form(f, form)) == c


def test_unusual_schema_parts_become_yaml(root):
    f = forms.build({"type": "object", "properties": {"x": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}})
    assert f.children[0].kind == "yaml"
    assert forms.to_case(f, {"x": "- 1\n- 2\n"}) == {"x": [1, 2]}
    with pytest.raises(forms.FormErrors) as exc:
        forms.to_case(f, {"x": "a: [1,"})
    assert exc.value.fields[0][0] == "x"


def test_an_example_file_reads_back_from_its_yaml_text(root):
    c = case("16")
    text = forms.yaml_text(c)
    from engine.yamlio import parse_yaml
    assert dumps(parse_yaml(text).data) == dumps(c)
    assert load_file(next(CASES.glob("16*.yaml"))).data == c
