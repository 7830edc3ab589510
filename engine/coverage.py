"""The clause map of a rule set as a table: each clause of the source document, the elements that
encode it (or why it is procedural), and the rule-author tests that cite it."""
from __future__ import annotations

from pathlib import Path

from .authortests import collect
from .evaluation import clause_key
from .ruleset import load_ruleset


def clause_rows(folder):
    rs = load_ruleset(folder)
    tests = collect(Path(folder))
    tested: dict[str, int] = {}
    for t in tests:
        if t.clause:
            tested[t.clause] = tested.get(t.clause, 0) + 1
    rows = []
    for entry in rs.clause_map:
        clause = str(entry["clause"])
        rows.append({
            "clause": clause,
            "title": entry.get("title"),
            "encoded_by": list(entry.get("encoded_by") or []),
            "procedural": entry.get("procedural"),
            "tests": tested.get(clause, 0),
        })
    return rs, rows


def coverage_report(folder, lang: str | None = None) -> tuple[str, bool]:
    """The clause map as a table, in --lang, the locale's or the rule set's primary language; and
    whether every encoded clause has a test citing it."""
    from .i18n import texts_for
    from .report import columns, pad
    rs, rows = clause_rows(folder)
    t = texts_for(rs.manifest, lang)
    if not rows:
        return t("coverage_none", name=rs.name) + "\n", False
    heads = [t("clause"), t("coverage_status"), t("tests"), t("coverage_what")]
    statuses = {"encoded": t("encoded"), "procedural": t("procedural")}
    w_clause = max(columns(heads[0]), *(columns(r["clause"]) for r in rows))
    w_status = max(columns(heads[1]), *(columns(s) for s in statuses.values()))
    w_tests = max(columns(heads[2]), 5)
    def line(clause, status, tests, what):
        return f"{pad(clause, w_clause)}  {pad(status, w_status)}  {' ' * (w_tests - columns(tests))}{tests}  {what}"
    lines = [t("coverage_head", name=rs.name), line(*heads).rstrip()]
    encoded = 0
    untested = []
    for r in rows:
        if r["encoded_by"]:
            encoded += 1
            status = "encoded"
            what = t("list_separator").join(r["encoded_by"])
            if not r["tests"]:
                untested.append(r["clause"])
        else:
            status = "procedural"
            what = t.text(r["procedural"])
        lines.append(line(r["clause"], statuses[status], str(r["tests"]), what))
    lines.append("")
    lines.append(t("coverage_share", encoded=encoded, total=len(rows), share=f"{100 * encoded / len(rows):.0f}",
                   procedural=len(rows) - encoded))
    if untested:
        lines.append(t("coverage_untested", clauses=t("list_separator").join(sorted(untested, key=clause_key))))
    return "\n".join(lines) + "\n", not untested
