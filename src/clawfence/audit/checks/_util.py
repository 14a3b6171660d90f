"""Small pure helpers shared by check modules (no I/O)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clawfence.audit.checks.tool_policy import (
    CONTROL_PLANE_TOOLS as CONTROL_PLANE_TOOLS,
)
from clawfence.audit.checks.tool_policy import (  # re-exported for check modules
    CORE_TOOLS as CORE_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    FS_TOOLS as FS_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    FS_WRITE_TOOLS as FS_WRITE_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    HIGH_RISK_TOOLS as HIGH_RISK_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    PROFILE_TOOLS as PROFILE_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    RUNTIME_TOOLS as RUNTIME_TOOLS,
)
from clawfence.audit.checks.tool_policy import (
    TOOL_ALIASES as TOOL_ALIASES,
)
from clawfence.audit.checks.tool_policy import (
    TOOL_GROUPS as TOOL_GROUPS,
)
from clawfence.audit.checks.tool_policy import (
    TOOL_PROFILES as TOOL_PROFILES,
)
from clawfence.audit.checks.tool_policy import (
    AgentContext as AgentContext,
)
from clawfence.audit.checks.tool_policy import (
    ToolPolicy as ToolPolicy,
)
from clawfence.audit.checks.tool_policy import (
    agent_contexts as agent_contexts,
)
from clawfence.audit.checks.tool_policy import (
    agent_entries as agent_entries,
)
from clawfence.audit.checks.tool_policy import (
    all_tool_scopes as all_tool_scopes,
)
from clawfence.audit.checks.tool_policy import (
    effective_tools as effective_tools,
)
from clawfence.audit.checks.tool_policy import (
    expand_tools as expand_tools,
)
from clawfence.audit.checks.tool_policy import (
    tool_policy as tool_policy,
)
from clawfence.audit.facts import Facts
from clawfence.audit.facts.config import SecretInfo
from clawfence.core.model import Location, Outcome, Severity, warned

LOOPBACK_BINDS = frozenset({"loopback", "127.0.0.1", "localhost", "::1"})


def cfg(facts: Facts, dotted: str, default: Any = None) -> Any:
    """Config value (facts.config must be present)."""
    assert facts.config is not None
    return facts.config.get(dotted, default)


GATEWAY_ENV_SECRETS = ("OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD")


def dotenv_secret(facts: Facts, name: str) -> tuple[SecretInfo, Location] | None:
    """The summary and location of ``name`` in the state dir's ``.env``, if set there."""
    for s in facts.files.stored_secrets if facts.files else []:
        if s.key == name and s.path.endswith(".env"):
            return s.info, Location(path=s.path, key=name, line=s.line)
    return None


def latent(facts: Facts, key: str, detail: str, unless: str) -> Outcome:
    """A LOW warning at config key ``key`` for a weakening that another setting currently neutralises.

    ``detail``: what the key does (e.g. "tools.exec.security is 'full'"); ``unless``: the setting that holds it
    back now, as "if <X> is re-enabled" text. Never high/critical: the configuration is safe as it stands, but the
    weakening must not go unnoticed (it takes effect the day the other setting changes)."""
    return warned(f"{detail}; latent: takes effect if {unless}", key, where(facts, key), severity=Severity.LOW)


def where(facts: Facts, key: str) -> Location:
    """Location of config key ``key`` (path, dotted key, line)."""
    assert facts.config is not None
    return facts.config.where(key)


def bind(facts: Facts) -> str:
    """Effective ``gateway.bind`` (default ``loopback``)."""
    return str(cfg(facts, "gateway.bind", "loopback"))


def gateway_exposed(facts: Facts) -> bool:
    """True when the gateway is reachable beyond loopback: bind not loopback, or Tailscale serve/funnel."""
    ts = cfg(facts, "gateway.tailscale.mode", "off")
    return bind(facts) not in LOOPBACK_BINDS or ts in ("serve", "funnel")


def auth_mode(facts: Facts) -> str:
    """Effective ``gateway.auth.mode``: explicit, else ``password`` if a password is set, else ``token``.

    Source: OpenClaw ``src/gateway/auth.ts`` ``resolveGatewayAuth``.
    """
    mode = cfg(facts, "gateway.auth.mode")
    if isinstance(mode, str):
        return mode
    return "password" if cfg(facts, "gateway.auth.password") else "token"


