"""Checks NP: what the live probes (``audit --deep``) observed on the running system.

Sources: guide D2.4.2 (probe the gateway as an attacker would), P2.1, D1.3.1, D1.3.2, E2.1, C1.3;
OpenClaw ``src/security/audit-deep-probe-findings.ts`` (native ``gateway.probe_failed``),
``src/gateway/auth-rate-limit.ts``, ``src/gateway/server/ws-connection/connect-policy.ts``; the real
2026.9.6 gateway transcripts in ``reference/realclaw/gateway/``. Pure: reads only ``facts.probe``.
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.facts.probe import ProbeFacts, TargetProbe
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, skipped, warned

GATEWAY_ROLES = ("gateway", "dev-gateway", "guide-19890", "configured-gateway")


def _probe(facts: Facts) -> ProbeFacts:
    assert facts.probe is not None
    return facts.probe


def _gateways(facts: Facts) -> list[TargetProbe]:
    """Targets that answered as an OpenClaw gateway."""
    return [r for r in _probe(facts).results.values() if r.reachable and r.openclaw]


@check(
    id="NP001",
    title="OpenClaw ports listen on loopback only",
    title_zh="OpenClaw 端口仅在本机回环地址监听",
    severity=Severity.HIGH,
    guide=("P2.1", "D1.3.1", "E2.1"),
    requires=("probe",),
    deep=True,
    remediation='Set gateway.bind to "loopback" (and keep browser control / CDP on 127.0.0.1); '
                "reach the gateway remotely through a VPN or SSH tunnel.",
    remediation_zh='将 gateway.bind 设为 "loopback"(浏览器控制 / CDP 端口同样仅限 127.0.0.1);远程访问请使用 VPN 或 SSH 隧道。',
    fix="gateway-bind-loopback",
    upstream=("gateway.bind_no_auth",),
    cwe=("CWE-1327",),
)
def openclaw_ports_listen_on_loopback(facts: Facts) -> Iterator[Outcome]:
    """The socket table is the ground truth the config only predicts: a gateway started with ``--bind lan``,
    a dev gateway on 19001, or a browser-control / CDP port on 0.0.0.0 is reachable from the LAN whatever
    openclaw.json says. CDP and browser control have no authentication of their own (full browser takeover)."""
    p = _probe(facts)
    if not p.sockets_visible:
        yield skipped("the socket table was not readable (run as root or the gateway's user)", "listeners")
        return
    if not p.listeners:
        yield passed("no OpenClaw port is listening", "listeners")
        return
    for x in p.listeners:
        who = f" by {x.process or '?'} (pid {x.pid}, user {x.user or '?'})" if x.pid else ""
        subject = f"{x.address}:{x.port}"
        if x.loopback:
            yield passed(f"{x.role} port {x.port} listens on {x.address}{who}", subject)
            continue
        sev = Severity.CRITICAL if x.role in ("cdp", "browser-control") or x.wildcard else Severity.HIGH
        where = "every interface" if x.wildcard else x.address
        yield failed(f"{x.role} port {x.port} listens on {where}{who}: reachable from other hosts", subject,
                     Location(key="gateway.bind" if x.role in GATEWAY_ROLES else None), severity=sev)


@check(
    id="NP002",
    title="Live gateway refuses requests without a valid credential",
    title_zh="运行中的网关拒绝无有效凭据的请求",
    severity=Severity.CRITICAL,
    guide=("C1.3", "D2.4.2", "D1.2.1"),
    requires=("probe",),
    deep=True,
    remediation='Set gateway.auth.mode to "token" with a random 32+ byte token and restart the gateway.',
    remediation_zh='将 gateway.auth.mode 设为 "token" 并配置 32 字节以上随机令牌,然后重启网关。',
    fix="gateway-auth-token",
    upstream=("gateway.http.no_auth", "gateway.loopback_no_auth", "gateway.bind_no_auth"),
    cwe=("CWE-306",),
)
def live_gateway_enforces_auth(facts: Facts) -> Iterator[Outcome]:
    """Verified on the real 2026.9.6 gateway: with ``auth.mode: none``, ``POST /tools/invoke`` runs tools for
    anyone (the probe sends ``{}``: 400 = the request reached tool dispatch, 401 = auth enforced) and a wrong
    WebSocket token is never compared (``DEVICE_IDENTITY_REQUIRED`` instead of ``AUTH_TOKEN_MISMATCH``). The
    running process may differ from the file (old config, ``--auth`` flag, env), so this checks the live one."""
    gws = _gateways(facts)
    if not gws:
        yield skipped("no OpenClaw gateway answered the probe", "gateway")
        return
    for g in gws:
        no_tok, wrong = g.ws_case("no-token"), g.ws_case("wrong-token")
        problems = []
        if g.tools_invoke_status is not None and (g.tools_invoke_status == 400 or 200 <= g.tools_invoke_status < 300):
            problems.append(f"POST /tools/invoke without credentials got {g.tools_invoke_status} (not 401)")
        if no_tok is not None and no_tok.outcome == "accepted":
            problems.append("WebSocket connect without any credential was accepted")
        if wrong is not None and wrong.outcome == "accepted":
            problems.append("WebSocket connect with a wrong token was accepted")
        elif wrong is not None and wrong.outcome == "refused" and not wrong.auth_rejected:
            problems.append(f"a wrong WebSocket token was not checked (refused only with {wrong.detail_code or wrong.code})")
        sev = Severity.CRITICAL if not g.loopback or any("accepted" in p for p in problems) else Severity.HIGH
        if problems:
            yield failed(f"{g.target}: " + "; ".join(problems), g.target, Location(key="gateway.auth.mode"),
                         severity=sev, evidence=f"tools/invoke={g.tools_invoke_status}, ws wrong-token="
                         f"{wrong.detail_code if wrong else '-'}")
        else:
            yield passed(f"{g.target}: /tools/invoke -> {g.tools_invoke_status}, wrong token -> "
                         f"{wrong.detail_code if wrong else '-'}", g.target)


@check(
    id="NP003",
    title="Live gateway refuses foreign browser origins",
    title_zh="运行中的网关拒绝外部来源(Origin)的浏览器连接",
    severity=Severity.HIGH,
    guide=("D1.3.1", "C1.3", "D2.4.2"),
    requires=("probe",),
    deep=True,
    remediation="Keep gateway.controlUi.allowedOrigins to exact trusted origins and never enable "
                "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback.",
    remediation_zh="gateway.controlUi.allowedOrigins 仅填写受信任的完整来源,切勿开启 dangerouslyAllowHostHeaderOriginFallback。",
    fix="control-ui-dangerous-off",
    upstream=("gateway.control_ui.allowed_origins_required", "gateway.control_ui.host_header_origin_fallback"),
    cwe=("CWE-1385",),
)
def live_gateway_refuses_foreign_origin(facts: Facts) -> Iterator[Outcome]:
    """A WebSocket from a web page carries that page's ``Origin``; a gateway that accepts any origin can be
    driven from a malicious site in the operator's browser (cross-site WebSocket hijacking, the ClawJacked
    class). The real gateway answers ``CONTROL_UI_ORIGIN_NOT_ALLOWED``; anything else means the origin check
    did not stop the request."""
    gws = _gateways(facts)
    if not gws:
        yield skipped("no OpenClaw gateway answered the probe", "gateway")
        return
    for g in gws:
        r = g.ws_case("foreign-origin")
        if r is None or r.outcome == "error":
            yield skipped(f"{g.target}: foreign-origin handshake did not complete", g.target)
        elif r.outcome == "upgrade-refused" or r.detail_code == "CONTROL_UI_ORIGIN_NOT_ALLOWED":
            yield passed(f"{g.target}: foreign Origin refused ({r.detail_code or r.http_status})", g.target)
        elif r.outcome == "accepted":
            yield failed(f"{g.target}: a connection from a foreign Origin was accepted", g.target,
                         Location(key="gateway.controlUi.allowedOrigins"), severity=Severity.CRITICAL)
        else:
            yield failed(f"{g.target}: foreign Origin passed the origin check (refused later with "
                         f"{r.detail_code or r.code})", g.target, Location(key="gateway.controlUi.allowedOrigins"))


@check(
    id="NP004",
    title="Live gateway slows or locks out wrong-token bursts",
    title_zh="运行中的网关对错误令牌的连续尝试进行限速或锁定",
    severity=Severity.MEDIUM,
    guide=("C1.3", "D2.4.2", "E2.1"),
    requires=("probe",),
    deep=True,
    remediation="Set gateway.auth.rateLimit (e.g. {maxAttempts: 10, windowMs: 60000, lockoutMs: 300000}).",
    remediation_zh="配置 gateway.auth.rateLimit(如 {maxAttempts: 10, windowMs: 60000, lockoutMs: 300000})。",
    fix="rate-limit-on",
    upstream=("gateway.auth_no_rate_limit",),
    cwe=("CWE-307",),
)
def live_gateway_limits_bruteforce(facts: Facts) -> Iterator[Outcome]:
    """A shared token is only as strong as the number of guesses an attacker gets. The probe sends at most
    30 wrong bearer tokens (body ``{}``, no tool runs) and reports 429 lockout, an escalating delay (the
    gateway's loopback failure delay), or neither. Remote clients must hit a lockout; loopback clients are
    exempt from lockout by design and only delayed."""
    gws = _gateways(facts)
    for g in gws:
        bf = g.bruteforce
        if bf is None or bf.verdict == "inconclusive":
            yield skipped(f"{g.target}: burst not run or inconclusive", g.target)
        elif bf.verdict == "no-auth":
            yield skipped(f"{g.target}: no credential is checked at all (see NP002)", g.target)
        elif bf.verdict == "locked-out":
            yield passed(f"{g.target}: locked out after {bf.limited_at} wrong tokens (HTTP 429)", g.target)
        elif bf.verdict == "throttled" and g.loopback:
            yield passed(f"{g.target}: wrong tokens delayed {bf.ms[0]:.0f} -> {bf.ms[-1]:.0f} ms over "
                         f"{bf.attempts} attempts (loopback is exempt from lockout)", g.target)
        elif bf.verdict == "throttled":
            yield warned(f"{g.target}: wrong tokens only delayed ({bf.ms[0]:.0f} -> {bf.ms[-1]:.0f} ms), no lockout "
                         f"after {bf.attempts} attempts from a remote address", g.target,
                         Location(key="gateway.auth.rateLimit"))
        else:
            yield failed(f"{g.target}: {bf.attempts} wrong tokens in a row, neither delayed nor locked out", g.target,
                         Location(key="gateway.auth.rateLimit"),
                         severity=Severity.MEDIUM if g.loopback else Severity.HIGH)
    if not gws:
        yield skipped("no OpenClaw gateway answered the probe", "gateway")


@check(
    id="NP005",
    title="Gateway reached beyond loopback speaks TLS",
    title_zh="回环地址以外可达的网关使用 TLS",
    severity=Severity.HIGH,
    guide=("E2.1", "P2.2", "D2.4.2"),
    requires=("probe",),
    deep=True,
    remediation="Keep the gateway on loopback; if it must be reached remotely, use gateway.tls, a VPN, or "
                "Tailscale Serve (HTTPS) instead of plain HTTP/WS.",
    remediation_zh="网关保持仅本机访问;如需远程访问,请启用 gateway.tls、VPN 或 Tailscale Serve(HTTPS),不要使用明文 HTTP/WS。",
    fix="gateway-bind-loopback",
    cwe=("CWE-319",),
)
def remote_gateway_uses_tls(facts: Facts) -> Iterator[Outcome]:
    """A gateway reached over the network in plain HTTP/WS sends its token, chats and tool output in clear
    text to anyone on the path. Loopback traffic never leaves the host and is not checked."""
    remote = [g for g in _gateways(facts) if not g.loopback]
    if not remote:
        yield skipped("not applicable: no gateway was probed on a non-loopback address (use --target)", "tls")
    for g in remote:
        if g.tls:
            yield passed(f"{g.target}: TLS handshake completed", g.target)
        else:
            yield failed(f"{g.target}: reachable over the network in plain HTTP/WebSocket (no TLS)", g.target,
                         Location(key="gateway.tls.enabled"))


@check(
    id="NP006",
    title="No tunnel or port mapping publishes the gateway",
    title_zh="无隧道或端口映射将网关暴露到外部",
    severity=Severity.HIGH,
    guide=("D1.3.2", "P2.1", "E2.1"),
    requires=("probe",),
    deep=True,
    remediation="Stop the funnel / tunnel / published port (tailscale funnel off, remove the cloudflared / ngrok / "
                "frp route or the docker -p mapping, delete the DNAT rule); use an authorised VPN instead.",
    remediation_zh="关闭 funnel / 隧道 / 端口映射(tailscale funnel off,删除 cloudflared / ngrok / frp 路由、docker -p 映射、"
                   "DNAT 规则);改用经授权的 VPN。",
    fix="tailscale-funnel-off",
    upstream=("gateway.tailscale_funnel",),
    cwe=("CWE-668",),
)
def no_tunnel_publishes_gateway(facts: Facts) -> Iterator[Outcome]:
    """The guide forbids mapping the gateway port out through unauthorised tunnels (Tailscale, WireGuard,
    frp, ...). Such mappings live outside openclaw.json, so the config checks cannot see them: a loopback
    gateway behind ``tailscale funnel`` or ``ngrok http 18789`` is on the public internet."""
    p = _probe(facts)
    for e in p.exposures:
        subject = f"{e.kind}:{e.target or e.source}"
        if e.gateway and e.public:
            yield failed(f"{e.kind} publishes an OpenClaw port to the internet: {e.detail}", subject,
                         Location(path=e.source if e.source.startswith("/") else None), severity=Severity.CRITICAL)
        elif e.gateway:
            yield failed(f"{e.kind} forwards to an OpenClaw port: {e.detail}", subject,
                         Location(path=e.source if e.source.startswith("/") else None))
        else:
            yield warned(f"{e.kind} present (not seen forwarding to an OpenClaw port; confirm it is authorised): "
                         f"{e.detail}", subject, severity=Severity.LOW)
    if not p.exposures:
        checked = ", ".join(p.tools) or "processes, config files and interfaces only"
        yield passed(f"no tunnel or port mapping to an OpenClaw port found ({checked})", "tunnels")


@check(
    id="NP007",
    title="Live gateway probe reaches the gateway",
    title_zh="实时探测可到达网关",
    severity=Severity.LOW,
    guide=("D2.4.2",),
    requires=("probe",),
    deep=True,
    remediation="Start the gateway (openclaw gateway) or name its address with --target, then re-run audit --deep.",
    remediation_zh="启动网关(openclaw gateway)或用 --target 指定其地址,然后重新运行 audit --deep。",
    upstream=("gateway.probe_failed",),
)
def live_probe_reaches_gateway(facts: Facts) -> Iterator[Outcome]:
    """Deep checks NP002-NP005 can only judge a gateway that answers. When none does, the live part of the
    audit did not happen and the user should know (the native audit reports ``gateway.probe_failed``)."""
    p = _probe(facts)
    gws = _gateways(facts)
    if gws:
        yield passed(f"probed {len(gws)} gateway(s): {', '.join(g.target for g in gws)}", "gateway")
        return
    why = "; ".join(f"{r.target}: {r.error or 'not an OpenClaw gateway'}" for r in p.results.values()) or "no target"
    yield warned(f"no OpenClaw gateway answered ({why})", "gateway")


@check(
    id="NP008",
    title="Control UI is not served to other hosts",
    title_zh="控制台(Control UI)不对其他主机提供",
    severity=Severity.HIGH,
    guide=("D1.3.1", "P2.1"),
    requires=("probe",),
    deep=True,
    remediation='Bind the gateway to loopback or set gateway.controlUi.enabled to false on exposed gateways.',
    remediation_zh='将网关绑定到 loopback,或在暴露的网关上将 gateway.controlUi.enabled 设为 false。',
    fix="gateway-bind-loopback",
    cwe=("CWE-1327",),
)
def control_ui_not_served_remotely(facts: Facts) -> Iterator[Outcome]:
    """The guide names the web management interface on 18789 as what must never face the LAN or internet
    (D1.3.1). The probe fetches ``GET /`` without credentials: an HTML page carrying the OpenClaw Control UI
    markers on a non-loopback address is exactly that exposure."""
    remote = [g for g in _gateways(facts) if not g.loopback]
    if not remote:
        yield skipped("not applicable: no gateway was probed on a non-loopback address (use --target)", "control-ui")
    for g in remote:
        if any(h.control_ui for h in g.http):
            yield failed(f"{g.target}: GET / returns the OpenClaw Control UI without credentials", g.target,
                         Location(key="gateway.controlUi.enabled"))
        else:
            yield passed(f"{g.target}: no Control UI page served", g.target)
