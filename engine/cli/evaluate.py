"""`certrules eval`: evaluate cases and show, explain or write their results."""
from __future__ import annotations

from ..errors import EXIT_OK, UsageError
from .common import add_family_option, add_lang_option, add_rulesets_option, load_case, out


def defaults() -> dict:
    """What each option of `eval` is when not given (also engine/cli/__init__.py `_plain_eval`)."""
    return {"revision": None, "family": None, "format": "text", "explain": None, "no_trace": False,
            "outputs": None, "output": None, "lang": None, "rulesets": []}


def register(sub) -> None:
    s = sub.add_parser("eval", help="evaluate cases")
    s.add_argument("case", nargs="+", help="case file (.yaml or .json)")
    s.add_argument("--revision", help="use this revision (A/2, A2, FAMILY/REVISION or a folder name) instead of the one in force")
    add_family_option(s)
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.add_argument("--explain", metavar="ID", help="explain why a value is what it is")
    s.add_argument("--no-trace", action="store_true", help="leave the trace out of the JSON result")
    s.add_argument("--outputs", metavar="ID,ID", help="evaluate only these values (and what they need)")
    s.add_argument("-o", "--output", help="write to this file instead of the screen")
    add_lang_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run, **defaults())


def run(args) -> int:
    from ..evaluation import evaluate
    from ..i18n import declared, texts_for
    from ..report import explain, summary
    texts = []
    results = []
    for path in args.case:
        case, rs, selection = load_case(path, args)
        outputs = [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None
        unknown = [o for o in outputs or [] if o not in rs.elements]
        languages = declared(rs.manifest)       # the language of the error, as of the output
        if unknown or (args.explain and args.explain not in rs.elements):
            from ..suggest import unknown_element       # difflib only for a mistake
            option, name = ("--outputs", unknown[0]) if unknown else ("--explain", args.explain)
            raise UsageError(unknown_element(option, name, rs), languages=languages)
        # the trace is made when it is shown: in JSON (unless --no-trace) and for --explain; the text
        # summary does not show it, and the values and findings are the same without it
        traced = bool(args.explain) or (args.format == "json" and not args.no_trace)
        result = evaluate(rs, case, trace=traced, label=str(path), selection=selection, outputs=outputs)
        if args.explain:
            texts.append(explain(result, rs, args.explain, texts_for(rs.manifest, args.lang)))
        elif args.format == "json":
            results.append(result)
        else:
            texts.append((f"== {path}\n" if len(args.case) > 1 else "") + summary(result, rs, texts_for(rs.manifest, args.lang)))
    if results:
        from ..jsonout import dumps
        out(dumps(results[0] if len(results) == 1 else results), args.output)
    else:
        out("\n".join(texts), args.output)
    return EXIT_OK
