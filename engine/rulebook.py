"""The rulebook: a rule set as a static, self-contained site a committee member can read.

One page per clause of the source document (from the rule set's clauses.yaml): its text, the rule
elements that encode it (expressions highlighted, tables as tables, decision tables as DMN grids,
state machines as a drawn diagram), interpretations flagged, and the rule-author tests that cite it.
An index links every clause, element and revision; a diff page is written for each pair of
neighbouring revisions of the family. No page loads anything from the network.
"""
from __future__ import annotations

import math
import re
from html import escape
from pathlib import Path

from markupsafe import Markup

from .authortests import collect
from .errors import CertrulesError, OutputError
from .evaluation import clause_key
from .files import replace_dir_atomic, staging_dir, write_atomic
from .render import anchor, as_yaml, render_page, shared_css, _diff_clauses
from .i18n import texts_for
from .tables import is_cell_expr, row_id

MARKER = ".certrules-rulebook"


# ---------------------------------------------------------------- expressions

_TOKEN = re.compile(r'''(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>\b\d+(?:\.\d+)?\b)|(?P<at>@"(?:[^"\\]|\\.)*")'''
                    r'''|(?P<name>[^\W\d][\w]*)|(?P<op><=|>=|!=|\.\.|[-+*/=<>]|\*\*)|(?P<ws>\s+)|(?P<other>.)''', re.S)
KEYWORDS = {"if", "then", "else", "for", "in", "return", "some", "every", "satisfies", "and", "or", "not",
            "null", "true", "false", "between", "instance", "of", "function", "let"}


_MULTIWORD = None


def _multiword():
    """A pattern for the functions whose names have spaces (`years and months duration`), longest first."""
    global _MULTIWORD
    if _MULTIWORD is None:
        from .ruleset import function_registry
        names = sorted((n for n in function_registry().names() if " " in n), key=len, reverse=True)
        _MULTIWORD = re.compile("|".join(r"\s+".join(map(re.escape, n.split())) + r"(?=\s*\()" for n in names) or r"(?!)")
    return _MULTIWORD


def highlight(text, links: dict | None = None) -> Markup:
    """An expression as HTML: keywords, strings, numbers, functions and names (linked when they are elements)."""
    text = "" if text is None else str(text)
    links = links or {}
    out = []
    pos = 0
    multi = _multiword()
    for m in _TOKEN.finditer(text):
        if m.start() < pos:
            continue
        kind, tok = m.lastgroup, m.group()
        fn = multi.match(text, m.start()) if kind == "name" else None
        if fn:
            out.append(f'<span class="fn">{escape(fn.group())}</span>')
            pos = fn.end()
            continue
        pos = m.end()
        e = escape(tok)
        if kind in ("str", "at"):
            out.append(f'<span class="str">{e}</span>')
        elif kind == "num":
            out.append(f'<span class="num">{e}</span>')
        elif kind == "op":
            out.append(f'<span class="op">{e}</span>')
        elif kind == "name":
            rest = text[pos:]
            if tok in KEYWORDS:
                out.append(f'<span class="kw">{e}</span>')
            elif tok in links:
                out.append(f'<a class="ref" href="{escape(links[tok])}" title="{escape(tok)}">{e}</a>')
            elif rest.lstrip().startswith("("):
                out.append(f'<span class="fn">{e}</span>')
            else:
                out.append(e)
        else:
            out.append(e)
    return Markup("".join(out))


# ---------------------------------------------------------------- state machines

BOX_W, BOX_H, GAP, ROW_GAP, PAD = 170, 44, 110, 190, 40


def _order(states: list[str], initial: str, edges: list[tuple[str, str]]) -> list[str]:
    """States in breadth-first order from the initial state, the unreachable after, in declaration order."""
    out, queue = [], [initial] if initial in states else []
    while queue:
        s = queue.pop(0)
        if s in out:
            continue
        out.append(s)
        queue += [b for a, b in edges if a == s and b not in out]
    return out + [s for s in states if s not in out]


