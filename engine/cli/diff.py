"""`certrules diff`: what changed between two revisions, clause by clause, and whom it affects."""
from __future__ import annotations

from ..errors import EXIT_OK
from .common import add_family_option, add_lang_option, add_rulesets_option, load_named, out, positive_int


def register(sub) -> None:
    s = sub.add_parser("diff", help="what changed between two revisions, clause by clause, and whom it affects")
    s.add_argument("old", help="old revision (A/1, A1, FAMILY/REVISION, folder name or path)")
    s.add_argument("new", help="new revision")
    s.add_argument("--format", choices=["text", "md", "html", "json", "patch"], default="text")
    s.add_argument("--cases", metavar="DIR|FILE.jsonl", help="evaluate these cases under both revisions and report the changes")
    s.add_argument("--workers", type=positive_int, default=None, help="worker processes for --cases (default: all cores)")
    s.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="where --cases is evaluated: local processes (default) or a Dask cluster")
    s.add_argument("--scheduler", metavar="ADDRESS", help="the Dask scheduler for --executor dask (tcp://host:8786)")
    s.add_argument("-o", "--output")
    add_lang_option(s)
    add_family_option(s)
    add_rulesets_option(s)
    s.set_defaults(func=run)


def run(args) -> int:
    from ..diff import diff_rulesets
    from ..diffreport import as_markdown, as_text
    from ..jsonout import dumps
    old, new = load_named(args.old, args.rulesets, args.family), load_named(args.new, args.rulesets, args.family)
    if args.format == "patch":
        from ..patch import make_patch, to_yaml
        out(to_yaml(make_patch(old, new), "# certrules patch: apply with `certrules apply PATCH --to OLD --out DIR --revision R --effective DATE`\n"), args.output)
        return EXIT_OK
    diff = diff_rulesets(old, new)
    impact = None
    if args.cases:
        from ..corpus.sources import check_unique_ids
        from ..impact import impact as run_impact
        check_unique_ids(args.cases)
        impact = run_impact(old.root, new.root, args.cases, workers=args.workers, executor=args.executor,
                            scheduler=args.scheduler)
        diff["impact"] = impact
    from ..i18n import texts_for
    t = texts_for(new.manifest, args.lang)
    if args.format == "json":
        out(dumps(diff), args.output)
    elif args.format == "md":
        out(as_markdown(diff, impact, t), args.output)
    elif args.format == "html":
        from ..render import render_diff_html
        out(render_diff_html(diff, impact, old, new, t), args.output)
    else:
        out(as_text(diff, impact, t), args.output)
    return EXIT_OK
