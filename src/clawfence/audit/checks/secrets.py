"""Checks AU: credentials at rest: plaintext secrets in openclaw.json, ``.env``, auth profiles; reuse.

Sources: guide E7.1 ("no sensitive credentials in plaintext in code or configuration files"), E7.3 (rotate),
C1.5 (API key leaks); OpenClaw ``docs/gateway/configuration-reference.md`` "Secrets" (SecretRef, ``${VAR}``),
``docs/reference/secretref-user-supplied-credentials-matrix.json``, ``docs/gateway/security/index.md``
"Credential storage map". Values never reach a check: only :class:`~clawfence.audit.facts.config.SecretInfo`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.facts.config import SecretInfo, is_secret_key
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned

#: ``.env`` names that hold credentials (other lines, e.g. ``OPENCLAW_LOG_LEVEL``, are settings).
SECRET_ENV_NAME_RE = re.compile(r"(?i)(TOKEN|SECRET|PASSW|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|COOKIE|_KEY$)")


def _evidence(info: SecretInfo) -> str:
    return f"{info.redacted} ({info.format or 'unrecognised format'})"


@check(
    id="AU001",
    title="openclaw.json holds no plaintext credentials",
    title_zh="openclaw.json 中不含明文凭据",
    severity=Severity.HIGH,
    guide=("E7.1", "C1.5"),
    remediation='Replace each literal with a SecretRef ({ source: "env", provider: "default", id: "NAME" }) or '
                '"${NAME}" and supply the value from a secret store or the service environment; rotate keys that '
                "were on disk.",
    remediation_zh='将每个明文值替换为 SecretRef({ source: "env", provider: "default", id: "NAME" })或 "${NAME}",'
                   "由凭证管理系统或服务环境按需注入;曾落盘的密钥应予轮换。",
    fix="secrets-to-ref",
    upstream=("config.secrets.gateway_password_in_config", "config.secrets.hooks_token_in_config"),
    cwe=("CWE-312", "CWE-798"),
)
def config_has_no_plaintext_secrets(facts: Facts) -> Iterator[Outcome]:
    """Every credential path (``models.providers.*.apiKey``, channel ``botToken``/``token``/``appToken``/
    ``signingSecret``, ``gateway.auth.*``, ``hooks.token``, ``skills.entries.*.apiKey``, ``env.vars.*`` and
    legacy ``env.<VAR>``, ``tools.web.search.apiKey``, ``plugins.entries.*``...) and any value in a provider
    key format anywhere. A SecretRef or ``${VAR}`` is not plaintext. The guide wants on-demand injection from
    a credential manager, never literals in config (E7.1); OpenClaw's own audit only flags two of these paths."""
    assert facts.config is not None
    bad = good = 0
    for path, info in sorted(facts.config.secrets.items()):
        loc = facts.config.where(path)
        if info.kind == "literal":
            bad += 1
            where = "" if is_secret_key(path) else " (a provider key in a non-credential field)"
            legacy = " (legacy top-level env block)" if path.startswith("env.") and not path.startswith(
                ("env.vars.", "env.shellEnv.")) else ""
            yield failed(f"{path} holds a plaintext {info.format or 'secret'} ({info.redacted}){where}{legacy}",
                         path, loc, severity=None if info.format else Severity.MEDIUM, evidence=_evidence(info))
        elif info.kind in ("env", "secretref", "template"):
            good += 1
            yield passed(f"{path} is a reference: {info.redacted}", path, loc)
    if not bad and not good:
        yield passed("no credential values in openclaw.json", "config", Location(path=facts.config.path))


