"""Documents from templates: a rule set's own templates, rendered in a sandbox, to HTML or PDF.

A rule set may carry a `templates/` folder: `NAME.html.j2` is the document NAME, and an optional
`documents.yaml` says, per document, what a result must hold before the document may be rendered:

    NAME:
      earned_when:                # does the case earn the document at all? (checked first, alone)
        - {value: level, not_in: [none, null], item: "5.9.2", message: {zh: ..., en: ...}}
      requires:                   # what the document must show
        - {field: organization.uscc, item: "8.1.1(3)", label: 统一社会信用代码}
        - {data: body.address, item: "8.1.1(9)"}
        - {findings: {tag: refusal}, min: 1, message: ...}

`value` names a result value, `field` a dotted path into the case, `data` a path into the rule
set's `data`; the test is "present" (not null, not empty) unless `in`/`not_in`/`equals` is given.
`findings` counts the result's findings matching every given key (id, tag, severity, clause) and
compares the count with `min`/`max`; a refusal for findings names each of them with its clause and
message, so the reasons travel with the refusal. `any_of: [requirement, ...]` is met when one of them
is. Every unmet requirement is reported at once.

So that a document states only what was decided, a rule set tags its checks (e.g. the preconditions
of a decision, or a case's claims that contradict the evaluation) and lists the tags here with `max: 0`.

A document may also list `inputs`, grouped under a heading each (e.g. the items of a report):
they do not stop the rendering, but the template receives the unmet ones as
`document.missing[heading]` and can list them instead of leaving a blank.

Templates see only `result`, `case`, `ruleset` (a plain dict of the manifest with its `data`, the
elements' titles and clauses, the clause map), `document` (its missing inputs, and `shown`: every value
whose element declares `display: {places: N}`, as the text people read, identical wherever it is
printed) and the filters registered here. They run in the bounded
sandbox of sandbox.py with autoescaping, and may only load files from their own templates folder.
The engine's own generic pages (the diff report, the rulebook) use the same environment over
`engine/templates/`.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import ChainableUndefined, Undefined, pass_context
from markupsafe import Markup

from .errors import CaseError, OutputError, RuleSetError, UsageError
from .report import visible
from .folder import listed
from .i18n import Msg, declared
from .jsonout import number_text
from .sandbox import Sandbox, TemplateProblem, TemplateRefused  # noqa: F401 - TemplateRefused: part of the API
from .sandbox import environment as sandboxed
from .sandbox import render as render_template
from .yamlio import YamlError, load_member

ENGINE_TEMPLATES = Path(__file__).resolve().parent / "templates"
SUFFIX = ".html.j2"
REQUIREMENTS_FILE = "documents.yaml"


# ---------------------------------------------------------------- filters (the sandbox itself: sandbox.py)

def display(value) -> str:
    """Any plain value as text for a page: exact decimals, ISO dates, a dash for nothing."""
    if value is None or isinstance(value, Undefined):
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, Decimal):
        return number_text(value) if value.is_finite() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(display(v) for v in value) if value else "—"
    if isinstance(value, dict):
        if set(value) <= {"zh", "en"} and value:
            return text2(value)
        return "；".join(f"{k}: {display(v)}" for k, v in value.items())
    return str(value)


def _finalize(value):
    if isinstance(value, Markup):
        return value
    # a case's controls and bidirectional overrides are shown as U+FFFD (report.visible)
    return visible(value if isinstance(value, str) and not isinstance(value, Undefined) else display(value))


def _as_date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def date_zh(value) -> str:
    """2028-12-14 -> 2028年12月14日 (a dash when there is no date)."""
    d = _as_date(value)
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


def date_en(value) -> str:
    d = _as_date(value)
    return d.strftime("%d %B %Y").lstrip("0") if d else "—"


def text2(value, lang: str | None = None) -> str:
    """A {zh, en} text in one language, or both ('zh / en'); a plain string as it is."""
    if value is None or isinstance(value, Undefined):
        return ""
    if not isinstance(value, dict):
        return str(value)
    if lang:
        return str(value.get(lang) or "")
    zh, en = value.get("zh"), value.get("en")
    return f"{zh} / {en}" if zh and en else str(zh or en or "")


def qr_svg(text, scale: int = 3, border: int = 2) -> Markup:
    """A QR code of the text, as inline SVG (no image file, no network)."""
    import segno
    if text is None or isinstance(text, Undefined) or str(text) == "":
        return Markup("")
    qr = segno.make(str(text), error="m")
    svg = qr.svg_inline(scale=int(scale), border=int(border), title=str(text))
    return Markup(svg)


def repeat(text, n) -> str:
    """The text n times: '★' | repeat(5)."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    return str(text) * max(0, min(n, 1000))


