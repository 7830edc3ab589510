"""Changes as data: a patch written from a diff, applied to a rule set to make a new revision, and
the scaffold of a draft revision.

A patch lists whole elements to put (with the file and position they take) or remove, the
manifest keys that change, and the case schema and clause map when they change. `apply` copies the
old folder to a staging folder, rewrites only the files the patch touches, and moves the result into
place: never a half-written folder, never an existing folder replaced unless asked.
"""
from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from .errors import RuleSetError, UsageError
from .files import replace_dir_atomic, staging_dir, write_atomic
from .folder import RefusedPath, check_name, copy_folder, listed
from .loader import SECTIONS
from .yamlio import YamlError, load_file, load_member

PATCH_VERSION = 1
IDENTITY = ("code", "revision", "effective", "status", "supersedes", "superseded_by", "provenance", "changes", "assumptions")


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in str(value) else "tag:yaml.org,2002:int",
                                   format(value, "f"))


_Dumper.add_representer(Decimal, _decimal)


def to_yaml(data, header: str = "") -> str:
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def _section_of(rs, eid) -> tuple[str, str, int]:
    el = rs.elements[eid]
    return el.path[0], el.sf.rel, el.path[1]


def make_patch(old, new) -> dict:
    patch: dict = {"certrules_patch": PATCH_VERSION,
                   "from": {"code": old.code, "revision": old.revision, "digest": old.digest},
                   "to": {"code": new.code, "revision": new.revision, "digest": new.digest}}
    sets = {k: v for k, v in new.manifest.items() if k not in IDENTITY and old.manifest.get(k) != v}
    unset = [k for k in old.manifest if k not in new.manifest and k not in IDENTITY]
    if sets or unset:
        patch["manifest"] = {"set": sets, "unset": unset}
    if old.case_schema != new.case_schema:
        patch["case_schema"] = new.case_schema
    ops = []
    for eid in old.elements:
        if eid not in new.elements:
            ops.append({"op": "remove", "id": eid})
    for eid, el in new.elements.items():
        prev = old.elements.get(eid)
        section, rel, index = _section_of(new, eid)
        if prev is not None and prev.raw == el.raw and prev.sf.rel == rel and prev.path[0] == section:
            continue
        ops.append({"op": "put", "id": eid, "file": rel, "section": section, "index": index, "element": el.raw})
    if ops:
        patch["elements"] = ops
    if old.clause_map != new.clause_map:
        patch["clauses"] = new.clause_map
    return patch


def read_patch(path) -> dict:
    """A patch file, checked against schemas/patch.schema.json: every problem with its line, exit 2."""
    from .loader import SourceFile
    try:
        doc = load_file(Path(path))
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise UsageError(f"{where}: {exc.message}") from None
    if not isinstance(doc.data, dict) or "certrules_patch" not in doc.data:
        raise UsageError(f"{path}: not a certrules patch (written by `certrules diff OLD NEW --format patch`)")
    problems = patch_problems(SourceFile(str(path), doc))
    if problems:
        raise UsageError(f"{path} is not a patch certrules can apply:\n"
                         + "\n".join(f"  {p}" for p in problems))
    return doc.data


def patch_problems(source_file) -> list:
    """What is wrong with a patch (a loader.SourceFile): its form (schemas/patch.schema.json), then
    what the form cannot say (an element put under another id, into the manifest or the clause map)."""
    from .schemas import validate_against
    problems = validate_against(source_file, "patch.schema.json")
    if problems:
        return problems
    for i, op in enumerate(source_file.doc.data.get("elements") or []):
        if op["op"] != "put":
            continue
        if op["element"]["id"] != op["id"]:
            problems.append(source_file.locate(("elements", i, "element", "id"),
                                               f"the element's id '{op['element']['id']}' is not the id '{op['id']}' "
                                               "the operation puts"))
        if op["file"] in ("ruleset.yaml", "clauses.yaml"):
            problems.append(source_file.locate(("elements", i, "file"),
                                               f"elements cannot be put into {op['file']}: name a rules file"))
    return problems


def check_patch(patch) -> None:
    """The same checks for a patch given as data (the Python API), with field paths instead of lines."""
    from .loader import SourceFile
    from .yamlio import Document
    if not isinstance(patch, dict) or patch.get("certrules_patch") is None:
        raise UsageError("not a certrules patch (written by `certrules diff OLD NEW --format patch`)")
    problems = patch_problems(SourceFile("the patch", Document(patch, {}, {})))
    if problems:
        raise UsageError("the patch cannot be applied:\n" + "\n".join(f"  {p}" for p in problems))


