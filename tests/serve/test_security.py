"""Who may ask, what a response may load, how much a request may send, how long an evaluation may take."""
from __future__ import annotations

import asyncio
import re

import pytest

from serving import A2, case, local_client, post_json

from engine.serve import security
from engine.serve.settings import Settings, is_loopback

TOKEN = "s3cret-token-0123456789abcdef"


def test_loopback_addresses():
    for host in ("127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "192.168.1.10", "10.0.0.1", "::", "example.org", ""):
        assert not is_loopback(host), host


def test_without_a_token_a_request_from_another_machine_is_refused():
    with local_client(Settings(workers=1), client=("192.0.2.10", 40000), lifespan=False) as c:
        for path in ("/api/v1/rulesets", "/", "/api/v1/openapi.json"):
            r = c.get(path)
            assert r.status_code == 403, path
        assert "only requests from this machine" in c.get("/api/v1/health").json()["error"]["message"]


def test_a_host_name_that_is_not_local_is_refused():
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) reaches nothing."""
    with local_client(Settings(workers=1), lifespan=False) as c:
        assert c.get("/api/v1/health", headers={"host": "evil.example:8400"}).status_code == 403
        assert c.get("/api/v1/health", headers={"host": "localhost:8400"}).status_code == 200


@pytest.fixture(scope="module")
def guarded():
    with local_client(Settings(host="0.0.0.0", token=TOKEN, workers=1), client=("192.0.2.10", 40000)) as c:
        yield c


def test_with_a_token_a_request_without_it_is_refused(guarded):
    r = guarded.get("/api/v1/rulesets")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"]["code"] == "token"
    assert guarded.get("/api/v1/rulesets", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/api/v1/rulesets", headers={"authorization": f"Bearer {TOKEN}x"}).status_code == 401
    ok = guarded.get("/api/v1/rulesets", headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    r = post_json(guarded, "/api/v1/evaluate", {"case": case("01")}, headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.json()["values"]["level"] == "five_star"


def test_a_person_signs_in_with_the_token(guarded):
    r = guarded.get("/rulesets")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/rulesets"
    assert guarded.get("/login").status_code == 200
    bad = guarded.post("/login", data={"token": "guess", "next": "/rulesets"})
    assert bad.status_code == 401
    good = guarded.post("/login", data={"token": TOKEN, "next": "/rulesets"})
    assert good.status_code == 303 and good.headers["location"] == "/rulesets"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert guarded.get("/rulesets").status_code == 200          # the client keeps the cookie
    assert guarded.post("/login", data={"token": TOKEN, "next": "//evil.example/"}).headers["location"] == "/"
    guarded.cookies.clear()


def test_the_token_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = security.hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert security.token_matches(TOKEN, TOKEN) and not security.token_matches("x", TOKEN)
    assert not security.token_matches(None, TOKEN)
    assert len(calls) == 2


def test_a_form_posted_from_another_site_is_refused(client):
    r = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}, headers={"origin": "http://127.0.0.1:8400"})
    assert r.status_code == 303


def _policy(r) -> dict:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in
            (x.strip() for x in r.headers["content-security-policy"].split(";"))}


def test_every_response_has_a_strict_content_security_policy(client):
    base = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}).headers["location"]
    for path in ("/", "/rulesets", "/api/v1/rulesets", "/nowhere", base, f"{base}/documents/certificate/html",
                 "/rulebook/ZBC-SC-2025-A2/index.html", "/compare/diff?old=A1&new=A2"):
        r = client.get(path)
        p = _policy(r)
        assert p["default-src"] == "'none'" and p["script-src"] == "'none'", path
        assert p["base-uri"] == "'none'" and p["form-action"] == "'self'"
        assert all(re.fullmatch(r"'self'|'unsafe-hashes'|'sha256-[A-Za-z0-9+/=]+'|data:", s)
                   for d in ("style-src", "img-src", "font-src") for s in p[d].split()), path
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"


def test_no_page_loads_anything_from_the_network(client):
    base = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}).headers["location"]
    for path in ("/", "/rulesets", "/cases", "/compare?old=A1&new=A2", "/rulesets/A2/case", base,
                 f"{base}/explain/level", f"{base}/documents/certificate", "/rulebook/ZBC-SC-2025-A2/index.html"):
        html = client.get(path).text
        for m in re.finditer(r'<(script|link|img|iframe|source|embed|object)\b[^>]*?(?:src|href)="([^"]*)"', html):
            assert not re.match(r"(https?:)?//", m.group(2)), (path, m.group(0))
        assert "<script" not in html, path


def test_the_documents_inline_styles_are_allowed_by_hash_only(client):
    base = client.post("/cases", data={"example": "01-initial-five-star-9-sites"}).headers["location"]
    r = client.get(f"{base}/documents/certificate/html")
    hashes = security.style_hashes(r.text)
    assert hashes and all(h in _policy(r)["style-src"] for h in hashes)
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]


def test_a_body_larger_than_the_limit_is_413():
    with local_client(Settings(workers=1, max_body=2000), lifespan=False) as c:
        r = post_json(c, "/api/v1/evaluate", {"case": case("01")})
        assert r.status_code == 413 and "2,000 bytes" in r.json()["error"]["message"]

        def chunks():                       # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 500
        r = c.post("/api/v1/evaluate", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_a_batch_larger_than_the_limit_is_413():
    with local_client(Settings(workers=1, max_batch=2), lifespan=False) as c:
        r = post_json(c, "/api/v1/evaluate", {"cases": [case("01")] * 3})
        assert r.status_code == 413 and "at most 2" in r.json()["error"]["message"]


def test_an_evaluation_over_the_time_limit_is_stopped_and_the_server_goes_on():
    with local_client(Settings(workers=1, time_limit=0.0005)) as c:
        r = post_json(c, "/api/v1/evaluate", {"case": case("16")})
        assert r.status_code == 422 and r.json()["error"]["code"] == "time_limit"
        assert "longer than the server's limit of 0.0005 s" in r.json()["error"]["message"]
    with local_client(Settings(workers=1)) as c:
        pool = c.app.state.server.pool
        rs = c.app.state.server.catalog.items()[-1]

        async def go():
            from engine.serve.workers import TimeLimit
            with pytest.raises(TimeLimit):
                await pool.call("evaluate", str(rs.folder), rs.digest, case("16"), None, True, None, "the case", True,
                                time_limit=0.0001)
            return await pool.call("evaluate", str(rs.folder), rs.digest, case("16"), None, False, None, "the case",
                                   False)
        result = c.portal.call(go)            # the killed worker was replaced
        assert result["values"]["level"] == "five_star"


def test_a_bug_in_a_worker_is_one_line_and_the_worker_goes_on(client):
    pool = client.app.state.server.pool
    item = client.app.state.server.catalog.items()[-1]

    async def go():
        from engine.serve.workers import WorkerFailed
        with pytest.raises(WorkerFailed) as exc:
            await pool.call("evaluate", str(item.folder), item.digest, case("01"), None, True, 12345)  # outputs: not a list
        assert "Traceback" not in str(exc.value)
        return await pool.call("evaluate", str(item.folder), item.digest, case("01"), None, False, None, "x", False)
    assert client.portal.call(go)["values"]["level"] == "five_star"


def test_no_request_names_a_file(client):
    for path in ("/rulesets/..%2F..%2Fetc/case", "/rulesets/%2Fetc%2Fpasswd/coverage", "/api/v1/rulesets/%2Ftmp",
                 "/rulesets/A2/case?example=..%2F..%2Fpyproject", "/rulebook/A2/%2Fetc%2Fpasswd"):
        assert client.get(path).status_code == 404, path
    r = client.post("/cases", data={"example": "../../pyproject", "mode": "evaluate"})
    assert r.status_code in (404, 422)
    r = post_json(client, "/api/v1/evaluate", {"case": case("01"), "revision": str(A2)})
    assert r.status_code == 404
