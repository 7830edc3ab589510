"""Hostile inputs tried by an outsider (session of 2026-12-03, helper hostile2).

Each test is a hole found that way, kept so it stays closed: the input, and the one plain answer
certrules must give instead of an internal error (exit 70).
"""
from __future__ import annotations

import pytest

from hardening_support import run_main


@pytest.mark.parametrize("text, says", [
    (r'"\uD800"', "surrogate pair"),           # a lone high surrogate
    (r'"\uDC00\uD800"', "surrogate pair"),     # the halves in the wrong order
    (r'@"\uD800"', "surrogate pair"),          # in a temporal literal
    (r'"\UFFFFFF"', r"\U10FFFF"),              # beyond the last code point
])
def test_string_escape_that_is_no_character(text, says, capsys):
    code, out, err = run_main(["expr", text], capsys)
    assert code == 2, err
    assert says in err and "1:1" in err and "internal error" not in err


def test_string_escape_pair_still_one_character(capsys):
    code, out, err = run_main(["expr", r'string length("\uD83D\uDCA9")'], capsys)
    assert (code, out.strip()) == (0, "1"), err


@pytest.mark.parametrize("bound", ["null", "x", "[1]", "true", "{a: 1}"])
def test_register_column_bound_not_a_number(bound, tmp_path, capsys):
    from hardening_support import REPO
    src = REPO / "examples" / "register"
    text = (src / "map.yaml").read_text(encoding="utf-8")
    old = "参与服务人数: {type: integer, required: true, min: 1}"
    assert old in text
    (tmp_path / "map.yaml").write_text(text.replace(old, old.replace("min: 1", f"min: {bound}")), encoding="utf-8")
    code, out, err = run_main(["cases", "import", src / "register.csv", "--map", tmp_path / "map.yaml",
                               "-o", tmp_path / "out.jsonl"], capsys)
    assert code == 2, err
    assert "map.yaml:19: columns.参与服务人数.min:" in err and "internal error" not in err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("value", ["x", "[1, 2]", "5", "true"])
def test_generator_profile_vars_not_a_mapping(value, tmp_path, capsys):
    import shutil

    from hardening_support import REPO
    rs = tmp_path / "rs" / "ZBC-SC-2025-A2"
    shutil.copytree(REPO / "rulesets" / "ZBC-SC-2025-A2", rs)
    text = (rs / "generate.yaml").read_text(encoding="utf-8")
    assert "\nvars:\n" in text
    (rs / "generate.yaml").write_text(text.replace("\nvars:\n", f"\nvars: {value}\ndrawn:\n"), encoding="utf-8")
    code, out, err = run_main(["cases", "generate", "--n", "2", "--seed", "1", "--rulesets", tmp_path / "rs",
                               "--ruleset", rs, "-o", tmp_path / "out.jsonl"], capsys)
    assert code == 3, err
    assert "generate.yaml:" in err and "vars: " in err and "internal error" not in err


MANAGEMENT = "  management: {normal: [$quality, 0.018], min: 0.4, max: 1}"


@pytest.mark.parametrize("replacement, says", [
    ("  management: []", "fields.evaluation.items.score: error: a value drawn here does not fit"),     # a list as a mean
    ("  management: ''", "fields.evaluation.items.score: error: a value drawn here does not fit"),     # a text as a mean
    ("  management: {normal: [1, [2]], min: 0.4, max: 1}", "vars.management: error: a value drawn here does not fit"),
    ("  management: {switch: '../../etc/passwd', cases: {a: 1}}", "vars.management.switch: error: '../../etc/passwd' is not a reference"),
])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_generator_profile_values_of_the_wrong_kind(replacement, says, workers, tmp_path, capsys):
    """Found only when drawing (a variable's kind is known once drawn): the field or variable is named
    at its line, exit 3, from a worker too; never an internal error."""
    import shutil

    from hardening_support import REPO
    rs = tmp_path / "rs" / "ZBC-SC-2025-A2"
    shutil.copytree(REPO / "rulesets" / "ZBC-SC-2025-A2", rs)
    text = (rs / "generate.yaml").read_text(encoding="utf-8")
    assert MANAGEMENT in text
    (rs / "generate.yaml").write_text(text.replace(MANAGEMENT, replacement), encoding="utf-8")
    code, out, err = run_main(["cases", "generate", "--n", "200", "--seed", "1", "--workers", workers,
                               "--rulesets", tmp_path / "rs", "--ruleset", rs, "-o", tmp_path / "out.jsonl"], capsys)
    assert code == 3, err
    assert says in err and "generate.yaml:" in err and "internal error" not in err, err
    assert err.count(says) == 1, err
