"""Checks AU005-AU007: what OpenClaw 2026.9.6's ``openclaw secrets audit`` finds beyond plaintext (plaintext in
config, ``.env``, auth-profile stores -- now also the SQLite ones -- and ``models.json`` is AU001/AU002):
retired credential files and migration archives (native ``LEGACY_RESIDUE``), secret references that do not
resolve (``REF_UNRESOLVED``), and config refs that an auth-profile credential shadows (``REF_SHADOWED``).
``scripts/parity_secrets.py`` runs the real ``secrets audit`` beside clawfence and matches every finding by
file and key.

Source (read, not copied): OpenClaw 2026.9.6 ``dist/audit-*.mjs`` (``src/secrets/audit.ts``),
``docs/cli/secrets.md`` "Audit".
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import cfg, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core import calver
from clawfence.core.model import Location, Outcome, Severity, passed, skipped, warned

#: the release in which the JSON auth files are verified retired (the real CLI migrates them into SQLite)
SQLITE_AUTH_SINCE = calver.CalVer("2026.9.6")


def _json_auth_retired(facts: Facts) -> bool:
    """Whether bare ``auth-profiles.json``-style files are residue here: a SQLite auth store exists, or the
    installed version is 2026.9.6 or later, or the version is unknown (not assumed safe)."""
    cs = facts.credential_stores
    if cs is not None and cs.stores:
        return True
    v = calver.parse(facts.version.version)
    return v is None or not v < SQLITE_AUTH_SINCE

REFS = ("https://docs.openclaw.ai/cli/secrets",)


@check(
    id="AU005",
    title="No retired credential files or migration archives remain",
    title_zh="不残留已退役的凭据文件或迁移归档",
    severity=Severity.MEDIUM,
    guide=("E7.2", "E7.1"),
    requires=("config",),
    upstream=("LEGACY_RESIDUE",),
    remediation="Run `openclaw doctor --fix` to migrate retired auth files into the SQLite store, then delete the "
                "`*.migrated-*` / `*.sqlite-import.*.bak` archives once recovery no longer needs them; rotate any key "
                "that sat in them while backups were taken.",
    remediation_zh="运行 `openclaw doctor --fix` 将退役的认证文件迁移进 SQLite 存储,在不再需要恢复时删除 "
                   "`*.migrated-*` / `*.sqlite-import.*.bak` 归档;轮换其存放期间被备份过的密钥。",
    references=REFS,
    cwe=("CWE-312", "CWE-459"),
)
def no_retired_credential_files(facts: Facts) -> Iterator[Outcome]:
    """2026.9.6 keeps auth profiles in SQLite; ``auth-profiles.json``, ``auth-state.json``, ``auth.json`` and
    ``credentials/oauth.json`` are retired sources, and migration leaves ``<name>.migrated-<time>`` copies with the
    same plaintext keys. Nothing reads them any more, so nobody rotates or cleans them, yet every backup and
    every skill that greps the state dir finds them. Native reports each as ``LEGACY_RESIDUE``. The bare JSON
    files count as retired only with a SQLite store present or OpenClaw 2026.9.6+ (or an unknown version): an
    older release still uses them as its live store."""
    cs = facts.credential_stores
    if cs is None:
        yield skipped("credential stores not collected (facts from an older snapshot)", "stores")
        return
    retired = _json_auth_retired(facts)
    shown = 0
    for p in cs.retired:
        archive = ".migrated-" in p or ".sqlite-import." in p
        if not archive and not retired:
            continue  # an older OpenClaw still reads these files: AU002 judges their content
        shown += 1
        kind = "migration archive" if archive else "retired credential source"
        yield warned(f"{p} is a {kind}: plaintext credentials nothing uses any more", p, Location(path=p))
    if not shown:
        yield passed("no retired credential files or migration archives", "stores")


@check(
    id="AU006",
    title="Every secret reference in the config resolves",
    title_zh="配置中的每个密钥引用都能解析",
    severity=Severity.LOW,
    guide=("E7.1", "E7.3"),
    upstream=("REF_UNRESOLVED", "PLACEHOLDER_VALUE"),
    remediation="Set each listed variable where the gateway service gets its environment (systemd EnvironmentFile, "
                "~/.openclaw/.env) or point the SecretRef at the provider that holds it; then run "
                "`openclaw secrets audit --check`.",
    remediation_zh="在网关服务获取环境变量的位置(systemd EnvironmentFile、~/.openclaw/.env)设置所列变量,或让 "
                   "SecretRef 指向实际保存该值的提供方;然后运行 `openclaw secrets audit --check`。",
    references=REFS,
    cwe=("CWE-1188",),
)
def secret_refs_resolve(facts: Facts) -> Iterator[Outcome]:
    """A ``${VAR}`` or ``{source: "env"}`` SecretRef whose variable is set nowhere OpenClaw looks leaves that
    credential empty: a channel or provider fails, and operators "fix" it by pasting the value into the config.
    Resolved from the audit's environment and the state/config ``.env``; the service may have its own
    environment, so this warns low. A variable holding a redaction marker (``__OPENCLAW_REDACTED__``, ``***``:
    native ``PLACEHOLDER_VALUE``) warns medium: someone pasted a redacted display back as the secret. File and
    exec refs are not resolved (exec would run a command)."""
    cs = facts.credential_stores
    if cs is None:
        yield skipped("secret references not collected (facts from an older snapshot)", "secrets")
        return
    for r in cs.unresolved:
        if r.placeholder:
            yield warned(f"{r.path} refers to {r.source} variable {r.name}, whose value is a redaction marker "
                         "(copied from a redacted display), not a credential", r.path, where(facts, r.path),
                         severity=Severity.MEDIUM)
            continue
        yield warned(f"{r.path} refers to {r.source} variable {r.name}, which is set neither in this environment "
                     "nor in the state dir's .env", r.path, where(facts, r.path))
    if not cs.unresolved:
        yield passed("every env-backed secret reference resolves here", "secrets")


@check(
    id="AU007",
    title="No config credential is shadowed by an auth-profile credential",
    title_zh="配置中的凭据未被认证配置文件中的凭据遮蔽",
    severity=Severity.LOW,
    guide=("E7.3", "E7.1"),
    upstream=("REF_SHADOWED",),
    remediation="Keep one source per provider: remove the auth profile (`openclaw models auth`), or drop the config "
                "apiKey ref; rotate the credential that is actually used.",
    remediation_zh="每个提供方只保留一个凭据来源:删除该认证配置(`openclaw models auth`)或删除配置中的 apiKey 引用;"
                   "轮换实际被使用的凭据。",
    references=REFS,
    cwe=("CWE-1188",),
)
def config_refs_not_shadowed(facts: Facts) -> Iterator[Outcome]:
    """Auth-profile credentials take precedence over ``models.providers.<id>.apiKey`` for the same provider:
    the config ref the operator manages (and rotates) is never used, while the stored key -- often plaintext in
    SQLite -- keeps working after a "rotation". Stores are the SQLite auth-profile stores (native reads only
    those)."""
    cs = facts.credential_stores
    provs = cfg(facts, "models.providers")
    if cs is None:
        yield skipped("credential stores not collected (facts from an older snapshot)", "models.providers")
        return
    if not isinstance(provs, dict):
        yield passed("no model providers or credential stores to compare", "models.providers")
        return
    found = False
    for pid, prov in sorted(provs.items()):
        key = f"models.providers.{pid}.apiKey"
        info = facts.config.secret(key) if facts.config else None
        kinds = cs.providers.get(str(pid).strip().lower())
        if info is None or info.kind not in ("env", "secretref") or not kinds or not isinstance(prov, dict):
            continue
        found = True
        yield warned(f"{key} is a reference, but auth-profile credentials ({'/'.join(kinds)}) for provider {pid!r} "
                     "take precedence: the ref is never used", key, where(facts, key))
    if not found:
        yield passed("no config credential ref is shadowed by an auth profile", "models.providers")
