"""The semantic difference between two revisions of a rule set, clause by clause.

Both rule sets are loaded (so both are valid), then compared piece by piece: metadata, the case
schema field by field, every element by id (expressions by syntax tree, so re-spacing or re-wrapping
is no change), table rows by key, decision-table rows by position, states and transitions by id,
the clause map, the change record entry by entry, the rule-author tests test by test and any other
file (templates) by its content. Each change says its kind: added, removed, changed or moved (same
content in another file).
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from pathlib import Path

from .evaluation import clause_key
from .feel import FeelError, ast_dump, compile_expr, compile_unary_tests

# Which fields of each element kind hold expressions ("expr") or unary tests ("unary").
# A path element "*" stands for every list index or mapping key.
EXPR_FIELDS = {
    "parameter": {("expr",): "expr"},
    "table": {("key",): "expr", ("when",): "expr", ("rows", "*", "key"): "unary?", ("rows", "*", "*", "expr"): "expr"},
    "rule": {("expr",): "expr", ("when",): "expr"},
    "decision_table": {("when",): "expr", ("inputs", "*", "expr"): "expr", ("rules", "*", "when", "*"): "unary",
                       ("rules", "*", "then", "*"): "expr", ("default", "*"): "expr"},
    "check": {("when",): "expr", ("assert",): "expr", ("let", "*"): "expr"},
    "state_machine": {("start",): "expr", ("events",): "expr", ("transitions", "*", "after"): "expr",
                      ("transitions", "*", "at"): "expr", ("transitions", "*", "guard"): "expr"},
}
# Lists whose items are matched by a key rather than by position.
KEYED_LISTS = {("rows",): "key", ("states",): "id", ("transitions",): "id"}
IGNORED_MANIFEST = {"revision", "effective", "supersedes", "superseded_by", "code", "status", "changes", "provenance", "assumptions"}


class Expr:
    """An expression's text, compared by its syntax tree."""
    __slots__ = ("text", "canon")

    def __init__(self, text, mode):
        self.text = str(text)
        try:
            if mode == "unary":
                self.canon = ast_dump(compile_unary_tests(self.text).ast)
            else:
                self.canon = ast_dump(compile_expr(self.text).ast)
        except FeelError:
            self.canon = " ".join(self.text.split())

    def __eq__(self, other):
        return isinstance(other, Expr) and self.canon == other.canon

    def __hash__(self):
        return hash(self.canon)

    def __repr__(self):
        return self.text


def _match(pattern, path) -> bool:
    return len(pattern) == len(path) and all(p == "*" or p == q for p, q in zip(pattern, path))


def canonical(kind: str, raw, path=(), band=True):
    """The element with its expressions wrapped as Expr, ready for comparison."""
    for pattern, mode in EXPR_FIELDS.get(kind, {}).items():
        if _match(pattern, path):
            if mode == "unary?":
                return Expr(raw, "unary") if band else raw
            return Expr(raw, mode)
    if isinstance(raw, dict):
        return {k: canonical(kind, v, path + (k,), band) for k, v in raw.items()}
    if isinstance(raw, list):
        return [canonical(kind, v, path + (i,), band) for i, v in enumerate(raw)]
    return raw