def _module_docs(root: Path) -> dict:
    docs = {}
    for rel in listed(root, recursive=False, suffixes=(".yaml", ".yml"))[0]:
        if rel in ("ruleset.yaml", "clauses.yaml"):
            continue
        data = load_member(root, rel).data
        if isinstance(data, dict) and any(s in data for s in SECTIONS):
            docs[rel] = data
    return docs


def apply_patch(patch: dict, old_folder: Path, out: Path, revision: str, effective: str, force: bool = False,
                code: str | None = None) -> Path:
    old_folder, out = Path(old_folder), Path(out)
    check_patch(patch)
    try:
        date.fromisoformat(effective)
    except ValueError:
        raise UsageError(f"--effective {effective}: write a date as YYYY-MM-DD") from None
    if out.exists() and not force:
        raise UsageError(f"{out} already exists; use --force to replace it")
    stage = staging_dir(out)
    try:
        try:
            copy_folder(old_folder, stage)
        except RefusedPath as exc:
            raise RuleSetError(f"{old_folder} cannot be copied: {exc.message}") from None
        manifest = load_member(stage, "ruleset.yaml").data
        old_rev = manifest["revision"]
        for k, v in ((patch.get("manifest") or {}).get("set") or {}).items():
            manifest[k] = v
        for k in (patch.get("manifest") or {}).get("unset") or []:
            manifest.pop(k, None)
        manifest.update({"revision": revision, "effective": effective, "supersedes": old_rev, "status": "draft"})
        if code:
            manifest["code"] = code
        manifest.pop("superseded_by", None)
        touched = {"ruleset.yaml"}
        if "case_schema" in patch:
            try:
                target = stage / check_name(manifest["case_schema"])
            except RefusedPath as exc:
                raise UsageError(f"case_schema {exc.message}") from None
            write_atomic(target, to_yaml(patch["case_schema"]))
        docs = _module_docs(stage)
        for op in patch.get("elements") or []:
            for name, doc in docs.items():
                for section in SECTIONS:
                    items = doc.get(section) or []
                    kept = [e for e in items if e.get("id") != op["id"]]
                    if len(kept) != len(items):
                        doc[section] = kept
                        touched.add(name)
        for op in sorted((o for o in patch.get("elements") or [] if o["op"] == "put"), key=lambda o: (o["file"], o["section"], o["index"])):
            if "/" in op["file"] or op["file"].startswith("."):
                raise UsageError(f"patch puts '{op['id']}' in '{op['file']}', outside the rule set's top level")
            doc = docs.setdefault(op["file"], {})
            items = doc.setdefault(op["section"], [])
            items.insert(min(op["index"], len(items)), op["element"])
            touched.add(op["file"])
        for name in sorted(touched - {"ruleset.yaml"}):
            doc = {k: v for k, v in docs[name].items() if v != []}
            write_atomic(stage / name, to_yaml(doc, "# yaml-language-server: $schema=../../schemas/ruleset.schema.json\n"))
        if "clauses" in patch:
            write_atomic(stage / "clauses.yaml", to_yaml({"clauses": patch["clauses"]},
                                                         "# yaml-language-server: $schema=../../schemas/ruleset.schema.json\n"))
        write_atomic(stage / "ruleset.yaml", to_yaml(manifest, "# yaml-language-server: $schema=../../schemas/ruleset.schema.json\n"))
        _verify(stage, out)
        replace_dir_atomic(stage, out, overwrite=force)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def _verify(stage: Path, out: Path) -> None:
    """The new revision must load before it takes its place: a failed apply leaves nothing behind."""
    from .ruleset import load_ruleset
    try:
        load_ruleset(stage)
    except RuleSetError as exc:
        raise RuleSetError(f"the patch does not give a rule set that loads, so {out} was not written:",
                           exc.problems) from None


def new_revision(from_folder: Path, revision: str, effective: str, out: Path | None = None, force: bool = False,
                 code: str | None = None) -> Path:
    """Copy a rule set into a draft of its next revision."""
    from_folder = Path(from_folder)
    manifest = load_member(from_folder, "ruleset.yaml").data
    code = code or manifest["code"]
    out = Path(out) if out else from_folder.parent / f"{code}-{revision.replace('/', '')}"
    return apply_patch({"certrules_patch": PATCH_VERSION}, from_folder, out, revision, effective, force, code)
