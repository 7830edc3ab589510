"""Helpers shared by the expression tests (a plain module: a conftest imported by name would clash with other folders' conftest)."""
from engine.feel import compile_expr, to_feel


def run(text, env=None, **kw):
    """Evaluate `text` with a plain-Python env; returns (value, diagnostics)."""
    diags: list[str] = []
    value = compile_expr(text, **kw).evaluate(to_feel(env or {}), diags)
    return value, diags


def val(text, env=None, **kw):
    return run(text, env, **kw)[0]

