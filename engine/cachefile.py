"""One file of the user's cache folder (engine/paths.py `user_cache_dir`): a magic line, a checksum of
what follows, then the payload. What fails to hold (another magic, a damaged or cut file) is removed
and reads as nothing: a cache is only an optimisation, so any doubt means rebuilding. A file is
written under a temporary name and renamed, so a reader never sees half of one.

Each kind of file is a folder that is kept within MAX_KIND_BYTES: after a write, the least recently
used files go first (a read marks a file used again when it was last marked over a day ago; a file's
mtime is the mark). Without that, every new rule-set revision and every engine release would leave
its entries behind (half a megabyte each) for good."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

MAX_KIND_BYTES = 256 * 1024 * 1024     # per kind (rulesets: about 500 entries of compiled rule sets)
_MARK_AFTER = 86_400                   # s: a file read is marked used when its mark is older than this
_LEFT_TEMPORARY = 3_600                # s: a temporary file this old was left by a process that died


def place(kind: str, name: str) -> Path | None:
    """Where the cache keeps `kind`/`name` (None when there is no cache folder of ours)."""
    from .paths import user_cache_dir
    folder = user_cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return folder / kind / f"{key}.bin"


def read(path: Path, magic: bytes) -> bytes | None:
    """The payload of a sound file, else None (a damaged one is removed)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
            marked = os.fstat(fh.fileno()).st_mtime
    except OSError:
        return None
    payload = data[len(magic) + 32:]
    if data.startswith(magic) and hashlib.sha256(payload).digest() == data[len(magic):len(magic) + 32]:
        if time.time() - marked > _MARK_AFTER:
            try:
                os.utime(path)
            except OSError:
                pass
        return payload
    remove(path)
    return None


def write(path: Path, magic: bytes, payload: bytes) -> None:
    """Write the file (silently nothing when that cannot be done)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(magic + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except OSError:
        remove(tmp)
        return
    prune(path.parent)


def prune(folder: Path, limit: int | None = None) -> None:
    """Remove the least recently used files of one kind's folder until the rest fit within `limit`
    bytes (MAX_KIND_BYTES; the newest file always stays), and temporary files left by processes that
    died."""
    limit = MAX_KIND_BYTES if limit is None else limit
    now = time.time()
    files = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if not e.is_file(follow_symlinks=False):
                    continue
                if e.name.endswith(".tmp"):
                    if now - st.st_mtime > _LEFT_TEMPORARY:
                        remove(Path(e.path))
                    continue
                files.append((st.st_mtime_ns, e.name, st.st_size))
    except OSError:
        return
    total = sum(size for _, _, size in files)
    files.sort()
    for _, name, size in files[:-1]:
        if total <= limit:
            break
        remove(folder / name)
        total -= size


def remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


_MEMO = b"certrules-memo 1\n"


def by_content(kind: str, raw: bytes, make):
    """make(raw), remembered under `kind` and the sha256 of raw: what is made from a file's text alone
    (a parsed catalogue, a manifest's fields) is read back instead of made again. The value must be
    marshal-able data (else it is not remembered)."""
    import marshal
    path = place(kind, hashlib.sha256(raw).hexdigest())
    payload = read(path, _MEMO) if path is not None else None
    if payload is not None:
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            remove(path)
    value = make(raw)
    if path is not None:
        try:
            write(path, _MEMO, marshal.dumps(value))
        except ValueError:          # not marshal-able: made again next time
            pass
    return value
