#!/usr/bin/env python3
"""Time ``clawfence fleet report`` on a large fleet: N hosts made from real audit results of the fixture homes.

The three fixture homes (insecure, insecure-noauth, hardened) are audited once with a fleet salt; their
facts/report pairs are then copied round-robin into N host directories, every fifth host keeping the shared
token, the others getting a distinct fingerprint. Prints load, aggregate and render (json, html, ocsf) times
and the end-to-end CLI wall time (median of --runs).

Usage: python benchmarks/bench_fleet.py [--hosts 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAWFENCE_SHARED", ROOT.parent / "shared"))
HOMES = ("insecure", "insecure-noauth", "hardened")


def _make(base: Path, n: int) -> Path:
    fx = base / "fx"
    subprocess.run(["bash", str(SHARED / "fixtures" / "set-modes.sh"), str(fx)], check=True, capture_output=True)
    src: list[tuple[dict[str, object], str]] = []
    for h in HOMES:
        out = base / f"{h}.facts.json"
        env = dict(os.environ, HOME=str(fx / f"home-{h}"), CLAWFENCE_FLEET_SALT="bench-salt-0123456789abcdef")
        subprocess.run([sys.executable, "-m", "clawfence", "audit", "--no-host", "--fail-on", "none", "--save-facts",
                        str(out), "-f", "json", "-o", str(base / f"{h}.report.json")], check=True, env=env,
                       capture_output=True)
        src.append((json.loads(out.read_text()), (base / f"{h}.report.json").read_text()))
    fleet = base / "fleet"
    for i in range(n):
        facts, report = src[i % len(src)]
        d = fleet / f"host-{i:05d}"
        d.mkdir(parents=True)
        doc = json.loads(json.dumps(facts))
        fl = doc.get("fleet") or {}
        if i % 5 and fl.get("credentials"):
            fl["credentials"][0]["fingerprint"] = f"{i:024x}"
        (d / "facts.json").write_text(json.dumps(doc))
        (d / "report.json").write_text(report)
    return fleet


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    from clawfence.audit.advisories import affecting
    from clawfence.fleet import aggregate, load, render
    with tempfile.TemporaryDirectory() as tmp:
        fleet = _make(Path(tmp), a.hosts)
        t0 = time.perf_counter()
        hosts = load.load_dir(fleet)
        t1 = time.perf_counter()
        rep = aggregate.aggregate(hosts, affecting)
        t2 = time.perf_counter()
        sizes = {}
        times = {}
        for fmt in render.FORMATS:
            s = time.perf_counter()
            sizes[fmt] = len(render.render(rep, fmt, hosts).encode())
            times[fmt] = time.perf_counter() - s
        print(f"hosts: {len(hosts)}, risks: {len(rep.risks)}, shared-token hosts: "
              f"{max((len(f.hosts) for f in rep.risks if f.rule.id == 'FL001'), default=0)}")
        print(f"load {t1 - t0:.2f} s, aggregate {t2 - t1:.3f} s, " +
              ", ".join(f"{k} {times[k]:.3f} s ({sizes[k] // 1024} KiB)" for k in render.FORMATS))
        walls = []
        for _ in range(a.runs):
            s = time.perf_counter()
            subprocess.run([sys.executable, "-m", "clawfence", "fleet", "report", str(fleet), "-q", "--fail-on", "none",
                            "-o", os.devnull], check=True)
            walls.append(time.perf_counter() - s)
        print(f"cli wall (json, {a.runs} runs): median {statistics.median(walls):.2f} s")


if __name__ == "__main__":
    main()
