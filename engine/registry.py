"""Finding rule sets and choosing the revision that applies to a case.

Rule sets are found in the bundled `rulesets/`, in directories given with `--rulesets`, and in
those listed in the environment variable CERTRULES_RULESETS (separated by the OS path separator).
They are grouped by family and ordered by effective date. A case gets the revision it names
(`A/1`, `A1`, `ZBC-SC-2024-A1` all work; `FAMILY/REVISION`, e.g. `QMS-AT/A/1`, when several families
have that revision), within the `family` it names, or the one in force on its `as_of` date.
"""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from .errors import RevisionError, RuleSetError
from .i18n import Msg, either
from .paths import data_dir
from .record import Frozen
from .yamlio import MAX_FILE_BYTES, YamlError, decode, parse

ENV_VAR = "CERTRULES_RULESETS"


class Entry(Frozen):
    __slots__ = __match_args__ = ("folder", "family", "code", "revision", "effective", "status", "provenance",
                                  "superseded_by")

    def __init__(self, folder: Path, family: str, code: str, revision: str, effective: str, status: str,
                 provenance: str, superseded_by: str | None = None):
        set_ = object.__setattr__
        set_(self, "folder", folder)
        set_(self, "family", family)
        set_(self, "code", code)
        set_(self, "revision", revision)
        set_(self, "effective", effective)
        set_(self, "status", status)
        set_(self, "provenance", provenance)
        set_(self, "superseded_by", superseded_by)

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
    from .cachefile import by_content
    from .folder import RefusedPath, read_member
    try:
        raw = read_member(folder, "ruleset.yaml", MAX_FILE_BYTES)   # a manifest linked from outside is not read
    except RefusedPath:
        return None
    fields = by_content("manifests", raw, _entry_fields)     # parsed once per text, not at every command
    return Entry(folder, *fields) if fields is not None else None


def _entry_fields(raw: bytes) -> tuple | None:
    """An Entry's fields (but the folder) from a manifest's bytes; None when it is not a rule set's."""
    try:
        m = parse(decode(raw), ".yaml").data
    except YamlError:
        return None
    if not isinstance(m, dict) or not all(isinstance(m.get(k), str) for k in ("family", "code", "revision", "effective")):
        return None
    return (m["family"], m["code"], m["revision"], m["effective"], str(m.get("status", "approved")),
            str(m.get("provenance", "authoritative")), m.get("superseded_by"))


def find_rulesets(extra=()) -> list[Entry]:
    """Every rule set found, the first found winning when two folders hold the same family, code and revision."""
    seen = {}
    for d in search_dirs(extra):
        if not d.is_dir():
            continue
        candidates = [d] if (d / "ruleset.yaml").is_file() else sorted(p for p in d.iterdir() if (p / "ruleset.yaml").is_file())
        for folder in candidates:
            e = _entry(folder)
            if e is not None and (e.family, e.code, e.revision) not in seen:
                seen[(e.family, e.code, e.revision)] = e
    return sorted(seen.values(), key=lambda e: (e.family, e.effective, e.revision))


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def matches(entry: Entry, wanted: str) -> bool:
    """Does a bare name (A/1, A1, the folder name, CODE-REVISION) name this entry?"""
    w = _norm(wanted)
    return w in (_norm(entry.revision), _norm(entry.folder.name), _norm(entry.code + entry.revision))


def same_family(entry: Entry, family: str) -> bool:
    return entry.family == family or _norm(entry.family) == _norm(family)


def spelling(entry: Entry) -> str:
    """The one name that always picks this entry out: FAMILY/REVISION."""
    return f"{entry.family}/{entry.revision}"


def families(entries) -> list[str]:
    return sorted({e.family for e in entries})


