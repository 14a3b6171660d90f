"""Checks TL: tool policy: allowlists, exec approvals, elevated mode, file-system scope, browser, plugins,
MCP, bundled skills and network egress.

Sources: guide D2.3.1 (tool and plugin whitelist), P3.3-P3.6, E3.1-E3.3, E5.1; OpenClaw
``docs/gateway/config-tools.md``, ``docs/tools/exec.md``, ``docs/tools/exec-approvals.md``, ``docs/tools/elevated.md``,
``src/security/audit-extra.sync.ts`` (tools.* / browser.* / plugins.* checkIds); reference/openclaw.md §1.8, §2.3-2.5.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.audit.checks._util import (
    FS_WRITE_TOOLS,
    HIGH_RISK_TOOLS,
    RUNTIME_TOOLS,
    agent_entries,
    all_tool_scopes,
    cfg,
    key_in_version,
    latent,
)
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.checks.sandbox import sandboxes
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned

INTERPRETERS = frozenset({"python", "python2", "python3", "node", "nodejs", "deno", "bun", "ruby", "perl", "php",
                          "lua", "osascript", "awk", "gawk", "mawk", "find", "xargs", "bash", "sh", "zsh", "dash",
                          "fish", "pwsh", "powershell", "env", "tclsh", "Rscript"})
BROAD_SAFE_BINS = frozenset({"jq", "sed", "awk", "gawk", "find", "xargs", "tee", "env", "yq", "perl"})
_SEC_RANK = {"deny": 0, "allowlist": 1, "full": 2}
_ASK_RANK = {"always": 0, "on-miss": 1, "off": 2}



def _fmt(tools: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(tools)) or "none"


@check(
    id="TL001",
    title="High-risk tools are not enabled without need",
    title_zh="未无必要地开放高危工具",
    severity=Severity.HIGH,
    guide=("D2.3.1", "P3.5", "E3.1"),
    remediation='Set tools.profile to "messaging" or "minimal" (or "coding" for coding agents) and add '
                'tools.deny ["group:runtime", "browser", "gateway", "nodes"]; grant extra tools per agent with '
                "tools.alsoAllow.",
    remediation_zh='将 tools.profile 设为 "messaging" 或 "minimal"(编程类智能体用 "coding"),并设置 tools.deny '
                   '["group:runtime", "browser", "gateway", "nodes"];确需的工具按智能体用 tools.alsoAllow 单独开放。',
    fix="deny-exec",
    upstream=("tools.profile_minimal_overridden", "plugins.tools_reachable_permissive_policy",
              "tools.exec.fs_tools_disabled_but_exec_enabled", "security.exposure.open_groups_with_runtime_or_fs"),
    cwe=("CWE-250", "CWE-269"),
)
def high_risk_tools_restricted(facts: Facts) -> Iterator[Outcome]:
    """The guide asks for a tool whitelist with high-risk tools (shell, browser, write) disabled (D2.3.1) and
    system commands off by default (P3.5). With ``tools.profile`` unset OpenClaw applies no profile (= full):
    every tool, including exec/process, file writes, browser, gateway and nodes, is reachable by the model.
    The effective set follows OpenClaw's pipeline: profile, allow/alsoAllow, agent overrides, deny wins."""
    gprof = cfg(facts, "tools.profile")
    agent_prof = {f"agent {aid}": (blk.get("tools") or {}).get("profile") if isinstance(blk.get("tools"), dict)
                  else None for aid, _, blk in agent_entries(facts)}
    for label, key, tools in all_tool_scopes(facts):
        prof = gprof if label == "defaults" else agent_prof.get(label)
        risky = tools & HIGH_RISK_TOOLS
        if (prof or gprof) in ("minimal", "coding", "messaging"):
            # restricted profiles grant `gateway` for update only (2026.9.6 tool-policy.md "Tool profiles")
            risky -= {"gateway"}
        shown = f"profile {prof!r}" if prof else ("profile unset (full)" if label == "defaults" else "effective")
        if label != "defaults" and gprof == "minimal" and prof and prof != "minimal":
            shown += " (overrides global 'minimal')"
        if risky & frozenset(RUNTIME_TOOLS) and not tools & frozenset(FS_WRITE_TOOLS):
            shown += "; file-write tools are denied but exec can still write files"
        loc = _loc(facts, f"{key}.profile" if label == "defaults" else key)
        if not risky:
            yield passed(f"{label}: {shown}; no high-risk tool reachable", key, loc)
        elif risky & frozenset(RUNTIME_TOOLS):
            yield failed(f"{label}: {shown}; high-risk tools reachable: {_fmt(risky)}", key, loc)
        else:
            yield warned(f"{label}: {shown}; high-risk tools reachable: {_fmt(risky)}", key, loc,
                         severity=Severity.MEDIUM)


