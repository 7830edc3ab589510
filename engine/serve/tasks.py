"""What a worker process does (workers.py runs these): evaluate a case, render a document.

Each rule set is loaded once per digest in each worker. A result for the API is returned as the
exact text `certrules eval --format json` prints, made here so the server's event loop only passes
it on; the workbench gets the result document itself.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CaseError, RuleSetError

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
    from ..evaluation import evaluate as run
    try:
        return run(rs, case, trace=trace, label=label, selection=selection, outputs=outputs)
    except CaseError as exc:
        # the field paths, so that the API and the form can say which field is wrong
        from ..schemas import case_problems
        exc.fields = [(p.path, p.message) for p in case_problems(rs.case_validator, case)] \
            if isinstance(case, dict) else []
        raise


def evaluate(folder, digest, case, selection, trace=True, outputs=None, label="the case", as_json=True):
    from ..jsonout import dumps
    result = _evaluate(ruleset(folder, digest), case, selection, trace, outputs, label)
    return dumps(result) if as_json else result


def render(folder, digest, case, selection, document, label="the case", lang=None) -> str:
    """The document as HTML, as `certrules render` writes it (a case that does not earn it: CaseError)."""
    from ..render import render_html
    rs = ruleset(folder, digest)
    result = _evaluate(rs, case, selection, True, None, label)
    return render_html(rs, result, document, case, lang)


TASKS = {"warm": warm, "evaluate": evaluate, "render": render}
