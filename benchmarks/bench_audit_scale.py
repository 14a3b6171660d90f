"""Audit time against the number of agents and channel accounts (issue: audit v2, "linear time in agents and
channels"). Builds synthetic installations with N agents (each with its own tools/sandbox block) and N/4 Telegram
accounts, audits each with ``--no-host`` in a fresh process, and prints wall time, time per agent and peak RSS.

    python benchmarks/bench_audit_scale.py [N ...]      (default 1000 2000 4000 11000)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make(state: Path, n: int) -> None:
    state.mkdir(parents=True)
    cfg = {
        "gateway": {"bind": "loopback", "auth": {"mode": "token", "token": "${OPENCLAW_GATEWAY_TOKEN}"}},
        "agents": {"list": [{"id": f"a{i}", "workspace": f"/srv/w{i}", "sandbox": {"mode": "all"},
                             "tools": {"profile": "coding", "exec": {"security": "allowlist"}}} for i in range(n)]},
        "channels": {"telegram": {"accounts": {f"acc{i}": {"botToken": "${TG_TOKEN}", "dmPolicy": "pairing"}
                                               for i in range(n // 4)}}},
    }
    (state / "openclaw.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 2000, 4000, 11000]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    print(f"{'agents':>7} {'wall s':>8} {'ms/agent':>9} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            sd = Path(tmp) / f"s{n}"
            make(sd, n)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "clawfence", "audit", "--state-dir", str(sd), "--no-host",
                            "--format", "json", "-o", os.devnull, "--fail-on", "none"], env=env, check=True)
            wall = time.perf_counter() - t0
            peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
            print(f"{n:>7} {wall:>8.2f} {wall / n * 1000:>9.3f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
