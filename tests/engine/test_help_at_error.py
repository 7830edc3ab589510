"""Help at the point of error (issue 16, item 6): did-you-mean for element ids and revisions, a
diagnostic that names the record a field is missing from, one `certrules:` prefix."""
from decimal import Decimal
from pathlib import Path

from engine.cli import main
from engine.feel import compile_expr

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"


def _err(capsys, *argv):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip()


def test_explain_and_outputs_suggest_the_id_meant(capsys):
    code, err = _err(capsys, "eval", CASE, "--outputs", "level,score_totl", "--lang", "en")
    assert code == 2 and err == "certrules: --outputs: no element 'score_totl' in ZBC-SC-2025 A/2 (did you mean 'score_total'?)"
    code, err = _err(capsys, "eval", CASE, "--explain", "levle", "--lang", "en")
    assert code == 2 and "(did you mean 'level'?)" in err
    code, err = _err(capsys, "eval", CASE, "--explain", "nosuch", "--lang", "en")
    assert code == 2 and "its values include audit_days_base, sites_to_sample" in err and "--format json" in err
    # in the language the result would be in: A/2's primary one
    code, err = _err(capsys, "eval", CASE, "--outputs", "level,score_totl")
    assert code == 2 and err == "certrules: --outputs：ZBC-SC-2025 A/2 中没有元素 'score_totl'（是否指 'score_total'？）"


def test_revisions_suggest_the_one_meant(capsys):
    code, err = _err(capsys, "diff", "A/1", "A/3")
    assert code == 5 and "unknown revision 'A/3' (did you mean 'A/2'?)" in err
    code, err = _err(capsys, "eval", CASE, "--family", "ZBC")
    assert code == 5 and "no rule set of family 'ZBC' (did you mean 'ZBC-SC'?)" in err
    code, err = _err(capsys, "diff", "A/1", "A/3", "--lang", "zh")
    assert code == 5 and "未知的修订 'A/3'（是否指 'A/2'？）；已知的修订：" in err


def test_a_missing_field_is_reported_in_the_record_it_was_looked_for():
    diagnostics = []
    ce = compile_expr("evaluation.customer_survey.size", names={"evaluation": None})
    assert ce.evaluate({"evaluation": {"items": []}}, diagnostics) is None
    assert diagnostics == ["there is no field 'customer_survey' in 'evaluation' at 1:1"]
    diagnostics.clear()
    compile_expr("n.size", names={"n": None}).evaluate({"n": Decimal(5)}, diagnostics)
    assert diagnostics == ["a number has no field 'size' in 'n' at 1:1"]


def test_one_prefix_and_the_help_to_read(capsys):
    code, err = _err(capsys, "diff", "--family")
    assert code == 2 and err.startswith("certrules: diff: ") and err.count("certrules:") == 1
    assert err.endswith("(see certrules diff --help)")
    code, err = _err(capsys, "--nosuch")
    assert code == 2 and err == "certrules: unrecognized arguments: --nosuch (see certrules --help)"