# --- inbound channel scopes (tool policy lives in checks/tool_policy.py) ----------------------------------
# Source: OpenClaw src/security/audit-extra.sync.ts (listOpenInboundPolicies, collectRiskyToolExposureContexts).


@dataclass(frozen=True, slots=True)
class ChannelScope:
    """One inbound scope: a channel (``account`` None) or one of its accounts, with effective policies.

    ``path``: dotted config path of the section; ``dm_policy``/``group_policy``: effective values after
    account -> channel -> ``channels.defaults`` -> OpenClaw default (``pairing`` / ``allowlist``);
    ``dm_policy_key``/``group_policy_key``: the dotted key that set the value (None = default).
    """

    channel: str
    account: str | None
    path: str
    section: dict[str, Any]
    dm_policy: str
    dm_policy_key: str | None
    group_policy: str
    group_policy_key: str | None
    enabled: bool


def _dm_policy(section: dict[str, Any], path: str) -> tuple[str | None, str | None]:
    if isinstance(section.get("dmPolicy"), str):
        return section["dmPolicy"], f"{path}.dmPolicy"
    dm = section.get("dm")
    if isinstance(dm, dict) and isinstance(dm.get("policy"), str):
        return dm["policy"], f"{path}.dm.policy"
    return None, None


def channel_scopes(facts: Facts) -> Iterator[ChannelScope]:
    """Every channel under ``channels`` (except ``defaults``) and every ``accounts.<id>`` in it (pure).

    Source: OpenClaw docs/gateway/config-channels.md "DM and group access"; legacy ``dm.policy``.
    """
    channels = cfg(facts, "channels", {})
    if not isinstance(channels, dict):
        return
    dflt_gp = channels.get("defaults", {}).get("groupPolicy") if isinstance(channels.get("defaults"), dict) else None
    for ch, sec in channels.items():
        if ch == "defaults" or not isinstance(sec, dict):
            continue
        base = f"channels.{ch}"
        dm, dm_key = _dm_policy(sec, base)
        gp, gp_key = (sec["groupPolicy"], f"{base}.groupPolicy") if isinstance(sec.get("groupPolicy"), str) else (
            (dflt_gp, "channels.defaults.groupPolicy") if isinstance(dflt_gp, str) else (None, None))
        ch_enabled = sec.get("enabled") is not False
        yield ChannelScope(ch, None, base, sec, dm or "pairing", dm_key, gp or "allowlist", gp_key, ch_enabled)
        accounts = sec.get("accounts")
        if not isinstance(accounts, dict):
            continue
        for acc, asec in accounts.items():
            if not isinstance(asec, dict):
                continue
            apath = f"{base}.accounts.{acc}"
            adm, adm_key = _dm_policy(asec, apath)
            agp, agp_key = (asec["groupPolicy"], f"{apath}.groupPolicy") if isinstance(
                asec.get("groupPolicy"), str) else (gp, gp_key)
            yield ChannelScope(ch, str(acc), apath, asec, adm or dm or "pairing", adm_key or dm_key,
                               agp or "allowlist", agp_key, ch_enabled and asec.get("enabled") is not False)


def open_inbound(facts: Facts) -> list[str]:
    """Dotted keys where a DM or group policy is ``open`` (enabled scopes only; de-duplicated, in order)."""
    out: list[str] = []
    for s in channel_scopes(facts):
        if not s.enabled:
            continue
        if s.dm_policy == "open" and s.dm_policy_key and s.dm_policy_key not in out:
            out.append(s.dm_policy_key)
        if s.group_policy == "open" and s.group_policy_key and s.group_policy_key not in out:
            out.append(s.group_policy_key)
    return out
# --- version-aware keys (checks-b) ------------------------------------------------------------

def config_version(facts: Facts) -> str | None:
    """The OpenClaw version the config is judged against (installed version, else the schema used)."""
    return facts.version.version or (facts.config.schema_version if facts.config else None)


def key_in_version(facts: Facts, dotted: str) -> bool:
    """True when ``dotted`` is a config key of the installed OpenClaw version: not retired in it
    (``data/key-history.yaml``) and, when a packaged schema applies, present in that schema.
    Unknown version: judged by the retired-key history only (assume the key exists)."""
    from clawfence.audit.facts.schema import has_key, retired_in
    version = config_version(facts)
    if version is not None and retired_in(dotted, version):
        return False
    used = facts.config.schema_version if facts.config else None
    return used is None or has_key(dotted, used) is not False
