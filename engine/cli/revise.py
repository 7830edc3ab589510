"""`certrules new-revision` and `certrules apply`: making a draft revision, by copy or from a patch."""
from __future__ import annotations

from pathlib import Path

from ..errors import EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, load_named


def register(sub) -> None:
    s = sub.add_parser("apply", help="apply a patch to a rule set, writing a new draft revision folder")
    s.add_argument("patch")
    s.add_argument("--to", required=True, help="the rule set to apply it to")
    s.add_argument("--out", required=True, help="the new rule-set folder")
    s.add_argument("--revision", required=True)
    s.add_argument("--effective", required=True, help="YYYY-MM-DD")
    s.add_argument("--code", help="a new code (default: keep)")
    s.add_argument("--force", action="store_true", help="replace --out if it exists")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run_apply)

    s = sub.add_parser("new-revision", help="scaffold a draft revision by copying a rule set")
    s.add_argument("source", help="the revision to start from")
    s.add_argument("--revision", required=True)
    s.add_argument("--effective", required=True, help="YYYY-MM-DD")
    s.add_argument("--code", help="a new code (default: keep)")
    s.add_argument("--out", help="folder to write (default: beside the source, named CODE-REV)")
    s.add_argument("--force", action="store_true")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run_new_revision)


def run_apply(args) -> int:
    from ..i18n import texts_for
    from ..errors import UsageError
    from ..i18n import Msg
    from ..patch import apply_patch, element_problems, read_patch_source
    from ..ruleset import load_ruleset
    source = read_patch_source(args.patch)
    patch = source.doc.data
    old = load_named(args.to, args.rulesets, args.family)
    problems = element_problems(source, old)
    if problems:
        raise UsageError(Msg("err_patch_not_for", patch=args.patch, ruleset=old.name), problems)
    dest = apply_patch(patch, old.root, Path(args.out), args.revision, args.effective, force=args.force, code=args.code)
    rs = load_ruleset(dest)
    t = texts_for(rs.manifest, args.lang)
    print(t("wrote_applied", dest=dest, name=rs.name, elements=len(rs.elements)))
    return EXIT_OK


def run_new_revision(args) -> int:
    from ..i18n import texts_for
    from ..patch import new_revision
    src = load_named(args.source, args.rulesets, args.family)
    dest = new_revision(src.root, args.revision, args.effective, Path(args.out) if args.out else None, args.force,
                        args.code)
    t = texts_for(src.manifest, args.lang)
    print(t("wrote_new_revision", dest=dest, revision=args.revision, code=src.code, effective=args.effective,
            name=src.name))
    return EXIT_OK