def exec_reachable(facts: Facts) -> list[str]:
    """Labels of the tool scopes (``defaults``, ``agent <id>``) whose effective tools include exec."""
    return [label for label, _, tools in all_tool_scopes(facts) if "exec" in tools]


def _approvals_defaults(facts: Facts) -> dict[str, Any]:
    doc = facts.exec_approvals or {}
    d = doc.get("defaults") if isinstance(doc, dict) else None
    return d if isinstance(d, dict) else {}


@check(
    id="TL002",
    title="Host command execution needs approval",
    title_zh="宿主机命令执行需经审批",
    severity=Severity.HIGH,
    guide=("P3.5", "E3.3", "E5.1", "D3.2"),
    remediation='Set tools.exec.security to "allowlist" with tools.exec.ask "on-miss" or "always" (newer releases: '
                'tools.exec.mode "ask" or "allowlist"), or deny exec with tools.deny ["group:runtime"].',
    remediation_zh='将 tools.exec.security 设为 "allowlist" 且 tools.exec.ask 设为 "on-miss" 或 "always"'
                   '(新版本:tools.exec.mode 设为 "ask" 或 "allowlist"),或用 tools.deny ["group:runtime"] 禁用 exec。',
    fix="deny-exec",
    upstream=("tools.exec.security_full_configured", "security.exposure.open_channels_with_exec"),
    cwe=("CWE-78", "CWE-862"),
)
def host_exec_needs_approval(facts: Facts) -> Iterator[Outcome]:
    """OpenClaw's default host exec posture on gateway/node hosts is ``security=full, ask=off`` ("YOLO"):
    any command the model emits runs without a human seeing it. The guide wants system commands off and
    enabled only temporarily with a second confirmation (P3.5), approval for high-privilege operations
    (E3.3, E5.1). The effective policy is the stricter of ``tools.exec.*`` and the exec-approvals defaults
    (``docs/tools/exec-approvals.md``); ``tools.exec.mode`` replaces security+ask on newer releases."""
    reach = set(exec_reachable(facts))
    agents = {f"agent {aid}": (aid, prefix, blk) for aid, prefix, blk in agent_entries(facts)}
    if not reach:
        yield passed("exec is not reachable by any agent (denied by tool policy)", "tools.exec",
                     _loc(facts, "tools.exec"))
        seen: set[str] = set()
        for label, prefix, blk in [("defaults", "tools.exec", cfg(facts, "tools.exec"))] + [
                (lb, f"{p}.tools.exec", _exec_block(b)) for lb, (_, p, b) in agents.items()]:
            yield from _latent_exec(facts, prefix, blk, seen, "exec is allowed again (tools.deny / tools.profile "
                                    f"deny it for {label} now)")
        return
    gexec = cfg(facts, "tools.exec", {}) or {}
    gexec = gexec if isinstance(gexec, dict) else {}
    doc_agents = (facts.exec_approvals or {}).get("agents") if isinstance(facts.exec_approvals, dict) else None
    boxes = {label: sb for label, _, sb in sandboxes(facts)}
    seen_sb: set[str] = set()
    for label, _, _tools in all_tool_scopes(facts):
        if label not in reach:
            continue
        ex, prefix, aid = dict(gexec), "tools.exec", None
        if label in agents:
            aid, aprefix, blk = agents[label]
            t = blk.get("tools")
            if isinstance(t, dict) and isinstance(t.get("exec"), dict):
                ex.update(t["exec"])
                prefix = f"{aprefix}.tools.exec"
        approvals = dict(_approvals_defaults(facts))
        if aid and isinstance(doc_agents, dict) and isinstance(doc_agents.get(aid), dict):
            approvals.update(doc_agents[aid])
        sb = boxes.get(label, boxes["defaults"])
        sb_mode = str(sb.get("mode", "off"))
        yield _exec_outcome(facts, label, prefix, ex, sb_mode, approvals)
        if ex.get("host", "auto") in ("auto", "sandbox") and sb_mode == "all":
            yield from _latent_exec(facts, "tools.exec", gexec, seen_sb, f"the sandbox is turned off for {label} or "
                                    "tools.exec.host is set to 'gateway'")
            if prefix != "tools.exec":
                yield from _latent_exec(facts, prefix, _exec_block(agents[label][2]), seen_sb, "the sandbox is turned "
                                        f"off for {label} or its exec.host is set to 'gateway'")
        elif ex.get("ask") == "off" and ex.get("security") == "allowlist" and not ex.get("mode"):
            own = _exec_block(agents[label][2]) if label in agents else {}
            akey = f"{prefix}.ask" if own.get("ask") == "off" else "tools.exec.ask"
            yield warned(f"{akey} is 'off' ({label}): allowlisted commands run with no human confirmation (guide P3.5 "
                         "wants a second confirmation)", akey, _loc(facts, akey), severity=Severity.LOW)


