"""Check AU004: ``OPENCLAW_GATEWAY_TOKEN`` and ``gateway.auth.token`` disagree. Found by extracting every
``openclaw security audit`` checkId from the 2026.9.6 dist (``scripts/parity.py --catalogue``): native
``gateway.env_token_overrides_config`` (dist ``auth-token-source-conflict-*.mjs``, OpenClaw
``src/gateway/auth-token-source-conflict.ts``).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import auth_mode, cfg, dotenv_secret, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, passed, warned

ENV = "OPENCLAW_GATEWAY_TOKEN"


@check(
    id="AU004",
    title="The gateway token has one source: env and config agree",
    title_zh="网关令牌只有一个来源:环境变量与配置一致",
    severity=Severity.LOW,
    guide=("E7.1", "E7.3", "D1.2.1"),
    upstream=("gateway.env_token_overrides_config",),
    remediation=f"Keep one gateway token: remove {ENV} from ~/.openclaw/.env and the service environment, or set "
                f"gateway.auth.token to \"${{{ENV}}}\"; then rotate the token that was not in use.",
    remediation_zh=f"只保留一个网关令牌:从 ~/.openclaw/.env 与服务环境中删除 {ENV},或将 gateway.auth.token 设为 "
                   f"\"${{{ENV}}}\";随后轮换未被使用的那个令牌。",
    references=("https://docs.openclaw.ai/gateway/security",),
    cwe=("CWE-1188",),
)
def gateway_token_single_source(facts: Facts) -> Iterator[Outcome]:
    """With token auth, ``OPENCLAW_GATEWAY_TOKEN`` (environment or ``~/.openclaw/.env``) and a different
    ``gateway.auth.token`` make clients and the service pick different credentials: a rotation of one leaves the
    other (perhaps leaked) one working, and the operator cannot tell which is live. Passes for password, none,
    trusted-proxy and remote modes (native skips them too), when the config points at the env var, or when both
    hold the same value (AU003 then reports the duplicate). Values are compared by salted fingerprint only."""
    if auth_mode(facts) in ("password", "none", "trusted-proxy") or cfg(facts, "gateway.mode") == "remote":
        yield passed(f"gateway auth mode is {auth_mode(facts)!r}: no token source conflict possible", "gateway.auth")
        return
    dot = dotenv_secret(facts, ENV)
    in_env = ENV in facts.env_vars
    info = facts.config.secret("gateway.auth.token") if facts.config else None
    raw = cfg(facts, "gateway.auth.token")
    refers = (info is not None and info.env_var == ENV) or (isinstance(raw, dict) and raw.get("id") == ENV)
    if not (dot or in_env) or info is None or info.kind == "empty" or refers:
        yield passed("gateway token has a single source", "gateway.auth.token")
        return
    if dot and info.kind == "literal" and info.fingerprint and dot[0].fingerprint == info.fingerprint:
        yield passed(f"{ENV} in {dot[1].path} equals gateway.auth.token (one value, stored twice: see AU003)",
                     "gateway.auth.token")
        return
    src = f"{dot[1].path}" if dot else "the environment of this audit"
    yield warned(f"{ENV} is set in {src} while gateway.auth.token holds a different {info.kind} value: clients "
                 "and the gateway service can use different tokens", "gateway.auth.token",
                 dot[1] if dot else where(facts, "gateway.auth.token"))
