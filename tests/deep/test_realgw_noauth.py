"""``audit --deep`` against the REAL gateway with ``auth.mode: none`` (loopback, test netns)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.realclaw


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
