"""Changes as data: a patch written from a diff, applied to a rule set to make a new revision, and
the scaffold of a draft revision.

A patch lists whole elements to put (with the file and position they take) or remove, the
manifest keys that change, and the case schema and clause map when they change. `apply` copies the
old folder to a staging folder, rewrites only the files the patch touches, and moves the result into
place: never a half-written folder, never an existing folder replaced unless asked.
"""
from __future__ import annotations

import base64
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

import yaml

from .errors import RuleSetError, UsageError
from .files import replace_dir_atomic, staging_dir, write_atomic
from .folder import RefusedPath, check_name, copy_folder, listed, overlaps, unlisted
from .i18n import Msg
from .loader import SECTIONS, is_plain_name, plain_name_problem
from .yamlio import YamlError, load_file, load_member

PATCH_VERSION = 1
IDENTITY = ("code", "revision", "effective", "status", "supersedes", "superseded_by", "provenance", "changes", "assumptions")


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in str(value) else "tag:yaml.org,2002:int",
                                   format(value, "f"))


_Dumper.add_representer(Decimal, _decimal)


def _text(dumper, value):
    # a whole file carried in the patch reads as itself (a literal block), not as one escaped line
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


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
    added = added_changes(old.manifest, new.manifest)
    if added:
        patch["changes"] = added
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
    files = file_changes(old, new)
    if files:
        patch["files"] = files
    return patch


def added_changes(old_manifest: dict, new_manifest: dict) -> list:
    """The change-record entries the new revision has and the old one has not, in their order."""
    before = list(old_manifest.get("changes") or [])
    return [c for c in new_manifest.get("changes") or [] if c not in before]


def file_changes(old, new) -> list:
    """Whole files to write or remove so that the old rule set's other files become the new one's."""
    from .diff import file_content, other_files
    a, b = other_files(old), other_files(new)
    out = []
    for rel in sorted(set(a) | set(b)):
        if rel not in b:
            out.append({"path": rel, "remove": True})
        elif rel not in a or file_content(a[rel]) != file_content(b[rel]):
            try:
                out.append({"path": rel, "text": b[rel].decode("utf-8")})
            except UnicodeDecodeError:
                out.append({"path": rel, "base64": base64.b64encode(b[rel]).decode("ascii")})
    return out


def read_patch(path) -> dict:
    """A patch file, checked against schemas/patch.schema.json: every problem with its line, exit 2."""
    return read_patch_source(path).doc.data


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
                                               Msg("patch_id_mismatch", element=op["element"]["id"], id=op["id"])))
        if op["file"] in ("ruleset.yaml", "clauses.yaml"):
            problems.append(source_file.locate(("elements", i, "file"),
                                               Msg("patch_into_manifest", file=op["file"])))
    problems.extend(_overlapping_files(source_file))
    for i, item in enumerate(source_file.doc.data.get("files") or []):
        try:
            if any(unlisted(part) for part in PurePosixPath(check_name(item["path"])).parts):
                problems.append(source_file.locate(("files", i, "path"), Msg("patch_hidden_file", path=item["path"])))
        except RefusedPath as exc:
            problems.append(source_file.locate(("files", i, "path"), exc.message))
        if "base64" in item:
            try:
                base64.b64decode(item["base64"], validate=True)
            except ValueError:
                problems.append(source_file.locate(("files", i, "base64"), Msg("patch_bad_base64")))
    return problems


def _lines(problems) -> list:
    """Problems as the indented lines of a message, each said in the message's language."""
    return [Msg("patch_problem_line", where=p.where(), severity=Msg(f"severity_{p.severity}"), message=p.message)
            for p in problems]


