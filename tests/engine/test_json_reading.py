"""yamlio.parse_json against the reader it replaced (the reference below: json.loads with a hook that
built each object key by key, then _check_json's walk of every value, always): the same data, to the
type of each number, and the same error, message, line, column and path, on varied JSON."""
from __future__ import annotations

import json
import random

import pytest

from engine.yamlio import MAX_DEPTH, MAX_NODES, Document, YamlError, _check_json, _json_constant, _json_float, \
    _json_int, parse_json


def reference_parse_json(text: str) -> Document:
    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key '{k}'")
            out[k] = v
        return out
    try:
        data = json.loads(text, parse_float=_json_float, parse_int=_json_int, parse_constant=_json_constant,
                          object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise YamlError(f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno) from None
    except (ValueError, RecursionError) as exc:
        msg = str(exc) if isinstance(exc, ValueError) else f"the document nests deeper than {MAX_DEPTH} levels"
        raise YamlError(msg) from None
    _check_json(data)      # the walk of every value, as it was; now only for documents in doubt
    return Document(data, {(): (1, 1)}, {})


def outcome(parse, text):
    try:
        doc = parse(text)
    except YamlError as exc:
        return ("error", type(exc).__name__, exc.message, exc.line, exc.col, exc.path)
    return ("data", repr(doc.data), doc.marks, doc.key_marks)     # repr: 1, True and Decimal('1.0') differ


NUMBERS = ["0", "1", "2", "3.5", "-0", "7", "-12", "123456789012345678", "-123456789012345678", "1234567890123456789",
           "9" * 34, "9" * 35, "1" + "0" * 4100, "9" * 5001, "0.1", "-0.10", "2.50", "1e3", "1E+3", "-2.5e-7",
           "1e-6143", "1e999999999", "9.999999999999999999999999999999999e6144", "0." + "1" * 40, "NaN",
           "Infinity", "-Infinity", "true", "false", "null"]
STRINGS = ['"a"', '""', '"10:30"', '"a\\":"', '"\\u00e9t\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\n\\t\\"\\\\"', '"认证"', '"1e5"']
KEYS = ["a", "b", "c", "\\u0061", "é", "\\ud83d\\ude00", "", "t:"]


def document(rnd: random.Random, depth: int) -> str:
    """A JSON text: objects (keys that repeat now and then, also written as escapes), lists, numbers
    exact or refused, strings with escapes."""
    roll = rnd.random()
    if depth <= 0 or roll < 0.35:
        return rnd.choice(NUMBERS + STRINGS)
    n = rnd.choice([0, 1, 2, 3, 5])
    if roll < 0.7:
        keys = [rnd.choice(KEYS) + (str(rnd.randrange(6)) if rnd.random() < 0.8 else "") for _ in range(n)]
        return "{" + ", ".join(f'"{k}": {document(rnd, depth - 1)}' for k in keys) + "}"
    return "[" + ",".join(document(rnd, depth - 1) for _ in range(n)) + "]"


def nested(levels: int, inner: str = "1") -> str:
    """`inner` inside `levels` lists and objects in turn: its depth is `levels`."""
    return "".join('{"k": ' if i % 2 else "[" for i in range(levels)) + inner + \
        "".join("}" if i % 2 else "]" for i in reversed(range(levels)))


EDGES = [
    nested(MAX_DEPTH - 1), nested(MAX_DEPTH), nested(MAX_DEPTH + 1), nested(MAX_DEPTH - 1, "[]"),
    nested(MAX_DEPTH - 1, "{}"), nested(MAX_DEPTH, "[]"), nested(MAX_DEPTH, "{}"), nested(MAX_DEPTH, "[[]]"),
    nested(MAX_DEPTH - 1, "1e999999999"), nested(MAX_DEPTH + 1, "1e999999999"), nested(3000),
    "[" + ",".join(["1"] * (MAX_NODES - 1)) + "]", "[" + ",".join(["1"] * MAX_NODES) + "]",
    "{" + ",".join(f'"k{i}": 1' for i in range(MAX_NODES // 2)) + "}",
    "{" + ",".join(f'"k{i}": 1' for i in range(MAX_NODES // 2 - 1)) + "}",
    "[" + ",".join(["[]"] * (MAX_NODES - 1)) + "]",
    '{"a": 1, "b": {"c": [1, {"d": 2, "d": 3}]}, "a": 2}', '{"a": [{"x": 1e999999999}], "b": NaN}',
    '{"é": 1, "\\u00e9": 2}', '{"a": 1, "a": 1e999999999}', '[1, 2', '{"a" 1}', '', ' ', '\ufeff{"a": 1}',
    '{"a": 1} x', '1e999999999', '"\\ud800"', '[1e999999999, ' + "9" * 5001 + ']', 'nan', '{"a": -}',
    # around parse_json's bounds for reading without a second look (brackets, length)
    "[" * MAX_DEPTH + "]" * MAX_DEPTH, "[" * MAX_DEPTH + "1e999999999" + "]" * MAX_DEPTH,
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), '["' + "[" * 100 + '", {"a": 1e999999999}]',
    '{"a": "' + "x" * (MAX_NODES - 10) + '"}', '{"a": "' + "x" * (MAX_NODES - 9) + '", "b": ' + "9" * 40 + '}',
    '{"a": [' + ",".join(["{}"] * 40) + '], "a": 1}', '[' + ",".join(["[1]"] * 70) + ', 1e999999999]',
]


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_the_same_outcome_at_the_edges(text):
    assert outcome(parse_json, text) == outcome(reference_parse_json, text)


def test_the_same_outcome_on_varied_documents():
    rnd = random.Random(15)
    kinds = set()
    for _ in range(3000):
        text = document(rnd, rnd.randrange(1, 7))
        got = outcome(parse_json, text)
        assert got == outcome(reference_parse_json, text), text
        kinds.add("data" if got[0] == "data" else "duplicate" if "duplicate key" in got[2] else
                  "refused at a path" if got[5] else "other")
    assert kinds >= {"data", "duplicate", "refused at a path"}, kinds


def test_a_case_is_read_without_a_hook_per_object_and_what_is_in_doubt_is_not():
    """_plain_json reads a typical case (so the reader compared above is the one the server and the
    corpora use), and leaves to the others a text with a key written twice, a colon in a string (its
    count of keys cannot tell), a number beyond the table or the exact context, and a mistake."""
    from decimal import Decimal

    from engine.yamlio import _NOT_PLAIN, _plain_json
    case = '{"as_of": "2026-01-20", "audit": {"planned_onsite_days": 3.5, "sites": {"count": 9}}, ' \
           '"organization": {"customer_count": 185000, "service_headcount": 420}, "scores": [9.50, -1, 0]}'
    data = _plain_json(case)
    assert data == json.loads(case, parse_float=Decimal)
    assert repr(data["scores"][0]) == "Decimal('9.50')" and type(data["organization"]["customer_count"]) is int
    for text in ['{"a": 1, "a": 2}', '{"a": "10:30"}', '{"a": 1, "b": {"a": 1, "a": 1}}',
                 '[' + "9" * 35 + ']', '[' + "1." + "0" * 40 + ']', '[1e-7000]', '[NaN]', '[1, 2', '{"a": 1} x']:
        assert _plain_json(text) is _NOT_PLAIN, text
        assert outcome(parse_json, text) == outcome(reference_parse_json, text)
    for text in ['[1e3, 0.1e1, -2.5E-7, -0.0, -0, 10000, -1000, 10001, -1001]', '[' + "9" * 19 + ']']:   # as number() reads them
        assert _plain_json(text) is not _NOT_PLAIN
        assert outcome(parse_json, text) == outcome(reference_parse_json, text)
