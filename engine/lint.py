"""Static findings about a rule set that no single expression shows.

- band tables and decision tables: overlapping rows (an error under UNIQUE; a warning under ANY when
  their literal outputs differ, since DMN makes any input they share an error), gaps between bands
  (on whole numbers when the case schema says the key is an integer: [6..10] and [11..15] leave no
  gap), rows that can never match under FIRST, inputs that every row ignores;
- the clause map: ids it names that do not exist, elements no clause names.
Intervals come from the FEEL unary tests (`interval_of`); a cell that is not a simple numeric test
is compared by its text, so an overlap is reported only when it is certain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .feel import interval_of
from .i18n import Msg

ANY = "any"


def _intervals(test):
    """A cell as a list of (low, low_closed, high, high_closed), ANY for '-', or None if unknown."""
    if test is None:
        return None
    if str(test.text).strip() == "-":
        return ANY
    try:
        return interval_of(test)
    except Exception:  # a cell the interval analysis does not understand is simply not analysed
        return None


def _meet(a, b) -> bool:
    """Do two intervals share a point?"""
    lo1, lc1, hi1, hc1 = a
    lo2, lc2, hi2, hc2 = b
    # the larger low bound must not exceed the smaller high bound
    if lo1 is None:
        lo, lc = lo2, lc2
    elif lo2 is None:
        lo, lc = lo1, lc1
    elif lo1 > lo2:
        lo, lc = lo1, lc1
    elif lo2 > lo1:
        lo, lc = lo2, lc2
    else:
        lo, lc = lo1, lc1 and lc2
    if hi1 is None:
        hi, hc = hi2, hc2
    elif hi2 is None:
        hi, hc = hi1, hc1
    elif hi1 < hi2:
        hi, hc = hi1, hc1
    elif hi2 < hi1:
        hi, hc = hi2, hc2
    else:
        hi, hc = hi1, hc1 and hc2
    if lo is None or hi is None:
        return True
    return lo < hi or (lo == hi and lc and hc)


def _covers(outer, inner) -> bool:
    """Does interval `outer` contain interval `inner`?"""
    lo1, lc1, hi1, hc1 = outer
    lo2, lc2, hi2, hc2 = inner
    low_ok = lo1 is None or (lo2 is not None and (lo1 < lo2 or (lo1 == lo2 and (lc1 or not lc2))))
    high_ok = hi1 is None or (hi2 is not None and (hi2 < hi1 or (hi1 == hi2 and (hc1 or not hc2))))
    return low_ok and high_ok


def cells_overlap(a, b, text_a, text_b) -> bool | None:
    """True: certainly overlap; False: certainly not; None: cannot tell."""
    if a == ANY or b == ANY:
        return True
    if a is None or b is None:
        return True if text_a.strip() == text_b.strip() else None
    return any(_meet(x, y) for x in a for y in b)


_UNKNOWN = object()


def _constant(cell):
    """An output cell's value when it is a literal (a number, text, true/false, null), else _UNKNOWN:
    only literals are compared, so two rows are said to differ only when they certainly do."""
    from .expressions import expr_text
    from .feel import nodes as N
    from .feel.parser import parse
    try:
        node = parse(expr_text(cell))
    except Exception:  # noqa: BLE001 - a cell that does not parse is reported where it is compiled
        return _UNKNOWN
    if isinstance(node, N.Neg) and isinstance(node.operand, N.Num):
        return -node.operand.value
    if isinstance(node, (N.Num, N.Str, N.Bool)):
        return node.value
    return None if isinstance(node, N.Null) else _UNKNOWN


def _same_value(a, b) -> bool:
    """FEEL equality of two literals: numbers by value (1.0 is 1), other kinds only with their own kind."""
    return type(a) is type(b) and a == b


def cell_covers(a, b, text_a, text_b) -> bool:
    if a == ANY:
        return True
    if b == ANY or a is None or b is None:
        return text_a.strip() == text_b.strip()
    return all(any(_covers(x, y) for x in a) for y in b)


# ---------------------------------------------------------------- gaps between bands

@dataclass(frozen=True)
class Band:
    """One interval of a row's cell: (low, low_closed, high, high_closed), None = unbounded."""
    low: object
    low_closed: bool
    high: object
    high_closed: bool
    row: int            # the row's 1-based number
    text: str           # the cell as written


