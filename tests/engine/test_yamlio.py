"""The YAML reader: exact numbers, duplicate keys, marks, limits."""
from decimal import Decimal

import pytest

from engine.yamlio import YamlError, parse_json, parse_yaml


def test_numbers_are_exact_and_dates_stay_text():
    doc = parse_yaml("a: 2.50\nb: 3\nc: 2026-01-31\nd: 0.1\n")
    assert doc.data == {"a": Decimal("2.50"), "b": 3, "c": "2026-01-31", "d": Decimal("0.1")}
    assert isinstance(doc.data["a"], Decimal)


def test_marks_give_line_and_column_of_every_node():
    doc = parse_yaml("rules:\n  - id: x\n    expr: 1 +\n")
    assert doc.mark(("rules", 0, "expr")) == (3, 11)
    assert doc.mark(("rules", 0, "missing")) == (2, 5)


def test_duplicate_keys_are_an_error_naming_both_lines():
    with pytest.raises(YamlError) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert exc.value.line == 3
    assert "duplicate key 'a'" in exc.value.message and "line 1" in exc.value.message


def test_syntax_error_has_a_line():
    with pytest.raises(YamlError) as exc:
        parse_yaml("a: [1, 2\nb: 3\n")
    assert exc.value.line is not None and exc.value.message.startswith("YAML syntax error")


def test_python_tags_are_refused():
    with pytest.raises(YamlError, match="not allowed"):
        parse_yaml("!!python/object/apply:os.system ['echo hi']")


@pytest.mark.parametrize("text", ["a: &x [*x]", "a: &x {b: *x}", "a: &x [1, [2, {c: *x}]]\nb: 1",
                                  "- &x [*x, *x, *x]", "a: &x\n  b: &y [*x]\n  c: *y"])
def test_an_alias_inside_its_own_anchor_is_refused_where_it_starts(text):
    """A value that contains itself (no FEEL value does) is a plain error, not endless recursion."""
    with pytest.raises(YamlError, match="contains itself") as exc:
        parse_yaml(text)
    assert exc.value.line is not None


def test_an_alias_used_twice_beside_its_anchor_is_fine():
    assert parse_yaml("a: &x [1, 2]\nb: [*x, *x]").data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_alias_bomb_fails_fast():
    lines = ["a: &a [1,1,1,1,1,1,1,1,1,1]"]
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
        prev = name
    with pytest.raises(YamlError, match="expands"):
        parse_yaml("\n".join(lines))


def test_deep_nesting_fails_fast():
    with pytest.raises(YamlError, match="nests deeper"):
        parse_yaml("[" * 10000 + "]" * 10000)


def test_infinity_is_not_a_number_here():
    with pytest.raises(YamlError, match="finite"):
        parse_yaml("a: .inf")


def test_json_numbers_are_exact_and_duplicates_refused():
    assert parse_json('{"a": 0.1}').data == {"a": Decimal("0.1")}
    with pytest.raises(YamlError, match="duplicate"):
        parse_json('{"a": 1, "a": 2}')
    with pytest.raises(YamlError, match="finite"):
        parse_json('{"a": NaN}')


def test_the_pure_python_reader_still_refuses_unprintable_characters():
    """yamlio imports PyYAML with its reader's pattern compiled lazily (its cost at import is most of
    `import yaml`); the pure-Python loader, used without libyaml, must still apply it."""
    import re

    import yaml

    from engine import yamlio
    assert re.compile is yamlio._compile                 # the patch lasted only for the import
    with pytest.raises(yaml.YAMLError, match="unacceptable character"):
        yamlio._DepthLimitedLoader("a: b\x01c\n").get_single_node()
    assert yamlio._DepthLimitedLoader("a: bc\n").get_single_node() is not None
