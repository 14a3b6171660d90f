"""Unit tests of the pure helpers behind CH008 and the channel checks: effective tool policy and channel scopes."""

from __future__ import annotations

from clawfence.audit.checks._util import agent_contexts, channel_scopes, expand_tools, open_inbound, tool_policy
from clawfence.audit.facts import from_fixture


def test_unset_profile_allows_everything() -> None:
    p = tool_policy(None)
    assert p.profile == "full"
    assert all(p.allows(t) for t in ("exec", "gateway", "write", "cron", "bash"))


def test_deny_wins_and_groups_expand() -> None:
    p = tool_policy({"profile": "full", "allow": ["group:runtime", "write"], "deny": ["process", "group:automation"]})
    assert p.allows("exec") and p.allows("bash")
    assert not p.allows("process")
    assert p.allows("write") and p.allows("apply_patch")  # allow: [write] also enables apply_patch
    assert not p.allows("read")  # not in the allowlist
    assert not p.allows("gateway") and not p.allows("cron")


def test_messaging_profile_and_also_allow() -> None:
    p = tool_policy({"profile": "messaging"})
    assert p.allows("message") and p.allows("gateway")
    assert not p.allows("exec") and not p.allows("write")
    p2 = tool_policy({"profile": "messaging", "alsoAllow": ["group:fs"]})
    assert p2.allows("write") and not p2.allows("exec")


def test_agent_override_replaces_profile_but_keeps_global_deny() -> None:
    p = tool_policy({"profile": "minimal", "deny": ["exec"]}, {"profile": "coding"})
    assert p.profile == "coding"
    assert p.allows("write") and not p.allows("exec")


def test_wildcards_and_case() -> None:
    p = tool_policy({"deny": ["Sessions_*", "web_*"]})
    assert not p.allows("sessions_spawn") and not p.allows("web_fetch") and p.allows("exec")
    assert "exec" in expand_tools(("group:runtime",))


def test_agent_contexts_read_list_and_entries() -> None:
    f = from_fixture({"config": {"agents": {"defaults": {"sandbox": {"mode": "all"}},
                                            "list": [{"id": "ops", "sandbox": {"mode": "off"}}],
                                            "entries": {"mail": {"tools": {"fs": {"workspaceOnly": True}}}}}}})
    ctx = {c.label: c for c in agent_contexts(f)}
    assert ctx["agents.defaults"].sandbox_mode == "all"
    assert ctx["agents.ops"].sandbox_mode == "off"
    assert ctx["agents.mail"].fs_workspace_only and ctx["agents.mail"].sandbox_mode == "all"


def test_channel_scopes_inherit_and_defaults() -> None:
    f = from_fixture({"config": {"channels": {
        "defaults": {"groupPolicy": "open"},
        "telegram": {"dmPolicy": "open", "accounts": {"b": {"dmPolicy": "pairing", "groupPolicy": "allowlist"}}},
        "discord": {"dm": {"policy": "allowlist"}, "enabled": False},
    }}})
    s = {x.path: x for x in channel_scopes(f)}
    assert s["channels.telegram"].group_policy == "open"
    assert s["channels.telegram"].group_policy_key == "channels.defaults.groupPolicy"
    assert s["channels.telegram.accounts.b"].dm_policy == "pairing"
    assert s["channels.discord"].dm_policy_key == "channels.discord.dm.policy" and not s["channels.discord"].enabled
    assert "channels.telegram.dmPolicy" in open_inbound(f)
    assert "channels.defaults.groupPolicy" in open_inbound(f)


def test_no_channels() -> None:
    f = from_fixture({"config": {}})
    assert list(channel_scopes(f)) == [] and open_inbound(f) == []