def _clip(cx, cy, tx, ty):
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (BOX_W / 2) / abs(dx) if dx else math.inf
    sy = (BOX_H / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def _text_width(s: str, size: float = 11) -> float:
    return sum(size if ord(ch) > 0x2e80 else size * 0.6 for ch in s)


def _overlaps(r, rects) -> bool:
    x, y, w, h = r
    return any(x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h for x2, y2, w2, h2 in rects)


def machine_svg(el) -> Markup:
    """A state machine drawn as SVG, no layout library: the live states in a row (breadth-first from the
    initial state), the final states in a row below; transitions as arrows labelled with their ids
    (their triggers are in the table under the drawing)."""
    states = list(el.states)
    groups: dict[tuple, list[str]] = {}
    for tr in el.transitions:
        for src in tr.sources:
            groups.setdefault((src, tr.to), []).append(tr.id)
    live = [s for s in _order(states, el.initial, list(groups)) if s not in el.finals]
    finals = [s for s in states if s in el.finals]
    slot = BOX_W + GAP
    pos = {s: (PAD + 30 + i * slot + BOX_W / 2, PAD + 60 + BOX_H / 2) for i, s in enumerate(live)}
    if finals:
        # Each final state goes under the mean position of the states that lead to it (then spread apart).
        def mean_x(f):
            xs = [pos[a][0] for (a, b) in groups if b == f and a in pos]
            return sum(xs) / len(xs) if xs else 0
        ordered = sorted(finals, key=mean_x)
        top_width = max(len(live), 1) * slot
        step = max(slot, top_width / len(ordered))
        left = PAD + 30 + max(0.0, (top_width - step * len(ordered)) / 2)
        for i, f in enumerate(ordered):
            pos[f] = (left + i * step + step / 2 - GAP / 2 if step > slot else left + i * slot + BOX_W / 2,
                      PAD + 60 + BOX_H + ROW_GAP + BOX_H / 2)
    width = max(x for x, _ in pos.values()) + BOX_W / 2 + PAD
    height = max(y for _, y in pos.values()) + BOX_H / 2 + PAD
    box_rects = [(x - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H) for x, y in pos.values()]
    parts, texts, placed = [], [], []
    for (a, b), ids in groups.items():
        (ax, ay), (bx, by) = pos[a], pos[b]
        label = ", ".join(ids)
        if a == b:
            x, y = ax, ay - BOX_H / 2
            parts.append(f'<path class="edge" d="M{x - 20:.1f},{y:.1f} C{x - 30:.1f},{y - 45:.1f} {x + 30:.1f},{y - 45:.1f} '
                         f'{x + 20:.1f},{y:.1f}" marker-end="url(#arrow-{el.id})"/>')
            points = [(x, y - 40)]
        else:
            dx, dy = bx - ax, by - ay
            dist = math.hypot(dx, dy) or 1
            nx, ny = -dy / dist, dx / dist
            bend = 0.0
            if (b, a) in groups:
                bend = 22.0  # the two directions side by side
            if ay == by and abs(dx) > slot * 1.5:
                # along the row past other boxes: rightwards arcs above the row, leftwards below
                bend = -abs(dx) / slot * 28.0
            cxp, cyp = (ax + bx) / 2 + nx * bend, (ay + by) / 2 + ny * bend
            sx, sy = _clip(ax, ay, cxp, cyp)
            ex, ey = _clip(bx, by, cxp, cyp)
            parts.append(f'<path class="edge" d="M{sx:.1f},{sy:.1f} Q{cxp:.1f},{cyp:.1f} {ex:.1f},{ey:.1f}" '
                         f'marker-end="url(#arrow-{el.id})"/>')
            points = []
            for t in (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8):
                u = 1 - t
                points.append((u * u * sx + 2 * u * t * cxp + t * t * ex, u * u * sy + 2 * u * t * cyp + t * t * ey))
        w, h = _text_width(label, 10.5) + 8, 16
        rect = None
        for lx, ly in points:
            r = (lx - w / 2, ly - h / 2, w, h)
            if not _overlaps(r, placed) and not _overlaps(r, box_rects):
                rect = r
                break
        if rect is None:
            lx, ly = points[0]
            rect = (lx - w / 2, ly - h / 2, w, h)
        placed.append(rect)
        x, y, w, h = rect
        texts.append(f'<rect class="label" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h}" rx="3"/>'
                     f'<text class="label" x="{x + w / 2:.1f}" y="{y + 12:.1f}" text-anchor="middle">{escape(label)}</text>')
    boxes = []
    for s, (x, y) in pos.items():
        cls = "state" + (" final" if s in el.finals else "") + (" initial" if s == el.initial else "")
        boxes.append(f'<g class="{cls}"><rect x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
                     f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle">{escape(s)}</text></g>')
        if s == el.initial:
            boxes.append(f'<path class="edge" d="M{x - BOX_W / 2 - 26:.1f},{y:.1f} L{x - BOX_W / 2:.1f},{y:.1f}" marker-end="url(#arrow-{el.id})"/>'
                         f'<circle cx="{x - BOX_W / 2 - 28:.1f}" cy="{y:.1f}" r="5" class="start"/>')
    style = ("<style>.machine .state rect{fill:#eef3fb;stroke:#1f5f99;stroke-width:1.5}"
             ".machine .state.final rect{fill:#f4f4f4;stroke:#5b6775;stroke-width:3}"
             ".machine .state.initial rect{fill:#e6f4ea;stroke:#1e6b34}"
             ".machine .state text{font-size:13px;font-weight:600;fill:#1d2733}"
             ".machine .edge{fill:none;stroke:#5b6775;stroke-width:1.3}"
             ".machine .start{fill:#1d2733}"
             ".machine rect.label{fill:#fff;fill-opacity:.92;stroke:#e3c98a}"
             ".machine text.label{font-size:10.5px;fill:#8a5a00;font-family:monospace}</style>")
    defs = (f'<defs><marker id="arrow-{el.id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5b6775"/></marker></defs>')
    svg = (f'<svg class="machine" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" role="img" aria-label="{escape(el.id)}">{style}{defs}'
           + "".join(parts) + "".join(boxes) + "".join(texts) + "</svg>")
    return Markup(svg)


# ---------------------------------------------------------------- the site

def _page_of(clause: str) -> str:
    return anchor(clause)[2:] and f"clause-{anchor(clause)[2:]}.html"


def _element_view(el, links: dict, used_by: dict) -> dict:
    raw = el.raw
    view = {"id": el.id, "kind": el.kind, "clause": el.clause,
            "title": el.title, "text": el.text, "interpretation": el.interpretation, "defined_at": el.location(),
            "anchor": "el-" + el.id, "used_by": sorted(used_by.get(el.id, [])),
            "reads": sorted(r for r in el.reads if r in links), "raw": raw}
    hl = lambda t: highlight(t, links)  # noqa: E731
    if el.kind == "parameter":
        view["value"] = hl(raw["expr"]) if "expr" in raw else as_yaml(raw.get("value"))
        view["unit"] = raw.get("unit")
    elif el.kind == "rule":
        view["when"] = hl(raw["when"]) if "when" in raw else None
        view["expr"] = hl(raw["expr"])
    elif el.kind == "check":
        view.update(severity=raw.get("severity", "error"), tags=list(raw.get("tags") or []),
                    when=hl(raw["when"]) if "when" in raw else None,
                    lets=[(k, hl(v)) for k, v in (raw.get("let") or {}).items()],
                    assertion=hl(raw["assert"]), message=raw.get("message"))
    elif el.kind == "table":
        view.update(key=hl(raw["key"]), match=raw.get("match", "band"), columns=list(raw["columns"]),
                    when=hl(raw["when"]) if "when" in raw else None,
                    rows=[{"key": hl(r.get("key")) if raw.get("match", "band") == "band" else as_yaml(r.get("key")),
                           "cells": [hl(r[c]["expr"]) if is_cell_expr(r.get(c)) else as_yaml(r.get(c))
                                     for c in raw["columns"]],
                           "id": row_id(r, i + 1), "note": r.get("note"), "interpretation": r.get("interpretation"),
                           "clause": r.get("clause")}
                          for i, r in enumerate(raw["rows"]) if isinstance(r, dict)])
    elif el.kind == "decision_table":
        view.update(hit_policy=raw.get("hit_policy", "UNIQUE") + (f" {raw['aggregation']}" if raw.get("aggregation") else ""),
                    when=hl(raw["when"]) if "when" in raw else None,
                    inputs=[{"expr": hl(i["expr"]), "label": i.get("label") or i.get("title")} for i in raw["inputs"]],
                    outputs=[{"name": o["name"], "priority": o.get("priority")} for o in raw["outputs"]],
                    rows=[{"when": [hl(c) for c in r["when"]], "then": [hl(c) for c in r["then"]],
                           "clause": r.get("clause"), "interpretation": r.get("interpretation"), "note": r.get("note")}
                          for r in raw["rules"]],
                    default=[hl(d) for d in (raw.get("default") or [])] if isinstance(raw.get("default"), list) else None)
    elif el.kind == "state_machine":
        view.update(svg=machine_svg(el), start=hl(raw["start"]), events=hl(raw["events"]), initial=raw["initial"],
                    states=raw["states"],
                    transitions=[{"id": t["id"], "clause": str(t["clause"]),
                                  "from": [t["from"]] if isinstance(t["from"], str) else list(t["from"]), "to": t["to"],
                                  "on": ([t["on"]] if isinstance(t.get("on"), str) else t.get("on")),
                                  "after": hl(t["after"]) if "after" in t else None,
                                  "at": hl(t["at"]) if "at" in t else None,
                                  "guard": hl(t["guard"]) if "guard" in t else None,
                                  "interpretation": t.get("interpretation")} for t in raw["transitions"]])
    return view


def _place(ruleset) -> tuple[list[dict], dict, list[str]]:
    """The clause entries, the clause each element is shown under (named by encoded_by, else its own
    clause or the nearest enclosing one), and the elements no clause entry takes."""
    entries = [dict(e, clause=str(e["clause"])) for e in ruleset.clause_map]
    home: dict[str, str] = {}
    for e in entries:
        for eid in e.get("encoded_by") or []:
            if eid in ruleset.elements and eid not in home:
                home[eid] = e["clause"]
    known = [e["clause"] for e in entries]
    for eid, el in ruleset.elements.items():
        if eid in home:
            continue
        exact = [c for c in known if c == el.clause]
        prefix = sorted((c for c in known if el.clause.startswith(c)), key=len, reverse=True)
        if exact or prefix:
            home[eid] = (exact or prefix)[0]
    unplaced = [eid for eid in ruleset.elements if eid not in home]
    return entries, home, unplaced


def _revisions(ruleset, dirs):
    from .registry import find_rulesets
    family = [e for e in find_rulesets(dirs) if e.family == ruleset.family]
    if not any(e.code == ruleset.code and e.revision == ruleset.revision for e in family):
        family.append(None)  # the rule set itself was given as a folder outside the search path
    return family


def build_rulebook(ruleset, out_dir: Path, dirs=(), lang: str | None = None) -> Path:
    """Write the rulebook of a rule set into out_dir (replacing an earlier rulebook there); return out_dir.
    Its pages are in `lang`, else the locale's language if the rule set has it, else its primary one."""
    t = texts_for(ruleset.manifest, lang)
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).is_file())):
        raise OutputError(f"{out_dir} exists and is not a rulebook written by certrules; choose an empty or new folder")
    staging = staging_dir(out_dir)
    try:
        _write_site(ruleset, staging, dirs, t)
        write_atomic(staging / MARKER, f"{ruleset.code} {ruleset.revision}\n")
    except BaseException:
        import shutil
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_dir_atomic(staging, out_dir, overwrite=True)
    return out_dir


