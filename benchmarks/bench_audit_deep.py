"""Time ``clawfence audit --deep`` (and the native ``openclaw security audit --deep``) against the REAL gateway
on loopback inside a network namespace this script creates. Prints figures; asserts nothing.

Usage: python benchmarks/bench_audit_deep.py [RUNS]   (root, ip netns, /tmp/realclaw/opt)
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = Path(os.environ.get("REALCLAW_PREFIX", "/tmp/realclaw/opt"))


def _harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cf_deep_harness", ROOT / "tests" / "deep" / "conftest.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    h = _harness()
    ns = h.Namespaces()
    try:
        name = ns.make("cfbench")
        work = Path(tempfile.mkdtemp(prefix="cfbench"))
        tok = secrets.token_hex(32)
        t0 = time.monotonic()
        gw = h.start_gateway(PREFIX, name, work, h.base_config({"mode": "token", "token": tok}), "loopback", token=tok)
        print(f"gateway listening after {time.monotonic() - t0:.1f} s")
        try:
            for label, extra in (("audit (no --deep)", []), ("audit --deep", ["--deep"])):
                times = []
                for _ in range(runs):
                    t = time.monotonic()
                    r = h.run_clawfence(name, "audit", *extra, "--state-dir", str(gw.state_dir), "--format", "json",
                                        "--fail-on", "none")
                    times.append(time.monotonic() - t)
                    assert r.returncode == 0, r.stderr[-500:]
                print(f"clawfence {label}: median {statistics.median(times):.2f} s over {runs} runs "
                      f"(min {min(times):.2f}, max {max(times):.2f})")
            env = {"PATH": f"{PREFIX}/bin:/usr/bin:/bin", "HOME": str(work / "home"), "OPENCLAW_HOME": str(work / "home"),
                   "OPENCLAW_STATE_DIR": str(gw.state_dir), "OPENCLAW_CONFIG_PATH": str(gw.state_dir / "openclaw.json"),
                   "DO_NOT_TRACK": "1", "TMPDIR": str(work)}
            t = time.monotonic()
            subprocess.run(["ip", "netns", "exec", name, "bash", "-c",
                            "mount -t tmpfs n /tmp/openclaw; exec openclaw security audit --deep --json"],
                           env=env, capture_output=True, timeout=300)
            print(f"native openclaw security audit --deep: {time.monotonic() - t:.2f} s (1 run)")
        finally:
            gw.stop()
    finally:
        ns.close()


if __name__ == "__main__":
    main()
