"""The API under /api/v1, in-process: what it answers, that results are the command line's bytes,
and that every mistake gets the command line's sentence, its field path and the right status."""
from __future__ import annotations

import json
import shutil

import pytest

from serving import A2, CASES, as_json, case, cli_output, example, local_client, log_lines, post_json

import engine
from engine.loader import digest_of


def test_rule_sets_are_listed_with_their_digests(client):
    r = client.get("/api/v1/rulesets")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    items = {x["id"]: x for x in r.json()["rulesets"]}
    assert {"ZBC-SC-2025-A2", "ZBC-SC-2024-A1"} <= set(items)
    a2 = items["ZBC-SC-2025-A2"]
    assert (a2["revision"], a2["effective"], a2["status"], a2["provenance"]) == ("A/2", "2025-12-01", "approved",
                                                                                 "authoritative")
    assert a2["digest"] == digest_of(A2)
    assert items["ZBC-SC-2024-A1"]["provenance"] == "reconstructed"
    for link in a2["links"].values():
        assert client.get(link, follow_redirects=True).status_code == 200, link


@pytest.mark.parametrize("name", ["ZBC-SC-2025-A2", "A2", "a2"])
def test_a_revision_is_named_by_its_id_or_as_the_command_line_names_it(client, name):
    r = client.get(f"/api/v1/rulesets/{name}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "ZBC-SC-2025-A2" and body["supersedes"] == "A/1"
    assert len(body["outputs"]) == 13 and "audit_days" in body["outputs"]
    assert set(body["documents"]) == {"certificate", "report", "refusal"}


def test_clauses_elements_and_case_schema(client):
    rs = engine.load_ruleset(A2)
    clauses = client.get("/api/v1/rulesets/A2/clauses").json()["clauses"]
    assert [c["clause"] for c in clauses] == [str(c["clause"]) for c in rs.clause_map]
    elements = client.get("/api/v1/rulesets/A2/elements").json()["elements"]
    assert [e["id"] for e in elements] == list(rs.elements)
    one = client.get("/api/v1/rulesets/A2/elements/audit_days").json()
    assert one["clause"] == rs.elements["audit_days"].clause and one["definition"]["expr"]
    assert client.get("/api/v1/rulesets/A2/case-schema").json()["properties"].keys() == rs.case_schema["properties"].keys()


@pytest.mark.parametrize("path", sorted(p.name for p in CASES.glob("*.yaml")))
def test_a_result_is_byte_for_byte_what_the_command_line_prints(client, capsys, path):
    expected = cli_output(capsys, "eval", str(CASES / path), "--format", "json")
    r = post_json(client, "/api/v1/evaluate", {"case": case(path[:2])})
    assert r.status_code == 200
    assert r.text == expected


def test_a_batch_is_what_the_command_line_prints_for_several_files(client, capsys):
    files = [example(p) for p in ("01", "03", "13")]
    expected = cli_output(capsys, "eval", *map(str, files), "--format", "json", "--no-trace")
    r = post_json(client, "/api/v1/evaluate", {"cases": [case(p) for p in ("01", "03", "13")], "trace": False})
    assert r.status_code == 200 and r.text == expected
    assert len(r.json()) == 3


def test_outputs_and_revision_as_the_library_takes_them(client, capsys):
    expected = cli_output(capsys, "eval", str(example("03")), "--format", "json", "--revision", "A/1",
                          "--outputs", "level,audit_days")
    r = post_json(client, "/api/v1/evaluate", {"case": case("03"), "revision": "A/1", "outputs": ["level", "audit_days"]})
    assert r.text == expected
    assert set(r.json()["values"]) == {"level", "audit_days"}


def _error(r, status):
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["status"] == status and body["message"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body


@pytest.mark.parametrize("content, ctype, words", [
    (b"{not json", "application/json", "JSON syntax error"),
    (b"[1, 2]", "application/json", "must be a JSON object"),
    (b'{"case": {}, "cases": []}', "application/json", "either 'case'"),
    (b'{"case": {}, "colour": 1}', "application/json", "unknown key 'colour'"),
    (b'{"case": {}, "outputs": "level"}', "application/json", "'outputs' must be a list"),
    (b'{"case": {"a": 1, "a": 2}}', "application/json", "duplicate key 'a'"),
    (b"", "application/json", "empty"),
    (b"\xff\xfe", "application/json", "not UTF-8"),
])
def test_a_malformed_request_is_400_with_a_plain_sentence(client, content, ctype, words):
    body = _error(client.post("/api/v1/evaluate", content=content, headers={"content-type": ctype}), 400)
    assert words in body["message"]


def test_a_body_that_is_neither_json_nor_yaml_is_415(client):
    _error(client.post("/api/v1/evaluate", content=b"case", headers={"content-type": "text/plain"}), 415)


def test_yaml_is_taken_as_well(client):
    text = example("01").read_text(encoding="utf-8")
    body = "case:\n" + "".join("  " + ln + "\n" for ln in text.splitlines())
    r = client.post("/api/v1/evaluate", content=body.encode(), headers={"content-type": "application/yaml"})
    assert r.status_code == 200 and r.json()["values"]["level"] == "five_star"


def test_an_unknown_output_id_is_400_with_the_library_message(client):
    body = _error(post_json(client, "/api/v1/evaluate", {"case": case("01"), "outputs": ["levle"]}), 400)
    assert "has no element 'levle'" in body["message"]


def test_an_unknown_revision_is_404(client):
    body = _error(post_json(client, "/api/v1/evaluate", {"case": case("01"), "revision": "A/9"}), 404)
    assert "unknown revision 'A/9'" in body["message"]
    c = dict(case("01"), revision="A/7")
    body = _error(post_json(client, "/api/v1/evaluate", {"case": c}), 404)
    assert body["path"] == "revision" and "the case's revision (A/7)" in body["message"]
    _error(client.get("/api/v1/rulesets/A9"), 404)
    _error(client.get("/api/v1/rulesets/..%2F..%2Fetc"), 404)
    _error(client.get("/api/v1/rulesets/A2/elements/nope"), 404)


@pytest.mark.parametrize("path, char", [("/api/v1/rulesets/A2%00", "U+0000"), ("/api/v1/rulesets/A2%0A", "U+000A"),
                                         ("/api/v1/rulesets/A2/elements/level%7F", "U+007F"),
                                         ("/api/v1/rulesets/A2%C2%85/clauses", "U+0085")])
def test_a_control_character_in_a_path_names_nothing(client, path, char):
    """'A2\\0' was taken for A2 (revision names are matched by their letters and digits): 200."""
    body = _error(client.get(path), 404)
    assert body == {"status": 404, "code": "not_found", "message": f"no such page: the path holds the control character {char}"}
    page = client.get("/rulebook/ZBC-SC-2025-A2/index.html%00")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/rulesets/A2").status_code == 200


def test_a_case_that_does_not_fit_the_schema_is_422_at_its_field(client):
    c = case("01")
    c["audit"]["kind"] = "initail"
    body = _error(post_json(client, "/api/v1/evaluate", {"case": c}), 422)
    assert body["path"] == "audit.kind"
    assert body["message"].startswith("the case does not fit the case schema of ZBC-SC-2025 A/2:")
    assert "'initail' is not one of: 'initial', 'surveillance', 'recertification'" in body["message"]
    assert body["problems"] == [{"path": "audit.kind", "message": "'initail' is not one of: 'initial', "
                                                                  "'surveillance', 'recertification'"}]


def test_in_a_batch_the_path_names_the_case(client):
    bad = case("01")
    bad["organization"]["service_headcount"] = "many"
    body = _error(post_json(client, "/api/v1/evaluate", {"cases": [case("02"), bad]}), 422)
    assert body["path"] == "cases[1].organization.service_headcount"
    assert body["message"].startswith("cases[1] does not fit the case schema")


@pytest.mark.parametrize("c, path, words", [
    ({"as_of": "2026-13-01"}, "as_of", "is not a valid date"),
    ([1, 2], None, "a case must be a mapping"),
    ({"as_of": "2026-01-20", "colour": "red"}, "(the case)", "unknown key 'colour'"),
])
def test_other_case_mistakes_are_422(client, c, path, words):
    body = _error(post_json(client, "/api/v1/evaluate", {"case": c}), 422)
    assert words in body["message"]
    assert body.get("path") == path


def test_a_case_before_any_revision_is_404_at_as_of(client):
    body = _error(post_json(client, "/api/v1/evaluate", {"case": {"as_of": "2001-01-01"}}), 404)
    assert body["path"] == "as_of" and "no revision of ZBC-SC was in force on 2001-01-01" in body["message"]


def test_render_as_the_command_line_renders(client, capsys):
    expected = cli_output(capsys, "render", "certificate", str(example("01")))
    r = post_json(client, "/api/v1/render/certificate", {"case": case("01")})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text == expected
    assert "'sha256-" in r.headers["content-security-policy"]


def test_a_document_not_earned_is_422_with_the_reasons(client):
    body = _error(post_json(client, "/api/v1/render/certificate", {"case": case("03")}), 422)
    assert "does not earn it" in body["message"] and "score_below_minimum" in body["message"]
    r = post_json(client, "/api/v1/render/refusal", {"case": case("03")})
    assert r.status_code == 200 and "5.9.4" in r.text


def test_an_unknown_document_is_404(client):
    body = _error(post_json(client, "/api/v1/render/diploma", {"case": case("01")}), 404)
    assert "has no document 'diploma'" in body["message"] and "certificate" in body["message"]


@pytest.mark.parametrize("fmt", ["json", "text", "md", "html", "patch"])
def test_diff_as_the_command_line(client, capsys, fmt):
    expected = cli_output(capsys, "diff", "A/1", "A/2", "--format", fmt)
    r = post_json(client, "/api/v1/diff", {"old": "A/1", "new": "A/2", "format": fmt})
    assert r.status_code == 200 and r.text == expected


def test_diff_of_an_unknown_revision_is_404(client):
    _error(post_json(client, "/api/v1/diff", {"old": "A/1", "new": "B/2"}), 404)
    _error(post_json(client, "/api/v1/diff", {"old": "A/1"}), 400)


def test_the_openapi_document_describes_exactly_the_routes(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    from engine.serve.api import ROUTES
    routes = {(r.path, m.lower()) for r in ROUTES for m in r.methods if m != "HEAD"}
    described = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert routes == described
    assert doc["components"]["schemas"]["Result"]["required"] == ["ruleset", "selection", "engine", "as_of",
                                                                  "values", "findings"]


def test_the_result_validates_against_the_schema_the_openapi_document_gives(client):
    import jsonschema
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Result"]
    result = json.loads(post_json(client, "/api/v1/evaluate", {"case": case("07")}).text)
    jsonschema.validate(result, schema)


def test_one_log_line_per_request_without_case_contents(client):
    c = case("01")
    with log_lines() as lines:
        post_json(client, "/api/v1/evaluate", {"case": c})
        client.get("/api/v1/rulesets")
        post_json(client, "/api/v1/evaluate", {"case": {"as_of": "x"}})
    assert len(lines) == 3
    method, path, status, ms, digest = lines[0].split(" ")
    assert (method, path, status) == ("POST", "/api/v1/evaluate", "200")
    assert ms.endswith("ms") and float(ms[:-2]) >= 0
    assert digest == digest_of(A2)
    assert lines[1].split(" ")[:3] == ["GET", "/api/v1/rulesets", "200"] and lines[1].endswith(" -")
    assert lines[2].split(" ")[2] == "422"
    text = "\n".join(lines)
    for secret in (c["organization"]["name"], c["organization"]["uscc"], c["certificate"]["number"]):
        assert secret not in text


@pytest.mark.parametrize("doc", [{"case": "01"}, {"cases": ["01", "03"]}], ids=["one case (direct.py)", "a batch (api.py)"])
def test_a_bug_is_500_in_one_line_without_a_traceback(client, monkeypatch, doc):
    server = client.app.state.server

    def broken(*a, **kw):
        raise ZeroDivisionError("the case's secret value 42")
    monkeypatch.setattr(server, "select", broken)             # where a batch's cases are matched to a rule set
    monkeypatch.setattr(server.catalog, "items", broken)      # what a single case's worker is sent
    body = {k: case(v) if k == "case" else [case(p) for p in v] for k, v in doc.items()}
    with log_lines() as lines:
        r = post_json(client, "/api/v1/evaluate", body)
    body = _error(r, 500)
    assert body["code"] == "internal" and "ZeroDivisionError" in body["message"]
    assert "secret" not in r.text
    assert any("internal error ZeroDivisionError at" in ln for ln in lines)
    assert not any("secret" in ln for ln in lines)


def test_health(client):
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["workers"] == 1


def test_a_yaml_batch_is_answered_as_the_json_one(client):
    """A single case goes straight to a worker (direct.py); a batch the worker recognises only once it
    has read the body (here YAML, with no quoted "cases" to see) is passed on to api.py whole."""
    docs = [case(p) for p in ("01", "03")]
    expected = post_json(client, "/api/v1/evaluate", {"cases": docs, "trace": False}).text
    body = "trace: false\ncases:\n" + "".join(f"  - {as_json(d).decode()}\n" for d in docs)
    r = client.post("/api/v1/evaluate", content=body.encode(), headers={"content-type": "application/yaml"})
    assert r.status_code == 200 and r.text == expected and len(r.json()) == 2


def test_a_rule_set_that_appears_while_serving_reaches_the_workers(tmp_path):
    """The workers choose a case's rule set among the server's, sent to them when the list changes."""
    from engine.serve.settings import Settings
    rules = tmp_path / "rules"
    rules.mkdir()
    with local_client(Settings(workers=1, rulesets=(str(rules),), refresh_seconds=0)) as c:
        _error(post_json(c, "/api/v1/evaluate", {"case": case("01"), "revision": "A/9"}), 404)
        folder = rules / "ZBC-SC-2025-A9"
        shutil.copytree(A2, folder)
        manifest = folder / "ruleset.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("revision: A/2", "revision: A/9"),
                            encoding="utf-8")
        r = post_json(c, "/api/v1/evaluate", {"case": case("01"), "revision": "A/9", "trace": False})
        assert r.status_code == 200 and r.json()["selection"]["revision"] == "A/9"
