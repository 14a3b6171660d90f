"""Checks TL: tool policy: allowlists, exec approvals, elevated mode, file-system scope, browser, plugins,
MCP, bundled skills and network egress.

Sources: guide D2.3.1 (tool and plugin whitelist), P3.3-P3.6, E3.1-E3.3, E5.1; OpenClaw
``docs/gateway/config-tools.md``, ``docs/tools/exec.md``, ``docs/tools/exec-approvals.md``, ``docs/tools/elevated.md``,
``src/security/audit-extra.sync.ts`` (tools.* / browser.* / plugins.* checkIds); reference/openclaw.md §1.8, §2.3-2.5.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.checks._util import (
    FS_WRITE_TOOLS,
    HIGH_RISK_TOOLS,
    RUNTIME_TOOLS,
    agent_entries,
    all_tool_scopes,
    auth_mode,
    cfg,
    key_in_version,
)
from clawfence.facts import Facts
from clawfence.model import Location, Outcome, Severity, failed, passed, skipped, warned
from clawfence.registry import check

INTERPRETERS = frozenset({"python", "python2", "python3", "node", "nodejs", "deno", "bun", "ruby", "perl", "php",
                          "lua", "osascript", "awk", "gawk", "mawk", "find", "xargs", "bash", "sh", "zsh", "dash",
                          "fish", "pwsh", "powershell", "env", "tclsh", "Rscript"})
BROAD_SAFE_BINS = frozenset({"jq", "sed", "awk", "gawk", "find", "xargs", "tee", "env", "yq", "perl"})
_SEC_RANK = {"deny": 0, "allowlist": 1, "full": 2}
_ASK_RANK = {"always": 0, "on-miss": 1, "off": 2}


def _loc(facts: Facts, key: str) -> Location | None:
    return facts.config.where(key) if facts.config else None


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
        risky = tools & HIGH_RISK_TOOLS
        prof = gprof if label == "defaults" else agent_prof.get(label)
        shown = f"profile {prof!r}" if prof else ("profile unset (full)" if label == "defaults" else "effective")
        if label != "defaults" and gprof == "minimal" and prof and prof != "minimal":
            shown += " (overrides global 'minimal')"
        if risky & RUNTIME_TOOLS and not tools & FS_WRITE_TOOLS:
            shown += "; file-write tools are denied but exec can still write files"
        loc = _loc(facts, f"{key}.profile" if label == "defaults" else key)
        if not risky:
            yield passed(f"{label}: {shown}; no high-risk tool reachable", key, loc)
        elif risky & RUNTIME_TOOLS:
            yield failed(f"{label}: {shown}; high-risk tools reachable: {_fmt(risky)}", key, loc)
        else:
            yield warned(f"{label}: {shown}; high-risk tools reachable: {_fmt(risky)}", key, loc,
                         severity=Severity.MEDIUM)


def _exec_reachable(facts: Facts) -> list[str]:
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
    scopes = _exec_reachable(facts)
    key = "tools.exec"
    if not scopes:
        yield passed("exec is not reachable by any agent (denied by tool policy)", key, _loc(facts, key))
        return
    host = cfg(facts, "tools.exec.host", "auto")
    sb_mode = cfg(facts, "agents.defaults.sandbox.mode", "off")
    if host in ("auto", "sandbox") and sb_mode == "all":
        yield passed(f"exec runs inside the sandbox (tools.exec.host {host!r}, sandbox mode 'all')", key,
                     _loc(facts, "tools.exec.host"))
        return
    mode = cfg(facts, "tools.exec.mode")
    where = f"exec reachable for {', '.join(scopes)}; host {host!r}"
    if isinstance(mode, str) and key_in_version(facts, "tools.exec.mode"):
        loc = _loc(facts, "tools.exec.mode")
        if mode == "full":
            yield failed(f"tools.exec.mode is 'full': commands run without approval ({where})", "tools.exec.mode", loc)
        elif mode == "auto":
            yield warned(f"tools.exec.mode is 'auto': an LLM reviewer decides before a human ({where})",
                         "tools.exec.mode", loc, severity=Severity.MEDIUM)
        else:
            yield passed(f"tools.exec.mode is {mode!r} ({where})", "tools.exec.mode", loc)
        return
    sec = cfg(facts, "tools.exec.security", "full")
    ask = cfg(facts, "tools.exec.ask", "off")
    ad = _approvals_defaults(facts)
    if ad.get("security") in _SEC_RANK and _SEC_RANK[ad["security"]] < _SEC_RANK.get(sec, 2):
        sec = ad["security"]
    if ad.get("ask") in _ASK_RANK and _ASK_RANK[ad["ask"]] < _ASK_RANK.get(ask, 2):
        ask = ad["ask"]
    loc = _loc(facts, "tools.exec.security")
    if sec == "full" and ask != "always":
        yield failed(f"effective exec security 'full', ask {ask!r}: commands run without approval ({where})",
                     "tools.exec.security", loc)
    else:
        yield passed(f"effective exec security {sec!r}, ask {ask!r} ({where})", "tools.exec.security", loc)


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
    message the bot."""
    enabled = cfg(facts, "tools.elevated.enabled")
    allow = cfg(facts, "tools.elevated.allowFrom", {}) or {}
    loc = _loc(facts, "tools.elevated.enabled")
    if enabled is False:
        yield passed("tools.elevated.enabled is false", "tools.elevated.enabled", loc)
        return
    bad = False
    if isinstance(allow, dict):
        for ch, ids in allow.items():
            ids = ids if isinstance(ids, list) else []
            akey = f"tools.elevated.allowFrom.{ch}"
            if "*" in [str(i) for i in ids]:
                bad = True
                yield failed(f"{akey} contains '*': anyone on {ch} may use elevated mode", akey,
                             _loc(facts, akey), severity=Severity.CRITICAL)
            elif len(ids) > 25:
                bad = True
                yield warned(f"{akey} lists {len(ids)} senders (> 25)", akey, _loc(facts, akey),
                             severity=Severity.MEDIUM)
    if not bad:
        state = "true" if enabled is True else "unset (effectively enabled)"
        yield warned(f"tools.elevated.enabled is {state}; senders: "
                     f"{', '.join(allow) if isinstance(allow, dict) and allow else 'channel defaults'}",
                     "tools.elevated.enabled", loc, severity=Severity.MEDIUM if enabled is True else Severity.LOW)


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
    fs_scopes = [(label, tools & (FS_WRITE_TOOLS | {"read"})) for label, _, tools in all_tool_scopes(facts)
                 if tools & (FS_WRITE_TOOLS | {"read"})]
    loc = _loc(facts, "tools.fs.workspaceOnly")
    if cfg(facts, "tools.fs.workspaceOnly") is True:
        yield passed("tools.fs.workspaceOnly is true", "tools.fs.workspaceOnly", loc)
    elif not fs_scopes:
        yield passed("no file tool is reachable by any agent", "tools.fs.workspaceOnly", loc)
    elif cfg(facts, "agents.defaults.sandbox.mode", "off") == "all":
        yield passed("file tools run inside the sandbox (sandbox mode 'all')", "tools.fs.workspaceOnly", loc)
    else:
        which = "; ".join(f"{label}: {_fmt(t)}" for label, t in fs_scopes)
        yield warned(f"tools.fs.workspaceOnly is not true and file tools reach host paths ({which})",
                     "tools.fs.workspaceOnly", loc)


