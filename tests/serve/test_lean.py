"""The HTTP protocol `certrules serve` runs (engine/serve/lean.py), fed bytes as a connection would
deliver them: a single-case evaluation that came in one read is answered in one write, and everything
else (a body split across reads, a request pipelined behind another, a refusal, a batch) gets from
uvicorn's own path the very bytes the direct path would have written."""
from __future__ import annotations

import asyncio
import json
import re

import pytest
from serving import as_json, case, cli_output, example, log_lines

from engine.serve.settings import Settings

TOKEN = "T0ken-for-the-lean-tests-0123456789"


class Transport:
    """What the protocol asks of its transport; what it wrote, and whether it closed."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = False
        self.protocol = None

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8400)}.get(name, default)

    def write(self, data):
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self):
        if not self.closed:
            self.closed = True
            self.protocol.loop.call_soon(self.protocol.connection_lost, None)

    def is_closing(self):
        return self.closed

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


class Server:
    """The app made for `settings`, started (its evaluation process too), and connections to it."""

    def __init__(self, settings):
        import uvicorn
        from uvicorn.server import ServerState
        from engine.serve import create_app
        from engine.serve.lean import LeanProtocol
        self.app = create_app(settings)
        self.config = uvicorn.Config(self.app, http=LeanProtocol, lifespan="off", log_level="warning",
                                     server_header=False, date_header=False)
        self.config.load()
        self.state = ServerState()
        self.loop = asyncio.new_event_loop()
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.loop.run_until_complete(self.lifespan.__aenter__())

    def close(self):
        self.loop.run_until_complete(self.lifespan.__aexit__(None, None, None))
        self.loop.close()

    def connect(self):
        from engine.serve.lean import LeanProtocol
        t = Transport()
        p = LeanProtocol(self.config, self.state, {}, _loop=self.loop)
        t.protocol = p
        p.connection_made(t)
        return p, t

    def run(self, coro):
        return self.loop.run_until_complete(asyncio.wait_for(coro, 60))


async def responses(t: Transport, n: int) -> list[tuple[bytes, bytes]]:
    """The first n responses written, as (head, body), once they all are."""
    while True:
        out, data = [], t.data
        while len(out) < n and b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
            if len(rest) < length:
                break
            out.append((head, rest[:length]))
            data = rest[length:]
        if len(out) == n:
            return out
        await asyncio.sleep(0.005)


async def logged(lines):
    while not lines:
        await asyncio.sleep(0.005)


def request(body: bytes, *, path="/api/v1/evaluate", extra=b"", ctype=b"application/json") -> bytes:
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:8400\r\nContent-Type: " + ctype +
            b"\r\nContent-Length: %d\r\n" % len(body) + extra + b"\r\n" + body)


ONE = as_json({"case": case("01"), "trace": False})


@pytest.fixture(scope="module")
def server():
    s = Server(Settings(workers=1, max_body=200_000))
    yield s
    s.close()


@pytest.fixture(scope="module")
def split_answer(server):
    """The response uvicorn's own path writes (the body arrives in two reads), to hold the lean one to."""
    p, t = server.connect()
    req = request(ONE)
    p.data_received(req[:-50])
    assert not t.writes
    p.data_received(req[-50:])
    [(head, body)] = server.run(responses(t, 1))
    assert len(t.writes) == 2           # uvicorn writes the head and the body apart
    return head, body


def test_one_evaluation_in_one_read_is_answered_in_one_write_as_the_command_line_prints_it(server, split_answer,
                                                                                            capsys):
    p, t = server.connect()
    with log_lines() as lines:
        p.data_received(request(ONE))
        [(head, body)] = server.run(responses(t, 1))
    assert len(t.writes) == 1
    assert (head, body) == split_answer
    assert body == cli_output(capsys, "eval", "--format", "json", "--no-trace", str(example("01"))).encode()
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: %d\r\n" % len(body) in head + b"\r\n"
    assert b"\r\ncontent-security-policy: default-src 'none'; script-src 'none';" in head
    assert b"connection: close" not in head and not t.closed
    assert len(lines) == 1 and re.fullmatch(r"POST /api/v1/evaluate 200 \d+\.\dms sha256:[0-9a-f]{64}", lines[0])
    assert p.timeout_keep_alive_task is not None        # idle from now: closed after the keep-alive time


def test_a_keep_alive_connection_answers_one_request_after_another(server, split_answer):
    p, t = server.connect()
    for n in range(1, 4):
        p.data_received(request(ONE))
        got = server.run(responses(t, n))
        assert len(t.writes) == n and got[-1] == split_answer
    assert not t.closed


