"""The impact document as a committee reads it: the answer first (how many cases change, which
outputs, the migrations, the distributions of change, the findings raised and cleared), then the
example cases behind each count. Text for a terminal, Markdown, and an HTML section with SVG charts.

Structured values are summarised by the fields that change; no value is ever dumped.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

from ..report import show
from .charts import bar_chart

TOP_OUTPUTS = 8       # outputs described in detail (all are counted in the overview)
TOP_CELLS = 6         # cells (migrations, changes, fields) described per output
SHOWN_EXAMPLES = 3    # example case ids per cell in text and Markdown
MATRIX_MAX = 7        # a categorical output with up to this many values on each side gets a matrix


# ---------------------------------------------------------------- shared

def signed(v) -> str:
    text = show(v)
    return text if text.startswith("-") or text in ("0", "—") else "+" + text


def title_of(impact: dict, eid: str, sep: str = " ") -> str:
    t = (impact.get("titles") or {}).get(eid)
    if isinstance(t, dict):
        return sep.join(x for x in (t.get("zh"), t.get("en")) if x)
    return str(t) if t else ""


def pct(n, total) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def distribution(entry: dict):
    """A numeric output's changes, or a date's shifts, as (label, count, examples) rows: each value
    when there are at most 12, else bands of a round width (at most 8)."""
    if "changes" in entry:
        cells = [(c["change"], c["count"], c["examples"]) for c in entry["changes"]]
        unit = ""
        if entry["changes"] and "width" in entry["changes"][0]:    # already in bands
            w = entry["changes"][0]["width"]
            if len(cells) <= 12:
                return [(f"{signed(v)} to < {signed(v + w)}", n, ex) for v, n, ex in cells]
    elif "shifts" in entry:
        cells = [(Decimal(c["days"]), c["count"], c["examples"]) for c in entry["shifts"]]
        unit = " days"
    else:
        return []
    if len(cells) <= 12:
        return [(signed(v) + unit, n, ex) for v, n, ex in cells]
    lo, hi = cells[0][0], cells[-1][0]
    step = _nice_step(hi - lo)
    start = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    bands: dict = {}
    for v, n, ex in cells:
        k = int((v - start) / step)
        band = bands.setdefault(k, [0, []])
        band[0] += n
        band[1].extend(ex[:SHOWN_EXAMPLES - len(band[1])])
    return [(f"{signed(start + step * k)} to < {signed(start + step * (k + 1))}{unit}", n, ex)
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


def cells_of(entry: dict):
    """(label, count, examples) for the output's migrations, distribution or changed fields."""
    rows = []
    for m in entry.get("migrations") or []:
        rows.append((f"{show(m['from'])} → {show(m['to'])}", m["count"], m["examples"]))
    rows += distribution(entry)
    for f in entry.get("fields") or []:
        label = f["field"] if f["field"][:2] in ("+ ", "- ") else f"{f['field']} changes"
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


def _cases_word(n) -> str:
    return f"{n:,} case{'s' if n != 1 else ''}"


# ---------------------------------------------------------------- text

