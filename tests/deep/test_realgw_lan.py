"""'Reachable from the LAN': the REAL gateway bound to a private veth address in one test netns, probed
from a second test netns over the veth pair (no other network exists in either namespace)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.realclaw, pytest.mark.netns]


@pytest.fixture(scope="module")
def lan(realclaw: Path, rg: Any, namespaces: Any, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[Any, str, str]]:
    gw_ns, client_ns = namespaces.make("cflang"), namespaces.make("cflanc")
    gw_addr, _client_addr = namespaces.veth(gw_ns, client_ns)
    tok = secrets.token_hex(32)
    cfg = rg.base_config({"mode": "token", "token": tok, "rateLimit": {"maxAttempts": 5, "windowMs": 60000,
                                                                    "lockoutMs": 60000}},
                      bind="custom", customBindHost=gw_addr,
                      controlUi={"allowedOrigins": ["https://control.example.test"]})
    g = rg.start_gateway(realclaw, gw_ns, tmp_path_factory.mktemp("gwlan"), cfg, "custom", token=tok)
    try:
        yield g, client_ns, gw_addr
    finally:
        g.stop()


@pytest.fixture(scope="module")
def remote(rg: Any, lan: tuple[Any, str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    g, client_ns, addr = lan
    facts = tmp_path_factory.mktemp("facts") / "facts.json"
    r = rg.run_clawfence(client_ns, "audit", "--deep", "--state-dir", str(g.state_dir), "--format", "json",
                      "--fail-on", "none", "--target", f"{addr}:{g.port}", "--save-facts", str(facts))
    assert r.returncode == 0, r.stderr[-2000:]
    return {"report": json.loads(r.stdout), "facts": json.loads(facts.read_text()), "addr": addr}


def _status(rep: dict[str, Any], cid: str) -> set[str]:
    return {f["status"] for f in rep["findings"] if f["id"] == cid}


def test_listener_on_veth_address_fails_np001(rg: Any, lan: tuple[Any, str, str]) -> None:
    g, _, addr = lan
    r = rg.run_clawfence(g.ns, "audit", "--deep", "--state-dir", str(g.state_dir), "--format", "json",
                      "--fail-on", "none")
    rep = json.loads(r.stdout)
    np1 = [f for f in rep["findings"] if f["id"] == "NP001" and f["status"] == "fail"]
    assert any(addr in f["subject"] for f in np1), [f["detail"] for f in rep["findings"] if f["id"] == "NP001"]


def test_reachable_from_other_namespace(remote: dict[str, Any]) -> None:
    res = remote["facts"]["probe"]["results"][f"{remote['addr']}:18789"]
    assert res["reachable"] and res["openclaw"] and not res["loopback"]
    assert res["tools_invoke_status"] == 401
    assert _status(remote["report"], "NP002") == {"pass"}


def test_plaintext_and_control_ui_exposed(remote: dict[str, Any]) -> None:
    assert _status(remote["report"], "NP005") == {"fail"}  # plain ws:// over the network
    assert _status(remote["report"], "NP008") == {"fail"}  # Control UI served to another host


def test_remote_bruteforce_locked_out(remote: dict[str, Any]) -> None:
    bf = remote["facts"]["probe"]["results"][f"{remote['addr']}:18789"]["bruteforce"]
    assert bf["attempts"] <= 30
    assert bf["verdict"] == "locked-out", bf
    assert 429 in bf["statuses"]
    assert _status(remote["report"], "NP004") == {"pass"}


def test_probe_never_touches_unnamed_addresses(remote: dict[str, Any]) -> None:
    targets = remote["facts"]["probe"]["targets"]
    assert set(targets) <= {f"{remote['addr']}:18789", "127.0.0.1:18789"}
