"""A loaded rule set and its generated code, cached on disk across processes.

An entry is one file in the user's cache folder (engine/paths.py `user_cache_dir`, under
`rulesets/`), named by a key made of the rule set's digest (its files) and folder, the engine's version, a
fingerprint of the engine's own files (its code, message catalogues and grammar: a changed engine
makes a new key) and the Python version. The file holds a checksum of what follows it; an entry whose
checksum, key or content does not hold is rebuilt from the rule set's files, never trusted. Entries
are written under a temporary name and renamed, so a reader never sees half of one.

What is stored: the rule set as load_ruleset made it (pickled; the function registry by name only)
and the code objects of its generated modules, without and with the trace (marshal). Loading both takes a few milliseconds where
reading, checking and compiling the files takes hundreds.
"""
from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import sys
from pathlib import Path

MAGIC = b"certrules-ruleset-cache 1\n"
_FUNCTIONS = "engine function registry"


def _fingerprint_files(root: Path):
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if e.name != "__pycache__" and not e.name.startswith("."):
                    stack.append(Path(e.path))
            elif e.name.endswith((".py", ".yaml", ".lark", ".json")):
                st = e.stat()
                yield f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}"


_ENGINE_FP: str | None = None


def engine_fingerprint() -> str:
    """The engine's version, its files (names, sizes, times: as Python checks its own bytecode cache) and
    the Python version."""
    global _ENGINE_FP
    if _ENGINE_FP is None:
        from .. import __version__
        from ..paths import data_dir
        here = Path(__file__).resolve().parents[1]
        h = hashlib.sha256(f"{__version__}\0{sys.version}\0{sys.implementation.cache_tag}".encode())
        for root in (here, data_dir("grammar"), data_dir("schemas")):
            for line in _fingerprint_files(root):
                h.update(line.encode("utf-8", "surrogateescape") + b"\n")
        _ENGINE_FP = h.hexdigest()
    return _ENGINE_FP


def _path(key: str) -> Path | None:
    from ..paths import user_cache_dir
    folder = user_cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(f"{key}\0{engine_fingerprint()}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return folder / "rulesets" / f"{name}.bin"


class _Pickler(pickle.Pickler):
    def __init__(self, fh, registry):
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.registry = registry

    def persistent_id(self, obj):
        from ..feel.registry import FunctionRegistry
        if isinstance(obj, FunctionRegistry):
            if obj is not self.registry:
                raise pickle.PicklingError("a rule set compiled with another function registry")
            return _FUNCTIONS
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh, registry):
        super().__init__(fh)
        self.registry = registry

    def persistent_load(self, pid):
        if pid != _FUNCTIONS:
            raise pickle.UnpicklingError("unknown reference")
        return self.registry


def load(key: str):
    """The rule set stored under key (its digest and folder) from the cache, its program ready; None
    when there is no sound entry."""
    path = _path(key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    try:
        if not data.startswith(MAGIC):
            raise ValueError("not a cache entry")
        checksum, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
        if hashlib.sha256(payload).digest() != checksum:
            raise ValueError("damaged")
        stored, code_bytes, rs_bytes = marshal.loads(payload)
        if stored != f"{key}\0{engine_fingerprint()}":
            raise ValueError("another rule set or engine")
        code, traced_code = marshal.loads(code_bytes)
        from ..ruleset import function_registry
        registry = function_registry()
        rs = _Unpickler(io.BytesIO(rs_bytes), registry).load()
        if getattr(rs, "digest", None) != key.split("\0")[0]:
            raise ValueError("another rule set")
        from .program import Program
        rs.__dict__["_code"] = code
        rs.__dict__["_program"] = Program(rs, code, registry, traced_code)
        return rs
    except Exception:   # any doubt: the entry is rebuilt from the files (a cache is only an optimisation)
        _remove(path)
        return None


def store(rs, key: str) -> None:
    """Write the rule set and its generated code to the cache under key (silently nothing when that
    cannot be done)."""
    path = _path(key)
    if path is None:
        return
    from ..ruleset import function_registry
    try:
        program = rs.program            # generated now if it was not yet
        if program.traced_code is None:
            from .program import compile_module
            program.traced_code = compile_module(rs, program.functions, traced=True)
        buf = io.BytesIO()
        _Pickler(buf, function_registry()).dump(rs)
        payload = marshal.dumps((f"{key}\0{engine_fingerprint()}", marshal.dumps((rs.__dict__["_code"], program.traced_code)),
                                 buf.getvalue()))
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except Exception:
        try:
            tmp.unlink()
        except (OSError, NameError):
            pass


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
