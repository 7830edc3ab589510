"""The cache's files (engine/cachefile.py): what is remembered by a text's content is made again for
another text or a damaged file, never trusted; the traced code, a file of its own, likewise."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cachefile

REPO = Path(__file__).resolve().parents[2]
CASE = sorted((REPO / "examples" / "cases").glob("*.yaml"))[0]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "certrules"


def test_by_content_makes_once_per_text(cache):
    made = []

    def make(raw):
        made.append(raw)
        return {"n": len(raw)}
    assert cachefile.by_content("t", b"abc", make) == {"n": 3}
    assert cachefile.by_content("t", b"abc", make) == {"n": 3}
    assert cachefile.by_content("t", b"abcd", make) == {"n": 4}
    assert made == [b"abc", b"abcd"]


def test_by_content_remakes_a_damaged_file(cache):
    made = []
    cachefile.by_content("t", b"abc", lambda raw: made.append(raw) or [1, 2])
    [entry] = (cache / "t").glob("*.bin")
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert cachefile.by_content("t", b"abc", lambda raw: made.append(raw) or [1, 2]) == [1, 2]
    assert made == [b"abc", b"abc"]


def _eval(cache_home, *extra):
    import os
    p = subprocess.run([sys.executable, "-m", "engine", "eval", str(CASE), *extra], capture_output=True,
                       text=True, cwd=REPO, env=dict(os.environ, XDG_CACHE_HOME=str(cache_home)))
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("damage", ["remove", "flip", "other entry"])
def test_a_missing_or_damaged_traced_file_is_made_again(tmp_path, damage):
    good = _eval(tmp_path, "--format", "json")
    [traced] = (tmp_path / "certrules" / "rulesets").glob("*.traced")
    if damage == "remove":
        traced.unlink()
    elif damage == "flip":
        data = bytearray(traced.read_bytes())
        data[len(data) // 2] ^= 0xFF
        traced.write_bytes(bytes(data))
    else:       # a sound file, but of another key: never used for this entry
        import marshal
        from engine.codegen.cache import MAGIC
        cachefile.write(traced, MAGIC, marshal.dumps(("another key", marshal.dumps(compile("x = 1", "", "exec")))))
    assert json.loads(_eval(tmp_path, "--format", "json"))["trace"] == json.loads(good)["trace"]


def _aged(path: Path, seconds_ago: float) -> None:
    import os
    import time
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def test_a_kind_is_kept_within_its_limit_least_recently_used_first(cache, monkeypatch):
    folder = cache / "k"
    folder.mkdir(parents=True)
    for i, age in enumerate([500, 400, 300, 200]):        # f0 oldest ... f3 newest
        (folder / f"f{i}.bin").write_bytes(b"x" * 100)
        _aged(folder / f"f{i}.bin", age)
    cachefile.prune(folder, limit=250)
    assert sorted(p.name for p in folder.iterdir()) == ["f2.bin", "f3.bin"]
    # a write prunes its kind; the file just written stays even when it alone is over the limit
    monkeypatch.setattr(cachefile, "MAX_KIND_BYTES", 10)
    cachefile.write(folder / "new.bin", b"m\n", b"y" * 50)
    assert [p.name for p in folder.iterdir()] == ["new.bin"]
    assert cachefile.read(folder / "new.bin", b"m\n") == b"y" * 50


def test_a_read_marks_a_file_used_so_that_pruning_keeps_it(cache):
    folder = cache / "k"
    path = cachefile.place("k", "old but used")
    cachefile.write(path, b"m\n", b"payload")
    other = folder / "other.bin"
    other.write_bytes(b"z" * 10)
    _aged(path, 10 * 86_400)
    _aged(other, 5 * 86_400)
    assert cachefile.read(path, b"m\n") == b"payload"       # marked used now
    cachefile.prune(folder, limit=len(path.read_bytes()))
    assert path.exists() and not other.exists()


def test_temporary_files_of_dead_processes_are_removed_and_live_ones_kept(cache):
    folder = cache / "k"
    folder.mkdir(parents=True)
    dead, live = folder / ".a.bin.1.tmp", folder / ".b.bin.2.tmp"
    dead.write_bytes(b"x")
    live.write_bytes(b"x")
    _aged(dead, 2 * 3600)
    cachefile.prune(folder)
    assert live.exists() and not dead.exists()
