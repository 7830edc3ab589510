"""Decision tables as an outside author writes them from DMN (found writing an audit-time rule set
from the README alone): DMN's short hit policies, what each policy gives when no row matches, an
aggregation over several outputs, PRIORITY's list written as the cells are, and a misspelt value of
an enumerated case field in a table key or a cell, which can never match and which nothing named."""
import textwrap
from decimal import Decimal

import pytest

import engine
from engine.errors import RuleSetError

MANIFEST = """\
family: DT-PROBE
code: DT-PROBE
revision: A/1
title: Decision-table probe
effective: 2026-01-01
status: approved
case_schema: case.schema.yaml
"""
SCHEMA = """\
type: object
properties:
  as_of: {type: string, format: date}
  n: {type: integer}
  tags: {type: array, items: {type: string}}
"""


def ruleset(tmp_path, tables: str | None = None, schema: str = SCHEMA, rules: str | None = None):
    folder = tmp_path / "DT-PROBE-A1"
    folder.mkdir()
    (folder / "ruleset.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "case.schema.yaml").write_text(schema, encoding="utf-8")
    if rules is None:
        rules = "decision_tables:\n" + textwrap.indent(textwrap.dedent(tables), "  ")
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    return folder


def table(id_, policy, outputs="[{name: x}]", rows=None, extra=""):
    rows = rows or ['{when: ["> 10"], then: ["10"]}', '{when: ["> 20"], then: ["10"]}']
    body = "\n".join(f"    - {r}" for r in rows)
    return (f"- id: {id_}\n  clause: '1'\n  hit_policy: '{policy}'\n{extra}"
            f"  inputs: [{{expr: n}}]\n  outputs: {outputs}\n  rules:\n{body}\n")


ALL = {"u": "U", "a": "A", "f": "F", "r": "R", "c": "C", "c_sum": "C+", "c_count": "C#",
       "c_min": "C<", "c_max": "C>"}


@pytest.fixture
def every_policy(tmp_path):
    tables = "".join(table(k, v, rows=['{when: ["> 10"], then: ["10"]}'] if v == "U" else None)
                     for k, v in ALL.items())
    tables += table("p", "P", outputs="[{name: x, priority: [low, high]}]",
                    rows=['{when: ["> 10"], then: [\'"high"\']}', '{when: ["> 20"], then: [\'"low"\']}'])
    return engine.load_ruleset(ruleset(tmp_path, tables))


def values(rs, case):
    return engine.evaluate(rs, {"as_of": "2026-03-01", **case}, trace=False)["values"]


def test_short_hit_policies_are_read_as_dmn_names_them(every_policy):
    v = values(every_policy, {"n": 25})
    assert v["a"] == 10 and v["f"] == 10 and v["u"] == 10
    assert v["r"] == [10, 10] and v["c"] == [10, 10]          # duplicates kept
    assert v["c_sum"] == 20 and v["c_count"] == 2 and v["c_min"] == 10 and v["c_max"] == 10
    assert v["p"] == "low"                                    # first in the priority list, not the first row


def test_no_matching_row_gives_what_dmn_s_aggregation_functions_give(every_policy):
    v = values(every_policy, {"n": 1})
    assert v["c_count"] == Decimal(0)                         # count([]) = 0: was null
    assert v["c_sum"] is None and v["c_min"] is None and v["c_max"] is None   # sum([]), min([]), max([])
    assert v["r"] == [] and v["c"] == []
    assert v["u"] is None and v["a"] is None and v["f"] is None and v["p"] is None


def test_a_default_still_wins_over_count_s_zero(tmp_path):
    rs = engine.load_ruleset(ruleset(tmp_path, table("k", "C#", extra="  default: ['-1']\n")))
    assert values(rs, {"n": 1})["k"] == -1


def problems(tmp_path, tables):
    with pytest.raises(RuleSetError) as exc:
        engine.load_ruleset(ruleset(tmp_path, tables))
    return [(p.file, p.line, p.path, str(p.message)) for p in exc.value.problems if p.severity == "error"]


def test_an_aggregation_over_two_outputs_is_a_load_error_naming_the_table(tmp_path):
    found = problems(tmp_path, table("two", "C+", outputs="[{name: x}, {name: y}]",
                                     rows=['{when: ["> 1"], then: ["1", "2"]}']))
    assert len(found) == 1
    file, line, path, message = found[0]
    assert file == "rules.yaml" and line == 6 and path == "decision_tables[0].outputs"
    assert "'two' aggregates with SUM but has 2 outputs" in message


def test_a_short_policy_and_a_contradicting_aggregation_are_refused(tmp_path):
    found = problems(tmp_path, table("both", "C#", extra="  aggregation: SUM\n"))
    assert [f[2] for f in found] == ["decision_tables[0].aggregation"]
    assert "C# already aggregates with COUNT" in found[0][3]


def test_a_priority_list_written_as_feel_text_is_refused(tmp_path):
    found = problems(tmp_path, table("p", "PRIORITY", outputs="[{name: x, priority: ['\"low\"', '\"high\"']}]",
                                     rows=['{when: ["> 10"], then: [\'"high"\']}', '{when: ["> 20"], then: [\'"low"\']}']))
    assert [f[2] for f in found] == ["decision_tables[0].outputs[0].priority"]
    assert "written as FEEL text" in found[0][3] and "write [high, ...]" in found[0][3]


def test_a_literal_output_the_priority_list_lacks_is_a_warning(tmp_path):
    rs = engine.load_ruleset(ruleset(tmp_path, table(
        "p", "P", outputs="[{name: x, priority: [low, high]}]",
        rows=['{when: ["> 10"], then: [\'"high"\']}', '{when: ["> 20"], then: [\'"medium"\']}'])))
    said = [(p.path, str(p.message)) for p in rs.warnings if "priority" in str(p.message)]
    assert said == [("decision_tables[0].rules[1].then[0]",
                     "row 2 of 'p' gives \"medium\", which is not in the priority list of output 'x': "
                     "under PRIORITY it ranks below every listed value (add it to the list where it belongs)")]


# ---------------------------------------------------------------- enumerated case fields

ENUM_SCHEMA = """\
type: object
properties:
  as_of: {type: string, format: date}
  risk: {enum: [low, medium, high]}
  scheme: {enum: [QMS, EMS]}
"""
ENUM_RULES = """\
tables:
  - id: factor
    clause: "1"
    key: risk
    match: exact
    columns: [f]
    rows:
      - {key: low, f: 0.9}
      - {key: medium, f: 1}
      - {key: hihg, f: 1.2}
decision_tables:
  - id: category
    clause: "1"
    inputs: [{expr: scheme}, {expr: risk}]
    outputs: [{name: c}]
    rules:
      - {when: ['"QMS"', "-"], then: ['"standard"']}
      - {when: ['"EMSS"', '"high", "low"'], then: ['"special"']}
      - {when: ['"EMS"', '"medium"'], then: ['"medium"']}
"""


def load_enum(tmp_path, rules=ENUM_RULES):
    return engine.load_ruleset(ruleset(tmp_path, schema=ENUM_SCHEMA, rules=rules))


def said(rs):
    return [(p.line, p.path, str(p.message)) for p in rs.warnings if "case schema" in str(p.message)]


def test_a_misspelt_enum_value_in_a_key_or_a_cell_is_named(tmp_path):
    assert said(load_enum(tmp_path)) == [
        (8, "tables[0].rows",
         "table 'factor' has no row for risk = high, which the case schema allows: for such a case the table is null"),
        (10, "tables[0].rows[2].key",
         "row 3 of 'factor' has the key 'hihg', which the case schema does not allow for risk (low, medium, high) "
         "(did you mean 'high'?): the row can never be chosen"),
        (18, "decision_tables[0].rules[1].when[0]",
         "row 2 of 'category' tests scheme against \"EMSS\", which the case schema does not allow (QMS, EMS) "
         "(did you mean 'EMS'?): the cell can never match"),
    ]


def test_allowed_values_say_nothing(tmp_path):
    fixed = ENUM_RULES.replace("hihg", "high").replace('"EMSS"', '"EMS"')
    assert said(load_enum(tmp_path, fixed)) == []


@pytest.mark.parametrize("policy, want", [("C>", "b"), ("C<", "a")])
def test_collect_min_and_max_order_texts_as_feel_does(tmp_path, policy, want):
    """DMN defines C< and C> by FEEL's min and max, which order any values of one kind."""
    rs = engine.load_ruleset(ruleset(tmp_path, table("t", policy, rows=['{when: ["> 1"], then: [\'"b"\']}',
                                                                     '{when: ["> 2"], then: [\'"a"\']}'])))
    assert values(rs, {"n": 5})["t"] == want


def test_collect_max_over_mixed_kinds_is_null(tmp_path):
    rs = engine.load_ruleset(ruleset(tmp_path, table("t", "C>", rows=['{when: ["> 1"], then: [\'"b"\']}',
                                                                   '{when: ["> 2"], then: ["1"]}'])))
    assert values(rs, {"n": 5})["t"] is None
