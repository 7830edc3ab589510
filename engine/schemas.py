"""JSON Schema validation with errors a rule author or case writer can act on.

Validators are built once per schema and cached. jsonschema's errors are rephrased into one plain
sentence each, located by the document's marks (file:line) or by the field path.
"""
from __future__ import annotations

import functools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from .errors import Problem
from .paths import data_dir

SCHEMA_DIR = data_dir("schemas")


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date")(_is_date)


@functools.lru_cache(maxsize=None)
def schema_file(name: str) -> dict:
    with open(SCHEMA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=None)
def _rule_file_validator(kind: str) -> Draft202012Validator:
    root = schema_file("ruleset.schema.json")
    sub = {"$ref": f"#/$defs/{kind}", "$defs": root["$defs"]}
    return Draft202012Validator(sub, format_checker=FORMATS)


def validator_for(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FORMATS)


def describe(value) -> str:
    if isinstance(value, str):
        return f"'{value}'" if len(value) < 60 else f"'{value[:57]}...'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


_TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "null": "null"}


def plain(error) -> str:
    """One sentence for one jsonschema error."""
    v = error.validator
    val = error.validator_value
    inst = error.instance
    if v == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        return f"'{missing[0] if missing else val[0]}' is required here but missing"
    if v == "additionalProperties":
        extra = sorted(k for k in inst if k not in error.schema.get("properties", {})) if isinstance(inst, dict) else []
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        which = ", ".join(f"'{k}'" for k in extra)
        return f"unknown key {which}; allowed here: {allowed}" if allowed else f"unknown key {which}"
    if v == "type":
        types = val if isinstance(val, list) else [val]
        want = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return f"expected {want}, got {describe(inst)}"
    if v == "enum":
        return f"{describe(inst)} is not one of: {', '.join(describe(x) for x in val)}"
    if v == "const":
        return f"expected {describe(val)}, got {describe(inst)}"
    if v == "format":
        if val == "date":
            return f"{describe(inst)} is not a valid date (write YYYY-MM-DD, e.g. 2026-01-31)"
        return f"{describe(inst)} is not a valid {val}"
    if v == "minimum":
        return f"{describe(inst)} is below the minimum {val}"
    if v == "exclusiveMinimum":
        return f"{describe(inst)} must be greater than {val}"
    if v == "maximum":
        return f"{describe(inst)} is above the maximum {val}"
    if v == "exclusiveMaximum":
        return f"{describe(inst)} must be less than {val}"
    if v == "minItems":
        return f"the list needs at least {val} item{'s' if val != 1 else ''}"
    if v == "maxItems":
        return f"the list may have at most {val} items"
    if v == "minLength":
        return "this text must not be empty" if val == 1 else f"this text needs at least {val} characters"
    if v == "maxLength":
        return f"this text may have at most {val} characters"
    if v == "pattern":
        return f"{describe(inst)} does not have the expected form ({val})"
    if v == "uniqueItems":
        return "the list has repeated items"
    if v in ("oneOf", "anyOf"):
        if error.context:
            fitting = [e for e in error.context if e.validator != "type"]
            return plain(best_match(fitting or error.context))
        return f"{describe(inst)} does not match any allowed form"
    if v == "not":
        return f"{describe(inst)} is not allowed here"
    return error.message


def _errors(validator: Draft202012Validator, data):
    # Expand oneOf/anyOf into their best sub-error so the path points at the real problem.
    out = []
    for err in validator.iter_errors(data):
        while err.validator in ("oneOf", "anyOf") and err.context:
            # the branch whose type fits the value says what is really wrong with it
            fitting = [e for e in err.context if e.validator != "type"]
            sub = best_match(fitting or err.context)
            if sub is err:
                break
            # keep the outer path: sub-errors carry relative paths in their own absolute_path
            err = sub
        out.append(err)
    out.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return out


def validate_document(source_file, kind: str) -> list[Problem]:
    """Validate a rule file (a loader.SourceFile) against a $defs entry of ruleset.schema.json."""
    if kind == "case_schema":
        return validate_case_schema(source_file)
    validator = _rule_file_validator(kind)
    problems = []
    for err in _errors(validator, source_file.doc.data):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            # point at the unknown key itself, not at the mapping that holds it
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            if extra:
                path += (extra[0],)
                col = source_file.doc.key_marks.get(path, (None, None))[1]
                problems.append(source_file.locate(path, plain(err), col=col))
                continue
        problems.append(source_file.locate(path, plain(err)))
    return problems


def validate_case_schema(source_file) -> list[Problem]:
    data = source_file.doc.data
    try:
        Draft202012Validator.check_schema(_plain_json(data))
    except jsonschema.SchemaError as err:
        return [source_file.locate(tuple(err.absolute_path), f"not a valid JSON Schema: {err.message}")]
    return []


def _plain_json(value):
    """Decimal -> int/str-preserving JSON value for the metaschema check (no float involved)."""
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    return value


def case_problems(validator: Draft202012Validator, data) -> list[Problem]:
    """Validate a case; each problem names the field path in plain words."""
    out = []
    for err in _errors(validator, data):
        path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                       for i, p in enumerate(err.absolute_path)) or "(the case)"
        out.append(Problem(plain(err), path=path))
    return out