def text_lines(impact: dict) -> list[str]:
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    old, new = impact.get("old") or {}, impact.get("new") or {}
    head = f"影响 Impact on {_cases_word(n)}"
    if old and new:
        head += f": {old.get('code')} {old.get('revision')} → {new.get('code')} {new.get('revision')}"
    lines = [head, f"  {_cases_word(k)} change ({pct(k, n)}), {n - k:,} do not" +
             (f"; e.g. {', '.join(impact['examples'][:SHOWN_EXAMPLES])}" if impact.get("examples") else "")]
    for r in impact.get("refused") or []:
        who = {"old": "the old revision", "new": "the new revision", "both": "both revisions"}[r["by"]]
        lines.append(f"  {_cases_word(r['count'])} refused by {who}: {r['reason']} (e.g. {', '.join(r['examples'][:SHOWN_EXAMPLES])})")
    for side, word in (("outputs_only_old", "only in the old revision"), ("outputs_only_new", "only in the new revision")):
        if impact.get(side):
            lines.append(f"  values {word} (not compared): {', '.join(impact[side])}")
    outputs = impact.get("outputs") or {}
    if outputs:
        lines += ["", f"  {ljust('输出 output', 48)}{'cases':>8}"]
        for key, e in outputs.items():
            lines.append(f"  {ljust(key + '  ' + title_of(impact, key), 48)}{e['cases_changed']:>8,}")
    findings = impact.get("findings") or {}
    for side, word in (("raised", "新出现的发现 findings newly raised"), ("cleared", "不再出现的发现 findings newly cleared")):
        items = findings.get(side) or []
        if items:
            lines += ["", f"  {ljust(word, 48)}{'cases':>8}"]
            for f in items[:TOP_CELLS * 2]:
                label = f"§{f['clause']} {f['id']} ({f['severity']})"
                lines.append(f"  {ljust(label, 48)}{f['count']:>8,}   e.g. {', '.join(f['examples'][:SHOWN_EXAMPLES])}")
            if len(items) > TOP_CELLS * 2:
                lines.append(f"  … and {len(items) - TOP_CELLS * 2} more (--format json lists every one)")
    for key, e in list(outputs.items())[:TOP_OUTPUTS]:
        lines += ["", f"  {key} — {title_of(impact, key) or key}: {_cases_word(e['cases_changed'])}"
                  + (f" ({e['increased']:,} up, {e['decreased']:,} down)" if "increased" in e else "")]
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            w = max(10, *(width(show(v)) + 2 for v in froms + tos))
            lines.append("    " + ljust("from \\ to", w) + "".join(" " * (w - width(show(t))) + show(t) for t in tos))
            for f in froms:
                lines.append("    " + ljust(show(f), w) + "".join((f"{grid[(f, t)]:,}" if (f, t) in grid else "·").rjust(w) for t in tos))
        rows = cells_of(e)
        for label, count, ex in rows[:TOP_CELLS]:
            lines.append(f"    {ljust(label, 46)}{count:>8,}   e.g. {', '.join(ex[:SHOWN_EXAMPLES])}")
        if len(rows) > TOP_CELLS or e.get("other_changes"):
            more = len(rows) - TOP_CELLS if len(rows) > TOP_CELLS else 0
            lines.append(f"    … {more + (e.get('other_changes') or 0):,} more change(s) (--format json has them)")
    if len(outputs) > TOP_OUTPUTS:
        lines += ["", f"  … {len(outputs) - TOP_OUTPUTS} more output(s) change (counted above; --format json or md for each)"]
    return lines


# ---------------------------------------------------------------- Markdown

def _md(v) -> str:
    return show(v).replace("|", "\\|").replace("\n", " ")


def markdown_lines(impact: dict) -> list[str]:
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    out = ["## 影响 Impact", "", f"**{k:,} of {n:,} cases change** ({pct(k, n)}); {n - k:,} do not.", ""]
    for r in impact.get("refused") or []:
        out += [f"- {_cases_word(r['count'])} refused by the {r['by']} revision(s): {_md(r['reason'])}", ""]
    outputs = impact.get("outputs") or {}
    if outputs:
        out += ["| output | | cases |", "|---|---|---:|"]
        out += [f"| `{key}` | {_md(title_of(impact, key))} | {e['cases_changed']:,} |" for key, e in outputs.items()]
        out.append("")
    findings = impact.get("findings") or {}
    for side, word in (("raised", "Findings newly raised"), ("cleared", "Findings newly cleared")):
        items = findings.get(side) or []
        if items:
            out += [f"### {word}", "", "| clause | finding | severity | cases | e.g. |", "|---|---|---|---:|---|"]
            out += [f"| {_md(f['clause'])} | `{f['id']}` {_md(title_of(impact, f['id']))} | {f['severity']} | {f['count']:,} | "
                    f"{', '.join(f['examples'][:SHOWN_EXAMPLES])} |" for f in items]
            out.append("")
    for key, e in list(outputs.items())[:TOP_OUTPUTS]:
        out += [f"### `{key}` {_md(title_of(impact, key))}: {_cases_word(e['cases_changed'])}", ""]
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            out += ["| from \\ to | " + " | ".join(_md(t) for t in tos) + " |", "|---|" + "---:|" * len(tos)]
            out += ["| " + _md(f) + " | " + " | ".join(f"{grid[(f, t)]:,}" if (f, t) in grid else "·" for t in tos) + " |"
                    for f in froms]
            out.append("")
        rows = cells_of(e)
        if rows:
            out += ["| change | cases | e.g. |", "|---|---:|---|"]
            out += [f"| {_md(label)} | {count:,} | {', '.join(ex[:SHOWN_EXAMPLES])} |" for label, count, ex in rows[:TOP_CELLS * 2]]
            out.append("")
    if len(outputs) > TOP_OUTPUTS:
        more = list(outputs)[TOP_OUTPUTS:]
        out += [f"{len(more)} more output(s) change (counted in the table above):", ""] + [f"- `{k}`" for k in more] + [""]
    return out


