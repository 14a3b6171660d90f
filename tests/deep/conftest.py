"""Real-gateway harness for the ``--deep`` tests: network namespaces made by the test, the real OpenClaw
gateway started inside one (loopback, or a private veth address), stopped by its process-group id.

Nothing here talks to any address outside the namespaces it creates: the gateway runs in a namespace
whose only interfaces are ``lo`` and, for the LAN case, one end of a veth pair whose peer is in a second
namespace made by the test. Needs root + ``ip netns``; skips otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
VETH_NET = "10.231.{n}.{h}"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def netns_usable() -> bool:
    """True when we can create and delete a network namespace."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"cfchk{secrets.token_hex(3)}"
    ok = _ip("netns", "add", name, check=False).returncode == 0
    if ok:
        _ip("netns", "del", name, check=False)
    return ok


@dataclass
class Namespaces:
    """Namespaces made for one test module; deleted on close."""

    names: list[str] = field(default_factory=list)

    def make(self, prefix: str) -> str:
        name = f"{prefix}{secrets.token_hex(3)}"
        _ip("netns", "add", name)
        self.names.append(name)
        _ip("-n", name, "link", "set", "lo", "up")
        return name

    def veth(self, ns_a: str, ns_b: str) -> tuple[str, str]:
        """Connect ``ns_a`` and ``ns_b`` with a veth pair on a private /30; returns (addr_a, addr_b)."""
        n = secrets.randbelow(200) + 20
        a, b = VETH_NET.format(n=n, h=1), VETH_NET.format(n=n, h=2)
        tag = secrets.token_hex(2)
        _ip("link", "add", f"cfa{tag}", "netns", ns_a, "type", "veth", "peer", "name", f"cfb{tag}", "netns", ns_b)
        _ip("-n", ns_a, "addr", "add", f"{a}/30", "dev", f"cfa{tag}")
        _ip("-n", ns_b, "addr", "add", f"{b}/30", "dev", f"cfb{tag}")
        _ip("-n", ns_a, "link", "set", f"cfa{tag}", "up")
        _ip("-n", ns_b, "link", "set", f"cfb{tag}", "up")
        return a, b

    def close(self) -> None:
        for n in self.names:
            _ip("netns", "del", n, check=False)


@dataclass
class Gateway:
    """A running real gateway: namespace, pid (= process group id), port, state dir, token."""

    ns: str
    proc: subprocess.Popen[bytes]
    port: int
    state_dir: Path
    token: str | None
    log: Path

    def stop(self) -> None:
        """SIGTERM the gateway's own process group (it was started in a new session), then SIGKILL."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):  # children left in the group
            os.killpg(self.proc.pid, signal.SIGKILL)


def start_gateway(prefix: Path, ns: str, work: Path, config: dict[str, Any] | None, bind: str, port: int = 18789,
                  token: str | None = None) -> Gateway:
    """Start ``openclaw gateway run`` inside ``ns`` with a throw-away state dir; wait until it listens.
    ``config`` None keeps the ``work/state/openclaw.json`` already there (e.g. one clawfence fixed)."""
    state = work / "state"
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    if config is not None:
        (state / "openclaw.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        os.chmod(state / "openclaw.json", 0o600)
    home = work / "home"
    home.mkdir(exist_ok=True)
    for d in ("/tmp/openclaw", f"/tmp/openclaw-state-locks-{os.geteuid()}"):
        os.makedirs(d, exist_ok=True)
    env = {"PATH": f"{prefix}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(home), "OPENCLAW_HOME": str(home),
           "OPENCLAW_STATE_DIR": str(state), "OPENCLAW_CONFIG_PATH": str(state / "openclaw.json"),
           "TMPDIR": str(work), "DO_NOT_TRACK": "1"}
    # ip netns exec gives a private (slave) mount namespace: the tmpfs mounts hide OpenClaw's hard-coded
    # /tmp paths from the host and vanish with the process.
    script = (f"mount -t tmpfs cf-gw /tmp/openclaw && mount -t tmpfs cf-gw /tmp/openclaw-state-locks-{os.geteuid()} "
              f"&& exec openclaw gateway run --port {port} --bind {bind}")
    log = work / "gateway.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(["ip", "netns", "exec", ns, "bash", "-c", script], env=env, stdout=fh,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    gw = Gateway(ns=ns, proc=proc, port=port, state_dir=state, token=token, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out = _ip("netns", "exec", ns, "ss", "-Hltn", check=False).stdout
        if f":{port} " in out:
            time.sleep(1.0)
            return gw
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    gw.stop()
    raise RuntimeError(f"gateway did not listen: {log.read_text(errors='replace')[-2000:]}")


def run_clawfence(ns: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m clawfence ARGS`` inside ``ns`` (worktree sources first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("HTTP_PROXY", None)
    env.pop("HTTPS_PROXY", None)
    return subprocess.run(["ip", "netns", "exec", ns, PY, "-m", "clawfence", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def netns_ok() -> None:
    """Skip unless root + ip netns work."""
    if not netns_usable():
        pytest.skip("needs root and ip netns")


@pytest.fixture(scope="module")
def namespaces(netns_ok: None) -> Iterator[Namespaces]:
    """Namespaces for one module, deleted afterwards."""
    ns = Namespaces()
    try:
        yield ns
    finally:
        ns.close()


def base_config(auth: dict[str, Any], bind: str = "loopback", **gateway: Any) -> dict[str, Any]:
    """Minimal valid 2026.9.6 config for a local gateway."""
    return {"gateway": {"mode": "local", "bind": bind, "auth": auth, **gateway}}


@pytest.fixture(scope="session")
def rg() -> Any:
    """The harness functions for test modules (importlib mode cannot import conftest)."""
    import types

    return types.SimpleNamespace(start_gateway=start_gateway, base_config=base_config, run_clawfence=run_clawfence)