def _write_site(ruleset, site: Path, dirs, t) -> None:
    css = Markup(shared_css())
    entries, home, unplaced = _place(ruleset)
    page_of_clause = {e["clause"]: _page_of(e["clause"]) for e in entries}
    element_href = {}
    for eid in ruleset.elements:
        page = page_of_clause.get(home.get(eid)) or "index.html"
        element_href[eid] = f"{page}#el-{eid}"
    used_by: dict[str, set] = {}
    for eid, el in ruleset.elements.items():
        for r in el.reads:
            if r in ruleset.elements:
                used_by.setdefault(r, set()).add(eid)
    views = {eid: _element_view(el, element_href, used_by) for eid, el in ruleset.elements.items()}

    tests = collect(Path(ruleset.root))
    tests_of: dict[str, list] = {}
    for test in tests:
        if not test.clause:
            continue
        target = next((c for c in page_of_clause if c == str(test.clause)), None)
        if target is None:
            target = next(iter(sorted((c for c in page_of_clause if str(test.clause).startswith(c)), key=len, reverse=True)), None)
        if target is not None:
            tests_of.setdefault(target, []).append({"name": test.name, "file": test.file, "line": test.line, "clause": str(test.clause)})

    # revisions and their diff pages
    revisions, diffs = [], {}
    family = _revisions(ruleset, dirs)
    entries_rev = [e for e in family if e is not None]
    for e in entries_rev:
        revisions.append({"code": e.code, "revision": e.revision, "effective": e.effective, "status": e.status,
                          "provenance": e.provenance, "current": e.code == ruleset.code and e.revision == ruleset.revision})
    for a, b in zip(entries_rev, entries_rev[1:]):
        name = f"diff-{anchor(a.revision)[2:]}-{anchor(b.revision)[2:]}.html"
        try:
            from .diff import diff_rulesets
            from .registry import load_cached
            old, new = load_cached(a.folder), load_cached(b.folder)
            d = diff_rulesets(old, new)
        except CertrulesError as exc:
            diffs[(a.revision, b.revision)] = {"error": exc.message.splitlines()[0]}
            continue
        clauses = _diff_clauses(d, old, new)
        for c in clauses:
            c["rulebook_href"] = page_of_clause.get(c["clause"]) if (b.code, b.revision) == (ruleset.code, ruleset.revision) else None
        html = render_page("diff.html.j2", diff=d, impact=None, clauses=clauses, css=css, old=d["old"], new=d["new"],
                           back={"href": "index.html", "label": f"{ruleset.code} {ruleset.revision} {t('rulebook')}"}, t=t)
        write_atomic(site / name, html)
        diffs[(a.revision, b.revision)] = {"href": name, "changes": d["summary"]["changes"],
                                           "clauses": d["summary"]["clauses"]}
    pairs = [{"old": a.revision, "new": b.revision, **diffs[(a.revision, b.revision)]}
             for a, b in zip(entries_rev, entries_rev[1:])]
    changed_in = {}
    for p in pairs:
        for c in p.get("clauses") or []:
            changed_in.setdefault(c, []).append(p)

    rs = {"code": ruleset.code, "revision": ruleset.revision, "family": ruleset.family, "title": ruleset.manifest.get("title"),
          "effective": ruleset.effective, "status": ruleset.manifest.get("status"), "issuer": ruleset.manifest.get("issuer"),
          "provenance": ruleset.manifest.get("provenance", "authoritative"), "source": ruleset.manifest.get("source") or {},
          "changes": ruleset.manifest.get("changes") or [], "assumptions": ruleset.manifest.get("assumptions") or [],
          "digest": ruleset.digest}
    toc = []
    for i, e in enumerate(entries):
        ids = [eid for eid, c in home.items() if c == e["clause"]]
        ids = list(dict.fromkeys([x for x in (e.get("encoded_by") or []) if x in views] + ids))
        toc.append({"clause": e["clause"], "title": e.get("title"), "href": page_of_clause[e["clause"]],
                    "procedural": e.get("procedural"), "elements": ids, "tests": len(tests_of.get(e["clause"], [])),
                    "interpretations": sum(1 for x in ids if views[x]["interpretation"]),
                    "changed": changed_in.get(e["clause"], [])})
    common = {"css": css, "rs": rs, "toc": toc, "revisions": revisions, "pairs": pairs, "t": t}
    from .progress import track
    for i, e in enumerate(track(entries, f"rulebook {ruleset.name}", unit="page")):
        entry = toc[i]
        page = render_page("rulebook_clause.html.j2", entry=e, info=entry,
                           elements=[views[x] for x in entry["elements"]], tests=tests_of.get(e["clause"], []),
                           prev=toc[i - 1] if i else None, next=toc[i + 1] if i + 1 < len(toc) else None,
                           element_href=element_href, **common)
        write_atomic(site / entry["href"], page)
    index = render_page("rulebook_index.html.j2", unplaced=[views[x] for x in unplaced],
                        elements=sorted(views.values(), key=lambda v: (clause_key(v["clause"]), v["id"])),
                        element_href=element_href, untested=[c for c in toc if c["elements"] and not c["tests"]],
                        **common)
    write_atomic(site / "index.html", index)