def _exec_block(agent_block: dict[str, Any]) -> dict[str, Any]:
    """An agent block's own ``tools.exec`` dict ({} when absent)."""
    t = agent_block.get("tools")
    ex = t.get("exec") if isinstance(t, dict) else None
    return ex if isinstance(ex, dict) else {}


def _latent_exec(facts: Facts, prefix: str, ex: Any, seen: set[str], unless: str) -> Iterator[Outcome]:
    """LOW "latent" warnings for weak exec keys set explicitly in block ``ex`` found at ``prefix`` (``tools.exec``
    or ``agents.entries.<id>.tools.exec``) while exec is denied or sandboxed: ``mode``/``security`` ``full`` and
    ``ask`` ``off``. ``seen`` de-duplicates keys across scopes."""
    if not isinstance(ex, dict):
        return
    found: list[tuple[str, str]] = []
    if ex.get("mode") == "full":
        found.append((f"{prefix}.mode", f"{prefix}.mode is 'full': commands would run without approval"))
    if ex.get("security") == "full":
        found.append((f"{prefix}.security", f"{prefix}.security is 'full': " + (
            "no allowlist, only ask 'always' would stand between the model and the shell" if ex.get("ask") == "always"
            else "commands would run without approval")))
    if ex.get("ask") == "off" and ex.get("security") != "deny":
        found.append((f"{prefix}.ask", f"{prefix}.ask is 'off': no human would confirm any command"))
    for key, detail in found:
        if key not in seen:
            seen.add(key)
            yield latent(facts, key, detail, unless)


def _exec_outcome(facts: Facts, label: str, prefix: str, ex: dict[str, Any], sb_mode: str,
                  approvals: dict[str, Any]) -> Outcome:
    """Judge one scope's exec policy: sandboxed exec passes; ``mode`` (newer releases) or the stricter of
    ``security``/``ask`` and the approvals document decides for host exec."""
    host = ex.get("host", "auto")
    if host in ("auto", "sandbox") and sb_mode == "all":
        return passed(f"{label}: exec runs inside the sandbox (host {host!r}, sandbox mode 'all')", f"{prefix}.host",
                      _loc(facts, f"{prefix}.host"))
    where = f"{label}; host {host!r}, sandbox {sb_mode!r}"
    mode = ex.get("mode")
    if isinstance(mode, str) and key_in_version(facts, "tools.exec.mode"):
        loc = _loc(facts, f"{prefix}.mode")
        if mode == "full":
            return failed(f"{prefix}.mode is 'full': commands run without approval ({where})", f"{prefix}.mode", loc)
        if mode == "auto":
            return warned(f"{prefix}.mode is 'auto': an LLM reviewer decides before a human ({where})",
                          f"{prefix}.mode", loc, severity=Severity.MEDIUM)
        return passed(f"{prefix}.mode is {mode!r} ({where})", f"{prefix}.mode", loc)
    sec, ask = ex.get("security", "full"), ex.get("ask", "off")
    if approvals.get("security") in _SEC_RANK and _SEC_RANK[approvals["security"]] < _SEC_RANK.get(sec, 2):
        sec = approvals["security"]
    if approvals.get("ask") in _ASK_RANK and _ASK_RANK[approvals["ask"]] < _ASK_RANK.get(ask, 2):
        ask = approvals["ask"]
    loc = _loc(facts, f"{prefix}.security")
    if sec == "full" and ask != "always":
        return failed(f"effective exec security 'full', ask {ask!r}: commands run without approval ({where})",
                      f"{prefix}.security", loc)
    return passed(f"effective exec security {sec!r}, ask {ask!r} ({where})", f"{prefix}.security", loc)


