"""Checks GW: gateway exposure: bind, auth and secret strength, hooks, proxies, tunnels, Control UI, discovery.

Sources: guide P2, D1.2.1, D1.3, C1.2, C1.3, E2.1; OpenClaw ``src/gateway/server-runtime-config.ts``,
``src/security/audit-gateway-config.ts``, ``src/security/audit-extra.sync.ts`` (hooks), ``dangerous-tools.ts``;
``docs/gateway/configuration-reference.md`` "Gateway", "Hooks", "Discovery".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from clawfence.audit.checks._util import (
    GATEWAY_ENV_SECRETS,
    LOOPBACK_BINDS,
    all_tool_scopes,
    auth_mode,
    cfg,
    gateway_exposed,
    key_in_version,
    latent,
)
from clawfence.audit.checks._util import bind as _bind
from clawfence.audit.checks._util import dotenv_secret as _dotenv
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.facts.config import SecretInfo
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, skipped, warned

#: ``/tools/invoke`` default HTTP deny list (OpenClaw ``src/security/dangerous-tools.ts``, 2026.9.6).
HTTP_DENIED_TOOLS = ("exec", "spawn", "shell", "fs_write", "fs_delete", "fs_move", "apply_patch", "terminal",
                     "portal", "sessions_spawn", "sessions_send", "conversations_list", "conversations_send",
                     "conversations_turn", "automations", "cron", "gateway", "plugins", "nodes", "computer",
                     "mobile_ui", "openclaw", "whatsapp_login")
#: Node commands OpenClaw keeps off unless allowed (``src/gateway/node-command-policy.ts``).
DANGEROUS_NODE_COMMANDS = ("camera.snap", "camera.clip", "screen.record", "contacts.add", "calendar.add",
                           "reminders.add", "sms.send", "sms.search")
# Node commands that run a shell command on the node host (src/gateway/node-commands.ts NODE_SYSTEM_RUN_COMMANDS).
NODE_RUN_COMMANDS = ("system.run", "system.run.prepare")
TRUST_ALL = {"0.0.0.0/0", "::/0", "*", "0.0.0.0", "::", "all"}




@check(
    id="GW001",
    title="Gateway listens on loopback only",
    title_zh="网关仅监听本机回环地址",
    severity=Severity.HIGH,
    guide=("P2.1", "D1.3.1", "E2.1", "C1.3"),
    remediation='Set gateway.bind to "loopback"; reach the gateway remotely through a VPN or SSH tunnel.',
    remediation_zh='将 gateway.bind 设为 "loopback";如需远程访问,请通过 VPN 或 SSH 隧道。',
    fix="gateway-bind-loopback",
    upstream=("gateway.bind_no_auth",),
    cwe=("CWE-1327",),
)
def gateway_binds_loopback(facts: Facts) -> Iterator[Outcome]:
    """A gateway bound beyond loopback (``lan`` = 0.0.0.0, ``tailnet``, ``custom``, ``auto``) is reachable by
    every host on that network; the Control UI, WebSocket RPC and ``/tools/invoke`` become remote attack
    surface. The guide asks for 127.0.0.1 only (P2.1) and never LAN exposure (D1.3.1). Default: loopback."""
    bind = _bind(facts)
    loc = _loc(facts, "gateway.bind")
    if bind in LOOPBACK_BINDS:
        yield passed(f"gateway.bind is {bind!r}", "gateway.bind", loc)
    else:
        sev = Severity.CRITICAL if auth_mode(facts) == "none" else None
        yield failed(f"gateway.bind is {bind!r}: the gateway listens beyond loopback", "gateway.bind", loc,
                     severity=sev)


@check(
    id="GW002",
    title="Gateway requires authentication",
    title_zh="网关已启用身份认证",
    severity=Severity.CRITICAL,
    guide=("D1.2.1", "C1.1", "C1.3"),
    remediation='Set gateway.auth.mode to "token" with a random 32+ byte gateway.auth.token (or a SecretRef).',
    remediation_zh='将 gateway.auth.mode 设为 "token",并配置 32 字节以上的随机 gateway.auth.token(或 SecretRef)。',
    fix="gateway-auth-token",
    upstream=("gateway.bind_no_auth", "gateway.loopback_no_auth", "gateway.http.no_auth"),
    cwe=("CWE-306",),
)
def gateway_requires_auth(facts: Facts) -> Iterator[Outcome]:
    """With ``gateway.auth.mode: none`` anyone who reaches the port can drive the agent: WebSocket RPC,
    ``POST /tools/invoke`` (verified: the real 2026.9.6 gateway ran ``sessions_list`` unauthenticated) and the
    OpenAI-compatible endpoints. Token mode with no token resolvable is also unauthenticated."""
    mode = auth_mode(facts)
    loc = _loc(facts, "gateway.auth.mode")
    if mode == "none":
        yield failed("gateway.auth.mode is 'none': no credential is needed", "gateway.auth.mode", loc)
        return
    if mode == "token":
        tok = facts.config.secret("gateway.auth.token") if facts.config else None
        has_env = "OPENCLAW_GATEWAY_TOKEN" in facts.env_vars
        if (tok is None or tok.kind == "empty") and not has_env:
            yield failed("gateway.auth.mode is 'token' but no gateway.auth.token or OPENCLAW_GATEWAY_TOKEN is set",
                         "gateway.auth.token", loc, severity=Severity.HIGH)
            return
    yield passed(f"gateway.auth.mode is {mode!r}", "gateway.auth.mode", loc)




def _judge(info: SecretInfo, subject: str, loc: Location, exposed: bool) -> Outcome:
    what = f"{subject} ({info.length} chars, ~{info.entropy_bits:.0f} bits)"
    if info.weak is None:
        return passed(f"{what} is long and random", subject, loc)
    known = "known weak" in info.weak
    sev = (Severity.CRITICAL if exposed else Severity.HIGH) if known else (
        Severity.HIGH if exposed else Severity.MEDIUM)
    return failed(f"{what} is weak: {info.weak}", subject, loc, severity=sev, evidence=info.redacted)


@check(
    id="GW003",
    title="Gateway token or password is long, random and not a known weak value",
    title_zh="网关 Token/密码足够长、随机且非已知弱口令",
    severity=Severity.HIGH,
    guide=("D1.2.1", "C1.2", "C1.3"),
    remediation="Generate a new secret (openssl rand -hex 32, >= 24 chars) for gateway.auth.token or "
                "gateway.auth.password and OPENCLAW_GATEWAY_TOKEN in ~/.openclaw/.env; restart the gateway.",
    remediation_zh="重新生成高强度随机密钥(如 openssl rand -hex 32,至少 24 个字符),写入 gateway.auth.token 或 "
                   "gateway.auth.password 以及 ~/.openclaw/.env 中的 OPENCLAW_GATEWAY_TOKEN,并重启网关。",
    fix="rotate-token",
    upstream=("gateway.token_too_short", "gateway.password_too_short", "gateway.token_placeholder_value",
              "gateway.password_placeholder_value"),
    cwe=("CWE-521", "CWE-1391"),
)
def gateway_secret_is_strong(facts: Facts) -> Iterator[Outcome]:
    """The gateway token/password is the only barrier before full operator control; a short, low-entropy or
    leaked value ("changeme", "hunter2") is guessed or brute-forced (C1.2: avoid known leaked weak passwords;
    D1.2.1: strong password or token). Checks the configured secret and a literal ``OPENCLAW_GATEWAY_TOKEN`` /
    ``_PASSWORD`` in ``~/.openclaw/.env``. Threshold 24 chars as OpenClaw's ``gateway.token_too_short``."""
    exposed = gateway_exposed(facts)
    mode = auth_mode(facts)
    if mode in ("token", "password"):
        key = f"gateway.auth.{mode}"
        info = facts.config.secret(key) if facts.config else None
        if info is not None and info.kind == "literal":
            yield _judge(info, key, _loc(facts, key), exposed)
        elif info is not None and info.kind == "env" and info.env_var and _dotenv(facts, info.env_var):
            pass  # judged below from .env
        elif info is not None and info.kind in ("env", "secretref", "template"):
            yield skipped(f"{key} is resolved at runtime ({info.redacted}); its value is not on disk here, "
                          "strength not checked", key)
        else:
            yield skipped(f"{key} is not set (see GW002)", key)
    else:
        yield skipped(f"gateway.auth.mode is {mode!r}: no shared secret to judge", "gateway.auth.mode")
    for name in GATEWAY_ENV_SECRETS:
        found = _dotenv(facts, name)
        if found and found[0].kind == "literal":
            yield _judge(found[0], f".env {name}", found[1], exposed)


