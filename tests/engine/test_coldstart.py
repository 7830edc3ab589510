"""`certrules eval CASE... [OPTION VALUE...]` in its plainest spelling is read without argparse (engine/cli
`_plain_eval`): the arguments it makes must be the ones argparse makes, and any other spelling stays
argparse's."""
import pytest

from engine.cli import _plain_eval, build_parser

CASE = "examples/cases/01-initial-five-star-9-sites.yaml"


@pytest.mark.parametrize("argv", [
    ["eval", CASE], ["eval", CASE, "other.yaml"],
    ["eval", CASE, "--rulesets", "rulesets"], ["eval", CASE, "--rulesets", "a", "--rulesets=b"],
    ["eval", CASE, "--format", "json", "--no-trace"], ["eval", CASE, "--format=text", "--format", "json"],
    ["eval", CASE, "x.json", "--revision", "A/1", "--family", "ZBC-SC", "--lang", "en"],
    ["eval", CASE, "--explain", "audit_days", "-o", "out.txt"], ["eval", CASE, "-o=out.txt", "--output", "o2"],
    ["eval", CASE, "--outputs", "a,b", "--no-trace", "--no-trace"]])
def test_plain_eval_is_what_argparse_makes(argv):
    plain = _plain_eval(argv)
    parsed, extra = build_parser("evaluate").parse_known_args(argv)
    assert extra == []
    assert vars(plain) == vars(parsed)


@pytest.mark.parametrize("argv", [["eval"], ["eval", "-", CASE], ["eval", "--", CASE], ["check", CASE], [],
                                  ["eval", "--format", "json", CASE], ["eval", CASE, "--format", "yaml"],
                                  ["eval", CASE, "--form", "json"], ["eval", CASE, "--format"],
                                  ["eval", CASE, "--rulesets", "-x"], ["eval", CASE, "--rulesets="],
                                  ["eval", CASE, "--format", "json", "other.yaml"], ["eval", CASE, "-ojson"],
                                  ["eval", CASE, "--no-trace=1"], ["eval", CASE, "--help"], ["eval", CASE, "-h"]])
def test_anything_else_is_left_to_argparse(argv):
    assert _plain_eval(argv) is None


def test_output_unchanged_on_the_plain_path(capsys):
    from engine.cli import main
    assert main(["eval", CASE]) == 0
    plain = capsys.readouterr().out
    assert main(["eval", CASE, "--form", "text"]) == 0      # the argparse path (an abbreviation)
    assert capsys.readouterr().out == plain


def test_a_missing_case_is_the_same_plain_error_on_both_paths(capsys):
    from engine.cli import main
    code = main(["eval", "no-such-case.yaml"])
    plain = capsys.readouterr().err
    assert code == main(["eval", "no-such-case.yaml", "--form", "text"]) != 0
    assert capsys.readouterr().err == plain
    assert plain.startswith("certrules: ") and plain.count("\n") == 1
