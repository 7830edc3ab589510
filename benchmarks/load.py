"""A bounded load test of `certrules serve`: POST /api/v1/evaluate, one case per request.

    python benchmarks/load.py [--requests 4000] [--concurrency 16] [--cores 1] [--workers 1] [--case FILE]

It starts its own server on a free port of 127.0.0.1 (never any other address), pinned to `--cores`
CPUs (with its evaluation processes), waits for it, warms the rule set, then sends the requests from
`--concurrency` keep-alive connections of this process (pinned to the other CPUs when there are any)
and prints requests per second, errors and the latency median and 99th percentile, once with the
trace (the library's default) and once with `"trace": false`. At most 10,000 requests in all and
at most 16 at once; it stops by itself (a 300 s ceiling) and stops the server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
MAX_REQUESTS = 10_000
MAX_CONCURRENCY = 16
CEILING = 300.0          # seconds: the whole run stops by then, whatever happens
TARGET = 300             # single-case evaluations per second on one core (issue 15)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, cores: list[int], workers: int) -> subprocess.Popen:
    def pin():
        if cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(cores))
    cmd = [sys.executable, "-m", "engine", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, cwd=ROOT, preexec_fn=pin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def request(reader, writer, port: int, path: str, body: bytes):
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    writer.write(head + body)
    await writer.drain()
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(v) for k, _, v in (ln.partition(":") for ln in lines[1:]) if k.lower() == "content-length")
    data = await reader.readexactly(length)
    return status, data


async def wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(f"GET /api/v1/health HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            if b" 200 " in await reader.readline():
                writer.close()
                return
            writer.close()
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("load.py: the server did not start in time")


async def run(port: int, body: bytes, n: int, concurrency: int, deadline: float) -> dict:
    latencies, errors, statuses = [], 0, {}
    todo = iter(range(n))

    async def client():
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for _ in todo:
                if time.monotonic() > deadline:
                    return
                t = time.perf_counter()
                try:
                    status, _ = await request(reader, writer, port, "/api/v1/evaluate", body)
                except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                latencies.append(time.perf_counter() - t)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    errors += 1
        finally:
            writer.close()
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "errors": errors, "statuses": statuses, "seconds": elapsed,
            "rate": len(latencies) / elapsed if elapsed else 0.0, "p50": q[49] * 1000, "p99": q[98] * 1000}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000, help="requests in all, both phases (at most 10,000)")
    ap.add_argument("--concurrency", type=int, default=16, help="requests at once (at most 16)")
    ap.add_argument("--cores", type=int, default=1, help="CPUs the server (and its workers) may use")
    ap.add_argument("--workers", type=int, default=1, help="the server's evaluation processes")
    ap.add_argument("--case", default=str(ROOT / "examples" / "cases" / "01-initial-five-star-9-sites.yaml"))
    args = ap.parse_args(argv)
    n = min(max(args.requests, 2), MAX_REQUESTS)
    concurrency = min(max(args.concurrency, 1), MAX_CONCURRENCY)
    from engine.jsonout import dumps
    from engine.yamlio import load_file
    case = load_file(Path(args.case)).data

    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_cpus = cpus[:max(1, args.cores)] if cpus else []
    client_cpus = [c for c in cpus if c not in server_cpus] or cpus
    if client_cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(client_cpus))
    port = free_port()
    proc = start_server(port, server_cpus, args.workers)
    deadline = time.monotonic() + CEILING
    try:
        asyncio.run(wait_ready(port, time.monotonic() + 60))
        print(f"certrules serve on {HOST}:{port}, pinned to CPU {server_cpus or 'any'} with {args.workers} "
              f"evaluation process(es); client on CPU {client_cpus or 'any'}; {concurrency} connections; "
              f"case {Path(args.case).name}")
        results = {}
        for label, trace in (("trace on (as the library)", True), ("trace off (\"trace\": false)", False)):
            body = dumps({"case": case, "trace": trace}, indent=0).encode()
            asyncio.run(run(port, body, 50, concurrency, deadline))            # warm: the rule set, the caches
            r = results[label] = asyncio.run(run(port, body, n // 2, concurrency, deadline))
            print(f"  {label:<28} {r['requests']:>6} requests  {r['errors']} errors  {r['rate']:8.1f} req/s  "
                  f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  statuses {r['statuses']}")
        best = max(r["rate"] for r in results.values())
        errors = sum(r["errors"] for r in results.values())
        print(f"target: 0 errors and >= {TARGET} single-case evaluations/s on one core: "
              f"{'met' if errors == 0 and best >= TARGET and args.cores == 1 else 'NOT met'} "
              f"({errors} errors, best {best:.0f}/s)")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