@dataclass(frozen=True)
class KeyDomain:
    """What is known of the values a key takes: whole numbers or any number, and its bounds."""
    integer: bool = False
    minimum: object = None
    maximum: object = None


def _on_integers(b: Band) -> Band | None:
    """A band over whole numbers as a half-open band over all numbers: [6..10] is [6..11), (5..10) is
    [6..10). Adjacent whole-number bands then meet exactly ([6..10], [11..15] leave nothing between)."""
    lo = None if b.low is None else (_ceil(b.low) if b.low_closed else _floor(b.low) + 1)
    hi = None if b.high is None else (_floor(b.high) + 1 if b.high_closed else _ceil(b.high))
    if lo is not None and hi is not None and lo >= hi:
        return None   # no whole number in it
    return Band(lo, lo is not None, hi, False, b.row, b.text)


def _floor(x):
    return Decimal(x).to_integral_value(rounding=ROUND_FLOOR)


def _ceil(x):
    return Decimal(x).to_integral_value(rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Gap:
    """Keys no band takes: from `low` to `high` (None = unbounded), between band `before` and `after`."""
    low: object
    low_closed: bool
    high: object
    high_closed: bool
    before: Band | None
    after: Band | None

    def describe(self, integer: bool) -> str:
        if integer:   # on whole numbers a gap is always [low..high): name its first and last keys
            first, last = self.low, None if self.high is None else self.high - 1
            if last is None:
                return f"{first} and above"
            if first is None:
                return f"{last} and below"
            return f"{first}" if first == last else f"{first} to {last}"
        if self.high is None:
            return f"{'from' if self.low_closed else 'above'} {self.low}"
        if self.low is None:
            return f"{'up to' if self.high_closed else 'below'} {self.high}"
        return f"{'[' if self.low_closed else '('}{self.low}..{self.high}{']' if self.high_closed else ')'}"

    def advice(self, integer: bool) -> str:
        if self.before is not None and self.after is not None:
            return (f"between row {self.before.row} {self.before.text} and row {self.after.row} {self.after.text}: "
                    "widen one of them or add a row for these keys")
        if self.before is not None:
            edge = self.before.high - 1 if integer and self.before.high is not None else self.before.high
            return (f"after row {self.before.row} {self.before.text}: add an open-ended row "
                    f"such as '> {edge}' if such keys can occur")
        if self.after is not None:
            return f"before row {self.after.row} {self.after.text}: add a row if such keys can occur"
        return "add a row for them"


def find_gaps(bands: list[Band], domain: KeyDomain = KeyDomain()) -> list[Gap]:
    """The keys of the domain that no band takes, in key order.

    Below the lowest band is a gap only when the domain's minimum is known (otherwise such keys are
    usually outside the domain, which the case schema states); above the highest band it always is,
    up to the domain's maximum when known."""
    if domain.integer:
        bands = [x for x in (_on_integers(b) for b in bands) if x is not None]
    if not bands:
        return []
    lo_key = lambda b: (b.low is not None, b.low if b.low is not None else 0, not b.low_closed)  # noqa: E731
    items = sorted(bands, key=lo_key)
    gaps = []
    first = items[0]
    if first.low is not None and domain.minimum is not None:
        dmin = _ceil(domain.minimum) if domain.integer else Decimal(domain.minimum)
        if dmin < first.low or (dmin == first.low and not first.low_closed):
            gaps.append(Gap(dmin, True, first.low, not first.low_closed, None, first))
    cur = first   # the band reaching highest so far
    for b in items[1:]:
        if cur.high is None:
            return gaps
        if b.low is not None and (b.low > cur.high or (b.low == cur.high and not (b.low_closed or cur.high_closed))):
            gaps.append(Gap(cur.high, not cur.high_closed, b.low, not b.low_closed, cur, b))
        if b.high is None or b.high > cur.high or (b.high == cur.high and b.high_closed):
            cur = b
    if cur.high is not None:
        if domain.maximum is None:
            gaps.append(Gap(cur.high, not cur.high_closed, None, False, cur, None))
        else:
            dmax = _floor(domain.maximum) + 1 if domain.integer else Decimal(domain.maximum)
            if dmax > cur.high or (dmax == cur.high and not cur.high_closed and not domain.integer):
                gaps.append(Gap(cur.high, not cur.high_closed, dmax, not domain.integer, cur, None))
    return gaps


def key_domain(expr_text, case_schema) -> KeyDomain:
    """What the case schema says of a key that is a plain path into the case (organization.staff)."""
    text = str(expr_text).strip()
    if not _PATH.fullmatch(text) or not isinstance(case_schema, dict):
        return KeyDomain()
    node = case_schema
    for part in text.split("."):
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or part not in props:
            return KeyDomain()
        node = props[part]
    if not isinstance(node, dict):
        return KeyDomain()
    types = node.get("type")
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    lo = node.get("minimum", node.get("exclusiveMinimum"))
    hi = node.get("maximum", node.get("exclusiveMaximum"))
    integer = types == ["integer"]
    if integer:   # an exclusive bound on whole numbers is the next whole number in
        if "minimum" not in node and lo is not None:
            lo = _floor(lo) + 1
        if "maximum" not in node and hi is not None:
            hi = _ceil(hi) - 1
    elif types != ["number"]:
        return KeyDomain()
    num = lambda v: None if v is None or isinstance(v, bool) or not isinstance(v, (int, Decimal)) else Decimal(v)  # noqa: E731
    return KeyDomain(integer, num(lo), num(hi))


_PATH = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")


def _bands(rows) -> list[Band] | None:
    """Every interval of every (number, intervals, text) row, or None when one row is not analysable."""
    out = []
    for number, ivs, text in rows:
        if ivs is None or ivs == ANY:
            return None
        out += [Band(lo, lc, hi, hc, number, str(text).strip()) for lo, lc, hi, hc in ivs]
    return out


def gap_warning(what: str, gaps: list[Gap], domain: KeyDomain) -> str:
    """One warning for all the gaps of a table, in key order."""
    listed = "; ".join(f"{g.describe(domain.integer)} ({g.advice(domain.integer)})" for g in gaps)
    return f"{what} has no row for {'whole-number ' if domain.integer else ''}keys {listed}"


def schema_enum(expr_text, case_schema) -> list | None:
    """The values the case schema allows for a key that is a plain path into the case with an `enum`
    (or `const`), else None."""
    text = str(expr_text).strip()
    if not _PATH.fullmatch(text) or not isinstance(case_schema, dict):
        return None
    node = case_schema
    for part in text.split("."):
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or part not in props:
            return None
        node = props[part]
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("enum"), list):
        return list(node["enum"])
    return [node["const"]] if "const" in node else None