def resolve(entries: list[Entry], name: str) -> tuple[list[Entry], bool]:
    """The entries a revision name picks out, and whether the name was qualified by a family.

    A name is a bare revision (`A/1`, `A1`, a folder name) or `FAMILY/REVISION` (`QMS-AT/A/1`,
    `QMS-AT/A1`). Revisions themselves may contain '/', so every split after a '/' whose left side is
    a known family is tried; a bare reading is tried too, and all readings are kept.
    """
    if not str(name).isprintable():     # 'A2\0' is no spelling of A2, though its letters and digits are
        return [], False
    hits = [e for e in entries if matches(e, name)]
    qualified = False
    known = families(entries)
    for i, ch in enumerate(name):
        if ch != "/" or i == 0:
            continue
        fam, rest = name[:i], name[i + 1:]
        if rest and any(_norm(f) == _norm(fam) for f in known):
            more = [e for e in entries if same_family(e, fam) and matches(e, rest)]
            qualified = qualified or bool(more)
            hits += [e for e in more if e not in hits]
    return hits, qualified


def _near(word: str, choices) -> str:
    from .suggest import did_you_mean
    return did_you_mean(word, choices)


class FamilyNeeded(RevisionError):
    """Several families are available and nothing says which one is meant."""


def _family_needed(entries) -> FamilyNeeded:
    return FamilyNeeded(Msg("err_family_needed", families=", ".join(families(entries))))


class AmbiguousRevision(RevisionError):
    """A bare revision that several families have: `candidates` are the entries it could mean."""

    def __init__(self, message: str, name: str, candidates: list[Entry]):
        super().__init__(message)
        self.name = name
        self.candidates = candidates


def of_family(entries: list[Entry], family: str | None) -> list[Entry]:
    """The entries of `family` (all when None); none found, or none of that family, is an error."""
    if not entries:
        raise RevisionError(Msg("err_no_rulesets", dirs=", ".join(str(d) for d in search_dirs())))
    if not family:
        return entries
    known = families(entries)
    entries = [e for e in entries if same_family(e, family)]
    if not entries:
        raise RevisionError(Msg("err_no_family", family=family, hint=_near(family, known), families=", ".join(known)))
    return entries


def choose(entries: list[Entry], as_of, revision: str | None = None, family: str | None = None) -> tuple[Entry, str]:
    """The entry to use and, in words, why."""
    entries = of_family(entries, family)
    if revision:
        hits, _ = resolve(entries, revision)
        if not hits:
            several = len(families(entries)) > 1
            names = [spelling(e) if several else e.revision for e in entries]
            shown = ", ".join(f"{n} ({e.folder.name})" for n, e in zip(names, entries))
            raise RevisionError(Msg("err_unknown_revision", revision=revision,
                                    hint=_near(revision, names + [e.folder.name for e in entries]), known=shown))
        if len({e.family for e in hits}) > 1:
            raise AmbiguousRevision(Msg("err_ambiguous_revision", revision=revision, families=", ".join(families(hits)),
                                        spellings=either([spelling(e) for e in hits])), revision, hits)
        return hits[0], f"revision {hits[0].revision} named by the case or the command line"
    if len(families(entries)) > 1:
        raise _family_needed(entries)
    day = as_of if isinstance(as_of, date) else _date(as_of)
    approved = [e for e in entries if e.status == "approved"]
    in_force = [e for e in approved if _date(e.effective) <= day]
    if not in_force:
        first = min((e.effective for e in approved), default="(none approved)")
        raise RevisionError(Msg("err_none_in_force", family=entries[0].family, day=day.isoformat(), first=first))
    newest = max(_date(e.effective) for e in in_force)
    tied = [e for e in in_force if _date(e.effective) == newest]
    if len(tied) > 1:       # no order of revision names is theirs to guess: the body says which one applies
        raise RevisionError(Msg("err_in_force_tie", family=tied[0].family, day=day.isoformat(),
                                effective=newest.isoformat(), revisions=", ".join(f"{e.revision} ({e.folder.name})" for e in tied)))
    e = tied[0]
    return e, f"revision {e.revision} in force on {day.isoformat()} (effective {e.effective})"


def latest(entries: list[Entry], family: str | None = None) -> Entry:
    """The latest revision (by effective date, drafts included) of `family`, or of the one family found."""
    entries = of_family(entries, family)
    if len(families(entries)) > 1:
        raise _family_needed(entries)
    return max(entries, key=lambda x: (x.effective, x.revision))


