"""The pure effective tool policy helper (``checks._util.effective_tools``)."""

from __future__ import annotations

from typing import Any

from clawfence.audit.checks._util import TOOL_GROUPS, agent_entries, effective_tools, key_in_version
from clawfence.audit.facts import from_fixture


def eff(cfg: dict[str, Any], agent: str | None = None) -> frozenset[str]:
    return effective_tools(from_fixture({"config": cfg}), agent)


def test_unset_profile_is_full() -> None:
    tools = eff({})
    assert {"exec", "process", "browser", "gateway", "nodes", "write"} <= tools


def test_profiles() -> None:
    # OpenClaw 2026.9.6 docs/gateway/config-tools/tool-policy.md: minimal = session_status + gateway (update only)
    assert eff({"tools": {"profile": "minimal"}}) == {"session_status", "gateway"}
    msg = eff({"tools": {"profile": "messaging"}})
    assert "message" in msg and "exec" not in msg and "read" not in msg
    coding = eff({"tools": {"profile": "coding"}})
    # cron is an alias of automations (2026.9.6 tool-policy.md)
    assert {"exec", "read", "write", "web_fetch", "automations"} <= coding and "browser" not in coding


def test_deny_wins_and_groups_expand() -> None:
    tools = eff({"tools": {"profile": "coding", "alsoAllow": ["browser"], "deny": ["group:runtime", "browser"]}})
    assert not tools & ({"exec", "process", "code_execution", "browser"})
    assert TOOL_GROUPS["group:fs"] <= tools


def test_allow_narrows_and_wildcards() -> None:
    assert eff({"tools": {"allow": ["read", "web_*"]}}) == {"read", "web_fetch", "web_search"}
    assert eff({"tools": {"profile": "messaging", "allow": ["exec"]}}) == frozenset()  # profile stage wins
    assert "exec" in eff({"tools": {"profile": "messaging", "alsoAllow": ["bash"]}})  # alias


def test_agent_overrides_both_shapes() -> None:
    base: dict[str, Any] = {"tools": {"profile": "minimal"}}
    lst = {**base, "agents": {"list": [{"id": "dev", "tools": {"profile": "coding", "deny": ["exec"]}}]}}
    ent = {**base, "agents": {"entries": {"dev": {"tools": {"profile": "coding", "deny": ["exec"]}}}}}
    for cfg in (lst, ent):
        f = from_fixture({"config": cfg})
        assert [a for a, _, _ in agent_entries(f)] == ["dev"]
        tools = effective_tools(f, "dev")
        assert "process" in tools and "exec" not in tools
        assert effective_tools(f) == {"session_status", "gateway"}


def test_plugin_tool_names_survive_allow() -> None:
    assert "voice_call" in eff({"tools": {"allow": ["voice_call", "read"]}})


def test_key_in_version() -> None:
    new = from_fixture({"config": {}, "version": "2026.9.6"})
    old = from_fixture({"config": {}, "version": "2026.3.1"})
    assert not key_in_version(new, "logging.redactSensitive")
    assert key_in_version(old, "logging.redactSensitive")
    assert key_in_version(new, "tools.exec.security") and key_in_version(new, "tools.exec.mode")
    assert key_in_version(new, "agents.entries.ops.sandbox.mode")
    assert not key_in_version(new, "tools.exec.nonsense")
