#!/usr/bin/env python3
"""Wall time of ``clawfence audit -f json`` vs the real ``openclaw security audit --json`` on the same installations.

Each command runs as a fresh subprocess (what a user or CI pays), interleaved, after one warm-up round; prints
median and p90 per tool and installation and the ratio native/clawfence. Targets (issue 2): ratio >= 20,
clawfence < 0.25 s on a typical installation.

Installations: by default one made by the real CLI (``openclaw onboard --non-interactive``) and the reference
config ``b3-insecure-weaktoken-valid`` (lan, weak token, open Telegram, exec full); or ``--state-dir DIR`` (repeat).
The native audit runs isolated through ``../shared/realclaw/realclaw-audit.sh``; without the real OpenClaw (or
without root/unshare) only clawfence is timed.

``--src DIR`` (repeatable) also times the clawfence of another source tree (e.g. a checkout of the previous
commit) in the same interleaved rounds, for before/after figures taken side by side under the same load.

Usage: python benchmarks/bench_audit.py [--runs 11] [--native-runs 5] [--state-dir DIR ...] [--no-host] [--src DIR ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import realclaw_env as rc  # shared driver for the real OpenClaw (standard library only)

CPU: list[float] = []  # CPU seconds (user+sys, all descendants) of the last timed() call, appended


def timed(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of ``cmd`` (stdout/stderr discarded); its CPU seconds go to :data:`CPU`.
    Raises SystemExit if it exits 2 or higher."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    if proc.returncode >= 2:
        raise SystemExit(f"bench: {' '.join(cmd[:6])}... exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
    return dt


def p90(xs: Sequence[float]) -> float:
    """90th percentile (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(0.9 * len(s) + 0.5) - 1))]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=11, help="timed clawfence runs per installation")
    ap.add_argument("--native-runs", type=int, default=5, help="timed native runs per installation")
    ap.add_argument("--state-dir", type=Path, action="append", default=[], help="installation(s) to time")
    ap.add_argument("--no-host", action="store_true", help="pass --no-host to clawfence (skip process/socket facts)")
    ap.add_argument("--src", type=Path, action="append", default=[],
                    help="another clawfence source tree (its src/ goes first on PYTHONPATH) to time alongside")
    args = ap.parse_args(argv)

    why = rc.available()
    tmp = Path(tempfile.mkdtemp(prefix="clawfence-bench-"))
    try:
        states: list[tuple[str, Path]] = [(p.name or str(p), p) for p in args.state_dir]
        if not states:
            b3 = rc.REFERENCE / "configs" / "b3-insecure-weaktoken-valid.openclaw.json"
            states.append(("ref-b3 (insecure)", rc.install_config(tmp / "b3", b3) / "state"))
            if why is None:
                proc = rc.onboard(tmp / "onboard")
                if proc.returncode == 0:
                    states.insert(0, ("real onboard", tmp / "onboard" / "state"))
        # bytecode cache on, as after `pip install` (this machine exports PYTHONDONTWRITEBYTECODE=1, which
        # makes every run recompile clawfence from source: +25-30 ms)
        env = {k: v for k, v in rc.clawfence_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
        extra = ("--no-host",) if args.no_host else ()
        print(f"clawfence: {sys.executable} -m clawfence audit -f json{' --no-host' if extra else ''} (bytecode cached); "
              f"native: {'openclaw security audit --json (isolated)' if why is None else 'unavailable: ' + why}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        print(f"{'installation':<22} {'tool':<10} {'median s':>9} {'p90 s':>8} {'runs':>5} {'cpu s':>9}")
        ratios = []
        for name, state in states:
            cf_cmd = rc.clawfence_cmd(state, *extra)
            nat_cmd = ["bash", str(rc.AUDIT_SH), str(state)]
            others = [(f"cf@{d.name or d}"[:10], {**env, "PYTHONPATH": str(d.resolve() / "src")}) for d in args.src]
            other_t: list[list[float]] = [[] for _ in others]
            other_cpu: list[list[float]] = [[] for _ in others]
            for _, oenv in others:
                timed(cf_cmd, oenv)  # warm-up
            timed(cf_cmd, env)  # warm-up (page cache, .pyc)
            if why is None:
                timed(nat_cmd, dict(os.environ))  # warm-up (node compile cache)
            cf: list[float] = []
            nat: list[float] = []
            cf_cpu: list[float] = []
            nat_cpu: list[float] = []
            for i in range(max(args.runs, args.native_runs)):
                if i < args.runs:
                    cf.append(timed(cf_cmd, env))
                    cf_cpu.append(CPU[-1])
                    for k, (_, oenv) in enumerate(others):
                        other_t[k].append(timed(cf_cmd, oenv))
                        other_cpu[k].append(CPU[-1])
                if why is None and i < args.native_runs:
                    nat.append(timed(nat_cmd, dict(os.environ)))
                    nat_cpu.append(CPU[-1])
            print(f"{name:<22} {'clawfence':<10} {statistics.median(cf):>9.3f} {p90(cf):>8.3f} {len(cf):>5} "
                  f"{statistics.median(cf_cpu):>9.3f}")
            for k, (label, _) in enumerate(others):
                print(f"{name:<22} {label:<10} {statistics.median(other_t[k]):>9.3f} {p90(other_t[k]):>8.3f} "
                      f"{len(other_t[k]):>5} {statistics.median(other_cpu[k]):>9.3f}")
            if nat:
                print(f"{name:<22} {'native':<10} {statistics.median(nat):>9.3f} {p90(nat):>8.3f} {len(nat):>5} "
                      f"{statistics.median(nat_cpu):>9.3f}")
                ratios.append(statistics.median(nat) / statistics.median(cf))
                print(f"{name:<22} {'ratio':<10} {ratios[-1]:>8.1f}x  (wall medians; CPU: "
                      f"{statistics.median(nat_cpu) / statistics.median(cf_cpu):.1f}x)")
                for k, (label, _) in enumerate(others):
                    print(f"{name:<22} {'ratio ' + label:<10} {statistics.median(nat) / statistics.median(other_t[k]):>8.1f}x"
                          f"  (CPU: {statistics.median(nat_cpu) / statistics.median(other_cpu[k]):.1f}x)")
        if ratios:
            print(f"speed-up: {min(ratios):.1f}x-{max(ratios):.1f}x (target >= 20x); load average after: "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
