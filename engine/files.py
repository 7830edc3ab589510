"""Writing files so that nothing is ever half-written: a temporary file beside the target, then a rename.

- A temporary file or folder is named `.TARGET.PID.RANDOM.tmp` (`.old` for a folder being replaced):
  the next write to the same target removes those left by a process that no longer runs (one killed
  with SIGKILL, or a machine that lost power), never those of a process still writing.
- Files and folders get the mode the umask gives (0644 and 0755 by default), not mkstemp's 0600;
  a file that replaces another keeps that file's mode.
- A folder is replaced by two renames (the old one aside, the new one in); when another process
  replaces the same folder at the same time, one complete result stays and the other process says
  so (OutputError, exit 6).
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def _fail(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {target}: {exc.strerror or exc}")


def _target(path) -> Path:
    """Where a write goes, absolute and without '.' or '..' (so `-o .` names the folder it means);
    the root of the file system has no name to write beside it and is refused."""
    target = Path(os.path.abspath(path))
    if not target.name:
        raise OutputError(f"cannot write {target}: it is the root of the file system, not a file or folder "
                          "certrules can write")
    return target


def _name(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:      # another user's process: it runs
        return True
    return True


def sweep(target: Path) -> None:
    """Remove what earlier writes to `target` left behind when their process died."""
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not name.endswith((".tmp", ".old")):
            continue
        parts = name[len(prefix):].split(".")
        if len(parts) != 3 or not parts[0].isdigit() or _running(int(parts[0])):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _mkdirs(path: Path, target: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        pass   # a file where a folder should be: named below
    except OSError as exc:
        raise _fail(target, exc) from None
    if not path.is_dir():
        blocker = next((p for p in [path, *path.parents] if p.exists()), path)
        raise OutputError(f"cannot write {target}: {blocker} is not a folder")


def write_atomic(path: Path, data, mode: str = "w") -> None:
    """Write text (or bytes with mode='wb') to path atomically."""
    with open_atomic(path, mode) as fh:
        fh.write(data)


@contextmanager
def open_atomic(path: Path, mode: str = "w"):
    """A file written as a stream (text, or bytes with mode='wb') that appears at `path` complete or
    not at all: a temporary file beside the target, renamed at the end."""
    path = _target(path)
    _mkdirs(path.parent, path)
    sweep(path)
    try:
        keep = os.lstat(path)
        keep = stat.S_IMODE(keep.st_mode) if stat.S_ISREG(keep.st_mode) else None
    except OSError:
        keep = None
    tmp = _name(path, ".tmp")
    try:
        # 0o666 less the umask, as any program's new file; O_EXCL|O_NOFOLLOW: never through a planted link
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        if keep is not None:
            os.fchmod(fd, keep)
        with os.fdopen(fd, mode, **({"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {})) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _fail(path, exc) from None
        raise


def staging_dir(target: Path) -> Path:
    """A new, empty folder beside `target` to write its next content in (see replace_dir_atomic)."""
    target = _target(target)
    _mkdirs(target.parent, target)
    sweep(target)
    staging = _name(target, ".tmp")
    try:
        os.mkdir(staging, 0o777)     # less the umask
    except OSError as exc:
        raise _fail(target, exc) from None
    return staging


_TAKEN = (errno.EEXIST, errno.ENOTEMPTY)


def replace_dir_atomic(staging: Path, target: Path, overwrite: bool = False) -> None:
    """Move a fully written staging folder into place; refuse to replace an existing folder unless told.
    If another process puts its own result at `target` meanwhile, that result stays and this one is
    dropped with an OutputError saying so."""
    staging, target = Path(staging), _target(target)
    old = None
    try:
        if target.exists() or target.is_symlink():
            if not overwrite:
                raise OutputError(f"{target} already exists; use --force to replace it")
            if not target.is_dir() or target.is_symlink():
                raise OutputError(f"{target} exists and is not a folder; it is not replaced")
            old = _name(target, ".old")
            try:
                os.rename(target, old)
            except FileNotFoundError:    # another process moved it aside first
                old = None
        try:
            os.rename(staging, target)
        except OSError as exc:
            if exc.errno not in _TAKEN and not (exc.errno == errno.ENOTDIR and target.exists()):
                if old is not None and not os.path.lexists(target):
                    os.rename(old, target)     # put the old folder back: nothing is lost
                    old = None
                raise
            raise OutputError(f"{target} was written by another process at the same time; its result is in "
                              "place and this one was dropped") from None
    except OSError as exc:
        raise _fail(target, exc) from None
    finally:
        for leftover in (staging, old):
            if leftover is not None and os.path.lexists(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
