"""A bounded load test of `certrules serve`: POST /api/v1/evaluate, one case per request.

    python benchmarks/load.py [--requests 4000] [--concurrency 16] [--cores 1] [--workers 1] [--case FILE]

It starts its own server on a free port of 127.0.0.1 (never any other address), pinned to `--cores`
CPUs (with its evaluation processes), waits for it, warms the rule set, then sends the requests from
`--concurrency` keep-alive connections of a client process of its own (raw sockets, pinned to the
other CPUs when there are any, so that the client is not what is measured) and prints requests per
second, errors and the latency median and 99th percentile, once with the trace (the library's
default) and once with `"trace": false`. Every answer must be, byte for byte, what `certrules eval
--format json` (with --no-trace when the trace is off) prints for the case: any other is an error.
At most 10,000 requests in all and at most 16 at once; it stops by itself (a 300 s ceiling) and stops
the server.

On a shared machine the wall-clock rate says little, so it also prints the CPU time the server and
its workers spent per request (from /proc), what that makes on one whole core, and, measured in the
same run on the same core, the CPU time of the library alone (engine.evaluate and the JSON text) per
case and of reading the request's JSON (exact decimals, as the command line reads a case): what is
left is what serving costs. Beside them, the machine's state: the load average, how busy the server's
CPUs were and how much of that was the server (the rest went to other processes: the wall-clock rate
is then below what the CPU time makes), and the server's context switches per request.
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
TARGET = 2000            # single-case evaluations per second on one core (issue 15, with compiled rule sets)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def own_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the one process (the server's HTTP side, without its workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> dict:
    """pid -> CPU ticks (user + system) of a process and all its descendants, from /proc."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, grew = {pid}, True
    while grew:
        more = {p for p, (ppid, _) in stats.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    return {p: stats[p][1] for p in family if p in stats}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc."""
    return sum(_family(pid).values()) / os.sysconf("SC_CLK_TCK")


def switches(pid: int) -> int:
    """Context switches (voluntary and not) of a process and its descendants so far: each is a turn
    of the core between the HTTP process, the evaluation process and whatever else runs there."""
    total = 0
    for p in _family(pid):
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in text.splitlines() if "ctxt_switches:" in line)
    return total


def busy_seconds(cpus: list[int]) -> tuple[float, float]:
    """Time the CPUs spent running anything (any process's, the kernel's), and the time a hypervisor
    took from them (steal), from /proc/stat."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0.0, 0.0
    busy = steal = 0
    for line in lines:
        name, *ticks = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            t = [int(x) for x in ticks] + [0] * 8
            busy += t[0] + t[1] + t[2] + t[5] + t[6]      # user, nice, system, irq, softirq (guest is within user)
            steal += t[7]
    tick = os.sysconf("SC_CLK_TCK")
    return busy / tick, steal / tick


def expected_answer(case_file: str, trace: bool) -> bytes:
    """What `certrules eval --format json` prints for the case (with --no-trace when trace is off):
    the bytes every answer of the server must be."""
    cmd = [sys.executable, "-m", "engine", "eval", "--format", "json", case_file] + ([] if trace else ["--no-trace"])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, timeout=120).stdout


BASELINE = """
import sys, time
from pathlib import Path
import engine
from engine.jsonout import dumpb, dumps
from engine.yamlio import load_file, parse_json
case = load_file(Path(sys.argv[1])).data
rs, why = engine.select_ruleset(case)
body = dumps({"case": case, "trace": False}, indent=0)
# a case read afresh for every evaluation, as a server's are (the same object again and again is faster)
cases = [parse_json(body).data["case"] for _ in range(500)]
for trace in (True, False):
    for c in cases[:20]:
        dumpb(engine.evaluate(rs, c, selection=why, trace=trace))
    n, t = 0, time.process_time()
    while time.process_time() - t < 3:
        dumpb(engine.evaluate(rs, cases[n % len(cases)], selection=why, trace=trace))
        n += 1
    print((time.process_time() - t) / n)
n, t = 0, time.process_time()
while time.process_time() - t < 2:
    parse_json(body)
    n += 1
print((time.process_time() - t) / n)
"""


def library_cpu(case_file: str, cores: list[int]) -> list[float]:
    """CPU seconds per case of engine.evaluate + dumps alone, trace on and off, and of reading the body,
    on the server's core."""
    def pin():
        if cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(cores))
    out = subprocess.run([sys.executable, "-c", BASELINE, case_file], cwd=ROOT, preexec_fn=pin, capture_output=True,
                         text=True, timeout=120)
    return [float(x) for x in out.stdout.split()]


