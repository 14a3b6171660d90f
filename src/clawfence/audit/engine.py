"""Run checks over facts: skip on missing facts, isolate crashes, stamp metadata, sort."""

from __future__ import annotations

from collections.abc import Iterable

from clawfence.audit.facts import Facts
from clawfence.audit.registry import Check
from clawfence.core.model import Finding, Location, Outcome, Status


def stamp(c: Check, o: Outcome, lang: str = "en") -> Finding:
    """Turn an outcome into a finding carrying ``c``'s metadata (title/remediation in ``lang``)."""
    return Finding(
        id=c.id,
        title=c.title_zh if lang == "zh" else c.title,
        severity=o.severity or c.severity,
        status=o.status,
        detail=o.detail,
        subject=o.subject,
        location=o.location,
        guide=c.guide,
        remediation=c.remediation_zh if lang == "zh" else c.remediation,
        upstream=c.upstream,
        references=c.references,
        cwe=c.cwe,
        fix=c.fix,
        evidence=o.evidence,
    )


def run_check(c: Check, facts: Facts, lang: str = "en") -> list[Finding]:
    """Run one check; returns its findings (one SKIP or ERROR finding when it cannot run)."""
    missing = [r for r in c.requires if getattr(facts, r, None) is None]
    if missing:
        why = "needs --deep" if "probe" in missing else f"facts not collected: {', '.join(missing)}"
        return [stamp(c, Outcome(Status.SKIP, why, c.id), lang)]
    try:
        out = [stamp(c, o, lang) for o in c.fn(facts)]
    except Exception as exc:  # a crashing check must never abort the run
        detail = f"check crashed: {type(exc).__name__}: {exc}"
        return [stamp(c, Outcome(Status.ERROR, detail, c.id, Location()), lang)]
    return out or [stamp(c, Outcome(Status.SKIP, "nothing to check", c.id), lang)]


def sort_key(f: Finding) -> tuple[int, int, str, str]:
    """Problems first, then by severity, id, subject."""
    order = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.PASS: 3, Status.SKIP: 4}
    return (order[f.status], -f.severity.rank, f.id, f.subject)


def run(checks: Iterable[Check], facts: Facts, lang: str = "en", deep: bool = False) -> list[Finding]:
    """Run ``checks`` over ``facts``; deep checks are skipped unless ``deep``. Sorted output."""
    findings: list[Finding] = []
    for c in checks:
        if c.deep and not deep:
            findings.append(stamp(c, Outcome(Status.SKIP, "needs --deep", c.id), lang))
            continue
        findings.extend(run_check(c, facts, lang))
    return sorted(findings, key=sort_key)
