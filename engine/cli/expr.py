"""`certrules expr`: evaluate one expression (the committee's calculator)."""
from __future__ import annotations

import sys

from ..errors import EXIT_OK, UsageError


def register(sub) -> None:
    s = sub.add_parser("expr", help="evaluate one expression (the committee's calculator)")
    s.add_argument("expression")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="give a name a value, e.g. --set score=94.5")
    s.add_argument("--context", metavar="FILE", help="YAML/JSON file whose top-level keys become names")
    s.add_argument("--json", action="store_true", help="print the value as JSON")
    s.set_defaults(func=run)


def run(args) -> int:
    import decimal
    from ..feel import FEEL_CONTEXT, FeelError, compile_expr, parse_literal_value, to_feel, to_plain
    from ..jsonout import dumps
    from ..report import show
    from ..ruleset import function_registry
    env = {}
    if args.context:
        from ..case import read_case_file
        data = read_case_file(args.context)
        env.update({k: to_feel(v) for k, v in data.items()})
    for item in args.set or []:
        if "=" not in item:
            raise UsageError(f"--set {item}: write name=value")
        name, text = item.split("=", 1)
        try:
            env[name.strip()] = parse_literal_value(text)
        except FeelError as exc:
            raise UsageError(f"--set {name}: {exc.message}") from None
    try:
        ce = compile_expr(args.expression, names={k: None for k in env}, functions=function_registry())
    except FeelError as exc:
        raise UsageError(str(exc)) from None
    from ..calendar import function_notes
    diagnostics, notes = [], []
    token = function_notes.set(notes)
    try:
        with decimal.localcontext(FEEL_CONTEXT):
            value = ce.evaluate(env, diagnostics)
    finally:
        function_notes.reset(token)
    plain = to_plain(value)
    print(dumps(plain).strip() if args.json else show(plain))
    for d in diagnostics:
        print(f"note: {d}", file=sys.stderr)
    for n in notes:
        print(f"note: {n.get('en') or n.get('zh')}", file=sys.stderr)
    return EXIT_OK