def _bin(pattern: str) -> str:
    return pattern.strip().rsplit("/", 1)[-1].split()[0].rstrip("*") if pattern.strip() else ""


@check(
    id="TL003",
    title="Exec approvals defaults are strict",
    title_zh="exec 审批默认策略严格",
    severity=Severity.MEDIUM,
    guide=("P3.5", "E3.3", "E5.1"),
    remediation="Run `openclaw approvals get`, then set defaults security allowlist, ask on-miss, askFallback deny, "
                "autoAllowSkills false; remove interpreters from allowlists or set tools.exec.strictInlineEval true.",
    remediation_zh="运行 `openclaw approvals get` 查看,将 defaults 设为 security allowlist、ask on-miss、askFallback deny、"
                   "autoAllowSkills false;从白名单移除解释器,或设置 tools.exec.strictInlineEval 为 true。",
    upstream=("tools.exec.auto_allow_skills_enabled", "tools.exec.allowlist_interpreter_without_strict_inline_eval",
              "tools.exec.security_full_configured"),
    cwe=("CWE-78", "CWE-863"),
)
def exec_approvals_strict(facts: Facts) -> Iterator[Outcome]:
    """The exec-approvals document (``~/.openclaw/exec-approvals.json`` or the ``exec_approvals_config`` SQLite
    row) is the host-side half of the exec policy. ``askFallback: full`` runs commands when no approver is
    online; ``autoAllowSkills`` trusts every binary a skill declares; an allowlisted interpreter (python,
    node, bash, awk, find, xargs ...) runs arbitrary inline code unless ``tools.exec.strictInlineEval``."""
    doc = facts.exec_approvals
    if not isinstance(doc, dict):
        yield skipped("not applicable: no exec-approvals document found", "exec-approvals")
        return
    scopes: list[tuple[str, dict[str, Any]]] = [("defaults", _approvals_defaults(facts))]
    agents = doc.get("agents")
    if isinstance(agents, dict):
        scopes += [(f"agents.{k}", v) for k, v in agents.items() if isinstance(v, dict)]
    strict_eval = cfg(facts, "tools.exec.strictInlineEval") is True
    for label, blk in scopes:
        subj = f"exec-approvals:{label}"
        problems: list[str] = []
        if blk.get("security") == "full" and blk.get("ask", "off") != "always":
            problems.append(f"security 'full' with ask {blk.get('ask', 'off')!r}")
        if blk.get("askFallback") == "full":
            problems.append("askFallback 'full' (runs commands when no approver answers)")
        if blk.get("autoAllowSkills") is True:
            problems.append("autoAllowSkills true")
        allow = blk.get("allowlist")
        if isinstance(allow, list) and not strict_eval:
            interp = sorted({_bin(str(e.get("pattern", ""))) for e in allow if isinstance(e, dict)} & INTERPRETERS)
            if interp:
                problems.append(f"interpreters allowlisted without tools.exec.strictInlineEval: {', '.join(interp)}")
        if problems:
            yield warned(f"exec approvals {label}: " + "; ".join(problems), subj)
        else:
            yield passed(f"exec approvals {label}: security {blk.get('security', 'unset')!r}, "
                         f"ask {blk.get('ask', 'unset')!r}", subj)