def pick(items, **where):
    """The items (mappings) whose keys equal the given values; a list value matches when it contains it."""
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        ok = True
        for k, want in where.items():
            have = item.get(k)
            if isinstance(have, (list, tuple)):
                ok = want in have
            else:
                ok = have == want
            if not ok:
                break
        if ok:
            out.append(item)
    return out


def _yaml_ready(value):
    if isinstance(value, dict):
        return {str(k): _yaml_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_ready(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return display(value)
    return value


def as_yaml(value) -> str:
    """Structured data (an element, a row) as readable YAML text; a scalar as itself."""
    import yaml
    if isinstance(value, (dict, list, tuple)):
        return yaml.safe_dump(_yaml_ready(value), allow_unicode=True, sort_keys=False, width=100).rstrip()
    return display(value)


def anchor(text) -> str:
    """A stable, readable fragment id for a clause or element id."""
    s = re.sub(r"[^\w.-]+", "-", str(text), flags=re.UNICODE).strip("-")
    return "c-" + (s or "x")


@pass_context
def text_in(context, value, lang: str | None = None) -> str:
    """A rule set's text (a string, or a mapping by language) in `lang`, else in the page's language
    (`lang` in the template's context), else in the rule set's primary language or whichever it has."""
    from .i18n import DEFAULT_LANGUAGES, Texts
    languages = context.get("languages") or list(DEFAULT_LANGUAGES)
    return Texts(lang or context.get("lang") or languages[0], languages).text(value)


FILTERS = {"date_zh": date_zh, "date_en": date_en, "text2": text2, "text": text_in, "qr_svg": qr_svg, "repeat": repeat,
           "show": display, "pick": pick, "as_yaml": as_yaml, "anchor": anchor}


def environment(folder: Path, label: str = "templates") -> Sandbox:
    return sandboxed(folder, FILTERS, finalize=_finalize, label=label, autoescape=True, undefined=ChainableUndefined,
                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_page(name: str, **context) -> str:
    """One of the engine's own generic pages (engine/templates/NAME)."""
    try:
        return render_template(_engine_env(), name, context, seconds=None)
    except TemplateProblem as exc:  # a bug in the engine's own templates
        raise RuntimeError(f"engine template {exc}") from exc


_ENGINE_ENV = None


def _engine_env() -> Sandbox:
    global _ENGINE_ENV
    if _ENGINE_ENV is None:
        _ENGINE_ENV = environment(ENGINE_TEMPLATES, label="engine/templates")
    return _ENGINE_ENV


def shared_css() -> str:
    return (ENGINE_TEMPLATES / "base.css").read_text(encoding="utf-8")


# ---------------------------------------------------------------- what templates see

def ruleset_view(ruleset) -> dict:
    """The rule set as plain data for a template: manifest (with its data), elements, clause map."""
    m = dict(ruleset.manifest)
    m.setdefault("data", {})
    m["digest"] = ruleset.digest
    m["elements"] = {eid: {k: v for k, v in {"kind": el.kind, "clause": el.clause, "title": el.title,
                                              "interpretation": el.interpretation}.items() if v is not None}
                     for eid, el in ruleset.elements.items()}
    m["clauses"] = {str(c["clause"]): {k: v for k, v in c.items() if k != "clause"} for c in ruleset.clause_map}
    return m


def documents(ruleset) -> list[str]:
    """The documents of the rule set: its templates NAME.html.j2 (one that is refused, e.g. a link
    pointing out, is listed too, so that rendering it says why it is refused)."""
    names, refused = listed(ruleset.root, "templates", suffixes=(SUFFIX,), recursive=False)
    names += [r.rel for r in refused if r.rel.endswith(SUFFIX) and r.rel.count("/") == 1]
    return sorted(n[len("templates/"): -len(SUFFIX)] for n in names if not n.startswith("templates/_"))


def requirements(ruleset) -> dict:
    rel = f"templates/{REQUIREMENTS_FILE}"
    if not (Path(ruleset.root) / rel).exists() and not (Path(ruleset.root) / rel).is_symlink():
        return {}
    try:
        data = load_member(ruleset.root, rel).data
    except YamlError as exc:
        raise RuleSetError(f"{rel}:{exc.line or ''}: {exc.message}") from None
    if not isinstance(data, dict):
        raise RuleSetError(f"templates/{REQUIREMENTS_FILE} must be a mapping of document names")
    return data


_PRESENT_NOT = (None, "", [], {})


def _lookup(root, dotted: str):
    node = root
    for part in str(dotted).split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and 0 < int(part) <= len(node):
            node = node[int(part) - 1]
        else:
            return None
    return node


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except Exception:
            return False
    return a == b


def unmet(requires: list, context: dict) -> list[dict]:
    """The requirements (as written in documents.yaml) the context does not meet, each with what it found."""
    out = []
    for req in requires or []:
        if not isinstance(req, dict):
            continue
        if "any_of" in req:
            alternatives = [r for r in req["any_of"] if isinstance(r, dict)]
            failed = [unmet([r], context) for r in alternatives]
            if alternatives and all(failed):
                found = "; ".join(f"{f[0]['path']}: {display(f[0]['found'])}" for f in failed)
                out.append({**req, "found": found, "path": " or ".join(f[0]["path"] for f in failed)})
            continue
        if "findings" in req:
            where = req["findings"] or {}
            hits = [f for f in context["result"].get("findings", [])
                    if all(_matches(f, k, v) for k, v in where.items())]
            lo, hi = req.get("min"), req.get("max")
            if (lo is not None and len(hits) < lo) or (hi is not None and len(hits) > hi):
                out.append({**req, "found": [f.get("id") for f in hits], "reasons": hits, "path": "findings"})
            continue
        for key, root in (("value", context["result"].get("values", {})), ("field", context["case"]),
                          ("data", context["ruleset"].get("data", {})), ("path", context)):
            if key in req:
                path = req[key]
                value = _lookup(root, path)
                break
        else:
            continue
        if "in" in req:
            ok = any(_same(value, w) for w in req["in"])
        elif "not_in" in req:
            ok = not any(_same(value, w) for w in req["not_in"])
        elif "equals" in req:
            ok = _same(value, req["equals"])
        else:
            ok = not any(value is p or value == p for p in _PRESENT_NOT if p is not None) and value is not None
        if not ok:
            out.append({**req, "found": value, "path": f"{key} {path}"})
    return out


def _matches(finding: dict, key: str, want) -> bool:
    if key == "tag":
        return want in (finding.get("tags") or [])
    return finding.get(key) == want


def describe(req: dict) -> str:
    msg = req.get("message")
    words = text2(msg) if msg else text2(req.get("label")) or req["path"]
    item = f"{req['item']} " if req.get("item") else ""
    found = req.get("found")
    if "findings" in req:
        reasons = req.get("reasons") or []
        if not reasons:
            return f"{item}{words} (found: none)"
        lines = [f"      （{f.get('clause')}）{text2(f.get('message'))} [{f.get('id')}]" for f in reasons]
        return f"{item}{words}:\n" + "\n".join(lines)
    elif "any_of" in req:
        tail = f" (none of: {req['path']})"
    else:
        tail = f" ({req['path']}: {display(found)})" if found not in (None, "", [], {}) else f" ({req['path']} is missing)"
    return f"{item}{words}{tail}"


def context_for(ruleset, result: dict, case: dict | None, lang: str | None = None) -> dict:
    """What a document template sees; `lang` is the language to show (the `text` filter picks it from
    a rule set's text), `languages` the rule set's, primary first."""
    from .i18n import choose
    languages = declared(ruleset.manifest)
    return {"result": result, "case": case or {}, "ruleset": ruleset_view(ruleset),
            "lang": choose(languages, lang), "languages": languages}


def shown_values(ruleset, result: dict) -> dict:
    """Each result value whose element declares `display: {places: N}`, as the text a person reads."""
    from .elements import shown_number
    out = {}
    for eid, value in (result.get("values") or {}).items():
        el = ruleset.elements.get(eid)
        if el is not None and el.places is not None and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            out[eid] = shown_number(Decimal(value), el.places)
    return out


def render_html(ruleset, result: dict, document: str, case: dict | None = None, lang: str | None = None) -> str:
    names = documents(ruleset)
    if document not in names:
        raise UsageError(Msg("err_no_document", ruleset=ruleset.name, document=document,
                             documents=", ".join(names) if names else Msg("err_no_documents_folder")),
                         languages=declared(ruleset.manifest))
    context = context_for(ruleset, result, case, lang)
    spec = requirements(ruleset).get(document) or {}
    what = text2(spec.get("title")) or document
    not_earned = unmet(spec.get("earned_when") or [], context)
    if not_earned:
        raise CaseError(Msg("err_document_not_earned", document=what, ruleset=ruleset.name,
                            reasons="\n".join("  - " + describe(r) for r in not_earned)),
                        languages=declared(ruleset.manifest))
    missing = unmet(spec.get("requires") or [], context)
    context["document"] = {"name": document, "title": spec.get("title"), "shown": shown_values(ruleset, result),
                           "missing": {str(k): [{**r, "text": describe(r)} for r in unmet(v, context)]
                                       for k, v in (spec.get("inputs") or {}).items()}}
    if missing:
        raise CaseError(Msg("err_document_lacks", document=what, ruleset=ruleset.name, n=len(missing),
                            reasons="\n".join("  - " + describe(r) for r in missing)),
                        languages=declared(ruleset.manifest))
    try:
        return render_template(environment(Path(ruleset.root) / "templates"), document + SUFFIX, context)
    except TemplateProblem as exc:
        heavy = heaviest_field(case) if exc.limit else None
        if heavy is not None:       # the case holds the value no document can show: the case's mistake
            from .sandbox import MAX_VALUE
            raise CaseError(Msg("err_case_value_too_large", path=heavy[0], size=f"{heavy[1]:,}",
                                limit=f"{MAX_VALUE:,}"), languages=declared(ruleset.manifest)) from None
        raise RuleSetError(str(exc)) from None


def heaviest_field(case) -> tuple[str, int] | None:
    """(field path, weight) of the innermost field of the case heavier than a template may show or pass
    (sandbox.MAX_VALUE), or None when no field is (the case as a whole does not count: no single value
    of it is too large)."""
    from .loader import format_path
    from .sandbox import MAX_VALUE, weight
    if not isinstance(case, dict):
        return None
    path, node, size = (), case, None
    while True:
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            w = weight(child)
            if w > MAX_VALUE:
                path, node, size = path + (key,), child, w
                break
        else:
            return (format_path(path), size) if path else None


def render_document(ruleset, result: dict, document: str, fmt: str = "html", case: dict | None = None,
                    lang: str | None = None):
    """The document as HTML text, or as PDF bytes (printed by headless Chromium)."""
    html = render_html(ruleset, result, document, case, lang)
    if fmt == "html":
        return html
    if fmt == "pdf":
        return print_pdf(html)
    raise UsageError(f"unknown format '{fmt}' (html or pdf)")


# ---------------------------------------------------------------- printing

def chromium() -> str | None:
    """The headless browser to print with: $CERTRULES_CHROMIUM, else chromium / chromium-browser / google-chrome."""
    given = os.environ.get("CERTRULES_CHROMIUM")
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_args(exe: str, profile: str) -> list[str]:
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}"]


# A page printed to PDF is opened from a file: without this, a template's <iframe src="file:///etc/passwd">
# or <img src="http://..."> would put another file, or a request, into the document. A policy given
# first cannot be loosened by one the page adds: only inline styles and data: images and fonts load.
PRINT_POLICY = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                'style-src \'unsafe-inline\'; img-src data:; font-src data:">\n')


def _with_policy(html: str) -> str:
    """The page with PRINT_POLICY first, after its doctype (before one, the page would render in quirks mode)."""
    head = html.lstrip()
    if head[:9].lower() == "<!doctype" and ">" in head:
        end = head.index(">") + 1
        return head[:end] + "\n" + PRINT_POLICY + head[end:]
    return PRINT_POLICY + html


def print_pdf(html: str, timeout: int = 120) -> bytes:
    exe = chromium()
    if exe is None:
        raise OutputError("PDF output needs Chromium, which was not found: install it "
                          "(Debian/Ubuntu: apt-get install -y chromium) or set CERTRULES_CHROMIUM to its path; "
                          "or render --format html and print that page from a browser")
    with tempfile.TemporaryDirectory(prefix="certrules-pdf-") as tmp:
        page = Path(tmp) / "page.html"
        out = Path(tmp) / "page.pdf"
        page.write_text(_with_policy(html), encoding="utf-8")
        args = browser_args(exe, str(Path(tmp) / "profile")) + [
            "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not finish printing within {timeout} s") from None
        except OSError as exc:
            raise OutputError(f"Chromium could not be started ({exe}): {exc.strerror or exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise OutputError("Chromium did not print the page to PDF" + (": " + " | ".join(tail) if tail else ""))
        return out.read_bytes()


# ---------------------------------------------------------------- the diff page

def _diff_clauses(diff: dict, old, new) -> list[dict]:
    """The changes grouped by clause, each with the clause map's entry on both sides."""
    from itertools import groupby
    from .evaluation import clause_key
    out = []
    for clause, items in groupby(diff["changes"], key=lambda c: c["clause"]):
        sides = {}
        for side, rs in (("old", old), ("new", new)):
            sides[side] = next((c for c in (rs.clause_map if rs is not None else []) if str(c["clause"]) == clause), None)
        out.append({"clause": clause, "changes": list(items), "old_entry": sides["old"], "new_entry": sides["new"],
                    "anchor": anchor(clause)})
    out.sort(key=lambda c: (c["clause"] == "—", clause_key(c["clause"]) if c["clause"] != "—" else ()))
    return out


def render_diff_html(diff: dict, impact: dict | None, old, new, t=None) -> str:
    """The difference between two revisions (and whom it affects) as one self-contained page, in the
    language of `t` (an i18n.Texts; default: the new revision's primary language)."""
    if t is None:
        from .i18n import texts_for
        t = texts_for(new.manifest)
    from .impact.report import html_section
    impact_html = Markup(html_section(impact, t)) if impact else None
    return render_page("diff.html.j2", diff=diff, impact=impact, impact_html=impact_html, clauses=_diff_clauses(diff, old, new),
                       css=Markup(shared_css()), old=diff["old"], new=diff["new"], back=None, t=t)