def _enum_shown(values) -> str:
    return ", ".join(str(v) for v in values)


def lint_exact_keys(el, problems, case_schema):
    """An exact table on a field the case schema enumerates: a row key the schema does not allow can
    never be chosen (a typo, silently), and a value no row takes gives null."""
    allowed = schema_enum(el.raw.get("key"), case_schema)
    if not allowed:
        return
    from .suggest import did_you_mean
    texts = [str(a) for a in allowed]
    for r in el.rows:
        if r.key_text not in allowed:
            problems.items.append(el.sf.locate(el.path + ("rows", r.number - 1, "key"), Msg(
                "lint_key_not_allowed", row=r.number, table=el.id, key=r.key_text, field=el.raw.get("key"),
                values=_enum_shown(allowed), hint=did_you_mean(r.key_text, texts)), severity="warning"))
    missing = [a for a in allowed if a not in [r.key_text for r in el.rows]]
    if missing:
        problems.items.append(el.sf.locate(el.path + ("rows",), Msg(
            "lint_enum_without_row", table=el.id, field=el.raw.get("key"), values=_enum_shown(missing)),
            severity="warning"))


def lint_enum_cells(el, problems, case_schema):
    """A decision-table cell testing an enumerated case field against a text the schema does not allow
    (`"EMSS"`) can never match: say so, with the nearest allowed value."""
    from .feel import nodes as N
    from .suggest import did_you_mean
    for k, text in enumerate(el.input_texts):
        allowed = schema_enum(text, case_schema)
        if not allowed or not all(isinstance(a, str) for a in allowed):
            continue
        for r in el.rows:
            test = r.tests[k] if k < len(r.tests) else None
            node = getattr(test, "ast", None)
            for t in getattr(node, "tests", None) or []:
                if isinstance(t, N.Str) and t.value not in allowed:
                    problems.items.append(el.sf.locate(el.path + ("rules", r.number - 1, "when", k), Msg(
                        "lint_cell_not_allowed", row=r.number, table=el.id, value=t.value, field=text,
                        values=_enum_shown(allowed), hint=did_you_mean(t.value, allowed)), severity="warning"))