def _date(text) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise RevisionError(Msg("err_not_a_date", text=text)) from None


_CACHE: dict = {}


def load_cached(folder: Path):
    """Load (check and compile) a rule set once per process and folder contents (its digest, from the
    stat index of digest_index.py): from memory, else from the user's cache folder (with its generated
    code: engine/codegen/cache.py), else from its files, then kept in both."""
    from .codegen import cache
    from . import digest_index
    where = str(Path(folder).resolve())
    digest = digest_index.digest(Path(folder))
    key = (where, digest)
    rs = _CACHE.get(key)
    if rs is None:
        disk_key = f"{digest}\0{where}"
        rs = cache.load(disk_key)
        if rs is None:
            from .ruleset import load_ruleset
            rs = load_ruleset(folder)
            cache.store(rs, disk_key)
        _CACHE[key] = rs
    return rs


SELECTION_FIELDS = ("revision", "family")   # what a case may say about the rule set it is evaluated by


def select_ruleset(case: dict, revision: str | None = None, dirs=(), family: str | None = None):
    """(RuleSet, selection dict) for a case: the revision it (or the command line) names, within the
    family it (or the command line) names, or else the one in force on its `as_of`.

    The command line wins over the case: `--revision` over the case's `revision`, `--family` over its
    `family`. A command-line revision qualified by a family (QMS-AT/A/1) sets the family too.
    """
    entry, selection = select_entry(case, find_rulesets(dirs), revision, family)
    return load_cached(entry.folder), selection


def select_entry(case: dict, entries: list[Entry], revision: str | None = None, family: str | None = None):
    """(Entry, selection dict) for a case among `entries` (select_ruleset without the loading; a server
    chooses among the rule sets it has already found)."""
    def text(key):
        v = case.get(key)
        return None if v is None else v if isinstance(v, str) else str(v)
    case_revision, case_family = text("revision"), text("family")
    wanted = revision or case_revision
    fam = family
    if fam is None and case_family is not None and not (revision and resolve(entries, revision)[1]):
        fam = case_family
    as_of = case.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        try:
            as_of = date.fromisoformat(str(as_of))
        except ValueError:
            from .errors import CaseError
            raise CaseError(Msg("err_case_as_of_invalid", value=case.get('as_of'))) from None
    if wanted is None and as_of is None:
        raise RevisionError(Msg("err_case_no_as_of"))
    if fam is not None and entries and not any(same_family(e, fam) for e in entries):
        try:
            of_family(entries, fam)
        except RevisionError as exc:
            if family is not None:
                raise
            raise RevisionError(Msg("err_case_field", field="family", value=case_family, error=exc.message)) from None
    try:
        entry, why = choose(entries, as_of, wanted, fam)
    except AmbiguousRevision as exc:
        if revision is not None:
            raise
        fams = families(exc.candidates)
        raise RevisionError(Msg("err_case_revision_ambiguous", revision=case_revision, families=", ".join(fams),
                                either_family=either([f"'family: {f}'" for f in fams]),
                                either_revision=either([f"'revision: {spelling(e)}'" for e in exc.candidates]))) from None
    except FamilyNeeded as exc:
        if wanted is not None:
            raise
        raise RevisionError(Msg("err_case_family_needed", error=exc.message,
                                either_family=either([f"'family: {f}'" for f in families(entries)]))) from None
    except RevisionError as exc:
        # name the case's field that led here, unless the command line chose
        if revision is None and wanted is not None:
            field = "revision"
        elif wanted is None:
            field = "as_of"
        else:
            raise
        if not case.get(field):
            raise
        raise RevisionError(Msg("err_case_field", field=field, value=case.get(field), error=exc.message)) from None
    return entry, {"revision": entry.revision, "family": entry.family, "code": entry.code, "folder": entry.folder.name,
                   "by": "name" if wanted is not None else "date", "reason": why}