@check(
    id="GW006",
    title="Gateway auth is rate-limited when reachable beyond loopback",
    title_zh="网关对外可达时已启用认证限速",
    severity=Severity.MEDIUM,
    guide=("D1.2.1", "C1.2", "E2.2"),
    remediation="Set gateway.auth.rateLimit, e.g. { maxAttempts: 10, windowMs: 60000, lockoutMs: 300000 }.",
    remediation_zh="配置 gateway.auth.rateLimit,例如 { maxAttempts: 10, windowMs: 60000, lockoutMs: 300000 }。",
    fix="rate-limit-on",
    upstream=("gateway.auth_no_rate_limit",),
    cwe=("CWE-307",),
)
def gateway_auth_rate_limited(facts: Facts) -> Iterator[Outcome]:
    """Without ``gateway.auth.rateLimit`` a remotely reachable gateway lets an attacker try tokens/passwords
    without lockout (brute force; "ClawJacked" showed loopback was exempt too). OpenClaw 2026.4 builds the
    shared-secret limiter only when the key is set. Source: docs/gateway/security/rate-limiting.md."""
    rl = cfg(facts, "gateway.auth.rateLimit")
    loc = _loc(facts, "gateway.auth.rateLimit")
    weak = _weak_rate_limit(rl) if isinstance(rl, dict) and rl else None
    if weak and auth_mode(facts) not in ("none", "trusted-proxy"):
        key, per_hour = weak
        detail = f"gateway.auth.rateLimit {rl!r} lets about {per_hour:,} guesses an hour through"
        if gateway_exposed(facts):
            yield failed(detail, key, _loc(facts, key))
        else:
            yield latent(facts, key, detail + " (loopback clients are exempt by default)",
                         "the gateway is reachable beyond loopback (gateway.bind / tailscale) or exemptLoopback is false")
    elif rl:
        yield passed(f"gateway.auth.rateLimit is {rl!r}", "gateway.auth.rateLimit", loc)
    elif auth_mode(facts) in ("none", "trusted-proxy"):
        yield passed(f"gateway.auth.mode is {auth_mode(facts)!r}: no shared secret to brute-force",
                     "gateway.auth.rateLimit", loc)
    elif gateway_exposed(facts):
        via = f"tailscale {cfg(facts, 'gateway.tailscale.mode')}" if _bind(facts) in LOOPBACK_BINDS else (
            f"bind {_bind(facts)!r}")
        yield failed(f"gateway is reachable beyond loopback ({via}) and gateway.auth.rateLimit is not set",
                     "gateway.auth.rateLimit", loc)
    else:
        yield passed("gateway.auth.rateLimit not set, but the gateway is loopback-only", "gateway.auth.rateLimit",
                     loc)


