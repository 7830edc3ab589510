"""The `certrules` command line: one module per command, each with `register(sub)` and its `run`.

Every user mistake ends as a CertrulesError: one plain message and a documented exit code
(errors.py). Anything else is a bug: it prints one line asking for a report, and the traceback only
with CERTRULES_DEBUG=1.
"""
from __future__ import annotations

import os
import sys

from ..errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CertrulesError, UsageError

# The commands in the order `certrules --help` lists them.
COMMANDS = ("check", "evaluate", "testing", "expr", "revisions", "coverage", "diff", "revise", "render",
            "rulebook", "cases", "serve")


# The word that starts each command -> the module that registers it. A command line naming one of
# them builds only that command's parser (importing one module, not all: a cold `certrules eval` stays
# quick); anything else (--help, a mistake, a command not listed here) builds them all.
COMMAND_WORDS = {"check": "check", "eval": "evaluate", "test": "testing", "expr": "expr",
                 "revisions": "revisions", "coverage": "coverage", "diff": "diff", "apply": "revise",
                 "new-revision": "revise", "render": "render", "rulebook": "rulebook", "cases": "cases"}


def build_parser(only: str | None = None):
    """The whole command line's parser, or only the parser of the command module `only`."""
    from importlib import import_module
    from .. import __version__
    from .parsing import Parser
    p = Parser(prog="certrules", description="A rules-as-data engine: check, test and evaluate rule sets.")
    p.add_argument("--version", action="version", version=f"certrules {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in ([only] if only else COMMANDS):
        import_module(f".{name}", __name__).register(sub)
    return p


def _command_module(argv) -> str | None:
    """The module of the command the arguments name, when their first word is one (else None)."""
    words = sys.argv[1:] if argv is None else list(argv)
    if not words or words[0].startswith("-"):
        return None
    module = COMMAND_WORDS.get(words[0])
    return module if module in COMMANDS else None


# The options of `eval` that _plain_eval reads itself: each takes one value (the `choices` argparse would
# enforce, where there are any), but --no-trace, a flag. Anything else is argparse's to read or refuse.
_EVAL_VALUES = {"--revision": None, "--family": None, "--format": ("text", "json"), "--explain": None,
                "--outputs": None, "-o": None, "--output": None, "--lang": None, "--rulesets": None}


def _plain_eval(argv):
    """The arguments of `certrules eval CASE... [OPTION VALUE...]` (the cold path issue 13 times), made
    without argparse: importing and building its parser costs as much as the rest of reading the
    command line. Only the plainest spelling is read here: the case files first, then the options of
    _EVAL_VALUES each written whole (`--format json` or `--format=json`) with a value that does not
    start with '-', and --no-trace. Any other command line (an abbreviated or unknown option, `-`,
    `--`, a case after an option, a value argparse would refuse) is left to argparse: None."""
    words = sys.argv[1:] if argv is None else list(argv)
    if len(words) < 2 or words[0] != "eval":
        return None
    from . import evaluate
    args = evaluate.defaults()
    cases, i = [], 1
    while i < len(words) and not words[i].startswith("-"):
        cases.append(words[i])
        i += 1
    if not cases:
        return None
    rulesets = []
    while i < len(words):
        word = words[i]
        if word == "--no-trace":
            args["no_trace"] = True
            i += 1
            continue
        name, eq, value = word.partition("=")
        if name not in _EVAL_VALUES:
            return None
        if not eq:
            if i + 1 == len(words):
                return None
            value = words[i + 1]
            i += 1
        i += 1
        choices = _EVAL_VALUES[name]
        if value.startswith("-") or not value or (choices is not None and value not in choices):
            return None
        if name == "--rulesets":
            rulesets.append(value)
        else:
            args["output" if name == "-o" else name[2:]] = value
    args["rulesets"] = rulesets
    from types import SimpleNamespace
    return SimpleNamespace(command="eval", case=cases, func=evaluate.run, **args)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that cleanup (temporary files, the worker pool) runs."""


_MAIN_PID = os.getpid()


def _on_sigterm(signum, frame):
    if os.getpid() != _MAIN_PID:
        # a forked worker stopped before it installed its own handling (the pool is stopped while the
        # worker is still starting): it dies as SIGTERM kills by default, with no traceback of its own
        import signal
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise _Terminated()


def _in_language(exc: CertrulesError, requested: str | None) -> str:
    """The error in --lang, else the locale's (among the languages of the rule set it is about, when
    known, else among certrules' catalogues), else the rule set's primary language, else English."""
    from ..i18n import BASE, catalogues, texts_for
    # an error about no rule set in particular may be said in any language certrules speaks
    languages = list(exc.languages) or [BASE] + [c for c in catalogues() if c != BASE]
    try:
        return texts_for({"languages": languages}, requested).error(exc)
    except CertrulesError:        # --lang names a language there is no catalogue for: it was said already
        return str(exc)


def main(argv=None) -> int:
    import signal
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:      # not the main thread (main() called by a test or a server's thread): left as it is
        pass
    for stream in (sys.stdout, sys.stderr):
        # rule sets speak Chinese: output is UTF-8 whatever the locale (PYTHONIOENCODING=latin-1, a cp1252
        # console), so it never fails with UnicodeEncodeError and is the same bytes everywhere
        if (getattr(stream, "encoding", "utf-8") or "").lower().replace("-", "") != "utf8" \
                and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = None
    try:
        args = _plain_eval(argv)
        if args is not None:
            return args.func(args)
        parser = build_parser(_command_module(argv))
        args, extra = parser.parse_known_args(argv)
        if extra:
            command = " ".join(filter(None, (getattr(args, "command", None), getattr(args, "cases_command", None))))
            raise UsageError(f"{command + ': ' if command else ''}unrecognized arguments: {' '.join(extra)} "
                             f"(see certrules {command + ' ' if command else ''}--help)")
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_OK
        return args.func(args)
    except CertrulesError as exc:
        from .common import on_terminal
        print(on_terminal(f"certrules: {_in_language(exc, getattr(args, 'lang', None))}", sys.stderr), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, _Terminated) else "interrupted"
        print(f"certrules: {how} before finishing; no output file was written or left half-written",
              file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: never show a traceback to a user unless asked
        if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
            # a path the system refuses (too long, no permission, a loop of links): named, the user's to mend
            name = str(exc.filename)
            name = name if len(name) <= 120 else name[:60] + "..." + name[-40:]
            print(f"certrules: {name}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        if os.environ.get("CERTRULES_DEBUG"):
            raise
        print(f"certrules: internal error ({type(exc).__name__}: {exc}); this is a bug in certrules — "
              "please report it with the command you ran (CERTRULES_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
