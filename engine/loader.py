"""Reading a rule-set folder: its files, validated against the schemas, with every node located.

The folder holds `ruleset.yaml` (identity), the case schema it names, rule modules (any other
`*.yaml` at the top level), `clauses.yaml` (the clause map), `tests/` and `templates/`.
Nothing outside the folder is read: a path that leaves it, or a symbolic link pointing out, is refused.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, ProblemList
from .yamlio import Document, YamlError, load_file

MANIFEST = "ruleset.yaml"
CLAUSE_MAP = "clauses.yaml"
SECTIONS = ("parameters", "functions", "tables", "rules", "decision_tables", "checks", "state_machines")


@dataclass
class SourceFile:
    rel: str            # path relative to the rule-set folder, with forward slashes
    doc: Document

    def locate(self, path, message: str, severity: str = "error", detail: str | None = None,
               line_offset: int = 0, col: int | None = None) -> Problem:
        line, c = self.doc.mark(path)
        if line is not None:
            line += line_offset
        return Problem(message, file=self.rel, line=line, col=col or c, path=format_path(path),
                       severity=severity, detail=detail)


@dataclass
class RuleSetSource:
    root: Path
    manifest: SourceFile | None = None
    case_schema: SourceFile | None = None
    modules: list[SourceFile] = field(default_factory=list)
    clause_map: SourceFile | None = None
    problems: ProblemList = field(default_factory=ProblemList)
    digest: str = ""


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def inside(root: Path, candidate: Path) -> bool:
    """True when candidate, with symbolic links resolved, lies inside root."""
    try:
        candidate.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def safe_join(root: Path, rel: str) -> Path | None:
    """Join a path written in a rule file to the rule-set folder; None if it would leave it."""
    if not rel or Path(rel).is_absolute() or "\\" in rel:
        return None
    candidate = root / rel
    return candidate if inside(root, candidate) else None


def rule_files(root: Path) -> list[Path]:
    """All files that make up a rule set, in a stable order (for the digest and for loading)."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts):
            out.append(p)
    return out


def digest_of(root: Path) -> str:
    """sha256 over a canonical form: each file's relative path and its text with normalised newlines."""
    h = hashlib.sha256()
    for p in rule_files(root):
        rel = p.relative_to(root).as_posix()
        if not inside(root, p):
            continue
        data = p.read_bytes().replace(b"\r\n", b"\n")
        h.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return "sha256:" + h.hexdigest()


def _read(root: Path, path: Path, problems: ProblemList) -> SourceFile | None:
    rel = path.relative_to(root).as_posix()
    if not inside(root, path):
        problems.add("this file is a link pointing outside the rule set; it is not read", file=rel)
        return None
    try:
        doc = load_file(path)
    except YamlError as exc:
        problems.add(exc.message, file=rel, line=exc.line, col=exc.col)
        return None
    return SourceFile(rel, doc)


def read_ruleset_folder(root: Path) -> RuleSetSource:
    from .schemas import validate_document      # jsonschema only when files are read (not for a digest)
    root = Path(root)
    src = RuleSetSource(root=root)
    problems = src.problems
    if not root.is_dir():
        problems.add(f"'{root}' is not a rule-set folder (no such directory)")
        return src
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        problems.add(f"no {MANIFEST} in '{root}': a rule-set folder starts with one", file=MANIFEST)
        return src
    src.digest = digest_of(root)
    src.manifest = _read(root, manifest_path, problems)
    if src.manifest is not None:
        problems.extend(validate_document(src.manifest, "manifest"))
    manifest = src.manifest.doc.data if src.manifest and isinstance(src.manifest.doc.data, dict) else {}

    schema_name = manifest.get("case_schema")
    if isinstance(schema_name, str):
        schema_path = safe_join(root, schema_name)
        if schema_path is None:
            problems.add(f"case_schema '{schema_name}' points outside the rule set", file=MANIFEST, line=src.manifest.doc.mark(("case_schema",))[0])
        elif not schema_path.is_file():
            problems.add(f"case_schema '{schema_name}' names a file that does not exist", file=MANIFEST, line=src.manifest.doc.mark(("case_schema",))[0])
        else:
            src.case_schema = _read(root, schema_path, problems)
            if src.case_schema is not None:
                problems.extend(validate_document(src.case_schema, "case_schema"))

    skip = {MANIFEST, CLAUSE_MAP} | ({schema_name} if isinstance(schema_name, str) else set())
    for path in sorted(root.glob("*")):
        if path.name in skip or not path.is_file() or path.suffix not in (".yaml", ".yml"):
            continue
        if src.case_schema is None and path.name.endswith((".schema.yaml", ".schema.yml")):
            continue  # the case schema the manifest failed to name: not a rules file (one error, not two)
        sf = _read(root, path, problems)
        if sf is None:
            continue
        if not isinstance(sf.doc.data, dict):
            problems.add("a rules file must be a mapping of sections (parameters, rules, ...)", file=sf.rel, line=1)
            continue
        problems.extend(validate_document(sf, "module"))
        src.modules.append(sf)

    if (root / CLAUSE_MAP).is_file():
        src.clause_map = _read(root, root / CLAUSE_MAP, problems)
        if src.clause_map is not None:
            problems.extend(validate_document(src.clause_map, "clause_map"))
    return src
