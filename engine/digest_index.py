"""A rule set's digest (loader.digest_of) without reading the files that have not changed: a stat
index, validated as git validates its index.

The digest keys the cache of loaded rule sets (engine/codegen/cache.py), so a changed file must always
give a new digest, or a stale rule set would be evaluated. Reading and hashing every file costs a cold
`certrules eval` more than evaluating its case; a `stat` of each costs a few microseconds.

The index (one file per rule-set folder in the user's cache folder, engine/cachefile.py) holds, for
every file the digest covers, its name, its stamp (size, mtime and ctime in ns, inode, device, mode)
and its sha256, and `taken`: the clock (time.time_ns) read before those stamps were taken. A file's
recorded hash is used only when its stamp now is the same as recorded AND the recorded mtime and
ctime are both older than `taken - MARGIN`; otherwise the file is read and hashed again. Why that
is sound:

- Writing a file's content sets its ctime (and mtime) to the time of the write. `os.utime` can put
  the mtime back, but it sets the ctime to now: no ordinary call sets a ctime to the past. Renaming
  another file over it (an editor's save) changes the inode and ctime.
- A write made after the stamp was taken happens after `taken`, so it leaves a ctime of at least
  `taken` (less the coarse kernel clock's lag, milliseconds). If the recorded ctime is older than
  `taken - MARGIN`, such a write cannot leave the ctime as recorded: the stamps differ, the file is
  hashed again.
- A file whose recorded stamp is within MARGIN of `taken` is "racy" (git's word): it could have
  been written again within the same clock tick after it was hashed, keeping every stamp. It is
  hashed again at every use until its stamp is older than the index, then trusted.
- The set of files is the one loader.rule_files lists: the folder is walked again each time (names,
  hidden names and __pycache__ left out as listing does). A file added, removed or renamed makes a
  different list and the index is rebuilt. Anything the walk does not handle exactly as listing
  does (a symbolic link, a FIFO, a folder it cannot read) means no index: the full digest is taken.
- An index is written only after its list of files was checked equal to rule_files; it is keyed by
  the folder and the engine's fingerprint; a damaged, foreign or stale one is discarded and rebuilt.

What this trusts, as git and make do: that the clock is not set back by more than MARGIN, and that
the file system keeps a ctime (FAT does not; a network file system whose server's clock is more
than MARGIN behind this machine's can make a racy file look old). `certrules check` and loading
from the files always hash every file.
"""
from __future__ import annotations

import marshal
import os
import stat
import time
from pathlib import Path

from . import cachefile
from .folder import unlisted
from .loader import combined_digest, digest_of, file_digest, rule_files

MAGIC = b"certrules-digest-index 1\n"
MARGIN = 2_000_000_000      # ns: above FAT's 2 s mtime step, far above the kernel clock's lag


class _Unsure(Exception):
    """The folder holds something only the full listing handles (a link, a FIFO, an unreadable folder)."""


def _now() -> int:
    return time.time_ns()


def _stamp(st) -> tuple:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode)


def _walk(base: Path) -> list[tuple[str, tuple]]:
    """(relative name, stamp) of every file listing would give, sorted by name; _Unsure otherwise."""
    out = []
    stack = [("", str(base))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            raise _Unsure() from None
        for e in entries:
            if unlisted(e.name):
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                raise _Unsure() from None
            rel = prefix + e.name
            if stat.S_ISDIR(st.st_mode):
                stack.append((rel + "/", e.path))
            elif stat.S_ISREG(st.st_mode):
                out.append((rel, _stamp(st)))
            else:
                raise _Unsure()
    out.sort()
    return out


def _trusted(stamp: tuple, taken: int) -> bool:
    return stamp[1] < taken - MARGIN and stamp[2] < taken - MARGIN


def digest(root) -> str:
    """loader.digest_of(root), from the index where it holds."""
    from .codegen.cache import engine_fingerprint
    try:
        base = Path(root).resolve(strict=True)
        key = f"{base}\0{engine_fingerprint()}"
        path = cachefile.place("digests", key)
        if path is None:
            raise _Unsure()
        taken = _now()          # before any stamp is taken (see the module's docstring)
        files = _walk(base)
    except (OSError, RuntimeError, _Unsure):
        return digest_of(Path(root))
    known = _read(path, key)
    old_taken, recorded = known if known is not None else (0, {})
    names = [rel for rel, _ in files]
    same_files = len(recorded) == len(names) and all(rel in recorded for rel in names)
    if not same_files and names != rule_files(base):
        return digest_of(Path(root))        # the walk and the listing disagree: no index for this folder
    hashes = []
    rehashed = not same_files
    for rel, stamp in files:
        entry = recorded.get(rel)
        if entry is not None and entry[0] == stamp and _trusted(stamp, old_taken):
            hashes.append((rel, entry[1]))
        else:
            hashes.append((rel, file_digest(base, rel)))
            rehashed = True
    if rehashed and path is not None:
        entries = tuple((rel, stamp, h) for (rel, stamp), (_, h) in zip(files, hashes))
        cachefile.write(path, MAGIC, marshal.dumps((key, taken, entries)))
    return combined_digest(hashes)


def _read(path: Path, key: str):
    """(taken, {rel: (stamp, hash)}) of a sound index for `key`, else None."""
    payload = cachefile.read(path, MAGIC)
    if payload is None:
        return None
    try:
        stored, taken, entries = marshal.loads(payload)
        if stored != key or not isinstance(taken, int):
            raise ValueError("another folder or engine")
        return taken, {rel: (tuple(stamp), h) for rel, stamp, h in entries}
    except Exception:   # any doubt: rebuilt
        cachefile.remove(path)
        return None
