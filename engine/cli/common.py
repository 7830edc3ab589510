"""What several commands share: where output goes, and how a rule set or a case is named."""
from __future__ import annotations

import sys
from pathlib import Path


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse words the error)."""
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def add_rulesets_option(sp) -> None:
    sp.add_argument("--rulesets", action="append", default=[], metavar="DIR",
                    help="also look for rule sets in DIR (repeatable; env CERTRULES_RULESETS too)")


def add_lang_option(sp) -> None:
    sp.add_argument("--lang", metavar="LANG", help="the language to show (one of the rule set's languages; "
                                                   "default: the locale's if the rule set has it, else its primary one)")


def add_family_option(sp) -> None:
    sp.add_argument("--family", help="the rule-set family that revisions are named in, when several are found "
                                     "(or write FAMILY/REVISION, e.g. QMS-AT/A/1)")


def out(text: str, output: str | None = None) -> None:
    if output:
        from ..files import write_atomic
        write_atomic(Path(output), text)
    else:
        sys.stdout.write(on_terminal(text, sys.stdout))


def on_terminal(text: str, stream) -> str:
    """Text for `stream`: on a terminal, without the controls a case or rule set could put in it (an ESC
    would start an escape sequence); a file or a pipe gets the bytes as they are."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        from ..report import visible
        return visible(text)
    return text


def rulesets_for(paths, dirs, family=None):
    """Rule-set folders named on the command line (folders or revisions), or every one found (of `family`)."""
    from ..registry import choose, find_rulesets, of_family
    if paths:
        return [Path(p) if Path(p).is_dir() else choose(find_rulesets(dirs), None, p, family)[0].folder for p in paths]
    entries = find_rulesets(dirs)
    # a family with no rule set is an error, not an empty run
    return [e.folder for e in (of_family(entries, family) if family else entries)]


def load_named(name, dirs, family=None):
    """A rule set given as a folder or as a revision (A/1, A1, folder name, FAMILY/REVISION)."""
    from ..registry import choose, find_rulesets, load_cached
    folder = Path(name) if Path(name).is_dir() else choose(find_rulesets(dirs), None, name, family)[0].folder
    return load_cached(folder)


def load_latest(dirs, family=None):
    """The latest revision of `family`, or of the one family found."""
    from ..registry import find_rulesets, latest, load_cached
    return load_cached(latest(find_rulesets(dirs), family).folder)


def load_case(path, args):
    """A case file and the rule set it is evaluated by, with the reason for that choice."""
    from ..case import read_case_file
    from ..registry import select_ruleset
    case = read_case_file(path)
    if args.revision and Path(args.revision).is_dir():     # a folder path names its rule set (README)
        from ..registry import _entry, load_cached, select_entry, spelling
        from ..errors import RevisionError
        from ..i18n import Msg
        entry = _entry(Path(args.revision))
        if entry is None:
            raise RevisionError(Msg("err_no_manifest", manifest="ruleset.yaml", folder=args.revision))
        entry, selection = select_entry(case, [entry], spelling(entry))
        return case, load_cached(entry.folder), selection
    rs, selection = select_ruleset(case, args.revision, args.rulesets, args.family)
    return case, rs, selection
