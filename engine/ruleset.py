"""A loaded rule set: read (loader.py), checked and compiled, ready to evaluate cases.

`load_ruleset(folder)` does every step once: schema validation of each file, compilation of every
expression, the reference graph (unknown names, cycles), the lint of tables (lint.py). All problems
of a load are reported together; errors stop the load, warnings are kept on the rule set.
"""
from __future__ import annotations

import functools
from pathlib import Path

from . import calendar
from .decisions import DecisionTable
from .elements import Check, Function, Parameter, Rule
from .errors import ProblemList, RuleSetError
from .expressions import Compiler, Scope
from .feel import default_registry
from .graph import order
from .i18n import Msg, declared
from .i18n import primary as primary_language
from .loader import SECTIONS, read_ruleset_folder
from .machines import StateMachine
from .record import Record
from .tables import Table

KINDS = {"parameters": Parameter, "functions": Function, "tables": Table, "rules": Rule, "decision_tables": DecisionTable,
         "checks": Check, "state_machines": StateMachine}


@functools.lru_cache(maxsize=1)
def function_registry():
    """The FEEL built-ins plus the engine's extra functions (the one documented hook: registry.register)."""
    registry = default_registry()   # a new registry each call: the engine's additions never leak into BUILTINS
    calendar.register(registry)
    return registry


class RuleSet(Record):
    __match_args__ = ("root", "manifest", "case_schema", "elements", "order", "clause_map", "warnings", "digest",
                      "source")

    def __init__(self, root: Path, manifest: dict, case_schema: dict, elements: dict, order: list,
                 clause_map: list | None = None, warnings: list | None = None, digest: str = "",
                 source: object = None):
        self.root = root
        self.manifest = manifest
        self.case_schema = case_schema
        self.elements = elements            # id -> element, in file order
        self.order = order                  # evaluation order
        self.clause_map = [] if clause_map is None else clause_map
        self.warnings = [] if warnings is None else warnings
        self.digest = digest
        self.source = source

    @property
    def family(self):
        return self.manifest["family"]

    @property
    def code(self):
        return self.manifest["code"]

    @property
    def revision(self):
        return self.manifest["revision"]

    @property
    def effective(self):
        return self.manifest["effective"]

    @property
    def name(self) -> str:
        return f"{self.code} {self.revision}"

    @functools.cached_property
    def case_validator(self):
        from .schemas import validator_for
        return validator_for(self.case_schema)

    @property
    def program(self):
        """The rule set's generated code (engine/codegen): made on first use, or loaded with the rule set
        from the cache (engine/codegen/cache.py)."""
        program = self.__dict__.get("_program")
        if program is None:
            from .codegen.program import build
            code, program = build(self, function_registry())
            self.__dict__["_code"] = code
            self.__dict__["_program"] = program
        return program

    def __getstate__(self):
        # what is made from the rest (the program, the case validator) is not kept with it
        return {k: v for k, v in self.__dict__.items() if k not in ("_program", "_code", "case_validator")}

    def identity(self) -> dict:
        m = self.manifest
        out = {"family": m["family"], "code": m["code"], "revision": m["revision"], "effective": m["effective"],
               "status": m["status"], "provenance": m.get("provenance", "authoritative"), "digest": self.digest}
        if m.get("title"):
            out["title"] = m["title"]
        return out

    @functools.cached_property
    def own_identity(self) -> dict:
        """The rule set as expressions see it under the name `ruleset` (RULESET_NAME)."""
        from datetime import date
        from .feel import to_feel
        m = self.manifest
        effective = m["effective"]
        return to_feel({
            "family": m["family"], "code": m["code"], "revision": m["revision"],
            "effective": date.fromisoformat(effective) if isinstance(effective, str) else effective,
            "status": m["status"], "provenance": m.get("provenance", "authoritative"),
            "assumptions": [{"id": a.get("id"), "clause": str(a.get("clause")), "status": a.get("status"),
                             "text": a.get("text")} for a in m.get("assumptions") or []],
        })


# Expressions may read the rule set's own identity as `ruleset` (unless the case schema has a field of
# that name): e.g. a check that warns when the revision evaluating a case is a reconstruction.
RULESET_NAME = "ruleset"
RULESET_HINT = {"family": "string", "code": "string", "revision": "string", "effective": "date", "status": "string",
                "provenance": "string",
                "assumptions": ["list", {"id": "string", "clause": "string", "status": "string", "text": None}]}