def _http_remote(url: str) -> bool:
    if not url.lower().startswith("http://"):
        return False
    host = url[7:].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    return not (host.startswith("127.") or host in ("localhost", "::1"))


@check(
    id="TL007",
    title="Agent browser control is off or locked down",
    title_zh="智能体浏览器控制已关闭或已加固",
    severity=Severity.MEDIUM,
    guide=("D2.3.1", "P3.6"),
    remediation="Set browser.enabled to false (or deny the browser tool); otherwise set browser.evaluateEnabled "
                "false, remove browser.ssrfPolicy.dangerouslyAllowPrivateNetwork and use https/loopback cdpUrl.",
    remediation_zh="将 browser.enabled 设为 false(或禁用 browser 工具);否则设置 browser.evaluateEnabled 为 false,"
                   "删除 browser.ssrfPolicy.dangerouslyAllowPrivateNetwork,cdpUrl 仅使用 https 或本机地址。",
    upstream=("browser.remote_cdp_http", "browser.remote_cdp_private_host", "browser.extension_relay_legacy_auth",
              "browser.control_no_auth"),
    cwe=("CWE-918", "CWE-319"),
)
def browser_locked_down(facts: Facts) -> Iterator[Outcome]:
    """The agent browser is a logged-in Chromium the model drives: it can read any site the profile is signed
    in to, run JavaScript (``evaluateEnabled`` default true) and, with private-network access, reach the
    LAN and cloud metadata. Plain-http remote CDP hands full browser control to the network path. The
    guide names browser write access among the high-risk tools to disable (D2.3.1)."""
    reachable = [label for label, _, tools in all_tool_scopes(facts) if "browser" in tools]
    enabled = cfg(facts, "browser.enabled", True) is not False
    loc = _loc(facts, "browser.enabled")
    if not enabled or not reachable:
        why = "browser.enabled is false" if not enabled else "the browser tool is denied for every agent"
        yield passed(why, "browser.enabled", loc)
        return
    bad = False
    ssrf = cfg(facts, "browser.ssrfPolicy", {}) or {}
    if isinstance(ssrf, dict) and (ssrf.get("dangerouslyAllowPrivateNetwork") is True
                                   or ssrf.get("allowPrivateNetwork") is True):
        bad = True
        yield failed("browser.ssrfPolicy allows private-network navigation", "browser.ssrfPolicy",
                     _loc(facts, "browser.ssrfPolicy"), severity=Severity.HIGH)
    urls = [("browser.cdpUrl", cfg(facts, "browser.cdpUrl"))]
    profs = cfg(facts, "browser.profiles", {}) or {}
    if isinstance(profs, dict):
        urls += [(f"browser.profiles.{n}.cdpUrl", p.get("cdpUrl")) for n, p in profs.items() if isinstance(p, dict)]
    for k, u in urls:
        if isinstance(u, str) and _http_remote(u):
            bad = True
            yield failed(f"{k} is {u!r}: remote CDP over plain http", k, _loc(facts, k))
    if cfg(facts, "browser.extensionRelay.allowLegacyAuth") is True:
        bad = True
        yield warned("browser.extensionRelay.allowLegacyAuth is true", "browser.extensionRelay.allowLegacyAuth",
                     _loc(facts, "browser.extensionRelay.allowLegacyAuth"), severity=Severity.LOW)
    if auth_mode(facts) == "none":
        bad = True
        yield failed("browser control is enabled while gateway.auth.mode is 'none'", "browser.enabled", loc,
                     severity=Severity.CRITICAL)
    if not bad:
        ev = cfg(facts, "browser.evaluateEnabled", True) is not False
        yield warned(f"agent browser enabled for {', '.join(reachable)}"
                     f"{' with JavaScript evaluate on' if ev else ''}", "browser.enabled", loc)


