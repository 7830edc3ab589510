"""The TCK harness itself, on a small model of our own: decision tables (hit policies, allowed values),
decisions requiring decisions, BKMs bound as functions, declared types and declared skips."""
import run_tck

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="urn:harness" name="harness" id="m">
  <itemDefinition name="tGrades" isCollection="true"><typeRef>string</typeRef></itemDefinition>
  <inputData name="score" id="i_score"><variable name="score" typeRef="number"/></inputData>
  <decision name="grade" id="d_grade">
    <variable name="grade" typeRef="string"/>
    <informationRequirement><requiredInput href="#i_score"/></informationRequirement>
    <decisionTable>
      <input><inputExpression typeRef="number"><text>score</text></inputExpression></input>
      <output/>
      <rule><inputEntry><text>&lt; 60</text></inputEntry><outputEntry><text>"C"</text></outputEntry></rule>
      <rule><inputEntry><text>[60..80)</text></inputEntry><outputEntry><text>"B"</text></outputEntry></rule>
      <rule><inputEntry><text>&gt;= 80</text></inputEntry><outputEntry><text>"A"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="overlap" id="d_overlap">
    <variable name="overlap"/>
    <decisionTable hitPolicy="UNIQUE">
      <input><inputExpression><text>score</text></inputExpression></input>
      <output/>
      <rule><inputEntry><text>&gt; 10</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule><inputEntry><text>&gt; 20</text></inputEntry><outputEntry><text>2</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="tags" id="d_tags">
    <variable name="tags" typeRef="tGrades"/>
    <decisionTable hitPolicy="RULE ORDER">
      <input><inputExpression><text>score</text></inputExpression></input>
      <output/>
      <rule><inputEntry><text>&gt; 10</text></inputEntry><outputEntry><text>"over ten"</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"any"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="points" id="d_points">
    <variable name="points"/>
    <decisionTable hitPolicy="COLLECT" aggregation="SUM">
      <input><inputExpression><text>score</text></inputExpression></input>
      <output/>
      <rule><inputEntry><text>&gt; 10</text></inputEntry><outputEntry><text>5</text></outputEntry></rule>
      <rule><inputEntry><text>&gt; 20</text></inputEntry><outputEntry><text>7</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="urgency" id="d_urgency">
    <variable name="urgency"/>
    <decisionTable hitPolicy="PRIORITY">
      <input><inputExpression><text>score</text></inputExpression></input>
      <output><outputValues><text>"high", "low"</text></outputValues></output>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
      <rule><inputEntry><text>&lt; 50</text></inputEntry><outputEntry><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="fallback" id="d_fallback">
    <variable name="fallback"/>
    <decisionTable>
      <input><inputExpression><text>score</text></inputExpression><inputValues><text>[0..100]</text></inputValues></input>
      <output><defaultOutputEntry><text>"none"</text></defaultOutputEntry></output>
      <rule><inputEntry><text>null</text></inputEntry><outputEntry><text>"out of scale"</text></outputEntry></rule>
      <rule><inputEntry><text>&gt; 90</text></inputEntry><outputEntry><text>"top"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <businessKnowledgeModel name="double" id="b_double">
    <variable name="double"/>
    <encapsulatedLogic>
      <formalParameter name="x" typeRef="number"/>
      <literalExpression><text>if x = null then "no number" else x * 2</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision name="label" id="d_label">
    <variable name="label"/>
    <informationRequirement><requiredDecision href="urn:harness#d_grade"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#b_double"/></knowledgeRequirement>
    <literalExpression typeRef="string"><text>grade + " " + string(double(score)) + " " + double("x")</text></literalExpression>
  </decision>
  <decision name="boxed" id="d_boxed">
    <variable name="boxed"/>
    <context><contextEntry><literalExpression><text>1</text></literalExpression></contextEntry></context>
  </decision>
</definitions>
"""


def _case(cid, node, value, score):
    return (f'<testCase id="{cid}"><inputNode name="score"><value xsi:type="xsd:decimal">{score}</value></inputNode>'
            f'<resultNode name="{node}" type="decision"><expected>{value}</expected></resultNode></testCase>')


def _tally(tmp_path, cases):
    (tmp_path / "harness.dmn").write_text(MODEL, encoding="utf-8")
    (tmp_path / "harness-test-01.xml").write_text(
        '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        '<modelName>harness.dmn</modelName>' + "".join(cases) + "</testCases>", encoding="utf-8")
    return run_tck.run_folder(tmp_path)


def _value(text, kind="string"):
    return f'<value xsi:type="xsd:{kind}">{text}</value>'


NIL = '<value xsi:nil="true"/>'


def test_tables_requirements_and_bkms_as_dmn_defines_them(tmp_path):
    items = "".join(f"<item>{_value(v)}</item>" for v in ("over ten", "any"))
    cases = [
        _case("1", "grade", _value("B"), 75), _case("2", "grade", _value("A"), 80),
        _case("3", "overlap", NIL, 25),                       # UNIQUE with two matches: null
        _case("4", "overlap", _value(1, "decimal"), 15),
        _case("5", "tags", f"<list>{items}</list>", 15),      # RULE ORDER: every match, in order
        _case("6", "points", _value(12, "decimal"), 25),      # COLLECT SUM
        _case("7", "points", NIL, 5),                         # no match, no default: null
        _case("8", "urgency", _value("high"), 30),            # PRIORITY by the output values' order
        _case("9", "urgency", _value("low"), 70),
        _case("10", "fallback", _value("out of scale"), 150),  # outside the input values: null
        _case("11", "fallback", _value("none"), 50),          # no match: the default output
        _case("12", "label", _value("B 150 no number"), 75),  # requires a decision and a BKM
    ]
    t = _tally(tmp_path, cases)
    assert (t.passed, t.failed, t.skipped) == (12, 0, 0), t.failures


def test_what_the_harness_does_not_evaluate_is_a_declared_skip(tmp_path):
    t = _tally(tmp_path, [_case("1", "boxed", _value(1, "decimal"), 1), _case("2", "nowhere", NIL, 1)])
    assert t.passed == t.failed == 0
    assert t.skips == {"boxed expressions": 1, "result nodes the model does not define": 1}


def test_a_wrong_expectation_fails(tmp_path):
    t = _tally(tmp_path, [_case("1", "grade", _value("A"), 10)])
    assert t.failed == 1 and "expected 'A'" in t.failures[0]
