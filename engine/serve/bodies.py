"""What an API request's body says, read as the command line reads a case file: exact decimals,
duplicate keys refused, bounded size and depth, only the keys the endpoint takes. Plain functions of
the body's bytes, so that an evaluation process can read a body the server passed on untouched."""
from __future__ import annotations

from ..yamlio import YamlError, parse_json, parse_yaml
from .problems import HTTPProblem, bad_request

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
_TYPES = ("application/json",) + YAML_TYPES
EVALUATE_KEYS = ("case", "cases", "revision", "family", "outputs", "trace")


def media_type(content_type: str | None) -> str:
    """The body's media type from its Content-Type header; one that is neither JSON nor YAML: 415."""
    ctype = (content_type or "application/json").split(";")[0].strip().lower()
    if ctype not in _TYPES:
        raise HTTPProblem(415, "media_type", f"the body must be JSON (application/json) or YAML, not {ctype}")
    return ctype


def parse_body(raw: bytes, ctype: str, allowed: tuple) -> dict:
    """The request's JSON (or YAML) object, with only the keys this endpoint takes."""
    try:
        text = raw.decode("utf-8")      # (the C codec: utf-8-sig is one written in Python)
    except UnicodeDecodeError as exc:
        raise bad_request(f"the request body is not UTF-8 text (bad byte at offset {exc.start})") from None
    if text[:1] == "\ufeff":          # a byte-order mark is not part of the text
        text = text[1:]
    if not text.strip():
        raise bad_request("the request body is empty; send a JSON object")
    try:
        doc = (parse_yaml(text) if ctype in YAML_TYPES else parse_json(text)).data
    except YamlError as exc:
        where = f"line {exc.line}" + (f", column {exc.col}" if exc.col else "") + ": " if exc.line else ""
        raise bad_request(f"the request body: {where}{exc.message}") from None
    if not isinstance(doc, dict):
        raise bad_request("the request body must be a JSON object, e.g. {\"case\": {...}}")
    unknown = sorted(k for k in doc if k not in allowed)
    if unknown:
        raise bad_request(f"unknown key '{unknown[0]}' in the request; allowed: {', '.join(allowed)}", unknown[0])
    return doc


def text_option(doc, key):
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"'{key}' must be text, e.g. \"A/2\"", key)
    return value


def options(doc) -> dict:
    outputs = doc.get("outputs")
    if outputs is not None and (not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs)):
        raise bad_request("'outputs' must be a list of element ids, e.g. [\"a\", \"b\"]", "outputs")
    trace = doc.get("trace", True)
    if not isinstance(trace, bool):
        raise bad_request("'trace' must be true or false", "trace")
    return {"revision": text_option(doc, "revision"), "family": text_option(doc, "family"),
            "outputs": outputs, "trace": trace}
