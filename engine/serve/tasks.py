"""What a worker process does (workers.py runs these): evaluate a case, render a document.

Each rule set is loaded once per digest in each worker. A result for the API is returned as the
exact text `certrules eval --format json` prints (UTF-8 bytes), made here so the server's event loop only passes
it on; the workbench gets the result document itself.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CaseError, RuleSetError
from ..evaluation import evaluate as _run
from ..jsonout import dumpb
from .bodies import EVALUATE_KEYS, options, parse_body
from .catalog import select_in
from .problems import bad_request, problem_of

_RULESETS: dict = {}
KEEP = 32            # rule sets kept per worker (digests of folders that changed fall out)


def ruleset(folder: str, digest: str):
    rs = _RULESETS.get(digest)
    if rs is None:
        from ..registry import load_cached
        rs = load_cached(Path(folder))
        if rs.digest != digest:
            raise RuleSetError(f"the rule set in '{Path(folder).name}' changed while it was being read; try again")
        if len(_RULESETS) >= KEEP:
            _RULESETS.pop(next(iter(_RULESETS)))
        _RULESETS[digest] = rs
    return rs


def warm(rulesets) -> None:
    for folder, digest in rulesets:
        try:
            ruleset(folder, digest)
        except Exception:   # noqa: BLE001 - reported when a request asks for this rule set
            pass


def _evaluate(rs, case, selection, trace, outputs, label):
    try:
        return _run(rs, case, trace=trace, label=label, selection=selection, outputs=outputs)
    except CaseError as exc:
        # the field paths, so that the API and the form can say which field is wrong
        from ..schemas import case_problems
        exc.fields = [(p.path, p.message) for p in case_problems(rs.case_validator, case)] \
            if isinstance(case, dict) else []
        raise


def evaluate(folder, digest, case, selection, trace=True, outputs=None, label="the case", as_json=True):
    result = _evaluate(ruleset(folder, digest), case, selection, trace, outputs, label)
    return dumpb(result) if as_json else result


_OFFER: list = []   # the server's rule sets (catalog Items), as it last sent them
_CHOSEN: dict = {}  # what select_in made of the fields it reads, for the offer above


def _select(case, revision, family):
    """select_in's answer, kept per the only things it reads (the case's revision, family and as_of, and
    the request's), when they are plain text: cases sent again and again name the same few, and choosing
    costs a tenth of evaluating one."""
    if not isinstance(case, dict):
        return select_in(_OFFER, case, revision, family)
    key = (revision, family, case.get("revision"), case.get("family"), case.get("as_of"))
    if not all(k is None or type(k) is str for k in key):
        return select_in(_OFFER, case, revision, family)
    hit = _CHOSEN.get(key)
    if hit is None:
        hit = select_in(_OFFER, case, revision, family)     # a mistake is raised, never kept
        if len(_CHOSEN) >= 256:
            _CHOSEN.clear()
        _CHOSEN[key] = hit
    return hit[0], dict(hit[1])


def answer(raw: bytes, ctype: str, offer=None):
    """POST /api/v1/evaluate of one case, from the body's bytes as they came to the response's:
    (status, digest of the rule set used or None, body), or None for a batch (the server spreads its
    cases over the workers). `offer` is the server's list of rule sets when it changed since the last call."""
    if offer is not None:
        _OFFER[:] = offer
        _CHOSEN.clear()
    digest = None
    try:
        doc = parse_body(raw, ctype, EVALUATE_KEYS)
        if "cases" in doc:
            return None
        opts = options(doc)
        if "case" not in doc:
            raise bad_request("send either 'case' (one case) or 'cases' (a list of cases)")
        item, selection = _select(doc["case"], opts["revision"], opts["family"])
        digest = item.digest
        return 200, digest, evaluate(str(item.folder), digest, doc["case"], selection, opts["trace"], opts["outputs"])
    except Exception as exc:   # noqa: BLE001 - a mistake is answered here; a bug goes to the server as one
        problem = problem_of(exc)
        if problem.code == "internal":
            raise
        return problem.status, digest, dumpb(problem.body())


def render(folder, digest, case, selection, document, label="the case", lang=None) -> str:
    """The document as HTML, as `certrules render` writes it (a case that does not earn it: CaseError)."""
    from ..render import render_html
    rs = ruleset(folder, digest)
    result = _evaluate(rs, case, selection, True, None, label)
    return render_html(rs, result, document, case, lang)


TASKS = {"warm": warm, "evaluate": evaluate, "answer": answer, "render": render}
