"""Faults (issue 17, item 6; issue 16, item 5): what a killed write leaves is swept by the next write
to the same target; files honour the umask; two processes replacing one folder end with one complete
result and a clear message for the loser; a failed `apply` leaves nothing (see also the corpus
entries patch-*, whose `writes_nothing` is checked).
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardening_support import LIBRARY, REPO, run_main

from engine.errors import OutputError
from engine.files import replace_dir_atomic, staging_dir, sweep, write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_write_killed_with_sigkill_is_swept_by_the_next(tmp_path):
    target = tmp_path / "x.jsonl"
    script = tmp_path / "stuck.py"
    script.write_text(f"""
import os, sys, time
sys.path.insert(0, {str(REPO)!r})
from engine import files
os.replace = lambda *a: time.sleep(60)        # stuck after writing, before the rename
files.write_atomic(__import__("pathlib").Path({str(target)!r}), "half of it")
""", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".x.jsonl.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = list(tmp_path.glob(".x.jsonl.*.tmp"))
    assert len(left) == 1 and f".x.jsonl.{proc.pid}." in left[0].name   # what SIGKILL leaves
    write_atomic(target, "whole\n")
    assert target.read_text(encoding="utf-8") == "whole\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stuck.py", "x.jsonl"]


def test_the_sweep_spares_writes_in_progress_and_other_files(tmp_path):
    target = tmp_path / "out.json"
    mine = tmp_path / f".out.json.{os.getpid()}.abcd1234.tmp"         # this process: still writing
    dead = tmp_path / f".out.json.{_dead_pid()}.abcd1234.tmp"
    dead_dir = tmp_path / f".out.json.{_dead_pid()}.abcd1234.old"
    stranger = tmp_path / ".out.json.notapid.tmp"
    other = tmp_path / f".other.json.{_dead_pid()}.abcd1234.tmp"
    for p in (mine, dead, stranger, other):
        p.write_text("x", encoding="utf-8")
    dead_dir.mkdir()
    (dead_dir / "page.html").write_text("x", encoding="utf-8")
    sweep(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, stranger.name, other.name])


@pytest.mark.parametrize("umask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700),
                                                      (0o002, 0o664, 0o775)])
def test_outputs_honour_the_umask(umask, file_mode, dir_mode, tmp_path, capsys):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "a" / "report.json", "{}\n")
        code, out, err = run_main(["rulebook", LIBRARY, "-o", tmp_path / "book"], capsys)
        assert code == 0, err
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a" / "report.json") == file_mode
    assert _mode(tmp_path / "book") == dir_mode and _mode(tmp_path / "book" / "index.html") == file_mode
    assert all(_mode(p) == (dir_mode if p.is_dir() else file_mode) for p in (tmp_path / "book").rglob("*"))


def test_a_replaced_file_keeps_its_mode_and_replacement_stays_atomic(tmp_path, monkeypatch):
    target = tmp_path / "private.json"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o600)
    write_atomic(target, "new\n")
    assert _mode(target) == 0o600 and target.read_text(encoding="utf-8") == "new\n"
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(OutputError):
        write_atomic(target, "newer\n")
    assert target.read_text(encoding="utf-8") == "new\n" and [p.name for p in tmp_path.iterdir()] == ["private.json"]


def test_new_revision_copies_modes_and_makes_folders_by_the_umask(library, tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, out, err = run_main(["new-revision", library, "--revision", "R2", "--effective", "2026-06-01",
                                   "--out", tmp_path / "R2"], capsys)
    finally:
        os.umask(old)
    assert code == 0, err
    assert _mode(tmp_path / "R2") == 0o755 and _mode(tmp_path / "R2" / "ruleset.yaml") == 0o644


def test_the_loser_of_a_race_for_one_folder_says_so(tmp_path, monkeypatch):
    """Process B puts its folder in place between A's two renames: B's result stays, A says so."""
    target = tmp_path / "book"
    target.mkdir()
    (target / "index.html").write_text("first", encoding="utf-8")
    mine = staging_dir(target)
    (mine / "index.html").write_text("mine", encoding="utf-8")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "index.html").write_text("theirs", encoding="utf-8")
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        real_rename(src, dst)
        if len(calls) == 1:           # A has moved the old folder aside: B finishes now
            real_rename(theirs, target)
    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match="written by another process at the same time"):
        replace_dir_atomic(mine, target, overwrite=True)
    monkeypatch.undo()
    assert (target / "index.html").read_text(encoding="utf-8") == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book"]


def test_concurrent_rulebooks_into_one_folder_end_with_one_complete_result(tmp_path):
    out = tmp_path / "book"
    env = {k: v for k, v in os.environ.items() if k not in ("CERTRULES_RULESETS", "CERTRULES_DEBUG")}
    procs = [subprocess.Popen([sys.executable, "-m", "engine", "rulebook", str(LIBRARY), "-o", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
             for _ in range(6)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err and "internal error" not in err, err
        assert code == 0 or (code == 6 and "at the same time" in err), (code, err)
    assert any(code == 0 for code, _ in results)
    assert (out / "index.html").is_file() and (out / ".certrules-rulebook").is_file()   # complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book"]


def test_a_failed_apply_with_force_keeps_the_existing_folder(library, tmp_path, capsys):
    target = tmp_path / "R2"
    code, _, err = run_main(["new-revision", library, "--revision", "R2", "--effective", "2026-06-01",
                             "--out", target], capsys)
    assert code == 0, err
    before = sorted(p.relative_to(target).as_posix() for p in target.rglob("*"))
    patch = tmp_path / "p.yaml"
    patch.write_text("certrules_patch: 1\nelements:\n- {op: put, id: card_status, file: status.yaml, section: rules,"
                     " index: 0, element: {id: card_status, clause: '3', expr: nosuch + 1}}\n", encoding="utf-8")
    code, out, err = run_main(["apply", patch, "--to", library, "--out", target, "--revision", "R2",
                               "--effective", "2026-06-01", "--force"], capsys)
    assert code == 3 and "was not written" in err and "nosuch" in err, err
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R2", "p.yaml", "rulesets"]
