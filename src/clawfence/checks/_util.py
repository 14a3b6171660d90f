"""Small pure helpers shared by check modules (no I/O)."""

from __future__ import annotations

from typing import Any

from clawfence.facts import Facts
from clawfence.facts.config import SecretInfo
from clawfence.model import Location

LOOPBACK_BINDS = frozenset({"loopback", "127.0.0.1", "localhost", "::1"})


def cfg(facts: Facts, dotted: str, default: Any = None) -> Any:
    """Config value (facts.config must be present)."""
    assert facts.config is not None
    return facts.config.get(dotted, default)


GATEWAY_ENV_SECRETS = ("OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD")


def dotenv_secret(facts: Facts, name: str) -> tuple[SecretInfo, Location] | None:
    """The summary and location of ``name`` in the state dir's ``.env``, if set there."""
    for s in facts.files.stored_secrets if facts.files else []:
        if s.key == name and s.path.endswith(".env"):
            return s.info, Location(path=s.path, key=name, line=s.line)
    return None


def where(facts: Facts, key: str) -> Location:
    """Location of config key ``key`` (path, dotted key, line)."""
    assert facts.config is not None
    return facts.config.where(key)


def gateway_exposed(facts: Facts) -> bool:
    """True when the gateway is reachable beyond loopback: bind not loopback, or Tailscale serve/funnel."""
    bind = cfg(facts, "gateway.bind", "loopback")
    ts = cfg(facts, "gateway.tailscale.mode", "off")
    return bind not in LOOPBACK_BINDS or ts in ("serve", "funnel")


def auth_mode(facts: Facts) -> str:
    """Effective ``gateway.auth.mode``: explicit, else ``password`` if a password is set, else ``token``.

    Source: OpenClaw ``src/gateway/auth.ts`` ``resolveGatewayAuth``.
    """
    mode = cfg(facts, "gateway.auth.mode")
    if isinstance(mode, str):
        return mode
    return "password" if cfg(facts, "gateway.auth.password") else "token"


# --- checks-a helpers: effective tool policy and inbound channel scopes ------------------------------
# Sources: OpenClaw docs/gateway/config-tools/tool-policy.md (2026.9.6: profiles, groups, "deny wins",
# "allow: [write] also enables apply_patch"), src/security/dangerous-tools.ts (GATEWAY_CONTROL_PLANE_TOOLS),
# src/security/audit-extra.sync.ts (listOpenInboundPolicies, collectRiskyToolExposureContexts).

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from fnmatch import fnmatchcase  # noqa: E402

#: Tool groups (``group:<name>``) of OpenClaw 2026.9.6; ``group:plugins`` has no fixed members.
TOOL_GROUPS: dict[str, frozenset[str]] = {
    "runtime": frozenset({"exec", "process", "code_execution"}),
    "fs": frozenset({"read", "write", "edit", "apply_patch"}),
    "sessions": frozenset({"sessions", "sessions_list", "sessions_history", "sessions_search", "conversations_list",
                           "conversations_send", "conversations_turn", "sessions_send", "sessions_spawn",
                           "sessions_yield", "subagents", "session_status", "suggest_task", "dismiss_task"}),
    "memory": frozenset({"memory_search", "memory_get"}),
    "web": frozenset({"web_search", "x_search", "web_fetch"}),
    "ui": frozenset({"browser", "screen", "theme", "dashboard", "terminal", "portal", "canvas", "show_widget"}),
    "automation": frozenset({"heartbeat_respond", "automations", "gateway", "plugins", "openclaw"}),
    "messaging": frozenset({"message"}),
    "nodes": frozenset({"nodes", "computer"}),
    "agents": frozenset({"agents_list", "get_goal", "create_goal", "update_goal", "progress_card", "ask_user",
                         "skill_workshop"}),
    "media": frozenset({"view_image", "image_generate", "music_generate", "video_generate", "tts", "pdf"}),
    "plugins": frozenset(),
}
TOOL_GROUPS["openclaw"] = frozenset().union(*TOOL_GROUPS.values()) - {
    "read", "write", "edit", "apply_patch", "exec", "process", "canvas"}

#: Tool name aliases (``bash`` = ``exec``; ``cron`` = ``automations``).
TOOL_ALIASES = {"bash": "exec", "cron": "automations"}

