"""The impact document as a committee reads it: the answer first (how many cases change, which
outputs, the migrations, the distributions of change, the findings raised and cleared), then the
example cases behind each count. Text for a terminal, Markdown, and an HTML section with SVG charts.

Structured values are summarised by the fields that change; no value is ever dumped. The labels
are in one language (an i18n.Texts `t`, English when none is given), the titles from the rule set.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

from ..i18n import BASE, Texts
from ..report import md_code, md_text, show
from .charts import bar_chart

TOP_OUTPUTS = 8       # outputs described in detail (all are counted in the overview)
TOP_CELLS = 6         # cells (migrations, changes, fields) described per output
SHOWN_EXAMPLES = 3    # example case ids per cell in text and Markdown
MATRIX_MAX = 7        # a categorical output with up to this many values on each side gets a matrix


# ---------------------------------------------------------------- shared

def signed(v) -> str:
    text = show(v)
    return text if text.startswith("-") or text in ("0", "—") else "+" + text


def title_of(impact: dict, eid: str, t: Texts) -> str:
    return t.text((impact.get("titles") or {}).get(eid))


def pct(n, total) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def distribution(entry: dict, t: Texts):
    """A numeric output's changes, or a date's shifts, as (label, count, examples) rows: each value
    when there are at most 12, else bands of a round width (at most 8)."""
    def band(low, high):
        return t("impact_band", low=low, high=high)
    if "changes" in entry:
        cells = [(c["change"], c["count"], c["examples"]) for c in entry["changes"]]
        unit = str
        if entry["changes"] and "width" in entry["changes"][0]:    # already in bands
            w = entry["changes"][0]["width"]
            if len(cells) <= 12:
                return [(band(signed(v), signed(v + w)), n, ex) for v, n, ex in cells]
    elif "shifts" in entry:
        cells = [(Decimal(c["days"]), c["count"], c["examples"]) for c in entry["shifts"]]
        unit = lambda text: t("impact_days", value=text)   # noqa: E731
    else:
        return []
    if len(cells) <= 12:
        return [(unit(signed(v)), n, ex) for v, n, ex in cells]
    lo, hi = cells[0][0], cells[-1][0]
    step = _nice_step(hi - lo)
    start = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    bands: dict = {}
    for v, n, ex in cells:
        k = int((v - start) / step)
        band = bands.setdefault(k, [0, []])
        band[0] += n
        band[1].extend(ex[:SHOWN_EXAMPLES - len(band[1])])
    return [(unit(band(signed(start + step * k), signed(start + step * (k + 1)))), n, ex)
            for k, (n, ex) in sorted(bands.items())]


def _nice_step(span: Decimal) -> Decimal:
    """A round band width (1, 2 or 5 times a power of ten) that cuts `span` into at most 8 bands."""
    if span <= 0:
        return Decimal(1)
    exp = span.adjusted() - 1
    for _ in range(4):
        for m in (1, 2, 5):
            step = Decimal(m).scaleb(exp)
            if span / step < 8:
                return step
        exp += 1
    return Decimal(1).scaleb(exp)


def cells_of(entry: dict, t: Texts):
    """(label, count, examples) for the output's migrations, distribution or changed fields."""
    rows = []
    for m in entry.get("migrations") or []:
        rows.append((f"{show(m['from'])} → {show(m['to'])}", m["count"], m["examples"]))
    rows += distribution(entry, t)
    for f in entry.get("fields") or []:
        label = f["field"] if f["field"][:2] in ("+ ", "- ") else t("impact_field_changes", field=f["field"])
        rows.append((label, f["count"], f["examples"]))
    return rows


def _matrix(entry: dict):
    moves = entry.get("migrations") or []
    if not moves or "fields" in entry or "changes" in entry or "shifts" in entry:
        return None
    froms = sorted({m["from"] for m in moves}, key=lambda v: (v is None, str(v)))
    tos = sorted({m["to"] for m in moves}, key=lambda v: (v is None, str(v)))
    if len(froms) > MATRIX_MAX or len(tos) > MATRIX_MAX:
        return None
    grid = {(m["from"], m["to"]): m["count"] for m in moves}
    return froms, tos, grid


