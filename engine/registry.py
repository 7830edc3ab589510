"""Finding rule sets and choosing the revision that applies to a case.

Rule sets are found in the bundled `rulesets/`, in directories given with `--rulesets`, and in
those listed in the environment variable CERTRULES_RULESETS (separated by the OS path separator).
They are grouped by family and ordered by effective date. A case gets the revision it names
(`A/1`, `A1`, `ZBC-SC-2024-A1` all work) or the one in force on its `as_of` date.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import RevisionError, RuleSetError
from .paths import data_dir
from .yamlio import YamlError, load_file

ENV_VAR = "CERTRULES_RULESETS"


@dataclass(frozen=True)
class Entry:
    folder: Path
    family: str
    code: str
    revision: str
    effective: str
    status: str
    provenance: str
    superseded_by: str | None = None

    @property
    def label(self) -> str:
        return f"{self.code} {self.revision}"


def search_dirs(extra=()) -> list[Path]:
    dirs = [Path(d) for d in extra]
    env = os.environ.get(ENV_VAR)
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs.append(data_dir("rulesets"))
    return dirs


def _entry(folder: Path) -> Entry | None:
    try:
        m = load_file(folder / "ruleset.yaml").data
    except YamlError:
        return None
    if not isinstance(m, dict) or not all(isinstance(m.get(k), str) for k in ("family", "code", "revision", "effective")):
        return None
    return Entry(folder, m["family"], m["code"], m["revision"], m["effective"], str(m.get("status", "approved")),
                 str(m.get("provenance", "authoritative")), m.get("superseded_by"))


def find_rulesets(extra=()) -> list[Entry]:
    """Every rule set found, the first found winning when two folders hold the same code and revision."""
    seen = {}
    for d in search_dirs(extra):
        if not d.is_dir():
            continue
        candidates = [d] if (d / "ruleset.yaml").is_file() else sorted(p for p in d.iterdir() if (p / "ruleset.yaml").is_file())
        for folder in candidates:
            e = _entry(folder)
            if e is not None and (e.code, e.revision) not in seen:
                seen[(e.code, e.revision)] = e
    return sorted(seen.values(), key=lambda e: (e.family, e.effective, e.revision))


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def matches(entry: Entry, wanted: str) -> bool:
    w = _norm(wanted)
    return w in (_norm(entry.revision), _norm(entry.folder.name), _norm(entry.code + entry.revision))


def families(entries) -> list[str]:
    return sorted({e.family for e in entries})


def choose(entries: list[Entry], as_of, revision: str | None = None, family: str | None = None) -> tuple[Entry, str]:
    """The entry to use and, in words, why."""
    if not entries:
        raise RevisionError("no rule sets found (looked in: " + ", ".join(str(d) for d in search_dirs()) + ")")
    if family:
        entries = [e for e in entries if e.family == family or _norm(e.family) == _norm(family)]
        if not entries:
            raise RevisionError(f"no rule set of family '{family}'")
    if revision:
        hits = [e for e in entries if matches(e, revision)]
        if not hits:
            known = ", ".join(f"{e.revision} ({e.folder.name})" for e in entries)
            raise RevisionError(f"unknown revision '{revision}'; known revisions: {known}")
        if len({e.family for e in hits}) > 1:
            raise RevisionError(f"revision '{revision}' exists in several families ({', '.join(families(hits))}); name one with --family")
        return hits[0], f"revision {hits[0].revision} named by the case or the command line"
    if len(families(entries)) > 1:
        raise RevisionError(f"several rule-set families are available ({', '.join(families(entries))}); name one with --family")
    day = as_of if isinstance(as_of, date) else _date(as_of)
    approved = [e for e in entries if e.status == "approved"]
    in_force = [e for e in approved if _date(e.effective) <= day]
    if not in_force:
        first = min((e.effective for e in approved), default="(none approved)")
        raise RevisionError(f"no revision of {entries[0].family} was in force on {day.isoformat()}; the first took effect on {first}")
    e = max(in_force, key=lambda x: (x.effective, x.revision))
    return e, f"revision {e.revision} in force on {day.isoformat()} (effective {e.effective})"


def _date(text) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise RevisionError(f"'{text}' is not a date (write YYYY-MM-DD)") from None


_CACHE: dict = {}


def load_cached(folder: Path):
    """Load (check and compile) a rule set once per process and folder contents."""
    from .loader import digest_of
    from .ruleset import load_ruleset
    key = (str(Path(folder).resolve()), digest_of(Path(folder)))
    if key not in _CACHE:
        _CACHE[key] = load_ruleset(folder)
    return _CACHE[key]


def select_ruleset(case: dict, revision: str | None = None, dirs=(), family: str | None = None):
    """(RuleSet, selection dict) for a case: its `revision`, or the one in force on its `as_of`."""
    wanted = revision or case.get("revision")
    if wanted is not None and not isinstance(wanted, str):
        wanted = str(wanted)
    as_of = case.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        try:
            as_of = date.fromisoformat(str(as_of))
        except ValueError:
            from .errors import CaseError
            raise CaseError(f"as_of: '{case.get('as_of')}' is not a valid date (write YYYY-MM-DD)") from None
    if wanted is None and as_of is None:
        raise RevisionError("the case has no as_of date, so no revision can be chosen for it")
    try:
        entry, why = choose(find_rulesets(dirs), as_of, wanted, family)
    except RevisionError as exc:
        # name the case's field that led here, unless the command line chose
        field = "revision" if wanted is not None and revision is None else "as_of" if wanted is None else None
        if field is None or not case.get(field):
            raise
        raise RevisionError(f"the case's {field} ({case.get(field)}): {exc.message}") from None
    try:
        rs = load_cached(entry.folder)
    except RuleSetError:
        raise
    return rs, {"revision": entry.revision, "code": entry.code, "folder": entry.folder.name, "reason": why}
