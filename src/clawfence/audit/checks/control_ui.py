"""Checks GW (Control UI): insecure/dangerous auth flags and browser origins.

Sources: guide D1.3.3, C1.1; OpenClaw ``src/security/dangerous-config-flags.ts``,
``src/gateway/server-runtime-config.ts``; ``docs/web/control-ui.md``.
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import LOOPBACK_BINDS, cfg
from clawfence.audit.checks._util import bind as _bind
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.facts.schema import retired_in
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned


def _retired(facts: Facts, key: str) -> str | None:
    """The version that retired ``key`` if the installed OpenClaw no longer has it, else None."""
    assert facts.config is not None
    ver = facts.config.schema_version or facts.version.version
    if ver is None:
        return None
    hist = retired_in(key, ver)
    return hist["retired"] if hist else None


@check(
    id="GW010",
    title="Control UI has no insecure or dangerous auth flags",
    title_zh="控制台未启用不安全或危险的认证选项",
    severity=Severity.HIGH,
    guide=("D1.3.3", "C1.1"),
    remediation="Set gateway.controlUi.allowInsecureAuth=false and remove "
                "gateway.controlUi.dangerouslyDisableDeviceAuth and dangerouslyAllowHostHeaderOriginFallback "
                "(on 2026.9.6+ openclaw doctor --fix removes the retired keys).",
    remediation_zh="将 gateway.controlUi.allowInsecureAuth 设为 false,删除 dangerouslyDisableDeviceAuth 与 "
                   "dangerouslyAllowHostHeaderOriginFallback(2026.9.6 及以上版本可用 openclaw doctor --fix 清除废弃键),"
                   "防止控制台降级。",
    fix="control-ui-dangerous-off",
    upstream=("gateway.control_ui.insecure_auth", "gateway.control_ui.device_auth_disabled",
              "gateway.control_ui.host_header_origin_fallback", "config.insecure_or_dangerous_flags"),
    cwe=("CWE-757", "CWE-287"),
)
def control_ui_flags_safe(facts: Facts) -> Iterator[Outcome]:
    """``allowInsecureAuth`` lets the Control UI authenticate over plain HTTP without device identity (console
    downgrade, guide D1.3.3); ``dangerouslyDisableDeviceAuth`` drops device identity; the Host-header origin
    fallback re-opens DNS rebinding. Version-aware: 2026.9.6 no longer has the first two keys (CF001 reports
    them), so their values are not judged there."""
    ui_on = cfg(facts, "gateway.controlUi.enabled", True) is not False
    exposed = _bind(facts) not in LOOPBACK_BINDS
    for name, sev in (("allowInsecureAuth", Severity.HIGH), ("dangerouslyDisableDeviceAuth", Severity.CRITICAL),
                      ("dangerouslyAllowHostHeaderOriginFallback", Severity.CRITICAL if exposed else Severity.HIGH)):
        key = f"gateway.controlUi.{name}"
        loc = _loc(facts, key)
        gone = _retired(facts, key)
        value = cfg(facts, key)
        if gone:
            what = "insecure auth" if name == "allowInsecureAuth" else "device-auth bypass"
            left = "not set" if value is None else f"set to {value!r}: CF001 reports the leftover key"
            yield skipped(f"not applicable: {key} retired in OpenClaw {gone}, {what} no longer exists in this "
                          f"version ({left})", key)
        elif value is True and ui_on:
            yield failed(f"{key} is true", key, loc, severity=sev)
        elif value is True:
            yield warned(f"{key} is true (Control UI disabled for now)", key, loc, severity=Severity.LOW)
        else:
            yield passed(f"{key} is {value if value is not None else 'unset (false)'}", key, loc)


@check(
    id="GW011",
    title="Control UI accepts only explicitly listed browser origins",
    title_zh="控制台仅接受明确列出的浏览器来源(allowedOrigins)",
    severity=Severity.HIGH,
    guide=("D1.3.3", "D1.3.1", "C1.3"),
    remediation="Set gateway.controlUi.allowedOrigins to the exact trusted origins (e.g. "
                "https://control.example.com); never \"*\".",
    remediation_zh="将 gateway.controlUi.allowedOrigins 设为确切的可信来源(如 https://control.example.com),禁止使用 \"*\"。",
    upstream=("gateway.control_ui.allowed_origins_wildcard", "gateway.control_ui.allowed_origins_required"),
    cwe=("CWE-346", "CWE-1385"),
)
def control_ui_origins_explicit(facts: Facts) -> Iterator[Outcome]:
    """The browser Origin check is what stops any web page from driving the gateway WebSocket (cross-site
    WebSocket hijacking, "ClawJacked"). ``"*"`` disables it; a non-loopback Control UI without
    ``allowedOrigins`` is refused by OpenClaw at startup. Default ``[]`` (same-origin / loopback only)."""
    key = "gateway.controlUi.allowedOrigins"
    loc = _loc(facts, key)
    if cfg(facts, "gateway.controlUi.enabled", True) is False:
        yield passed("gateway.controlUi.enabled is false", key, loc)
        return
    origins = cfg(facts, key) or []
    exposed = _bind(facts) not in LOOPBACK_BINDS
    fallback = cfg(facts, "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback") is True
    if isinstance(origins, list) and "*" in origins:
        yield failed(f"{key} contains '*': any web page may connect", key, loc,
                     severity=Severity.CRITICAL if exposed else Severity.MEDIUM)
    elif exposed and not origins and not fallback:
        yield failed(f"Control UI on bind {_bind(facts)!r} has no {key}", key, loc)
    else:
        yield passed(f"{key} is {origins!r} (bind {_bind(facts)!r})", key, loc)