@check(
    id="TL004",
    title="safeBins hold only low-risk stream filters",
    title_zh="safeBins 仅包含低风险的流式过滤命令",
    severity=Severity.MEDIUM,
    guide=("P3.5", "D3.2"),
    remediation="Remove interpreters and jq/sed/awk/find/xargs from tools.exec.safeBins (or add "
                "tools.exec.safeBinProfiles.<bin>); keep tools.exec.safeBinTrustedDirs at /bin and /usr/bin.",
    remediation_zh="从 tools.exec.safeBins 中移除解释器及 jq/sed/awk/find/xargs(或为其配置 tools.exec.safeBinProfiles.<bin>);"
                   "tools.exec.safeBinTrustedDirs 保持为 /bin 与 /usr/bin。",
    upstream=("tools.exec.safe_bins_interpreter_unprofiled", "tools.exec.safe_bins_broad_behavior",
              "tools.exec.safe_bin_trusted_dirs_risky"),
    cwe=("CWE-78",),
)
def safe_bins_low_risk(facts: Facts) -> Iterator[Outcome]:
    """``safeBins`` skip the exec allowlist for stdin-only filters. Interpreters or tools with their own
    command languages (sed ``e``, awk ``system()``, find ``-exec``) turn that fast path into arbitrary
    execution (GHSA-796m-2973-wc5q, CVE-2026-28463); trusted dirs like /tmp or ~/bin can be poisoned."""
    bins = [str(b) for b in cfg(facts, "tools.exec.safeBins", []) or [] if isinstance(b, str)]
    profiles = cfg(facts, "tools.exec.safeBinProfiles", {}) or {}
    dirs = [str(d) for d in cfg(facts, "tools.exec.safeBinTrustedDirs", []) or [] if isinstance(d, str)]
    problems: list[str] = []
    interp = [b for b in bins if _bin(b) in INTERPRETERS and b not in profiles]
    broad = [b for b in bins if _bin(b) in BROAD_SAFE_BINS and b not in interp]
    risky_dirs = [d for d in dirs if d.startswith(("/tmp", "/var/tmp", "~", "/home/", "/Users/", "/dev/shm"))
                  or "node_modules" in d or ".npm" in d]
    if interp:
        problems.append(f"interpreters without profiles: {', '.join(interp)}")
    if broad:
        problems.append(f"broad-behaviour bins: {', '.join(broad)}")
    if risky_dirs:
        problems.append(f"mutable trusted dirs: {', '.join(risky_dirs)}")
    loc = _loc(facts, "tools.exec.safeBins")
    if problems:
        yield warned("; ".join(problems), "tools.exec.safeBins", loc)
    else:
        yield passed(f"tools.exec.safeBins: {', '.join(bins) or 'unset'}", "tools.exec.safeBins", loc)


@check(
    id="TL005",
    title="Elevated mode is off or limited to named senders",
    title_zh="提权模式已关闭或仅限指定发送者",
    severity=Severity.HIGH,
    guide=("E3.3", "P3.5", "D2.2.1"),
    remediation="Set tools.elevated.enabled to false; if needed, list exact sender ids in "
                "tools.elevated.allowFrom.<channel> (never \"*\").",
    remediation_zh="将 tools.elevated.enabled 设为 false;如确需使用,在 tools.elevated.allowFrom.<channel> 中列出"
                   "具体发送者 ID(不得使用 \"*\")。",
    fix="elevated-off",
    upstream=("tools.elevated.allowFrom.<provider>.wildcard", "tools.elevated.allowFrom.<provider>.large",
              "security.exposure.open_groups_with_elevated"),
    cwe=("CWE-269", "CWE-250"),
)
def elevated_restricted(facts: Facts) -> Iterator[Outcome]:
    """Elevated mode (``/elevated on|full``) lets a sandboxed session run exec on the host, and ``full`` skips
    approvals. It is effectively enabled unless ``tools.elevated.enabled`` is false
    (``src/auto-reply/reply/reply-elevated.ts``); ``allowFrom.<channel>: ["*"]`` hands it to anyone who can
    message the bot. Each agent's ``agents.entries.<id>.tools.elevated`` (or ``agents.list[].tools.elevated``)
    override is judged the same way and located at that agent's key (2026.9.6 schema
    ``agents.entries.*.tools.elevated.allowFrom``)."""
    glob = cfg(facts, "tools.elevated", {}) or {}
    yield from _elevated_scope(facts, "tools.elevated", glob, "defaults")
    for aid, prefix, block in agent_entries(facts):
        tools = block.get("tools") if isinstance(block.get("tools"), dict) else {}
        el = tools.get("elevated") if isinstance(tools, dict) else None
        if isinstance(el, dict):
            if "enabled" not in el and isinstance(glob, dict) and "enabled" in glob:
                el = {**el, "enabled": glob["enabled"]}  # an agent inherits the global switch
            yield from _elevated_scope(facts, f"{prefix}.tools.elevated", el, f"agent {aid}")


