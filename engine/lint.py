"""Static findings about a rule set that no single expression shows.

- band tables and decision tables: overlapping rows (an error under UNIQUE), gaps between bands,
  rows that can never match under FIRST, inputs that every row ignores;
- the clause map: ids it names that do not exist, elements no clause names.
Intervals come from the FEEL unary tests (`interval_of`); a cell that is not a simple numeric test
is compared by its text, so an overlap is reported only when it is certain.
"""
from __future__ import annotations

from .feel import interval_of

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


def cell_covers(a, b, text_a, text_b) -> bool:
    if a == ANY:
        return True
    if b == ANY or a is None or b is None:
        return text_a.strip() == text_b.strip()
    return all(any(_covers(x, y) for x in a) for y in b)


def _gaps(intervals):
    """Points of the number line not covered by the union of intervals, described in words."""
    items = sorted(intervals, key=lambda iv: (iv[0] is not None, iv[0] if iv[0] is not None else 0, not iv[1]))
    gaps = []
    cur_hi, cur_hc = None, False
    started = False
    for lo, lc, hi, hc in items:
        if not started:
            if lo is not None:
                gaps.append(f"below {lo}" if lc else f"up to {lo}")
            started = True
            cur_hi, cur_hc = hi, hc
            if hi is None:
                return gaps
            continue
        if cur_hi is None:
            return gaps
        if lo is None or lo < cur_hi or (lo == cur_hi and (lc or cur_hc)):
            pass
        else:
            left = "]" if not cur_hc else "("
            right = "[" if not lc else ")"
            gaps.append(f"{left}{cur_hi}..{lo}{right}")
        if hi is None:
            return gaps
        if hi > cur_hi or (hi == cur_hi and hc):
            cur_hi, cur_hc = hi, hc
    if cur_hi is not None:
        gaps.append(f"above {cur_hi}" if cur_hc else f"from {cur_hi} up")
    return gaps


def lint_table(el, problems):
    if el.match != "band":
        return
    ivs = [(_intervals(r.test), r) for r in el.rows]
    for i, (a, ra) in enumerate(ivs):
        for b, rb in ivs[i + 1:]:
            if cells_overlap(a, b, str(ra.key_text), str(rb.key_text)) is True:
                problems.items.append(el.sf.locate(el.path + ("rows", rb.number - 1, "key"),
                    f"rows {ra.number} and {rb.number} of table '{el.id}' overlap ({ra.key_text} and {rb.key_text})"))
    known = [iv for a, _ in ivs if a not in (None, ANY) for iv in a]
    if known and len(known) == len(ivs):
        for gap in _gaps(known):
            if gap.startswith("below") or gap.startswith("up to"):
                continue  # below the first band is usually outside the domain (the case schema says so)
            problems.items.append(el.sf.locate(el.path + ("rows",),
                f"table '{el.id}' has no row for keys {gap}: add an explicit open-ended row", severity="warning"))


def lint_decision_table(el, problems):
    rows = el.rows
    cells = [[_intervals(t) for t in r.tests] for r in rows]
    if el.hit_policy == "UNIQUE":
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if all(cells_overlap(cells[i][k], cells[j][k], rows[i].cells[k], rows[j].cells[k]) is True
                       for k in range(len(el.inputs))):
                    problems.items.append(el.sf.locate(el.path + ("rules", rows[j].number - 1),
                        f"hit policy UNIQUE but rows {rows[i].number} and {rows[j].number} of '{el.id}' can both match"))
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
        known = [iv for c in cells for iv in (c[0] if c[0] not in (None, ANY) else [])]
        if known and all(c[0] not in (None, ANY) for c in cells):
            for gap in _gaps(known):
                problems.items.append(el.sf.locate(el.path + ("rules",),
                    f"no row of '{el.id}' covers inputs {gap} (and there is no default)", severity="warning"))


def lint_clause_map(elements, src, problems):
    if src.clause_map is None:
        return
    named = set()
    for i, entry in enumerate(src.clause_map.doc.data.get("clauses") or []):
        for j, eid in enumerate(entry.get("encoded_by") or []):
            named.add(eid)
            if eid not in elements:
                problems.items.append(src.clause_map.locate(("clauses", i, "encoded_by", j),
                    f"clause {entry.get('clause')} names '{eid}', which no rule file defines"))
    for eid, el in elements.items():
        if eid not in named and el.kind != "parameter":
            problems.items.append(el.sf.locate(el.path, f"'{eid}' (clause {el.clause}) is not listed in clauses.yaml",
                                               severity="warning"))


def lint_ruleset(elements, src, problems):
    for el in elements.values():
        if el.kind == "table":
            lint_table(el, problems)
        elif el.kind == "decision_table":
            lint_decision_table(el, problems)
    lint_clause_map(elements, src, problems)
