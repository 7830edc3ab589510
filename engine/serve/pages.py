"""The workbench: server-rendered pages for the body's staff, Chinese first with English beside.

Every page works without JavaScript (there is none): forms post, rows are added by posting the form,
a running impact analysis refreshes itself with a meta refresh. Pages are templates in
engine/serve/templates/, rendered in the engine's sandbox. The documents, the diff and the rulebook
are the library's own pages, shown as they are (inside a workbench page where that helps).
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import CaseError, CertrulesError
from ..jsonout import dumps
from . import forms, language
from .api import server
from .problems import HTTPProblem, not_found, problem_of
from .requestlog import used
from .security import csp, style_hashes

TEMPLATES = Path(__file__).resolve().parent / "templates"
SEVERITIES = (("error", "错误", "Errors"), ("warning", "警告", "Warnings"), ("note", "提示", "Notes"))
MAX_FORM_FIELDS = 20_000


@functools.lru_cache(maxsize=1)
def _env():
    from ..render import environment
    env = environment(TEMPLATES)
    env.globals.update(ui_lang=language.current, lang_links=language.switch_links)   # per request (a context variable)
    return env


def page(template: str, status: int = 200, **context) -> HTMLResponse:
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def error_page(problem: HTTPProblem) -> HTMLResponse:
    return page("error.html.j2", problem.status, problem=problem)


def framed(html: str) -> HTMLResponse:
    """One of the library's own pages (a document, the diff), as it is; its inline styles allowed by hash."""
    return HTMLResponse(html, headers={"content-security-policy": csp(style_hashes(html), framed=True)})


def q(text) -> str:
    return quote(str(text), safe="")


# ------------------------------------------------------------------ home, rule sets, rulebook, coverage

async def home(request):
    s = server(request)
    return page("home.html.j2", items=s.catalog.items(), examples=len(s.examples or []))


async def timeline(request):
    s = server(request)
    families: dict = {}
    for item in s.catalog.items():
        try:
            rs = await s.ruleset(item)
            problem = None
        except CertrulesError as exc:
            rs, problem = None, str(exc)
        families.setdefault(item.family, []).append({"item": item, "rs": rs, "problem": problem,
                                                     "manifest": rs.manifest if rs else {}})
    for revs in families.values():
        for prev, cur in zip([None] + revs, revs):
            cur["previous"] = prev["item"] if prev else None
    return page("rulesets.html.j2", families=families)


async def _item(request, key="ruleset"):
    s = server(request)
    item = s.find(request.path_params[key])
    used(request, item.digest)
    return s, item, await s.ruleset(item)


async def coverage(request):
    import asyncio
    s, item, rs = await _item(request)
    rows = await asyncio.to_thread(s.catalog.coverage, item)
    encoded = sum(1 for r in rows if r["encoded_by"])
    return page("coverage.html.j2", item=item, rs=rs, rows=rows, encoded=encoded)


async def _rulebook(s, item):
    import asyncio
    return await asyncio.to_thread(s.catalog.rulebook, item)


async def rulebook_page(request):
    s, item, rs = await _item(request)
    name = request.path_params.get("page") or "index.html"
    book = await _rulebook(s, item)
    data = book.pages.get(name)           # a page of the built site, looked up by name, never a path
    if data is None:
        raise not_found(f"the rulebook of {rs.name} has no page '{name}'")
    html = data.decode("utf-8")
    return HTMLResponse(html, headers={"content-security-policy": csp(style_hashes(html))})


async def rulebook_index(request):
    return RedirectResponse(f"/rulebook/{q(request.path_params['ruleset'])}/index.html", 303)


async def rulebook_clause(request):
    s, item, rs = await _item(request)
    book = await _rulebook(s, item)
    return RedirectResponse(f"/rulebook/{q(item.id)}/{book.page_for(clause=request.path_params['clause'])}", 303)


async def rulebook_element(request):
    s, item, rs = await _item(request)
    book = await _rulebook(s, item)
    eid = request.path_params["element"]
    el = rs.elements.get(eid)
    target = book.page_for(clause=el.clause if el else None, element=eid)
    return RedirectResponse(f"/rulebook/{q(item.id)}/{target}", 303)


# ------------------------------------------------------------------ the case form

_TREES: dict = {}