def test_two_requests_in_one_read_are_answered_in_order(server, split_answer):
    p, t = server.connect()
    health = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:8400\r\n\r\n"
    p.data_received(request(ONE) + health + request(ONE))
    first, second, third = server.run(responses(t, 3))
    assert first == split_answer and third == split_answer
    assert second[0].startswith(b"HTTP/1.1 200 OK") and json.loads(second[1])["status"] == "ok"
    p.data_received(request(ONE))                       # and the connection goes on serving
    assert server.run(responses(t, 4))[-1] == split_answer


def test_a_body_split_across_reads_and_a_pipelined_body_split_too(server, split_answer):
    p, t = server.connect()
    req = request(ONE)
    p.data_received(req[:10])
    p.data_received(req[10:-1])
    p.data_received(req[-1:] + req[:200])
    p.data_received(req[200:])
    assert server.run(responses(t, 2)) == [split_answer, split_answer]


def test_connection_close_is_answered_and_the_connection_closed(server, split_answer):
    p, t = server.connect()
    p.data_received(request(ONE, extra=b"Connection: close\r\n"))
    [(head, body)] = server.run(responses(t, 1))
    assert len(t.writes) == 1 and body == split_answer[1]
    assert head == split_answer[0] + b"\r\nconnection: close"
    assert t.closed


def test_a_mistake_and_a_body_too_large_are_the_problems_the_stack_answers(server):
    bad = as_json({"case": {**case("01"), "as_of": "yesterday"}, "trace": False})
    answers = []
    for req in (request(bad), request(b"x" * 200_001), request(ONE, ctype=b"text/plain"), request(b"{not json")):
        for split in (False, True):
            p, t = server.connect()
            if split:
                p.data_received(req[:-1])
                p.data_received(req[-1:])
            else:
                p.data_received(req)
            answers.append(server.run(responses(t, 1))[0])
    statuses = [json.loads(body)["error"]["status"] for _, body in answers]
    assert statuses == [422, 422, 413, 413, 415, 415, 400, 400]
    assert answers[0] == answers[1] and answers[6] == answers[7]


def test_a_batch_goes_to_the_stack_even_when_only_the_worker_sees_it_is_one(server):
    docs = [case(p) for p in ("01", "03")]
    p, t = server.connect()
    p.data_received(request(as_json({"cases": docs, "trace": False})))
    [(_, expected)] = server.run(responses(t, 1))
    yaml = ("trace: false\ncases:\n" + "".join(f"  - {as_json(d).decode()}\n" for d in docs)).encode()
    p.data_received(request(yaml, ctype=b"application/yaml") + request(ONE))
    (_, body), (_, one) = server.run(responses(t, 3))[1:]
    assert body == expected and len(json.loads(body)) == 2
    assert json.loads(one)["values"]["audit_days"] == 4


def test_a_client_gone_mid_body_or_mid_evaluation_is_not_answered_and_the_server_goes_on(server, split_answer):
    p, t = server.connect()
    p.data_received(request(ONE)[:-100])
    p.connection_lost(None)
    p, t = server.connect()
    with log_lines() as lines:
        p.data_received(request(ONE))
        t.closed = True                                 # gone before its answer
        p.connection_lost(None)
        server.run(logged(lines))                   # its answer came, and went nowhere
    assert not t.writes and len(lines) == 1 and " 200 " in lines[0]
    p, t = server.connect()
    p.data_received(request(ONE))
    assert server.run(responses(t, 1)) == [split_answer]


def test_without_the_token_the_request_is_refused_and_with_it_answered():
    s = Server(Settings(workers=1, token=TOKEN))
    try:
        for given, status in ((None, 401), (b"wrong-" + TOKEN.encode()[6:], 401), (TOKEN.encode(), 200)):
            p, t = s.connect()
            p.data_received(request(ONE, extra=b"Authorization: Bearer " + given + b"\r\n" if given else b""))
            [(head, body)] = s.run(responses(t, 1))
            assert head.startswith(b"HTTP/1.1 %d " % status)
            assert len(t.writes) == (1 if status == 200 else 2)
            if status == 401:
                assert json.loads(body)["error"]["code"] == "token" and b"www-authenticate: Bearer" in head
    finally:
        s.close()


