"""Reading a rule-set folder: its files, validated against the schemas, with every node located.

The folder holds `ruleset.yaml` (identity), the case schema it names, rule modules (any other
`*.yaml` at the top level), `clauses.yaml` (the clause map), `generate.yaml` (the generator
profile, read by engine/corpus), `tests/` and `templates/`.
Nothing outside the folder is read: every file is reached through folder.py (`member`), which refuses
a path that leaves the folder, a symbolic link pointing out, and anything that is not a regular file.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .errors import Problem, ProblemList
from .i18n import Msg
from .folder import RefusedPath, is_member, listed, member, read_member
from .record import Record
from .yamlio import MAX_FILE_BYTES, Document, YamlError, load_member, shared_values

MANIFEST = "ruleset.yaml"
CLAUSE_MAP = "clauses.yaml"
GENERATOR_PROFILE = "generate.yaml"   # how cases are generated (engine/corpus): not a rules file
SECTIONS = ("parameters", "functions", "tables", "rules", "decision_tables", "checks", "state_machines")


class SourceFile(Record):
    __slots__ = __match_args__ = ("rel", "doc")

    def __init__(self, rel: str, doc: Document):
        self.rel = rel      # path relative to the rule-set folder, with forward slashes
        self.doc = doc

    def locate(self, path, message: str, severity: str = "error", detail: str | None = None,
               line_offset: int = 0, col: int | None = None) -> Problem:
        line, c = self.doc.mark(path)
        if line is not None:
            line += line_offset
        return Problem(message, file=self.rel, line=line, col=col or c, path=format_path(path),
                       severity=severity, detail=detail)


class RuleSetSource(Record):
    __slots__ = __match_args__ = ("root", "manifest", "case_schema", "modules", "clause_map", "problems", "digest")

    def __init__(self, root: Path, manifest: SourceFile | None = None, case_schema: SourceFile | None = None,
                 modules: list[SourceFile] | None = None, clause_map: SourceFile | None = None,
                 problems: ProblemList | None = None, digest: str = ""):
        self.root = root
        self.manifest = manifest
        self.case_schema = case_schema
        self.modules = [] if modules is None else modules
        self.clause_map = clause_map
        self.problems = ProblemList() if problems is None else problems
        self.digest = digest


# A family or code names rule sets (FAMILY/REVISION) and folders (CODE-REV): letters and digits of
# any script, then also '-', '_' and '.'; never '/', '\\', a space, a control character or '..'.
_PLAIN_NAME = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")


def is_plain_name(text: str) -> bool:
    return bool(_PLAIN_NAME.fullmatch(text)) and ".." not in text and text.isprintable()


def plain_name_problem(what: str, text: str):
    """The sentence refusing a family or code that is no plain name (loader and patch share it)."""
    return Msg("err_not_a_plain_name", what=what, name=ascii(text)[1:-1] if not text.isprintable() else text)


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def rule_files(root: Path) -> list[str]:
    """The files that make up a rule set (relative names), in a stable order: for the digest."""
    return listed(root)[0]


def _colliding(files: list[str]):
    """(name, the earlier name it collides with) for each file whose path equals an earlier one's once
    letter case and Unicode form are ignored, as macOS and Windows file systems do ('A.yaml' and
    'a.yaml', 'é' composed and decomposed)."""
    import unicodedata
    seen: dict[str, str] = {}
    for rel in files:
        key = unicodedata.normalize("NFC", rel).casefold()
        if key in seen:
            yield rel, seen[key]
        else:
            seen[key] = rel


def digest_of(root: Path) -> str:
    """sha256 over a canonical form: each file's relative path and its text with normalised newlines.
    (digest_index.py gives the same value without reading the files that have not changed.)"""
    return combined_digest((rel, file_digest(root, rel)) for rel in rule_files(root))


def file_digest(root: Path, rel: str) -> str:
    """The sha256 of one file of the rule set, newlines normalised."""
    try:
        data = read_member(root, rel, MAX_FILE_BYTES).replace(b"\r\n", b"\n")
    except RefusedPath as exc:   # too big, or changed since it was listed: its name and why
        data = exc.reason.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def combined_digest(files) -> str:
    """The rule set's digest from (relative name, file_digest) in rule_files order."""
    h = hashlib.sha256()
    for rel, file_hash in files:
        h.update(rel.encode("utf-8") + b"\0" + file_hash.encode() + b"\n")
    return "sha256:" + h.hexdigest()


