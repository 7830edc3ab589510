"""`certrules serve`: the workbench and the HTTP API (engine/serve/)."""
from __future__ import annotations

import errno
import sys
from pathlib import Path

from ..errors import EXIT_OK, UsageError
from ..i18n import Msg
from .common import add_rulesets_option


def register(sub) -> None:
    s = sub.add_parser("serve", help="the workbench in the browser and the HTTP API (/api/v1)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8400)
    s.add_argument("--token-file", metavar="FILE",
                   help="the access token every request must carry (needed to listen beyond this machine)")
    s.add_argument("--examples", action="append", default=[], metavar="DIR",
                   help="example cases the workbench offers (default: examples/cases of a checkout)")
    s.add_argument("--workers", type=int, default=0, help="evaluation processes (default: one per core)")
    s.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                   help="how long one evaluation may take (default 10)")
    s.add_argument("--max-body", type=int, default=4 * 1024 * 1024, metavar="BYTES",
                   help="largest request body (default 4 MiB)")
    s.add_argument("--max-batch", type=int, default=1000, metavar="N", help="most cases in one request (default 1000)")
    add_rulesets_option(s)
    s.set_defaults(func=run)


def read_token(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(Msg("serve_token_unreadable", path=path, reason=getattr(exc, "strerror", None) or exc)) from None
    if len(text) < 16 or any(ch.isspace() for ch in text):
        raise UsageError(Msg("serve_token_short", path=path))
    return text


def settings_from(args):
    from ..serve.settings import Settings, is_loopback
    if not 0 < args.port < 65536:
        raise UsageError(Msg("serve_port_range", port=args.port))
    for name, value in (("--workers", args.workers), ("--max-body", args.max_body), ("--max-batch", args.max_batch)):
        if value < 0 or (value == 0 and name != "--workers"):
            raise UsageError(Msg("serve_positive", option=name, value=value))
    if not args.time_limit > 0:
        raise UsageError(Msg("serve_time_limit", value=args.time_limit))
    token = read_token(args.token_file) if args.token_file else None
    if token is None and not is_loopback(args.host):
        raise UsageError(Msg("serve_host_needs_token", host=args.host))
    return Settings(host=args.host, port=args.port, rulesets=tuple(args.rulesets), examples=tuple(args.examples),
                    token=token, workers=args.workers, time_limit=args.time_limit, max_body=args.max_body,
                    max_batch=args.max_batch)


def run(args) -> int:
    settings = settings_from(args)
    try:
        import uvicorn
        from ..serve import create_app
    except ImportError as exc:
        raise UsageError(Msg("serve_packages_missing", name=exc.name)) from None
    sock = listen(settings.host, settings.port)     # before anything else: a port in use is said plainly
    app = create_app(settings)
    try:
        from ..serve.lean import LeanProtocol as http
    except ImportError:         # no httptools: uvicorn's h11 protocol, and every request through the app
        http = "auto"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"certrules serve: the workbench at http://{host}:{settings.port}/ and the API at "
          f"http://{host}:{settings.port}/api/v1/ ({settings.worker_count} evaluation processes, "
          f"{settings.time_limit:g} s per evaluation)", file=sys.stderr)
    if settings.token is not None:
        print(f"certrules serve: listening on {settings.host}: every request must carry the access token from "
              f"{args.token_file} (Authorization: Bearer TOKEN, or sign in at /login)", file=sys.stderr)
    else:
        print("certrules serve: only this machine can connect; stop with Ctrl-C", file=sys.stderr)
    sys.stderr.flush()
    config = uvicorn.Config(app, http=http, access_log=False, log_level="warning", lifespan="on",
                            server_header=False, date_header=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])      # requests that come while the rule sets load wait in the socket's queue
    if not server.started:
        raise UsageError(Msg("serve_not_started"))
    return EXIT_OK


def listen(host: str, port: int):
    """The server's socket, bound and listening, or a UsageError saying why not (a port in use, an
    address this machine does not have) rather than uvicorn's log line and its exit status."""
    import socket
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                              flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise UsageError(Msg("serve_not_an_address", host=host, reason=exc.strerror)) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(Msg("serve_port_in_use", host=host, port=port)) from None
        raise UsageError(Msg("serve_cannot_listen", host=host, port=port, reason=exc.strerror or exc)) from None
    sock.set_inheritable(True)
    return sock