@dataclass
class Change:
    kind: str                 # added | removed | changed | moved
    area: str                 # metadata | case_schema | element | clause_map
    clause: str
    subject: str              # the element id, field path or clause
    element_kind: str | None = None
    field: str | None = None
    old: object = None
    new: object = None
    detail: dict = dc_field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"kind": self.kind, "area": self.area, "clause": self.clause, "subject": self.subject}
        for k in ("element_kind", "field"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        if self.old is not None:
            out["old"] = _plain(self.old)
        if self.new is not None:
            out["new"] = _plain(self.new)
        if self.detail:
            out.update(self.detail)
        return out


def _plain(v):
    if isinstance(v, Expr):
        return v.text
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _fmt_path(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out


def compare(old, new, path=()):
    """Field-level differences between two canonical structures: (path, old, new) triples."""
    if type(old) is not type(new) and not (isinstance(old, (int, float)) and isinstance(new, (int, float))):
        return [(path, old, new)] if old != new else []
    if isinstance(old, dict):
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            if k not in new:
                out.append((path + (k,), old[k], None))
            elif k not in old:
                out.append((path + (k,), None, new[k]))
            else:
                out.extend(compare(old[k], new[k], path + (k,)))
        return out
    if isinstance(old, list):
        key = KEYED_LISTS.get(tuple(p for p in path if not isinstance(p, int))[-1:])
        if key and all(isinstance(x, dict) and key in x for x in old + new):
            def k(x):
                v = x[key]
                return v.canon if isinstance(v, Expr) else str(v)
            om = {k(x): x for x in old}
            nm = {k(x): x for x in new}
            out = []
            for kk in list(om) + [kk for kk in nm if kk not in om]:
                label = path + (f"{key}={om.get(kk, nm.get(kk))[key]!r}",)
                if kk not in nm:
                    out.append((label, om[kk], None))
                elif kk not in om:
                    out.append((label, None, nm[kk]))
                else:
                    out.extend(compare(om[kk], nm[kk], label))
            return out
        out = []
        for i in range(max(len(old), len(new))):
            if i >= len(new):
                out.append((path + (i,), old[i], None))
            elif i >= len(old):
                out.append((path + (i,), None, new[i]))
            else:
                out.extend(compare(old[i], new[i], path + (i,)))
        return out
    return [] if old == new else [(path, old, new)]


def _align_decision_table(ca: dict, cb: dict) -> tuple[dict, dict]:
    """Decision tables compared as a reader does: input columns matched by their expression, rows
    by their content (a row inserted at the top is one added row, not every row changed)."""
    from difflib import SequenceMatcher

    def keyed(dt):
        inputs = dt.get("inputs") or []
        names = [i["expr"].canon if isinstance(i.get("expr"), Expr) else str(i.get("expr")) for i in inputs]
        rows = []
        for r in dt.get("rules") or []:
            r = dict(r)
            r["when"] = {n: c for n, c in zip(names, r.get("when") or [])}
            rows.append(r)
        out = dict(dt)
        out["inputs"] = {n: i for n, i in zip(names, inputs)}
        return out, rows

    a, rows_a = keyed(ca)
    b, rows_b = keyed(cb)
    common = set(a["inputs"]) & set(b["inputs"])

    def sig(r):
        # a '-' under a column only one side has matches anything: the row is still the same row
        when = {n: repr(c) for n, c in r["when"].items() if n in common or str(c).strip() != "-"}
        return repr((sorted(when.items()), repr(r.get("then"))))
    ra, rb = {}, {}
    sm = SequenceMatcher(a=[sig(r) for r in rows_a], b=[sig(r) for r in rows_b], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            i, j = i1 + k + 1, j1 + k + 1
            label = f"row {i}" if i == j else f"row {i}->{j}"
            ra[label], rb[label] = rows_a[i - 1], rows_b[j - 1]
        for k in range(i1 + pairs, i2):
            ra[f"row {k + 1} (old)"] = rows_a[k]
        for k in range(j1 + pairs, j2):
            rb[f"row {k + 1} (new)"] = rows_b[k]
    a["rules"], b["rules"] = ra, rb
    return a, b


def _schema_fields(schema, prefix="") -> dict:
    """A case schema flattened to field paths and their constraints."""
    out = {}
    if not isinstance(schema, dict):
        return out
    own = {k: v for k, v in schema.items() if k not in ("properties", "items", "title", "description", "$schema")}
    if prefix:
        out[prefix] = own
    for name, sub in (schema.get("properties") or {}).items():
        out.update(_schema_fields(sub, f"{prefix}.{name}" if prefix else name))
    if isinstance(schema.get("items"), dict):
        out.update(_schema_fields(schema["items"], f"{prefix}[]"))
    return out


def _element_raw(el) -> dict:
    return {k: v for k, v in el.raw.items() if k != "id"}


def record_changes(old, new) -> list[Change]:
    """The change record (ruleset.yaml `changes`), entry by entry."""
    a, b = list(old.manifest.get("changes") or []), list(new.manifest.get("changes") or [])
    label = lambda e: f"changes[no={e.get('no')}]" if isinstance(e, dict) and "no" in e else "changes"  # noqa: E731
    return ([Change("added", "change_record", "—", label(e), new=e) for e in b if e not in a]
            + [Change("removed", "change_record", "—", label(e), old=e) for e in a if e not in b])


def _tests(rs) -> dict:
    from .authortests import collect
    out = {}
    for t in collect(Path(rs.root)):
        key = (t.file, t.name)
        while key in out:
            key = (key[0], key[1] + "'")
        out[key] = (t, {"error": t.error} if t.error else {"case": t.case, "expect": t.expect})
    return out


def author_test_changes(old, new) -> list[Change]:
    """The rule-author tests, matched by file and name: added, removed, or changed field by field
    (the case each starts from, what it expects)."""
    a, b = _tests(old), _tests(new)
    out = []
    for key in list(a) + [k for k in b if k not in a]:
        subject = f"{key[0]}: {key[1]}"
        if key not in b:
            t, body = a[key]
            out.append(Change("removed", "tests", t.clause or "—", subject, old=body.get("expect", body)))
        elif key not in a:
            t, body = b[key]
            out.append(Change("added", "tests", t.clause or "—", subject, new=body.get("expect", body)))
        else:
            t, body = b[key]
            for path, x, y in compare(a[key][1], body):
                out.append(Change("added" if x is None else "removed" if y is None else "changed", "tests",
                                  t.clause or "—", subject, field=_fmt_path(path), old=x, new=y))
    return out


def other_files(rs) -> dict:
    """The files of a rule set that are not its rules or its tests: templates, anything else (relative
    path -> bytes). The manifest, case schema, clause map and rule modules are compared as data, tests
    by test."""
    from .folder import RefusedPath, read_member
    from .loader import rule_files
    from .yamlio import MAX_FILE_BYTES
    root = Path(rs.root)
    data_files = {"ruleset.yaml", "clauses.yaml", str(rs.manifest.get("case_schema") or "")}
    data_files |= {sf.rel for sf in getattr(rs.source, "modules", [])}
    out = {}
    for rel in rule_files(root):
        if rel not in data_files:
            try:
                out[rel] = read_member(root, rel, MAX_FILE_BYTES)
            except RefusedPath as exc:   # too big: compared by why it is not read
                out[rel] = exc.message.encode("utf-8")
    return out


MODELINE = b"# yaml-language-server: $schema="


def file_content(data: bytes) -> bytes:
    """A file's bytes without its editor modeline, which depends on where the folder is, not on the revision."""
    return data.partition(b"\n")[2] if data.startswith(MODELINE) else data


def other_file_changes(old, new) -> list[Change]:
    a, b = other_files(old), other_files(new)
    out = []
    for rel in sorted(set(a) | set(b)):
        if rel.startswith("tests/"):
            continue   # compared test by test
        if rel not in b or rel not in a:
            out.append(Change("removed" if rel not in b else "added", "files", "—", rel))
        elif file_content(a[rel]) != file_content(b[rel]):
            out.append(Change("changed", "files", "—", rel))
    return out


def _metadata_changes(key: str, a, b) -> list:
    """A manifest entry's changes: a record (the source, the issuer) by the fields that differ
    (`source.document`), so that the one word a revision changes is not shown as two whole records."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        return [c for sub in sorted(set(a) | set(b), key=str)
                for c in _metadata_changes(f"{key}.{sub}", a.get(sub), b.get(sub))]
    return [Change("added" if a is None else "removed" if b is None else "changed", "metadata", "—", key,
                   old=a, new=b)]


def diff_rulesets(old, new) -> dict:
    changes: list[Change] = []
    # metadata
    for key in sorted(set(old.manifest) | set(new.manifest)):
        if key not in IGNORED_MANIFEST:
            changes += _metadata_changes(key, old.manifest.get(key), new.manifest.get(key))
    # case schema
    fo, fn = _schema_fields(old.case_schema), _schema_fields(new.case_schema)
    for name in list(fo) + [n for n in fn if n not in fo]:
        if name not in fn:
            changes.append(Change("removed", "case_schema", "—", name, old=fo[name]))
        elif name not in fo:
            changes.append(Change("added", "case_schema", "—", name, new=fn[name]))
        elif fo[name] != fn[name]:
            changes.append(Change("changed", "case_schema", "—", name, old=fo[name], new=fn[name]))
    # elements
    for eid in list(old.elements) + [e for e in new.elements if e not in old.elements]:
        a, b = old.elements.get(eid), new.elements.get(eid)
        if b is None:
            changes.append(Change("removed", "element", a.clause, eid, a.kind, old=_element_raw(a)))
            continue
        if a is None:
            changes.append(Change("added", "element", b.clause, eid, b.kind, new=_element_raw(b)))
            continue
        if a.kind != b.kind:
            changes.append(Change("changed", "element", b.clause, eid, b.kind, field="kind", old=a.kind, new=b.kind))
            continue
        band_a = a.raw.get("match", "band") == "band"
        ca = canonical(a.kind, _element_raw(a), band=band_a)
        cb = canonical(b.kind, _element_raw(b), band=b.raw.get("match", "band") == "band")
        if a.kind == "decision_table":
            ca, cb = _align_decision_table(ca, cb)
        diffs = compare(ca, cb)
        if diffs:
            for path, x, y in diffs:
                changes.append(Change("added" if x is None else "removed" if y is None else "changed",
                                      "element", b.clause, eid, b.kind, field=_fmt_path(path), old=x, new=y))
        if a.sf.rel != b.sf.rel:
            changes.append(Change("moved", "element", b.clause, eid, b.kind, old=a.sf.rel, new=b.sf.rel))
    # clause map, field by field (the ids a clause lists, its text, or procedural)
    om = {str(c["clause"]): c for c in old.clause_map}
    nm = {str(c["clause"]): c for c in new.clause_map}
    for cl in list(om) + [c for c in nm if c not in om]:
        a, b = om.get(cl), nm.get(cl)
        if a is None or b is None:
            changes.append(Change("added" if a is None else "removed", "clause_map", cl, cl, old=a, new=b))
            continue
        for key in list(a) + [k for k in b if k not in a]:
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            detail = {}
            if isinstance(x, list) and isinstance(y, list):
                detail = {"added_ids": [i for i in y if i not in x], "removed_ids": [i for i in x if i not in y]}
            changes.append(Change("added" if x is None else "removed" if y is None else "changed",
                                  "clause_map", cl, cl, field=key, old=x, new=y, detail=detail))
    changes += record_changes(old, new) + author_test_changes(old, new) + other_file_changes(old, new)
    changes.sort(key=lambda c: (c.clause == "—", clause_key(c.clause) if c.clause != "—" else (), c.area, c.subject, c.field or ""))
    clauses = sorted({c.clause for c in changes if c.clause != "—"}, key=clause_key)
    return {
        "old": old.identity(),
        "new": new.identity(),
        "summary": {"changes": len(changes), "clauses_changed": len(clauses), "clauses": clauses},
        "changes": [c.as_dict() for c in changes],
    }
