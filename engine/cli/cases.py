"""`certrules cases ...`: case corpora (generated from a rule set's profile, imported from a register)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_OK, UsageError
from .common import add_family_option, add_lang_option, add_rulesets_option, load_latest, load_named, positive_int


def register(sub) -> None:
    from .parsing import Parser
    s = sub.add_parser("cases", help="case corpora: generate, import")
    cs = s.add_subparsers(dest="cases_command", metavar="ACTION", parser_class=Parser)
    g = cs.add_parser("generate", help="generate a register-like corpus from a rule set's profile (JSON Lines)")
    g.add_argument("--n", type=int, default=100, help="how many cases (default 100)")
    g.add_argument("--seed", type=int, default=1, help="the same seed gives the same corpus (default 1)")
    g.add_argument("--ruleset", help="rule set whose case schema and generate.yaml to use (default: the latest)")
    add_family_option(g)
    g.add_argument("--workers", type=positive_int, default=1, help="processes to generate with (default 1)")
    g.add_argument("-o", "--output", help="file to write (default: standard output)")
    add_rulesets_option(g)
    g.set_defaults(func=run_generate)

    i = cs.add_parser("import", help="a body's register (CSV or XLSX) as cases, through a mapping file")
    i.add_argument("register", help="REGISTER.csv or REGISTER.xlsx, one row per case")
    i.add_argument("--map", required=True, metavar="MAP.yaml", help="how the register's columns become case fields")
    i.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    i.add_argument("--on-error", choices=["refuse", "skip"], default="refuse",
                   help="a bad row: refuse the whole import (default) or skip the row; either way it is reported")
    i.add_argument("--ruleset", help="rule set whose case schema the cases must fit (default: the mapping's, else the latest)")
    add_family_option(i)
    add_lang_option(i)
    add_rulesets_option(i)
    i.set_defaults(func=run_import)
    s.set_defaults(func=lambda a: (s.print_help(), EXIT_OK)[1])


def run_generate(args) -> int:
    from ..corpus import write_corpus
    from ..files import open_atomic
    from ..progress import progress
    if args.n < 0:
        raise UsageError("--n is the number of cases: 0 or more")
    rs = load_named(args.ruleset, args.rulesets, args.family) if args.ruleset else load_latest(args.rulesets, args.family)
    with progress(args.n, f"generating {rs.name}") as advance:
        if args.output:
            with open_atomic(Path(args.output)) as fh:
                write_corpus(rs, args.n, args.seed, fh, workers=args.workers, progress=advance)
        else:
            write_corpus(rs, args.n, args.seed, sys.stdout, workers=args.workers, progress=advance)
    return EXIT_OK


def run_import(args) -> int:
    from ..corpus.register import count_rows, import_register
    from ..progress import progress
    rs = load_named(args.ruleset, args.rulesets, args.family) if args.ruleset else None
    with progress(count_rows(Path(args.register)), f"importing {Path(args.register).name}", unit="row") as advance:
        report = import_register(Path(args.register), Path(args.map), Path(args.output), on_error=args.on_error,
                                 ruleset=rs, dirs=args.rulesets, progress=advance, family=args.family)
    from ..i18n import BASE, Texts, catalogues, choose
    t = Texts(choose([BASE] + [c for c in catalogues() if c != BASE], args.lang))     # as main() says errors
    print(t.say(report.summary()), file=sys.stderr)
    return EXIT_OK
