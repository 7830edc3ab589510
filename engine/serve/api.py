"""The HTTP API under /api/v1: JSON in, JSON out (the library's own documents), described by openapi.py.

Bodies are read as the command line reads a case file: exact decimals, duplicate keys refused,
bounded size and depth. A result is byte for byte what `certrules eval --format json` prints.
"""
from __future__ import annotations

import asyncio

from starlette.responses import Response
from starlette.routing import Route

from ..jsonout import dumpb, dumps
from .bodies import EVALUATE_KEYS, media_type, options, parse_body, text_option
from .problems import HTTPProblem, bad_request, not_found, problem_of, too_large
from .requestlog import used

JSON = "application/json; charset=utf-8"


def server(request):
    return request.app.state.server


def json_response(data, status: int = 200) -> Response:
    body = data if isinstance(data, (bytes, str)) else dumpb(data)
    return Response(body, status_code=status, media_type=JSON)


def problem_response(problem: HTTPProblem) -> Response:
    return json_response(problem.body(), problem.status)


async def read_body(request, allowed: tuple) -> dict:
    """The request's JSON (or YAML) object, with only the keys this endpoint takes."""
    ctype = media_type(request.headers.get("content-type"))
    return parse_body(await request.body(), ctype, allowed)


# ------------------------------------------------------------------ rule sets

def _links(item) -> dict:
    base = f"/api/v1/rulesets/{item.id}"
    return {"self": base, "clauses": base + "/clauses", "elements": base + "/elements",
            "case_schema": base + "/case-schema", "rulebook": f"/rulebook/{item.id}/index.html"}


async def rulesets(request):
    items = server(request).catalog.items()
    return json_response({"rulesets": [dict(it.summary(), links=_links(it)) for it in items]})


async def _item_and_ruleset(request):
    s = server(request)
    item = s.find(request.path_params["ruleset"])
    rs = await s.ruleset(item)
    used(request, item.digest)
    return item, rs


async def ruleset(request):
    item, rs = await _item_and_ruleset(request)
    from ..render import documents
    m = rs.manifest
    out = dict(item.summary(), links=_links(item))
    for key in ("title", "issuer", "supersedes", "source", "changes", "assumptions", "outputs"):
        if m.get(key) is not None:
            out[key] = m[key]
    out["documents"] = documents(rs)
    out["elements"] = len(rs.elements)
    out["clauses"] = len(rs.clause_map)
    return json_response(out)


async def clauses(request):
    _, rs = await _item_and_ruleset(request)
    return json_response({"clauses": [dict(c, clause=str(c["clause"])) for c in rs.clause_map]})


def _element(el, full: bool = False) -> dict:
    out = {"id": el.id, "kind": el.kind, "clause": el.clause, "defined_at": el.location()}
    for key in ("title", "text", "interpretation"):
        if getattr(el, key, None):
            out[key] = getattr(el, key)
    if full:
        out["definition"] = el.raw
    return out


async def elements(request):
    _, rs = await _item_and_ruleset(request)
    return json_response({"elements": [_element(el) for el in rs.elements.values()]})


async def element(request):
    _, rs = await _item_and_ruleset(request)
    el = rs.elements.get(request.path_params["element"])
    if el is None:
        raise not_found(f"{rs.name} has no element '{request.path_params['element']}'")
    return json_response(_element(el, full=True))


async def case_schema(request):
    _, rs = await _item_and_ruleset(request)
    return json_response(rs.case_schema)


# ------------------------------------------------------------------ evaluate, render, diff

async def evaluate(request):
    s = server(request)
    doc = await read_body(request, EVALUATE_KEYS)
    opts = options(doc)
    if ("case" in doc) == ("cases" in doc):
        raise bad_request("send either 'case' (one case) or 'cases' (a list of cases)")
    batch = "cases" in doc
    cases = doc["cases"] if batch else [doc["case"]]
    if batch and not isinstance(cases, list):
        raise bad_request("'cases' must be a list of cases", "cases")
    if len(cases) > s.settings.max_batch:
        raise too_large(f"the batch has {len(cases):,} cases; this server takes at most {s.settings.max_batch:,} "
                        "in one request")

    async def one(i, case):
        label = f"cases[{i}]" if batch else "the case"
        item, selection = s.select(case, opts["revision"], opts["family"])
        digests.append(item.digest)
        return await s.evaluate(item, case, selection, trace=opts["trace"], outputs=opts["outputs"], label=label)

    digests: list = []
    done = await asyncio.gather(*(one(i, c) for i, c in enumerate(cases)), return_exceptions=True)
    if digests:
        used(request, ",".join(dict.fromkeys(digests)))
    for i, value in enumerate(done):
        if isinstance(value, BaseException):
            if not isinstance(value, Exception):
                raise value
            problem = problem_of(value, prefix=f"cases[{i}]" if batch else "")
            raise value if problem.code == "internal" else problem
    if not batch:
        return json_response(done[0])
    return json_response(batch_text(done))


