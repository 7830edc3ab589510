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