def test_on_one_connection_each_request_is_checked_unless_its_headers_are_the_last_answered_ones():
    """The lean path keeps the outcome of its checks for the headers of the connection's last request
    it answered: the same headers again are answered there, and any other (a wrong token after a right
    one, another media type, a Host not local) is checked afresh and refused by the stack."""
    s = Server(Settings(workers=1, token=TOKEN))
    right = b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
    wrong = b"Authorization: Bearer wrong-" + TOKEN.encode()[6:] + b"\r\n"
    try:
        p, t = s.connect()
        steps = [(request(ONE, extra=right), 200, 1), (request(ONE, extra=right), 200, 1),
                 (request(ONE, extra=wrong), 401, 2), (request(ONE, extra=right), 200, 1),
                 (request(ONE, extra=right, ctype=b"text/plain"), 415, 2),
                 (request(ONE, extra=right).replace(b"Host: 127.0.0.1:8400", b"Host: example.org"), 403, 2),
                 (request(ONE, extra=right), 200, 1)]
        for n, (req, status, writes) in enumerate(steps, 1):
            before = len(t.writes)
            p.data_received(req)
            head, body = s.run(responses(t, n))[-1]
            assert head.startswith(b"HTTP/1.1 %d " % status), (n, head)
            assert len(t.writes) - before == writes, n        # one write: answered by the lean path
            if status == 200:
                assert json.loads(body)["values"]["audit_days"] == 4
        assert not t.closed
    finally:
        s.close()


def test_a_forwarded_request_is_left_to_uvicorns_proxy_middleware(server):
    """From a trusted proxy (127.0.0.1), X-Forwarded-For names the client: here not a local one."""
    p, t = server.connect()
    p.data_received(request(ONE, extra=b"X-Forwarded-For: 203.0.113.9\r\n"))
    [(head, body)] = server.run(responses(t, 1))
    assert head.startswith(b"HTTP/1.1 403 ") and json.loads(body)["error"]["code"] == "not_local"


def test_certrules_serve_answers_on_a_real_socket_whatever_the_reads(tmp_path, capsys):
    """`certrules serve` runs this protocol: keep-alive, two requests in one packet, a body sent in two
    packets and Connection: close, on a real socket, each answered with the command line's bytes."""
    import socket
    import time
    from serving import running_server
    expected = cli_output(capsys, "eval", "--format", "json", "--no-trace", str(example("01"))).encode()

    def answer(s, buf=b""):
        while b"\r\n\r\n" not in buf:
            buf += s.recv(1 << 16)
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
        while len(rest) < length:
            rest += s.recv(1 << 16)
        return head, rest[:length], rest[length:]

    with running_server(tmp_path) as srv:
        req = request(ONE).replace(b"127.0.0.1:8400", f"127.0.0.1:{srv.port}".encode())
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            heads = []
            for _ in range(2):
                s.sendall(req)
                head, body, rest = answer(s)
                heads.append(head)
                assert body == expected and not rest
            s.sendall(req + req)
            head, body, rest = answer(s)
            head2, body2, rest = answer(s, rest)
            assert body == body2 == expected and head == head2 == heads[0] and not rest
            s.sendall(req[:-300])
            time.sleep(0.2)
            s.sendall(req[-300:])
            head, body, rest = answer(s)
            assert (head, body) == (heads[0], expected)
            s.sendall(req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
            head, body, rest = answer(s)
            assert body == expected and head.endswith(b"\r\nconnection: close")
            assert s.recv(1) == b""                     # and the server closed it
        time.sleep(0.3)
        assert len([ln for ln in srv.stderr.splitlines() if "POST /api/v1/evaluate 200 " in ln]) == 6


def test_the_lines_of_one_turn_of_the_event_loop_are_written_together_and_in_order():
    import io
    import logging

    from engine.serve.requestlog import _Stderr

    class Stream(io.StringIO):
        writes = 0

        def write(self, text):
            Stream.writes += 1
            return super().write(text)

    class Loop:
        def __init__(self):
            self.soon = []

        def call_soon(self, fn):
            self.soon.append(fn)
    stream, loop = Stream(), Loop()
    h = _Stderr(stream)
    h.line("POST /api/v1/evaluate 200 1.0ms -", loop)
    h.line("POST /api/v1/evaluate 422 1.0ms -", loop)
    assert stream.getvalue() == "" and len(loop.soon) == 1
    h.emit(logging.LogRecord("certrules.serve", logging.ERROR, __file__, 1, "internal error X at y", (), None))
    h.line("GET / 200 1.0ms -")                  # off the loop: at once
    lines = [ln.split(" ", 1)[1] for ln in stream.getvalue().splitlines()]
    assert lines == ["POST /api/v1/evaluate 200 1.0ms -", "POST /api/v1/evaluate 422 1.0ms -",
                     "internal error X at y", "GET / 200 1.0ms -"]
    loop.soon[0]()                              # the turn's end: nothing left to write
    assert stream.getvalue().count("\n") == 4
    Stream.writes = 0
    h.line("a", loop)
    h.line("b", loop)
    loop.soon[1]()
    assert Stream.writes == 1 and [ln.split(" ", 1)[1] for ln in stream.getvalue().splitlines()[-2:]] == ["a", "b"]
