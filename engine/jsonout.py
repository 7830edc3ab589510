"""Canonical JSON: sorted keys, exact decimals as JSON numbers, UTF-8, one trailing newline.

The same result gives the same bytes whatever the dict order, hash seed, time zone or locale.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal


def number_text(d: Decimal) -> str:
    """An exact decimal as plain JSON number text: no exponent, no trailing zeros (2.50 -> 2.5)."""
    if not d.is_finite():
        raise ValueError(f"{d} has no JSON form")
    if d == 0:
        return "0"
    # every digit the number holds (34 for decimal128): normalize() would round to the caller's
    # context, so 1/3*3 (0.999...9, 34 nines) would print as 1 although 1/3*3 = 1 is false
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _encode(value, indent, level, out):
    pad = "\n" + " " * (indent * (level + 1)) if indent else ""
    end = "\n" + " " * (indent * level) if indent else ""
    sep = "," if indent else ","
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        out.append(number_text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{")
        for i, key in enumerate(sorted(value, key=str)):
            if i:
                out.append(sep)
            out.append(pad)
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(": " if indent else ":")
            _encode(value[key], indent, level + 1, out)
        out.append(end + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(sep)
            out.append(pad)
            _encode(item, indent, level + 1, out)
        out.append(end + "]")
    else:
        out.append(json.dumps(str(value), ensure_ascii=False))


def dumps(value, indent: int = 2) -> str:
    out: list[str] = []
    _encode(value, indent, 0, out)
    return "".join(out) + "\n"


def plain(value):
    """A FEEL value (or the engine's own bookkeeping: ints, tuples) as JSON-ready data."""
    from .feel import to_plain
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return to_plain(value)
