"""Progress bars for long work (generation, import, impact, the rulebook), drawn by tqdm on a terminal.

Silent when standard error is not a terminal (a pipe, a file, CI), so logs and captured output stay
clean; `CERTRULES_PROGRESS=0` silences it on a terminal too.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager


def wanted() -> bool:
    if os.environ.get("CERTRULES_PROGRESS", "") == "0":
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextmanager
def progress(total: int | None, what: str, unit: str = "case", enabled: bool | None = None):
    """Yields `advance(n)`; a bar with rate and time left when enabled (default: on a terminal)."""
    if not (wanted() if enabled is None else enabled):
        yield lambda n=1: None
        return
    from tqdm import tqdm
    bar = tqdm(total=total, desc=what, unit=unit, unit_scale=True, file=sys.stderr, dynamic_ncols=True,
               mininterval=0.25, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()


def track(items, what: str, unit: str = "item", total: int | None = None):
    """Iterate over items with a progress bar (on a terminal)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    with progress(total, what, unit) as advance:
        for item in items:
            yield item
            advance(1)