def type_hint(schema):
    """A case-schema node as a FEEL type hint, so the checker knows the fields and their types."""
    if not isinstance(schema, dict):
        return None
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None) if len([x for x in t if x != "null"]) == 1 else None
    if t == "object" or "properties" in schema:
        if schema.get("additionalProperties", True) is not False:
            return "context"
        return {name: type_hint(sub) for name, sub in (schema.get("properties") or {}).items()}
    if t == "array":
        return ["list", type_hint(schema.get("items"))]
    if t in ("number", "integer"):
        return "number"
    if t == "boolean":
        return "boolean"
    if t == "string":
        return "date" if schema.get("format") == "date" else "string"
    if "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        return "string"
    return None


def case_names(case_schema: dict) -> dict:
    """The top-level names a case gives to expressions, with their type hints."""
    props = case_schema.get("properties", {}) if isinstance(case_schema, dict) else {}
    return {name: type_hint(sub) for name, sub in props.items()}


def languages_of(src) -> list[str]:
    """The languages a rule set declares, as far as its manifest could be read (for its errors' language)."""
    data = src.manifest.doc.data if src.manifest is not None else None
    return declared(data) if isinstance(data, dict) and isinstance(data.get("languages"), list) else []


def load_ruleset(folder) -> RuleSet:
    src = read_ruleset_folder(Path(folder))
    problems = src.problems
    if problems.errors or src.manifest is None or src.case_schema is None:
        if src.manifest is not None and src.case_schema is None and not problems.errors:
            problems.add(Msg("err_no_case_schema"), file="ruleset.yaml")
        raise RuleSetError(Msg("err_ruleset_unloadable", folder=folder), problems.sorted(), languages_of(src))
    manifest = src.manifest.doc.data
    case_schema = src.case_schema.doc.data
    names = case_names(case_schema)
    names.setdefault(RULESET_NAME, RULESET_HINT)
    if "as_of" not in names:
        problems.add("the case schema must define 'as_of', the date a case is evaluated at",
                     file=src.case_schema.rel, line=1)

    # First pass: every element id, so that expressions may name any element of any file.
    seen: dict[str, tuple] = {}
    inferred: set = set()     # parameters whose type is only that of their value: a mismatch warns
    for sf in src.modules:
        for section in SECTIONS:
            for i, raw in enumerate(sf.doc.data.get(section) or []):
                eid = raw["id"]
                if eid in seen:
                    first = seen[eid]
                    problems.items.append(sf.locate((section, i, "id"),
                                                    Msg("err_duplicate_id", id=eid, file=first[0], line=first[1])))
                elif eid in names:
                    said = f"id '{eid}' is the name expressions use for the rule set itself; choose another name" \
                        if eid == RULESET_NAME and RULESET_NAME not in case_schema.get("properties", {}) \
                        else Msg("err_id_is_case_field", id=eid)
                    problems.items.append(sf.locate((section, i, "id"), said))
                else:
                    seen[eid] = (sf.rel, sf.doc.mark((section, i))[0])
                    names[eid] = KINDS[section].hint_of(raw)
                    if section == "parameters" and raw.get("type") in (None, "any") and names[eid] is not None:
                        inferred.add(eid)

    registry = function_registry()
    for i, fname in enumerate(manifest.get("functions") or []):
        if fname not in registry:
            problems.items.append(src.manifest.locate(("functions", i),
                                                      f"the rule set needs the function '{fname}', which this engine does not provide"))
    scope = Scope(names, registry, inferred=frozenset(inferred))
    compiler = Compiler(problems, language=primary_language(manifest))
    elements = {}
    for sf in src.modules:
        for section in SECTIONS:
            for i, raw in enumerate(sf.doc.data.get(section) or []):
                if raw["id"] in elements or seen.get(raw["id"], (None,))[0] != sf.rel:
                    continue
                elements[raw["id"]] = KINDS[section].build(sf, (section, i), raw, compiler, scope)

    ids, cycles = order(elements)
    for cyc in cycles:
        el = elements[cyc[0]]
        problems.items.append(el.sf.locate(el.path, "circular reference: " + " -> ".join(cyc)))

    from .lint import lint_ruleset
    clause_map = src.clause_map.doc.data["clauses"] if src.clause_map else []
    lint_ruleset(elements, src, problems)

    if problems.errors:
        raise RuleSetError(Msg("err_ruleset_errors", folder=folder), problems.sorted(), languages_of(src))
    return RuleSet(root=Path(folder), manifest=manifest, case_schema=case_schema, elements=elements,
                   order=ids, clause_map=clause_map, warnings=problems.sorted(), digest=src.digest, source=src)


__all__ = ["RuleSet", "load_ruleset", "ProblemList", "function_registry"]