def _elevated_scope(facts: Facts, base: str, block: Any, label: str) -> Iterator[Outcome]:
    block = block if isinstance(block, dict) else {}
    enabled = block.get("enabled")
    allow = block.get("allowFrom") or {}
    loc = _loc(facts, f"{base}.enabled")
    if enabled is False:
        yield passed(f"{base}.enabled is false", f"{base}.enabled", loc)
        return
    bad = False
    if isinstance(allow, dict):
        for ch, ids in allow.items():
            ids = ids if isinstance(ids, list) else []
            akey = f"{base}.allowFrom.{ch}"
            if "*" in [str(i) for i in ids]:
                bad = True
                yield failed(f"{akey} contains '*': anyone on {ch} may use elevated mode ({label})", akey,
                             _loc(facts, akey), severity=Severity.CRITICAL)
            elif len(ids) > 25:
                bad = True
                yield warned(f"{akey} lists {len(ids)} senders (> 25)", akey, _loc(facts, akey),
                             severity=Severity.MEDIUM)
    if not bad and label == "defaults":
        state = "true" if enabled is True else "unset (effectively enabled)"
        yield warned(f"{base}.enabled is {state}; senders: "
                     f"{', '.join(allow) if isinstance(allow, dict) and allow else 'channel defaults'}",
                     f"{base}.enabled", loc, severity=Severity.MEDIUM if enabled is True else Severity.LOW)
    elif not bad and enabled is True:
        yield warned(f"{base}.enabled is true ({label})", f"{base}.enabled", loc, severity=Severity.MEDIUM)


@check(
    id="TL013",
    title="Session tools cannot reach other agents' and users' sessions",
    title_zh="会话工具不能访问其他智能体和用户的会话",
    severity=Severity.MEDIUM,
    guide=("E3.2", "P5.1", "D2.3.1"),
    remediation='Set tools.sessions.visibility to "tree" (own session and its sub-agents) or "self"; "agent" at most '
                "when one agent serves one person.",
    remediation_zh='将 tools.sessions.visibility 设为 "tree"(本会话及其子智能体)或 "self";仅在一个智能体只服务一人时才用 '
                   '"agent"。',
    upstream=("security.trust_model.cross_agent_session_access_default",),
    cwe=("CWE-639", "CWE-200"),
)
def sessions_visibility_scoped(facts: Facts) -> Iterator[Outcome]:
    """``sessions_list``/``sessions_history``/``sessions_send`` target sessions by ``tools.sessions.visibility``
    (2026.9.6 schema: ``self|tree|agent|all``, default ``all`` = any session on the gateway, including other
    agents and other people). A prompt-injected agent can then read another user's conversation or drive
    another agent (E3.2 boundaries between agents, P5.1 private data). Explicit ``all`` fails; the default
    warns when several agents or open inbound channels make other sessions someone else's."""
    key = "tools.sessions.visibility"
    loc = _loc(facts, key)
    vis = cfg(facts, key)
    many = len(agent_entries(facts)) > 1 or _open_inbound(facts)
    if vis == "all":
        yield failed(f"{key} is 'all': session tools reach every session on the gateway", key, loc)
    elif vis is None and many:
        yield warned(f"{key} is unset (default 'all') while several agents or open channels share the gateway",
                     key, loc)
    else:
        yield passed(f"{key} is {vis!r}" if vis else f"{key} is unset (default 'all'), single agent and no open "
                     "inbound channel", key, loc)


@check(
    id="TL014",
    title="Agent-to-agent access is limited to named pairs",
    title_zh="智能体之间的互访仅限指定的组合",
    severity=Severity.MEDIUM,
    guide=("E3.2", "E3.1"),
    remediation='List the allowed agent pairs in tools.agentToAgent.allow (never "*"), or set '
                "tools.agentToAgent.enabled to false.",
    remediation_zh='在 tools.agentToAgent.allow 中列出允许的智能体组合(不得使用 "*"),或将 tools.agentToAgent.enabled '
                   "设为 false。",
    upstream=("security.trust_model.cross_agent_session_access_default",),
    cwe=("CWE-284",),
)
def agent_to_agent_limited(facts: Facts) -> Iterator[Outcome]:
    """``tools.agentToAgent`` lets one agent's sessions reach another agent's (2026.9.6 schema: enabled by
    default; "omitted or empty allow permits every agent pair"). ``allow: ["*"]`` or the default with several
    agents removes the boundary between agents that serve different people or trust levels (E3.2)."""
    key = "tools.agentToAgent"
    block = cfg(facts, key, {}) or {}
    block = block if isinstance(block, dict) else {}
    loc = _loc(facts, key)
    if block.get("enabled") is False:
        yield passed(f"{key}.enabled is false", f"{key}.enabled", _loc(facts, f"{key}.enabled"))
        yield from _subagents_limited(facts)
        return
    allow = block.get("allow")
    if isinstance(allow, list) and any(str(a).strip() == "*" or str(a).strip().startswith("*") for a in allow):
        yield failed(f"{key}.allow contains '*': every agent may reach every other agent", f"{key}.allow",
                     _loc(facts, f"{key}.allow"))
    elif not allow and len(agent_entries(facts)) > 1:
        yield warned(f"{key} is enabled with no allow list (every agent pair permitted) and "
                     f"{len(agent_entries(facts))} agents are configured", key, loc)
    else:
        yield passed(f"{key}.allow is {allow!r}" if allow else f"{key}: one agent, nothing to cross", key, loc)
    yield from _subagents_limited(facts)


