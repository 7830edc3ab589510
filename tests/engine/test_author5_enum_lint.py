"""A misspelt value of an enumerated case field in a table key or a decision-table cell can never
match, and nothing said so (found writing an audit-time rule set from the README): `check` warns,
naming the row, the field's allowed values and the nearest one."""
import engine

MANIFEST = """\
family: ENUM-PROBE
code: ENUM-PROBE
revision: A/1
title: Enum probe
effective: 2026-01-01
status: approved
case_schema: case.schema.yaml
"""
SCHEMA = """\
type: object
properties:
  as_of: {type: string, format: date}
  risk: {enum: [low, medium, high]}
  scheme: {enum: [QMS, EMS]}
"""
RULES = """\
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


def load(tmp_path, rules=RULES):
    folder = tmp_path / "ENUM-PROBE-A1"
    folder.mkdir()
    (folder / "ruleset.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "case.schema.yaml").write_text(SCHEMA, encoding="utf-8")
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    return engine.load_ruleset(folder)


def said(rs):
    return [(p.line, p.path, str(p.message)) for p in rs.warnings if "case schema" in str(p.message)]


def test_a_misspelt_enum_value_in_a_key_or_a_cell_is_named(tmp_path):
    assert said(load(tmp_path)) == [
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
    fixed = RULES.replace("hihg", "high").replace('"EMSS"', '"EMS"')
    assert said(load(tmp_path, fixed)) == []
