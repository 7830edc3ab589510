"""JSON Schema validation with errors a rule author or case writer can act on.

Validators are built once per schema and cached. jsonschema's errors are rephrased into one plain
sentence each, located by the document's marks (file:line) or by the field path.

A case schema comes with the rule set, so it may be hostile too. Therefore:
- `$ref` resolves only inside the schema itself, the project's own schemas and the JSON Schema
  metaschemas, through a `referencing` registry whose retrieval is refused: nothing is fetched
  (no file://, no http://) and no fetched content can be echoed; an unresolvable `$ref` is a load
  error with its file and line, and so is a `$ref` loop that never reaches a value;
- `pattern` and `patternProperties` are matched by RE2, in linear time (a pattern RE2 cannot run,
  with look-around or back-references, is a load error);
- `multipleOf` is exact (fractions, never a float or a 28-digit context), `uniqueItems` and large
  `enum`s are checked by hashing, not by comparing every pair;
- checking one case takes at most MAX_STEPS keyword applications, so no schema and case together
  can make validation run without end.
"""
from __future__ import annotations

import contextvars
import functools
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import urljoin

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from .errors import Problem
from .i18n import Msg, either
from .paths import data_dir

SCHEMA_DIR = data_dir("schemas")
MAX_STEPS = 100_000          # keyword applications to check one case (an A/2 example case takes about 300)
CASE_SCHEMA_URI = "urn:certrules:case-schema"   # the base of a case schema without an $id of its own


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


# ---------------------------------------------------------------- references: nothing fetched

def _no_retrieval(uri: str):
    raise NoSuchResource(ref=uri)


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    """The metaschemas and the project's own schemas (by their $id), and nothing that could be fetched."""
    from jsonschema_specifications import REGISTRY as METASCHEMAS
    resources = [(uri, METASCHEMAS[uri]) for uri in METASCHEMAS]
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = schema_file(path.name)
        if isinstance(schema.get("$id"), str):
            resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
    return Registry(retrieve=_no_retrieval).with_resources(resources)


# ---------------------------------------------------------------- keywords made safe and counted

_STEPS: contextvars.ContextVar = contextvars.ContextVar("certrules_schema_steps", default=None)


class TooManySteps(Exception):
    """Checking a case against its schema would take more than MAX_STEPS keyword applications."""


def _spend(n: int = 1) -> None:
    steps = _STEPS.get()
    if steps is not None:
        steps[0] += n
        if steps[0] > MAX_STEPS:
            raise TooManySteps()


@functools.lru_cache(maxsize=4096)
def regex(pattern: str):
    """A pattern compiled by RE2 (linear time); ValueError saying why when RE2 cannot run it."""
    import re2
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"the pattern {describe(pattern)} cannot be matched in linear time ({detail}); "
                         "patterns may not use look-ahead, look-behind or back-references") from None


def canonical(value):
    """A hashable form with JSON Schema's equality: 1 == 1.0, true != 1, key order ignored."""
    if value is True or value is False:
        return ("b", value)
    if value is None:
        return ("z",)
    if isinstance(value, (int, Decimal)):
        return ("n", Decimal(value).normalize() if value else Decimal(0))
    if isinstance(value, float):
        return ("n", Decimal(repr(value)).normalize() if value else Decimal(0))
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("o", frozenset((k, canonical(v)) for k, v in value.items()))
    return ("?", repr(value))


