"""`certrules eval CASE...` with no option is read without argparse (engine/cli `_plain_eval`): the
arguments it makes must be the ones argparse makes, and anything with an option stays argparse's."""
import pytest

from engine.cli import _plain_eval, build_parser

CASE = "examples/cases/01-initial-five-star-9-sites.yaml"


@pytest.mark.parametrize("argv", [["eval", CASE], ["eval", CASE, "other.yaml"]])
def test_plain_eval_is_what_argparse_makes(argv):
    plain = _plain_eval(argv)
    parsed, extra = build_parser("evaluate").parse_known_args(argv)
    assert extra == []
    assert vars(plain) == vars(parsed)


@pytest.mark.parametrize("argv", [["eval"], ["eval", CASE, "--format", "json"], ["eval", "-", CASE],
                                  ["eval", "--", CASE], ["check", CASE], ["eval", CASE, "-o", "x"], []])
def test_anything_else_is_left_to_argparse(argv):
    assert _plain_eval(argv) is None


def test_output_unchanged_on_the_plain_path(capsys):
    from engine.cli import main
    assert main(["eval", CASE]) == 0
    plain = capsys.readouterr().out
    assert main(["eval", CASE, "--format", "text"]) == 0      # the argparse path
    assert capsys.readouterr().out == plain


def test_a_missing_case_is_the_same_plain_error_on_both_paths(capsys):
    from engine.cli import main
    code = main(["eval", "no-such-case.yaml"])
    plain = capsys.readouterr().err
    assert code == main(["eval", "no-such-case.yaml", "--format", "text"]) != 0
    assert capsys.readouterr().err == plain
    assert plain.startswith("certrules: ") and plain.count("\n") == 1