#: Base allowlist of each restricted ``tools.profile``; ``full`` (and unset) filters nothing.
PROFILE_TOOLS: dict[str, frozenset[str]] = {
    "minimal": frozenset({"session_status", "gateway"}),
    "coding": TOOL_GROUPS["fs"] | TOOL_GROUPS["runtime"] | TOOL_GROUPS["web"] | TOOL_GROUPS["sessions"]
    | TOOL_GROUPS["memory"] | frozenset({"automations", "gateway", "get_goal", "create_goal", "update_goal",
                                         "progress_card", "ask_user", "skill_workshop", "view_image",
                                         "image_generate", "music_generate", "video_generate"}),
    "messaging": TOOL_GROUPS["messaging"] | frozenset({
        "sessions", "sessions_list", "sessions_history", "sessions_search", "conversations_list",
        "conversations_send", "conversations_turn", "sessions_send", "sessions_spawn", "sessions_yield",
        "subagents", "session_status", "gateway", "ask_user"}),
}

RUNTIME_TOOLS = ("exec", "process")
FS_TOOLS = ("read", "write", "edit", "apply_patch")
FS_WRITE_TOOLS = ("write", "edit", "apply_patch")
CONTROL_PLANE_TOOLS = ("automations", "gateway", "plugins")


def _names(value: Any) -> tuple[str, ...]:
    """A tool list from config as lower-cased strings with aliases resolved (non-lists give ())."""
    if not isinstance(value, list):
        return ()
    return tuple(TOOL_ALIASES.get(v.strip().lower(), v.strip().lower()) for v in value if isinstance(v, str))


