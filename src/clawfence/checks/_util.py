"""Small pure helpers shared by check modules (no I/O)."""

from __future__ import annotations

from typing import Any

from clawfence.facts import Facts

LOOPBACK_BINDS = frozenset({"loopback", "127.0.0.1", "localhost", "::1"})


def cfg(facts: Facts, dotted: str, default: Any = None) -> Any:
    """Config value (facts.config must be present)."""
    assert facts.config is not None
    return facts.config.get(dotted, default)


def gateway_exposed(facts: Facts) -> bool:
    """True when the gateway is reachable beyond loopback: bind not loopback, or Tailscale serve/funnel."""
    bind = cfg(facts, "gateway.bind", "loopback")
    ts = cfg(facts, "gateway.tailscale.mode", "off")
    return bind not in LOOPBACK_BINDS or ts in ("serve", "funnel")


def auth_mode(facts: Facts) -> str:
    """Effective ``gateway.auth.mode``: explicit, else ``password`` if a password is set, else ``token``.

    Source: OpenClaw ``src/gateway/auth.ts`` ``resolveGatewayAuth``.
    """
    mode = cfg(facts, "gateway.auth.mode")
    if isinstance(mode, str):
        return mode
    return "password" if cfg(facts, "gateway.auth.password") else "token"
