"""Fixers: ``fix id -> (Safety, fn(finding, facts) -> Plan)``. Pure: they read facts and return actions.

A fixer works from the fix id, the facts and ``finding.location`` (key or path), so any check declaring
the id gets it. With no location it fixes every instance it finds in the facts. Keys the installed
OpenClaw version does not know are never written (:func:`clawfence.audit.facts.schema.has_key`): such
changes become notes, or an unset when the key itself is retired. Sources: OpenClaw ``src/security/fix.ts``
(native ``--fix``: groupPolicy open -> allowlist, chmod 700/600), guide D2.4.3 and the items each fix id
serves (P2.1 bind, C1.3 / D1.2.1 auth, D1.2.2 dmPolicy, D3.x sandbox/exec, E7 secrets, D1.3.2 tunnels).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from clawfence.audit.facts import Facts
from clawfence.audit.facts.schema import has_key as schema_has
from clawfence.audit.fix.actions import Action, Chmod, Manual, Plan, Safety, SetConfig, UnsetConfig, WriteSecretFile
from clawfence.core.model import Finding

Fixer = Callable[[Finding, Facts], Plan]
PRIVATE_ROLES = frozenset({"state_dir", "config", "include", "dotenv", "secrets_json", "exec_approvals",
                           "credentials_dir", "credential_file", "identity_file", "sqlite", "auth_profiles",
                           "sessions_store", "transcript", "agent_dir", "state_subdir", "log_file"})
RATE_LIMIT = {"maxAttempts": 10, "windowMs": 60000, "lockoutMs": 300000}
TOKEN_VAR = "OPENCLAW_GATEWAY_TOKEN"
KNOWN_VARS = {"gateway.auth.token": TOKEN_VAR, "gateway.auth.password": "OPENCLAW_GATEWAY_PASSWORD",
              "channels.telegram.botToken": "TELEGRAM_BOT_TOKEN", "channels.discord.token": "DISCORD_BOT_TOKEN",
              "channels.slack.botToken": "SLACK_BOT_TOKEN", "channels.slack.appToken": "SLACK_APP_TOKEN"}


def _cfg(facts: Facts, key: str, default: Any = None) -> Any:
    return facts.config.get(key, default) if facts.config else default


def _version(facts: Facts) -> str | None:
    return facts.version.version


def _set(facts: Facts, key: str, value: Any, notes: list[str]) -> Iterator[Action]:
    """SetConfig when ``key`` exists in the installed schema (unknown schema: allowed, validated later)."""
    if schema_has(key, _version(facts)) is False:
        notes.append(f"{key} does not exist in OpenClaw {_version(facts)}: not written")
        return
    old = _cfg(facts, key)
    if old != value:
        yield SetConfig(key, value, old)


def dedupe(actions: Iterable[Action]) -> tuple[Action, ...]:
    """Actions without repeats, order kept (values may be lists/dicts, so compare by repr)."""
    seen: dict[str, Action] = {}
    for a in actions:
        seen.setdefault(repr(a), a)
    return tuple(seen.values())


def _plan(fix_id: str, safety: Safety, finding: Finding, actions: Iterable[Action], notes: list[str]) -> Plan:
    acts = dedupe(actions)
    return Plan(fix_id, safety, (finding.id,), acts, tuple(notes))


def _walk_keys(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            yield key, v
            yield from _walk_keys(v, key)


def _keys_named(facts: Facts, name: str, under: str) -> list[tuple[str, Any]]:
    """Every ``(dotted key, value)`` whose last part is ``name`` below top-level ``under``."""
    root = _cfg(facts, under, {})
    return [(f"{under}.{k}", v) for k, v in _walk_keys(root) if k.split(".")[-1] == name]


def _target_key(finding: Finding) -> str | None:
    return finding.location.key if finding.location and finding.location.key else None


# ---------------------------------------------------------------------------------------------------- safe
def fix_fs_perms(finding: Finding, facts: Facts) -> Plan:
    """chmod 700 directories and 600 files that hold OpenClaw state or secrets (native ``fix.ts`` set, plus
    .env, secrets.json, identity, logs). With a location path, only that path."""
    acts: list[Action] = []
    want = finding.location.path if finding.location else None
    for e in facts.files.entries if facts.files else []:
        if e.role not in PRIVATE_ROLES or e.kind not in ("file", "dir") or (want and e.path != want):
            continue
        mode = 0o700 if e.kind == "dir" else 0o600
        if e.mode & 0o077:
            acts.append(Chmod(e.path, mode, e.mode))
    return _plan("fs-perms", Safety.SAFE, finding, acts, [])


def fix_group_policy(finding: Finding, facts: Facts) -> Plan:
    """Every ``channels.*.groupPolicy`` (and account override, ``channels.defaults``) ``open`` -> ``allowlist``
    (what the native ``--fix`` does)."""
    notes: list[str] = []
    keys = [(k, v) for k, v in _keys_named(facts, "groupPolicy", "channels") if v == "open"]
    tk = _target_key(finding)
    if tk and tk.endswith("groupPolicy"):
        keys = [(k, v) for k, v in keys if k == tk] or keys
    acts = [a for k, _ in keys for a in _set(facts, k, "allowlist", notes)]
    return _plan("group-policy-allowlist", Safety.SAFE, finding, acts, notes)


DANGEROUS_UI = ("gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback",
                "gateway.controlUi.dangerouslyDisableDeviceAuth", "gateway.controlUi.allowInsecureAuth")


def fix_control_ui_dangerous(finding: Finding, facts: Facts) -> Plan:
    """Turn off Control UI downgrade flags; remove the ones the installed version retired."""
    notes: list[str] = []
    acts: list[Action] = []
    for key in DANGEROUS_UI:
        v = _cfg(facts, key)
        if v in (None, False):
            continue
        if schema_has(key, _version(facts)) is False:
            acts.append(UnsetConfig(key, v))
        else:
            acts += _set(facts, key, False, notes)
    return _plan("control-ui-dangerous-off", Safety.SAFE, finding, acts, notes)


def fix_mdns_minimal(finding: Finding, facts: Facts) -> Plan:
    """``discovery.mdns.mode: full`` leaks cliPath/sshPort in TXT records -> ``minimal``."""
    notes: list[str] = []
    acts = list(_set(facts, "discovery.mdns.mode", "minimal", notes)) if _cfg(facts, "discovery.mdns.mode") == "full" \
        else []
    return _plan("mdns-minimal", Safety.SAFE, finding, acts, notes)


def fix_rate_limit(finding: Finding, facts: Facts) -> Plan:
    """Add ``gateway.auth.rateLimit`` (10 attempts / 60 s, 5 min lockout; OpenClaw's documented values)."""
    notes: list[str] = []
    acts = [] if isinstance(_cfg(facts, "gateway.auth.rateLimit"), dict) else \
        list(_set(facts, "gateway.auth.rateLimit", RATE_LIMIT, notes))
    return _plan("rate-limit-on", Safety.SAFE, finding, acts, notes)


def fix_logging_redact(finding: Finding, facts: Facts) -> Plan:
    """``logging.redactSensitive: off`` -> ``tools``; removed where the version retired the key (redaction is
    then always on)."""
    notes: list[str] = []
    acts: list[Action] = []
    if _cfg(facts, "logging.redactSensitive") == "off":
        if schema_has("logging.redactSensitive", _version(facts)) is False:
            acts.append(UnsetConfig("logging.redactSensitive", "off"))
        else:
            acts += _set(facts, "logging.redactSensitive", "tools", notes)
    return _plan("logging-redact-on", Safety.SAFE, finding, acts, notes)


def fix_retired_keys(finding: Finding, facts: Facts) -> Plan:
    """Remove keys the installed version rejects (retired or unknown): OpenClaw refuses to start with them.
    A retired key holding a plaintext secret (e.g. a literal ``env.NAME``) is moved to ``<state>/.env`` first,
    so nothing is lost."""
    issues = facts.config.issues if facts.config else []
    acts: list[Action] = []
    for i in issues:
        if i.kind not in ("retired-key", "unknown-key"):
            continue
        info = facts.config.secret(i.path) if facts.config else None
        if info is not None and info.kind == "literal":
            acts.append(WriteSecretFile(_env_path(facts), env_var_for(i.path), f"config:{i.path}"))
        acts.append(UnsetConfig(i.path, _cfg(facts, i.path)))
    return _plan("remove-retired-keys", Safety.SAFE, finding, acts, [])


# -------------------------------------------------------------------------------------------------- unsafe
def fix_bind_loopback(finding: Finding, facts: Facts) -> Plan:
    """``gateway.bind`` -> ``loopback`` (drops ``customBindHost``). Breaks remote clients: reach it via VPN/SSH."""
    notes: list[str] = []
    acts = list(_set(facts, "gateway.bind", "loopback", notes))
    if _cfg(facts, "gateway.customBindHost") is not None:
        acts.append(UnsetConfig("gateway.customBindHost", _cfg(facts, "gateway.customBindHost")))
    return _plan("gateway-bind-loopback", Safety.UNSAFE, finding, acts, notes)


def _env_path(facts: Facts) -> str:
    return str(Path(facts.state_dir) / ".env")


def _secret_to_env(facts: Facts, key: str, var: str, notes: list[str]) -> list[Action]:
    """A fresh 256-bit secret in ``<state>/.env`` and ``key: ${var}`` in the config."""
    return [WriteSecretFile(_env_path(facts), var, "random:32"), *_set(facts, key, "${" + var + "}", notes)]


def fix_auth_token(finding: Finding, facts: Facts) -> Plan:
    """Auth on: ``gateway.auth.mode`` ``none`` (or a mode without its credential) -> ``token`` with a fresh
    random token. A working token/password setup is left alone. Clients need the new token."""
    notes: list[str] = []
    mode = _cfg(facts, "gateway.auth.mode")
    secret = {m: facts.config.secret(f"gateway.auth.{m}") if facts.config else None for m in ("token", "password")}
    has = {m: (s is not None and s.kind != "empty") or f"OPENCLAW_GATEWAY_{m.upper()}" in facts.env_vars
           for m, s in secret.items()}
    effective = mode if isinstance(mode, str) else ("password" if has["password"] else "token")
    if effective in ("token", "password") and has[effective]:
        return _plan("gateway-auth-token", Safety.UNSAFE, finding, [], notes)
    acts: list[Action] = list(_set(facts, "gateway.auth.mode", "token", notes))
    if not has["token"]:
        acts += _secret_to_env(facts, "gateway.auth.token", TOKEN_VAR, notes)
    return _plan("gateway-auth-token", Safety.UNSAFE, finding, acts, notes)


def fix_rotate_token(finding: Finding, facts: Facts) -> Plan:
    """Replace a weak, short or reused gateway token (or password, when the finding points at it) with a
    fresh 256-bit random one; clients must be given the new value."""
    notes: list[str] = []
    key = _target_key(finding)
    if key != "gateway.auth.password":
        key = "gateway.auth.password" if _cfg(facts, "gateway.auth.mode") == "password" else "gateway.auth.token"
    var = TOKEN_VAR if key.endswith("token") else "OPENCLAW_GATEWAY_PASSWORD"
    return _plan("rotate-token", Safety.UNSAFE, finding, _secret_to_env(facts, key, var, notes), notes)


def fix_dm_pairing(finding: Finding, facts: Facts) -> Plan:
    """Every ``dmPolicy: open`` -> ``pairing`` and ``"*"`` dropped from that channel's ``allowFrom``."""
    notes: list[str] = []
    acts: list[Action] = []
    for key, v in _keys_named(facts, "dmPolicy", "channels"):
        if v != "open":
            continue
        acts += _set(facts, key, "pairing", notes)
        af_key = key.rsplit(".", 1)[0] + ".allowFrom"
        af = _cfg(facts, af_key)
        if isinstance(af, list) and "*" in af:
            rest = [x for x in af if x != "*"]
            acts.append(SetConfig(af_key, rest, af) if rest else UnsetConfig(af_key, af))
    return _plan("dm-policy-pairing", Safety.UNSAFE, finding, acts, notes)


def fix_sandbox_on(finding: Finding, facts: Facts) -> Plan:
    """``agents.defaults.sandbox.mode`` -> ``all`` (needs Docker; tools run in containers)."""
    notes: list[str] = []
    return _plan("sandbox-on", Safety.UNSAFE, finding, list(_set(facts, "agents.defaults.sandbox.mode", "all", notes)),
                 notes)


def fix_deny_exec(finding: Finding, facts: Facts) -> Plan:
    """``tools.exec.security`` -> ``deny`` and ``exec`` added to ``tools.deny`` (deny wins over allow)."""
    notes: list[str] = []
    acts: list[Action] = list(_set(facts, "tools.exec.security", "deny", notes))
    deny = _cfg(facts, "tools.deny", [])
    if isinstance(deny, list) and "exec" not in deny:
        acts += _set(facts, "tools.deny", [*deny, "exec"], notes)
    return _plan("deny-exec", Safety.UNSAFE, finding, acts, notes)


def fix_elevated_off(finding: Finding, facts: Facts) -> Plan:
    """``tools.elevated.enabled`` -> ``false`` (no host exec escape from the sandbox)."""
    notes: list[str] = []
    return _plan("elevated-off", Safety.UNSAFE, finding, list(_set(facts, "tools.elevated.enabled", False, notes)),
                 notes)


def env_var_for(key: str) -> str:
    """Env var name for a config secret: well-known names, ``env.NAME`` -> NAME, else ``OPENCLAW_<KEY>``."""
    if key in KNOWN_VARS:
        return KNOWN_VARS[key]
    parts = key.split(".")
    if parts[0] == "env" and len(parts) == 2:
        return parts[1]
    if parts[0] == "env" and len(parts) == 3 and parts[1] == "vars":
        return parts[2]
    if parts[:2] == ["models", "providers"] and len(parts) == 4 and parts[3] == "apiKey":
        return f"{parts[2].upper().replace('-', '_')}_API_KEY"
    return "OPENCLAW_" + re.sub(r"[^A-Z0-9]+", "_", re.sub(r"([a-z])([A-Z])", r"\1_\2", key).upper()).strip("_")


def fix_secrets_to_ref(finding: Finding, facts: Facts) -> Plan:
    """Move plaintext config secrets to ``${VAR}`` references; values go to ``<state>/.env`` (0600), never shown.

    Entries of the top-level ``env`` block are moved out and removed (they are env vars already)."""
    notes: list[str] = []
    acts: list[Action] = []
    secrets = facts.config.secrets if facts.config else {}
    tk = _target_key(finding)
    for key, info in sorted(secrets.items()):
        if info.kind != "literal" or (tk and tk in secrets and key != tk):
            continue
        var = env_var_for(key)
        acts.append(WriteSecretFile(_env_path(facts), var, f"config:{key}"))
        if key.split(".")[0] == "env":
            acts.append(UnsetConfig(key, info.redacted))
        else:
            before = len(notes)
            acts += _set(facts, key, "${" + var + "}", notes)
            if len(notes) > before:
                acts.pop()  # no ref possible: do not move the value out
    return _plan("secrets-to-ref", Safety.UNSAFE, finding, acts, notes)


def fix_funnel_off(finding: Finding, facts: Facts) -> Plan:
    """``gateway.tailscale.mode: funnel`` -> ``off``; a funnel seen live (``--deep``) gets a manual step."""
    notes: list[str] = []
    acts: list[Action] = []
    if _cfg(facts, "gateway.tailscale.mode") == "funnel":
        acts += _set(facts, "gateway.tailscale.mode", "off", notes)
    if facts.probe and any(e.kind == "tailscale-funnel" for e in facts.probe.exposures):
        acts.append(Manual("tailscale funnel reset   # stops the public funnel found by audit --deep"))
    return _plan("tailscale-funnel-off", Safety.UNSAFE, finding, acts, notes)


def fix_workspace_only(finding: Finding, facts: Facts) -> Plan:
    """Filesystem tools and apply_patch restricted to the workspace."""
    notes: list[str] = []
    acts = [*_set(facts, "tools.fs.workspaceOnly", True, notes),
            *_set(facts, "tools.exec.applyPatch.workspaceOnly", True, notes)]
    return _plan("workspace-only", Safety.UNSAFE, finding, acts, notes)


FIXERS: dict[str, tuple[Safety, Fixer]] = {
    "fs-perms": (Safety.SAFE, fix_fs_perms),
    "group-policy-allowlist": (Safety.SAFE, fix_group_policy),
    "control-ui-dangerous-off": (Safety.SAFE, fix_control_ui_dangerous),
    "mdns-minimal": (Safety.SAFE, fix_mdns_minimal),
    "rate-limit-on": (Safety.SAFE, fix_rate_limit),
    "logging-redact-on": (Safety.SAFE, fix_logging_redact),
    "remove-retired-keys": (Safety.SAFE, fix_retired_keys),
    "gateway-bind-loopback": (Safety.UNSAFE, fix_bind_loopback),
    "gateway-auth-token": (Safety.UNSAFE, fix_auth_token),
    "rotate-token": (Safety.UNSAFE, fix_rotate_token),
    "dm-policy-pairing": (Safety.UNSAFE, fix_dm_pairing),
    "sandbox-on": (Safety.UNSAFE, fix_sandbox_on),
    "deny-exec": (Safety.UNSAFE, fix_deny_exec),
    "elevated-off": (Safety.UNSAFE, fix_elevated_off),
    "secrets-to-ref": (Safety.UNSAFE, fix_secrets_to_ref),
    "tailscale-funnel-off": (Safety.UNSAFE, fix_funnel_off),
    "workspace-only": (Safety.UNSAFE, fix_workspace_only),
}


def plan_fixes(findings: list[Finding], facts: Facts) -> list[Plan]:
    """One merged :class:`Plan` per fix id for every unsuppressed FAIL/WARN finding that names a known fix.
    Pure. Actions are deduplicated; plans come SAFE first, then by fix id."""
    by_fix: dict[str, Plan] = {}
    for f in findings:
        if not f.fix or f.fix not in FIXERS or f.suppressed or f.status.value not in ("fail", "warn"):
            continue
        plan = FIXERS[f.fix][1](f, facts)
        prev = by_fix.get(f.fix)
        if prev is None:
            by_fix[f.fix] = plan
        else:
            by_fix[f.fix] = Plan(f.fix, plan.safety, tuple(dict.fromkeys(prev.findings + plan.findings)),
                                 dedupe(prev.actions + plan.actions),
                                 tuple(dict.fromkeys(prev.notes + plan.notes)))
    return sorted((p for p in by_fix.values() if p.actions or p.notes),
                  key=lambda p: (p.safety != Safety.SAFE, p.fix_id))
