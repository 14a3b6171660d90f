"""The effective tool policy of OpenClaw agents (pure helper for checks; no checks here).

One model for every check that asks "which tools can this agent call": ``tools.profile`` (unset = full),
``alsoAllow`` extending the profile, every ``allow`` layer (global, agent) filtering, every ``deny`` removing
(deny wins), ``group:*`` expansion and ``*`` globs. Per-agent blocks are read in both shapes: ``agents.list[]``
(file era) and ``agents.entries.<id>`` (2026.8+).
Source: OpenClaw 2026.9.6 ``docs/gateway/config-tools/tool-policy.md`` ("Tool profiles", "Tool groups";
``cron`` is an alias of ``automations``), ``src/security/dangerous-tools.ts``, ``src/agents/tool-catalog.ts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from clawfence.audit.facts import Facts


def _cfg(facts: Facts, dotted: str, default: Any = None) -> Any:
    assert facts.config is not None
    return facts.config.get(dotted, default)


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
TOOL_GROUPS = {f"group:{k}": v for k, v in TOOL_GROUPS.items()}

#: Tool name aliases (``bash`` = ``exec``; ``cron`` = ``automations``).
TOOL_ALIASES = {"bash": "exec", "cron": "automations"}

#: Base allowlist of each restricted ``tools.profile``; ``full`` (and unset) filters nothing.
PROFILE_TOOLS: dict[str, frozenset[str]] = {
    "minimal": frozenset({"session_status", "gateway"}),
    "coding": TOOL_GROUPS["group:fs"] | TOOL_GROUPS["group:runtime"] | TOOL_GROUPS["group:web"] | TOOL_GROUPS["group:sessions"]
    | TOOL_GROUPS["group:memory"] | frozenset({"automations", "gateway", "get_goal", "create_goal", "update_goal",
                                         "progress_card", "ask_user", "skill_workshop", "view_image",
                                         "image_generate", "music_generate", "video_generate"}),
    "messaging": TOOL_GROUPS["group:messaging"] | frozenset({
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
        if e in TOOL_GROUPS:
            out.extend(sorted(TOOL_GROUPS[e]) or [e])
        else:
            out.append(e)
    return tuple(out)


@lru_cache(maxsize=65536)
def _matches(tool: str, patterns: tuple[str, ...]) -> bool:
    """``tool`` matches one of ``patterns`` (globs). Cached: agents mostly share the same few policies, so an
    audit of thousands of agents stays linear."""
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
    tools = _cfg(facts, "tools", {}) or {}
    default_mode = _cfg(facts, "agents.defaults.sandbox.mode", "off")
    ws_only = _cfg(facts, "tools.fs.workspaceOnly") is True
    out = [AgentContext("agents.defaults", str(default_mode), ws_only, tool_policy(tools))]
    agents: list[tuple[str, dict[str, Any]]] = []
    lst = _cfg(facts, "agents.list")
    if isinstance(lst, list):
        agents += [(f"agents.list.{i}", a) for i, a in enumerate(lst) if isinstance(a, dict)]
    ent = _cfg(facts, "agents.entries")
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


#: Every core tool id known to the catalogue (groups and profiles).
CORE_TOOLS: frozenset[str] = frozenset().union(*TOOL_GROUPS.values(), *PROFILE_TOOLS.values())
TOOL_PROFILES: tuple[str, ...] = ("minimal", "coding", "messaging", "full")
#: Tools the guide calls high-risk (D2.3.1: shell, browser, write access; P3.5 system commands).
HIGH_RISK_TOOLS: frozenset[str] = frozenset({"exec", "process", "code_execution", "browser", "terminal", "write",
                                             "edit", "apply_patch", "gateway", "nodes", "computer", "automations"})


def agent_entries(facts: Facts) -> list[tuple[str, str, dict[str, Any]]]:
    """Per-agent config blocks in both shapes: ``agents.list[]`` (``id`` field) and ``agents.entries.<id>``.
    Returns ``[(agent id, dotted key prefix, block)]``."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    lst = _cfg(facts, "agents.list")
    if isinstance(lst, list):
        for i, ag in enumerate(lst):
            if isinstance(ag, dict):
                out.append((str(ag.get("id") or f"#{i}"), f"agents.list.{i}", ag))
    ents = _cfg(facts, "agents.entries")
    if isinstance(ents, dict):
        for aid, ag in ents.items():
            if isinstance(ag, dict):
                out.append((str(aid), f"agents.entries.{aid}", ag))
    return out


def _effective(tools: Any, agent_tools: Any) -> frozenset[str]:
    """Effective tool ids of one context from the global ``tools`` block and an agent's ``tools`` (pure)."""
    agent_tools = agent_tools if isinstance(agent_tools, dict) else None
    named = {n for layer in (tools, agent_tools or {}) if isinstance(layer, dict)
             for k in ("allow", "alsoAllow", "deny") for n in _names(layer.get(k))
             if n not in TOOL_GROUPS and not any(ch in n for ch in "*?[")}
    policy = tool_policy(tools, agent_tools)
    return frozenset(t for t in CORE_TOOLS | named if policy.allows(t))


def effective_tools(facts: Facts, agent: str | None = None) -> frozenset[str]:
    """Tool ids an agent (``None`` = the defaults) may call: the core catalogue plus every tool named in the
    config, filtered by that agent's :class:`ToolPolicy`."""
    tools = _cfg(facts, "tools", {}) or {}
    block = next((b for aid, _, b in agent_entries(facts) if aid == agent), {}) if agent else {}
    return _effective(tools, block.get("tools"))


#: Last few facts objects' scopes (checks ask again and again; identity-checked, so never stale).
_SCOPES: dict[int, tuple[Facts, list[tuple[str, str, frozenset[str]]]]] = {}


def all_tool_scopes(facts: Facts) -> list[tuple[str, str, frozenset[str]]]:
    """``[(label, config key of its tools block, effective tools)]`` for the defaults and every agent. Linear in
    the number of agents and computed once per facts snapshot."""
    hit = _SCOPES.get(id(facts))
    if hit is not None and hit[0] is facts:
        return hit[1]
    tools = _cfg(facts, "tools", {}) or {}
    out = [("defaults", "tools", _effective(tools, None))]
    for aid, prefix, block in agent_entries(facts):
        out.append((f"agent {aid}", f"{prefix}.tools", _effective(tools, block.get("tools"))))
    if len(_SCOPES) >= 4:
        _SCOPES.clear()
    _SCOPES[id(facts)] = (facts, out)
    return out
