"""Canonical JSON: sorted keys, exact decimals as JSON numbers, UTF-8, one trailing newline.

The same result gives the same bytes whatever the dict order, hash seed, time zone or locale.
No number makes the writer fail: numbers are written exactly from their digits (numbers.text), in
the exponent form beyond decimal128's range, and a number that is not finite (never made by FEEL)
is written as null.

orjson writes the text (a trace-on result of 200 kB in about a millisecond, where a writer in
Python takes fifteen): each Decimal reaches `_default`, which hands back its exact text as a raw
fragment, so no number passes through a float. What orjson will not write (an integer beyond 64
bits, a key that is not text, nesting deeper than 254, text that is not valid Unicode, an indent
other than 0 or 2) is written by `_encode`, the same rules in Python, so every value has one text.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from .numbers import text as number_text

orjson = None       # imported when first writing: a text summary needs `plain`, not orjson (and uuid, ...)
_OPTIONS = 0
_KEEP = 4096


class _Fragments(dict):
    """Decimal -> its text as a fragment (the text depends on the value alone: 2.50 == 2.5). orjson's
    `default` is this dict's own look-up, in C: a number written before costs no Python call (a
    result has dozens, a trace thousands). Anything else, and a number not met yet, is _default's."""
    __slots__ = ()

    def __missing__(self, value):
        return _default(value)


_FRAGMENTS = _Fragments()


def _number(value: Decimal):
    hit = _FRAGMENTS.get(value)
    if hit is None:
        hit = orjson.Fragment(number_text(value))
        if len(_FRAGMENTS) < _KEEP:
            _FRAGMENTS[value] = hit
    return hit


def _default(value):
    """What orjson does not write itself, as `_encode` writes it."""
    if isinstance(value, Decimal):
        return _number(value) if value.is_finite() else None
    if isinstance(value, int):           # a subclass of int (bool is written by orjson)
        return orjson.Fragment(_int_text(value))
    if isinstance(value, str):           # a subclass of str: its characters
        return str.__str__(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _int_text(value: int) -> str:
    return str(int(value)) if -10 ** 18 < value < 10 ** 18 else number_text(int(value))


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
        out.append(_int_text(value))
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
        # anything else (a float, an enum: neither FEEL nor the readers make one) as orjson writes it
        if orjson is None:
            _load_orjson()
        try:
            out.append(orjson.dumps(value, default=_default, option=_OPTIONS).decode())
        except orjson.JSONEncodeError:
            out.append(json.dumps(str(value), ensure_ascii=False))


def _load_orjson():
    global orjson, _OPTIONS
    import orjson as module
    _OPTIONS = module.OPT_SORT_KEYS | module.OPT_PASSTHROUGH_DATETIME | module.OPT_PASSTHROUGH_SUBCLASS \
        | module.OPT_PASSTHROUGH_DATACLASS
    orjson = module


def _fast(value, indent: int) -> bytes | None:
    if indent not in (0, 2):
        return None
    if orjson is None:
        _load_orjson()
    option = _OPTIONS | orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(value, default=_FRAGMENTS.__getitem__, option=option)
    except orjson.JSONEncodeError:
        pass            # (also a value the look-up cannot hash: a dict or list of a subclass, which _default writes)
    try:
        return orjson.dumps(value, default=_default, option=option)
    except orjson.JSONEncodeError:
        return None


def dumps(value, indent: int = 2) -> str:
    """The canonical JSON of a value as text (indent 0: on one line)."""
    data = _fast(value, indent)
    return data.decode("utf-8") if data is not None else dumps_python(value, indent)


def dumpb(value, indent: int = 2) -> bytes:
    """The same as UTF-8 bytes, for a response or a file. A lone surrogate (JSON text may carry one,
    UTF-8 cannot) is written as its JSON escape, \\udXXX, so the bytes are always valid UTF-8 and JSON."""
    data = _fast(value, indent)
    return data if data is not None else dumps_python(value, indent).encode("utf-8", "backslashreplace")


def dumps_python(value, indent: int = 2) -> str:
    """The same text, written in Python: for what orjson refuses, and the reference the tests hold it to."""
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
