"""One file of the user's cache folder (engine/paths.py `user_cache_dir`): a magic line, a checksum of
what follows, then the payload. What fails to hold (another magic, a damaged or cut file) is removed
and reads as nothing: a cache is only an optimisation, so any doubt means rebuilding. A file is
written under a temporary name and renamed, so a reader never sees half of one."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


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
    except OSError:
        return None
    payload = data[len(magic) + 32:]
    if data.startswith(magic) and hashlib.sha256(payload).digest() == data[len(magic):len(magic) + 32]:
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