def lint_table(el, problems, case_schema=None):
    if el.match == "exact":
        lint_exact_keys(el, problems, case_schema)
    if el.match != "band":
        return
    ivs = [(_intervals(r.test), r) for r in el.rows]
    for i, (a, ra) in enumerate(ivs):
        for b, rb in ivs[i + 1:]:
            if cells_overlap(a, b, str(ra.key_text), str(rb.key_text)) is True:
                problems.items.append(el.sf.locate(el.path + ("rows", rb.number - 1, "key"),
                    f"rows {ra.number} and {rb.number} of table '{el.id}' overlap ({ra.key_text} and {rb.key_text})"))
    bands = _bands([(r.number, a, r.key_text) for a, r in ivs])
    if bands:
        domain = key_domain(el.raw.get("key"), case_schema)
        gaps = find_gaps(bands, domain)
        if gaps:
            problems.items.append(el.sf.locate(el.path + ("rows",), gap_warning(f"table '{el.id}'", gaps, domain),
                                               severity="warning"))


def lint_decision_table(el, problems, case_schema=None):
    rows = el.rows
    lint_enum_cells(el, problems, case_schema)
    cells = [[_intervals(t) for t in r.tests] for r in rows]
    if el.hit_policy == "UNIQUE":
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if all(cells_overlap(cells[i][k], cells[j][k], rows[i].cells[k], rows[j].cells[k]) is True
                       for k in range(len(el.inputs))):
                    problems.items.append(el.sf.locate(el.path + ("rules", rows[j].number - 1),
                        f"hit policy UNIQUE but rows {rows[i].number} and {rows[j].number} of '{el.id}' can both match"))
    if el.hit_policy == "ANY":
        outputs = [[_constant(c) for c in (el.raw["rules"][r.number - 1].get("then") or [])] for r in rows]
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                differ = [el.output_names[k] for k, (a, b) in enumerate(zip(outputs[i], outputs[j]))
                          if a is not _UNKNOWN and b is not _UNKNOWN and not _same_value(a, b)]
                if differ and all(cells_overlap(cells[i][k], cells[j][k], rows[i].cells[k], rows[j].cells[k]) is True
                                  for k in range(len(el.inputs))):
                    problems.items.append(el.sf.locate(el.path + ("rules", rows[j].number - 1), Msg(
                        "lint_any_rows_differ", table=el.id, first=rows[i].number, second=rows[j].number,
                        outputs=", ".join(differ)), severity="warning"))
    if el.hit_policy == "PRIORITY" and el.priority:
        lint_priority(el, problems)
    if el.hit_policy == "FIRST":
        for j in range(len(rows)):
            for i in range(j):
                if all(cell_covers(cells[i][k], cells[j][k], rows[i].cells[k], rows[j].cells[k]) for k in range(len(el.inputs))):
                    problems.items.append(el.sf.locate(el.path + ("rules", rows[j].number - 1),
                        f"row {rows[j].number} of '{el.id}' can never match: row {rows[i].number} above catches all its inputs",
                        severity="warning"))
                    break
    for k, text in enumerate(el.input_texts):
        if rows and all(c[k] == ANY for c in cells):
            problems.items.append(el.sf.locate(el.path + ("inputs", k),
                f"input '{text}' of '{el.id}' is '-' in every row: it is never used", severity="warning"))
    if len(el.inputs) == 1 and el.default is None:
        bands = _bands([(r.number, c[0], r.cells[0]) for r, c in zip(rows, cells)])
        if bands:
            domain = key_domain(el.input_texts[0], case_schema)
            gaps = find_gaps(bands, domain)
            if gaps:
                problems.items.append(el.sf.locate(el.path + ("rules",), gap_warning(
                    f"decision table '{el.id}' (no default)", gaps, domain), severity="warning"))