@check(
    id="AU002",
    title="No plaintext keys in ~/.openclaw/.env or auth-profiles.json",
    title_zh="~/.openclaw/.env 与 auth-profiles.json 中无明文密钥",
    severity=Severity.MEDIUM,
    guide=("E7.1", "C1.5"),
    requires=("config", "files"),
    remediation="Move keys from ~/.openclaw/.env into a secret manager or the service's environment; in "
                "auth-profiles.json use keyRef/tokenRef instead of key/token; keep both files mode 0600.",
    remediation_zh="将 ~/.openclaw/.env 中的密钥迁移到凭证管理系统或服务运行环境;auth-profiles.json 中使用 "
                   "keyRef/tokenRef 代替 key/token;两个文件权限保持 0600。",
    fix="secrets-to-ref",
    cwe=("CWE-312", "CWE-256"),
)
def stores_have_no_plaintext_keys(facts: Facts) -> Iterator[Outcome]:
    """``~/.openclaw/.env`` is OpenClaw's documented place for provider keys and ``auth-profiles.json`` its model
    credential store, but both keep keys in clear on disk, readable by any process of that user (and by a
    malicious skill: ClawHavoc-style stealers read exactly these files). ``.env`` warns (documented location);
    a static ``key``/``token`` in an auth profile fails (``keyRef``/``tokenRef`` exist); OAuth tokens warn low."""
    assert facts.files is not None
    found = False
    for s in facts.files.stored_secrets:
        info = s.info
        loc = Location(path=s.path, key=s.key, line=s.line)
        subject = f"{s.path}:{s.key}"
        if info.kind != "literal":
            yield passed(f"{s.key} in {s.path} is a reference ({info.kind})", subject, loc)
            continue
        if s.path.endswith(".env"):
            if not (SECRET_ENV_NAME_RE.search(s.key) or info.format):
                continue
            found = True
            yield warned(f"{s.key} in {s.path} is a plaintext {info.format or 'secret'} ({info.redacted})", subject,
                         loc, evidence=_evidence(info))
        elif s.key.endswith((".access", ".refresh")):
            found = True
            yield warned(f"{s.key} in {s.path} is an OAuth token stored by OpenClaw ({info.redacted})", subject, loc,
                         severity=Severity.LOW, evidence=_evidence(info))
        else:
            found = True
            yield failed(f"{s.key} in {s.path} is a plaintext {info.format or 'secret'} ({info.redacted})", subject,
                         loc, evidence=_evidence(info))
    if facts.config is not None and facts.config.get("env.shellEnv.enabled") is True:
        # Source: src/infra/shell-env.ts loadShellEnvFallback (runs `$SHELL -l -c env` at start-up and copies the
        # expected provider keys that are missing from the process env).
        found = True
        yield warned("env.shellEnv.enabled is true: the gateway runs your login shell at start-up and takes provider "
                     "keys from it, so keys live in plaintext shell profiles (~/.profile, ~/.bashrc ...) and whatever "
                     "can write those files runs at every gateway start", "env.shellEnv.enabled",
                     facts.config.where("env.shellEnv.enabled"), severity=Severity.LOW)
    if not found:
        yield passed(f"no plaintext keys in .env or auth profiles ({len(facts.files.stored_secrets)} entries seen)",
                     "stores")


@check(
    id="AU003",
    title="Each credential is stored in one place only",
    title_zh="每个凭据只存放在一处",
    severity=Severity.MEDIUM,
    guide=("E7.3", "E7.1"),
    remediation="Keep one copy of each key (one SecretRef / env var) and reference it; after rotating, remove the "
                "stale copies from openclaw.json, ~/.openclaw/.env and auth-profiles.json.",
    remediation_zh="每个密钥只保留一份(一个 SecretRef 或环境变量)并通过引用使用;轮换后删除 openclaw.json、"
                   "~/.openclaw/.env 与 auth-profiles.json 中的旧副本。",
    cwe=("CWE-522",),
)
def credentials_not_duplicated(facts: Facts) -> Iterator[Outcome]:
    """The same secret in several files (config literal, ``.env``, auth profile, another config path) is a
    rotation hazard: rotating one copy leaves working copies behind, and each extra copy is one more leak
    path (E7.3 asks for regular rotation). Compared by salted fingerprint (HMAC of the value, per-run salt),
    never by value."""
    assert facts.config is not None
    places: dict[str, list[str]] = {}
    for path, info in facts.config.secrets.items():
        if info.kind == "literal" and info.fingerprint:
            places.setdefault(info.fingerprint, []).append(f"openclaw.json {path}")
    for s in facts.files.stored_secrets if facts.files else []:
        if s.info.kind == "literal" and s.info.fingerprint:
            places.setdefault(s.info.fingerprint, []).append(f"{s.path} {s.key}")
    dup = {fp: p for fp, p in places.items() if len(p) > 1}
    for fp, where in sorted(dup.items(), key=lambda kv: kv[1]):
        yield warned(f"the same credential is stored in {len(where)} places: {'; '.join(sorted(where))}",
                     f"credential:{fp}", None)
    if not dup:
        yield passed(f"{len(places)} plaintext credential(s) found, none stored twice", "credentials")
