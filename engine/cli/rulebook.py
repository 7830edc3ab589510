"""`certrules rulebook`: a rule set as a static site, clause by clause."""
from __future__ import annotations

from pathlib import Path

from ..errors import EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, load_named


def register(sub) -> None:
    s = sub.add_parser("rulebook", help="write a rule set as a static, readable site")
    s.add_argument("ruleset")
    s.add_argument("-o", "--output", required=True, help="folder to write")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..rulebook import build_rulebook
    rs = load_named(args.ruleset, args.rulesets, args.family)
    dest = build_rulebook(rs, Path(args.output), dirs=args.rulesets, lang=args.lang)
    from ..i18n import texts_for
    t = texts_for(rs.manifest, args.lang)
    print(t("wrote_rulebook", name=rs.name, dest=dest, index=dest / "index.html"))
    return EXIT_OK
