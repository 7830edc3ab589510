"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json).

Written out rather than inferred: each operation says what it takes and gives in the library's own
terms; the result document is the engine's schemas/result.schema.json itself.
"""
from __future__ import annotations

import functools

from .. import __version__

ERRORS = {
    "400": "the request is malformed: not JSON, an unknown key, an unknown output id",
    "401": "the server was started with --token-file and the request has no (or a wrong) token",
    "403": "refused: a client not on this machine (without a token), a Host name that is not local",
    "404": "no such revision, element or document",
    "413": "the body or the batch is larger than the server takes",
    "415": "the body is neither JSON nor YAML",
    "422": "the case cannot be evaluated: it does not fit the case schema, does not earn the document, or its "
           "evaluation overran the time limit",
    "503": "a configured rule set does not load, Chromium is missing for PDF, or the server is busy",
    "500": "a bug in certrules (one line, no traceback)",
}


def _error_responses(*codes) -> dict:
    return {c: {"description": ERRORS[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


RULESET_PARAM = {"name": "ruleset", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "the rule set's id (e.g. ZBC-SC-2025-A2) or its revision as the command line takes it "
                                "(A2, a2); never a path"}

LANG = {"type": "string", "description": "the language to show, one of the rule set's languages (as --lang)"}

CASE_OPTIONS = {
    "revision": {"type": "string", "description": "evaluate by this revision instead of the one the case names or the "
                                                  "one in force on its as_of (as --revision)"},
    "family": {"type": "string", "description": "the rule-set family, when several are served (as --family)"},
}


@functools.lru_cache(maxsize=1)
def document() -> dict:
    from ..schemas import schema_file
    result = {k: v for k, v in schema_file("result.schema.json").items() if k not in ("$id", "$schema")}
    get = lambda summary, ref, desc, params=(), errors=("404",): {  # noqa: E731
        "get": {"summary": summary, "parameters": list(params),
                "responses": {"200": _json(ref, desc), **_error_responses(*errors, "500")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "certrules", "version": __version__,
                 "description": "Evaluate cases against versioned rule sets; every value with the clause behind it. "
                                "Results are exactly what `certrules eval --format json` prints."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "needed when the server was started with --token-file"}},
            "schemas": {
                "Result": result,
                "Results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["status", "code", "message"],
                    "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                                   "message": {"type": "string", "description": "the command line's message"},
                                   "path": {"type": "string", "description": "the field path, e.g. organization.name or "
                                                                             "cases[2].as_of"},
                                   "problems": {"type": "array", "items": {"type": "object", "properties": {
                                       "path": {"type": "string"}, "message": {"type": "string"}}}}}}}},
                "RuleSet": {"type": "object", "required": ["id", "family", "code", "revision", "effective", "status",
                                                           "provenance", "digest"],
                            "properties": {k: {"type": "string"} for k in ("id", "family", "code", "revision", "effective",
                                                                           "status", "provenance", "digest",
                                                                           "superseded_by")}
                            | {"links": {"type": "object"}}},
                "RuleSets": {"type": "object", "properties": {"rulesets": {"type": "array", "items": {
                    "$ref": "#/components/schemas/RuleSet"}}}},
                "Clauses": {"type": "object", "properties": {"clauses": {"type": "array", "items": {"type": "object"}}}},
                "Element": {"type": "object", "required": ["id", "kind", "clause"], "properties": {
                    "id": {"type": "string"}, "kind": {"type": "string"}, "clause": {"type": "string"},
                    "defined_at": {"type": "string"}, "title": {}, "text": {}, "interpretation": {},
                    "definition": {"type": "object", "description": "the element as written in its rule file"}}},
                "Elements": {"type": "object", "properties": {"elements": {"type": "array", "items": {
                    "$ref": "#/components/schemas/Element"}}}},
                "Schema": {"type": "object", "description": "a JSON Schema"},
                "Health": {"type": "object", "properties": {"status": {"const": "ok"}}},
                "Diff": {"type": "object", "required": ["old", "new", "summary", "changes"],
                         "description": "what `certrules diff OLD NEW --format json` prints"},
            },
        },
        "security": [{}, {"token": []}],
        "paths": {
            "/api/v1/health": get("the server is up", "Health", "status and version", errors=()),
            "/api/v1/rulesets": get("the rule sets served, by family and effective date", "RuleSets",
                                    "every revision with its id, status, provenance and digest", errors=()),
            "/api/v1/rulesets/{ruleset}": get("one revision: identity, provenance, change record, outputs, documents",
                                              "RuleSet", "the revision", [RULESET_PARAM]),
            "/api/v1/rulesets/{ruleset}/clauses": get("the clause map: each clause, its text, the elements that encode "
                                                      "it or why it is procedural", "Clauses", "the clauses",
                                                      [RULESET_PARAM]),
            "/api/v1/rulesets/{ruleset}/elements": get("the rule elements: id, kind, clause, title, interpretation",
                                                       "Elements", "the elements", [RULESET_PARAM]),
            "/api/v1/rulesets/{ruleset}/elements/{element}": get(
                "one element with its definition", "Element", "the element",
                [RULESET_PARAM, {"name": "element", "in": "path", "required": True, "schema": {"type": "string"}}]),
            "/api/v1/rulesets/{ruleset}/case-schema": get("the facts a case supplies (JSON Schema)", "Schema",
                                                          "the case schema", [RULESET_PARAM]),
            "/api/v1/evaluate": {"post": {
                "summary": "evaluate one case or a batch",
                "description": "Each case is evaluated by the revision it names, or the one in force on its as_of, "
                               "unless `revision` is given. `outputs` limits the evaluation to those values and what "
                               "they need; `trace: false` leaves the trace out (as --no-trace). One result for "
                               "`case`, a list for `cases`, exactly as `certrules eval --format json` prints them. "
                               "A batch fails as a whole on the first case that cannot be evaluated; the error's "
                               "path names it (cases[3].organization.name).",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"case": {"type": "object", "description": "a case, as in a case file"},
                                   "cases": {"type": "array", "items": {"type": "object"}},
                                   "outputs": {"type": "array", "items": {"type": "string"}},
                                   "trace": {"type": "boolean", "default": True}, **CASE_OPTIONS}}}}},
                "responses": {"200": {"description": "the result (one case) or the results (a batch)",
                                      "content": {"application/json": {"schema": {"oneOf": [
                                          {"$ref": "#/components/schemas/Result"},
                                          {"$ref": "#/components/schemas/Results"}]}}}},
                              **_error_responses("400", "404", "413", "415", "422", "503", "500")}}},
            "/api/v1/diff": {"post": {
                "summary": "what changed between two revisions, clause by clause (as `certrules diff`)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["old", "new"], "additionalProperties": False,
                    "properties": {"old": {"type": "string"}, "new": {"type": "string"},
                                   "format": {"enum": ["json", "text", "md", "html", "patch"], "default": "json"},
                                   "lang": LANG}}}}},
                "responses": {"200": {"description": "the diff in the format asked for", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Diff"}},
                    "text/plain": {}, "text/markdown": {}, "text/html": {}, "application/yaml": {}}},
                    **_error_responses("400", "404", "413", "415", "503", "500")}}},
            "/api/v1/render/{document}": {"post": {
                "summary": "one of the rule set's documents for a case (as `certrules render`)",
                "parameters": [{"name": "document", "in": "path", "required": True, "schema": {"type": "string"},
                                "description": "a document of the rule set, as named by its templates/ folder"}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["case"], "additionalProperties": False,
                    "properties": {"case": {"type": "object"}, "format": {"enum": ["html", "pdf"], "default": "html"},
                                   "lang": LANG, **CASE_OPTIONS}}}}},
                "responses": {"200": {"description": "the document", "content": {"text/html": {},
                                                                                 "application/pdf": {}}},
                              **_error_responses("400", "404", "413", "415", "422", "503", "500")}}},
            "/api/v1/openapi.json": {"get": {"summary": "this document", "responses": {"200": {
                "description": "OpenAPI 3.1", "content": {"application/json": {}}}}}},
        },
    }
