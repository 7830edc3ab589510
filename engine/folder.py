"""The edge of a rule-set folder: every file a rule set contributes is reached through here.

A rule set is a folder; what it may contribute is the regular files inside it. `member` is the one
rule: a name written in a rule file (a case schema, a test's base, a template) or found by listing
the folder is joined to the folder, resolved with every symbolic link followed, and refused unless
the result is a regular file inside the folder. `read_member` opens exactly that resolved file
(without following a link swapped in afterwards, and without blocking on a FIFO). The loader, the
templates and their requirements, the rule-author tests and their fixtures, the digest and copying
(`new-revision`, `apply`) all go through these functions, so there is one place to get it right.

Copying never follows a link out: a link that stays inside is reproduced as a link, any other is
refused with its name.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

SKIPPED = ("__pycache__",)     # never part of a rule set (and names starting with '.', see `listed`)


class RefusedPath(Exception):
    """A path that is not a file of the rule set. `reason` completes a sentence whose subject is the
    file ("is a link pointing outside the rule set"); `message` is that sentence with the name."""

    def __init__(self, rel: str, reason: str):
        self.rel = rel
        self.reason = reason
        self.message = f"'{rel}' {reason}" if rel else f"the path {reason}"
        super().__init__(self.message)


def _root(root) -> Path:
    try:
        return Path(root).resolve(strict=True)
    except RecursionError:
        raise
    except (OSError, RuntimeError) as exc:
        raise RefusedPath(str(root), f"cannot be read as a rule-set folder ({getattr(exc, 'strerror', None) or exc})") \
            from None


def unlisted(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED


def check_name(rel) -> str:
    """A path as written in a rule file: relative, forward slashes, no '..', no drive ('C:'), no
    control character. Returns it in its one spelling ('./a//b' is 'a/b'), or raises."""
    if not isinstance(rel, str) or not rel:
        raise RefusedPath(str(rel) if rel is not None else "", "is not a relative path to a file of the rule set")
    if any(ord(c) < 32 or ord(c) == 127 for c in rel):
        raise RefusedPath(repr(rel)[1:-1], "holds a control character; it is not a name of a file of the rule set")
    if "\\" in rel or rel.startswith("/") or Path(rel).is_absolute() or PureWindowsPath(rel).drive \
            or any(part == ".." for part in PurePosixPath(rel).parts):
        raise RefusedPath(rel, "points outside the rule set (files are named relative to the rule-set folder, "
                               "without '..' or an absolute path)")
    canonical = PurePosixPath(rel).as_posix()
    if canonical == ".":
        raise RefusedPath(rel, "is not a relative path to a file of the rule set")
    return canonical


def member(root, rel, kind: str = "file") -> Path:
    """The resolved path of `rel` inside `root`: a regular file (or, with kind='dir', a folder)
    that lies inside the folder once every symbolic link is followed; RefusedPath otherwise."""
    base = _root(root)
    rel = check_name(rel.as_posix() if isinstance(rel, PurePosixPath) else rel)
    candidate = base / rel
    try:
        resolved = candidate.resolve(strict=True)
    except FileNotFoundError:
        if candidate.is_symlink():
            raise RefusedPath(rel, "is a broken link") from None
        raise RefusedPath(rel, "does not exist") from None
    except RecursionError:
        raise
    except (OSError, RuntimeError) as exc:   # RuntimeError: a loop of links (Python < 3.13)
        raise RefusedPath(rel, f"cannot be read ({getattr(exc, 'strerror', None) or 'a loop of links'})") from None
    if resolved != base and base not in resolved.parents:
        raise RefusedPath(rel, "is a link pointing outside the rule set; it is not read")
    if any(unlisted(part) for part in resolved.relative_to(base).parts):
        # what `listed` leaves out is not part of the rule set: not covered by the digest, so never read
        raise RefusedPath(rel, "is hidden (a name starting with '.', or __pycache__): it is not part of the "
                               "rule set and is not read")
    mode = resolved.stat().st_mode
    if kind == "dir":
        if not stat.S_ISDIR(mode):
            raise RefusedPath(rel, "is not a folder")
    elif not stat.S_ISREG(mode):
        raise RefusedPath(rel, "is a folder, not a file" if stat.S_ISDIR(mode) else "is not a regular file")
    return resolved


def overlaps(a, b) -> bool:
    """Whether two folders are the same or one lies inside the other, links resolved: a folder written
    from a rule set must lie apart from it, or replacing it (--force) would delete the source, and
    copying it would copy the copy into itself."""
    a, b = Path(os.path.abspath(a)).resolve(), Path(os.path.abspath(b)).resolve()
    return a == b or a in b.parents or b in a.parents


def is_member(root, rel, kind: str = "file") -> bool:
    try:
        member(root, rel, kind)
        return True
    except RefusedPath:
        return False


def read_member(root, rel, max_bytes: int) -> bytes:
    """The bytes of a file of the rule set (see `member`), refusing one larger than max_bytes."""
    path = member(root, rel)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RefusedPath(rel, f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):   # swapped after the check
            raise RefusedPath(rel, "is not a regular file")
        if info.st_size > max_bytes:
            raise RefusedPath(rel, f"is {info.st_size / 1048576:.1f} MB, more than the {max_bytes // 1048576} MB "
                                   "a rule or case file may have")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RefusedPath(rel, f"grew beyond {max_bytes // 1048576} MB while it was read")
    return data


def listed(root, under: str = "", suffixes=(), recursive: bool = True) -> tuple[list[str], list[RefusedPath]]:
    """The files of the rule set below `under` (relative names, sorted), and those refused.

    Names starting with '.' and __pycache__ are not part of a rule set. Links to folders are not
    walked into (one inside would list its files twice; one outside is refused).
    """
    base = _root(root)
    files: list[str] = []
    refused: list[RefusedPath] = []
    if under:
        if not (base / under).is_dir() and not (base / under).is_symlink():
            return files, refused
        try:
            member(root, under, "dir")
        except RefusedPath as exc:
            return files, [exc]
    for dirpath, dirnames, filenames in os.walk(base / under if under else base):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if unlisted(d):
                continue
            if (here / d).is_symlink():
                rel = (here / d).relative_to(base).as_posix()
                try:
                    member(root, rel, "dir")
                    refused.append(RefusedPath(rel, "is a link to a folder; files behind it are not read"))
                except RefusedPath as exc:
                    refused.append(exc)
                continue
            keep.append(d)
        dirnames[:] = keep if recursive else []
        for name in sorted(filenames):
            if name.startswith(".") or (suffixes and not name.endswith(tuple(suffixes))):
                continue
            rel = (here / name).relative_to(base).as_posix()
            try:
                member(root, rel)
                files.append(rel)
            except RefusedPath as exc:
                refused.append(exc)
    return sorted(files), sorted(refused, key=lambda e: e.rel)


def copy_folder(src, dest) -> None:
    """Copy a rule-set folder into `dest` (which exists and is empty): regular files and folders as
    they are; a symbolic link that stays inside is reproduced as a relative link; a link pointing
    outside, or anything that is not a file, a folder or a link, is refused with its name."""
    import shutil      # here, not at the top: reading a rule set (a cold `certrules eval`) copies nothing
    base = _root(src)
    dest = Path(dest)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(base)
        dirnames[:] = sorted(d for d in dirnames if not unlisted(d))   # not part of the rule set: not copied
        for name in sorted(f for f in filenames if not unlisted(f)) + [d for d in dirnames if (here / d).is_symlink()]:
            source = here / name
            rel = (rel_dir / name).as_posix()
            target = dest / rel_dir / name
            info = source.lstat()
            if stat.S_ISLNK(info.st_mode):
                try:
                    resolved = source.resolve(strict=True)
                except RecursionError:
                    raise
                except (OSError, RuntimeError):
                    raise RefusedPath(rel, "is a broken link or a loop of links; it is not copied") from None
                if resolved != base and base not in resolved.parents:
                    raise RefusedPath(rel, "is a link pointing outside the rule set; it is not copied")
                os.symlink(os.path.relpath(resolved, (base / rel_dir).resolve()), target)
            elif stat.S_ISREG(info.st_mode):
                shutil.copy2(source, target, follow_symlinks=False)
            elif not stat.S_ISDIR(info.st_mode):
                raise RefusedPath(rel, "is not a regular file, a folder or a link; it is not copied")
        dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
        for d in dirnames:
            (dest / rel_dir / d).mkdir()
            shutil.copystat(here / d, dest / rel_dir / d)