def width(text: str) -> int:
    """Columns a text takes on a terminal: CJK characters take two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, n: int) -> str:
    """Cut to n columns (with …) and pad to n columns, counting CJK characters as two."""
    if width(text) > n:
        while width(text) > n - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (n - width(text))


def _cases_word(n, t: Texts) -> str:
    return t("impact_case", n=f"{n:,}") if n == 1 else t("impact_cases", n=f"{n:,}")


_WHO = {"old": "impact_refused_old", "new": "impact_refused_new", "both": "impact_refused_both"}
_FINDINGS = (("raised", "impact_raised"), ("cleared", "impact_cleared"))


def _refused(r: dict, t: Texts) -> str:
    return t("impact_refused", cases=_cases_word(r["count"], t), who=t(_WHO[r["by"]]), reason=r["reason"])


def _eg(examples, t: Texts) -> str:
    return t("impact_examples", examples=", ".join(examples[:SHOWN_EXAMPLES]))


# ---------------------------------------------------------------- text

def text_lines(impact: dict, t: Texts | None = None) -> list[str]:
    t = t or Texts(BASE)
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    old, new = impact.get("old") or {}, impact.get("new") or {}
    head = t("impact_head_revisions", cases=_cases_word(n, t), old=f"{old.get('code')} {old.get('revision')}",
             new=f"{new.get('code')} {new.get('revision')}") if old and new else t("impact_head", cases=_cases_word(n, t))
    lines = [head, "  " + t("impact_changed", changed=_cases_word(k, t), share=pct(k, n), unchanged=f"{n - k:,}") +
             (f"; {_eg(impact['examples'], t)}" if impact.get("examples") else "")]
    for r in impact.get("refused") or []:
        lines.append(f"  {_refused(r, t)} ({_eg(r['examples'], t)})")
    if impact.get("outputs_only_old"):
        lines.append("  " + t("impact_only_old", ids=", ".join(impact["outputs_only_old"])))
    if impact.get("outputs_only_new"):
        lines.append("  " + t("impact_only_new", ids=", ".join(impact["outputs_only_new"])))
    cases = t("impact_cases_column")
    outputs = impact.get("outputs") or {}
    if outputs:
        lines += ["", f"  {ljust(t('output'), 48)}{' ' * (8 - width(cases))}{cases}"]
        for key, e in outputs.items():
            lines.append(f"  {ljust(key + '  ' + title_of(impact, key, t), 48)}{e['cases_changed']:>8,}")
    findings = impact.get("findings") or {}
    for side, key in _FINDINGS:
        items = findings.get(side) or []
        if items:
            lines += ["", f"  {ljust(t(key), 48)}{' ' * (8 - width(cases))}{cases}"]
            for f in items[:TOP_CELLS * 2]:
                label = f"§{f['clause']} {f['id']} ({t.severity(f['severity'])})"
                lines.append(f"  {ljust(label, 48)}{f['count']:>8,}   {_eg(f['examples'], t)}")
            if len(items) > TOP_CELLS * 2:
                lines.append("  " + t("impact_more_findings", count=len(items) - TOP_CELLS * 2))
    for key, e in list(outputs.items())[:TOP_OUTPUTS]:
        lines += ["", f"  {key} — {title_of(impact, key, t) or key}: {_cases_word(e['cases_changed'], t)}"
                  + (t("impact_trend", up=f"{e['increased']:,}", down=f"{e['decreased']:,}") if "increased" in e else "")]
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            w = max(10, width(t("impact_from_to")) + 2, *(width(show(v)) + 2 for v in froms + tos))
            lines.append("    " + ljust(t("impact_from_to"), w) + "".join(" " * (w - width(show(t_))) + show(t_) for t_ in tos))
            for f in froms:
                lines.append("    " + ljust(show(f), w) + "".join((f"{grid[(f, t_)]:,}" if (f, t_) in grid else "·").rjust(w) for t_ in tos))
        rows = cells_of(e, t)
        for label, count, ex in rows[:TOP_CELLS]:
            lines.append(f"    {ljust(label, 46)}{count:>8,}   {_eg(ex, t)}")
        if len(rows) > TOP_CELLS or e.get("other_changes"):
            more = len(rows) - TOP_CELLS if len(rows) > TOP_CELLS else 0
            lines.append("    " + t("impact_more_changes", count=f"{more + (e.get('other_changes') or 0):,}"))
    if len(outputs) > TOP_OUTPUTS:
        lines += ["", "  " + t("impact_more_outputs", count=len(outputs) - TOP_OUTPUTS)]
    return lines


# ---------------------------------------------------------------- Markdown

def markdown_lines(impact: dict, t: Texts | None = None) -> list[str]:
    t = t or Texts(BASE)
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    cases, eg = t("impact_cases_column"), t("impact_eg")
    out = [f"## {t('impact')}", "", t("impact_summary_md", changed=f"{k:,}", cases=f"{n:,}", share=pct(k, n),
                                       unchanged=f"{n - k:,}"), ""]
    for r in impact.get("refused") or []:
        out += ["- " + md_text(_refused(r, t)), ""]
    outputs = impact.get("outputs") or {}
    if outputs:
        out += [f"| {t('output')} | | {cases} |", "|---|---|---:|"]
        out += [f"| {md_code(key)} | {md_text(title_of(impact, key, t))} | {e['cases_changed']:,} |" for key, e in outputs.items()]
        out.append("")
    findings = impact.get("findings") or {}
    for side, key in _FINDINGS:
        items = findings.get(side) or []
        if items:
            out += [f"### {t(key)}", "",
                    f"| {t('clause')} | {t('finding')} | {t('severity')} | {cases} | {eg} |", "|---|---|---|---:|---|"]
            out += [f"| {md_text(f['clause'])} | {md_code(f['id'])} {md_text(title_of(impact, f['id'], t))} | {t.severity(f['severity'])} | "
                    f"{f['count']:,} | {md_text(', '.join(f['examples'][:SHOWN_EXAMPLES]))} |" for f in items]
            out.append("")
    for key, e in list(outputs.items())[:TOP_OUTPUTS]:
        out += [f"### {md_code(key)} {md_text(title_of(impact, key, t))}: {_cases_word(e['cases_changed'], t)}", ""]
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            out += [f"| {md_text(t('impact_from_to'))} | " + " | ".join(md_text(t_) for t_ in tos) + " |", "|---|" + "---:|" * len(tos)]
            out += ["| " + md_text(f) + " | " + " | ".join(f"{grid[(f, t_)]:,}" if (f, t_) in grid else "·" for t_ in tos) + " |"
                    for f in froms]
            out.append("")
        rows = cells_of(e, t)
        if rows:
            out += [f"| {t('change')} | {cases} | {eg} |", "|---|---:|---|"]
            out += [f"| {md_text(label)} | {count:,} | {md_text(', '.join(ex[:SHOWN_EXAMPLES]))} |" for label, count, ex in rows[:TOP_CELLS * 2]]
            out.append("")
    if len(outputs) > TOP_OUTPUTS:
        more = list(outputs)[TOP_OUTPUTS:]
        out += [t("impact_more_outputs_md", count=len(more)), ""] + [f"- {md_code(k)}" for k in more] + [""]
    return out


# ---------------------------------------------------------------- HTML

def html_section(impact: dict, t: Texts | None = None) -> str:
    """The impact as one HTML section (the diff page embeds it): tables and inline SVG charts."""
    t = t or Texts(BASE)
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    unit = t("impact_cases_column")
    cases, eg = escape(unit), escape(t("impact_eg"))
    h = ['<section id="impact">',
         f'<h2>{escape(t("impact"))} <span class="en">— {escape(t("impact_line", affected=f"{k:,}", cases=f"{n:,}"))} '
         f'({pct(k, n)})</span></h2>']
    for r in impact.get("refused") or []:
        h.append(f'<p class="interp">{escape(_refused(r, t))}</p>')
    outputs = impact.get("outputs") or {}
    if outputs:
        h.append(bar_chart([(key, e["cases_changed"]) for key, e in list(outputs.items())[:20]], t("impact_chart_outputs"), unit=unit))
        h.append(f'<table class="wide"><tr><th>{escape(t("output"))}</th><th></th><th>{cases}</th></tr>')
        for key, e in outputs.items():
            h.append(f'<tr><td><a href="#impact-{escape(key)}"><code>{escape(key)}</code></a></td>'
                     f'<td>{escape(title_of(impact, key, t))}</td><td class="num">{e["cases_changed"]:,}</td></tr>')
        h.append("</table>")
    findings = impact.get("findings") or {}
    for side, key in _FINDINGS:
        items = findings.get(side) or []
        if not items:
            continue
        word = t(key)
        h.append(f"<h3>{escape(word)}</h3>")
        h.append(bar_chart([(f"§{f['clause']} {f['id']}", f["count"]) for f in items[:20]], word, unit=unit,
                           colour="#b0533c" if side == "raised" else "#3c8b5a"))
        h.append(f'<table class="wide"><tr><th>{escape(t("clause"))}</th><th>{escape(t("finding"))}</th>'
                 f'<th>{escape(t("severity"))}</th><th>{cases}</th><th>{eg}</th></tr>')
        for f in items:
            h.append(f'<tr><td>{escape(str(f["clause"]))}</td><td><code>{escape(f["id"])}</code> '
                     f'{escape(title_of(impact, f["id"], t))}</td><td>{escape(t.severity(f["severity"]))}</td>'
                     f'<td class="num">{f["count"]:,}</td><td class="small">{escape(", ".join(f["examples"]))}</td></tr>')
        h.append("</table>")
    for key, e in outputs.items():
        h.append(f'<h3 id="impact-{escape(key)}"><code>{escape(key)}</code> {escape(title_of(impact, key, t))}: '
                 f'{escape(_cases_word(e["cases_changed"], t))}</h3>')
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            h.append(f'<table class="matrix"><tr><th>{escape(t("impact_from_to"))}</th>'
                     + "".join(f"<th>{escape(show(t_))}</th>" for t_ in tos) + "</tr>")
            for f in froms:
                h.append(f"<tr><th>{escape(show(f))}</th>" + "".join(
                    f'<td class="num">{grid[(f, t_)]:,}</td>' if (f, t_) in grid else '<td class="muted">·</td>' for t_ in tos) + "</tr>")
            h.append("</table>")
        rows = cells_of(e, t)
        if rows:
            h.append(bar_chart([(label, count) for label, count, _ in rows[:20]], f"{key}: {_what(e, t)}", unit=unit))
            h.append(f'<table class="wide"><tr><th>{escape(t("change"))}</th><th>{cases}</th><th>{eg}</th></tr>')
            for label, count, ex in rows[:40]:
                h.append(f'<tr><td>{escape(label)}</td><td class="num">{count:,}</td><td class="small">{escape(", ".join(ex))}</td></tr>')
            h.append("</table>")
        if e.get("other_changes"):
            more = t("impact_more", count=f"{e['other_changes']:,}")
            h.append(f'<p class="muted small">{escape(more)}</p>')
    h.append("</section>")
    return "\n".join(h)


def _what(e, t: Texts) -> str:
    if "migrations" in e and not ("changes" in e or "shifts" in e or "fields" in e):
        return t("impact_chart_migrations")
    if "fields" in e:
        return t("impact_chart_fields")
    return t("impact_chart_distribution")