# OpenClaw's limiter defaults (src/gateway/auth-rate-limit.ts: DEFAULT_MAX_ATTEMPTS 10, DEFAULT_WINDOW_MS 60 s,
# DEFAULT_LOCKOUT_MS 5 min) allow about 120 guesses an hour; five times that is the line drawn here.
_RATE_DEFAULTS = {"maxAttempts": 10, "windowMs": 60_000, "lockoutMs": 300_000}
_MAX_GUESSES_PER_HOUR = 600


def _weak_rate_limit(rl: dict[str, object]) -> tuple[str, int] | None:
    """``(key to change, guesses per hour)`` when ``gateway.auth.rateLimit`` lets more than
    ``_MAX_GUESSES_PER_HOUR`` attempts an hour through, else None. One cycle allows ``maxAttempts`` tries and
    lasts at least ``max(windowMs, lockoutMs)``; non-numbers fall back to OpenClaw's defaults."""
    val: dict[str, float] = {}
    for k, d in _RATE_DEFAULTS.items():
        v = rl.get(k, d)
        val[k] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else float(d)
    cycle = max(val["windowMs"], val["lockoutMs"], 1.0)
    per_hour = int(max(val["maxAttempts"], 0.0) * 3_600_000 / cycle)
    if per_hour <= _MAX_GUESSES_PER_HOUR:
        return None
    if val["maxAttempts"] > 2 * _RATE_DEFAULTS["maxAttempts"]:
        key = "maxAttempts"
    elif val["lockoutMs"] < 60_000:
        key = "lockoutMs"
    else:
        key = "windowMs"
    return f"gateway.auth.rateLimit.{key}", per_hour