def _subagents_limited(facts: Facts) -> Iterator[Outcome]:
    """``subagents.allowAgents`` (``agents.defaults`` or per agent) names the agent ids ``sessions_spawn`` may
    start a sub-agent as; ``"*"`` lets an agent spawn work under any other agent's tools, workspace and
    credentials. Fails (medium) with several agents and ``sessions_spawn`` reachable; otherwise a latent warning.
    Source: src/agents/tools/sessions-spawn-tool.ts (allowAgents)."""
    n_agents = len(agent_entries(facts))
    spawn = {label for label, _, tools in all_tool_scopes(facts) if "sessions_spawn" in tools}
    own: dict[str, tuple[str, Any]] = {}
    for aid, prefix, block in agent_entries(facts):
        sub = block.get("subagents")
        own[f"agent {aid}"] = (f"{prefix}.subagents.allowAgents",
                               sub.get("allowAgents") if isinstance(sub, dict) else None)
    inherit = {"defaults"} | {label for label, (_, val) in own.items() if not isinstance(val, list)}
    for key, allow, users in [("agents.defaults.subagents.allowAgents",
                               cfg(facts, "agents.defaults.subagents.allowAgents"), inherit)] + [
            (key, val, {label}) for label, (key, val) in own.items()]:
        if not (isinstance(allow, list) and any(str(a).strip().startswith("*") for a in allow)):
            continue
        detail = f"{key} contains '*': sessions_spawn may start sub-agents as any agent"
        if n_agents > 1 and spawn & users:
            yield failed(f"{detail} ({n_agents} agents; sessions_spawn reachable for {', '.join(sorted(spawn & users))})",
                         key, _loc(facts, key))
        else:
            yield latent(facts, key, detail, "a second agent is configured and sessions_spawn is allowed"
                         if n_agents <= 1 else "sessions_spawn is allowed (tools.profile / tools.deny deny it now)")


def _open_inbound(facts: Facts) -> bool:
    """Any enabled channel (or account) with an open DM or group policy."""
    chans = cfg(facts, "channels", {}) or {}
    if not isinstance(chans, dict):
        return False
    for name, ch in chans.items():
        if name == "defaults" or not isinstance(ch, dict) or ch.get("enabled") is False:
            continue
        blocks = [ch] + [a for a in (ch.get("accounts") or {}).values() if isinstance(a, dict)] \
            if isinstance(ch.get("accounts"), dict) else [ch]
        if any(b.get("dmPolicy") == "open" or b.get("groupPolicy") == "open" for b in blocks):
            return True
    return False