def lint_priority(el, problems):
    """PRIORITY ranks a row's first output by its place in the output's `priority` list: a literal
    output the list lacks ranks below all (a warning); the list written as FEEL text ('"team"', as
    the cells are) holds no output at all, so the first matching row would win (an error)."""
    listed = el.priority
    quoted = {p[1:-1] for p in (el.raw["outputs"][0].get("priority") or [])
              if isinstance(p, str) and len(p) >= 2 and p[0] == p[-1] == '"'}
    for r in el.rows:
        then = el.raw["rules"][r.number - 1].get("then") or []
        value = _constant(then[0]) if then else _UNKNOWN
        if value is _UNKNOWN or value is None or any(_same_value(value, v) for v in listed):
            continue
        path = el.path + ("rules", r.number - 1, "then", 0)
        if isinstance(value, str) and value in quoted:
            problems.items.append(el.sf.locate(el.path + ("outputs", 0, "priority"), Msg(
                "lint_priority_quoted", table=el.id, value=value, output=el.output_names[0])))
            return
        problems.items.append(el.sf.locate(path, Msg(
            "lint_priority_not_listed", table=el.id, row=r.number, value=_shown(value), output=el.output_names[0]),
            severity="warning"))


def _shown(value) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def lint_clause_map(elements, src, problems):
    if src.clause_map is None:
        return
    named = set()
    for i, entry in enumerate(src.clause_map.doc.data.get("clauses") or []):
        for j, eid in enumerate(entry.get("encoded_by") or []):
            named.add(eid)
            if eid not in elements:
                problems.items.append(src.clause_map.locate(("clauses", i, "encoded_by", j),
                    Msg("err_clause_names_unknown", clause=entry.get('clause'), id=eid)))
    for eid, el in elements.items():
        if eid not in named and el.kind != "parameter":
            problems.items.append(el.sf.locate(el.path, Msg("err_not_in_clause_map", id=eid, clause=el.clause),
                                               severity="warning"))


# ---------------------------------------------------------------- texts and the declared languages

TEXT_KEYS = ("title", "interpretation", "message", "label", "text")


