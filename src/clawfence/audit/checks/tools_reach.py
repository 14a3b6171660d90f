"""Checks TL (continued): what agent tools can reach beyond the host: the agent browser, web fetch,
network egress, plugins, MCP servers and bundled skills.

Sources: guide D2.3.1 (tool and plugin whitelist), P3.6 (network only to necessary AI services), E3.2, E6.1,
E6.4; OpenClaw ``docs/tools/browser.md``, ``docs/tools/web-fetch.md``, ``docs/cli/mcp.md``,
``docs/gateway/configuration-reference.md`` "Plugins"/"Skills", ``src/security/audit-extra.sync.ts``
(browser.*, plugins.*, mcp.* checkIds); reference/openclaw.md §2.3-2.5. Split from ``tools.py`` (same TL area).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import all_tool_scopes, auth_mode, cfg, latent
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.checks.tools import exec_reachable
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, warned


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
    ssrf = cfg(facts, "browser.ssrfPolicy", {}) or {}
    ssrf = ssrf if isinstance(ssrf, dict) else {}
    private = [f"browser.ssrfPolicy.{k}" for k in ("dangerouslyAllowPrivateNetwork", "allowPrivateNetwork")
               if ssrf.get(k) is True]
    if not enabled or not reachable:
        why = "browser.enabled is false" if not enabled else "the browser tool is denied for every agent"
        yield passed(why, "browser.enabled", loc)
        unless = "browser.enabled is set to true" if not enabled else "the browser tool is allowed again (tools.deny)"
        for k in private:
            yield latent(facts, k, f"{k} is true: the agent browser may open LAN and cloud-metadata addresses", unless)
        if cfg(facts, "browser.evaluateEnabled") is True:
            yield latent(facts, "browser.evaluateEnabled", "browser.evaluateEnabled is true: the agent may run "
                         "arbitrary JavaScript in signed-in pages", unless)
        return
    bad = False
    for k in private:
        bad = True
        yield failed(f"{k} is true: the agent browser may open LAN and cloud-metadata addresses", k, _loc(facts, k),
                     severity=Severity.HIGH)
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
    remediation="Remove tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork and "
                "cron.webhookSsrfPolicy.dangerouslyAllowPrivateNetwork (or set them false); list needed internal hosts "
                "in tools.web.fetch.ssrfPolicy.allowedHostnames instead.",
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
    # cron webhooks post to URLs from the config or the model the same way (2026.9.6 cron.webhookSsrfPolicy)
    ckey = "cron.webhookSsrfPolicy.dangerouslyAllowPrivateNetwork"
    if cfg(facts, ckey) is True:
        yield failed(f"{ckey} is true: cron webhooks may call private and loopback addresses", ckey, _loc(facts, ckey))


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
    installed = sorted({e.path.rstrip("/").rsplit("/", 1)[-1] for e in (facts.files.entries if facts.files else [])
                        if e.role == "plugin_dir"})
    installed += [str(p) for p in (cfg(facts, "plugins.load.paths") or []) if isinstance(p, str)] \
        if isinstance(cfg(facts, "plugins.load.paths"), list) else []
    if isinstance(allow, list) and allow:
        yield passed(f"plugins.allow lists {len(allow)} plugin(s): {', '.join(map(str, allow))}", "plugins.allow", loc)
    elif installed:
        shown = "empty" if isinstance(allow, list) else "unset"
        yield failed(f"plugins.allow is {shown} while plugins are installed ({', '.join(installed[:5])}): every "
                     "installed plugin loads with the gateway's privileges", "plugins.allow", loc,
                     severity=Severity.HIGH)
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
    if exec_reachable(facts):
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
        yield passed(f"no web tools; exec {'in sandbox network ' + repr(net) if exec_reachable(facts) else 'denied'}",
                     "network-egress", loc)