def unique(items: list) -> bool:
    seen = set()
    for item in items:
        key = canonical(item)
        if key in seen:
            return False
        seen.add(key)
    return True


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and regex(pattern).search(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        rx = regex(pattern)
        for k, v in instance.items():
            if rx.search(k) is not None:
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _multiple_of(validator, factor, instance, schema):
    if not validator.is_type(instance, "number"):
        return
    if Fraction(str(instance)) % Fraction(str(factor)) != 0:
        yield ValidationError(f"{instance!r} is not a multiple of {factor}")


def _unique_items(validator, wanted, instance, schema):
    if wanted and validator.is_type(instance, "array") and not unique(instance):
        yield ValidationError(f"{instance!r} has non-unique elements")


def _enum(validator, members, instance, schema):
    _spend(len(members) if isinstance(members, list) else 1)
    keys = _enum_keys(id(members), members)
    if canonical(instance) not in keys:
        yield ValidationError(f"{instance!r} is not one of {members!r}")


_ENUMS: dict = {}


def _enum_keys(key, members):
    hit = _ENUMS.get(key)
    if hit is None or hit[0] is not members:
        hit = _ENUMS[key] = (members, frozenset(canonical(m) for m in (members if isinstance(members, list) else [])))
    return hit[1]


def _counted(fn):
    def keyword(validator, value, instance, schema):
        _spend()
        return fn(validator, value, instance, schema)
    return keyword


_SAFE = {"pattern": _pattern, "patternProperties": _pattern_properties, "multipleOf": _multiple_of,
         "uniqueItems": _unique_items, "enum": _enum}
CaseValidator = jsonschema.validators.extend(
    Draft202012Validator,
    {name: _counted(_SAFE.get(name, fn)) for name, fn in Draft202012Validator.VALIDATORS.items()})


def validator_for(schema: dict):
    """The validator of a case schema: references inside only, RE2 patterns, exact numbers, counted."""
    return CaseValidator(schema, format_checker=FORMATS, registry=registry())


def describe(value) -> str:
    """A value as a message shows it: text quoted (cut at 60 characters), a mapping or list by its kind."""
    if isinstance(value, str):
        return f"'{value}'" if len(value) < 60 else f"'{value[:57]}...'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return Msg("type_mapping")
    if isinstance(value, list):
        return Msg("type_list")
    return str(value)


_TYPE_WORDS = {"string": "type_text", "number": "type_number", "integer": "type_integer", "boolean": "type_true_or_false",
               "object": "type_mapping", "array": "type_list", "null": "type_null"}
_BOUNDS = {"minimum": "err_below_minimum", "exclusiveMinimum": "err_not_above", "maximum": "err_above_maximum",
           "exclusiveMaximum": "err_not_below"}


def plain(error) -> str:
    """One sentence for one jsonschema error (a Msg: said in the output's language)."""
    v = error.validator
    val = error.validator_value
    inst = error.instance
    if v == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        return Msg("err_required", name=missing[0] if missing else val[0])
    if v == "additionalProperties":
        extra = sorted(k for k in inst if k not in error.schema.get("properties", {})) if isinstance(inst, dict) else []
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        which = ", ".join(f"'{k}'" for k in extra)
        return Msg("err_unknown_key", keys=which, allowed=allowed) if allowed else Msg("err_unknown_key_only", keys=which)
    if v == "type":
        types = val if isinstance(val, list) else [val]
        return Msg("err_expected", want=either([Msg(_TYPE_WORDS[t]) if t in _TYPE_WORDS else str(t) for t in types]),
                   got=describe(inst))
    if v == "enum":
        return Msg("err_not_one_of", value=describe(inst), allowed=", ".join(str(describe(x)) for x in val))
    if v == "const":
        return Msg("err_expected", want=describe(val), got=describe(inst))
    if v == "format":
        if val == "date":
            return Msg("err_not_a_valid_date", value=describe(inst))
        return Msg("err_not_valid_format", value=describe(inst), format=val)
    if v in _BOUNDS:
        return Msg(_BOUNDS[v], value=describe(inst), bound=val)
    if v == "minItems":
        return Msg("err_min_items_one") if val == 1 else Msg("err_min_items", n=val)
    if v == "maxItems":
        return Msg("err_max_items", n=val)
    if v == "minLength":
        return Msg("err_text_empty") if val == 1 else Msg("err_min_length", n=val)
    if v == "maxLength":
        return Msg("err_max_length", n=val)
    if v == "pattern":
        return Msg("err_pattern", value=describe(inst), pattern=val)
    if v == "uniqueItems":
        return Msg("err_repeated_items")
    if v in ("oneOf", "anyOf"):
        if error.context:
            fitting = [e for e in error.context if e.validator != "type"]
            return plain(best_match(fitting or error.context))
        return Msg("err_no_form", value=describe(inst))
    if v == "not":
        return Msg("err_not_allowed", value=describe(inst))
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


@functools.lru_cache(maxsize=None)
def _file_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema_file(name), format_checker=FORMATS, registry=registry())


def validate_against(source_file, schema_name: str) -> list[Problem]:
    """Validate a whole document (a loader.SourceFile) against one of the project's schema files."""
    return [source_file.locate(tuple(err.absolute_path), plain(err))
            for err in _errors(_file_validator(schema_name), source_file.doc.data)]


def validate_case_schema(source_file) -> list[Problem]:
    data = source_file.doc.data
    try:
        Draft202012Validator.check_schema(_plain_json(data))
    except jsonschema.SchemaError as err:
        return [source_file.locate(tuple(err.absolute_path), f"not a valid JSON Schema: {err.message}")]
    return [source_file.locate(path, message) for path, message in schema_problems(data)]


