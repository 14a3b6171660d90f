"""Checks LG: logging, redaction, the audit ledger and diagnostics export.

Sources: guide E4.1-E4.4 (monitoring, tamper-proof audit logs, SIEM, reconstructable behaviour), E7.2
(keys must not linger in logs); OpenClaw ``docs/gateway/logging.md`` (redactSensitive, redactPatterns),
``docs/gateway/audit.md`` / configuration-reference "Audit" (``logging.audit.*``), the 2026.9.6 config schema
(``diagnostics.otel.*``, ``telemetry.enabled``). Keys are judged only in versions whose schema has them.
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import cfg, config_version, key_in_version
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.calver import CalVer, parse
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned

#: First release line with the SQLite audit ledger (database-first era, reference/openclaw.md §1.5, §0).
AUDIT_LEDGER_SINCE = "2026.7.2-beta.1"



@check(
    id="LG001",
    title="Log and transcript redaction is on",
    title_zh="日志与会话记录脱敏已开启",
    severity=Severity.HIGH,
    guide=("E7.2", "E4.2", "P5.1"),
    remediation='Set logging.redactSensitive to "tools" (or remove the key; releases from 2026.9.6 always redact).',
    remediation_zh='将 logging.redactSensitive 设为 "tools"(或删除该键;2026.9.6 起的版本始终脱敏)。',
    fix="logging-redact-on",
    upstream=("logging.redact_off",),
    cwe=("CWE-532",),
)
def log_redaction_on(facts: Facts) -> Iterator[Outcome]:
    """With ``logging.redactSensitive: off`` (file era) tokens and keys in tool arguments and output are
    written verbatim to the gateway log and transcripts. The guide wants keys destroyed, not kept in logs
    (E7.2). Newer releases retired the key and always redact; there it is not judged."""
    key = "logging.redactSensitive"
    loc = _loc(facts, key)
    if not key_in_version(facts, key):
        yield passed(f"redaction is always on in OpenClaw {config_version(facts)} ({key} retired)", key, loc)
        return
    v = cfg(facts, key, "tools")
    if v == "off":
        yield failed(f"{key} is 'off': secrets in tool calls are logged in clear", key, loc)
    else:
        yield passed(f"{key} is {v!r}", key, loc)


@check(
    id="LG002",
    title="Custom redaction patterns keep the built-in ones",
    title_zh="自定义脱敏规则未覆盖内置规则",
    severity=Severity.MEDIUM,
    guide=("E7.2",),
    remediation="Remove logging.redactPatterns, or make it a superset of the built-in token/key patterns "
                "(it replaces them; it does not add to them).",
    remediation_zh="删除 logging.redactPatterns,或确保其包含全部内置令牌/密钥规则(该配置会替换而非追加内置规则)。",
    cwe=("CWE-532",),
)
def redact_patterns_keep_builtins(facts: Facts) -> Iterator[Outcome]:
    """``logging.redactPatterns`` replaces OpenClaw's built-in redaction patterns for logs and transcripts
    (``docs/gateway/logging.md``); a short custom list silently turns off redaction of provider keys and
    bearer tokens it does not mention."""
    key = "logging.redactPatterns"
    v = cfg(facts, key)
    if isinstance(v, list) and v:
        yield warned(f"{key} sets {len(v)} custom pattern(s), replacing the built-in ones", key, _loc(facts, key))
    else:
        yield passed(f"{key} unset: built-in patterns apply", key, _loc(facts, key))


@check(
    id="LG003",
    title="Audit ledger is enabled",
    title_zh="审计台账已启用",
    severity=Severity.MEDIUM,
    guide=("E4.2", "E4.4", "E4.1"),
    remediation="Remove logging.audit.enabled: false (default true); consider logging.audit.executionIdentity true "
                "and export `openclaw audit` records to your SIEM.",
    remediation_zh="删除 logging.audit.enabled: false(默认为 true);可开启 logging.audit.executionIdentity,"
                   "并将 `openclaw audit` 记录导出到 SIEM。",
    cwe=("CWE-778",),
)
def audit_ledger_enabled(facts: Facts) -> Iterator[Outcome]:
    """The database-era audit ledger records run and tool events (metadata only) in ``state/openclaw.sqlite``,
    the record E4.2 and E4.4 ask for to reconstruct what an agent did. ``logging.audit.enabled: false`` stops
    it. Releases before the ledger have no such key; their point is covered by log files and manual SIEM."""
    key = "logging.audit.enabled"
    ver = parse(config_version(facts))
    if not key_in_version(facts, key) or (ver is not None and ver < CalVer(AUDIT_LEDGER_SINCE)
                                          and not (facts.config and facts.config.has(key))):
        yield skipped(f"not applicable: OpenClaw {config_version(facts)} has no audit ledger", key)
        return
    v = cfg(facts, key, True)
    if v is False:
        yield failed(f"{key} is false: run and tool events are not recorded", key, _loc(facts, key))
    else:
        yield passed(f"{key} is {'true' if v is True else 'unset (default true)'}", key, _loc(facts, key))


@check(
    id="LG004",
    title="Log level records security events without debug noise",
    title_zh="日志级别既记录安全事件又不输出调试细节",
    severity=Severity.LOW,
    guide=("E4.1", "E4.3"),
    remediation='Set logging.level to "info" (default) or "warn".',
    remediation_zh='将 logging.level 设为 "info"(默认)或 "warn"。',
    cwe=("CWE-778", "CWE-532"),
)
def log_level_sane(facts: Facts) -> Iterator[Outcome]:
    """Unauthorized WebSocket attempts and config changes are logged at warn/info; ``error``, ``fatal`` or
    ``silent`` drop them (no monitoring, E4.1). ``debug``/``trace`` log payloads and raise the chance
    that secrets reach the log."""
    key = "logging.level"
    v = cfg(facts, key, "info")
    loc = _loc(facts, key)
    if v in ("silent", "fatal", "error"):
        yield warned(f"{key} is {v!r}: warnings such as unauthorized connections are not logged", key, loc)
    elif v in ("debug", "trace"):
        yield warned(f"{key} is {v!r}: verbose logs may contain message and tool payloads", key, loc)
    else:
        yield passed(f"{key} is {v!r}", key, loc)


@check(
    id="LG005",
    title="Diagnostics and telemetry export no conversation content",
    title_zh="诊断与遥测不外传对话内容",
    severity=Severity.MEDIUM,
    guide=("P5.1", "E7.2", "E4.3"),
    remediation="Set diagnostics.otel.captureContent false, send OTLP only to an https or loopback collector you "
                "control, and leave telemetry.enabled false.",
    remediation_zh="将 diagnostics.otel.captureContent 设为 false,OTLP 仅发送到自有的 https 或本机采集端,并保持 "
                   "telemetry.enabled 为 false。",
    cwe=("CWE-200", "CWE-359"),
)
def diagnostics_no_content(facts: Facts) -> Iterator[Outcome]:
    """OpenTelemetry export (``diagnostics.otel``) can attach prompt and tool content to spans
    (``captureContent``) and ship it to a remote collector; plain http exposes it on the wire.
    ``telemetry.enabled`` shares feature statistics (no content) with the update check."""
    problems: list[tuple[str, str, Severity]] = []
    otel_on = cfg(facts, "diagnostics.otel.enabled") is True
    if otel_on and cfg(facts, "diagnostics.otel.captureContent") is True:
        problems.append(("diagnostics.otel.captureContent", "OTLP export includes message/tool content",
                         Severity.MEDIUM))
    if otel_on:
        for k in ("endpoint", "tracesEndpoint", "logsEndpoint", "metricsEndpoint"):
            url = cfg(facts, f"diagnostics.otel.{k}")
            if isinstance(url, str) and url.startswith("http://") and not url[7:].startswith(("127.", "localhost",
                                                                                               "[::1]")):
                problems.append((f"diagnostics.otel.{k}", f"OTLP sent over plain http to {url}", Severity.MEDIUM))
    if cfg(facts, "telemetry.enabled") is True and key_in_version(facts, "telemetry.enabled"):
        problems.append(("telemetry.enabled", "anonymous feature statistics are shared", Severity.LOW))
    for key, why, sev in problems:
        yield warned(f"{key}: {why}", key, _loc(facts, key), severity=sev)
    if not problems:
        yield passed(f"diagnostics.otel {'on without content capture' if otel_on else 'off'}; telemetry off",
                     "diagnostics")
