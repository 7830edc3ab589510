"""Nothing lost: every file certrules writes is written to a temporary file and renamed into place
(engine/files.py write_atomic, replace_dir_atomic); a failure or an interrupt leaves the old file or
nothing, never half a file; existing rule-set folders are replaced only with --force.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardening_support import REPO, run_main

from engine.errors import OutputError
from engine.files import write_atomic

BAD_CASE = "as_of: 2026-03-01\nmember: {kind: student}\n"
GOOD_CASE = "as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n"


def _case(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_failed_eval_leaves_no_output_file(library, tmp_path, capsys):
    out = tmp_path / "out.json"
    code, _, err = run_main(["eval", _case(tmp_path, BAD_CASE), "--rulesets", library.parent, "--family",
                             "LIB-LOANS", "--format", "json", "-o", out], capsys)
    assert code == 4 and not out.exists() and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml", "rulesets"]


def test_failed_eval_keeps_the_previous_output(library, tmp_path, capsys):
    out = tmp_path / "out.json"
    out.write_text("previous", encoding="utf-8")
    code, _, _ = run_main(["eval", _case(tmp_path, GOOD_CASE), _case(tmp_path, BAD_CASE, "bad.yaml"),
                           "--rulesets", library.parent, "--family", "LIB-LOANS", "--format", "json", "-o", out],
                          capsys)
    assert code == 4 and out.read_text(encoding="utf-8") == "previous"


def test_unwritable_output_is_exit_6(library, tmp_path, capsys):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, out, err = run_main(["eval", _case(tmp_path, GOOD_CASE), "--rulesets", library.parent, "--family",
                               "LIB-LOANS", "-o", tmp_path / "afile" / "out.txt"], capsys)
    assert code == 6 and "cannot write" in err and "afile" in err and "Traceback" not in err


def test_write_atomic_leaves_nothing_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_atomic_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)  # Ctrl-C after the data, before the rename
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def two_revisions(tmp_path_factory):
    """R1 (the library), R2 with a higher fine, and 20,000 generated cases."""
    root = tmp_path_factory.mktemp("revisions")
    import shutil
    from hardening_support import LIBRARY
    r1 = root / LIBRARY.name
    shutil.copytree(LIBRARY, r1)
    env = {k: v for k, v in os.environ.items() if k != "CERTRULES_RULESETS"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "engine", *map(str, a)], capture_output=True, text=True,
                                    env=env, cwd=REPO, check=True)
    r2 = root / "LIB-LOANS-2026-R2"
    run("new-revision", r1, "--revision", "R2", "--effective", "2026-06-01", "--out", r2)
    policy = r2 / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("value: 0.25", "value: 0.3"), encoding="utf-8")
    cases = root / "big.jsonl"
    run("cases", "generate", "--n", "20000", "--seed", "7", "--ruleset", r1, "-o", cases)
    return r1, r2, cases


def _workers_alive(marker: str) -> list[int]:
    alive = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes().decode("utf-8", "replace"):
                    alive.append(int(proc.name))
            except OSError:
                pass
    return alive


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupted_batch_leaves_all_or_nothing(two_revisions, tmp_path, sig, code):
    r1, r2, cases = two_revisions
    out = tmp_path / "out.json"
    env = {k: v for k, v in os.environ.items() if k != "CERTRULES_RULESETS"}
    proc = subprocess.Popen([sys.executable, "-m", "engine", "diff", r1, r2, "--cases", cases, "--format", "json",
                             "--workers", "2", "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=REPO)
    # not a fixed wait: on a loaded machine the command may not have reached its signal handling by then
    deadline = time.monotonic() + 60
    # forked workers carry the command's command line: more than one process holds it once they exist,
    # which is after the rule sets are loaded and signals handled
    while len(_workers_alive(str(out))) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr
    if proc.returncode == 0:  # finished before the signal arrived: then the output is complete
        assert json.loads(out.read_text(encoding="utf-8"))["impact"]["cases"] == 20000
    else:
        assert proc.returncode == code, stderr
        assert not out.exists()
        assert len(stderr.strip().splitlines()) == 1 and "before finishing" in stderr, stderr
    assert [p.name for p in tmp_path.iterdir() if p.name != "out.json"] == []  # no temporary file left
    deadline = time.monotonic() + 5
    while _workers_alive(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _workers_alive(str(out)), "worker processes outlived the interrupted run"


def test_new_revision_and_apply_never_overwrite_without_force(two_revisions, tmp_path, capsys):
    r1, r2, _ = two_revisions
    target = tmp_path / "LIB-LOANS-2026-R3"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    code, out, err = run_main(["new-revision", r1, "--revision", "R3", "--effective", "2026-09-01", "--out", target],
                              capsys)
    assert code == 2 and "already exists" in err and "--force" in err
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"

    patch = tmp_path / "p.yaml"
    code, _, err = run_main(["diff", r1, r2, "--format", "patch", "-o", patch], capsys)
    assert code == 0, err
    code, out, err = run_main(["apply", patch, "--to", r1, "--out", target, "--revision", "R3",
                               "--effective", "2026-09-01"], capsys)
    assert code == 2 and "already exists" in err
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left

    code, out, err = run_main(["apply", patch, "--to", r1, "--out", target, "--revision", "R3",
                               "--effective", "2026-09-01", "--force"], capsys)
    assert code == 0, err
    assert not (target / "keep.txt").exists() and (target / "ruleset.yaml").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


FORKED_CHILD_STOPPED = """
import os, signal, sys, time
from engine import cli
cli._MAIN_PID = os.getpid()
signal.signal(signal.SIGTERM, cli._on_sigterm)
pid = os.fork()
if pid == 0:                 # the child still has the parent's handler, as a worker has while it starts
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_fork_stopped_before_it_handles_sigterm_dies_quietly():
    # the race the interrupted batch can meet: the pool is stopped while a worker is still starting
    done = subprocess.run([sys.executable, "-c", FORKED_CHILD_STOPPED], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