def _texts(node, path=()):
    """(path, mapping) for every text given by language (a title, message, ... written as a mapping)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in TEXT_KEYS and isinstance(v, dict) and v and all(isinstance(x, str) for x in v.values()):
                yield path + (k,), v
            else:
                yield from _texts(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _texts(v, path + (i,))


def lint_languages(elements, src, problems):
    """A text in a language the rule set does not declare, or without its primary language, is shown
    to nobody or shown in another language: both are worth a warning."""
    from .i18n import declared, match
    if src.manifest is None:
        return
    languages = declared(src.manifest.doc.data)
    sources = [(src.manifest, (), src.manifest.doc.data)]
    if src.clause_map is not None:
        sources.append((src.clause_map, (), src.clause_map.doc.data))
    sources += [(el.sf, el.path, el.raw) for el in elements.values()]
    for sf, base, node in sources:
        for path, text in _texts(node):
            where = path[-1]
            undeclared = [k for k in text if match(k, languages) is None]
            if undeclared:
                problems.items.append(sf.locate(base + path, (
                    f"{where} has a text in {', '.join(repr(k) for k in undeclared)}, which the rule set does not "
                    f"declare (languages: [{', '.join(languages)}] in ruleset.yaml)"), severity="warning"))
            elif match(languages[0], list(text)) is None:
                problems.items.append(sf.locate(base + path, (
                    f"{where} has no text in '{languages[0]}', the rule set's primary language"), severity="warning"))


# ---------------------------------------------------------------- messages and parameter values

_FEEL_LITERAL = re.compile(r"\s*(@\"|(date and time|date|time|duration|years and months duration)\s*\()")


def lint_placeholders(el, problems, elements, case_fields, open_case):
    """A {placeholder} that names no let, element or case field is printed as written: the author
    meant a value and the finding shows the braces. A dotted one ({a.b}) is never filled."""
    from .elements import PLACEHOLDER
    lets = set(el.raw.get("let") or {})
    # once per placeholder, however many of the message's languages hold it
    names = dict.fromkeys(n for msg in (getattr(el, "message", None) or {}).values() for n in PLACEHOLDER.findall(msg))
    for name in names:
        if "." in name:
            problems.items.append(el.sf.locate(el.path + ("message",), Msg(
                "warn_placeholder_path", id=el.id, placeholder="{" + name + "}",
                let=name.rsplit(".", 1)[-1], path=name), severity="warning"))
        elif name not in lets and name not in elements and name not in case_fields and not open_case:
            problems.items.append(el.sf.locate(el.path + ("message",), Msg(
                "warn_placeholder_unknown", id=el.id, placeholder="{" + name + "}"), severity="warning"))


def _literal_strings(node, path=()):
    if isinstance(node, str):
        if _FEEL_LITERAL.match(node):
            yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _literal_strings(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _literal_strings(v, path + (i,))


def lint_parameter_value(el, problems):
    """`value:` is data, so value: '@"P12M"' is a text that looks like a duration: expressions then
    fail on it at evaluation (a date plus a string). Written as a FEEL literal, it was meant as `expr:`."""
    if "value" not in el.raw or el.raw.get("type") == "string":
        return
    for path, text in _literal_strings(el.raw["value"]):
        problems.items.append(el.sf.locate(el.path + ("value",) + path, Msg(
            "warn_parameter_literal", id=el.id, value=text.strip()), severity="warning"))


def lint_ruleset(elements, src, problems):
    lint_languages(elements, src, problems)
    case_schema = src.case_schema.doc.data if src.case_schema is not None else None
    props = (case_schema or {}).get("properties") if isinstance(case_schema, dict) else None
    case_fields = set(props) if isinstance(props, dict) else set()
    # a case that may hold fields the schema does not list may fill a placeholder from one of them
    open_case = not isinstance(case_schema, dict) or case_schema.get("additionalProperties", True) is not False
    for el in elements.values():
        if el.kind == "table":
            lint_table(el, problems, case_schema)
        elif el.kind == "decision_table":
            lint_decision_table(el, problems, case_schema)
        elif el.kind == "parameter":
            lint_parameter_value(el, problems)
        if getattr(el, "message", None):
            lint_placeholders(el, problems, elements, case_fields, open_case)
    lint_clause_map(elements, src, problems)


# ---------------------------------------------------------------- what `check` reads beyond the rules

FINDING_SUFFIXES = (".limit_reached", ".function_note")
DOCUMENT_KEYS = ("title", "earned_when", "requires", "inputs")
REQUIREMENT_KEYS = ("value", "field", "data", "path", "findings", "any_of", "in", "not_in", "equals",
                    "min", "max", "item", "message", "label")
REQUIREMENT_SOURCES = ("value", "field", "data", "path", "findings", "any_of")


def lint_authored(rs) -> list:
    """What `check` finds in the files a rule set's elements do not come from: the rule-author tests
    (an expected value or finding no element makes: a `no_findings` with a typo passes for ever) and
    `templates/documents.yaml` (a key the renderer does not know is a requirement silently dropped)."""
    from .errors import ProblemList
    problems = ProblemList()
    lint_test_files(rs, problems)
    lint_documents(rs, problems)
    return problems.sorted()


def _at_key(sf, path, message, severity="error"):
    """A problem located at a mapping's key (an unknown key is the key's mistake, not its value's)."""
    from .errors import Problem
    from .loader import format_path
    line, col = sf.doc.key_marks.get(tuple(path)) or sf.doc.mark(path)
    return Problem(message, file=sf.rel, line=line, col=col, path=format_path(path), severity=severity)


def _finding_ids(rs) -> set:
    return {eid for eid, el in rs.elements.items() if el.kind == "check"}


def _known_finding(rs, fid) -> bool:
    if fid in _finding_ids(rs):
        return True
    for suffix in FINDING_SUFFIXES:
        if fid.endswith(suffix) and fid[:-len(suffix)] in rs.elements:
            return True
    return False


def _member_docs(rs, folder, suffixes, skip=lambda rel: False):
    from .folder import listed
    from .loader import SourceFile
    from .yamlio import YamlError, load_member
    files, _ = listed(rs.root, folder, suffixes=suffixes)
    for rel in files:
        if skip(rel):
            continue
        try:
            yield SourceFile(rel, load_member(rs.root, rel))
        except YamlError:
            continue        # `test` and `render` say what is wrong with the file itself


