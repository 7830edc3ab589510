"""`certrules cases ...`: case corpora."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_OK
from .common import add_family_option, add_rulesets_option, load_latest, load_named


def register(sub) -> None:
    from . import Parser
    s = sub.add_parser("cases", help="case corpora")
    cs = s.add_subparsers(dest="cases_command", metavar="ACTION", parser_class=Parser)
    g = cs.add_parser("generate", help="generate realistic synthetic cases (JSON Lines)")
    g.add_argument("--n", type=int, default=100)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--ruleset", help="rule set whose case schema and generator hints to use (default: the latest)")
    add_family_option(g)
    g.add_argument("-o", "--output")
    add_rulesets_option(g)
    g.set_defaults(func=run_generate)
    s.set_defaults(func=lambda a: (s.print_help(), EXIT_OK)[1])


def run_generate(args) -> int:
    from ..generate import generate_cases
    rs = load_named(args.ruleset, args.rulesets, args.family) if args.ruleset else load_latest(args.rulesets, args.family)
    lines = generate_cases(rs, args.n, args.seed)
    if args.output:
        from ..files import write_atomic
        write_atomic(Path(args.output), "".join(lines))
    else:
        sys.stdout.writelines(lines)
    return EXIT_OK
