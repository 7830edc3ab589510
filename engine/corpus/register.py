"""A body's register (CSV or XLSX, one row per case) as cases, through a mapping file.

The mapping (YAML, written once by the body) says which columns are read, their types and checks,
and how the case's fields are made from them:

    ruleset: LIB-LOANS-2026-R1       # optional: the rule set whose case schema the cases must fit
    sheet: 借阅                       # XLSX: the sheet (default: the first)
    header_row: 1                    # the row holding the column names (default 1)
    id: 读者证号                       # FEEL over the columns: each case's id (default: "row N")
    columns:                         # every column read; a column not listed is ignored
      读者证号: {type: text, required: true, pattern: '^R\\d{6}$'}
      入会日期: {type: date, required: true}
      借阅册数（本）: {type: integer, min: 0, as: 册数}   # `as`: its name in expressions
    fields:                          # case field -> FEEL over the columns (by name, or `row`)
      member.joined_on: 入会日期
      member.books: 册数

A value that does not fit its column, a missing required value, an expression that fails, or a
case that does not fit the case schema makes the row bad: it is reported by row number (as the
spreadsheet shows it) and column (or field), and the import is refused (nothing is written) or the
row skipped, as the user chooses. Nothing is dropped without being reported.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import CaseError, UsageError
from ..i18n import Msg

TYPES = ("text", "integer", "number", "date", "boolean")
COLUMN_KEYS = {"type", "required", "pattern", "min", "max", "values", "as"}
MAP_KEYS = {"ruleset", "sheet", "header_row", "id", "columns", "fields", "description"}
TRUE = {"true", "yes", "y", "1", "是", "有", "✓"}
FALSE = {"false", "no", "n", "0", "否", "无", "✗"}
SHOWN = 50          # bad rows listed in full; the rest are counted


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    written: int = 0
    bad: list = dc_field(default_factory=list)      # (row, column or field, message)
    bad_rows: int = 0
    refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        """The report as a Msg: English as str(), in another language through i18n.Texts.say."""
        bad = "" if not self.bad_rows else Msg("register_bad_refused", n=self.bad_rows) if self.refused \
            else Msg("register_bad_skipped", n=self.bad_rows)
        head = Msg("register_summary", source=self.source, rows=self.rows, written=self.written, bad=bad)
        lines = [Msg("register_bad_line", row=row, where=col, message=msg) for row, col, msg in self.bad[:SHOWN]]
        if len(self.bad) > SHOWN:
            lines.append(Msg("register_more_problems", n=len(self.bad) - SHOWN))
        return Msg("register_report", head=head, lines=lines) if lines else head


# ---------------------------------------------------------------- the mapping

class Mapping:
    def __init__(self, path: Path, dirs=()):
        from ..yamlio import YamlError, load_file
        self.path = path
        try:
            self.doc = load_file(path)
        except YamlError as exc:
            raise UsageError(Msg("err_at", where=f"{path}:{exc.line or ''}", message=exc.message)) from None
        except OSError as exc:
            raise UsageError(Msg("err_at", where=path, message=Msg("map_unreadable", reason=exc.strerror or exc))) from None
        data = self.doc.data
        if not isinstance(data, dict):
            raise self._error(Msg("map_not_mapping"), ())
        for key in data:
            if key not in MAP_KEYS:
                raise self._error(Msg("map_unknown_key", key=key, keys=", ".join(sorted(MAP_KEYS))), (key,))
        self.data = data
        self.sheet = data.get("sheet")
        self.header_row = data.get("header_row", 1)
        if isinstance(self.header_row, bool) or not isinstance(self.header_row, (int, Decimal)) \
                or self.header_row != int(self.header_row) or int(self.header_row) < 1:
            raise self._error(Msg("map_header_row"), ("header_row",))
        self.header_row = int(self.header_row)
        self.columns = self._columns(data.get("columns"))
        self.ruleset_name = data.get("ruleset")
        self.dirs = dirs

    def _error(self, message, path):
        from ..loader import format_path
        line = self.doc.mark(path)[0] if path else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return UsageError(Msg("err_at", where=f"{where}: {format_path(path)}" if path else where, message=message))

    def _columns(self, cols):
        if not isinstance(cols, dict) or not cols:
            raise self._error(Msg("map_columns"), ("columns",))
        out = {}
        for name, spec in cols.items():
            spec = spec if isinstance(spec, dict) else {"type": spec}
            unknown = set(spec) - COLUMN_KEYS
            if unknown:
                raise self._error(Msg("map_column_unknown_keys", keys=", ".join(sorted(unknown)), allowed=", ".join(sorted(COLUMN_KEYS))),
                                  ("columns", name))
            t = spec.get("type", "text")
            if t not in TYPES:
                raise self._error(Msg("map_type", type=t, types=", ".join(TYPES)), ("columns", name, "type"))
            if "required" in spec and not isinstance(spec["required"], bool):
                raise self._error(Msg("map_required"), ("columns", name, "required"))
            col = {}
            if "pattern" in spec:
                # RE2, as a case schema's patterns: a cell's check takes time linear in the cell,
                # whatever the pattern (Python's re takes exponential time for `^(a+)+$` on 'aaa…b')
                from ..schemas import regex
                if not isinstance(spec["pattern"], str):
                    raise self._error(Msg("map_pattern_text"), ("columns", name, "pattern"))
                try:
                    col["regex"] = regex(spec["pattern"])
                except ValueError as exc:
                    raise self._error(str(exc), ("columns", name, "pattern")) from None
            alias = str(spec.get("as", name))
            if not re.fullmatch(r"[^\W\d]\w*", alias):
                raise self._error(Msg("map_alias", alias=alias),
                                  ("columns", name))
            col = dict(spec, type=t, alias=alias, **col)
            for bound in ("min", "max"):
                if bound in spec:
                    b = spec[bound]
                    try:
                        if isinstance(b, bool) or not isinstance(b, (int, Decimal, float, str)):
                            raise ArithmeticError
                        col[bound] = Decimal(str(b))
                        if not col[bound].is_finite():
                            raise ArithmeticError
                    except ArithmeticError:
                        raise self._error(Msg("map_bound", bound=bound),
                                          ("columns", name, bound)) from None
            if "values" in spec:
                if not isinstance(spec["values"], list) or not spec["values"]:
                    raise self._error(Msg("map_values"), ("columns", name, "values"))
                try:
                    col["allowed"] = [_value(x, {"type": t}) for x in spec["values"]]
                except ValueError as exc:
                    raise self._error(Msg("map_values_bad", problem=exc.args[0]), ("columns", name, "values")) from None
            out[str(name)] = col
        return out

    def compile(self, ruleset):
        """The id and field expressions, checked against the columns' names and the case schema."""
        from ..errors import ProblemList
        from ..expressions import Compiler, Scope
        from ..loader import SourceFile
        from ..ruleset import function_registry
        from .profile import _schema_has
        hints = {"text": "string", "integer": "number", "number": "number", "date": "date", "boolean": "boolean"}
        names = {c["alias"]: hints[c["type"]] for c in self.columns.values()}
        names["row"] = "context"
        scope = Scope(names, function_registry())
        problems = ProblemList()
        compiler = Compiler(problems)
        sf = SourceFile(str(self.path), self.doc)
        fields = self.data.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise self._error(Msg("map_fields"), ("fields",))
        self.fields = []
        names = {str(f) for f in fields}
        for fname, text in fields.items():
            fname = str(fname)
            outer = next((fname[:i] for i, ch in enumerate(fname) if ch == "." and fname[:i] in names), None)
            if outer is not None:
                raise self._error(Msg("map_field_inside", field=fname, outer=outer), ("fields", fname))
            if not _schema_has(ruleset.case_schema, fname):
                raise self._error(Msg("map_not_a_field", field=fname, ruleset=ruleset.name), ("fields", fname))
            ce = compiler.expr(sf, ("fields", fname), text, scope)
            self.fields.append((fname, ce))
        self.id_expr = compiler.expr(sf, ("id",), self.data["id"], scope) if "id" in self.data else None
        if problems.errors:
            raise UsageError(Msg("map_expression_errors", path=self.path), problems.errors)


