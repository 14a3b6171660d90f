"""Guard latency: in-process decide() percentiles and loopback HTTP at a fixed rate (target 1,000/s).

Run: PYTHONPATH=src python benchmarks/bench_guard.py [--rate 1000] [--seconds 5]
Targets (issue 5): in-process p99 <= 200 us; HTTP p99 <= 2 ms at 1,000 decisions/s on 2 cores.
Only 127.0.0.1 is used. Prints figures; asserts nothing.

In-process: every call of tests/guard/data/calls.yaml, with the per-command parse cache warm (a service sees
the same commands again and again) and cold (cache cleared before each call). HTTP: the service runs in its own
process (as `guard serve` does: no GIL shared with the client), one keep-alive client connection with
TCP_NODELAY sends the table's allow/deny calls at a fixed rate (sleeping, never spinning); ask calls are left
out (each creates an approval request). With the action log on, every deny is fsynced before its answer.
Figures depend on the machine's other load: the load average is printed with each run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

import yaml

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.detect.shell import parse
from clawfence.guard.approvals import ApprovalStore
from clawfence.guard.policy import builtin_policy, decide
from clawfence.guard.server import GuardService, make_server
from clawfence.integrity import actionlog as auditlog

CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)


def load_calls() -> list[dict[str, object]]:
    doc = yaml.safe_load((Path(__file__).parents[1] / "tests" / "guard" / "data" / "calls.yaml").read_text())
    out = []
    for row in doc["legit"] + doc["attacks"]:
        c = {"toolName": "exec", "params": {"command": row["exec"]}} if "exec" in row else dict(row["call"])
        out.append(c)
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def bench_inprocess(calls: list[dict[str, object]], rounds: int) -> None:
    pol = builtin_policy()
    parsed = [ToolCall.from_json(c) for c in calls]
    for c in parsed:
        decide(pol, c, CTX)
    lat: list[float] = []
    cpu: list[float] = []
    t0 = time.perf_counter()
    for _ in range(rounds):
        for c in parsed:
            s = time.perf_counter()
            sc = time.thread_time_ns()
            decide(pol, c, CTX)
            cpu.append((time.thread_time_ns() - sc) / 1000)
            lat.append(time.perf_counter() - s)
    wall = time.perf_counter() - t0
    us = [x * 1e6 for x in lat]
    print(f"in-process decide() (parse cache warm): n={len(us)} p50={pct(us, 50):.0f}us p90={pct(us, 90):.0f}us "
          f"p99={pct(us, 99):.0f}us max={max(us):.0f}us mean={statistics.fmean(us):.0f}us "
          f"throughput={len(us) / wall:.0f}/s (single thread)")
    print(f"in-process decide() CPU time (insensitive to other load): p50={pct(cpu, 50):.0f}us "
          f"p90={pct(cpu, 90):.0f}us p99={pct(cpu, 99):.0f}us")
    # cold: the per-command parse cache is cleared before every call (first sight of each command)
    cold: list[float] = []
    clear = getattr(parse, "cache_clear", lambda: None)  # (absent before the cache existed)
    for _ in range(max(1, rounds // 2)):
        for c in parsed:
            clear()
            s = time.perf_counter()
            decide(pol, c, CTX)
            cold.append((time.perf_counter() - s) * 1e6)
    print(f"in-process decide(), parse cache cleared before each call (cold): p50={pct(cold, 50):.0f}us "
          f"p90={pct(cold, 90):.0f}us p99={pct(cold, 99):.0f}us max={max(cold):.0f}us")
    legit = [ToolCall.from_json(c) for c in calls if c.get("toolName") == "exec"][:60]
    lat2 = []
    for _ in range(rounds):
        for c in legit:
            s = time.perf_counter()
            decide(pol, c, CTX)
            lat2.append((time.perf_counter() - s) * 1e6)
    print(f"in-process exec calls only: p50={pct(lat2, 50):.0f}us p99={pct(lat2, 99):.0f}us")


def _conn(port: int) -> http.client.HTTPConnection:
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.connect()
    assert c.sock is not None
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # like node's fetch (undici)
    return c


def _serve_child(log: bool, tmp: str, conn: Connection) -> None:
    """Child process: the guard service (built-in policy) on an ephemeral loopback port; reports its CPU time."""
    svc = GuardService(builtin_policy(), "bench-token", ApprovalStore(Path(tmp) / "a.sqlite"),
                       (Path(tmp) / "actions.jsonl") if log else None, None, CTX)
    srv = make_server(svc, 0)
    conn.send(srv.server_address[1])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    conn.recv()  # stop
    srv.shutdown()
    srv.server_close()
    svc.close()
    t = os.times()
    conn.send(t.user + t.system)


def _no_ask_bodies(calls: list[dict[str, object]]) -> list[bytes]:
    """Request bodies of every table call whose decision is allow or deny. ``ask`` calls are left out: each
    one creates an approval request (an SQLite WAL commit, ~1-3 ms) that then waits minutes for a person."""
    pol = builtin_policy()
    return [json.dumps(c).encode() for c in calls if decide(pol, ToolCall.from_json(c), CTX).decision != "ask"]


def bench_http(calls: list[dict[str, object]], rate: int, seconds: float, log: bool) -> None:
    """Server in its own process (like `guard serve`; no GIL shared with the client), one keep-alive client."""
    tmp = Path(tempfile.mkdtemp(prefix="cf-bench-"))
    _CLEANUP.append(tmp)
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=_serve_child, args=(log, str(tmp), child))
    proc.start()
    port = parent.recv()
    bodies = _no_ask_bodies(calls)
    label = f"HTTP loopback, server process (log={'on' if log else 'off'})"
    try:
        _drive_bodies(bodies, port, "bench-token", rate, seconds, label)
    finally:
        parent.send("stop")
        srv_cpu = parent.recv()
        proc.join(30)
    print(f"  server process CPU (user+sys, whole run incl. start-up): {srv_cpu:.2f}s")
    if log:
        res = auditlog.verify(tmp / "actions.jsonl")
        print(f"  action log: {res.records} records, verify ok={res.ok}, head={res.head}")


def bench_subprocess(calls: list[dict[str, object]], rate: int, seconds: float) -> None:
    """The real deployment shape: `clawfence guard serve` in its own process, action log on."""
    tmp = Path(tempfile.mkdtemp(prefix="cf-bench-"))
    _CLEANUP.append(tmp)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CLAWFENCE_HOME=str(tmp))
    proc = subprocess.Popen([sys.executable, "-m", "clawfence", "guard", "serve", "--port", str(port),
                             "--workspace", CTX.workspace, "--state-dir", CTX.state_dir],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = _conn(port)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        token = (tmp / "guard" / "token").read_text().strip()
        _drive(calls, port, token, rate, seconds, "HTTP loopback, separate `guard serve` process (log=on)")
    finally:
        proc.terminate()
        proc.wait(10)


def _drive(calls: list[dict[str, object]], port: int, token: str, rate: int, seconds: float, label: str) -> None:
    bodies = _no_ask_bodies(calls)
    conn = _conn(port)  # the CLI's context (real home, symlinks resolved) may ask on a few more: drop those
    keep = []
    for body in bodies:
        conn.request("POST", "/v1/decide", body, {"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        if json.loads(r.read())["decision"] != "ask":
            keep.append(body)
    conn.close()
    _drive_bodies(keep, port, token, rate, seconds, label)


def _drive_bodies(bodies: list[bytes], port: int, token: str, rate: int, seconds: float, label: str) -> None:
    """Open-loop-ish client: one keep-alive connection, requests scheduled at ``rate``/s (sleeps, no spinning);
    latency is measured per request, and the achieved rate, client CPU time and load average are printed."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn = _conn(port)
    n = int(rate * seconds)
    lat: list[float] = []
    decisions: list[str] = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    for i in range(n):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        s = time.perf_counter()
        conn.request("POST", "/v1/decide", bodies[i % len(bodies)], headers)
        r = conn.getresponse()
        payload = r.read()
        if r.status != 200:
            raise SystemExit(f"HTTP {r.status}")
        decisions.append(json.loads(payload)["decision"])
        if r.will_close:
            conn.close()
            conn = _conn(port)
        lat.append((time.perf_counter() - s) * 1e3)
    wall = time.perf_counter() - start
    conn.close()
    kinds = Counter(decisions)
    print(f"{label}: target {rate}/s, achieved {n / wall:.0f}/s, n={n} p50={pct(lat, 50):.3f}ms "
          f"p90={pct(lat, 90):.3f}ms p99={pct(lat, 99):.3f}ms max={max(lat):.3f}ms")
    print(f"  wall {wall:.2f}s, client CPU {time.process_time() - cpu0:.2f}s, load average {os.getloadavg()[0]:.2f}, "
          f"decisions {dict(kinds)}")


_CLEANUP: list[Path] = []


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    home = Path(tempfile.mkdtemp(prefix="cf-bench-home-"))
    _CLEANUP.append(home)
    os.environ["CLAWFENCE_HOME"] = str(home)  # never touch the user's log or signing keys
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    calls = load_calls()
    bench_inprocess(calls, a.rounds)
    bench_http(calls, a.rate, a.seconds, log=False)
    bench_http(calls, a.rate, a.seconds, log=True)
    try:
        bench_subprocess(calls, a.rate, a.seconds)
    finally:
        for d in _CLEANUP:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