# ---------------------------------------------------------------- HTML

def html_section(impact: dict) -> str:
    """The impact as one HTML section (the diff page embeds it): tables and inline SVG charts."""
    n, k = impact.get("cases", 0), impact.get("affected", 0)
    h = ['<section id="impact">',
         f'<h2>影响 Impact <span class="en">— {k:,} of {n:,} cases change ({pct(k, n)})</span></h2>']
    for r in impact.get("refused") or []:
        h.append(f'<p class="interp">{_cases_word(r["count"])} refused by the {escape(r["by"])} revision(s): '
                 f'{escape(r["reason"])}</p>')
    outputs = impact.get("outputs") or {}
    if outputs:
        h.append(bar_chart([(key, e["cases_changed"]) for key, e in list(outputs.items())[:20]],
                           "变化的输出 Outputs that change (cases)"))
        h.append('<table class="wide"><tr><th>输出 output</th><th></th><th>变化案例 cases</th></tr>')
        for key, e in outputs.items():
            h.append(f'<tr><td><a href="#impact-{escape(key)}"><code>{escape(key)}</code></a></td>'
                     f'<td>{escape(title_of(impact, key))}</td><td class="num">{e["cases_changed"]:,}</td></tr>')
        h.append("</table>")
    findings = impact.get("findings") or {}
    for side, word in (("raised", "新出现的发现 Findings newly raised"), ("cleared", "不再出现的发现 Findings newly cleared")):
        items = findings.get(side) or []
        if not items:
            continue
        h.append(f"<h3>{word}</h3>")
        h.append(bar_chart([(f"§{f['clause']} {f['id']}", f["count"]) for f in items[:20]], word,
                           colour="#b0533c" if side == "raised" else "#3c8b5a"))
        h.append('<table class="wide"><tr><th>条款 clause</th><th>发现 finding</th><th>严重性 severity</th>'
                 '<th>案例 cases</th><th>示例 e.g.</th></tr>')
        for f in items:
            h.append(f'<tr><td>{escape(str(f["clause"]))}</td><td><code>{escape(f["id"])}</code> '
                     f'{escape(title_of(impact, f["id"]))}</td><td>{escape(f["severity"])}</td>'
                     f'<td class="num">{f["count"]:,}</td><td class="small">{escape(", ".join(f["examples"]))}</td></tr>')
        h.append("</table>")
    for key, e in outputs.items():
        h.append(f'<h3 id="impact-{escape(key)}"><code>{escape(key)}</code> {escape(title_of(impact, key))}: '
                 f'{_cases_word(e["cases_changed"])}</h3>')
        m = _matrix(e)
        if m:
            froms, tos, grid = m
            h.append('<table class="matrix"><tr><th>from \\ to</th>' + "".join(f"<th>{escape(show(t))}</th>" for t in tos) + "</tr>")
            for f in froms:
                h.append(f"<tr><th>{escape(show(f))}</th>" + "".join(
                    f'<td class="num">{grid[(f, t)]:,}</td>' if (f, t) in grid else '<td class="muted">·</td>' for t in tos) + "</tr>")
            h.append("</table>")
        rows = cells_of(e)
        if rows:
            h.append(bar_chart([(label, count) for label, count, _ in rows[:20]], f"{key}: {_what(e)}"))
            h.append('<table class="wide"><tr><th>变化 change</th><th>案例 cases</th><th>示例 e.g.</th></tr>')
            for label, count, ex in rows[:40]:
                h.append(f'<tr><td>{escape(label)}</td><td class="num">{count:,}</td><td class="small">{escape(", ".join(ex))}</td></tr>')
            h.append("</table>")
        if e.get("other_changes"):
            h.append(f'<p class="muted small">and {e["other_changes"]:,} further change(s) of other values</p>')
    h.append("</section>")
    return "\n".join(h)


def _what(e) -> str:
    if "migrations" in e and not ("changes" in e or "shifts" in e or "fields" in e):
        return "migrations (cases)"
    if "fields" in e:
        return "fields that change (cases)"
    return "distribution of the change (cases)"