def expand_tools(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Expand ``group:<name>`` entries to their members; other entries (names, ``*`` globs) stay as is."""
    out: list[str] = []
    for e in entries:
        if e.startswith("group:") and e[6:] in TOOL_GROUPS:
            out.extend(sorted(TOOL_GROUPS[e[6:]]) or [e])
        else:
            out.append(e)
    return tuple(out)


def _matches(tool: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(tool, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class ToolPolicy:
    """Effective tool policy of one agent context.

    ``profile``: the effective ``tools.profile`` (``"full"`` when unset); ``base``: tools the profile plus
    ``alsoAllow`` select (None = every tool); ``allow_layers``: each configured ``allow`` list (global, agent),
    all of which must match; ``deny``: patterns from every layer (deny wins).
    """

    profile: str
    base: tuple[str, ...] | None
    allow_layers: tuple[tuple[str, ...], ...]
    deny: tuple[str, ...]

    def allows(self, tool: str) -> bool:
        """True if ``tool`` (a name; aliases accepted) survives profile, allow and deny."""
        t = TOOL_ALIASES.get(tool.lower(), tool.lower())
        if _matches(t, self.deny):
            return False
        if self.base is not None and not _matches(t, self.base):
            return False
        for layer in self.allow_layers:
            ok = _matches(t, layer) or (t == "apply_patch" and _matches("write", layer))
            if not ok:
                return False
        return True

    def reachable(self, tools: tuple[str, ...]) -> list[str]:
        """The members of ``tools`` this policy allows, in order."""
        return [t for t in tools if self.allows(t)]


def tool_policy(tools_cfg: Any, agent_tools: Any = None) -> ToolPolicy:
    """Effective :class:`ToolPolicy` from the global ``tools`` block and an agent's ``tools`` override (pure).

    Agent ``profile`` replaces the global one; ``alsoAllow`` of both layers extends the profile; every
    ``allow`` list filters; every ``deny`` list removes (deny wins). Source: tool-policy.md (2026.9.6).
    """
    layers = [t for t in (tools_cfg, agent_tools) if isinstance(t, dict)]
    profile = "full"
    for layer in layers:
        if isinstance(layer.get("profile"), str):
            profile = layer["profile"]
    also = tuple(x for layer in layers for x in expand_tools(_names(layer.get("alsoAllow"))))
    base = None if profile not in PROFILE_TOOLS else tuple(sorted(PROFILE_TOOLS[profile])) + also
    allow_layers = tuple(expand_tools(_names(layer.get("allow"))) for layer in layers if _names(layer.get("allow")))
    deny = tuple(x for layer in layers for x in expand_tools(_names(layer.get("deny"))))
    return ToolPolicy(profile=profile, base=base, allow_layers=allow_layers, deny=deny)


@dataclass(frozen=True, slots=True)
class AgentContext:
    """One place tools run: ``label`` (``agents.defaults`` or ``agents.<id>``), effective sandbox mode,
    effective ``tools.fs.workspaceOnly`` and :class:`ToolPolicy`."""

    label: str
    sandbox_mode: str
    fs_workspace_only: bool
    policy: ToolPolicy


def agent_contexts(facts: Facts) -> list[AgentContext]:
    """``agents.defaults`` plus every agent of ``agents.list[]`` (file era) or ``agents.entries.<id>`` (pure)."""
    tools = cfg(facts, "tools", {}) or {}
    default_mode = cfg(facts, "agents.defaults.sandbox.mode", "off")
    ws_only = cfg(facts, "tools.fs.workspaceOnly") is True
    out = [AgentContext("agents.defaults", str(default_mode), ws_only, tool_policy(tools))]
    agents: list[tuple[str, dict[str, Any]]] = []
    lst = cfg(facts, "agents.list")
    if isinstance(lst, list):
        agents += [(f"agents.list.{i}", a) for i, a in enumerate(lst) if isinstance(a, dict)]
    ent = cfg(facts, "agents.entries")
    if isinstance(ent, dict):
        agents += [(f"agents.entries.{k}", a) for k, a in ent.items() if isinstance(a, dict)]
    for label, a in agents:
        at = a.get("tools") if isinstance(a.get("tools"), dict) else None
        sb = a.get("sandbox")
        mode = sb.get("mode", default_mode) if isinstance(sb, dict) else default_mode
        fs = (at or {}).get("fs")
        wso = fs.get("workspaceOnly") is True if isinstance(fs, dict) and "workspaceOnly" in fs else ws_only
        name = a.get("id", label) if label.startswith("agents.list") else label.rsplit(".", 1)[1]
        out.append(AgentContext(f"agents.{name}", str(mode), wso, tool_policy(tools, at)))
    return out


@dataclass(frozen=True, slots=True)
class ChannelScope:
    """One inbound scope: a channel (``account`` None) or one of its accounts, with effective policies.

    ``path``: dotted config path of the section; ``dm_policy``/``group_policy``: effective values after
    account -> channel -> ``channels.defaults`` -> OpenClaw default (``pairing`` / ``allowlist``);
    ``dm_policy_key``/``group_policy_key``: the dotted key that set the value (None = default).
    """

    channel: str
    account: str | None
    path: str
    section: dict[str, Any]
    dm_policy: str
    dm_policy_key: str | None
    group_policy: str
    group_policy_key: str | None
    enabled: bool


def _dm_policy(section: dict[str, Any], path: str) -> tuple[str | None, str | None]:
    if isinstance(section.get("dmPolicy"), str):
        return section["dmPolicy"], f"{path}.dmPolicy"
    dm = section.get("dm")
    if isinstance(dm, dict) and isinstance(dm.get("policy"), str):
        return dm["policy"], f"{path}.dm.policy"
    return None, None


def channel_scopes(facts: Facts) -> Iterator[ChannelScope]:
    """Every channel under ``channels`` (except ``defaults``) and every ``accounts.<id>`` in it (pure).

    Source: OpenClaw docs/gateway/config-channels.md "DM and group access"; legacy ``dm.policy``.
    """
    channels = cfg(facts, "channels", {})
    if not isinstance(channels, dict):
        return
    dflt_gp = channels.get("defaults", {}).get("groupPolicy") if isinstance(channels.get("defaults"), dict) else None
    for ch, sec in channels.items():
        if ch == "defaults" or not isinstance(sec, dict):
            continue
        base = f"channels.{ch}"
        dm, dm_key = _dm_policy(sec, base)
        gp, gp_key = (sec["groupPolicy"], f"{base}.groupPolicy") if isinstance(sec.get("groupPolicy"), str) else (
            (dflt_gp, "channels.defaults.groupPolicy") if isinstance(dflt_gp, str) else (None, None))
        ch_enabled = sec.get("enabled") is not False
        yield ChannelScope(ch, None, base, sec, dm or "pairing", dm_key, gp or "allowlist", gp_key, ch_enabled)
        accounts = sec.get("accounts")
        if not isinstance(accounts, dict):
            continue
        for acc, asec in accounts.items():
            if not isinstance(asec, dict):
                continue
            apath = f"{base}.accounts.{acc}"
            adm, adm_key = _dm_policy(asec, apath)
            agp, agp_key = (asec["groupPolicy"], f"{apath}.groupPolicy") if isinstance(
                asec.get("groupPolicy"), str) else (gp, gp_key)
            yield ChannelScope(ch, str(acc), apath, asec, adm or dm or "pairing", adm_key or dm_key,
                               agp or "allowlist", agp_key, ch_enabled and asec.get("enabled") is not False)


def open_inbound(facts: Facts) -> list[str]:
    """Dotted keys where a DM or group policy is ``open`` (enabled scopes only; de-duplicated, in order)."""
    out: list[str] = []
    for s in channel_scopes(facts):
        if not s.enabled:
            continue
        if s.dm_policy == "open" and s.dm_policy_key and s.dm_policy_key not in out:
            out.append(s.dm_policy_key)
        if s.group_policy == "open" and s.group_policy_key and s.group_policy_key not in out:
            out.append(s.group_policy_key)
    return out
