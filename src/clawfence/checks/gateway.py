"""Checks GW: gateway exposure: bind, auth mode, origins, proxies, tunnels, discovery.

Sources: guide P2, D1.3, C1.3, E2.1; OpenClaw ``src/gateway/server-runtime-config.ts``,
``src/security/audit.ts``; ``docs/gateway/configuration-reference.md`` "Gateway".
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.checks._util import LOOPBACK_BINDS, auth_mode, cfg
from clawfence.facts import Facts
from clawfence.model import Outcome, Severity, failed, passed
from clawfence.registry import check


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
    bind = cfg(facts, "gateway.bind", "loopback")
    loc = facts.config.where("gateway.bind") if facts.config else None
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
    loc = facts.config.where("gateway.auth.mode") if facts.config else None
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