def _broad(entry: str) -> bool:
    try:
        net = ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        return False
    return net.prefixlen <= (8 if net.version == 4 else 16)


@check(
    id="GW007",
    title="Only specific reverse proxies are trusted for client addresses",
    title_zh="仅信任指定的反向代理提供的客户端地址",
    severity=Severity.HIGH,
    guide=("C1.3", "E2.1", "P2.1"),
    remediation="List only your proxy IPs in gateway.trustedProxies (never 0.0.0.0/0 or ::/0), keep "
                "gateway.allowRealIpFallback=false; in trusted-proxy mode set trustedProxy.userHeader and allowUsers.",
    remediation_zh="gateway.trustedProxies 仅填写实际反向代理的 IP(禁止 0.0.0.0/0、::/0),保持 "
                   "gateway.allowRealIpFallback=false;trusted-proxy 模式需配置 trustedProxy.userHeader 与 allowUsers。",
    upstream=("gateway.real_ip_fallback_enabled", "gateway.trusted_proxy_auth", "gateway.trusted_proxy_no_proxies",
              "gateway.trusted_proxy_no_user_header", "gateway.trusted_proxy_no_allowlist",
              "gateway.trusted_proxy_allow_loopback"),
    cwe=("CWE-348", "CWE-290"),
)
def trusted_proxies_specific(facts: Facts) -> Iterator[Outcome]:
    """``gateway.trustedProxies`` decides who may set ``X-Forwarded-For``; trusting every address lets any client
    claim to be 127.0.0.1 and get local-client treatment (auto-pairing, loopback exemptions). In
    ``trusted-proxy`` auth mode the proxy header *is* the authentication, so the proxy list and user header
    must be exact. Source: docs/gateway/security/index.md "Reverse proxy configuration"."""
    proxies = cfg(facts, "gateway.trustedProxies") or []
    proxies = [str(p) for p in proxies] if isinstance(proxies, list) else [str(proxies)]
    loc = _loc(facts, "gateway.trustedProxies")
    exposed = gateway_exposed(facts)
    ok = True
    for p in proxies:
        if p.strip().lower() in TRUST_ALL:
            ok = False
            yield failed(f"gateway.trustedProxies contains {p!r}: every client may spoof its address",
                         f"gateway.trustedProxies[{p}]", loc, severity=Severity.CRITICAL)
        elif _broad(p):
            ok = False
            yield warned(f"gateway.trustedProxies contains the very broad range {p!r}", f"gateway.trustedProxies[{p}]",
                         loc, severity=Severity.MEDIUM)
    if cfg(facts, "gateway.allowRealIpFallback") is True:
        ok = False
        yield failed("gateway.allowRealIpFallback is true: X-Real-IP from clients can be trusted",
                     "gateway.allowRealIpFallback", _loc(facts, "gateway.allowRealIpFallback"),
                     severity=Severity.HIGH if exposed else Severity.MEDIUM)
    if auth_mode(facts) == "trusted-proxy":
        tp = cfg(facts, "gateway.auth.trustedProxy") or {}
        tp = tp if isinstance(tp, dict) else {}
        tloc = _loc(facts, "gateway.auth.trustedProxy")
        for bad, msg, sev in (
            (not proxies, "trusted-proxy auth with an empty gateway.trustedProxies", Severity.CRITICAL),
            (not tp.get("userHeader"), "trusted-proxy auth without gateway.auth.trustedProxy.userHeader",
             Severity.CRITICAL),
            (not tp.get("allowUsers"), "gateway.auth.trustedProxy.allowUsers is empty: every proxy user gets in",
             Severity.MEDIUM),
            (tp.get("allowLoopback") is True, "gateway.auth.trustedProxy.allowLoopback is true", Severity.MEDIUM),
        ):
            if bad:
                ok = False
                yield failed(msg, "gateway.auth.trustedProxy", tloc, severity=sev)
    if ok:
        yield passed(f"gateway.trustedProxies is {proxies!r}; allowRealIpFallback off", "gateway.trustedProxies", loc)