# ---------------------------------------------------------------- reading rows

def _rows_csv(path: Path):
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UsageError(Msg("err_at", where=path, message=Msg("register_unreadable", reason=exc.strerror or exc))) from None
    with fh:
        try:
            sample = fh.read(8192)
            fh.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        except csv.Error:
            dialect = csv.excel
        except UnicodeDecodeError:
            raise UsageError(Msg("err_at", where=path, message=Msg("register_not_utf8"))) from None
        try:
            for n, row in enumerate(csv.reader(fh, dialect), 1):
                yield n, row
        except UnicodeDecodeError:
            raise UsageError(Msg("err_at", where=path, message=Msg("register_not_utf8"))) from None
        except csv.Error as exc:
            raise UsageError(Msg("err_at", where=path, message=Msg("register_bad_csv", reason=exc))) from None


MAX_SHEET_ROWS = 1_048_576     # what a workbook holds (Excel's limit)
MAX_SHEET_COLUMNS = 16_384
# An .xlsx is a zip of XML parts, and openpyxl unpacks them with no limit: a 1.5 MB file whose
# styles.xml unpacks to 1.5 GB took 3 GB of memory, one whose sheet does took minutes. XML packs
# about 5-20 times; a part packed more than MAX_PART_RATIO times (deflate reaches about 1,000) is
# refused, as is one beyond MAX_PART_BYTES (the sheets and the shared strings, read as a stream
# or a list of texts) or MAX_OTHER_BYTES (styles, workbook, relations, read whole into a tree).
MAX_PART_RATIO = 200
MAX_PART_BYTES = 2 << 30
MAX_OTHER_BYTES = 64 << 20
_BIG_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml")


