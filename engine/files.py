"""Writing files so that nothing is ever half-written: a temporary file beside the target, then a rename."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def write_atomic(path: Path, data, mode: str = "w") -> None:
    """Write text (or bytes with mode='wb') to path atomically."""
    with open_atomic(path, mode) as fh:
        fh.write(data)


@contextmanager
def open_atomic(path: Path, mode: str = "w"):
    """A file written as a stream (text, or bytes with mode='wb') that appears at `path` complete or
    not at all: a temporary file beside the target, renamed at the end."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {})) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def replace_dir_atomic(staging: Path, target: Path, overwrite: bool = False) -> None:
    """Move a fully written staging folder into place; refuse to replace an existing folder unless told."""
    if target.exists():
        if not overwrite:
            shutil.rmtree(staging, ignore_errors=True)
            raise OutputError(f"{target} already exists; use --force to replace it")
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def staging_dir(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
