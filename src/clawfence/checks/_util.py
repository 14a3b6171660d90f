"""Small pure helpers shared by check modules (no I/O)."""

from __future__ import annotations

from typing import Any

from clawfence.facts import Facts

LOOPBACK_BINDS = frozenset({"loopback", "127.0.0.1", "localhost", "::1"})


def cfg(facts: Facts, dotted: str, default: Any = None) -> Any:
    """Config value (facts.config must be present)."""
    assert facts.config is not None
    return facts.config.get(dotted, default)


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


# --- effective tool policy, agents, version-aware keys (checks-b) --------------------------------------
# Tool catalogue of OpenClaw's core tools: tool id -> (group section, profiles that include it).
# Source: OpenClaw ``src/agents/tool-catalog.ts`` (CORE_TOOL_DEFINITIONS, 2026 builds) and
# ``docs/gateway/config-tools.md`` "Tool profiles" / "Tool groups" (reference/openclaw.md §2.3).
_CORE_TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "read": ("fs", ("coding",)),
    "write": ("fs", ("coding",)),
    "edit": ("fs", ("coding",)),
    "apply_patch": ("fs", ("coding",)),
    "exec": ("runtime", ("coding",)),
    "process": ("runtime", ("coding",)),
    "code_execution": ("runtime", ("coding",)),
    "web_search": ("web", ("coding",)),
    "web_fetch": ("web", ("coding",)),
    "x_search": ("web", ("coding",)),
    "memory_search": ("memory", ("coding",)),
    "memory_get": ("memory", ("coding",)),
    "sessions_list": ("sessions", ("coding", "messaging")),
    "sessions_history": ("sessions", ("coding", "messaging")),
    "sessions_send": ("sessions", ("coding", "messaging")),
    "sessions_spawn": ("sessions", ("coding",)),
    "sessions_yield": ("sessions", ("coding",)),
    "subagents": ("sessions", ("coding",)),
    "session_status": ("sessions", ("minimal", "coding", "messaging")),
    "browser": ("ui", ()),
    "canvas": ("ui", ()),
    "message": ("messaging", ("messaging",)),
    "cron": ("automation", ("coding",)),
    "gateway": ("automation", ()),
    "nodes": ("nodes", ()),
    "agents_list": ("agents", ()),
    "update_plan": ("agents", ("coding",)),
    "image": ("media", ("coding",)),
    "image_generate": ("media", ("coding",)),
    "music_generate": ("media", ("coding",)),
    "video_generate": ("media", ("coding",)),
    "tts": ("media", ()),
}
#: Tool aliases OpenClaw normalises before matching (``bash`` -> ``exec``, ``apply-patch`` -> ``apply_patch``).
TOOL_ALIASES: dict[str, str] = {"bash": "exec", "apply-patch": "apply_patch"}
CORE_TOOLS: frozenset[str] = frozenset(_CORE_TOOLS)
TOOL_PROFILES: tuple[str, ...] = ("minimal", "coding", "messaging", "full")
#: ``group:<section>`` -> tool ids; ``group:openclaw`` = every core tool except fs/runtime ones.
TOOL_GROUPS: dict[str, frozenset[str]] = {
    **{f"group:{sec}": frozenset(t for t, (s, _) in _CORE_TOOLS.items() if s == sec)
       for sec in {s for s, _ in _CORE_TOOLS.values()}},
    "group:openclaw": frozenset(t for t, (s, _) in _CORE_TOOLS.items() if s not in ("fs",)
                                and t not in ("exec", "process")),
    "group:plugins": frozenset(),
}
#: Tools the guide calls high-risk (D2.3.1: shell, browser, write access; P3.5 system commands).
HIGH_RISK_TOOLS: frozenset[str] = frozenset({"exec", "process", "browser", "write", "edit", "apply_patch",
                                             "gateway", "nodes", "cron"})
RUNTIME_TOOLS: frozenset[str] = frozenset({"exec", "process"})
FS_WRITE_TOOLS: frozenset[str] = frozenset({"write", "edit", "apply_patch"})


def _names(value: Any) -> list[str]:
    """A tool list from config (non-strings dropped, aliases normalised, lower-cased)."""
    if not isinstance(value, list):
        return []
    out = []
    for v in value:
        if isinstance(v, str) and v.strip():
            name = v.strip().lower()
            out.append(TOOL_ALIASES.get(name, name))
    return out


def expand_tools(entries: list[str], universe: frozenset[str]) -> set[str]:
    """Expand ``group:*`` names and ``*`` / glob patterns over ``universe`` (plain names kept as given)."""
    import fnmatch

    out: set[str] = set()
    for e in entries:
        if e in TOOL_GROUPS:
            out |= TOOL_GROUPS[e]
        elif any(ch in e for ch in "*?["):
            out |= {t for t in universe if fnmatch.fnmatchcase(t, e)}
        else:
            out.add(e)
    return out