@check(
    id="GW008",
    title="Gateway is not published through Tailscale Funnel or Serve",
    title_zh="网关未通过 Tailscale Funnel/Serve 对外发布",
    severity=Severity.CRITICAL,
    guide=("D1.3.2", "P2.1", "E2.1"),
    remediation='Set gateway.tailscale.mode to "off" (or "serve" for an approved tailnet only); never "funnel".',
    remediation_zh='将 gateway.tailscale.mode 设为 "off"(经批准仅限 tailnet 时可用 "serve"),禁止使用 "funnel"。',
    fix="tailscale-funnel-off",
    upstream=("gateway.tailscale_funnel", "gateway.tailscale_serve"),
    cwe=("CWE-668",),
)
def tailscale_not_public(facts: Facts) -> Iterator[Outcome]:
    """``tailscale.mode: funnel`` publishes the gateway on the public internet; ``serve`` on the whole tailnet.
    The guide forbids unauthorised Tailscale/WireGuard tunnels that map the port outward (D1.3.2). Default
    ``off``. Source: OpenClaw ``src/gateway/server-runtime-config.ts``."""
    mode = cfg(facts, "gateway.tailscale.mode", "off")
    loc = _loc(facts, "gateway.tailscale.mode")
    if mode == "funnel":
        extra = "" if auth_mode(facts) == "password" else f" (and auth mode is {auth_mode(facts)!r}, not password)"
        yield failed(f"gateway.tailscale.mode is 'funnel': the gateway is on the public internet{extra}",
                     "gateway.tailscale.mode", loc)
    elif mode == "serve":
        yield warned("gateway.tailscale.mode is 'serve': every tailnet device can reach the gateway; confirm this "
                     "tunnel is authorised", "gateway.tailscale.mode", loc, severity=Severity.LOW)
    else:
        yield passed(f"gateway.tailscale.mode is {mode!r}", "gateway.tailscale.mode", loc)


@check(
    id="GW009",
    title="No unapproved tunnel software is installed or running",
    title_zh="未安装或运行未经授权的隧道软件",
    severity=Severity.MEDIUM,
    guide=("D1.3.2", "E2.1"),
    requires=("host",),
    remediation="Remove or stop tunnel software (tailscale funnel, cloudflared, ngrok, frp, WireGuard) that is not "
                "approved; expose the gateway only through an approved VPN.",
    remediation_zh="卸载或停止未经批准的隧道软件(tailscale funnel、cloudflared、ngrok、frp、WireGuard 等);"
                   "仅通过经批准的 VPN 访问网关。",
    cwe=("CWE-668",),
)
def no_unapproved_tunnels(facts: Facts) -> Iterator[Outcome]:
    """Tunnel clients (cloudflared, ngrok, frp, Tailscale Funnel, WireGuard) map a loopback port to the outside
    without any change to ``openclaw.json``, bypassing the bind check. The guide forbids unauthorised tunnels
    (D1.3.2). Whether a tunnel is authorised is a policy decision, so this warns rather than fails."""
    assert facts.host is not None
    running = {p.name for p in facts.host.tunnel_processes}
    for p in facts.host.tunnel_processes:
        yield warned(f"tunnel process {p.name} (pid {p.pid}, user {p.user}) is running: {p.cmdline[:120]}",
                     f"tunnel:{p.name}", None)
    for name in facts.host.tunnels:
        if name not in running:
            yield warned(f"tunnel software {name!r} is installed (not running)", f"tunnel:{name}", None,
                         severity=Severity.LOW)
    for iface in facts.host.wireguard_interfaces:
        yield warned(f"WireGuard interface {iface!r} is up", f"wireguard:{iface}", None)
    if not (facts.host.tunnel_processes or facts.host.tunnels or facts.host.wireguard_interfaces):
        yield passed("no tunnel software or WireGuard interface found", "tunnels")
