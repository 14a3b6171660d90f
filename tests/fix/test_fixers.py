"""Fixers are pure and answer every fix id from facts built like check fixtures (``facts.from_fixture``)."""

from __future__ import annotations

from typing import Any

from clawfence.audit.checks import all_checks
from clawfence.audit.engine import run_check
from clawfence.audit.facts import from_fixture
from clawfence.audit.fix.actions import Chmod, Manual, Safety, SetConfig, UnsetConfig, WriteSecretFile, to_dict
from clawfence.audit.fix.fixers import FIXERS, env_var_for, plan_fixes
from clawfence.core.model import Finding, Location, Severity, Status

INSECURE: dict[str, Any] = {
    "version": "2026.9.6",
    "config": {
        "gateway": {"bind": "lan", "customBindHost": "10.0.0.5", "auth": {"mode": "none"},
                    "controlUi": {"dangerouslyAllowHostHeaderOriginFallback": True, "allowInsecureAuth": True},
                    "tailscale": {"mode": "funnel"}},
        "channels": {"telegram": {"botToken": "7012345678:AAFAKEfixtureTokenDoNotUse0123456789", "dmPolicy": "open",
                                  "allowFrom": ["*", "12345"], "groupPolicy": "open",
                                  "accounts": {"work": {"groupPolicy": "open"}}}},
        "discovery": {"mdns": {"mode": "full"}},
        "tools": {"exec": {"security": "full"}, "elevated": {"enabled": True}, "deny": ["browser"]},
        "agents": {"defaults": {"sandbox": {"mode": "off"}}},
        "logging": {"redactSensitive": "off"},
        "env": {"OPENAI_API_KEY": "sk-proj-FAKEfixtureKEYdoNOTuse000000000000000000000000"},
    },
    "files": {"entries": [
        {"path": "/h/.openclaw", "role": "state_dir", "kind": "dir", "mode": "0755"},
        {"path": "/h/.openclaw/openclaw.json", "role": "config", "kind": "file", "mode": "0644"},
        {"path": "/h/.openclaw/credentials/x.json", "role": "credential_file", "kind": "file", "mode": "0600"},
        {"path": "/h/.openclaw/.env", "role": "dotenv", "kind": "file", "mode": "0640"},
    ]},
    "state_dir": "/h/.openclaw",
}


def finding(fix: str, key: str | None = None, path: str | None = None) -> Finding:
    return Finding(id="XX001", title="t", severity=Severity.HIGH, status=Status.FAIL, detail="d", subject=fix,
                   location=Location(path=path, key=key) if key or path else None, guide=("P2.1",),
                   remediation="r", fix=fix)


def plan(fix: str, **kw: Any) -> list[Any]:
    return list(FIXERS[fix][1](finding(fix, **kw), from_fixture(INSECURE)).actions)


def test_every_declared_fix_id_has_a_fixer() -> None:
    declared = {c.fix for c in all_checks() if c.fix}
    assert declared <= set(FIXERS), declared - set(FIXERS)


def test_safety_split() -> None:
    safe = {k for k, (s, _) in FIXERS.items() if s == Safety.SAFE}
    assert safe == {"fs-perms", "group-policy-allowlist", "control-ui-dangerous-off", "mdns-minimal",
                    "rate-limit-on", "logging-redact-on", "remove-retired-keys"}


def test_fs_perms_all_and_by_location() -> None:
    acts = plan("fs-perms")
    assert Chmod("/h/.openclaw", 0o700, 0o755) in acts and Chmod("/h/.openclaw/.env", 0o600, 0o640) in acts
    assert not any(a.path.endswith("x.json") for a in acts)  # already 0600
    assert plan("fs-perms", path="/h/.openclaw/openclaw.json") == [Chmod("/h/.openclaw/openclaw.json", 0o600, 0o644)]


def test_group_policy_every_account() -> None:
    acts = plan("group-policy-allowlist")
    assert {a.key for a in acts} == {"channels.telegram.groupPolicy", "channels.telegram.accounts.work.groupPolicy"}
    assert plan("group-policy-allowlist", key="channels.telegram.groupPolicy") == [
        SetConfig("channels.telegram.groupPolicy", "allowlist", "open")]


def test_only_keys_of_the_installed_version_are_written() -> None:
    # 2026.9.6 retired logging.redactSensitive and controlUi.allowInsecureAuth: removed, never set
    assert plan("logging-redact-on") == [UnsetConfig("logging.redactSensitive", "off")]
    ui = plan("control-ui-dangerous-off")
    assert SetConfig("gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback", False, True) in ui
    assert UnsetConfig("gateway.controlUi.allowInsecureAuth", True) in ui
    retired = plan("remove-retired-keys")
    removed = {a.key for a in retired if isinstance(a, UnsetConfig)}
    assert removed == {"logging.redactSensitive", "gateway.controlUi.allowInsecureAuth", "env.OPENAI_API_KEY"}
    # the retired literal env value is a secret: moved to .env before removal, never lost
    assert WriteSecretFile("/h/.openclaw/.env", "OPENAI_API_KEY", "config:env.OPENAI_API_KEY") in retired