# Where a schema holds subschemas (JSON Schema 2020-12), and which of them apply to the value itself
# ("in place") rather than to a part of it: a loop through those alone never reaches a value.
_ONE = ("additionalProperties", "unevaluatedProperties", "items", "unevaluatedItems", "contains", "propertyNames",
        "not", "if", "then", "else", "contentSchema", "additionalItems")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_IN_PLACE = {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref", "$dynamicRef"}


def _subschemas(node: dict):
    """(keyword, path suffix, subschema) of every subschema written in a schema node."""
    for key in _ONE:
        if isinstance(node.get(key), (dict, bool)):
            yield key, (key,), node[key]
    for key in _LIST:
        if isinstance(node.get(key), list):
            for i, sub in enumerate(node[key]):
                yield key, (key, i), sub
    for key in _MAP:
        if isinstance(node.get(key), dict):
            for name, sub in node[key].items():
                yield key, (key, name), sub


def schema_problems(schema) -> list[tuple[tuple, str]]:
    """What a case schema must not do, each with its path: a $ref that does not resolve inside the
    schema (nothing is fetched), a loop of $ref that never reaches a value, a pattern RE2 cannot run."""
    if not isinstance(schema, dict):
        return []
    problems: list[tuple[tuple, str]] = []
    paths: dict[int, tuple] = {}            # id(node) -> its path (or the reference that reached it)
    edges: dict[int, list] = {}             # id(node) -> in-place nodes (written or referred to)
    refs: list = []                         # (node, path, keyword, reference, resolver)
    uri = schema["$id"] if isinstance(schema.get("$id"), str) else CASE_SCHEMA_URI
    ours = registry().with_resource(uri, DRAFT202012.create_resource(schema))
    stack = [(schema, (), ours.resolver(base_uri=uri), uri)]
    while stack or refs:
        while stack:
            node, path, resolver, base = stack.pop()
            if not isinstance(node, dict) or id(node) in paths:
                continue
            paths[id(node)] = path
            if path and isinstance(node.get("$id"), str):
                resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
                base = urljoin(base, node["$id"])
            out = edges.setdefault(id(node), [])
            for key in ("$ref", "$dynamicRef"):
                if isinstance(node.get(key), str):
                    refs.append((node, path, key, node[key], resolver, base))
            for key, suffix, sub in _subschemas(node):
                if key in _IN_PLACE and isinstance(sub, dict):
                    out.append(sub)
                stack.append((sub, path + suffix, resolver, base))
            patterns = [(("pattern",), node["pattern"])] if isinstance(node.get("pattern"), str) else []
            if isinstance(node.get("patternProperties"), dict):
                patterns += [(("patternProperties", p), p) for p in node["patternProperties"]]
            for suffix, pattern in patterns:
                try:
                    regex(pattern)
                except ValueError as exc:
                    problems.append((path + suffix, str(exc)))
        # references, once the schema as written is known: a target elsewhere in it is walked too
        while refs and not stack:
            node, path, key, ref, resolver, base = refs.pop(0)
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable:
                problems.append((path + (key,), f"$ref '{ref}' does not resolve inside the case schema "
                                                 "(references are resolved within the schema and certrules' own "
                                                 "schemas; nothing is fetched)"))
                continue
            except Exception:   # a malformed reference: a bad pointer or URI
                problems.append((path + (key,), f"$ref '{ref}' is not a reference that can be resolved"))
                continue
            target = resolved.contents
            if not isinstance(target, dict):
                continue
            edges[id(node)].append(target)
            document = urljoin(base, ref).split("#")[0]
            if id(target) not in paths and document not in registry():   # in the case schema, not the project's
                stack.append((target, path + (key,), resolved.resolver, document or base))
    problems.extend(_loops(paths, edges))
    return problems


def _loops(paths: dict, edges: dict) -> list[tuple[tuple, str]]:
    """In-place loops (a $ref chain back to itself that never descends into a value), each once."""
    from .loader import format_path
    state: dict[int, int] = {}      # 1 = on the current path, 2 = done
    found = []
    for start in paths:
        if start in state:
            continue
        trail = [start]
        iters = [iter(edges.get(start, []))]
        state[start] = 1
        while iters:
            step = next(iters[-1], None)
            if step is None:
                state[trail.pop()] = 2
                iters.pop()
                continue
            target = id(step)
            if target not in paths:     # a schema of the project's (or a metaschema): not ours to loop
                continue
            if state.get(target) == 1:
                cycle = trail[trail.index(target):] + [target]
                shown = " -> ".join(format_path(paths[n]) or "(the schema)" for n in cycle)
                found.append((paths[cycle[0]], f"the schema refers to itself without reaching a value: {shown}"))
                continue
            if state.get(target) is None:
                state[target] = 1
                trail.append(target)
                iters.append(iter(edges.get(target, [])))
    return found


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
    token = _STEPS.set([0])
    try:
        errors = _errors(validator, data)
    except TooManySteps:
        return [Problem(f"checking the case against the case schema takes more than {MAX_STEPS:,} steps; "
                        "the schema and the case together are too large", path="(the case)")]
    except RecursionError:
        return [Problem("checking the case against the case schema nests too deeply", path="(the case)")]
    finally:
        _STEPS.reset(token)
    for err in errors:
        path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                       for i, p in enumerate(err.absolute_path)) or "(the case)"
        out.append(Problem(plain(err), path=path))
    return out