def _check_parts(path: Path) -> None:
    """Refuse an .xlsx whose parts would unpack to far more than a workbook holds (a zip bomb)."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise UsageError(Msg("err_at", where=path, message=Msg("register_bad_xlsx", reason=f"{type(exc).__name__}: {exc}"))) from None
    for part in parts:
        big = part.filename.startswith(_BIG_PARTS)
        limit = MAX_PART_BYTES if big else MAX_OTHER_BYTES
        if part.file_size > limit or (part.file_size > 1 << 20
                                      and part.file_size > MAX_PART_RATIO * max(part.compress_size, 1)):
            raise UsageError(Msg("err_at", where=path, message=Msg(
                "register_zip_bomb", part=part.filename, size=f"{part.file_size:,}", packed=f"{part.compress_size:,}",
                limit=f"{limit:,}", ratio=MAX_PART_RATIO)))


def _rows_xlsx(path: Path, sheet, header_row: int = 1, columns=()):
    """The rows of a sheet, each as wide as the columns the mapping reads and no wider: openpyxl pads
    every row (and every row missing between two rows) to the sheet's width, so one cell at XFD1048576
    made an 8 kB workbook cost 17 billion cells. The header row is given whole; a row numbered beyond
    what a workbook holds is refused."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a core dependency
        raise UsageError(Msg("register_needs_openpyxl")) from None
    _check_parts(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a file that is not a workbook
        raise UsageError(Msg("err_at", where=path, message=Msg("register_bad_xlsx", reason=f"{type(exc).__name__}: {exc}"))) from None
    try:
        if sheet is not None and str(sheet) not in wb.sheetnames:
            raise UsageError(Msg("err_at", where=path, message=Msg("register_no_sheet", sheet=sheet, sheets=", ".join(wb.sheetnames))))
        ws = wb[str(sheet)] if sheet is not None else wb.worksheets[0]
        header, width = None, 1
        for n, row in enumerate(ws.iter_rows(values_only=True, max_row=header_row, max_col=MAX_SHEET_COLUMNS), 1):
            if n == header_row:
                header = list(row)
                names = [("" if h is None else str(h).strip()) for h in header]
                width = max([names.index(c) + 1 for c in columns if c in names], default=1)
        for n, row in enumerate(_sheet_values(ws, width), 1):
            if n > MAX_SHEET_ROWS:
                raise UsageError(Msg("err_at", where=path, message=Msg("register_too_many_rows", n=f"{MAX_SHEET_ROWS:,}")))
            if n == header_row and header is not None:
                yield n, header
            elif row.count(None) != len(row):      # an empty row (a gap is a million of them) is no row
                yield n, list(row)
    finally:
        wb.close()


class Unreadable:
    """A cell with no value to read: a formula whose result the workbook does not hold (a file written by a
    program, not saved by a spreadsheet that calculates), or an error value (#DIV/0!). Reported at its
    row and column as any cell that does not fit, never read as an empty cell."""
    __slots__ = ("formula", "error")

    def __init__(self, formula: str | None = None, error: str | None = None):
        self.formula, self.error = formula, error

    def __str__(self) -> str:        # as a header cell
        return ""

    def problem(self) -> str:
        if self.error is not None:
            return Msg("cell_error_value", error=self.error)
        return Msg("cell_formula_without_value", formula=self.formula)


def _sheet_values(ws, width: int):
    """The sheet's rows as values, each `width` cells wide, as openpyxl's iter_rows(values_only=True) gives
    them (a missing row is a row of None), but with a formula that has no saved value, or an error value,
    as Unreadable instead of None or its text."""
    from openpyxl.worksheet import _reader

    class Parser(_reader.WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["data_type"] == "e":
                cell["value"] = Unreadable(error=str(cell["value"]))
            elif cell["value"] is None and element.find(_reader.FORMULA_TAG) is not None:
                f = element.find(_reader.FORMULA_TAG)
                cell["value"] = Unreadable(formula="=" + (f.text or ""))
            return cell

    wb = ws.parent
    empty = (None,) * width
    expected = 1
    with ws._get_source() as src:
        parser = Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                        date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for idx, cells in parser.parse():
            while expected < idx:
                expected += 1
                yield empty
            if expected == idx:
                row = [None] * width
                for cell in cells:
                    if 1 <= cell["column"] <= width:
                        row[cell["column"] - 1] = cell["value"]
                expected += 1
                yield tuple(row)


def count_rows(path: Path, sheet=None) -> int | None:
    """How many rows the register has, when cheap to know (a progress bar's total)."""
    if path.suffix.lower() == ".xlsx":
        return None
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return None


# ---------------------------------------------------------------- values

_DATE_FORMS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
               re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"))


def _value(raw, spec):
    """A cell as the column's type; raises ValueError with a sentence when it does not fit."""
    t = spec["type"]
    if isinstance(raw, Unreadable):
        raise ValueError(raw.problem())
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    if t == "text":
        v = raw if isinstance(raw, str) else (str(int(raw)) if isinstance(raw, int) else str(raw))
    elif t in ("integer", "number"):
        if isinstance(raw, bool):
            raise ValueError(Msg("cell_not_a_number", value=raw))
        try:
            d = Decimal(str(raw).replace(",", "")) if not isinstance(raw, int) else Decimal(raw)
        except InvalidOperation:
            raise ValueError(Msg("cell_not_a_number", value=raw)) from None
        if not d.is_finite() or abs(d.adjusted()) > 15:
            raise ValueError(Msg("cell_number_out_of_range", value=raw))
        if t == "integer":
            if d != d.to_integral_value():
                raise ValueError(Msg("cell_not_whole", value=raw))
            d = Decimal(int(d))
        v = d
    elif t == "date":
        if isinstance(raw, datetime):
            v = raw.date()
        elif isinstance(raw, date):
            v = raw
        else:
            v = None
            for form in _DATE_FORMS:
                m = form.match(str(raw))
                if m:
                    try:
                        v = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        raise ValueError(Msg("cell_not_a_calendar_date", value=raw)) from None
                    break
            if v is None:
                raise ValueError(Msg("cell_not_a_date", value=raw))
    else:   # boolean
        text = str(raw).strip().lower()
        if raw is True or text in TRUE:
            v = True
        elif raw is False or text in FALSE:
            v = False
        else:
            raise ValueError(Msg("cell_not_yes_no", value=raw))
    if "allowed" in spec and v not in spec["allowed"]:
        raise ValueError(Msg("cell_not_one_of", value=raw, values=", ".join(map(str, spec["values"]))))
    if "regex" in spec and isinstance(v, str) and not spec["regex"].search(v):
        raise ValueError(Msg("cell_pattern", value=v, pattern=spec["pattern"]))
    for bound, bad in (("min", lambda x, b: x < b), ("max", lambda x, b: x > b)):
        if bound in spec and isinstance(v, Decimal) and bad(v, spec[bound]):
            raise ValueError(Msg("cell_below", value=v, bound=spec[bound]) if bound == "min"
                             else Msg("cell_above", value=v, bound=spec[bound]))
    return v


def _set(case, dotted, value):
    parts = dotted.split(".")
    node = case
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _json_ready(v):
    """A FEEL value as case data: whole numbers as integers (the case schema's integer fields)."""
    from ..feel import to_plain
    v = to_plain(v)
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and abs(v) < 10 ** 15 else v
    if isinstance(v, dict):
        return {k: _json_ready(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_ready(x) for x in v]
    return v


# ---------------------------------------------------------------- import

def import_register(register: Path, mapping_path: Path, output: Path, on_error: str = "refuse",
                    ruleset=None, dirs=(), progress=None, family: str | None = None) -> ImportReport:
    import decimal
    from ..case import validate_case
    from ..errors import CertrulesError
    from ..feel import FEEL_CONTEXT
    from ..files import open_atomic
    from ..jsonout import dumps
    mapping = Mapping(mapping_path, dirs)
    if ruleset is None:
        from .. import registry
        if mapping.ruleset_name:
            entries = registry.find_rulesets(dirs)
            folder = Path(str(mapping.ruleset_name))
            folder = folder if folder.is_dir() else registry.choose(entries, None, str(mapping.ruleset_name))[0].folder
        else:
            entries = registry.find_rulesets(dirs)
            if not entries:
                raise UsageError(Msg("register_no_ruleset"))
            folder = registry.latest(entries, family).folder     # of one family: several are named, not guessed
        ruleset = registry.load_cached(folder)
    mapping.compile(ruleset)
    suffix = register.suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(register)
    elif suffix == ".xlsx":
        rows = _rows_xlsx(register, mapping.sheet, mapping.header_row, mapping.columns)
    elif not register.exists():
        raise UsageError(Msg("err_at", where=register, message=Msg("register_no_file")))
    else:
        raise UsageError(Msg("err_at", where=register, message=Msg("register_suffix")))
    if not register.exists():
        raise UsageError(Msg("err_at", where=register, message=Msg("register_no_file")))
    report = ImportReport(str(register))
    seen_ids: dict = {}      # case id -> the row that gave it first (a register names each case once)
    header = None
    index: dict = {}
    with open_atomic(output) as out, decimal.localcontext(FEEL_CONTEXT):
        for n, row in rows:
            if progress is not None:
                progress(1)
            if n < mapping.header_row:
                continue
            if n == mapping.header_row:
                header = [("" if h is None else str(h).strip()) for h in row]
                missing = [c for c in mapping.columns if c not in header]
                if missing:
                    raise UsageError(Msg("err_at", where=register, message=Msg(
                        "register_header_missing", row=n, missing=", ".join(missing),
                        has=", ".join(h for h in header if h) or Msg("register_no_columns"))))
                twice = [c for c in mapping.columns if header.count(c) > 1]
                if twice:
                    raise UsageError(Msg("err_at", where=register, message=Msg(
                        "register_header_twice", row=n,
                        columns=", ".join(Msg("register_times", column=c, n=header.count(c)) for c in twice))))
                index = {c: header.index(c) for c in mapping.columns}
                continue
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
                continue     # a blank line is not a row of the register
            report.rows += 1
            problems = []
            values, whole = {}, {}
            for col, spec in mapping.columns.items():
                i = index[col]
                raw = row[i] if i < len(row) else None
                try:
                    v = _value(raw, spec)
                except ValueError as exc:
                    problems.append((n, Msg("register_column", name=col), exc.args[0]))
                    continue
                if v is None and spec.get("required"):
                    problems.append((n, Msg("register_column", name=col), Msg("cell_required")))
                values[spec["alias"]] = v
                whole[col] = v
            case, cid = {}, f"row {n}"
            if not problems:
                env = dict(values, row=whole)
                for fname, ce in mapping.fields:
                    diagnostics: list = []
                    v = ce.evaluate(env, diagnostics)
                    if v is None and diagnostics:
                        problems.append((n, Msg("register_field", name=fname), diagnostics[0]))
                        continue
                    if v is not None:
                        _set(case, fname, _json_ready(v))
                if mapping.id_expr is not None:
                    v = mapping.id_expr.evaluate(env)
                    if v is None:
                        problems.append((n, "id", Msg("register_id_none")))
                    else:
                        cid = str(_json_ready(v))
                        if cid in seen_ids:
                            problems.append((n, "id", Msg("register_id_twice", id=cid, row=seen_ids[cid])))
                        else:
                            seen_ids[cid] = n
            if not problems:
                try:
                    validate_case(ruleset, case, f"row {n}")
                except CertrulesError as exc:
                    # one line per field: "path: what is wrong"
                    for line in ([str(p) for p in exc.problems] or exc.message.splitlines()[1:] or [exc.message])[:5]:
                        where, _, what = line.strip().partition(": ")
                        problems.append((n, Msg("register_field", name=where), what) if what
                                        else (n, Msg("label_the_case"), where))
            if problems:
                report.bad.extend(problems)
                report.bad_rows += 1
                continue
            if on_error == "skip" or not report.bad_rows:
                out.write(dumps({"id": cid, "case": case}, indent=0).replace("\n", "") + "\n")
                report.written += 1
        if header is None:
            raise UsageError(Msg("err_at", where=register, message=Msg("register_no_header", row=mapping.header_row)))
        if report.bad_rows and on_error == "refuse":
            report.refused = True
            report.written = 0
            raise _Refused(report)
    return report


class _Refused(CaseError):
    """The import was refused: the report says which rows and why (exit 4, nothing written)."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report
