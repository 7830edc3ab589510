"""`certrules test`: run the rule-author tests in a rule set's `tests/`."""
from __future__ import annotations

import sys

from ..errors import EXIT_FINDINGS, EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, rulesets_for


def register(sub) -> None:
    s = sub.add_parser("test", help="run the rule-author tests of rule sets")
    s.add_argument("ruleset", nargs="*")
    s.add_argument("-v", "--verbose", action="store_true")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..authortests import run_tests
    ok = True
    for folder in rulesets_for(args.ruleset, args.rulesets, args.family):
        ok = run_tests(folder, verbose=args.verbose, out=sys.stdout, lang=args.lang) and ok
    return EXIT_OK if ok else EXIT_FINDINGS
