"""Text a person reads in a terminal: an evaluation summary and the explanation of one value.

In one language (i18n.py: `--lang`, the locale, or the rule set's primary language): the headings
from the engine's catalogue for it, titles and messages from the rule set. Nothing here knows a domain.
"""
from __future__ import annotations

import re
from decimal import Decimal

from .i18n import Texts, texts_for
from .jsonout import dumps_python, number_text


def show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, (list, dict)):
        # the same text as jsonout.dumps, written in Python: for a few small values, cheaper than
        # importing orjson (and uuid, platform, ...) in a process that writes no JSON
        return dumps_python(value, indent=0).strip()
    return str(value)


# Characters no reader should get from a case, a corpus or a rule set: controls (an ESC starts a
# terminal's escape sequence: colours, a window title, the clipboard) and the bidirectional embeddings,
# overrides and isolates, with which a name makes the text around it read backwards (U+202E). `visible`
# shows each as U+FFFD, so the tampering stays visible; tab and line breaks stay.
UNSHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    return UNSHOWN.sub("\ufffd", text) if UNSHOWN.search(text) else text


# Markdown a renderer shows as the text it is: no raw HTML (`<script>` is `&lt;script&gt;`), no link,
# no cell break (`|`), on one line, whatever a rule set or a corpus puts in a value, an id or a name.
_MD = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\\": "\\\\", "[": "\\[", "]": "\\]",
                     "\n": " ", "\r": " ", "\u2028": " ", "\u2029": " "})


def md_text(value) -> str:
    """A value as Markdown text (in a table cell or a heading)."""
    return show(value).translate(_MD)


def md_code(value) -> str:
    """A value as a Markdown code span: fenced by more backticks than it holds, so it cannot end the span."""
    text = show(value)
    for ch in "\n\r\u2028\u2029":
        text = text.replace(ch, " ")
    text = text.replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def selection_text(result: dict, t: Texts) -> str:
    sel = result["selection"]
    if sel.get("by") == "date":
        return t("selection_by_date", revision=sel["revision"], as_of=result["as_of"],
                 effective=result["ruleset"]["effective"])
    if sel.get("by") == "name":
        return t("selection_by_name", revision=sel["revision"])
    return sel["reason"]


def columns(text: str) -> int:
    """The columns a text takes on a terminal: CJK characters take two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, n: int) -> str:
    """The text padded to n terminal columns (never cut)."""
    return text + " " * max(n - columns(text), 0)


def summary(result: dict, ruleset, t: Texts | None = None) -> str:
    t = t or texts_for(ruleset.manifest)
    rs = result["ruleset"]
    lines = [t.text(rs.get("title"), rs["code"]),
             t("identity_line", code=rs["code"], revision=rs["revision"], status=t.word("status", rs["status"]),
               provenance=t.word("provenance", rs["provenance"]), effective=rs["effective"]) + f"  {rs['digest'][:19]}…",
             f"{t('selection')}: {selection_text(result, t)}",
             f"{t('as_of')}: {result['as_of']}", ""]
    order = list(ruleset.manifest.get("outputs") or [])
    rest = [k for k in result["values"] if k not in order]
    width = max((len(k) for k in result["values"]), default=10)
    lines.append(t("values"))
    rows = []
    for key in order + rest:
        if key not in result["values"]:
            continue
        el = ruleset.elements.get(key)
        title = t.text(el.title) if el is not None and el.title else ""
        value = result["values"][key]
        if isinstance(value, dict) and "state" in value:
            value = value["state"] + (f" ({t('since', date=value['since'])})" if value.get("since") else "")
        text = show(value)
        if len(text) > 90:
            text = text[:80] + "…  " + t("more_in_explain", id=key)
        rows.append((key, text, title))
    # titles line up after the short values; a long value (a record) pushes its own title only
    shown = max((len(text) for _, text, _ in rows if len(text) <= 24), default=0)
    for key, text, title in rows:
        lines.append(f"  {key:<{width}}  {text:<{shown}}   {title}" if title else f"  {key:<{width}}  {text}")
        if key == (order[-1] if order else None) and rest:
            lines.append("")
    lines.append("")
    findings = result["findings"]
    lines.append(f"{t('findings')} ({len(findings)})")
    if not findings:
        lines.append("  —")
    for f in findings:
        lines.append(f"  [{t.severity(f['severity'])}] {f['clause']}  {f['id']}")
        lines.append(f"      {t.text(f['message'])}")
        if f.get("interpretation"):
            lines.append(f"      {t('interpretation')}: {t.text(f['interpretation'])}")
    lines.append("")
    lines.append(t("summary_hint"))
    return "\n".join(lines) + "\n"


# What an explanation shows of an element's definition and of its trace entry, in this order; each is
# labelled by the catalogue's field_NAME / trace_NAME.
EXPLAINED_FIELDS = ("when", "expr", "key", "assert")
TRACE_PARTS = ("rows", "history", "ignored_events", "diagnostics", "undecided")


def explain(result: dict, ruleset, eid: str, t: Texts | None = None) -> str:
    t = t or texts_for(ruleset.manifest)
    el = ruleset.elements[eid]
    entry = (result.get("trace") or {}).get(eid, {})
    lines = [t("explain_head", id=eid, kind=t.kind(el.kind), clause=el.clause, where=el.location())]
    if el.title:
        lines.append(f"  {t.text(el.title)}")
    if el.text:
        lines.append(f"  {t('clause_text')}: {el.text.strip()}")
    if el.interpretation:
        lines.append(f"  {t('interpretation')}: {t.text(el.interpretation)}")
    for key in EXPLAINED_FIELDS:
        if key in el.raw:
            lines.append(f"  {t.word('field', key)}: {el.raw[key]}")
    lines.append(f"  = {show(result['values'].get(eid, entry.get('value')))}")
    inputs = entry.get("inputs") or {}
    if inputs:
        lines.append(f"  {t('inputs')}:")
        for name, value in inputs.items():
            hint = "  (--explain " + name + ")" if name in ruleset.elements else ""
            lines.append(f"    {name} = {show(value)}{hint}")
    for key in TRACE_PARTS:
        if key in entry:
            lines.append(f"  {t.word('trace', key)}: {show(entry[key])}")
        if key == "rows" and "row_interpretation" in entry:    # why the chosen row says what it says
            lines.append(f"  {t('interpretation')} ({t('row_id')}): {t.text(entry['row_interpretation'])}")
    related = [f for f in result["findings"] if f["id"] == eid or f["id"].startswith(eid + ".")]
    for f in related:
        lines.append(f"  {t('finding')} [{t.severity(f['severity'])}] {f['clause']}: {t.text(f['message'])}")
    return "\n".join(lines) + "\n"
