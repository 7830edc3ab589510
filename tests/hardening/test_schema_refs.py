"""A hostile case schema (issue 17, items 1 and 5): `$ref` resolves only inside the schema and the
project's own schemas, nothing is fetched or echoed; a `$ref` loop is a load error naming its path;
patterns run in linear time (RE2); validation of one case is bounded (engine/schemas.py MAX_STEPS).
"""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from hardening_support import run_main
from test_resources import measure

SECRET = "TOP-SECRET-9d2c"
CASE = "as_of: 2026-03-01\nrevision: R1\nmember: {kind: student, joined_on: 2022-09-01}\n"


@pytest.fixture
def server():
    """A web server that would serve a schema holding a secret, and records every request."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802 - the library's name
            requests.append(self.path)
            body = json.dumps({"type": "string", "title": SECRET}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()


def _set_revision_schema(library, text, defs=""):
    """Replace the schema of `revision` (more properties may follow, indented by two), add $defs."""
    schema = library / "case.schema.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("revision: {type: string}", text)
                      + (f"$defs:\n{defs}\n" if defs else ""), encoding="utf-8")


@pytest.mark.parametrize("where", ["http", "file"])
def test_nothing_is_fetched_and_nothing_echoed(where, library, server, tmp_path, capsys):
    base, requests = server
    secret_file = tmp_path / "secret.json"
    secret_file.write_text(json.dumps({"type": "string", "title": SECRET}), encoding="utf-8")
    ref = f"{base}/schema.json" if where == "http" else secret_file.as_uri()
    _set_revision_schema(library, f'revision: {{$ref: "{ref}"}}')
    case = tmp_path / "c.yaml"
    case.write_text(CASE, encoding="utf-8")
    for args in (["check", library], ["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS"],
                 ["test", library]):
        code, out, err = run_main(args, capsys)
        assert SECRET not in out + err and "Traceback" not in out + err and "internal error" not in out + err
        assert code in (1, 3), (args, code, out, err)
        assert "does not resolve inside the case schema" in out + err and "case.schema.yaml:8" in out + err
    assert requests == []


def test_a_validator_built_by_hand_fetches_nothing_either(server):
    """engine.schemas.validator_for (used by RuleSet.case_validator) has retrieval disabled too."""
    from engine.schemas import validator_for
    base, requests = server
    validator = validator_for({"properties": {"x": {"$ref": f"{base}/s.json"}}})
    with pytest.raises(Exception) as exc:
        list(validator.iter_errors({"x": 1}))
    assert SECRET not in str(exc.value)
    assert requests == []


def test_references_inside_the_schema_and_to_the_project_still_work(library, tmp_path, capsys):
    _set_revision_schema(library, "revision: {$ref: '#/$defs/rev'}", "  rev: {type: string, pattern: '^R[0-9]+$'}")
    case = tmp_path / "c.yaml"
    case.write_text(CASE, encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS"], capsys)
    assert code == 0, err
    case.write_text(CASE.replace("revision: R1", "revision: X1"), encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS"], capsys)
    assert code == 5 or code == 4, (code, err)   # X1 names no revision (5), or does not fit the pattern (4)


@pytest.mark.parametrize("schema,defs", [
    ("revision: {$ref: '#/properties/revision'}", ""),
    ("revision: {$ref: '#/$defs/a'}", "  a: {anyOf: [{$ref: '#/$defs/a'}]}"),
    ("revision: {$ref: '#/$defs/a'}", "  a: {not: {$ref: '#/properties/revision'}}"),
    ("revision: {$dynamicRef: '#/$defs/a'}", "  a: {$ref: '#/properties/revision'}"),
], ids=["itself", "anyOf", "not", "dynamicRef"])
def test_a_ref_loop_is_a_load_error_naming_the_path(schema, defs, library, tmp_path, capsys):
    _set_revision_schema(library, schema, defs)
    code, out, err = run_main(["check", library], capsys)
    assert code == 1 and "refers to itself without reaching a value" in out and "case.schema.yaml" in out, out


def test_recursion_through_values_is_allowed(library, tmp_path, capsys):
    _set_revision_schema(library, "revision: {type: string}\n  tree: {$ref: '#/$defs/node'}",
                         "  node: {type: object, properties: {kids: {type: array, items: {$ref: '#/$defs/node'}}}}")
    code, out, err = run_main(["check", library], capsys)
    assert code == 0, out


def test_a_backtracking_pattern_runs_in_linear_time(library, tmp_path):
    """^(a+)+$ is fine for RE2: a 100,000-character non-match is checked at once."""
    _set_revision_schema(library, "revision: {type: string}\n  note: {type: string, pattern: '^(a+)+$'}")
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"as_of": "2026-03-01", "note": "a" * 100_000 + "!",
                                "member": {"kind": "student", "joined_on": "2022-09-01"}}), encoding="utf-8")
    out = measure(f"""
        import contextlib, io
        from engine.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["eval", {str(case)!r}, "--rulesets", {str(library.parent)!r}, "--family", "LIB-LOANS"])
        report(f"{{code}} {{err.getvalue()[:300]}}")
        """, tmp_path)["outcome"]
    assert out.startswith("4 ") and "note" in out and "does not have the expected form" in out, out


def test_an_exploding_schema_is_stopped_by_the_step_budget(library, tmp_path):
    """30 levels of allOf: [a, a] apply 2**30 schemas to one value; the check stops at MAX_STEPS."""
    levels = "\n".join(f"  l{i}: {{allOf: [{{$ref: '#/$defs/l{i - 1}'}}, {{$ref: '#/$defs/l{i - 1}'}}]}}"
                       for i in range(1, 31))
    _set_revision_schema(library, "revision: {$ref: '#/$defs/l30'}", f"  l0: {{type: string}}\n{levels}")
    case = tmp_path / "c.yaml"
    case.write_text(CASE, encoding="utf-8")
    out = measure(f"""
        import contextlib, io
        from engine.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["eval", {str(case)!r}, "--rulesets", {str(library.parent)!r}, "--family", "LIB-LOANS"])
        report(f"{{code}} {{err.getvalue()[:300]}}")
        """, tmp_path)["outcome"]
    assert out.startswith("4 ") and "more than 100,000 steps" in out, out


@pytest.mark.parametrize("keyword", ["uniqueItems", "enum"])
def test_unique_items_and_long_enums_are_hashed_not_compared_pairwise(keyword, library, tmp_path):
    """50,000 mappings under uniqueItems (jsonschema compares every pair: minutes), or against an
    enum of 5,000 mappings."""
    rule = ("{type: array, uniqueItems: true}" if keyword == "uniqueItems" else
            "{type: array, items: {enum: [" + ", ".join(f"{{k: {i}}}" for i in range(5000)) + "]}}")
    _set_revision_schema(library, f"revision: {{type: string}}\n  bag: {rule}")
    schema = library / "case.schema.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("additionalProperties: false\nproperties:",
                                                                 "properties:", 1), encoding="utf-8")
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2022-09-01"},
                                "bag": [{"k": i % 4999} for i in range(30_000)]}), encoding="utf-8")
    out = measure(f"""
        import contextlib, io
        from engine.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["eval", {str(case)!r}, "--rulesets", {str(library.parent)!r}, "--family", "LIB-LOANS"])
        report(f"{{code}} {{err.getvalue()[:300]}}")
        """, tmp_path)["outcome"]
    assert out.startswith("4 " if keyword == "uniqueItems" else "0 "), out


def test_multiple_of_is_exact_for_any_number(library, tmp_path, capsys):
    """jsonschema computes Decimal % with 28 digits: 1e30 % 0.01 raised InvalidOperation (exit 70)."""
    _set_revision_schema(library, "revision: {type: string}\n  amount: {type: number, multipleOf: 0.01}")
    case = tmp_path / "c.yaml"
    for amount, code_wanted in (("1e30", 0), ("12.345", 4), ("0.1", 0)):
        case.write_text(CASE + f"amount: {amount}\n", encoding="utf-8")
        code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS"], capsys)
        assert code == code_wanted and "Traceback" not in err and "internal error" not in err, (amount, code, err)
