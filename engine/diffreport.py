"""A diff (and its impact) as text, Markdown or HTML for a committee member."""
from __future__ import annotations

from itertools import groupby

from .report import both, show

KIND_WORDS = {"added": "新增 added", "removed": "删除 removed", "changed": "修改 changed", "moved": "移动 moved"}


def _line(c: dict) -> str:
    what = c["subject"] + (f".{c['field']}" if c.get("field") else "")
    kind = c.get("element_kind") or c["area"]
    return f"{KIND_WORDS[c['kind']]:<12} {kind:<15} {what}"


def _groups(diff):
    return groupby(diff["changes"], key=lambda c: c["clause"])


def as_text(diff: dict, impact: dict | None = None) -> str:
    o, n = diff["old"], diff["new"]
    s = diff["summary"]
    lines = [f"{o['code']} {o['revision']} -> {n['code']} {n['revision']}",
             f"{s['changes']} change(s) in {s['clauses_changed']} clause(s)"
             + (f"; {impact['affected']} of {impact['cases']} cases affected" if impact else ""), ""]
    if n.get("provenance") == "reconstructed" or o.get("provenance") == "reconstructed":
        lines.insert(1, "注意 Note: a reconstructed rule set is compared; its assumed differences are not the authoritative text.")
    if impact:   # the answer first: whom the revision affects; the clauses after
        lines += impact_text(impact) + ["", "条款 Clause by clause"]
    for clause, items in _groups(diff):
        lines.append(f"§ {clause if clause != '—' else '(metadata and case schema)'}")
        for c in items:
            lines.append("  " + _line(c))
            for side in ("old", "new"):
                if side in c:
                    text = show(c[side]).strip().replace("\n", "\n           ")
                    lines.append(f"      {side}: {text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def impact_text(impact: dict) -> list[str]:
    from .impact.report import text_lines
    return text_lines(impact)


def _md_cell(v) -> str:
    return show(v).replace("|", "\\|").replace("\n", " ")


def as_markdown(diff: dict, impact: dict | None = None) -> str:
    o, n = diff["old"], diff["new"]
    s = diff["summary"]
    out = [f"# {o['code']} {o['revision']} → {n['code']} {n['revision']}", "",
           f"**{s['clauses_changed']} clauses changed**, {s['changes']} changes"
           + (f", **{impact['affected']} of {impact['cases']} cases affected**" if impact else "") + ".", ""]
    if "reconstructed" in (n.get("provenance"), o.get("provenance")):
        out += ["> A reconstructed rule set takes part in this comparison: its differences are assumptions "
                "for the technical committee to confirm, not the authoritative text.", ""]
    if impact:   # the answer first
        from .impact.report import markdown_lines
        out += markdown_lines(impact)
    for clause, items in _groups(diff):
        out += [f"## {clause if clause != '—' else 'Metadata and case schema'}", "",
                "| change | kind | what | old | new |", "|---|---|---|---|---|"]
        for c in items:
            what = c["subject"] + (f".{c['field']}" if c.get("field") else "")
            out.append(f"| {c['kind']} | {c.get('element_kind') or c['area']} | `{what}` | {_md_cell(c.get('old'))} | {_md_cell(c.get('new'))} |")
        out.append("")
    return "\n".join(out)