def _overlapping_files(source_file) -> list:
    """A name the patch's `files` give twice, or a file written where another entry writes inside it
    as a folder ('a' and 'a/b'): refused when the patch is read, with both places, not when writing."""
    problems, seen, written = [], {}, {}
    line = lambda i: source_file.doc.mark(("files", i, "path"))[0]     # noqa: E731
    where = lambda i: Msg("patch_line", line=line(i)) if line(i) else Msg("patch_item", path=f"files[{i}]")  # noqa: E731
    for i, item in enumerate(source_file.doc.data.get("files") or []):
        try:
            name = check_name(item["path"])
        except RefusedPath:
            continue            # said by the check of each name
        if name in seen:
            problems.append(source_file.locate(("files", i, "path"), Msg("err_patch_file_twice", name=name,
                                                                            where=where(seen[name]))))
            continue
        seen[name] = i
        if not item.get("remove"):
            written[name] = i
    for name, i in written.items():
        parts = PurePosixPath(name).parts
        for k in range(1, len(parts)):
            folder = PurePosixPath(*parts[:k]).as_posix()
            if folder in written:
                j = written[folder]
                problems.append(source_file.locate(("files", max(i, j), "path"), Msg(
                    "err_patch_file_and_folder", file=folder, inside=name, where=where(min(i, j)))))
    return problems


def element_problems(source_file, old) -> list:
    """What a patch asks of the rule set it is applied to (`old`, loaded) that is not there: an element
    to remove that it does not have. With the patch's lines when it was read from a file."""
    problems = []
    for i, op in enumerate(source_file.doc.data.get("elements") or []):
        if op["op"] == "remove" and op["id"] not in old.elements:
            problems.append(source_file.locate(("elements", i, "id"), Msg("err_patch_remove_unknown", id=op["id"],
                                                                            ruleset=old.name)))
    return problems


def read_patch_source(path):
    """A patch file as a loader.SourceFile (its data and the lines of each node), checked as read_patch does."""
    from .loader import SourceFile
    try:
        doc = load_file(Path(path))
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise UsageError(Msg("err_at", where=where, message=exc.message)) from None
    if not isinstance(doc.data, dict) or "certrules_patch" not in doc.data:
        raise UsageError(Msg("err_at", where=path, message=Msg("patch_not_a_patch")))
    source_file = SourceFile(str(path), doc)
    problems = patch_problems(source_file)
    if problems:
        raise UsageError(Msg("patch_unusable", path=path, problems=_lines(problems)))
    return source_file


def check_patch(patch) -> None:
    """The same checks for a patch given as data (the Python API), with field paths instead of lines."""
    from .loader import SourceFile
    from .yamlio import Document
    if not isinstance(patch, dict) or patch.get("certrules_patch") is None:
        raise UsageError(Msg("patch_not_a_patch"))
    problems = patch_problems(SourceFile("the patch", Document(patch, {}, {})))
    if problems:
        raise UsageError(Msg("patch_cannot_apply", problems=_lines(problems)))


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
    if code is not None and not is_plain_name(code):
        raise UsageError(plain_name_problem("--code", code))
    try:
        date.fromisoformat(effective)
    except ValueError:
        raise UsageError(Msg("patch_effective", effective=effective)) from None
    if overlaps(old_folder, out):
        raise UsageError(Msg("patch_out_overlaps", out=out, source=old_folder))
    if out.exists() and not force:
        raise UsageError(Msg("patch_out_exists", out=out))
    stage = staging_dir(out)
    try:
        try:
            copy_folder(old_folder, stage)
        except RefusedPath as exc:
            raise RuleSetError(Msg("patch_cannot_copy", source=old_folder, reason=exc.message)) from None
        _rewrite(stage, patch, revision, effective, code, old_folder, out)
        _verify(stage, out)
        replace_dir_atomic(stage, out, overwrite=force)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def _inside(stage: Path, rel, what: str) -> Path:
    """Where a path written in a patch lands in the new folder; refused if it would leave it."""
    try:
        return stage / check_name(rel)
    except RefusedPath as exc:
        raise UsageError(Msg("patch_path_refused", what=what, reason=exc.message)) from None


def _verify(stage: Path, out: Path) -> None:
    """The new revision must load before it takes its place: a failed apply leaves nothing behind."""
    from .ruleset import load_ruleset
    try:
        load_ruleset(stage)
    except RuleSetError as exc:
        raise RuleSetError(Msg("patch_does_not_load", out=out),
                           exc.problems) from None


