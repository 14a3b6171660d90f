"""Checks CF: the config loads in the installed OpenClaw version (strict schema, retired keys).

Source: guide D2.4.1 / C1.1 (a config OpenClaw rejects leaves the user on whatever ran before, and makes
``openclaw security audit`` refuse to run); OpenClaw ``docs/gateway/configuration.md`` "Strict validation";
``openclaw config schema`` 2026.9.6.
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped


@check(
    id="CF001",
    title="Config is valid for the installed OpenClaw version",
    title_zh="配置符合已安装 OpenClaw 版本的模式",
    severity=Severity.MEDIUM,
    guide=("D2.4.1", "C1.1"),
    remediation="Remove retired or unknown keys (openclaw doctor --fix) and fix invalid values; "
                "check with openclaw config validate.",
    remediation_zh="删除已废弃或未知的配置键(openclaw doctor --fix),修正非法取值;用 openclaw config validate 复核。",
    fix="remove-retired-keys",
)
def config_valid_for_version(facts: Facts) -> Iterator[Outcome]:
    """OpenClaw's config schema is strict: unknown or retired keys make the gateway and the native audit
    refuse to start (2026.9.6 rejects ``gateway.controlUi.allowInsecureAuth``, ``logging.redactSensitive``).
    A key the installed version ignores also gives a false sense of protection."""
    assert facts.config is not None
    if not facts.config.exists:
        yield skipped("not applicable: no openclaw.json (OpenClaw runs on defaults)", "config")
        return
    if facts.config.schema_version is None and not facts.config.issues:
        yield skipped(f"no packaged schema for OpenClaw {facts.version.version or '(unknown version)'}; "
                      "retired-key history only", "config")
        return
    for issue in facts.config.issues:
        sev = Severity.HIGH if issue.kind in ("unknown-key", "retired-key") else None
        yield failed(f"{issue.path}: {issue.kind}: {issue.message}", issue.path, facts.config.where(issue.path),
                     severity=sev)
    if not facts.config.issues:
        yield passed(f"config validates against the OpenClaw {facts.config.schema_version} schema", "config")