@check(
    id="GW012",
    title="mDNS discovery does not broadcast host details",
    title_zh="mDNS 发现未广播主机详细信息",
    severity=Severity.MEDIUM,
    guide=("D1.3.1", "E2.1"),
    remediation='Set discovery.mdns.mode to "minimal" (default) or "off" (or OPENCLAW_DISABLE_BONJOUR=1).',
    remediation_zh='将 discovery.mdns.mode 设为 "minimal"(默认)或 "off"(也可设置 OPENCLAW_DISABLE_BONJOUR=1)。',
    fix="mdns-minimal",
    upstream=("discovery.mdns_full_mode",),
    cwe=("CWE-200",),
)
def mdns_minimal(facts: Facts) -> Iterator[Outcome]:
    """``discovery.mdns.mode: full`` publishes ``cliPath`` and ``sshPort`` in ``_openclaw-gw._tcp`` TXT
    records to the whole LAN: user names, file layout and management ports for reconnaissance, the opposite
    of the guide's "network stealth" (D1.3). Default ``minimal``."""
    mode = cfg(facts, "discovery.mdns.mode", "minimal")
    loc = _loc(facts, "discovery.mdns.mode")
    if mode == "full":
        sev = Severity.HIGH if _bind(facts) not in LOOPBACK_BINDS else None
        yield failed("discovery.mdns.mode is 'full': cliPath/sshPort are broadcast on the LAN", "discovery.mdns.mode",
                     loc, severity=sev)
    else:
        yield passed(f"discovery.mdns.mode is {mode!r}", "discovery.mdns.mode", loc)


@check(
    id="GW013",
    title="Gateway HTTP APIs do not re-enable dangerous tools or extra endpoints",
    title_zh="网关 HTTP 接口未重新开放高危工具或额外端点",
    severity=Severity.HIGH,
    guide=("D2.3.1", "E3.1", "D1.3.1"),
    remediation="Remove exec/gateway/cron/sessions_* entries from gateway.tools.allow; keep "
                "gateway.http.endpoints.chatCompletions/responses.enabled=false unless needed.",
    remediation_zh="从 gateway.tools.allow 中移除 exec、gateway、cron、sessions_* 等高危工具;如非必要,保持 "
                   "gateway.http.endpoints.chatCompletions/responses.enabled=false。",
    upstream=("gateway.tools_invoke_http.dangerous_allow", "gateway.http.session_key_override_enabled"),
    cwe=("CWE-749",),
)
def http_surface_minimal(facts: Facts) -> Iterator[Outcome]:
    """``POST /tools/invoke`` denies exec, spawn, control-plane and session-orchestration tools by default
    (GHSA-943q-mwmv-hhvh); ``gateway.tools.allow`` removes names from that deny list. The OpenAI-compatible
    endpoints give full operator power to every credential holder. Source: src/security/dangerous-tools.ts."""
    allow = cfg(facts, "gateway.tools.allow") or []
    names = {str(a).strip().lower() for a in allow} if isinstance(allow, list) else set()
    bad = [t for t in HTTP_DENIED_TOOLS if t in names]
    risky = _bind(facts) not in LOOPBACK_BINDS or cfg(facts, "gateway.tailscale.mode") == "funnel"
    ok = True
    if bad:
        ok = False
        yield failed(f"gateway.tools.allow re-enables {', '.join(bad)} over HTTP /tools/invoke", "gateway.tools.allow",
                     _loc(facts, "gateway.tools.allow"), severity=Severity.CRITICAL if risky else None)
    for ep in ("chatCompletions", "responses"):
        key = f"gateway.http.endpoints.{ep}.enabled"
        if cfg(facts, key) is True:
            ok = False
            yield warned(f"{key} is true: full operator API (x-openclaw-session-key accepted)", key, _loc(facts, key),
                         severity=Severity.MEDIUM if risky else Severity.LOW)
    if cfg(facts, "plugins.entries.admin-http-rpc.enabled") is True:
        ok = False
        yield warned("plugins.entries.admin-http-rpc.enabled is true: /api/v1/admin/rpc is full admin",
                     "plugins.entries.admin-http-rpc.enabled", _loc(facts, "plugins.entries.admin-http-rpc"),
                     severity=Severity.HIGH if risky else Severity.MEDIUM)
    if cfg(facts, "canvasHost.enabled") is True and key_in_version(facts, "canvasHost.enabled"):
        ok = False
        yield warned("canvasHost.enabled is true: the gateway serves agent-written HTML/JS (canvasHost.root) over "
                     "HTTP" + (" to the network" if risky else ""), "canvasHost.enabled",
                     _loc(facts, "canvasHost.enabled"), severity=Severity.MEDIUM if risky else Severity.LOW)
    if ok:
        yield passed(f"gateway.tools.allow is {sorted(names)!r}; optional HTTP endpoints off", "gateway.http", None)


