"""Canonical JSON: sorted keys, exact decimals as JSON numbers, UTF-8, one trailing newline.

The same result gives the same bytes whatever the dict order, hash seed, time zone or locale.
No number makes the writer fail: numbers are written exactly from their digits (numbers.text), in
the exponent form beyond decimal128's range, and a number that is not finite (never made by FEEL)
is written as null.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from .numbers import text as number_text


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
        out.append(number_text(value) if value.is_finite() else "null")
    elif isinstance(value, int):
        out.append(str(value) if -10 ** 18 < value < 10 ** 18 else number_text(value))
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
