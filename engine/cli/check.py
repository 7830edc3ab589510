"""`certrules check`: validate and lint rule sets."""
from __future__ import annotations

from ..errors import EXIT_FINDINGS, EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, rulesets_for


def register(sub) -> None:
    s = sub.add_parser("check", help="validate and lint rule sets (exit 1 on errors)")
    s.add_argument("ruleset", nargs="*", help="rule-set folder or revision (default: all found)")
    s.add_argument("--strict", action="store_true", help="warnings count as errors")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..corpus import load_profile
    from ..errors import RuleSetError
    from ..i18n import texts_for
    from ..lint import lint_authored
    from ..ruleset import load_ruleset
    status = EXIT_OK
    for folder in rulesets_for(args.ruleset, args.rulesets, args.family):
        rs = None
        try:
            rs = load_ruleset(folder)
            load_profile(rs)       # generate.yaml, when there is one
        except RuleSetError as exc:
            t = texts_for(rs.manifest if rs else {"languages": list(exc.languages)}, args.lang)
            errors = len([p for p in exc.problems if p.severity == "error"])
            print(t("check_profile_failed", folder=folder, errors=errors) if rs else
                  t("check_failed", folder=folder, errors=errors))
            for p in exc.problems:
                print(f"  {t.problem(p)}")
            status = EXIT_FINDINGS
            continue
        t = texts_for(rs.manifest, args.lang)
        authored = lint_authored(rs)       # the tests' expectations and templates/documents.yaml
        errors = [p for p in authored if p.severity == "error"]
        warnings = list(rs.warnings) + [p for p in authored if p.severity != "error"]
        if errors:
            print(t("check_failed", folder=folder, errors=len(errors)))
            status = EXIT_FINDINGS
        else:
            print(t("check_ok", folder=folder, name=rs.name, elements=len(rs.elements), warnings=len(warnings)))
        for p in errors + warnings:
            print(f"  {t.problem(p)}")
        if args.strict and warnings:
            status = EXIT_FINDINGS
    return status
