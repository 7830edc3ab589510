"""Tables for rule authors (issue 16, item 2): the band lint on whole-number keys, `row` always the
row's id, `row_index` its position, and cells that are expressions evaluated when their row is chosen."""
from pathlib import Path

import pytest

import engine
from engine.errors import RuleSetError
from engine.lint import Band, KeyDomain, find_gaps


def _table_ruleset(folder: Path, rows: str, key_type: str = "integer", minimum: int | None = 1,
                   columns: str = "[fee]") -> Path:
    """The library rule set with one more band table keyed by a case field of the given type."""
    schema = folder / "case.schema.yaml"
    bound = f", minimum: {minimum}" if minimum is not None else ""
    schema.write_text(schema.read_text(encoding="utf-8").replace(
        "  revision: {type: string}\n", f"  revision: {{type: string}}\n  items_count: {{type: {key_type}{bound}}}\n"),
        encoding="utf-8")
    (folder / "fees.yaml").write_text(
        "tables:\n  - id: fee\n    clause: \"1.1\"\n    key: items_count\n"
        f"    columns: {columns}\n    rows:\n{rows}", encoding="utf-8")
    return folder


def _gap_warnings(rs):
    return [p.message for p in rs.warnings if "has no row for" in p.message]


CASE = {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2022-09-01"}}


def test_whole_number_bands_that_follow_each_other_leave_no_gap(library_copy):
    rows = "".join(f"      - {{key: \"[{lo}..{lo + 4}]\", fee: {lo}}}\n" for lo in (1, 6, 11, 16))
    rows += "      - {key: \"> 20\", fee: 99}\n"
    rs = engine.load_ruleset(_table_ruleset(library_copy, rows))
    assert _gap_warnings(rs) == []


def test_the_same_bands_on_any_number_leave_gaps_reported_once_in_key_order(library_copy):
    # written out of key order on purpose: the warning lists the gaps by key, not by text or line
    rows = ("      - {key: \"[11..15]\", fee: 3}\n      - {key: \"[1..5]\", fee: 1}\n"
            "      - {key: \"[6..10]\", fee: 2}\n")
    rs = engine.load_ruleset(_table_ruleset(library_copy, rows, key_type="number", minimum=None))
    [w] = _gap_warnings(rs)
    assert w.index("(5..6)") < w.index("(10..11)") < w.index("above 15")
    assert "between row 2 [1..5] and row 3 [6..10]: widen one of them or add a row" in w
    assert "after row 1 [11..15]: add an open-ended row such as '> 15'" in w


def test_an_inner_gap_on_whole_numbers_names_its_keys_and_the_rows_around_it(library_copy):
    rows = ("      - {key: \"[1..5]\", fee: 1}\n      - {key: \"[8..10]\", fee: 2}\n"
            "      - {key: \">= 11\", fee: 3}\n")
    rs = engine.load_ruleset(_table_ruleset(library_copy, rows))
    [w] = _gap_warnings(rs)
    assert "whole-number keys 6 to 7 (between row 1 [1..5] and row 2 [8..10]" in w
    assert "open-ended" not in w          # the advice for an inner gap is not the advice for the top


def test_the_schema_minimum_makes_a_gap_below_the_first_band():
    bands = [Band(3, True, 10, True, 1, "[3..10]"), Band(10, False, None, False, 2, "> 10")]
    gaps = find_gaps(bands, KeyDomain(integer=True, minimum=1))
    assert [g.describe(True) for g in gaps] == ["1 to 2"]
    assert find_gaps(bands, KeyDomain(integer=True)) == []      # no minimum known: nothing said below
    assert find_gaps(bands[:1], KeyDomain(integer=True, minimum=3, maximum=10)) == []


def test_row_is_always_the_id_and_row_index_the_position(library_copy):
    rows = ("      - {key: \"[1..5]\", fee: 1}\n      - {key: \"[6..10]\", fee: 2}\n"
            "      - {key: \"> 10\", id: beyond_table, fee: 3}\n")
    folder = _table_ruleset(library_copy, rows)
    (folder / "fees.yaml").write_text((folder / "fees.yaml").read_text(encoding="utf-8") + (
        "checks:\n  - id: fee_beyond_table\n    clause: \"1.1\"\n    severity: note\n"
        "    assert: fee.row != \"beyond_table\"\n    message: {en: \"beyond the table\"}\n"), encoding="utf-8")
    rs = engine.load_ruleset(folder)
    result = engine.evaluate(rs, dict(CASE, items_count=7), outputs=["fee", "fee_beyond_table"])
    assert result["values"]["fee"] == {"fee": 2, "row": "2", "row_index": 2}
    assert result["values"]["fee_beyond_table"] is True           # true, not null: "2" != "beyond_table"
    assert result["trace"]["fee"]["rows"] == [{"row": "2", "row_index": 2, "key": "[6..10]"}]
    result = engine.evaluate(rs, dict(CASE, items_count=70), outputs=["fee", "fee_beyond_table"])
    assert result["values"]["fee"]["row"] == "beyond_table" and result["values"]["fee"]["row_index"] == 3
    assert [f["id"] for f in result["findings"]] == ["fee_beyond_table"]


def test_a_cell_expression_is_evaluated_only_when_its_row_is_chosen(library_copy):
    rows = ("      - {key: \"[1..10]\", fee: 2, per_item: {expr: \"1 / 0\"}}\n"
            "      - {key: \"> 10\", id: beyond_table, fee: {expr: \"2 + (items_count - 10) * 0.25\"}, per_item: 0.25}\n")
    rs = engine.load_ruleset(_table_ruleset(library_copy, rows, columns="[fee, per_item]"))
    assert "items_count" in rs.elements["fee"].reads
    high = engine.evaluate(rs, dict(CASE, items_count=30), outputs=["fee"])
    assert high["values"]["fee"] == {"fee": 7, "per_item": 0.25, "row": "beyond_table", "row_index": 2}
    assert "diagnostics" not in high["trace"]["fee"]                # the other row's 1 / 0 never ran
    low = engine.evaluate(rs, dict(CASE, items_count=3), outputs=["fee"])
    assert low["values"]["fee"]["per_item"] is None
    assert low["trace"]["fee"]["diagnostics"] == ["division by zero in '1 / 0' at 1:1"]


def test_a_cell_expression_is_checked_when_the_rule_set_loads(library_copy):
    rows = "      - {key: \"[1..10]\", fee: {expr: \"items_cont * 2\"}}\n"
    with pytest.raises(RuleSetError) as err:
        engine.load_ruleset(_table_ruleset(library_copy, rows))
    assert "fees.yaml:7" in str(err.value) and "tables[0].rows[0].fee.expr" in str(err.value)
    assert "did you mean 'items_count'" in str(err.value)


def test_row_index_is_reserved(library_copy):
    rows = "      - {key: \"[1..10]\", row_index: 2}\n"
    with pytest.raises(RuleSetError, match="'row_index' is reserved for the matched row's position"):
        engine.load_ruleset(_table_ruleset(library_copy, rows, columns="[row_index]"))
