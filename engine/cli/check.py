"""`certrules check`: validate and lint rule sets."""
from __future__ import annotations

from ..errors import EXIT_FINDINGS, EXIT_OK
from .common import add_family_option, add_rulesets_option, rulesets_for


def register(sub) -> None:
    s = sub.add_parser("check", help="validate and lint rule sets (exit 1 on errors)")
    s.add_argument("ruleset", nargs="*", help="rule-set folder or revision (default: all found)")
    s.add_argument("--strict", action="store_true", help="warnings count as errors")
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..errors import RuleSetError
    from ..ruleset import load_ruleset
    status = EXIT_OK
    from ..corpus import load_profile
    for folder in rulesets_for(args.ruleset, args.rulesets, args.family):
        what = ""
        try:
            rs = load_ruleset(folder)
            what = "the generator profile has "
            load_profile(rs)       # generate.yaml, when there is one
        except RuleSetError as exc:
            print(f"✗ {folder}: {what}{len([p for p in exc.problems if p.severity == 'error'])} error(s)")
            for p in exc.problems:
                print(f"  {p}")
            status = EXIT_FINDINGS
            continue
        print(f"✓ {folder}: {rs.name}, {len(rs.elements)} elements, {len(rs.warnings)} warning(s)")
        for p in rs.warnings:
            print(f"  {p}")
        if args.strict and rs.warnings:
            status = EXIT_FINDINGS
    return status
