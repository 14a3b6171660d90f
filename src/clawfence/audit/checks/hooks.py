"""Checks GW (hooks): webhook ingress token and scoping.

Sources: guide D1.2.1, E7.3, C1.3; OpenClaw ``docs/gateway/configuration-reference.md`` "Hooks",
``src/security/audit.ts`` (``hooks.*`` checkIds).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import GATEWAY_ENV_SECRETS, cfg, gateway_exposed
from clawfence.audit.checks._util import dotenv_secret as _dotenv
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, warned


@check(
    id="GW004",
    title="Hooks token is long and distinct from the gateway credentials",
    title_zh="Webhook(hooks)令牌足够长且不与网关凭证复用",
    severity=Severity.CRITICAL,
    guide=("D1.2.1", "E7.3", "C1.3"),
    remediation="Set hooks.token to its own random secret (>= 24 chars, SecretRef or ${VAR}) that differs from "
                "gateway.auth.token / gateway.auth.password; openclaw doctor --fix rotates a reused one.",
    remediation_zh="为 hooks.token 单独生成随机密钥(至少 24 个字符,使用 SecretRef 或 ${VAR}),不得与 "
                   "gateway.auth.token / gateway.auth.password 相同;openclaw doctor --fix 可轮换复用的令牌。",
    fix="rotate-token",
    upstream=("hooks.token_reuse_gateway_token", "hooks.token_too_short"),
    cwe=("CWE-521", "CWE-1391"),
)
def hooks_token_distinct(facts: Facts) -> Iterator[Outcome]:
    """Webhook callers (``POST /hooks/*``) are third-party services; if ``hooks.token`` equals the gateway token
    or password, a leak from any webhook sender hands over full gateway control. Reuse is detected by salted
    fingerprint or identical ``${VAR}`` reference, never by comparing values in clear."""
    if cfg(facts, "hooks.enabled") is not True:
        yield passed("hooks.enabled is not true: webhook ingress is off", "hooks.enabled", _loc(facts, "hooks"))
        return
    assert facts.config is not None
    hook = facts.config.secret("hooks.token")
    loc = _loc(facts, "hooks.token")
    if hook is None or hook.kind == "empty":
        yield failed("hooks are enabled but hooks.token is empty", "hooks.token", loc, severity=Severity.HIGH)
        return
    others = [(k, facts.config.secret(k)) for k in ("gateway.auth.token", "gateway.auth.password")]
    others += [(f".env {n}", f[0]) for n in GATEWAY_ENV_SECRETS if (f := _dotenv(facts, n))]
    reused = [k for k, o in others if o is not None and o.kind != "empty" and (
        (hook.fingerprint and o.fingerprint == hook.fingerprint) or (hook.env_var and o.env_var == hook.env_var))]
    if reused:
        yield failed(f"hooks.token equals {', '.join(reused)}: a webhook sender holds the gateway credential",
                     "hooks.token", loc, evidence=hook.redacted)
    if hook.kind == "literal" and hook.length < 24:
        yield failed(f"hooks.token is {hook.length} chars (< 24)", "hooks.token.length", loc,
                     severity=Severity.MEDIUM, evidence=hook.redacted)
    if not reused and not (hook.kind == "literal" and hook.length < 24):
        yield passed(f"hooks.token ({hook.kind}, {hook.length or 'runtime'} chars) is not shared with the "
                     "gateway credentials", "hooks.token", loc)


@check(
    id="GW005",
    title="Webhook ingress is scoped: fixed session key, agent allowlist, no root path",
    title_zh="Webhook 入口受限:固定会话键、限定 Agent、不使用根路径",
    severity=Severity.HIGH,
    guide=("E3.2", "D2.3.1", "C1.3"),
    remediation='Set hooks.defaultSessionKey (e.g. "hook:ingress"), hooks.allowedAgentIds to an explicit list, '
                'hooks.allowRequestSessionKey=false, hooks.path="/hooks" and no allowUnsafeExternalContent.',
    remediation_zh='设置 hooks.defaultSessionKey(如 "hook:ingress")、将 hooks.allowedAgentIds 设为明确列表、'
                   'hooks.allowRequestSessionKey=false、hooks.path="/hooks",并关闭 allowUnsafeExternalContent。',
    upstream=("hooks.path_root", "hooks.default_session_key_unset", "hooks.allowed_agent_ids_unrestricted",
              "hooks.request_session_key_enabled", "hooks.request_session_key_prefixes_missing",
              "config.insecure_or_dangerous_flags"),
    cwe=("CWE-284",),
)
def hooks_ingress_scoped(facts: Facts) -> Iterator[Outcome]:
    """Hook payloads come from outside (mail, CI, web services) and are untrusted content. Without a fixed
    session key and an agent allowlist a hook caller can steer any agent or session; ``hooks.path: "/"``
    shadows every other HTTP endpoint; ``allowUnsafeExternalContent`` drops the untrusted-content wrapper."""
    if cfg(facts, "hooks.enabled") is not True:
        yield passed("hooks.enabled is not true: webhook ingress is off", "hooks.enabled", _loc(facts, "hooks"))
        return
    up = Severity.HIGH if gateway_exposed(facts) else Severity.MEDIUM
    ok = True
    if cfg(facts, "hooks.path") == "/":
        ok = False
        yield failed('hooks.path is "/": hooks shadow every other HTTP endpoint', "hooks.path",
                     _loc(facts, "hooks.path"))
    if not cfg(facts, "hooks.defaultSessionKey"):
        ok = False
        yield warned("hooks.defaultSessionKey is unset: hook runs get ad-hoc sessions", "hooks.defaultSessionKey",
                     _loc(facts, "hooks"), severity=Severity.MEDIUM)
    ids = cfg(facts, "hooks.allowedAgentIds")
    if not isinstance(ids, list) or "*" in ids:
        ok = False
        shown = "unset" if ids is None else repr(ids)
        yield failed(f"hooks.allowedAgentIds is {shown}: hook callers may route to any agent",
                     "hooks.allowedAgentIds", _loc(facts, "hooks.allowedAgentIds"), severity=up)
    if cfg(facts, "hooks.allowRequestSessionKey") is True:
        ok = False
        prefixes = cfg(facts, "hooks.allowedSessionKeyPrefixes")
        extra = "" if prefixes else " and hooks.allowedSessionKeyPrefixes is empty"
        yield failed(f"hooks.allowRequestSessionKey is true{extra}: callers choose the session",
                     "hooks.allowRequestSessionKey", _loc(facts, "hooks.allowRequestSessionKey"), severity=up)
    unsafe = ["hooks.gmail.allowUnsafeExternalContent"] if cfg(
        facts, "hooks.gmail.allowUnsafeExternalContent") is True else []
    maps = cfg(facts, "hooks.mappings")
    for i, m in enumerate(maps if isinstance(maps, list) else []):
        if isinstance(m, dict) and m.get("allowUnsafeExternalContent") is True:
            unsafe.append(f"hooks.mappings.{i}.allowUnsafeExternalContent")
    for key in unsafe:
        ok = False
        yield failed(f"{key} is true: external content reaches the model unwrapped", key, _loc(facts, key),
                     severity=Severity.MEDIUM)
    if ok:
        yield passed(f"hooks scoped: defaultSessionKey set, allowedAgentIds {ids!r}, path "
                     f"{cfg(facts, 'hooks.path', '/hooks')!r}", "hooks", _loc(facts, "hooks"))
