"""Text a person reads in a terminal: an evaluation summary and the explanation of one value.

Chinese first, English beside it where the rule set gives it; everything comes from the rule set's
titles and the result document, nothing here knows a domain.
"""
from __future__ import annotations

from .jsonout import dumps, number_text
from decimal import Decimal

SEVERITY_WORDS = {"error": "错误 error", "warning": "警告 warning", "note": "提示 note"}


def both(text2, fallback: str = "") -> str:
    if not text2:
        return fallback
    if isinstance(text2, str):
        return text2
    zh, en = text2.get("zh"), text2.get("en")
    if zh and en:
        return f"{zh} / {en}"
    return zh or en or fallback


def show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, (list, dict)):
        return dumps(value, indent=0).strip()
    return str(value)


def summary(result: dict, ruleset) -> str:
    rs = result["ruleset"]
    lines = [f"{both(rs.get('title'), rs['code'])}",
             f"{rs['code']} {rs['revision']} ({rs['status']}, {rs['provenance']}, effective {rs['effective']})  {rs['digest'][:19]}…",
             f"选用 revision: {result['selection']['reason']}",
             f"评价日期 as_of: {result['as_of']}", ""]
    order = list(ruleset.manifest.get("outputs") or [])
    rest = [k for k in result["values"] if k not in order]
    width = max((len(k) for k in result["values"]), default=10)
    lines.append("结果 Values")
    for key in order + rest:
        if key not in result["values"]:
            continue
        el = ruleset.elements.get(key)
        title = both(el.title) if el is not None and el.title else ""
        value = result["values"][key]
        if isinstance(value, dict) and "state" in value:
            value = value["state"] + (f" (since {value['since']})" if value.get("since") else "")
        text = show(value)
        if len(text) > 90:
            text = text[:80] + f"…  (--explain {key})"
        lines.append(f"  {key:<{width}}  {text}" + (f"   {title}" if title else ""))
        if key == (order[-1] if order else None) and rest:
            lines.append("")
    lines.append("")
    findings = result["findings"]
    lines.append(f"发现 Findings ({len(findings)})")
    if not findings:
        lines.append("  —")
    for f in findings:
        lines.append(f"  [{SEVERITY_WORDS.get(f['severity'], f['severity'])}] {f['clause']}  {f['id']}")
        lines.append(f"      {both(f['message'])}")
        if f.get("interpretation"):
            lines.append(f"      解释 interpretation: {both(f['interpretation'])}")
    lines.append("")
    lines.append("Use --explain ID to see why a value is what it is; --format json for the full result.")
    return "\n".join(lines) + "\n"


def explain(result: dict, ruleset, eid: str) -> str:
    el = ruleset.elements[eid]
    entry = (result.get("trace") or {}).get(eid, {})
    lines = [f"{eid}  ({el.kind}, clause {el.clause}, {el.location()})"]
    if el.title:
        lines.append(f"  {both(el.title)}")
    if el.text:
        lines.append(f"  条文 text: {el.text.strip()}")
    if el.interpretation:
        lines.append(f"  解释 interpretation: {both(el.interpretation)}")
    for key in ("when", "expr", "key", "assert"):
        if key in el.raw:
            lines.append(f"  {key}: {el.raw[key]}")
    lines.append(f"  = {show(result['values'].get(eid, entry.get('value')))}")
    inputs = entry.get("inputs") or {}
    if inputs:
        lines.append("  inputs:")
        for name, value in inputs.items():
            hint = "  (--explain " + name + ")" if name in ruleset.elements else ""
            lines.append(f"    {name} = {show(value)}{hint}")
    for key in ("inputs", "rows", "row_interpretation", "history", "ignored_events", "diagnostics", "undecided"):
        if key == "inputs" or key not in entry:
            continue
        lines.append(f"  {key}: {show(entry[key])}")
    related = [f for f in result["findings"] if f["id"] == eid or f["id"].startswith(eid + ".")]
    for f in related:
        lines.append(f"  finding [{f['severity']}] {f['clause']}: {both(f['message'])}")
    return "\n".join(lines) + "\n"
