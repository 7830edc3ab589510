"""certrules: a declarative rules-as-data engine.

The Python API (the command line `certrules` does the same):

    import engine
    rs = engine.load_ruleset("rulesets/ZBC-SC-2025-A2")      # read, check, compile once
    result = engine.evaluate(rs, {"as_of": "2026-03-01", ...})  # a result document (dict)
    rs, why = engine.select_ruleset(case)                     # the revision a case names, or the one in force

Imports are lazy so that `import engine` stays cheap for the command line.
"""
__version__ = "0.1.0"

__all__ = ["load_ruleset", "evaluate", "select_ruleset", "find_rulesets", "CertrulesError", "__version__"]


def __getattr__(name):
    if name == "load_ruleset":
        from .ruleset import load_ruleset
        return load_ruleset
    if name == "evaluate":
        from .evaluation import evaluate
        return evaluate
    if name in ("select_ruleset", "find_rulesets"):
        from . import registry
        return getattr(registry, name)
    if name == "CertrulesError":
        from .errors import CertrulesError
        return CertrulesError
    raise AttributeError(name)
