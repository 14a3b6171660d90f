"""``audit --deep`` against the REAL gateway with ``auth.mode: none`` (loopback, test netns)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.realclaw, pytest.mark.netns]


@pytest.fixture(scope="module")
def gw(realclaw: Path, rg: Any, namespaces: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ns = namespaces.make("cfnone")
    g = rg.start_gateway(realclaw, ns, tmp_path_factory.mktemp("gwnone"), rg.base_config({"mode": "none"}), "loopback")
    try:
        yield g
    finally:
        g.stop()


@pytest.fixture(scope="module")
def deep(rg: Any, gw: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    facts = tmp_path_factory.mktemp("facts") / "facts.json"
    r = rg.run_clawfence(gw.ns, "audit", "--deep", "--state-dir", str(gw.state_dir), "--format", "json",
                      "--fail-on", "none", "--save-facts", str(facts))
    assert r.returncode == 0, r.stderr[-2000:]
    return {"report": json.loads(r.stdout), "facts": json.loads(facts.read_text())}


def test_open_gateway_detected_without_running_a_tool(deep: dict[str, Any]) -> None:
    res = deep["facts"]["probe"]["results"]["127.0.0.1:18789"]
    assert res["tools_invoke_status"] == 400  # `{}` reached tool dispatch: no auth; no tool was named, none ran
    ws = {w["case"]: w for w in res["ws"]}
    assert ws["wrong-token"]["detail_code"] == "DEVICE_IDENTITY_REQUIRED"  # the token was never compared
    np2 = [f for f in deep["report"]["findings"] if f["id"] == "NP002"]
    assert [f["status"] for f in np2] == ["fail"]
    assert np2[0]["location"]["key"] == "gateway.auth.mode"
    assert "C1.3" in np2[0]["guide"]


def test_bruteforce_reports_no_auth(deep: dict[str, Any]) -> None:
    bf = deep["facts"]["probe"]["results"]["127.0.0.1:18789"]["bruteforce"]
    assert bf["verdict"] == "no-auth"


def test_exit_code_fails_on_critical(rg: Any, gw: Any) -> None:
    r = rg.run_clawfence(gw.ns, "audit", "--deep", "--state-dir", str(gw.state_dir), "--format", "json",
                      "--fail-on", "high")
    assert r.returncode == 1


def test_fix_closes_the_hole_on_the_live_gateway(rg: Any, gw: Any, realclaw: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """deep finds auth off -> `clawfence fix --apply --unsafe` -> the REAL gateway restarts on the fixed config
    (token from the 0600 .env via ${OPENCLAW_GATEWAY_TOKEN}) -> deep now finds auth enforced."""
    import stat

    gw.stop()  # one gateway at a time
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))  # run_clawfence passes the environment on
    r = rg.run_clawfence(gw.ns, "fix", "--state-dir", str(gw.state_dir), "--apply", "--unsafe",
                         "--openclaw-version", "2026.9.6")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gateway-auth-token" in r.stdout
    assert stat.S_IMODE((gw.state_dir / ".env").stat().st_mode) == 0o600
    cfg = json.loads((gw.state_dir / "openclaw.json").read_text())
    assert cfg["gateway"]["auth"] == {"mode": "token", "token": "${OPENCLAW_GATEWAY_TOKEN}"}
    g2 = rg.start_gateway(realclaw, gw.ns, gw.state_dir.parent, None, "loopback")
    try:
        r = rg.run_clawfence(g2.ns, "audit", "--deep", "--state-dir", str(g2.state_dir), "--format", "json",
                             "--fail-on", "none")
        rep = json.loads(r.stdout)
        np2 = [f for f in rep["findings"] if f["id"] == "NP002"]
        assert [f["status"] for f in np2] == ["pass"], [f["detail"] for f in np2]
        assert "AUTH_TOKEN_MISMATCH" in np2[0]["detail"]
    finally:
        g2.stop()
