"""Where the data shipped with certrules lives: in a checkout, beside the package; in a wheel,
inside it (engine/_data/), so an installed `certrules` works from any directory."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`grammar`, `schemas` or `rulesets`."""
    packaged = _HERE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _HERE.parent / name


def user_cache_dir() -> Path | None:
    """The user's own cache folder for certrules ($XDG_CACHE_HOME or ~/.cache, then certrules/), made
    if need be; None when it cannot be made, is not a folder of ours, or others may write to it (what
    is read back from it is then never to be trusted)."""
    import os
    import stat
    try:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None
        folder = Path(base) / "certrules"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
        if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()) \
                or st.st_mode & 0o022:
            return None
        return folder
    except (OSError, RuntimeError, KeyError):
        return None
