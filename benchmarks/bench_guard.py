"""Guard latency: in-process decide() percentiles and loopback HTTP at a fixed rate (target 1,000/s).

Run: PYTHONPATH=src python benchmarks/bench_guard.py [--rate 1000] [--seconds 5]
Targets (issue 5): in-process p99 <= 200 us; HTTP p99 <= 2 ms at 1,000 decisions/s on 2 cores.
Only 127.0.0.1 is used. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from clawfence.guard.approvals import ApprovalStore
from clawfence.guard.model import PathContext, ToolCall
from clawfence.guard.policy import builtin_policy, decide
from clawfence.guard.server import GuardService, make_server
from clawfence.guard.shell import parse

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
    for _ in range(max(1, rounds // 2)):
        for c in parsed:
            parse.cache_clear()
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


def bench_http(calls: list[dict[str, object]], rate: int, seconds: float, log: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cf-bench-"))
    _CLEANUP.append(tmp)
    svc = GuardService(builtin_policy(), "bench-token", ApprovalStore(tmp / "a.sqlite"),
                       (tmp / "actions.jsonl") if log else None, None, CTX)
    srv = make_server(svc, 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    bodies = [json.dumps(c).encode() for c in calls if "pip install" not in json.dumps(c)]  # no ask rows
    bodies = [b for b in bodies if b"make_payment" not in b and b"transfer" not in b and b"wallet" not in b]
    headers = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}
    conn = _conn(port)
    n = int(rate * seconds)
    lat: list[float] = []
    interval = 1.0 / rate
    start = time.perf_counter()
    for i in range(n):
        target = start + i * interval
        while (now := time.perf_counter()) < target:
            if target - now > 0.0005:
                time.sleep(target - now - 0.0003)
        s = time.perf_counter()
        body = bodies[i % len(bodies)]
        conn.request("POST", "/v1/decide", body, headers)
        r = conn.getresponse()
        r.read()
        if r.status == 400 or r.status == 401:
            raise SystemExit(f"HTTP {r.status}")
        if r.will_close:
            conn.close()
            conn = _conn(port)
        lat.append((time.perf_counter() - s) * 1e3)
    wall = time.perf_counter() - start
    srv.shutdown()
    srv.server_close()
    svc.close()
    print(f"HTTP loopback (log={'on' if log else 'off'}): target {rate}/s, achieved {n / wall:.0f}/s, n={n} "
          f"p50={pct(lat, 50):.3f}ms p90={pct(lat, 90):.3f}ms p99={pct(lat, 99):.3f}ms max={max(lat):.3f}ms")


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
    bodies = [json.dumps(c).encode() for c in calls]
    bodies = [b for b in bodies if not any(x in b for x in (b"pip", b"npx", b"npm i", b"yarn", b"payment",
                                                               b"transfer", b"wallet", b"clawhub"))]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn = _conn(port)
    n = int(rate * seconds)
    lat: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        s = time.perf_counter()
        conn.request("POST", "/v1/decide", bodies[i % len(bodies)], headers)
        r = conn.getresponse()
        r.read()
        if r.status in (400, 401):
            raise SystemExit(f"HTTP {r.status}")
        if r.will_close:
            conn.close()
            conn = _conn(port)
        lat.append((time.perf_counter() - s) * 1e3)
    wall = time.perf_counter() - start
    print(f"{label}: target {rate}/s, achieved {n / wall:.0f}/s, n={n} p50={pct(lat, 50):.3f}ms "
          f"p90={pct(lat, 90):.3f}ms p99={pct(lat, 99):.3f}ms max={max(lat):.3f}ms")


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
