"""The bad-input corpus (tests/bad/corpus): each entry is the library rule set with one break, or a
broken case, and the exact text and exit code the user gets (golden.txt).

Each entry folder holds meta.yaml (description, command, edits to the library rule set, what to
generate at test time, and the locations the message must name), the files it adds or replaces under
`ruleset/`, and its case file. The broken copy is built in tmp_path; big, empty, binary files and
symbolic links are made there too, never committed.

Regenerate the golden files after a deliberate change of wording:
    python -m pytest tests/hardening --regen-golden      (or: python tests/bad/regen.py)
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from hardening_support import BAD, LIBRARY, run_cli, run_main

CORPUS = BAD / "corpus"
ENTRIES = sorted(p.name for p in CORPUS.iterdir() if (p / "meta.yaml").is_file())
EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}
HUGE = 50 * 1024 * 1024


def _generate(path: Path, kind: str, tmp: Path) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "delete":
        return
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    elif kind == "huge":
        line = b"# padding padding padding padding padding padding padding padding padding\n"
        with open(path, "wb") as fh:
            fh.truncate(0)
            chunk = line * (1024 * 1024 // len(line) + 1)
            written = 0
            while written < HUGE:
                fh.write(chunk)
                written += len(chunk)
            fh.truncate(HUGE)
    elif kind == "not-utf8":
        path.write_bytes(b'{"as_of": "2026-03-01"}\n{"name": "caf\xe9"}\n')
    elif kind == "symlink-out":
        outside = tmp / "outside.yaml"
        outside.write_text("secret: from outside the rule set\n", encoding="utf-8")
        path.symlink_to(outside)
    else:  # pragma: no cover
        raise AssertionError(f"unknown generate kind {kind}")


def build(name: str, tmp: Path) -> tuple[list[str], dict]:
    """Build an entry's broken rule set and case in tmp; the command line to run and the meta."""
    entry = CORPUS / name
    meta = yaml.safe_load((entry / "meta.yaml").read_text(encoding="utf-8"))
    rulesets = tmp / "rulesets"
    ruleset = rulesets / LIBRARY.name
    shutil.copytree(LIBRARY, ruleset)
    for edit in meta.get("edits") or []:
        f = ruleset / edit["file"]
        text = f.read_text(encoding="utf-8")
        assert text.count(edit["old"]) == 1, f"{name}: edit of {edit['file']} no longer applies: {edit['old']!r}"
        f.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
    overlay = entry / "ruleset"
    if overlay.is_dir():
        for src in overlay.rglob("*"):
            if src.is_file():
                dest = ruleset / src.relative_to(overlay)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
    case = None
    for candidate in ("case.yaml", "case.json"):
        if (entry / candidate).is_file():
            case = tmp / candidate
            shutil.copyfile(entry / candidate, case)
    if (entry / "patch.yaml").is_file():
        shutil.copyfile(entry / "patch.yaml", tmp / "patch.yaml")
    gen = meta.get("generate")
    if gen:
        rel = gen["path"]
        target = ruleset / rel[len("ruleset/"):] if rel.startswith("ruleset/") else tmp / rel
        _generate(target, gen["kind"], tmp)
        if not rel.startswith("ruleset/"):
            case = target
    subst = {"{ruleset}": str(ruleset), "{rulesets}": str(rulesets), "{tmp}": str(tmp),
             "{case}": str(case) if case else "", "{patch}": str(tmp / "patch.yaml")}
    args = []
    for a in meta["command"]:
        for k, v in subst.items():
            a = a.replace(k, v)
        args.append(a)
    return args, meta


def transcript(args, code, out, err, tmp: Path) -> str:
    text = (f"$ certrules {' '.join(args)}\nexit {code}\n--- stdout\n{out}"
            + ("" if not out or out.endswith("\n") else "\n") + f"--- stderr\n{err}")
    if err and not err.endswith("\n"):
        text += "\n"
    return text.replace(str(tmp), "<tmp>")


@pytest.mark.parametrize("name", ENTRIES)
def test_bad_input(name, tmp_path, capsys, regen):
    args, meta = build(name, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_main(args, capsys)
    both = out + err
    if meta.get("writes_nothing"):
        assert sorted(p.name for p in tmp_path.iterdir()) == before, "a failed command left something behind"
    assert "Traceback" not in both and "internal error" not in both, both
    assert code in EXIT_CODES and code != 0, (code, both)
    for where in meta["where"]:
        assert where in both.replace(str(tmp_path), "<tmp>"), f"{name}: the message does not name {where!r}:\n{both}"
    got = transcript(args, code, out, err, tmp_path)
    golden = CORPUS / name / "golden.txt"
    if regen or not golden.exists():
        golden.write_text(got, encoding="utf-8")
        if not regen:
            pytest.fail(f"{golden} did not exist; written now — review and commit it")
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["rs-python-tag", "case-huge", "rs-cycle", "case-wrong-types"])
def test_bad_input_in_a_real_process(name, tmp_path):
    """The same entries through a real `certrules` process: same exit code, no traceback."""
    args, _ = build(name, tmp_path)
    golden = (CORPUS / name / "golden.txt").read_text(encoding="utf-8")
    proc = run_cli(args)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"\nexit {proc.returncode}\n" in golden
    assert transcript(args, proc.returncode, proc.stdout, proc.stderr, tmp_path) == golden


def test_the_corpus_covers_the_issue():
    wanted = ["rs-yaml-syntax-error", "rs-duplicate-key", "rs-wrong-type", "rs-unknown-key", "rs-unknown-name",
              "rs-cycle", "rs-unparseable-expression", "rs-unknown-function", "rs-unique-overlap",
              "case-missing-required", "case-negative-minimum", "case-impossible-date", "case-unknown-revision",
              "case-empty", "case-binary", "case-huge", "rs-empty-file", "rs-binary-file", "rs-huge-file"]
    assert not set(wanted) - set(ENTRIES)
    assert not any(p.stat().st_size > 100_000 for p in CORPUS.rglob("*") if p.is_file())