@check(
    id="TL006",
    title="File tools are confined to the agent workspace",
    title_zh="文件类工具仅限访问智能体工作区",
    severity=Severity.MEDIUM,
    guide=("P3.3", "P3.4", "E3.2", "D2.3.2"),
    remediation="Set tools.fs.workspaceOnly to true and keep tools.exec.applyPatch.workspaceOnly true (default), "
                "or run agents with sandbox mode \"all\".",
    remediation_zh="将 tools.fs.workspaceOnly 设为 true,并保持 tools.exec.applyPatch.workspaceOnly 为 true(默认),"
                   "或让智能体以沙箱 \"all\" 模式运行。",
    fix="workspace-only",
    upstream=("config.insecure_or_dangerous_flags", "security.exposure.open_groups_with_runtime_or_fs"),
    cwe=("CWE-22", "CWE-552"),
)
def fs_tools_workspace_only(facts: Facts) -> Iterator[Outcome]:
    """Without ``tools.fs.workspaceOnly`` the read/write/edit/apply_patch tools accept any host path the
    gateway user can reach: ``~/.ssh``, ``~/.openclaw/openclaw.json``, Documents and Downloads. The guide
    asks to open only a dedicated working directory (P3.3) and deny config and key files (P3.4).
    ``tools.exec.applyPatch.workspaceOnly: false`` is one of OpenClaw's dangerous flags."""
    if cfg(facts, "tools.exec.applyPatch.workspaceOnly") is False:
        yield failed("tools.exec.applyPatch.workspaceOnly is false: apply_patch writes outside the workspace",
                     "tools.exec.applyPatch.workspaceOnly", _loc(facts, "tools.exec.applyPatch.workspaceOnly"),
                     severity=Severity.HIGH)
    fs_scopes = [(label, tools & (frozenset(FS_WRITE_TOOLS) | {"read"})) for label, _, tools in all_tool_scopes(facts)
                 if tools & (frozenset(FS_WRITE_TOOLS) | {"read"})]
    loc = _loc(facts, "tools.fs.workspaceOnly")
    if cfg(facts, "tools.fs.workspaceOnly") is True:
        yield passed("tools.fs.workspaceOnly is true", "tools.fs.workspaceOnly", loc)
    elif not fs_scopes:
        yield passed("no file tool is reachable by any agent", "tools.fs.workspaceOnly", loc)
        if cfg(facts, "tools.fs.workspaceOnly") is False:
            yield latent(facts, "tools.fs.workspaceOnly", "tools.fs.workspaceOnly is false: file tools would reach "
                         "any host path", "read/write/edit are allowed again (tools.profile / tools.deny)")
    elif cfg(facts, "agents.defaults.sandbox.mode", "off") == "all":
        yield passed("file tools run inside the sandbox (sandbox mode 'all')", "tools.fs.workspaceOnly", loc)
        if cfg(facts, "tools.fs.workspaceOnly") is False:
            yield latent(facts, "tools.fs.workspaceOnly", "tools.fs.workspaceOnly is false: file tools would reach "
                         "any host path", "agents.defaults.sandbox.mode is turned off")
    else:
        which = "; ".join(f"{label}: {_fmt(t)}" for label, t in fs_scopes)
        yield warned(f"tools.fs.workspaceOnly is not true and file tools reach host paths ({which})",
                     "tools.fs.workspaceOnly", loc)
    # Per-agent overrides: an agent that turns workspaceOnly off (or runs outside the sandbox with it unset)
    # while the defaults are confined is reported at that agent's key.
    reach = {label: t for label, t in fs_scopes}
    boxes = {label: mode for label, _, mode in _sandbox_modes(facts)}
    for aid, prefix, block in agent_entries(facts):
        tools = block.get("tools") if isinstance(block.get("tools"), dict) else {}
        fs = tools.get("fs") if isinstance(tools, dict) else None
        akey = f"{prefix}.tools.fs.workspaceOnly"
        label = f"agent {aid}"
        if isinstance(fs, dict) and fs.get("workspaceOnly") is False and reach.get(label) \
                and boxes.get(label, "off") != "all":
            yield failed(f"{akey} is false: agent {aid}'s file tools reach host paths ({_fmt(reach[label])})",
                         akey, _loc(facts, akey))
        elif isinstance(fs, dict) and fs.get("workspaceOnly") is False:
            yield latent(facts, akey, f"{akey} is false: agent {aid}'s file tools would reach any host path",
                         f"agent {aid}'s sandbox is turned off" if reach.get(label)
                         else f"read/write/edit are allowed again for agent {aid}")


def _sandbox_modes(facts: Facts) -> list[tuple[str, str, str]]:
    """``[(scope label, key, effective sandbox mode)]`` for the defaults and each agent (as all_tool_scopes)."""
    default = str(cfg(facts, "agents.defaults.sandbox.mode", "off"))
    out = [("defaults", "agents.defaults.sandbox.mode", default)]
    for aid, prefix, block in agent_entries(facts):
        sb = block.get("sandbox")
        out.append((f"agent {aid}", f"{prefix}.sandbox.mode",
                    str(sb.get("mode", default)) if isinstance(sb, dict) else default))
    return out