def _rewrite(stage: Path, patch: dict, revision: str, effective: str, code: str | None, source: Path, out: Path):
    """Turn the copy of the old rule set in `stage` into the new revision: every file the patch touches
    is edited in place (yamledit.py), so comments and layout of what did not change stay."""
    edits: dict[str, tuple[Path, dict]] = {}     # relative path -> (file, its new content as plain data)
    manifest = load_member(stage, "ruleset.yaml").data
    edits["ruleset.yaml"] = (stage / "ruleset.yaml", revised_manifest(manifest, patch, revision, effective, code))
    if "case_schema" in patch:
        edits[manifest["case_schema"]] = (_inside(stage, manifest["case_schema"], "case_schema"), patch["case_schema"])
    docs = _module_docs(stage)
    touched = set()
    for i, op in enumerate(patch.get("elements") or []):
        found = False
        for name, doc in docs.items():
            for section in SECTIONS:
                items = doc.get(section) or []
                kept = [e for e in items if e.get("id") != op["id"]]
                if len(kept) != len(items):
                    doc[section] = kept
                    touched.add(name)
                    found = True
        if op["op"] == "remove" and not found:      # (the command line says so earlier, with the patch's line)
            raise UsageError(Msg("err_patch_remove_unknown_at", path=f"elements[{i}].id", id=op["id"]))
    for op in sorted((o for o in patch.get("elements") or [] if o["op"] == "put"), key=lambda o: (o["file"], o["section"], o["index"])):
        if "/" in op["file"] or op["file"].startswith("."):
            raise UsageError(Msg("patch_outside_top", id=op["id"], file=op["file"]))
        doc = docs.setdefault(op["file"], {})
        items = doc.setdefault(op["section"], [])
        items.insert(min(op["index"], len(items)), op["element"])
        touched.add(op["file"])
    for name in sorted(touched):
        edits[name] = (stage / name, {k: v for k, v in docs[name].items() if v != []})
    if "clauses" in patch:
        path = stage / "clauses.yaml"
        current = load_member(stage, "clauses.yaml").data if path.is_file() else {}
        edits["clauses.yaml"] = (path, {**(current if isinstance(current, dict) else {}), "clauses": patch["clauses"]})
    files = patch.get("files") or []
    # removals first, and the folders they leave empty with them: a patch may turn a folder of the old
    # revision into a file of the new one (make_patch lists 'a' to write before 'a/b' to remove)
    for item in sorted(files, key=lambda f: not f.get("remove")):
        target = _inside(stage, item["path"], "files")
        name = target.relative_to(stage).as_posix()
        if name in edits:
            raise UsageError(Msg("patch_over_rule_file", name=name))
        if target.is_dir() and not target.is_symlink():
            raise UsageError(Msg("patch_over_folder", name=name))
        if item.get("remove"):
            target.unlink(missing_ok=True)
            _prune_empty(target.parent, stage)
        elif "base64" in item:
            write_atomic(target, base64.b64decode(item["base64"]), mode="wb")
        else:
            write_atomic(target, item["text"])
    for rel, (path, content) in edits.items():
        write_atomic(path, edited(path, content))
    set_modelines(stage, source, out)


def _prune_empty(folder: Path, stage: Path) -> None:
    """Remove `folder` and its parents up to `stage` while they are empty."""
    while folder != stage and stage in folder.parents and folder.is_dir() and not folder.is_symlink() \
            and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def edited(path: Path, content) -> str:
    """The file's text with `content` merged in (a new file: the content, under a schema modeline)."""
    from .yamledit import Edit
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    doc = Edit(text)
    doc.merge(content)
    out = doc.text()
    return out if text else f"{MODELINE}../../schemas/ruleset.schema.json\n{out}"   # set_modelines corrects the path


