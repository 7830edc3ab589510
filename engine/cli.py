"""The `certrules` command line.

Every user mistake ends as a CertrulesError: one plain message and a documented exit code
(errors.py). Anything else is a bug: it prints one line asking for a report, and the traceback only
with CERTRULES_DEBUG=1.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import (EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, CertrulesError,
                     UsageError)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _out(text: str, output: str | None = None) -> None:
    if output:
        from .files import write_atomic
        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------- commands

def _rulesets_for(paths, dirs):
    """Rule-set folders named on the command line, or every one found."""
    from .registry import find_rulesets, choose
    if paths:
        out = []
        for p in paths:
            if Path(p).is_dir():
                out.append(Path(p))
            else:
                entries = find_rulesets(dirs)
                entry, _ = choose(entries, None, p)
                out.append(entry.folder)
        return out
    return [e.folder for e in find_rulesets(dirs)]


def cmd_check(args) -> int:
    from .errors import RuleSetError
    from .ruleset import load_ruleset
    status = EXIT_OK
    for folder in _rulesets_for(args.ruleset, args.rulesets):
        try:
            rs = load_ruleset(folder)
        except RuleSetError as exc:
            print(f"✗ {folder}: {len([p for p in exc.problems if p.severity == 'error'])} error(s)")
            for p in exc.problems:
                print(f"  {p}")
            status = EXIT_FINDINGS
            continue
        print(f"✓ {folder}: {rs.name}, {len(rs.elements)} elements, {len(rs.warnings)} warning(s)")
        for p in rs.warnings:
            print(f"  {p}")
        if args.strict and rs.warnings:
            status = EXIT_FINDINGS
    return status


def _load_case(path, args):
    from .case import read_case_file
    from .registry import select_ruleset
    case = read_case_file(path)
    rs, selection = select_ruleset(case, args.revision, args.rulesets, args.family)
    return case, rs, selection


def cmd_eval(args) -> int:
    from .evaluation import evaluate
    from .jsonout import dumps
    from .report import explain, summary
    texts = []
    results = []
    for path in args.case:
        case, rs, selection = _load_case(path, args)
        outputs = [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None
        unknown = [o for o in outputs or [] if o not in rs.elements]
        if unknown:
            raise UsageError(f"--outputs: no element '{unknown[0]}' in {rs.name}")
        result = evaluate(rs, case, trace=not args.no_trace or bool(args.explain), label=str(path), selection=selection,
                          outputs=outputs)
        if args.explain:
            if args.explain not in rs.elements:
                from difflib import get_close_matches
                near = get_close_matches(args.explain, list(rs.elements), n=1)
                raise UsageError(f"--explain: no element '{args.explain}' in {rs.name}"
                                 + (f" (did you mean '{near[0]}'?)" if near else ""))
            texts.append(explain(result, rs, args.explain))
        elif args.format == "json":
            results.append(result)
        else:
            texts.append((f"== {path}\n" if len(args.case) > 1 else "") + summary(result, rs))
    if results:
        _out(dumps(results[0] if len(results) == 1 else results), args.output)
    else:
        _out("\n".join(texts), args.output)
    return EXIT_OK


def cmd_expr(args) -> int:
    import decimal
    from .feel import FEEL_CONTEXT, FeelError, compile_expr, parse_literal_value, to_feel, to_plain
    from .jsonout import dumps
    from .report import show
    from .ruleset import function_registry
    env = {}
    if args.context:
        from .case import read_case_file
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
    from .calendar import function_notes
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


def cmd_revisions(args) -> int:
    from .registry import find_rulesets
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


def cmd_test(args) -> int:
    from .authortests import run_tests
    ok = True
    for folder in _rulesets_for(args.ruleset, args.rulesets):
        ok = run_tests(folder, verbose=args.verbose, out=sys.stdout) and ok
    return EXIT_OK if ok else EXIT_FINDINGS


def cmd_coverage(args) -> int:
    from .coverage import coverage_report
    status = EXIT_OK
    for folder in _rulesets_for(args.ruleset, args.rulesets):
        text, complete = coverage_report(folder)
        _out(text, args.output)
        if not complete:
            status = EXIT_FINDINGS
    return status


def _load_named(name, dirs):
    """A rule set given as a folder or as a revision (A/1, A1, folder name)."""
    from .registry import choose, find_rulesets, load_cached
    folder = Path(name) if Path(name).is_dir() else choose(find_rulesets(dirs), None, name)[0].folder
    return load_cached(folder)


def cmd_diff(args) -> int:
    from .diff import diff_rulesets
    from .diffreport import as_markdown, as_text
    from .jsonout import dumps
    old, new = _load_named(args.old, args.rulesets), _load_named(args.new, args.rulesets)
    if args.format == "patch":
        from .patch import make_patch, to_yaml
        _out(to_yaml(make_patch(old, new), "# certrules patch: apply with `certrules apply PATCH --to OLD --out DIR --revision R --effective DATE`\n"), args.output)
        return EXIT_OK
    diff = diff_rulesets(old, new)
    impact = None
    if args.cases:
        from .impact import impact as run_impact
        impact = run_impact(old.root, new.root, args.cases, workers=args.workers)
        diff["impact"] = impact
    if args.format == "json":
        _out(dumps(diff), args.output)
    elif args.format == "md":
        _out(as_markdown(diff, impact), args.output)
    elif args.format == "html":
        from .render import render_diff_html
        _out(render_diff_html(diff, impact, old, new), args.output)
    else:
        _out(as_text(diff, impact), args.output)
    return EXIT_OK


def cmd_apply(args) -> int:
    from .patch import apply_patch, read_patch
    patch = read_patch(args.patch)
    old = _load_named(args.to, args.rulesets)
    out = apply_patch(patch, old.root, Path(args.out), args.revision, args.effective, force=args.force, code=args.code)
    from .ruleset import load_ruleset
    rs = load_ruleset(out)
    print(f"wrote {out}: {rs.name} (draft), {len(rs.elements)} elements; check it with `certrules check {out}`")
    return EXIT_OK


def cmd_new_revision(args) -> int:
    from .patch import new_revision
    src = _load_named(args.source, args.rulesets)
    out = new_revision(src.root, args.revision, args.effective, Path(args.out) if args.out else None, args.force, args.code)
    print(f"wrote {out}: draft revision {args.revision} of {src.code}, effective {args.effective}, copied from {src.name}")
    return EXIT_OK


def cmd_cases_generate(args) -> int:
    from .generate import generate_cases
    rs = _load_named(args.ruleset, args.rulesets) if args.ruleset else None
    if rs is None:
        from .registry import find_rulesets, load_cached
        entries = find_rulesets(args.rulesets)
        if not entries:
            raise UsageError("no rule set found to generate cases for")
        rs = load_cached(max(entries, key=lambda e: e.effective).folder)
    lines = generate_cases(rs, args.n, args.seed)
    if args.output:
        from .files import write_atomic
        write_atomic(Path(args.output), "".join(lines))
    else:
        sys.stdout.writelines(lines)
    return EXIT_OK


def cmd_render(args) -> int:
    from .evaluation import evaluate
    from .render import render_document
    case, rs, selection = _load_case(args.case, args)
    result = evaluate(rs, case, label=str(args.case), selection=selection)
    data = render_document(rs, result, args.document, args.format, case=case)
    if args.format == "pdf" and not args.output:
        raise UsageError("--format pdf needs -o FILE")
    if isinstance(data, bytes):
        from .files import write_atomic
        write_atomic(Path(args.output), data, mode="wb")
    else:
        _out(data, args.output)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_rulebook(args) -> int:
    from .rulebook import build_rulebook
    rs = _load_named(args.ruleset, args.rulesets)
    out = build_rulebook(rs, Path(args.output), dirs=args.rulesets)
    print(f"wrote the rulebook of {rs.name} to {out} (open {out / 'index.html'})")
    return EXIT_OK


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="certrules", description="A rules-as-data engine: check, test and evaluate rule sets.")
    from . import __version__
    p.add_argument("--version", action="version", version=f"certrules {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(sp, rulesets=True):
        if rulesets:
            sp.add_argument("--rulesets", action="append", default=[], metavar="DIR",
                            help="also look for rule sets in DIR (repeatable; env CERTRULES_RULESETS too)")

    s = sub.add_parser("check", help="validate and lint rule sets (exit 1 on errors)")
    s.add_argument("ruleset", nargs="*", help="rule-set folder or revision (default: all found)")
    s.add_argument("--strict", action="store_true", help="warnings count as errors")
    common(s)
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("eval", help="evaluate cases")
    s.add_argument("case", nargs="+", help="case file (.yaml or .json)")
    s.add_argument("--revision", help="use this revision (A/2, A2 or a folder name) instead of the one in force")
    s.add_argument("--family", help="rule-set family, when several are available")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.add_argument("--explain", metavar="ID", help="explain why a value is what it is")
    s.add_argument("--no-trace", action="store_true", help="leave the trace out of the JSON result")
    s.add_argument("--outputs", metavar="ID,ID", help="evaluate only these values (and what they need)")
    s.add_argument("-o", "--output", help="write to this file instead of the screen")
    common(s)
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("test", help="run the rule-author tests of rule sets")
    s.add_argument("ruleset", nargs="*")
    s.add_argument("-v", "--verbose", action="store_true")
    common(s)
    s.set_defaults(func=cmd_test)

    s = sub.add_parser("expr", help="evaluate one expression (the committee's calculator)")
    s.add_argument("expression")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="give a name a value, e.g. --set score=94.5")
    s.add_argument("--context", metavar="FILE", help="YAML/JSON file whose top-level keys become names")
    s.add_argument("--json", action="store_true", help="print the value as JSON")
    s.set_defaults(func=cmd_expr)

    s = sub.add_parser("revisions", help="list the rule sets found, by family and effective date")
    common(s)
    s.set_defaults(func=cmd_revisions)

    s = sub.add_parser("coverage", help="the clause map of a rule set and the share of clauses encoded")
    s.add_argument("ruleset", nargs="*")
    s.add_argument("-o", "--output")
    common(s)
    s.set_defaults(func=cmd_coverage)

    s = sub.add_parser("diff", help="what changed between two revisions, clause by clause, and whom it affects")
    s.add_argument("old", help="old revision (A/1, A1, folder name or path)")
    s.add_argument("new", help="new revision")
    s.add_argument("--format", choices=["text", "md", "html", "json", "patch"], default="text")
    s.add_argument("--cases", metavar="DIR|FILE.jsonl", help="evaluate these cases under both revisions and report the changes")
    s.add_argument("--workers", type=int, default=None, help="worker processes for --cases (default: all cores)")
    s.add_argument("-o", "--output")
    common(s)
    s.set_defaults(func=cmd_diff)

    s = sub.add_parser("apply", help="apply a patch to a rule set, writing a new draft revision folder")
    s.add_argument("patch")
    s.add_argument("--to", required=True, help="the rule set to apply it to")
    s.add_argument("--out", required=True, help="the new rule-set folder")
    s.add_argument("--revision", required=True)
    s.add_argument("--effective", required=True, help="YYYY-MM-DD")
    s.add_argument("--code", help="a new code (default: keep)")
    s.add_argument("--force", action="store_true", help="replace --out if it exists")
    common(s)
    s.set_defaults(func=cmd_apply)

    s = sub.add_parser("new-revision", help="scaffold a draft revision by copying a rule set")
    s.add_argument("source", help="the revision to start from")
    s.add_argument("--revision", required=True)
    s.add_argument("--effective", required=True, help="YYYY-MM-DD")
    s.add_argument("--code", help="a new code (default: keep)")
    s.add_argument("--out", help="folder to write (default: beside the source, named CODE-REV)")
    s.add_argument("--force", action="store_true")
    common(s)
    s.set_defaults(func=cmd_new_revision)

    s = sub.add_parser("render", help="render one of the rule set's documents (its templates/) for a case")
    s.add_argument("document", help="the document's name: a template DOCUMENT.html.j2 of the rule set")
    s.add_argument("case")
    s.add_argument("--format", choices=["html", "pdf"], default="html")
    s.add_argument("--revision")
    s.add_argument("--family")
    s.add_argument("-o", "--output")
    common(s)
    s.set_defaults(func=cmd_render)

    s = sub.add_parser("rulebook", help="write a rule set as a static, readable site")
    s.add_argument("ruleset")
    s.add_argument("-o", "--output", required=True, help="folder to write")
    common(s)
    s.set_defaults(func=cmd_rulebook)

    s = sub.add_parser("cases", help="case corpora")
    cs = s.add_subparsers(dest="cases_command", metavar="ACTION", parser_class=_Parser)
    g = cs.add_parser("generate", help="generate realistic synthetic cases (JSON Lines)")
    g.add_argument("--n", type=int, default=100)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--ruleset", help="rule set whose case schema and generator hints to use (default: the latest)")
    g.add_argument("-o", "--output")
    common(g)
    g.set_defaults(func=cmd_cases_generate)
    s.set_defaults(func=lambda a: (s.print_help(), EXIT_OK)[1])

    return p


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that cleanup (temporary files, the worker pool) runs."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def main(argv=None) -> int:
    import signal
    import threading
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    for stream in (sys.stdout, sys.stderr):
        # rule sets speak Chinese: output is UTF-8 whatever the locale (PYTHONIOENCODING=latin-1, a cp1252
        # console), so it never fails with UnicodeEncodeError and is the same bytes everywhere
        if (getattr(stream, "encoding", "utf-8") or "").lower().replace("-", "") != "utf8" \
                and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_OK
        return args.func(args)
    except CertrulesError as exc:
        print(f"certrules: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, _Terminated) else "interrupted"
        print(f"certrules: {how} before finishing; no output file was written or left half-written",
              file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: never show a traceback to a user unless asked
        if os.environ.get("CERTRULES_DEBUG"):
            raise
        print(f"certrules: internal error ({type(exc).__name__}: {exc}); this is a bug in certrules — "
              "please report it with the command you ran (CERTRULES_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