def test_unsafe_fixers() -> None:
    assert plan("gateway-bind-loopback") == [SetConfig("gateway.bind", "loopback", "lan"),
                                             UnsetConfig("gateway.customBindHost", "10.0.0.5")]
    auth = plan("gateway-auth-token")
    assert SetConfig("gateway.auth.mode", "token", "none") in auth
    assert WriteSecretFile("/h/.openclaw/.env", "OPENCLAW_GATEWAY_TOKEN", "random:32") in auth
    dm = plan("dm-policy-pairing")
    assert SetConfig("channels.telegram.dmPolicy", "pairing", "open") in dm
    assert SetConfig("channels.telegram.allowFrom", ["12345"], ["*", "12345"]) in dm
    assert plan("sandbox-on") == [SetConfig("agents.defaults.sandbox.mode", "all", "off")]
    assert SetConfig("tools.deny", ["browser", "exec"], ["browser"]) in plan("deny-exec")
    assert plan("elevated-off") == [SetConfig("tools.elevated.enabled", False, True)]
    assert plan("tailscale-funnel-off") == [SetConfig("gateway.tailscale.mode", "off", "funnel")]
    assert {a.key for a in plan("workspace-only")} == {"tools.fs.workspaceOnly", "tools.exec.applyPatch.workspaceOnly"}
    assert plan("mdns-minimal") == [SetConfig("discovery.mdns.mode", "minimal", "full")]
    assert plan("rate-limit-on")[0].key == "gateway.auth.rateLimit"


def test_funnel_seen_live_adds_manual_step() -> None:
    doc = dict(INSECURE, probe={"exposures": [{"kind": "tailscale-funnel", "detail": "x", "source": "tailscale",
                                               "public": True, "gateway": True}]})
    acts = FIXERS["tailscale-funnel-off"][1](finding("tailscale-funnel-off"), from_fixture(doc)).actions
    assert any(isinstance(a, Manual) for a in acts)


def test_secrets_to_ref_never_carries_a_value() -> None:
    acts = plan("secrets-to-ref")
    writes = [a for a in acts if isinstance(a, WriteSecretFile)]
    assert {w.var for w in writes} == {"TELEGRAM_BOT_TOKEN", "OPENAI_API_KEY"}
    assert SetConfig("channels.telegram.botToken", "${TELEGRAM_BOT_TOKEN}") == next(
        SetConfig(a.key, a.value) for a in acts if isinstance(a, SetConfig))
    assert UnsetConfig("env.OPENAI_API_KEY", next(a.old for a in acts if isinstance(a, UnsetConfig))) in acts
    blob = repr([to_dict(a) for a in acts])
    assert "AAFAKEfixture" not in blob and "FAKEfixtureKEY" not in blob


def test_env_var_names() -> None:
    assert env_var_for("gateway.auth.token") == "OPENCLAW_GATEWAY_TOKEN"
    assert env_var_for("models.providers.anthropic.apiKey") == "ANTHROPIC_API_KEY"
    assert env_var_for("env.vars.FOO") == "FOO"
    assert env_var_for("plugins.entries.x.config.apiToken") == "OPENCLAW_PLUGINS_ENTRIES_X_CONFIG_API_TOKEN"


def test_plan_fixes_from_real_findings() -> None:
    facts = from_fixture(INSECURE)
    findings = [f for c in all_checks() if c.id in ("GW001", "GW002", "FS001", "CF001") for f in run_check(c, facts)]
    plans = plan_fixes(findings, facts)
    ids = [p.fix_id for p in plans]
    assert ids[0] == "fs-perms" and {"gateway-bind-loopback", "gateway-auth-token"} <= set(ids)
    assert [p.safety for p in plans] == sorted((p.safety for p in plans), key=lambda s: s != Safety.SAFE)


def test_passing_facts_need_no_fix() -> None:
    facts = from_fixture({"version": "2026.9.6", "config": {"gateway": {"bind": "loopback", "auth": {
        "mode": "token", "token": "${OPENCLAW_GATEWAY_TOKEN}"}}}, "files": {"entries": [
            {"path": "/h", "role": "state_dir", "kind": "dir", "mode": "0700"}]}})
    findings = [f for c in all_checks() if c.id in ("GW001", "GW002", "FS001") for f in run_check(c, facts)]
    assert plan_fixes(findings, facts) == []