def revised_manifest(manifest: dict, patch: dict, revision: str, effective: str, code: str | None) -> dict:
    """The new revision's ruleset.yaml as data: the patch's keys, then the identity of a draft that
    supersedes the old revision, its source document named by the new revision, and its change record
    with the patch's entries added."""
    m = dict(manifest)
    old_rev, old_code = m["revision"], m["code"]
    for k, v in ((patch.get("manifest") or {}).get("set") or {}).items():
        m[k] = v
    for k in (patch.get("manifest") or {}).get("unset") or []:
        m.pop(k, None)
    new_code = code or old_code
    m.update({"code": new_code, "revision": revision, "effective": effective, "status": "draft"})
    m = _put_after(m, "supersedes", old_rev, "effective")
    m.pop("superseded_by", None)
    source = m.get("source")
    if isinstance(source, dict) and isinstance(source.get("document"), str):
        document = _renamed(source["document"], old_rev, revision)
        m["source"] = {**source, "document": _renamed(document, old_code, new_code) if new_code != old_code else document}
    changes = list(m.get("changes") or [])
    added = [c for c in patch.get("changes") or [] if c not in changes]
    if added:
        m["changes"] = changes + added
    return m


def _put_after(m: dict, key: str, value, after: str) -> dict:
    """m with key set to value: where it is, or (new) right after `after`, as a person would write it."""
    if key in m or after not in m:
        return {**m, key: value}
    out = {}
    for k, v in m.items():
        out[k] = v
        if k == after:
            out[key] = value
    return out


def _renamed(text: str, old: str, new: str) -> str:
    """`old` replaced by `new` where it stands as a word of its own (A/2 but not A/20)."""
    return re.sub(rf"(?<![\w/]){re.escape(old)}(?![\w/])", lambda _: new, text)


def draft_change(manifest: dict, revision: str, effective: str) -> dict:
    """The change-record entry of a new draft, for the committee to complete: the next number, the
    effective date, and a note (in the rule set's primary language) saying what to fill in."""
    from .i18n import Texts, primary
    t = Texts(primary(manifest))
    changes = list(manifest.get("changes") or [])
    old_rev = manifest["revision"]
    last = changes[-1].get("no") if changes and isinstance(changes[-1], dict) else None
    no = last + 1 if isinstance(last, int) and not isinstance(last, bool) else len(changes) + 1
    note = t("draft_change_note", revision=revision, from_revision=old_rev)
    return {"no": no, "date": effective, "note": note}


MODELINE = "# yaml-language-server: $schema="


def set_modelines(folder: Path, source: Path, out: Path) -> None:
    """Point every YAML file's editor modeline at the same schema as before, relative to where the file
    will be (`out`): a copy made elsewhere keeps its editor validation. A modeline whose schema cannot be
    found points at the engine's own schema."""
    import os
    from .paths import data_dir
    engine_schema = (data_dir("schemas") / "ruleset.schema.json").resolve()
    for path in sorted(list(folder.rglob("*.yaml")) + list(folder.rglob("*.yml"))):
        rel = path.relative_to(folder)
        text = path.read_text(encoding="utf-8")
        first, sep, rest = text.partition("\n")
        if not first.startswith(MODELINE) or "://" in first:
            continue
        ref = first[len(MODELINE):].strip()
        target = (Path(source) / rel).parent / ref
        target = target.resolve() if target.is_file() else engine_schema
        new_ref = Path(os.path.relpath(target, (Path(out).resolve() / rel).parent)).as_posix()
        if new_ref != ref:
            write_atomic(path, f"{MODELINE}{new_ref}{sep}{rest}")


def new_revision(from_folder: Path, revision: str, effective: str, out: Path | None = None, force: bool = False,
                 code: str | None = None) -> Path:
    """Copy a rule set into a draft of its next revision: ruleset.yaml edited in place (identity, source
    document, a draft change-record entry), every other file as it was."""
    from_folder = Path(from_folder)
    manifest = load_member(from_folder, "ruleset.yaml").data
    if code is not None and not is_plain_name(code):
        raise UsageError(plain_name_problem("--code", code))
    code = code or manifest["code"]
    if not out:
        name = f"{code}-{revision.replace('/', '')}"
        if not is_plain_name(name):     # the folder's name is made of the code and the revision
            raise UsageError(Msg("err_folder_name_from_revision", revision=ascii(revision)[1:-1], name=ascii(name)[1:-1]))
        out = from_folder.parent / name
    patch = {"certrules_patch": PATCH_VERSION, "changes": [draft_change(manifest, revision, effective)]}
    return apply_patch(patch, from_folder, out, revision, effective, force, code)
