"""The stat index of rule-set digests (engine/digest_index.py): it gives loader.digest_of's value, it
reads no file that has not changed, and a changed file is always seen, whatever stamps are kept."""
import os
import shutil
from pathlib import Path

import pytest

from engine import digest_index
from engine.loader import digest_of

LIBRARY = Path(__file__).resolve().parents[2] / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dest = tmp_path / "rs"
    shutil.copytree(LIBRARY, dest)
    return dest


@pytest.fixture
def reads(monkeypatch):
    """The files the index hashes again, by name."""
    seen = []
    real = digest_index.file_digest
    monkeypatch.setattr(digest_index, "file_digest", lambda root, rel: seen.append(rel) or real(root, rel))
    return seen


def later(monkeypatch, seconds=10):
    """Let the clock the index reads run `seconds` ahead: the files just written are then old enough
    to be trusted (a test cannot wait for MARGIN to pass)."""
    real = digest_index._now
    monkeypatch.setattr(digest_index, "_now", lambda: real() + seconds * 1_000_000_000)


def _index_files(folder):
    return list((folder.parent / "cache" / "certrules" / "digests").glob("*.bin"))


def test_same_digest_as_reading_every_file(folder, reads, monkeypatch):
    later(monkeypatch)
    assert digest_index.digest(folder) == digest_of(folder)
    assert reads and len(_index_files(folder)) == 1      # the first time: every file read
    reads.clear()
    assert digest_index.digest(folder) == digest_of(folder)
    assert reads == []                                   # then none


def _edit_keeping_stamps(path: Path):
    """Change a byte, keep the size, and put the mtime back as it was."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    at = data.index(b"5")
    data[at:at + 1] = b"6"
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_change_keeping_size_and_mtime_is_seen(folder, reads, monkeypatch):
    later(monkeypatch)
    old = digest_index.digest(folder)
    reads.clear()
    _edit_keeping_stamps(folder / "policy.yaml")
    new = digest_index.digest(folder)
    assert new != old and new == digest_of(folder)      # the ctime told
    assert reads == ["policy.yaml"]                     # and only that file was read again


def test_a_racy_entry_is_hashed_again(folder, reads, monkeypatch):
    """A file written again within the same clock tick after it was hashed keeps every stamp; the
    index cannot tell, so an entry as recent as the index is never trusted."""
    old = digest_index.digest(folder)                    # the files were written just now: all racy
    [index] = _index_files(folder)
    data = bytearray((folder / "policy.yaml").read_bytes())
    data[data.index(b"5")] = ord("6")
    (folder / "policy.yaml").write_bytes(bytes(data))
    # what a write within the same tick would leave: the stamp recorded is the stamp now
    import marshal
    from engine import cachefile
    key, taken, entries = marshal.loads(cachefile.read(index, digest_index.MAGIC))
    now = os.stat(folder / "policy.yaml")
    entries = tuple((rel, digest_index._stamp(now) if rel == "policy.yaml" else stamp, h) for rel, stamp, h in entries)
    cachefile.write(index, digest_index.MAGIC, marshal.dumps((key, taken, entries)))
    reads.clear()
    assert digest_index.digest(folder) == digest_of(folder) != old
    assert "policy.yaml" in reads


@pytest.mark.parametrize("change", ["add", "remove", "rename", "hidden", "subfolder"])
def test_the_list_of_files_is_checked(folder, monkeypatch, change):
    later(monkeypatch)
    old = digest_index.digest(folder)
    if change == "add":
        (folder / "extra.yaml").write_text("rules: []\n", encoding="utf-8")
    elif change == "remove":
        (folder / "policy.yaml").unlink()
    elif change == "rename":
        (folder / "policy.yaml").rename(folder / "policy2.yaml")
    elif change == "hidden":                             # not part of the rule set: the digest stays
        (folder / ".notes.yaml").write_text("x: 1\n", encoding="utf-8")
    else:
        (folder / "tests" / "more").mkdir(parents=True, exist_ok=True)
        (folder / "tests" / "more" / "t.yaml").write_text("x: 1\n", encoding="utf-8")
    new = digest_index.digest(folder)
    assert new == digest_of(folder)
    assert (new == old) == (change == "hidden")


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip"])
def test_a_damaged_index_is_rebuilt(folder, reads, monkeypatch, damage):
    later(monkeypatch)
    good = digest_index.digest(folder)
    [index] = _index_files(folder)
    data = bytearray(index.read_bytes())
    if damage == "garbage":
        data = bytearray(b"not an index")
    elif damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[-5] ^= 0xFF
    index.write_bytes(bytes(data))
    reads.clear()
    assert digest_index.digest(folder) == good
    assert reads                                         # rebuilt from the files, not trusted
    assert index.read_bytes() != bytes(data)


def test_a_link_in_the_folder_means_the_full_digest(folder, monkeypatch):
    later(monkeypatch)
    (folder / "linked.yaml").symlink_to(folder / "policy.yaml")
    calls = []
    real = digest_index.digest_of
    monkeypatch.setattr(digest_index, "digest_of", lambda root: calls.append(root) or real(root))
    assert digest_index.digest(folder) == digest_of(folder)
    assert calls and _index_files(folder) == []
