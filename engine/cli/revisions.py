"""`certrules revisions`: the rule sets found, by family and effective date."""
from __future__ import annotations

from ..errors import EXIT_OK
from .common import add_lang_option, add_rulesets_option


def register(sub) -> None:
    s = sub.add_parser("revisions", help="list the rule sets found, by family and effective date")
    add_lang_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..i18n import Texts, choose, catalogues
    from ..registry import find_rulesets
    entries = find_rulesets(args.rulesets)
    # several rule sets, perhaps in several languages: --lang, else the locale's, else English
    t = Texts(choose(["en"] + [c for c in catalogues() if c != "en"], args.lang))
    if not entries:
        print(t("revisions_none"))
        return EXIT_OK
    fam = None
    for e in entries:
        if e.family != fam:
            fam = e.family
            print(f"{fam}")
        flags = [t.word("status", e.status)]
        if e.provenance != "authoritative":
            flags.append(t.word("provenance", e.provenance))
        if e.status == "approved" and any(o is not e and o.family == e.family and o.status == "approved"
                                          and o.effective == e.effective for o in entries):
            flags.append(t("revisions_same_day"))     # the case's date cannot choose between them
        print(f"  {e.effective}  {e.revision:<6} {e.code:<14} {e.folder.name:<22} {t('list_separator').join(flags)}")
    return EXIT_OK
