"""A case: read from YAML or JSON, validated against the rule set's case schema, made FEEL values.

Numbers are exact (from their text), dates are ISO strings in the file and become dates where the
schema says `format: date`. Every problem names the field path in plain words.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from .errors import CaseError
from .feel import to_feel
from .i18n import Msg
from .yamlio import YamlError, load_file


def read_case_file(path) -> dict:
    """A case file named by the user: one sentence naming the file (and line, and field path) if it
    cannot be read, exit code 4."""
    path = Path(path)
    if path.is_dir():
        raise CaseError(Msg("err_at", where=path, message=Msg("err_case_is_folder")))
    if not path.exists():
        raise CaseError(Msg("err_at", where=path, message=Msg("err_no_case_file")))
    try:
        doc = load_file(path)
    except YamlError as exc:
        where = f"{path}:{exc.line}" + (f":{exc.col}" if exc.col else "") if exc.line else str(path)
        field = exc.where_in_document()
        raise CaseError(Msg("err_at", where=f"{where}: {field}" if field else where, message=exc.message)) from None
    if not isinstance(doc.data, dict):
        raise CaseError(Msg("err_at", where=path, message=Msg("err_case_not_mapping", kind=_kind(doc.data))))
    as_of = doc.data.get("as_of")
    if as_of is not None and not _iso_date(as_of):
        from .schemas import describe      # jsonschema is imported only when a case is wrong
        line, col = doc.mark(("as_of",))
        where = f"{path}:{line}:{col}" if line else str(path)
        raise CaseError(Msg("err_at", where=f"{where}: as_of", message=Msg("err_not_a_valid_date", value=describe(as_of))))
    return doc.data


def _kind(value) -> str:
    said = {list: lambda: Msg("kind_a_list"), str: lambda: Msg("kind_a_text"), int: lambda: Msg("kind_a_number"),
            Decimal: lambda: Msg("kind_a_number"), bool: lambda: Msg("kind_true_or_false"),
            type(None): lambda: Msg("kind_nothing")}.get(type(value))
    return said() if said else type(value).__name__


def _iso_date(value) -> bool:
    """as_of chooses the revision, so it is checked as soon as the file is read (with its line)."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_case(ruleset, data: dict, label: str = "the case") -> None:
    """Raise CaseError, listing every problem by its field path, unless the case fits the case schema."""
    from .registry import SELECTION_FIELDS
    from .schemas import case_problems
    props = ruleset.case_schema.get("properties") or {}
    if any(k in data and k not in props for k in SELECTION_FIELDS):
        # `revision` and `family` choose the rule set (registry.py): the engine's, not the rule set's,
        # so a case may name them whether or not its schema declares them
        data = {k: v for k, v in data.items() if k in props or k not in SELECTION_FIELDS}
    problems = case_problems(ruleset.case_validator, data)
    if problems:
        from .i18n import Msg, declared
        lines = [Msg("err_case_misfit_line", path=p.path, message=p.message) for p in problems]
        said = Msg("label_the_case") if label == "the case" else label
        raise CaseError(Msg("err_case_misfit", label=said, ruleset=ruleset.name, problems=lines),
                        languages=declared(ruleset.manifest))


def fast_check(schema):
    """A function data -> bool giving exactly jsonschema's verdict, deciding alone where the check
    generated from the schema is sure (engine/codegen/prepare.py); None when the schema uses a keyword
    that check does not know."""
    from .codegen.program import INVALID
    fn = _generated_prepare(schema)
    if fn is None:
        return None

    def check(data):
        r = fn(data)
        if r is INVALID:
            return False
        if r is not None:
            return True
        from .schemas import case_problems, validator_for
        return not case_problems(validator_for(schema), data)
    return check


_GENERATED: dict = {}


def _generated_prepare(schema):
    key = id(schema)
    hit = _GENERATED.get(key)
    if hit is None or hit[0] is not schema:
        from .codegen.prepare import emit_prepare
        from .codegen.program import _extras
        from .codegen.module import namespace, run
        from .codegen.writer import Literals, Names
        names = Names()
        lits = Literals(names)
        lines = emit_prepare(schema, names, lits)      # the schema's verdict alone, as jsonschema's
        fn = None
        if lines is not None:
            fn = run("\n".join(lits.defs + lines) + "\n", namespace(None, _extras()), "<certrules case schema>")["prepare"]
        hit = _GENERATED[key] = (schema, fn)   # the schema is kept so that its id stays unique
    return hit[1]


def to_values(schema: dict, data):
    """Convert a validated case to FEEL values, guided by the schema (strings with format date -> dates)."""
    if isinstance(data, dict):
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        extra = schema.get("additionalProperties") if isinstance(schema, dict) else None
        return {k: to_values(props.get(k, extra if isinstance(extra, dict) else {}), v) for k, v in data.items()}
    if isinstance(data, list):
        items = schema.get("items", {}) if isinstance(schema, dict) else {}
        return [to_values(items, v) for v in data]
    if isinstance(data, str) and isinstance(schema, dict) and schema.get("format") == "date":
        return date.fromisoformat(data)
    if isinstance(data, float):  # never from our readers; a Python caller passing floats gets exact text
        return Decimal(repr(data))
    return to_feel(data)


def prepare(ruleset, data: dict, label: str = "the case") -> dict:
    """Validate and convert: the environment an evaluation starts from, every schema field present.
    Runs the check and conversion generated from the case schema (engine/codegen/prepare.py)."""
    return ruleset.program.prepare(data, label)


def prepare_general(ruleset, data: dict, label: str = "the case") -> dict:
    """`prepare` by jsonschema and the schema-guided conversion: for what the generated check cannot
    decide alone (an invalid case, whose problems jsonschema words; a float, a subclass of dict...)."""
    validate_case(ruleset, data, label)
    env = to_values(ruleset.case_schema, data)
    props = ruleset.case_schema.get("properties", {})
    for name in props:
        env.setdefault(name, None)
    if "ruleset" not in props:   # the rule set's own identity (ruleset.RULESET_NAME)
        env["ruleset"] = ruleset.own_identity
    return env
