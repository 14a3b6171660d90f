"""Checks UP: the installed OpenClaw version against bundled offline advisory data.

Sources: guide P6.1 (install security patches), D1.1 (latest version, all known vulnerabilities patched),
C3.1 (vulnerability monitoring), E2.3 (patch the operating environment); advisories from
``data/advisories.yaml`` (reference/openclaw.md §6). Version precedence from ``facts.host.collect_version``:
``--openclaw-version`` > npm package.json > ``openclaw --version`` > ``meta.lastTouchedVersion`` (a hint only:
it names the last release that wrote the config, not necessarily the one installed).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.advisories import affecting, load
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.calver import parse
from clawfence.core.model import Outcome, Severity, failed, passed, warned


@check(
    id="UP001",
    title="Installed OpenClaw version has no known advisories",
    title_zh="已安装的 OpenClaw 版本无已知安全公告",
    severity=Severity.HIGH,
    guide=("P6", "P6.1", "D1.1", "C3.1", "E2.3"),
    requires=(),
    remediation="Upgrade OpenClaw: `npm install -g openclaw@latest` (or `openclaw update`), then restart the gateway "
                "and confirm with `openclaw --version`.",
    remediation_zh="升级 OpenClaw:执行 `npm install -g openclaw@latest`(或 `openclaw update`),重启网关后用 "
                   "`openclaw --version` 确认版本。",
    references=("https://github.com/openclaw/openclaw/security/advisories",),
    cwe=("CWE-1104",),
)
def version_not_vulnerable(facts: Facts) -> Iterator[Outcome]:
    """Published OpenClaw advisories include token theft by a single link (CVE-2026-25253), localhost
    WebSocket hijacking (ClawJacked) and sandbox escapes (Claw Chain). The version is compared with the
    bundled ranges using OpenClaw's CalVer order. When the version comes only from
    ``meta.lastTouchedVersion`` the result is a warning: verify with ``openclaw --version``."""
    vf = facts.version
    ver = parse(vf.version)
    if vf.version is None or ver is None:
        shown = repr(vf.version) if vf.version else "unknown"
        yield warned(f"installed OpenClaw version is {shown}: verify it manually with `openclaw --version` "
                     f"against {len(load())} bundled advisories", "openclaw-version", severity=Severity.MEDIUM)
        return
    source = vf.source or "unknown source"
    weak = "lastTouchedVersion" in source or "hint" in source
    hits = affecting(vf.version)
    for a in hits:
        aka = f" ({', '.join(a.aliases)})" if a.aliases else ""
        detail = (f"OpenClaw {vf.version} (from {source}) is affected by {a.id}{aka}: {a.title}; "
                  f"affected {a.affected}, fixed in {a.fixed}")
        if weak:
            yield warned(detail + " — version is a config hint, confirm with `openclaw --version`", a.id,
                         severity=a.severity, evidence=", ".join(a.references[:2]) or None)
        else:
            yield failed(detail, a.id, severity=a.severity, evidence=", ".join(a.references[:2]) or None)
    if not hits:
        yield passed(f"OpenClaw {vf.version} (from {source}) is not in the range of any of {len(load())} bundled "
                     "advisories", "openclaw-version")
