"""The check registry: every module of checks, listed explicitly (nothing registers itself)."""

from __future__ import annotations

from functools import lru_cache

from clawfence.audit.checks import (
    channels,
    channels_native,
    config_schema,
    control_ui,
    fleet_cells,
    fs,
    gateway,
    gateway_roles,
    hooks,
    host,
    integrity,
    models,
    monitoring,
    native_audit,
    policy_native,
    probes,
    runtime,
    sandbox,
    secrets,
    secrets_audit,
    secrets_native,
    skills,
    tools,
    tools_reach,
    trusted_proxy,
    updates,
)
from clawfence.audit.registry import Check, collect
from clawfence.core.guide import load as load_guide

MODULES = (gateway, hooks, control_ui, secrets, channels, sandbox, tools, tools_reach, fs, host, config_schema,
           monitoring, updates, models, skills, integrity, probes, runtime, trusted_proxy,
           native_audit, channels_native, secrets_native, policy_native,
           gateway_roles, fleet_cells, secrets_audit)


@lru_cache(maxsize=1)
def all_checks() -> tuple[Check, ...]:
    """Every check, sorted by id; validated against the guide catalogue."""
    return collect(*MODULES, guide_ids=load_guide().ids)


def by_id(check_id: str) -> Check | None:
    """The check with ``check_id`` (case-insensitive), or None."""
    cid = check_id.upper()
    return next((c for c in all_checks() if c.id == cid), None)