def field_tree(item, rs) -> forms.Field:
    tree = _TREES.get(item.digest)
    if tree is None:
        tree = _TREES[item.digest] = forms.build(rs.case_schema)
    return tree


def _problems(rs, case, label: str) -> tuple[str | None, dict]:
    """The command line's message for a case that does not fit the schema, and its problems by field path."""
    from ..case import validate_case
    from ..schemas import case_problems
    try:
        validate_case(rs, case, label)
    except CaseError as exc:
        by_path: dict = {}
        for p in case_problems(rs.case_validator, case):
            by_path.setdefault(p.path, []).append(language.pair(p.message))
        return language.pair(exc), by_path
    return None, {}


def form_page(request, item, rs, state, errors=None, message=None, status=200, note=None):
    s = server(request)
    root = field_tree(item, rs)
    errors = {k: list(v) for k, v in (errors or {}).items()}
    node = forms.view(root, state, errors)
    placed = forms.all_errors(node)
    unplaced = [(p, m) for p, ms in errors.items() for m in ms]     # paths no field shows (e.g. an unknown key)
    return page("case_form.html.j2", status, item=item, rs=rs, root=node, placed=placed, unplaced=unplaced,
                message=message, note=note, examples=s.examples or [],
                action=f"/rulesets/{q(item.id)}/case")


async def case_form(request):
    s, item, rs = await _item(request)
    root = field_tree(item, rs)
    wanted = request.query_params.get("example")
    note = None
    if wanted:
        ex = next((e for e in s.examples or [] if e.id == wanted), None)
        if ex is None:
            raise not_found(f"no example case '{wanted}'")
        state = forms.from_case(root, copy.deepcopy(ex.case))
        note = ex
    else:
        state = forms.empty(root)
    return form_page(request, item, rs, state, note=note)


async def read_form(request):
    return await request.form(max_fields=MAX_FORM_FIELDS, max_files=1,
                              max_part_size=server(request).settings.max_body)


