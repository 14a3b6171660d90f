"""Check LG006: OpenClaw's own audit suppressions. Found by extracting every ``openclaw security audit`` checkId
from the 2026.9.6 dist (``scripts/parity.py --catalogue``): native ``security.audit.suppressions.active`` (suppressed
native findings move to ``suppressedFindings`` and leave the summary).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import cfg, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, passed, warned


@check(
    id="LG006",
    title="OpenClaw's own security audit hides no findings",
    title_zh="OpenClaw 自身安全审计未屏蔽任何发现",
    severity=Severity.LOW,
    guide=("D2.4", "D2.4.1"),
    upstream=("security.audit.suppressions.active",),
    remediation="Review security.audit.suppressions in openclaw.json; remove each suppression whose accepted risk no "
                "longer applies (clawfence reports those findings regardless).",
    remediation_zh="检查 openclaw.json 中的 security.audit.suppressions,删除风险接受已不再成立的屏蔽项"
                   "(clawfence 仍会报告这些问题)。",
    references=("https://docs.openclaw.ai/gateway/security",),
    cwe=("CWE-778",),
)
def native_audit_suppressions(facts: Facts) -> Iterator[Outcome]:
    """``security.audit.suppressions`` moves matching findings of ``openclaw security audit`` out of its summary.
    Whoever can write openclaw.json (the agent, if it can reach it) can silence the native audit with one entry.
    clawfence does not honour the suppressions; this check lists them so a reviewer sees what native hides."""
    key = "security.audit.suppressions"
    sup = cfg(facts, key)
    if not isinstance(sup, list) or not sup:
        yield passed("no security.audit.suppressions configured", key)
        return
    ids = [str(s.get("checkId", "?")) for s in sup if isinstance(s, dict)]
    broad = [i for s, i in zip(sup, ids, strict=False)
             if isinstance(s, dict) and not s.get("titleIncludes") and not s.get("detailIncludes")]
    sev = Severity.MEDIUM if broad else Severity.LOW
    yield warned(f"{len(sup)} native audit suppression(s) configured ({', '.join(ids)})"
                 + (f"; {len(broad)} hide every finding of their checkId" if broad else ""), key, where(facts, key),
                 severity=sev)
