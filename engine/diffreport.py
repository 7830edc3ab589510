"""A diff (and its impact) as text, Markdown or HTML for a committee member, in one language
(the labels from the engine's catalogue, the titles from the rule set: i18n.py)."""
from __future__ import annotations

from itertools import groupby

from .i18n import Texts
from .report import md_code, md_text, pad, show


def what(c: dict) -> str:
    """What changed: ELEMENT.field, or for a test (whose name is a sentence) 'file: name — field'."""
    if not c.get("field"):
        return c["subject"]
    return c["subject"] + (" — " if c["area"] == "tests" else ".") + c["field"]


def _line(c: dict, t: Texts) -> str:
    kind = t.word("area", c.get("element_kind") or c["area"])
    return f"{pad(t.change(c['kind']), 12)} {pad(kind, 15)} {what(c)}"


def _groups(diff):
    return groupby(diff["changes"], key=lambda c: c["clause"])


def _reconstructed(diff) -> bool:
    return "reconstructed" in (diff["new"].get("provenance"), diff["old"].get("provenance"))


def as_text(diff: dict, impact: dict | None, t: Texts) -> str:
    o, n = diff["old"], diff["new"]
    s = diff["summary"]
    lines = [f"{o['code']} {o['revision']} -> {n['code']} {n['revision']}",
             t("diff_summary", changes=s["changes"], clauses=s["clauses_changed"])
             + ("; " + t("cases_affected", affected=impact["affected"], cases=impact["cases"]) if impact else ""), ""]
    if _reconstructed(diff):
        lines.insert(1, t("reconstructed_note"))
    if impact:   # the answer first: whom the revision affects; the clauses after
        lines += impact_text(impact, t) + ["", t("clause_by_clause")]
    for clause, items in _groups(diff):
        lines.append(f"§ {clause if clause != '—' else '(' + t('metadata_and_schema') + ')'}")
        for c in items:
            lines.append("  " + _line(c, t))
            for side in ("old", "new"):
                if side in c:
                    text = show(c[side]).strip().replace("\n", "\n           ")
                    lines.append(f"      {t(side)}: {text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def impact_text(impact: dict, t: Texts | None = None) -> list[str]:
    """The impact summary (engine/impact/report.py: the answer first)."""
    from .impact.report import text_lines
    return text_lines(impact, t)


def as_markdown(diff: dict, impact: dict | None, t: Texts) -> str:
    o, n = diff["old"], diff["new"]
    s = diff["summary"]
    out = [f"# {md_text(o['code'])} {md_text(o['revision'])} → {md_text(n['code'])} {md_text(n['revision'])}", "",
           t("diff_summary_md", clauses=s["clauses_changed"], changes=s["changes"])
           + (", **" + t("cases_affected", affected=impact["affected"], cases=impact["cases"]) + "**" if impact else "")
           + ".", ""]
    if _reconstructed(diff):
        out += ["> " + t("reconstructed_note"), ""]
    if impact:   # the answer first
        from .impact.report import markdown_lines
        out += markdown_lines(impact, t)
    for clause, items in _groups(diff):
        out += [f"## {md_text(clause) if clause != '—' else t('metadata_and_schema')}", "",
                f"| {t('change')} | {t('kind')} | {t('what')} | {t('old')} | {t('new')} |", "|---|---|---|---|---|"]
        for c in items:
            out.append(f"| {t.change(c['kind'])} | {t.word('area', c.get('element_kind') or c['area'])} | {md_code(what(c))} | "
                       f"{md_text(c.get('old'))} | {md_text(c.get('new'))} |")
        out.append("")
    return "\n".join(out)