async def case_form_post(request):
    s, item, rs = await _item(request)
    root = field_tree(item, rs)
    form = await read_form(request)
    state = forms.from_form(root, form)
    action = str(form.get("_action") or "evaluate")
    if action not in ("evaluate", "yaml"):
        forms.apply(root, state, action)
        return form_page(request, item, rs, state)
    try:
        case = forms.to_case(root, state)
    except forms.FormErrors as exc:
        errors: dict = {}
        for p, m in exc.fields:
            errors.setdefault(p, []).append(m)
        return form_page(request, item, rs, state, errors, "the form has inputs that cannot be read", 422)
    if action == "yaml":
        return Response(forms.yaml_text(case), media_type="application/yaml; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="case.yaml"'})
    return await evaluate_case(request, item, rs, case, "the case", revision=item.id)


async def evaluate_case(request, item, rs, case, label, revision=None, family=None):
    """Check the case at its fields (the form again if it does not fit), evaluate it, show the result."""
    s = server(request)
    message, errors = _problems(rs, case, label)
    root = field_tree(item, rs)
    if message:
        return form_page(request, item, rs, forms.from_case(root, case), errors, message, 422)
    try:
        chosen, selection = s.select(case, revision, family)
        used(request, chosen.digest)
        result = await s.evaluate(chosen, case, selection, label=label, as_json=False)
    except Exception as exc:   # noqa: BLE001 - each becomes its plain message (problems.py); a bug is re-raised
        problem = problem_of(exc)
        if problem.status >= 500 and problem.code == "internal":
            raise
        by_path = {p["path"]: [p["message"]] for p in problem.problems}
        return form_page(request, item, rs, forms.from_case(root, case), by_path, problem.message, problem.status)
    stored = s.results.add(item=chosen, case=case, selection=selection, result=result, label=label)
    return RedirectResponse(f"/results/{stored.id}", 303)


# ------------------------------------------------------------------ paste, upload, examples

async def cases_page(request, message=None, text="", status=200, revision=""):
    s = server(request)
    return page("cases.html.j2", status, items=s.catalog.items(), examples=s.examples or [], message=message,
                text=text, revision=revision)


async def cases_get(request):
    return await cases_page(request)


def _parse_text(text: str, name: str):
    from ..yamlio import YamlError, parse_json, parse_yaml
    as_json = name.lower().endswith(".json") or (not name.lower().endswith((".yaml", ".yml"))
                                                 and text.lstrip().startswith("{"))
    try:
        return (parse_json(text) if as_json else parse_yaml(text)).data
    except YamlError as exc:
        where = f"{name}:{exc.line}" + (f":{exc.col}" if exc.col else "") if exc.line else name
        raise CaseError(f"{where}: {exc.message}") from None


async def cases_post(request):
    s = server(request)
    form = await read_form(request)
    revision = str(form.get("revision") or "").strip() or None
    mode = str(form.get("mode") or "evaluate")
    text = str(form.get("text") or "")
    upload = form.get("file")
    example = str(form.get("example") or "")
    try:
        if example:
            ex = next((e for e in s.examples or [] if e.id == example), None)
            if ex is None:
                raise not_found(f"no example case '{example}'")
            case, label = copy.deepcopy(ex.case), ex.name
        elif upload is not None and getattr(upload, "filename", None):
            raw = await upload.read()
            label = Path(upload.filename).name or "the uploaded case"
            try:
                body = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CaseError(f"{label}: the file is not UTF-8 text (bad byte at offset {exc.start})") from None
            case = _parse_text(body, label)
        elif text.strip():
            case, label = _parse_text(text, "the pasted case"), "the pasted case"
        else:
            raise CaseError("paste a case, choose a file or pick an example")
        item, _ = s.select(case, revision)
        rs = await s.ruleset(item)
    except (CertrulesError, HTTPProblem) as exc:
        problem = problem_of(exc)
        return await cases_page(request, problem.message, text, problem.status if problem.status != 404 else 422,
                                revision or "")
    used(request, item.digest)
    if mode == "form":
        return form_page(request, item, rs, forms.from_case(field_tree(item, rs), case), note=None)
    return await evaluate_case(request, item, rs, case, label, revision=revision)


# ------------------------------------------------------------------ results

def _stored(request):
    stored = server(request).results.get(request.path_params["rid"])
    if stored is None:
        raise not_found("this result is no longer kept by the server (it keeps the latest ones); evaluate the case again")
    used(request, stored.item.digest)
    return stored


def _value_text(value) -> str:
    from ..render import display
    if isinstance(value, dict) and "state" in value:
        return str(value["state"]) + (f"（自 since {value['since']}）" if value.get("since") else "")
    text = display(value)
    return text if len(text) <= 300 else text[:280] + " …"


def _title(el):
    t = el.title if el is not None else None
    if isinstance(t, dict):
        return t.get("zh") or "", t.get("en") or ""
    return (str(t), "") if t else ("", "")


async def result_page(request):
    s = server(request)
    stored = _stored(request)
    rs = await s.ruleset(stored.item)
    result = stored.result
    base = f"/results/{stored.id}"
    rb = f"/rulebook/{q(stored.item.id)}"
    order = [k for k in rs.manifest.get("outputs") or [] if k in result["values"]]

    def row(eid):
        el = rs.elements.get(eid)
        zh, en = _title(el)
        return {"id": eid, "zh": zh, "en": en, "text": _value_text(result["values"][eid]),
                "clause": el.clause if el else "", "clause_href": f"{rb}/element/{q(eid)}",
                "explain": f"{base}/explain/{q(eid)}"}
    headline = [row(k) for k in order]
    rest = [row(k) for k in result["values"] if k not in order]
    groups = []
    for sev, zh, en in SEVERITIES:
        found = [dict(f, href=f"{rb}/clause/{q(f['clause'])}") for f in result["findings"] if f["severity"] == sev]
        if found:
            groups.append({"severity": sev, "zh": zh, "en": en, "findings": found})
    other = [f for f in result["findings"] if f["severity"] not in {x[0] for x in SEVERITIES}]
    if other:
        groups.append({"severity": "other", "zh": "其他", "en": "Other", "findings": other})
    from ..render import chromium, documents
    from ..report import summary
    return page("result.html.j2", stored=stored, rs=rs, result=result, headline=headline, rest=rest, groups=groups,
                documents=documents(rs), pdf=chromium() is not None, base=base, rulebook=rb,
                cli=summary(result, rs))


async def explain_page(request):
    s = server(request)
    stored = _stored(request)
    rs = await s.ruleset(stored.item)
    eid = request.path_params["element"]
    el = rs.elements.get(eid)
    if el is None:
        raise not_found(f"{rs.name} has no element '{eid}'")
    result = stored.result
    entry = (result.get("trace") or {}).get(eid, {})
    base = f"/results/{stored.id}"
    links = {other: f"{base}/explain/{q(other)}" for other in rs.elements}
    from ..rulebook import highlight
    from ..report import explain
    exprs = [(key, highlight(el.raw[key], links)) for key in ("when", "expr", "key", "assert") if key in el.raw]
    lets = [(k, highlight(v, links)) for k, v in (el.raw.get("let") or {}).items()] if isinstance(el.raw.get("let"), dict) else []
    inputs = [{"name": n, "text": _value_text(v), "href": links.get(n)} for n, v in (entry.get("inputs") or {}).items()]
    shown = {"kind", "clause", "defined_at", "title", "interpretation", "value", "inputs"}
    extra = [(k, v) for k, v in entry.items() if k not in shown]
    related = [f for f in result["findings"] if f["id"] == eid or f["id"].startswith(eid + ".")]
    zh, en = _title(el)
    value = result["values"].get(eid, entry.get("value"))
    return page("explain.html.j2", stored=stored, rs=rs, el=el, zh=zh, en=en, exprs=exprs, lets=lets, inputs=inputs,
                extra=extra, related=related, value=_value_text(value), base=base,
                rulebook=f"/rulebook/{q(stored.item.id)}/element/{q(eid)}",
                clause_href=f"/rulebook/{q(stored.item.id)}/clause/{q(el.clause)}", cli=explain(result, rs, eid))


async def _document(request, stored, name):
    """The document's HTML for a stored result, rendered once per language; a refusal is kept as its problem."""
    s = server(request)
    key = (name, language.library_lang())
    if key not in stored.documents:
        try:
            stored.documents[key] = await s.render_html(stored.item, stored.case, stored.selection, name, stored.label,
                                                        lang=key[1])
        except Exception as exc:   # noqa: BLE001 - kept as the problem it is (a bug re-raised below)
            problem = problem_of(exc)
            if problem.code == "internal":
                raise
            if problem.code == "not_found":
                raise problem
            stored.documents[key] = problem
    return stored.documents[key]


async def document_page(request):
    stored = _stored(request)
    name = request.path_params["document"]
    doc = await _document(request, stored, name)
    from ..render import chromium
    base = f"/results/{stored.id}"
    if isinstance(doc, HTTPProblem):
        return page("document.html.j2", doc.status, stored=stored, name=name, problem=doc, base=base)
    return page("document.html.j2", stored=stored, name=name, problem=None, base=base, pdf=chromium() is not None,
                src=f"{base}/documents/{q(name)}/html")


async def document_html(request):
    stored = _stored(request)
    doc = await _document(request, stored, request.path_params["document"])
    if isinstance(doc, HTTPProblem):
        raise doc
    return framed(doc)


async def document_pdf(request):
    stored = _stored(request)
    name = request.path_params["document"]
    doc = await _document(request, stored, name)
    if isinstance(doc, HTTPProblem):
        raise doc
    pdf = await server(request).print_pdf(doc)
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="{name}.pdf"'})


async def result_json(request):
    stored = _stored(request)
    return Response(dumps(stored.result), media_type="application/json; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="result.json"'})


async def result_case(request):
    stored = _stored(request)
    return Response(forms.yaml_text(stored.case), media_type="application/yaml; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="case.yaml"'})


# ------------------------------------------------------------------ revisions: compare, impact

async def compare(request):
    s = server(request)
    items = s.catalog.items()
    old, new = request.query_params.get("old"), request.query_params.get("new")
    chosen = None
    if old and new:
        a, b = s.find(old), s.find(new)
        used(request, f"{a.digest},{b.digest}")
        d = await s.diff(a, b)
        chosen = {"old": a, "new": b, "summary": d["summary"],
                  "src": "/compare/diff?" + urlencode({"old": a.id, "new": b.id})}
    return page("compare.html.j2", items=items, chosen=chosen, jobs=s.jobs.recent() if s.jobs else [],
                max_corpus=s.settings.max_corpus)


async def compare_diff(request):
    from .api import diff_text
    s = server(request)
    a, b = s.find(request.query_params.get("old", "")), s.find(request.query_params.get("new", ""))
    used(request, f"{a.digest},{b.digest}")
    html, _ = await diff_text(s, a, b, "html", language.library_lang())
    return framed(html)


async def impact_post(request):
    s = server(request)
    form = await request.form(max_fields=100, max_files=3, max_part_size=s.settings.max_body)
    a, b = s.find(str(form.get("old") or "")), s.find(str(form.get("new") or ""))
    used(request, f"{a.digest},{b.digest}")
    try:
        job = await s.jobs.submit(a, b, form)
    except CertrulesError as exc:
        problem = problem_of(exc)
        return page("compare.html.j2", problem.status, items=s.catalog.items(), chosen=None, jobs=s.jobs.recent(),
                    message=problem.message, max_corpus=s.settings.max_corpus)
    return RedirectResponse(f"/jobs/{job.id}", 303)


def _job(request):
    job = server(request).jobs.get(request.path_params["jid"])
    if job is None:
        raise not_found("no such impact analysis (the server keeps the latest ones)")
    used(request, f"{job.old.digest},{job.new.digest}")
    return job


async def job_page(request):
    job = _job(request)
    return page("job.html.j2", job=job, src=f"/jobs/{job.id}/report")


async def job_report(request):
    job = _job(request)
    if job.report is None:
        raise not_found("the impact analysis has not finished")
    return framed(job.report)


# ------------------------------------------------------------------ the token, for a person

async def login_get(request, message=None, status=200):
    nxt = request.query_params.get("next", "/")
    return page("login.html.j2", status, next=nxt if nxt.startswith("/") and not nxt.startswith("//") else "/",
                message=message, needed=server(request).settings.token is not None)


async def login_post(request):
    from .security import TOKEN_COOKIE, token_matches
    s = server(request)
    form = await request.form(max_fields=10, max_files=0, max_part_size=64 * 1024)
    nxt = str(form.get("next") or "/")
    nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
    token = str(form.get("token") or "")
    if s.settings.token is None or not token_matches(token, s.settings.token):
        return await login_get(request, "令牌不对 The token is not right", 401)
    response = RedirectResponse(nxt, 303)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


async def stylesheet(request):
    css = (Path(__file__).resolve().parent / "static" / "workbench.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})


async def favicon(request):
    return Response(status_code=204)     # pages that are not the workbench's (the rulebook) ask for one


ROUTES = [
    Route("/", home, name="home"),
    Route("/favicon.ico", favicon, name="favicon"),
    Route("/rulesets", timeline, name="rulesets"),
    Route("/rulesets/{ruleset}/coverage", coverage, name="coverage"),
    Route("/rulesets/{ruleset}/case", case_form, methods=["GET"], name="case_form"),
    Route("/rulesets/{ruleset}/case", case_form_post, methods=["POST"], name="case_form_post"),
    Route("/rulebook/{ruleset}/", rulebook_index, name="rulebook_index"),
    Route("/rulebook/{ruleset}/clause/{clause:path}", rulebook_clause, name="rulebook_clause"),
    Route("/rulebook/{ruleset}/element/{element}", rulebook_element, name="rulebook_element"),
    Route("/rulebook/{ruleset}/{page}", rulebook_page, name="rulebook_page"),
    Route("/cases", cases_get, methods=["GET"], name="cases"),
    Route("/cases", cases_post, methods=["POST"], name="cases_post"),
    Route("/results/{rid}", result_page, name="result"),
    Route("/results/{rid}/result.json", result_json, name="result_json"),
    Route("/results/{rid}/case.yaml", result_case, name="result_case"),
    Route("/results/{rid}/explain/{element}", explain_page, name="explain"),
    Route("/results/{rid}/documents/{document}", document_page, name="document"),
    Route("/results/{rid}/documents/{document}/html", document_html, name="document_html"),
    Route("/results/{rid}/documents/{document}/pdf", document_pdf, name="document_pdf"),
    Route("/compare", compare, name="compare"),
    Route("/compare/diff", compare_diff, name="compare_diff"),
    Route("/compare/impact", impact_post, methods=["POST"], name="impact"),
    Route("/jobs/{jid}", job_page, name="job"),
    Route("/jobs/{jid}/report", job_report, name="job_report"),
    Route("/login", login_get, methods=["GET"], name="login"),
    Route("/login", login_post, methods=["POST"], name="login_post"),
    Route("/static/workbench.css", stylesheet, name="css"),
    Route("/language", language.choose, methods=["GET"], name="language"),
]
