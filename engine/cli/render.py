"""`certrules render`: one of the rule set's documents for a case."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_OK, UsageError
from .common import add_family_option, add_lang_option, add_rulesets_option, load_case, out


def register(sub) -> None:
    s = sub.add_parser("render", help="render one of the rule set's documents (its templates/) for a case")
    s.add_argument("document", help="the document's name: a template DOCUMENT.html.j2 of the rule set")
    s.add_argument("case")
    s.add_argument("--format", choices=["html", "pdf"], default="html")
    s.add_argument("--revision", help="use this revision (A/2, FAMILY/REVISION, ...) instead of the one in force")
    add_lang_option(s)
    add_family_option(s)
    s.add_argument("-o", "--output")
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..evaluation import evaluate
    from ..render import render_document
    case, rs, selection = load_case(args.case, args)
    result = evaluate(rs, case, label=str(args.case), selection=selection)
    data = render_document(rs, result, args.document, args.format, case=case, lang=args.lang)
    if args.format == "pdf" and not args.output:
        raise UsageError("--format pdf needs -o FILE")
    if isinstance(data, bytes):
        from ..files import write_atomic
        write_atomic(Path(args.output), data, mode="wb")
    else:
        out(data, args.output)
    if args.output:
        from ..i18n import texts_for
        t = texts_for(rs.manifest, args.lang)
        print(t("wrote", path=args.output), file=sys.stderr)
    return EXIT_OK