def batch_text(docs: list) -> bytes:
    """The results of several cases as `certrules eval A B --format json` prints them: each result's
    text (dumps at indent 2) one level deeper inside a list, as dumps would write the list."""
    if not docs:
        return b"[]\n"
    return b"[\n  " + b",\n  ".join(d.rstrip(b"\n").replace(b"\n", b"\n  ") for d in docs) + b"\n]\n"


async def render(request):
    s = server(request)
    doc = await read_body(request, ("case", "revision", "family", "format", "lang"))
    opts = options({k: doc.get(k) for k in ("revision", "family")})
    fmt = doc.get("format", "html")
    if fmt not in ("html", "pdf"):
        raise bad_request("'format' must be \"html\" or \"pdf\"", "format")
    if "case" not in doc:
        raise bad_request("send the case to render as 'case'", "case")
    item, selection = s.select(doc["case"], opts["revision"], opts["family"])
    used(request, item.digest)
    html = await s.render_html(item, doc["case"], selection, request.path_params["document"],
                               lang=text_option(doc, "lang"))
    if fmt == "pdf":
        return Response(await s.print_pdf(html), media_type="application/pdf")
    from .security import csp, style_hashes
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": csp(style_hashes(html))})


async def diff(request):
    s = server(request)
    doc = await read_body(request, ("old", "new", "format", "lang"))
    for key in ("old", "new"):
        if not isinstance(doc.get(key), str):
            raise bad_request(f"'{key}' must name a revision, e.g. \"A/1\"", key)
    fmt = doc.get("format", "json")
    if fmt not in ("json", "text", "md", "html", "patch"):
        raise bad_request("'format' must be one of json, text, md, html, patch", "format")
    old, new = s.find(doc["old"]), s.find(doc["new"])
    used(request, f"{old.digest},{new.digest}")
    text, media = await diff_text(s, old, new, fmt, text_option(doc, "lang"))
    return Response(text, media_type=media)


async def diff_text(s, old, new, fmt: str, lang: str | None = None) -> tuple[str, str]:
    """The diff in one of the command line's formats (`certrules diff OLD NEW --format FMT [--lang L]`)."""
    from ..i18n import texts_for
    a, b = await s.ruleset(old), await s.ruleset(new)
    t = texts_for(b.manifest, lang)
    if fmt == "patch":
        from ..patch import make_patch, to_yaml
        text = await asyncio.to_thread(lambda: to_yaml(make_patch(a, b), "# certrules patch: apply with `certrules apply "
                                                       "PATCH --to OLD --out DIR --revision R --effective DATE`\n"))
        return text, "application/yaml; charset=utf-8"
    d = await s.diff(old, new)
    if fmt == "json":
        return dumps(d), JSON
    if fmt == "html":
        from ..render import render_diff_html
        return await asyncio.to_thread(render_diff_html, d, None, a, b, t), "text/html; charset=utf-8"
    from ..diffreport import as_markdown, as_text
    return (as_markdown(d, None, t) if fmt == "md" else as_text(d, None, t)), ("text/markdown; charset=utf-8" if fmt == "md"
                                                             else "text/plain; charset=utf-8")


async def openapi(request):
    from .openapi import document
    return json_response(document())


async def health(request):
    from .. import __version__
    s = server(request)
    return json_response({"status": "ok", "engine": {"name": "certrules", "version": __version__},
                          "rulesets": len(s.catalog.items()), "workers": s.pool.size})


ROUTES = [   # matched in order: the request a system sends most often first
    Route("/api/v1/evaluate", evaluate, methods=["POST"], name="api_evaluate"),
    Route("/api/v1/openapi.json", openapi, methods=["GET"], name="api_openapi"),
    Route("/api/v1/health", health, methods=["GET"], name="api_health"),
    Route("/api/v1/rulesets", rulesets, methods=["GET"], name="api_rulesets"),
    Route("/api/v1/rulesets/{ruleset}", ruleset, methods=["GET"], name="api_ruleset"),
    Route("/api/v1/rulesets/{ruleset}/clauses", clauses, methods=["GET"], name="api_clauses"),
    Route("/api/v1/rulesets/{ruleset}/elements", elements, methods=["GET"], name="api_elements"),
    Route("/api/v1/rulesets/{ruleset}/elements/{element}", element, methods=["GET"], name="api_element"),
    Route("/api/v1/rulesets/{ruleset}/case-schema", case_schema, methods=["GET"], name="api_case_schema"),
    Route("/api/v1/diff", diff, methods=["POST"], name="api_diff"),
    Route("/api/v1/render/{document}", render, methods=["POST"], name="api_render"),
]
