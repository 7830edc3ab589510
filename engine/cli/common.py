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


def out(text: str, output: str | None = None) -> None:
    if output:
        from ..files import write_atomic
        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)


def rulesets_for(paths, dirs):
    """Rule-set folders named on the command line, or every one found."""
    from ..registry import choose, find_rulesets
    if paths:
        found = []
        for p in paths:
            if Path(p).is_dir():
                found.append(Path(p))
            else:
                entries = find_rulesets(dirs)
                entry, _ = choose(entries, None, p)
                found.append(entry.folder)
        return found
    return [e.folder for e in find_rulesets(dirs)]


def load_named(name, dirs):
    """A rule set given as a folder or as a revision (A/1, A1, folder name)."""
    from ..registry import choose, find_rulesets, load_cached
    folder = Path(name) if Path(name).is_dir() else choose(find_rulesets(dirs), None, name)[0].folder
    return load_cached(folder)


def load_case(path, args):
    """A case file and the rule set it is evaluated by, with the reason for that choice."""
    from ..case import read_case_file
    from ..registry import select_ruleset
    case = read_case_file(path)
    rs, selection = select_ruleset(case, args.revision, args.rulesets, args.family)
    return case, rs, selection
