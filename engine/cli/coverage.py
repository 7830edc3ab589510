"""`certrules coverage`: the clause map of a rule set, and whether every encoded clause is tested."""
from __future__ import annotations

from ..errors import EXIT_FINDINGS, EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, out, rulesets_for


def register(sub) -> None:
    s = sub.add_parser("coverage", help="the clause map of a rule set and the share of clauses encoded")
    s.add_argument("ruleset", nargs="*")
    s.add_argument("-o", "--output")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..coverage import coverage_report
    status = EXIT_OK
    for folder in rulesets_for(args.ruleset, args.rulesets, args.family):
        text, complete = coverage_report(folder, args.lang)
        out(text, args.output)
        if not complete:
            status = EXIT_FINDINGS
    return status
