"""Check GW018: trusted-proxy operator device auto-approval. Found by extracting every ``openclaw security audit``
checkId from the 2026.9.6 dist (``scripts/parity.py --catalogue``): native ``gateway.trusted_proxy_device_auto_approve``
and ``gateway.trusted_proxy_device_auto_approve_admin`` (dist ``audit-*.mjs``, gateway config findings).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import auth_mode, cfg, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, warned


@check(
    id="GW018",
    title="Proxy-authenticated users cannot auto-approve operator devices",
    title_zh="代理认证用户不能自动批准操作员设备",
    severity=Severity.HIGH,
    guide=("D1.2", "D1.3.3", "E3.3"),
    upstream=("gateway.trusted_proxy_device_auto_approve", "gateway.trusted_proxy_device_auto_approve_admin"),
    remediation="Set gateway.auth.trustedProxy.deviceAutoApprove.enabled to false and approve new operator devices "
                "by hand (`openclaw devices approve`); never list operator.admin in deviceAutoApprove.scopes.",
    remediation_zh="将 gateway.auth.trustedProxy.deviceAutoApprove.enabled 设为 false,新的操作员设备手动批准"
                   "(`openclaw devices approve`);deviceAutoApprove.scopes 中不要包含 operator.admin。",
    references=("https://docs.openclaw.ai/gateway/trusted-proxy-auth",),
    cwe=("CWE-287", "CWE-269"),
)
def trusted_proxy_device_auto_approve(facts: Facts) -> Iterator[Outcome]:
    """In trusted-proxy mode, ``deviceAutoApprove.enabled`` pairs every new browser/native operator device of a
    proxy-authenticated user without a human approval; with ``operator.admin`` in ``scopes`` (or no scopes: full
    admin) any proxy user gets a durable admin device token. An attacker behind the proxy, or one who can forge its
    identity headers (see GHSA-rggc-m335-3wvj), becomes a gateway admin. Outside trusted-proxy mode the setting
    is inert and passes. Source: OpenClaw 2026.9.6 dist security audit, schema
    ``gateway.auth.trustedProxy.deviceAutoApprove``."""
    key = "gateway.auth.trustedProxy.deviceAutoApprove"
    auto = cfg(facts, key)
    if not isinstance(auto, dict) or auto.get("enabled") is not True:
        yield passed("trusted-proxy device auto-approval is off", key)
        return
    mode = auth_mode(facts)
    if mode != "trusted-proxy":
        yield passed(f"{key}.enabled is true but gateway.auth.mode is {mode!r}: the setting is inert", key,
                     where(facts, f"{key}.enabled"))
        return
    scopes = auto.get("scopes")
    listed = [str(s).strip() for s in scopes] if isinstance(scopes, list) else None
    if listed is None or not listed or "operator.admin" in listed:
        why = "scopes include operator.admin" if listed else "no scopes are set, so devices get full admin"
        yield failed(f"{key}.enabled is true and {why}: every proxy-authenticated user auto-approves an admin "
                     "operator device", key, where(facts, f"{key}.scopes" if listed else f"{key}.enabled"),
                     severity=Severity.CRITICAL)
        return
    yield warned(f"{key}.enabled is true (scopes {', '.join(listed)}): new operator devices are paired without a "
                 "human approval", key, where(facts, f"{key}.enabled"), severity=Severity.MEDIUM)
