"""The shared vocabulary of every layer: severities, statuses, locations, outcomes, findings, reports.

Checks yield :class:`Outcome` values; the engine stamps check metadata on them to make
:class:`Finding` values; reporters render a :class:`Report`. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a failed check is. Ordered: ``critical`` > ``high`` > ``medium`` > ``low`` > ``info``."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Numeric rank, 4 for critical down to 0 for info."""
        return _SEV_RANK[self]

    @property
    def score(self) -> float:
        """CVSS-like number used for SARIF ``security-severity`` (0.0-10.0)."""
        return {4: 9.5, 3: 8.0, 2: 5.5, 1: 3.0, 0: 0.0}[self.rank]


_SEV_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Status(StrEnum):
    """Result of one check on one subject. ``warn`` = risky but not a clear violation."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


class PointStatus(StrEnum):
    """Compliance status of one guide point in the rollup."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    MANUAL = "manual"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file path, a dotted config key, a 1-based line (all optional)."""

    path: str | None = None
    key: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"path", "key", "line"}``."""
        return {"path": self.path, "key": self.key, "line": self.line}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check says about one subject, without metadata.

    ``severity`` overrides the check's default for this outcome (e.g. escalate when exposed).
    ``evidence`` is a short, already-redacted excerpt shown to users.
    """

    status: Status
    detail: str
    subject: str
    location: Location | None = None
    severity: Severity | None = None
    evidence: str | None = None


def passed(detail: str, subject: str, location: Location | None = None) -> Outcome:
    """Build a PASS outcome."""
    return Outcome(Status.PASS, detail, subject, location)


def failed(
    detail: str,
    subject: str,
    location: Location | None = None,
    severity: Severity | None = None,
    evidence: str | None = None,
) -> Outcome:
    """Build a FAIL outcome; ``severity`` overrides the check default."""
    return Outcome(Status.FAIL, detail, subject, location, severity, evidence)


def warned(
    detail: str,
    subject: str,
    location: Location | None = None,
    severity: Severity | None = None,
    evidence: str | None = None,
) -> Outcome:
    """Build a WARN outcome (risky, not a clear violation)."""
    return Outcome(Status.WARN, detail, subject, location, severity, evidence)


def skipped(detail: str, subject: str) -> Outcome:
    """Build a SKIP outcome; ``detail`` must say why (not applicable, fact missing)."""
    return Outcome(Status.SKIP, detail, subject)


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of a report: an :class:`Outcome` stamped with its check's metadata."""

    id: str
    title: str
    severity: Severity
    status: Status
    detail: str
    subject: str
    location: Location | None
    guide: tuple[str, ...]
    remediation: str
    upstream: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    fix: str | None = None
    evidence: str | None = None
    suppressed: str | None = None
    #: ISO-8601 time of the event behind the finding (trail detections); None for state checks.
    observed_at: str | None = None

    @property
    def fingerprint(self) -> str:
        """Stable id of (check, subject): sha256 hex, 16 chars; ignores detail and line."""
        return hashlib.sha256(f"{self.id}\0{self.subject}".encode()).hexdigest()[:16]

    @property
    def is_problem(self) -> bool:
        """True for FAIL, WARN and ERROR."""
        return self.status in (Status.FAIL, Status.WARN, Status.ERROR)

    def to_dict(self) -> dict[str, Any]:
        """JSON contract form (schema 1)."""
        return {
            "id": self.id,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "subject": self.subject,
            "guide": list(self.guide),
            "location": (self.location or Location()).to_dict(),
            "remediation": self.remediation,
            "upstream": list(self.upstream),
            "references": list(self.references),
            "cwe": list(self.cwe),
            "fix": self.fix,
            "evidence": self.evidence,
            "suppressed": self.suppressed,
            "fingerprint": self.fingerprint,
            **({"observed_at": self.observed_at} if self.observed_at else {}),
        }


@dataclass(frozen=True, slots=True)
class PointResult:
    """Compliance rollup of one guide point: status plus the check ids behind it."""

    point: str
    item: str
    status: PointStatus
    checks: tuple[str, ...]
    text_en: str
    text_zh: str
    manual_evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"point", "item", "status", "checks", "manual_evidence"}``."""
        return {
            "point": self.point,
            "item": self.item,
            "status": self.status.value,
            "checks": list(self.checks),
            "manual_evidence": self.manual_evidence,
        }


@dataclass(frozen=True, slots=True)
class Target:
    """What was audited."""

    state_dir: str
    config_path: str
    openclaw_version: str | None
    version_source: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a reporter needs; holds no renderer state. Times are ISO-8601 UTC strings."""

    tool_name: str
    tool_version: str
    target: Target
    started: str
    finished: str
    findings: tuple[Finding, ...]
    compliance: tuple[PointResult, ...] = ()
    facts_summary: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    kind: str = "audit"

    def summary(self) -> dict[str, Any]:
        """Counts by status and by severity of problems, plus a 0-100 score."""
        by_status = {s.value: 0 for s in Status}
        by_sev = {s.value: 0 for s in Severity}
        for f in self.findings:
            if f.suppressed:
                continue
            by_status[f.status.value] += 1
            if f.status in (Status.FAIL, Status.WARN):
                by_sev[f.severity.value] += 1
        points = {s.value: 0 for s in PointStatus}
        for p in self.compliance:
            points[p.status.value] += 1
        return {
            "status": by_status,
            "severity": by_sev,
            "points": points,
            "score": score(self.findings),
            "suppressed": sum(1 for f in self.findings if f.suppressed),
        }


def score(findings: tuple[Finding, ...] | list[Finding]) -> int:
    """Security score 0-100: share of evaluated checks passed, weighted by severity."""
    weights = {4: 10, 3: 6, 2: 3, 1: 1, 0: 0}
    total = lost = 0.0
    for f in findings:
        if f.status in (Status.SKIP, Status.ERROR) or f.suppressed:
            continue
        w = weights[f.severity.rank]
        total += w
        if f.status == Status.FAIL:
            lost += w
        elif f.status == Status.WARN:
            lost += w / 2
    return 100 if total == 0 else round(100 * (total - lost) / total)