@check(
    id="GW014",
    title="Gateway uses TLS when it listens beyond loopback",
    title_zh="网关在回环地址以外监听时启用 TLS",
    severity=Severity.MEDIUM,
    guide=("P2.2", "E2.1"),
    remediation="Keep gateway.bind loopback behind a VPN/SSH tunnel, or set gateway.tls.enabled=true "
                "(gateway.tls.certPath/keyPath or autoGenerate).",
    remediation_zh="保持 gateway.bind 为 loopback 并通过 VPN/SSH 隧道访问,或设置 gateway.tls.enabled=true"
                   "(配置 gateway.tls.certPath/keyPath 或 autoGenerate)。",
    cwe=("CWE-319",),
)
def gateway_tls_when_exposed(facts: Facts) -> Iterator[Outcome]:
    """A LAN-bound gateway without TLS sends the bearer token, chats and tool output in clear text to anyone
    on the network path. Loopback, or Tailscale Serve (which terminates TLS), needs no gateway TLS.
    Source: docs/gateway/configuration-reference.md "gateway.tls"."""
    tls = cfg(facts, "gateway.tls.enabled") is True
    loc = _loc(facts, "gateway.tls.enabled")
    bind = _bind(facts)
    if bind in LOOPBACK_BINDS:
        yield passed(f"gateway.bind is {bind!r}: traffic stays on this host (tls.enabled={tls})", "gateway.tls", loc)
    elif tls:
        yield passed(f"gateway.bind is {bind!r} with gateway.tls.enabled=true", "gateway.tls", loc)
    else:
        yield failed(f"gateway.bind is {bind!r} and gateway.tls.enabled is not true: tokens cross the network in "
                     "clear text", "gateway.tls", loc)


@check(
    id="GW015",
    title="Node commands and device pairing stay restricted",
    title_zh="节点高危命令与设备自动配对保持受限",
    severity=Severity.MEDIUM,
    guide=("P3.2", "E3.1", "E3.3"),
    remediation="Remove camera/screen/contacts/calendar/sms commands from gateway.nodes.commands.allow, use exact "
                "command names in gateway.nodes.commands.deny, and unset gateway.nodes.pairing.autoApproveCidrs.",
    remediation_zh="从 gateway.nodes.commands.allow 中移除摄像头、录屏、通讯录、日历、短信等命令,"
                   "gateway.nodes.commands.deny 使用精确命令名,并取消 gateway.nodes.pairing.autoApproveCidrs。",
    upstream=("gateway.nodes.allow_commands_dangerous", "gateway.nodes.deny_commands_ineffective"),
    cwe=("CWE-269",),
)
def node_commands_restricted(facts: Facts) -> Iterator[Outcome]:
    """Paired nodes (phones, desktops) can snap the camera, record the screen, read contacts or send SMS when
    those commands are allowed: the "high-risk permissions such as screen recording" the guide asks to turn
    off (P3.2). Deny entries match exact names only, so patterns are silently ineffective; CIDR auto-approval
    pairs devices without a human. Source: src/gateway/node-command-policy.ts."""
    akey = "gateway.nodes.commands.allow" if cfg(facts, "gateway.nodes.commands.allow") else "gateway.nodes.allowCommands"
    allow = cfg(facts, akey) or []
    deny = cfg(facts, "gateway.nodes.commands.deny") or cfg(facts, "gateway.nodes.denyCommands") or []
    allow = [str(a).strip().lower() for a in allow] if isinstance(allow, list) else []
    deny = [str(d).strip() for d in deny] if isinstance(deny, list) else []
    ok = True
    bad = [c for c in DANGEROUS_NODE_COMMANDS if c in allow and c not in deny]
    if bad:
        ok = False
        yield failed(f"{akey} enables {', '.join(bad)}", akey, _loc(facts, akey),
                     severity=Severity.HIGH if gateway_exposed(facts) else None)
    run = [c for c in NODE_RUN_COMMANDS if c in allow and c not in deny] if key_in_version(facts, akey) else []
    if run:
        ok = False
        reach = sorted({label for label, _, tools in all_tool_scopes(facts) if tools & {"nodes", "exec"}})
        detail = f"{akey} allows {', '.join(run)}: agents can run shell commands on every paired node"
        if reach:
            yield warned(f"{detail} (nodes/exec reachable for {', '.join(reach)})", akey, _loc(facts, akey),
                         severity=Severity.HIGH if gateway_exposed(facts) else Severity.MEDIUM)
        else:
            yield latent(facts, akey, detail, "the nodes or exec tool is allowed again (tools.deny / tools.profile)")
    patterns = [d for d in deny if any(ch in d for ch in "*?[]{}(),| ") or d.startswith(("/", "^")) or "group:" in d]
    if patterns:
        ok = False
        yield warned(f"gateway.nodes.commands.deny has pattern-like entries that never match: {patterns}",
                     "gateway.nodes.commands.deny", _loc(facts, "gateway.nodes.commands.deny"),
                     severity=Severity.LOW)
    cidrs = cfg(facts, "gateway.nodes.pairing.autoApproveCidrs")
    if cidrs:
        ok = False
        yield warned(f"gateway.nodes.pairing.autoApproveCidrs is {cidrs!r}: devices there pair without approval",
                     "gateway.nodes.pairing.autoApproveCidrs", _loc(facts, "gateway.nodes.pairing.autoApproveCidrs"))
    if ok:
        yield passed(f"{akey} is {allow!r}; no CIDR auto-approval", "gateway.nodes", None)


