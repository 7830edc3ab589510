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


def coverage_report(folder) -> tuple[str, bool]:
    rs, rows = clause_rows(folder)
    if not rows:
        return f"{rs.name}: no clauses.yaml, nothing to report\n", False
    width = max(len(r["clause"]) for r in rows)
    lines = [f"{rs.name}: clause coverage", f"{'clause':<{width}}  status      tests  elements / reason"]
    encoded = 0
    untested = []
    for r in rows:
        if r["encoded_by"]:
            encoded += 1
            status = "encoded"
            what = ", ".join(r["encoded_by"])
            if not r["tests"]:
                untested.append(r["clause"])
        else:
            status = "procedural"
            what = r["procedural"]
        lines.append(f"{r['clause']:<{width}}  {status:<10}  {r['tests']:>5}  {what}")
    share = 100 * encoded / len(rows)
    lines.append("")
    lines.append(f"{encoded} of {len(rows)} clauses encoded ({share:.0f}%), {len(rows) - encoded} procedural")
    if untested:
        lines.append(f"encoded clauses without a rule-author test citing them: {', '.join(sorted(untested, key=clause_key))}")
    return "\n".join(lines) + "\n", not untested
