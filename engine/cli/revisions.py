"""`certrules revisions`: the rule sets found, by family and effective date."""
from __future__ import annotations

from ..errors import EXIT_OK
from .common import add_rulesets_option


def register(sub) -> None:
    s = sub.add_parser("revisions", help="list the rule sets found, by family and effective date")
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..registry import find_rulesets
    entries = find_rulesets(args.rulesets)
    if not entries:
        print("no rule sets found")
        return EXIT_OK
    fam = None
    for e in entries:
        if e.family != fam:
            fam = e.family
            print(f"{fam}")
        flags = [e.status]
        if e.provenance != "authoritative":
            flags.append(e.provenance)
        print(f"  {e.effective}  {e.revision:<6} {e.code:<14} {e.folder.name:<22} {', '.join(flags)}")
    return EXIT_OK