@check(
    id="TL008",
    title="Web fetch keeps private networks blocked",
    title_zh="网页抓取工具禁止访问内网地址",
    severity=Severity.HIGH,
    guide=("P3.6", "E3.2"),
    remediation="Remove tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork (or set it false); list needed "
                "internal hosts in tools.web.fetch.ssrfPolicy.allowedHostnames instead.",
    remediation_zh="删除 tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork(或设为 false);确需访问的内部主机"
                   "改为列入 tools.web.fetch.ssrfPolicy.allowedHostnames。",
    upstream=("config.insecure_or_dangerous_flags",),
    cwe=("CWE-918",),
)
def web_fetch_ssrf_guarded(facts: Facts) -> Iterator[Outcome]:
    """``web_fetch`` follows URLs the model chooses, often from untrusted content. With private networks
    allowed, a prompt injection reaches the loopback gateway, router admin pages or cloud metadata
    (SSRF). Default: private, loopback and link-local ranges blocked (``docs/tools/web-fetch.md``)."""
    key = "tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork"
    if cfg(facts, key) is True:
        yield failed(f"{key} is true", key, _loc(facts, key))
    else:
        yield passed(f"{key} is {cfg(facts, key, 'unset')!s}", key, _loc(facts, key))


@check(
    id="TL009",
    title="Plugins load only from an explicit allowlist",
    title_zh="插件仅按白名单加载",
    severity=Severity.MEDIUM,
    guide=("D2.3.1", "E6.1", "D3.1"),
    remediation="List the plugin ids you use in plugins.allow (or set plugins.enabled false); set "
                "plugins.entries.acpx.config.permissionMode to \"approve-reads\" or \"deny-all\".",
    remediation_zh="在 plugins.allow 中列出实际使用的插件 ID(或将 plugins.enabled 设为 false);将 "
                   "plugins.entries.acpx.config.permissionMode 设为 \"approve-reads\" 或 \"deny-all\"。",
    upstream=("plugins.extensions_no_allowlist", "config.insecure_or_dangerous_flags"),
    cwe=("CWE-829",),
)
def plugins_allowlisted(facts: Facts) -> Iterator[Outcome]:
    """Plugins run in-process with the gateway's full privileges (SECURITY.md "Plugin Trust Boundary"). With
    ``plugins.allow`` unset every discovered plugin may load; the guide asks to configure the plugin
    whitelist properly (D2.3.1). The ACP bridge's ``permissionMode: approve-all`` auto-approves every
    action of the external coding agent (a dangerous flag in OpenClaw's own audit)."""
    pm = cfg(facts, "plugins.entries.acpx.config.permissionMode")
    if pm == "approve-all":
        k = "plugins.entries.acpx.config.permissionMode"
        yield failed(f"{k} is 'approve-all'", k, _loc(facts, k), severity=Severity.HIGH)
    loc = _loc(facts, "plugins.allow")
    if cfg(facts, "plugins.enabled", True) is False:
        yield passed("plugins.enabled is false", "plugins.enabled", _loc(facts, "plugins.enabled"))
        return
    allow = cfg(facts, "plugins.allow")
    if isinstance(allow, list) and allow:
        yield passed(f"plugins.allow lists {len(allow)} plugin(s): {', '.join(map(str, allow))}", "plugins.allow", loc)
    else:
        shown = "empty" if isinstance(allow, list) else "unset"
        yield warned(f"plugins are enabled and plugins.allow is {shown}: any discovered plugin may load",
                     "plugins.allow", loc)


