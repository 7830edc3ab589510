"""A loaded rule set and its generated code, cached on disk across processes.

An entry is a file in the user's cache folder (engine/cachefile.py: checksummed, written
atomically), under `rulesets/`, named by a key made of the rule set's digest (its files:
engine/digest_index.py) and folder, the engine's version, a fingerprint of the engine's own files (its
code, message catalogues and grammar: a changed engine makes a new key) and the Python version. An
entry whose checksum, key or content does not hold is rebuilt from the rule set's files, never trusted.

What is stored: the rule set as load_ruleset made it (pickled; the function registry by name only)
and the code object of its generated module without the trace (marshal); that with the trace is a
file of its own beside it (`.traced`, with the same key), read only when a trace is asked for. Loading costs a few milliseconds where reading,
checking and compiling the files takes hundreds.
"""
from __future__ import annotations

import functools
import hashlib
import io
import marshal
import os
import pickle
import sys
from pathlib import Path

MAGIC = b"certrules-ruleset-cache 2\n"
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
    from .. import cachefile
    return cachefile.place("rulesets", f"{key}\0{engine_fingerprint()}")


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
    from .. import cachefile
    path = _path(key)
    payload = cachefile.read(path, MAGIC) if path is not None else None
    if payload is None:
        return None
    try:
        stored, code_bytes, rs_bytes = marshal.loads(payload)
        if stored != f"{key}\0{engine_fingerprint()}":
            raise ValueError("another rule set or engine")
        from ..ruleset import function_registry
        registry = function_registry()
        rs = _Unpickler(io.BytesIO(rs_bytes), registry).load()
        if getattr(rs, "digest", None) != key.split("\0")[0]:
            raise ValueError("another rule set")
        code = marshal.loads(code_bytes)
        rs.__dict__["_code"] = code
        program = rs.__dict__["_program"] = _stored_program_class()(rs, code, registry)
        program.__dict__["_traced_from"] = (_traced_path(path), stored)
        program.__dict__["_entry"] = stored
        return rs
    except Exception:   # any doubt: the entry is rebuilt from the files (a cache is only an optimisation)
        cachefile.remove(path)
        return None


def _traced_path(path: Path) -> Path:
    """The traced code beside its entry, a file of its own: the larger half, which most processes
    never read (nor checksum)."""
    return path.with_suffix(".traced")


def _read_code(path: Path, stored: str):
    """The code object in the file at path if it was written for `stored` (an entry's key, or a reduced
    module's name), else None (then generated again)."""
    from .. import cachefile
    payload = cachefile.read(path, MAGIC)
    if payload is None:
        return None
    try:
        key, code_bytes = marshal.loads(payload)
        if key != stored:
            raise ValueError("another rule set or engine")
        return marshal.loads(code_bytes)
    except Exception:
        cachefile.remove(path)
        return None


def _code_payload(stored: str, code) -> bytes:
    return marshal.dumps((stored, marshal.dumps(code)))


def reduced_code(program, ids: tuple, mode: str, make):
    """The code of one of a cached program's reduced modules (Program.run or derive over `ids` only,
    `mode` saying which variant), from a file of its own beside the entry, else make() stored there.
    Impact analysis asks for a few of these per pair of revisions, in every worker; generating each
    costs as much as a whole module. A program that did not come from or go to the cache (no entry to
    name it by: a rule set loaded from its files alone, maybe changed since) always uses make()."""
    from .. import cachefile
    stored = program.__dict__.get("_entry")
    name = f"{stored}\0{mode}\0" + "\0".join(ids) if stored else None
    path = cachefile.place("rulesets", name) if name else None
    if path is None:
        return make()
    code = _read_code(path, name)
    if code is None:
        code = make()
        cachefile.write(path, MAGIC, _code_payload(name, code))
    return code


@functools.lru_cache(maxsize=1)
def _stored_program_class():
    from .program import Program     # not when this module is imported for engine_fingerprint

    class StoredProgram(Program):
        """A Program loaded from the cache: its traced code read when a trace is first asked for."""

        @property
        def traced_code(self):
            code = self.__dict__.get("_traced_code")
            if code is None and "_traced_from" in self.__dict__:
                code = self.__dict__["_traced_code"] = _read_code(*self.__dict__.pop("_traced_from"))
            return code

        @traced_code.setter
        def traced_code(self, value):
            self.__dict__["_traced_code"] = value

    return StoredProgram


def store(rs, key: str) -> None:
    """Write the rule set and its generated code to the cache under key (silently nothing when that
    cannot be done)."""
    from .. import cachefile
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
        stored = f"{key}\0{engine_fingerprint()}"
        payload = marshal.dumps((stored, marshal.dumps(rs.__dict__["_code"]), buf.getvalue()))
        traced = _code_payload(stored, program.traced_code)
    except Exception:   # something that cannot be stored: no entry, the files are read next time
        return
    cachefile.write(_traced_path(path), MAGIC, traced)
    cachefile.write(path, MAGIC, payload)
    program.__dict__["_entry"] = stored