def _read(root: Path, rel: str, problems: ProblemList) -> SourceFile | None:
    try:
        doc = load_member(root, rel)
    except YamlError as exc:
        problems.add(exc.message, file=rel, line=exc.line, col=exc.col, path=format_path(exc.path) or None)
        return None
    return SourceFile(rel, doc)


def read_ruleset_folder(root: Path) -> RuleSetSource:
    with shared_values():      # all the files of the rule set together: yamlio.MAX_RULESET_NODES
        return _read_ruleset_folder(Path(root))


def _read_ruleset_folder(root: Path) -> RuleSetSource:
    from .schemas import validate_document      # jsonschema only when files are read (not for a digest)
    src = RuleSetSource(root=root)
    problems = src.problems
    if not root.is_dir():
        problems.add(Msg("err_not_a_folder", folder=root))
        return src
    if not is_member(root, MANIFEST):
        if (root / MANIFEST).exists() or (root / MANIFEST).is_symlink():
            src.manifest = _read(root, MANIFEST, problems)   # says why it is refused
        else:
            problems.add(Msg("err_no_manifest", manifest=MANIFEST, folder=root), file=MANIFEST)
        return src
    files = rule_files(root)
    src.digest = combined_digest((rel, file_digest(root, rel)) for rel in files)
    for rel, other in _colliding(files):
        problems.add(Msg("err_names_differ_in_case", other=other), file=rel)
    src.manifest = _read(root, MANIFEST, problems)
    if src.manifest is not None:
        problems.extend(validate_document(src.manifest, "manifest"))
    manifest = src.manifest.doc.data if src.manifest and isinstance(src.manifest.doc.data, dict) else {}
    for key in ("family", "code"):
        if isinstance(manifest.get(key), str) and not is_plain_name(manifest[key]):
            problems.items.append(src.manifest.locate((key,), plain_name_problem(key, manifest[key])))

    schema_name = manifest.get("case_schema")
    if isinstance(schema_name, str):
        line = src.manifest.doc.mark(("case_schema",))[0]
        try:
            member(root, schema_name)
        except RefusedPath as exc:
            problems.add(f"case_schema {exc.message}", file=MANIFEST, line=line)
        else:
            src.case_schema = _read(root, schema_name, problems)
            if src.case_schema is not None:
                problems.extend(validate_document(src.case_schema, "case_schema"))

    skip = {MANIFEST, CLAUSE_MAP, GENERATOR_PROFILE} | ({schema_name} if isinstance(schema_name, str) else set())
    top, refused = listed(root, recursive=False, suffixes=(".yaml", ".yml"))
    for exc in refused:
        if exc.rel not in skip:
            problems.add(f"this file {exc.reason}", file=exc.rel)
    for rel in top:
        if rel in skip:
            continue
        if src.case_schema is None and rel.endswith((".schema.yaml", ".schema.yml")):
            continue  # the case schema the manifest failed to name: not a rules file (one error, not two)
        sf = _read(root, rel, problems)
        if sf is None:
            continue
        if not isinstance(sf.doc.data, dict):
            problems.add(Msg("err_rules_not_mapping"), file=sf.rel, line=1)
            continue
        problems.extend(validate_document(sf, "module"))
        src.modules.append(sf)

    if (root / CLAUSE_MAP).exists() or (root / CLAUSE_MAP).is_symlink():
        src.clause_map = _read(root, CLAUSE_MAP, problems)
        if src.clause_map is not None:
            problems.extend(validate_document(src.clause_map, "clause_map"))
    return src