@check(
    id="TL010",
    title="MCP servers and MCP apps are reviewed",
    title_zh="MCP 服务器与 MCP 应用已经过审查",
    severity=Severity.LOW,
    guide=("E6.1", "E6.4", "D3.1"),
    remediation="Keep only reviewed entries under mcp.servers (pin versions in their command/args) and set "
                "mcp.apps.enabled false unless interactive MCP apps are required.",
    remediation_zh="mcp.servers 中只保留已审查的条目(在 command/args 中固定版本),如非必要将 mcp.apps.enabled 设为 false。",
    upstream=("mcp.apps.enabled", "tools.exec.agent_skill_mcp_boundary_drift"),
    cwe=("CWE-829",),
)
def mcp_servers_reviewed(facts: Facts) -> Iterator[Outcome]:
    """Each ``mcp.servers`` entry starts a subprocess with the gateway user's rights and exposes its tools to
    the model; a server fetched at run time (``npx pkg@latest``) is unarchived external code (E6.4).
    ``mcp.apps.enabled`` renders server-supplied interactive HTML."""
    servers = cfg(facts, "mcp.servers", {}) or {}
    if isinstance(servers, dict):
        for name, s in servers.items():
            cmd = " ".join(str(x) for x in [s.get("command", ""), *(s.get("args") or [])]) if isinstance(s, dict) else ""
            k = f"mcp.servers.{name}"
            yield warned(f"MCP server {name!r} runs {cmd.strip()[:120] or s!r}; review and pin it", k,
                         _loc(facts, k), severity=Severity.MEDIUM if "@latest" in cmd else None)
    if cfg(facts, "mcp.apps.enabled") is True:
        yield warned("mcp.apps.enabled is true", "mcp.apps.enabled", _loc(facts, "mcp.apps.enabled"),
                     severity=Severity.MEDIUM)
    if not (isinstance(servers, dict) and servers) and cfg(facts, "mcp.apps.enabled") is not True:
        yield passed("no MCP servers configured", "mcp.servers", _loc(facts, "mcp.servers"))