@check(
    id="GW016",
    title="No OpenClaw port listens on a non-loopback address",
    title_zh="OpenClaw 端口(18789/19890 等)未在非回环地址上监听",
    severity=Severity.HIGH,
    guide=("P2.1", "D1.3.1", "E2.1"),
    requires=("host",),
    remediation="Restart the gateway with gateway.bind \"loopback\"; for Docker publish as -p 127.0.0.1:18789:18789; "
                "firewall 18789, 18791, 18800-18899 and 19890.",
    remediation_zh="将 gateway.bind 设为 \"loopback\" 后重启网关;Docker 端口映射使用 -p 127.0.0.1:18789:18789;"
                   "通过防火墙封闭 18789、18791、18800-18899 与 19890 端口。",
    fix="gateway-bind-loopback",
    cwe=("CWE-1327",),
)
def no_public_listeners(facts: Facts) -> Iterator[Outcome]:
    """The config can say loopback while a running process (an older gateway, a Docker ``-p 18789:18789``, the
    browser control or CDP ports) listens on all interfaces. Checks real sockets on 18789-18793, 18800-18899,
    19001 and 19890 (the guide names 18789/19890, P2). Source: ``psutil.net_connections`` via facts.host."""
    assert facts.host is not None
    if not facts.host.listeners and not facts.host.sockets_visible:
        yield skipped("listening sockets were not visible to this user", "listeners")
        return
    open_ = [lst for lst in facts.host.listeners if not lst.loopback]
    for lst in open_:
        yield failed(f"port {lst.port} listens on {lst.address} (process {lst.process or '?'}, pid {lst.pid})",
                     f"listener:{lst.address}:{lst.port}", None)
    if not open_:
        ports = sorted({lst.port for lst in facts.host.listeners})
        yield passed(f"no watched port listens beyond loopback (loopback listeners: {ports or 'none'})", "listeners")


@check(
    id="GW017",
    title="Gateway discovery stays on the local network",
    title_zh="网关发现信息仅在本地网络内发布",
    severity=Severity.MEDIUM,
    guide=("P2.1", "D1.3.1", "C2.1"),
    remediation="Remove discovery.wideArea (wide-area DNS-SD); keep discovery.mdns.mode \"minimal\" or \"off\".",
    remediation_zh="删除 discovery.wideArea(广域 DNS-SD 发布);discovery.mdns.mode 保持 \"minimal\" 或 \"off\"。",
    cwe=("CWE-200",),
)
def discovery_local_only(facts: Facts) -> Iterator[Outcome]:
    """``discovery.wideArea.domain`` publishes the gateway's discovery records through unicast DNS-SD beyond the
    local link (2026.9.6 schema: "Use this when you intentionally publish gateway discovery beyond local mDNS
    scopes"), telling anyone who queries that domain where a gateway runs: the opposite of P2.1 (no public
    exposure)."""
    key = "discovery.wideArea"
    wa = cfg(facts, key)
    if isinstance(wa, dict) and wa.get("domain"):
        yield failed(f"{key}.domain is {wa.get('domain')!r}: discovery is published beyond the local network",
                     f"{key}.domain", _loc(facts, f"{key}.domain"))
    elif isinstance(wa, dict) and wa:
        yield warned(f"{key} is configured ({', '.join(map(str, wa))})", key, _loc(facts, key),
                     severity=Severity.LOW)
    else:
        yield passed(f"{key} is unset", key, _loc(facts, key))