def start_server(port: int, cores: list[int], workers: int) -> subprocess.Popen:
    def pin():
        if cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(cores))
    cmd = [sys.executable, "-m", "engine", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, cwd=ROOT, preexec_fn=pin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


CLIENT = r"""
import json, selectors, socket, sys, time
port, n, concurrency, ceiling, size = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]),
                                       int(sys.argv[5]))
given = sys.stdin.buffer.read()
body, expected = given[:size], given[size:]     # the request's body, and the bytes every answer must be
request = (f"POST /api/v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
sel, conns = selectors.DefaultSelector(), {}
latencies, statuses, errors, sent, wrong = [], {}, 0, 0, 0
def send(s):
    global sent
    conns[s] = [bytearray(), time.perf_counter()]
    s.sendall(request)
    sent += 1
for _ in range(min(concurrency, n)):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sel.register(s, selectors.EVENT_READ)
    send(s)
start = time.perf_counter()
deadline = time.monotonic() + ceiling
while conns and time.monotonic() < deadline:
    for key, _ in sel.select(1.0):
        s = key.fileobj
        buf = conns[s][0]
        data = s.recv(1 << 20)
        if not data:
            errors += 1
            sel.unregister(s)
            del conns[s]
            continue
        buf += data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            continue
        head = bytes(buf[:end]).decode("latin-1").split("\r\n")
        length = next(int(v) for k, _, v in (h.partition(":") for h in head[1:]) if k.lower() == "content-length")
        if len(buf) < end + 4 + length:
            continue
        latencies.append(time.perf_counter() - conns[s][1])
        status = int(head[0].split()[1])
        statuses[status] = statuses.get(status, 0) + 1
        errors += status != 200
        if status == 200 and buf[end + 4:end + 4 + length] != expected:
            wrong += 1          # answered, but not with what `certrules eval --format json` prints
        if sent < n:
            send(s)
        else:
            sel.unregister(s)
            del conns[s]
print(json.dumps({"latencies": latencies, "statuses": statuses, "errors": errors + wrong + len(conns),
                  "wrong": wrong, "seconds": time.perf_counter() - start}))
"""


def run(port: int, body: bytes, expected: bytes, n: int, concurrency: int, deadline: float, cores: list[int]) -> dict:
    """n requests from `concurrency` keep-alive connections of a client process of its own (raw
    sockets, pinned to `cores`): the client costs a fraction of what the server does, so it measures
    the server and not itself. An answer whose body is not `expected` byte for byte is an error."""
    def pin():
        if cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(cores))
    left = max(deadline - time.monotonic(), 1.0)
    before = os.times().children_user + os.times().children_system
    out = subprocess.run([sys.executable, "-c", CLIENT, str(port), str(n), str(concurrency), str(left), str(len(body))],
                         input=body + expected, preexec_fn=pin, capture_output=True, timeout=left + 30)
    got = json.loads(out.stdout)
    client = os.times().children_user + os.times().children_system - before
    latencies, elapsed = sorted(got["latencies"]), got["seconds"]
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "errors": got["errors"], "wrong": got["wrong"], "statuses": got["statuses"],
            "seconds": elapsed,
            "rate": len(latencies) / elapsed if elapsed else 0.0, "p50": q[49] * 1000, "p99": q[98] * 1000,
            "client": client / max(len(latencies), 1)}


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
        *library, reading = library_cpu(args.case, server_cpus)
        for (label, trace), lib in zip((("trace on (as the library)", True), ("trace off (\"trace\": false)", False)),
                                       library):
            body = dumps({"case": case, "trace": trace}, indent=0).encode()
            expected = expected_answer(args.case, trace)
            run(port, body, expected, 50, concurrency, deadline, client_cpus)  # warm: the rule set, the caches
            load = os.getloadavg()[0]
            cpu, http, turns = cpu_seconds(proc.pid), own_cpu_seconds(proc.pid), switches(proc.pid)
            busy, steal, wall = *busy_seconds(server_cpus), time.monotonic()
            r = results[label] = run(port, body, expected, n // 2, concurrency, deadline, client_cpus)
            done = max(r["requests"], 1)
            server = cpu_seconds(proc.pid) - cpu
            wall = (time.monotonic() - wall) * max(len(server_cpus), 1)
            busy, steal = (b - a for a, b in zip((busy, steal), busy_seconds(server_cpus)))
            r["cpu"] = server / done
            r["http"] = (own_cpu_seconds(proc.pid) - http) / done
            print(f"  {label:<28} {r['requests']:>6} requests  {r['errors']} errors  {r['rate']:8.1f} req/s  "
                  f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  statuses {r['statuses']}; "
                  f"{r['wrong']} bodies not the {len(expected):,} bytes of `certrules eval --format json"
                  f"{'' if trace else ' --no-trace'}`")
            print(f"  {'':<28} load average {load:.1f}; CPU {server_cpus or 'any'} busy {busy / wall * 100:.0f}% of the "
                  f"run, {min(server / busy, 1) * 100 if busy else 0:.0f}% of that the server's (the rest: other "
                  f"processes, the client's process start, the kernel), {steal / wall * 100:.0f}% taken by the "
                  f"hypervisor; {(switches(proc.pid) - turns) / done:.2f} context switches of the server a request")
            print(f"  {'':<28} server CPU {r['cpu'] * 1000:.2f} ms/request = {1 / r['cpu']:.0f} requests/s on one "
                  f"whole core: the HTTP process {r['http'] * 1000:.2f} ms, the evaluation processes "
                  f"{(r['cpu'] - r['http']) * 1000:.2f} ms; the library alone {lib * 1000:.2f} ms/case ({1 / lib:.0f}/s), "
                  f"reading the body's JSON {reading * 1000:.2f} ms, so serving adds "
                  f"{(r['cpu'] - lib - reading) * 1000:.2f} ms besides both; the client {r['client'] * 1000:.2f} ms")
        best = max(r["rate"] for r in results.values())
        per_core = max(1 / r["cpu"] for r in results.values())
        errors = sum(r["errors"] for r in results.values())
        print(f"target: 0 errors and >= {TARGET} single-case evaluations/s on one core: "
              f"{'met' if errors == 0 and best >= TARGET and args.cores == 1 else 'NOT met'} "
              f"({errors} errors; best {best:.0f}/s measured, {per_core:.0f}/s per whole core from CPU time)")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