@check(
    id="TL011",
    title="Bundled skills are limited to a named allowlist",
    title_zh="内置技能仅按名称白名单启用",
    severity=Severity.LOW,
    guide=("E6.1", "C3.2", "P4.1"),
    remediation="Set skills.allowBundled to the bundled skill names you use (e.g. [\"weather\"]), or [] for none.",
    remediation_zh="将 skills.allowBundled 设为实际使用的内置技能名称列表(如 [\"weather\"]),不需要时设为 []。",
    cwe=("CWE-829",),
)
def bundled_skills_allowlisted(facts: Facts) -> Iterator[Outcome]:
    """``skills.allowBundled`` is the allowlist for skills shipped in the OpenClaw package (53 in 2026.4);
    unset or ``["*"]`` makes all of them eligible, several of which drive shells, browsers or messaging.
    Least privilege (D2.3.1, E6.1) means enabling only the skills in use."""
    v = cfg(facts, "skills.allowBundled")
    loc = _loc(facts, "skills.allowBundled")
    if isinstance(v, list) and "*" not in [str(x) for x in v]:
        yield passed(f"skills.allowBundled lists {len(v)} skill(s)", "skills.allowBundled", loc)
    else:
        shown = "['*']" if isinstance(v, list) else "unset"
        yield warned(f"skills.allowBundled is {shown}: every bundled skill is eligible", "skills.allowBundled", loc)


@check(
    id="TL012",
    title="Agent network egress is restricted",
    title_zh="智能体出站网络访问受限",
    severity=Severity.MEDIUM,
    guide=("P3.6", "E3.2"),
    remediation='Run tools in the sandbox with agents.defaults.sandbox.docker.network "none", deny '
                'group:web/browser where not needed, and restrict host egress to the model APIs with a firewall '
                "or egress proxy.",
    remediation_zh='让工具在沙箱中运行并设置 agents.defaults.sandbox.docker.network 为 "none",不需要时禁用 '
                   "group:web/browser,并用防火墙或出站代理将宿主机出站限制为模型 API。",
    cwe=("CWE-200",),
)
def network_egress_restricted(facts: Facts) -> Iterator[Outcome]:
    """The guide asks to allow network access only to necessary AI services and APIs (P3.6). Commands run on
    the host and the web/browser tools can reach any address, which is how stolen data leaves. A sandbox
    with ``network: none`` (the default) blocks egress from exec; host firewalls are outside the config."""
    problems: list[str] = []
    sb_mode = cfg(facts, "agents.defaults.sandbox.mode", "off")
    net = cfg(facts, "agents.defaults.sandbox.docker.network", "none")
    if _exec_reachable(facts):
        if sb_mode != "all":
            problems.append("exec runs on the host with unrestricted egress")
        elif net != "none":
            problems.append(f"sandbox network {net!r} allows egress")
    web = sorted({t for _, _, tools in all_tool_scopes(facts) for t in tools & {"web_fetch", "web_search",
                                                                               "x_search", "browser"}})
    if web:
        problems.append(f"web tools reachable: {', '.join(web)}")
    loc = _loc(facts, "agents.defaults.sandbox.docker.network")
    if problems:
        sev = Severity.MEDIUM if any("exec" in p for p in problems) else Severity.LOW
        yield warned("; ".join(problems), "network-egress", loc, severity=sev)
    else:
        yield passed(f"no web tools; exec {'in sandbox network ' + repr(net) if _exec_reachable(facts) else 'denied'}",
                     "network-egress", loc)
