"""The README runs as written (issue 16, items 6 and 7).

Its fenced blocks are followed in order, in a fresh working folder that holds the repository's
examples/, rulesets/ and schemas/ (as the repository's folder does):
- a ```yaml block right after a line naming a file (`my-rules/X/ruleset.yaml`:) is written to that file;
  any other yaml block must be a valid rule file, test file or manifest fragment for the schema;
- every command of a ```sh block is run by bash and must exit 0, or the code its `# exit N` says
  (the two set-up blocks, which install the package, are only checked to name commands that exist);
- a ```text block right after a sh block is exactly what that block's last command printed;
- a ```python block is run, and an expression line ending in `# 'value'` must give that value.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.render import chromium
from engine.schemas import validate_document

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
FILE_LINE = re.compile(r"`([\w./-]+\.ya?ml)`:\s*$")


def blocks():
    """(kind, text, the line before the block, section title) for every fenced block, in order."""
    text = README.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").splitlines()
        section = next((ln for ln in reversed(before) if ln.startswith("## ")), "")
        out.append((m.group(1), m.group(2), before[-1] if before else "", section[3:]))
    return out


def commands(block: str):
    """The commands of a sh block: a line, with its `\\` continuations and heredoc bodies."""
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cmd = [line]
        while cmd[-1].endswith("\\") and i < len(lines):
            cmd.append(lines[i])
            i += 1
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", line)
        if heredoc:
            end = heredoc.group(1)
            while i < len(lines):
                cmd.append(lines[i])
                i += 1
                if cmd[-1].strip() == end:
                    break
        yield "\n".join(cmd)


def expected_exit(cmd: str) -> int:
    m = re.search(r"#\s*exit (\d+)\s*$", cmd.splitlines()[0])
    return int(m.group(1)) if m else 0


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("readme")
    for name in ("examples", "rulesets", "schemas"):
        shutil.copytree(ROOT / name, work / name)
    return work


def _env():
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("CERTRULES_RULESETS", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


SETUP = "Set up on a fresh machine"


def test_the_readme_runs_as_written(workdir):
    done = {"sh": 0, "files": 0, "yaml": 0, "text": 0, "python": 0}
    last_output = None
    for kind, text, before, section in blocks():
        if kind == "sh" and section == SETUP:
            assert "pip install" in text and ("certrules eval" in text or "pytest" in text), text
            continue
        if kind == "yaml":
            named = FILE_LINE.search(before)
            if named:
                target = workdir / named.group(1)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                done["files"] += 1
            else:
                _valid_yaml_example(text)
                done["yaml"] += 1
            last_output = None
            continue
        if kind == "text":
            assert last_output is not None, f"a text block with no command before it in {section}:\n{text}"
            assert last_output.strip() == text.strip(), f"README ({section}) shows:\n{text}\nbut the command printed:\n{last_output}"
            done["text"] += 1
            continue
        if kind == "python":
            _run_python(text, workdir)
            done["python"] += 1
            last_output = None
            continue
        if kind != "sh":
            continue
        for cmd in commands(text):
            if "--format pdf" in cmd and chromium() is None:
                if os.environ.get("CERTRULES_REQUIRE_BROWSER"):
                    pytest.fail(f"Chromium is needed for: {cmd}")
                continue
            proc = subprocess.run(["bash", "-c", cmd], cwd=workdir, env=_env(), capture_output=True, text=True,
                                  timeout=600)
            want = expected_exit(cmd)
            assert proc.returncode == want, (f"README ({section}): `{cmd}` exited {proc.returncode}, not {want}\n"
                                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
            last_output = proc.stdout + proc.stderr
            done["sh"] += 1
    assert done["sh"] >= 35 and done["files"] >= 6 and done["text"] >= 2 and done["python"] >= 1, done


def _valid_yaml_example(text: str) -> None:
    """An illustration in the README is still a valid file of its kind."""
    from engine.loader import SourceFile
    from engine.yamlio import parse_yaml
    doc = parse_yaml(text)
    data = doc.data
    kind = "test_file" if isinstance(data, dict) and ("tests" in data or "base" in data) else "module"
    problems = validate_document(SourceFile("README.md", doc), kind)
    assert not problems, "\n".join(str(p) for p in problems) + "\n" + text


def _run_python(code: str, workdir: Path) -> None:
    """Run the block; `EXPR  # 'value'` lines also check their value."""
    checks = []
    for lineno, line in enumerate(code.splitlines(), 1):
        m = re.match(r"^([^#]+?)\s+#\s*('.*'|\".*\"|\d[\d.]*)\s*$", line)
        if not m:
            continue
        try:
            tree = ast.parse(m.group(1))
        except SyntaxError:
            continue
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            checks.append((lineno, m.group(1), ast.literal_eval(m.group(2))))
    probe = "\n".join(f"assert str({expr}) == {want!r}, ({lineno}, {expr!r}, {want!r}, str({expr}))"
                      for lineno, expr, want in checks)
    proc = subprocess.run([sys.executable, "-c", code + "\n" + probe], cwd=workdir, env=_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"the README's Python block fails:\n{proc.stderr}"


def test_the_walkthrough_writes_the_rule_set_kept_in_tests_rulesets():
    """tests/rulesets/QMS-AT-A1 is the walkthrough's A/1 (plus a document template): the same files."""
    fixture = ROOT / "tests" / "rulesets" / "QMS-AT-A1"
    written = {}
    for kind, text, before, _ in blocks():
        named = FILE_LINE.search(before) if kind == "yaml" else None
        if named and named.group(1).startswith("my-rules/QMS-AT-A1/"):
            written[named.group(1)[len("my-rules/QMS-AT-A1/"):]] = text
    assert set(written) <= {p.relative_to(fixture).as_posix() for p in fixture.rglob("*") if p.is_file()}
    strip = lambda t: t.split("\n", 1)[1] if t.startswith("# yaml-language-server:") else t  # noqa: E731
    for rel, text in written.items():
        assert strip(text) == strip((fixture / rel).read_text(encoding="utf-8")), rel
    assert {"ruleset.yaml", "case.schema.yaml", "clauses.yaml", "tests/audit-time.yaml"} <= set(written)
    assert yaml.safe_load(written["ruleset.yaml"])["family"] == "QMS-AT"
