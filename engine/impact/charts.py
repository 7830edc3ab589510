"""Self-contained SVG bar charts (no script, no network, no fonts to fetch) for the impact page."""
from __future__ import annotations

from html import escape

ROW = 22
LABEL_W = 230
BAR_W = 360
PAD = 8


def bar_chart(rows, title: str, unit: str = "cases", colour: str = "#2f6f9f") -> str:
    """Horizontal bars: rows of (label, count); one bar per row, longest = the largest count."""
    rows = [(str(label), int(n)) for label, n in rows]
    if not rows:
        return ""
    top = max(n for _, n in rows) or 1
    height = PAD * 2 + ROW * len(rows) + 18
    width = LABEL_W + BAR_W + 90
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text x="{PAD}" y="{PAD + 10}" font-size="12" font-weight="bold" fill="#222">{escape(title)}</text>']
    for i, (label, n) in enumerate(rows):
        y = PAD + 18 + i * ROW
        w = max(1, round(BAR_W * n / top))
        shown = label if len(label) <= 34 else label[:33] + "…"
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 14}" font-size="12" text-anchor="end" fill="#222">'
                   f"<title>{escape(label)}</title>{escape(shown)}</text>")
        out.append(f'<rect class="bar" x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 6}" fill="{colour}">'
                   f"<title>{escape(label)}: {n:,} {escape(unit)}</title></rect>")
        out.append(f'<text x="{LABEL_W + w + 6}" y="{y + 14}" font-size="12" fill="#222">{n:,}</text>')
    out.append("</svg>")
    return "".join(out)