def lint_test_files(rs, problems):
    from .suggest import did_you_mean
    checks = sorted(_finding_ids(rs))
    for sf in _member_docs(rs, "tests", (".yaml",), skip=lambda rel: "fixtures" in rel.split("/")[1:-1]):
        tests = sf.doc.data.get("tests") if isinstance(sf.doc.data, dict) else None
        for i, t in enumerate(tests if isinstance(tests, list) else []):
            expect = t.get("expect") if isinstance(t, dict) else None
            if not isinstance(expect, dict):
                continue
            name = t.get("name", f"test {i + 1}")
            values = expect.get("values")
            for key in (values if isinstance(values, dict) else {}):
                if key not in rs.elements:
                    problems.items.append(sf.locate(("tests", i, "expect", "values", key), Msg(
                        "lint_test_unknown_value", test=name, id=key, hint=did_you_mean(key, rs.elements)),
                        severity="warning"))
            for section in ("findings", "no_findings"):
                items = expect.get(section)
                for j, item in enumerate(items if isinstance(items, list) else []):
                    fid = item.get("id") if isinstance(item, dict) else item
                    if isinstance(fid, str) and not _known_finding(rs, fid):
                        problems.items.append(sf.locate(("tests", i, "expect", section, j), Msg(
                            "lint_test_unknown_finding", test=name, id=fid, section=section,
                            hint=did_you_mean(fid, checks)), severity="warning"))


def lint_documents(rs, problems):
    from .suggest import did_you_mean
    from .folder import listed
    docs = list(_member_docs(rs, "templates", (".yaml",), skip=lambda rel: rel != "templates/documents.yaml"))
    if not docs or not isinstance(docs[0].doc.data, dict):
        return
    sf = docs[0]
    templates = {rel[len("templates/"):-len(".html.j2")] for rel in listed(rs.root, "templates", suffixes=(".html.j2",))[0]}
    for name, spec in sf.doc.data.items():
        if str(name) not in templates:
            problems.items.append(_at_key(sf, (name,), Msg("lint_document_no_template", document=name,
                                                         hint=did_you_mean(name, templates)), severity="warning"))
        if not isinstance(spec, dict):
            continue
        for key in spec:
            if key not in DOCUMENT_KEYS:
                problems.items.append(_at_key(sf, (name, key), Msg(
                    "lint_document_unknown_key", document=name, key=key, hint=did_you_mean(key, DOCUMENT_KEYS),
                    allowed=", ".join(DOCUMENT_KEYS))))
        for section in ("earned_when", "requires"):
            _lint_requirements(rs, sf, (name, section), spec.get(section), problems)
        inputs = spec.get("inputs")
        for heading, reqs in (inputs.items() if isinstance(inputs, dict) else ()):
            _lint_requirements(rs, sf, (name, "inputs", heading), reqs, problems)


def _lint_requirements(rs, sf, path, reqs, problems):
    from .suggest import did_you_mean
    for i, req in enumerate(reqs if isinstance(reqs, list) else []):
        here = path + (i,)
        if not isinstance(req, dict):
            problems.items.append(sf.locate(here, Msg("lint_requirement_not_mapping")))
            continue
        for key in req:
            if key not in REQUIREMENT_KEYS:
                problems.items.append(_at_key(sf, here + (key,), Msg(
                    "lint_requirement_unknown_key", key=key, hint=did_you_mean(key, REQUIREMENT_KEYS),
                    allowed=", ".join(REQUIREMENT_KEYS))))
        sources = [k for k in REQUIREMENT_SOURCES if k in req]
        if not sources:
            problems.items.append(sf.locate(here, Msg("lint_requirement_no_source",
                                                      sources=", ".join(REQUIREMENT_SOURCES))))
        if "any_of" in req:
            _lint_requirements(rs, sf, here + ("any_of",), req["any_of"], problems)
        value = req.get("value")
        if isinstance(value, str) and value.split(".")[0] not in rs.elements:
            head = value.split(".")[0]
            problems.items.append(sf.locate(here + ("value",), Msg(
                "lint_requirement_unknown_value", id=head, hint=did_you_mean(head, rs.elements))))