def agent_entries(facts: Facts) -> list[tuple[str, str, dict[str, Any]]]:
    """Per-agent config blocks in both shapes: ``agents.list[]`` (file era, ``id`` field) and
    ``agents.entries.<id>`` (2026.8+). Returns ``[(agent id, dotted key prefix, block)]``."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    lst = cfg(facts, "agents.list")
    if isinstance(lst, list):
        for i, a in enumerate(lst):
            if isinstance(a, dict):
                out.append((str(a.get("id") or f"#{i}"), f"agents.list.{i}", a))
    ents = cfg(facts, "agents.entries")
    if isinstance(ents, dict):
        for aid, a in ents.items():
            if isinstance(a, dict):
                out.append((str(aid), f"agents.entries.{aid}", a))
    return out


def _agent_block(facts: Facts, agent: str | None) -> dict[str, Any]:
    if agent is None:
        return {}
    for aid, _, block in agent_entries(facts):
        if aid == agent:
            return block
    return {}


def effective_tools(facts: Facts, agent: str | None = None) -> frozenset[str]:
    """Tool ids an agent may call after OpenClaw's policy pipeline (pure).

    Stages, each of which can only narrow the set: the tool profile (agent ``tools.profile`` overrides
    the global one; unset or ``full`` = no restriction) extended by ``alsoAllow``; then global
    ``tools.allow``; then the agent's ``tools.allow``; finally every ``deny`` (global and agent) wins.
    ``group:*``, ``*`` and globs expand over the core catalogue plus any tool named in the config.
    Source: reference/openclaw.md §2.3; OpenClaw ``src/agents/tool-catalog.ts``, ``tool-policy.ts``.
    ``agent=None`` evaluates the defaults (no per-agent block).
    """
    g = cfg(facts, "tools", {}) or {}
    a = (_agent_block(facts, agent).get("tools") or {}) if agent else {}
    g = g if isinstance(g, dict) else {}
    a = a if isinstance(a, dict) else {}
    named = {n for blk in (g, a) for k in ("allow", "alsoAllow", "deny") for n in _names(blk.get(k))
             if n not in TOOL_GROUPS and not any(ch in n for ch in "*?[")}
    universe = frozenset(CORE_TOOLS | named)
    profile = a.get("profile") if isinstance(a.get("profile"), str) else g.get("profile")
    if isinstance(profile, str) and profile in _PROFILE_SET and profile != "full":
        current = {t for t, (_, ps) in _CORE_TOOLS.items() if profile in ps}
        current |= expand_tools(_names(g.get("alsoAllow")) + _names(a.get("alsoAllow")), universe)
    else:
        current = set(universe)
    for blk in (g, a):
        allow = _names(blk.get("allow"))
        if allow:
            current &= expand_tools(allow, universe) | (expand_tools(_names(blk.get("alsoAllow")), universe))
    deny = expand_tools(_names(g.get("deny")) + _names(a.get("deny")), universe)
    return frozenset(current - deny)


_PROFILE_SET = frozenset(TOOL_PROFILES)


def all_tool_scopes(facts: Facts) -> list[tuple[str, str, frozenset[str]]]:
    """``[(label, config key of its tools block, effective tools)]`` for the defaults and every agent."""
    out = [("defaults", "tools", effective_tools(facts))]
    for aid, prefix, _ in agent_entries(facts):
        out.append((f"agent {aid}", f"{prefix}.tools", effective_tools(facts, aid)))
    return out


def config_version(facts: Facts) -> str | None:
    """The OpenClaw version the config is judged against (installed version, else the schema used)."""
    return facts.version.version or (facts.config.schema_version if facts.config else None)


def key_in_version(facts: Facts, dotted: str) -> bool:
    """True when ``dotted`` is a config key of the installed OpenClaw version: not retired in it
    (``data/key-history.yaml``) and, when a packaged schema applies, present in that schema.
    Unknown version: judged by the retired-key history only (assume the key exists)."""
    from clawfence.facts.schema import load_schema, retired_in

    version = config_version(facts)
    if version is not None and retired_in(dotted, version):
        return False
    used = facts.config.schema_version if facts.config else None
    if used is None:
        return True
    return _schema_has(load_schema(used), dotted.split("."))


def _schema_has(node: Any, parts: list[str]) -> bool:
    if not parts:
        return True
    if not isinstance(node, dict):
        return False
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key) or []:
            if _schema_has(sub, parts):
                return True
    props = node.get("properties") or {}
    if parts[0] in props:
        return _schema_has(props[parts[0]], parts[1:])
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return _schema_has(extra, parts[1:])
    return False
